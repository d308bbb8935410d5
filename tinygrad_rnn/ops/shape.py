"""Ops that move elements without changing them: reshape, transpose, indexing
(getitem, take_along_axis), stacking.

Indexing has a sparse gradient: only the indexed elements of the input receive one. Its
backward returns a :class:`Scatter` (where, what) instead of a dense array, and the
engine adds it into the input's gradient buffer in place. An RNN that reads step ``t``
out of a (B, T, H) array at every step therefore costs O(B*H) per step in backward, not
a fresh (B, T, H) array of zeros per step.
"""

import numpy as np

from tinygrad_rnn.ops import register
from tinygrad_rnn.ops.broadcast import unbroadcast


class Scatter:
    """A sparse gradient: ``values`` to be added into a buffer at ``index``.

    Attributes:
        index: a NumPy index (ints, slices, integer arrays, ...).
        values: the gradient of the indexed part, shaped like ``buffer[index]``.
        repeats: True when the index may name an element more than once, so that
            plain ``buffer[index] += values`` would drop contributions.
    """

    __slots__ = ("index", "values", "repeats")

    def __init__(self, index, values, repeats):
        self.index = index
        self.values = values
        self.repeats = repeats

    def add_into(self, buffer):
        """Add ``values`` into ``buffer`` at ``index``, in place."""
        index = self.index
        if self.repeats:
            np.add.at(buffer, index, self.values)
        elif type(index) is int and buffer.ndim > 1:  # an RNN's step: a view
            part = buffer[index]
            part += self.values  # in place, without writing the view back
        else:
            buffer[index] += self.values


def _is_advanced(index):
    """True when ``index`` uses integer or boolean arrays (NumPy advanced indexing)."""
    parts = index if type(index) is tuple else (index,)
    for part in parts:
        if isinstance(part, (np.ndarray, list)):
            return True
    return False


@register("reshape")
def reshape(x, shape):
    shape_x = x.shape

    def backward(grad_y):
        # reshaping keeps every element: the gradient is reshaped back
        return (grad_y.reshape(shape_x),)

    return x.reshape(shape), backward


@register("transpose")
def transpose(x, axes=None):
    y = np.transpose(x, axes)

    def backward(grad_y):
        # the gradient moves back through the inverse permutation
        inverse = None if axes is None else np.argsort(axes)
        return (np.transpose(grad_y, inverse),)

    return y, backward


@register("broadcast_to")
def broadcast_to(x, shape):
    shape_x = x.shape

    def backward(grad_y):
        # each copy of an element sends its gradient back to that element
        return (unbroadcast(grad_y, shape_x),)

    return np.broadcast_to(x, shape), backward


@register("getitem")
def getitem(x, index):
    # Basic indexing gives a view of x, advanced indexing a copy, as in NumPy.
    repeats = type(index) is not int and _is_advanced(index)
    y = x[index]
    if type(y) is not np.ndarray:  # a single element comes back as a NumPy scalar
        y = np.asarray(y)

    def backward(grad_y):
        # d x[index]/dx is 1 at the indexed elements (summed over repeats), else 0
        return (Scatter(index, grad_y, repeats),)

    return y, backward


@register("take_along_axis")
def take_along_axis(x, indices, axis):
    """x's elements at ``indices`` along ``axis``, as ``np.take_along_axis``.

    ``indices`` is an integer array of x's rank; along every other axis it has x's size
    or 1 (broadcast). A classifier's loss picks each row's target this way.
    """
    index = _along_axis(x.shape, indices, axis)
    # One pick per line, and no line repeated by broadcasting: no element twice.
    repeats = indices.shape[axis] != 1 or any(
        i > n for i, n in zip(indices.shape, x.shape)
    )
    y = x[index]

    def backward(grad_y):
        # as for getitem: the picked elements receive their gradients, others 0
        return (Scatter(index, grad_y, repeats),)

    return y, backward


def _along_axis(shape, indices, axis):
    """The NumPy index that reads ``indices`` along ``axis`` of an array of ``shape``:
    ``indices`` on that axis, and on every other axis d an ``arange(shape[d])`` shaped
    to broadcast along d only."""
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(indices)
        else:
            line = [1] * len(shape)
            line[d] = n
            index.append(np.arange(n).reshape(line))
    return tuple(index)


@register("stack")
def stack(*arrays, axis=0):
    shape = arrays[0].shape
    for a in arrays:
        if a.shape != shape:
            raise ValueError(
                f"the arrays must share one shape, got {shape} and {a.shape}"
            )
    ndim = len(shape) + 1
    axis %= ndim  # tr.stack has checked it
    if axis < len(shape):
        # Joining along the existing axis, then splitting it into (count, size),
        # is np.stack's result: np.stack itself costs ten times as much for the
        # thousand (B, H) steps an RNN stacks.
        y = np.concatenate(arrays, axis=axis)
        y = y.reshape(shape[:axis] + (len(arrays),) + shape[axis:])
    else:
        y = np.stack(arrays, axis=axis)
    new_axis_first = (axis,) + tuple(d for d in range(ndim) if d != axis)

    def backward(grad_y):
        # each input gets its own slice of the gradient along the new axis
        return tuple(grad_y.transpose(new_axis_first))

    return y, backward


@register("concatenate")
def concatenate(*arrays, axis=0):
    y = np.concatenate(arrays, axis=axis)
    ends = np.cumsum([a.shape[axis] for a in arrays])[:-1]

    def backward(grad_y):
        # each input gets back the block of the gradient it filled
        return tuple(np.split(grad_y, ends, axis=axis))

    return y, backward
