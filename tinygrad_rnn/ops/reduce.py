"""Reductions over axes: sum, mean, max, and the softmax family along one axis.

They call the ufuncs' ``reduce`` (``np.add.reduce`` for ``np.sum``) directly: the same
arithmetic, without the Python layers of ``np.sum`` and ``np.mean``, which cost more
than the reduction itself on the small arrays of an RNN step or a loss.
"""

import numpy as np

from tinygrad_rnn.ops import buffers, register


def _axes(axis, ndim):
    """Normalise ``axis`` (None, an int or a tuple) to a sorted tuple of axes >= 0.

    As in NumPy, a 0-d array accepts axis 0 or -1; it has no axis to reduce, so the
    result is ``()``.
    """
    if axis is None:
        return tuple(range(ndim))
    parts = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in parts:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(
                f"axis must be None, an int or a tuple of ints, got {axis!r}"
            )
    axes = []
    for a in parts:
        if not -(ndim or 1) <= a < (ndim or 1):
            raise ValueError(f"axis {a} is out of range for an array of rank {ndim}")
        axes.append(a % ndim if ndim else None)
    if len(set(axes)) != len(axes):
        raise ValueError(f"axis {axis!r} names an axis twice")
    return tuple(sorted(a for a in axes if a is not None))


def _kept_shape(shape, axes):
    """``shape`` with the reduced axes kept as size 1."""
    return tuple(1 if d in axes else n for d, n in enumerate(shape))


def _expand_back(grad_y, kept_shape):
    """Put back the reduced axes of ``grad_y`` as size-1 axes, ready to broadcast."""
    # asarray first: np.reshape of a NumPy scalar (a full reduction's gradient) goes
    # through a path whose internal cache grows by ~30 KB over a training run
    return np.asarray(grad_y).reshape(kept_shape)


def _spread(grad, shape, dtype):
    """``grad`` (reduced axes of size 1) copied out to the input's full shape."""
    full = np.empty(shape, dtype=dtype)
    full[...] = grad
    return full


@register("sum")
def sum(x, axis=None, keepdims=False):
    axes = _axes(axis, x.ndim)
    y = np.add.reduce(x, axis=axes, keepdims=keepdims)
    shape, dtype = x.shape, x.dtype
    kept = _kept_shape(shape, axes)

    def backward(grad_y):
        # d sum(x)/dx_i = 1: every element gets the gradient of its sum
        return (_spread(_expand_back(grad_y, kept), shape, dtype),)

    return y, backward


@register("mean")
def mean(x, axis=None, keepdims=False):
    axes = _axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    y = np.add.reduce(x, axis=axes, keepdims=keepdims) / count  # as np.mean
    shape, dtype = x.shape, x.dtype
    kept = _kept_shape(shape, axes)

    def backward(grad_y):
        # d mean(x)/dx_i = 1 / n, n the number of elements averaged
        grad = _expand_back(grad_y, kept) / count
        return (_spread(grad, shape, dtype),)

    return y, backward


@register("max")
def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``; tied maxima share the gradient equally."""
    axes = _axes(axis, x.ndim)
    y_kept = np.maximum.reduce(x, axis=axes, keepdims=True)
    y = y_kept if keepdims else np.squeeze(y_kept, axis=axes)

    def backward(grad_y):
        # d max(x)/dx_i = 1 / k at each of the k positions holding the max, else 0
        is_max = x == y_kept
        count = np.add.reduce(is_max, axis=axes, keepdims=True, dtype=x.dtype)
        grad = _expand_back(grad_y, y_kept.shape)
        return (grad * is_max / count,)

    return y, backward


@register("softmax")
def softmax(x, axis=-1):
    # Subtracting the max makes exp overflow-free; softmax does not change.
    z = np.exp(x - np.maximum.reduce(x, axis=axis, keepdims=True))
    y = z / np.add.reduce(z, axis=axis, keepdims=True)

    def backward(grad_y):
        # dL/dx = y * (dL/dy - sum(dL/dy * y)), the softmax Jacobian applied to dL/dy
        inner = np.add.reduce(grad_y * y, axis=axis, keepdims=True)
        return (y * (grad_y - inner),)

    return y, backward


@register("log_softmax")
def log_softmax(x, axis=-1):
    y = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    z = np.exp(y)
    norm = np.add.reduce(z, axis=axis, keepdims=True)
    y -= np.log(norm)  # in place: one large temporary fewer

    def backward(grad_y):
        # dL/dx = dL/dy - softmax(x) * sum(dL/dy), with softmax(x) = z / norm;
        # the two per-row factors are combined first: one pass over z fewer
        total = np.add.reduce(grad_y, axis=axis, keepdims=True)
        grad_x = np.multiply(z, total / norm, out=buffers.empty(z.shape, z.dtype))
        np.subtract(grad_y, grad_x, out=grad_x)
        return (grad_x,)

    return y, backward
