"""Undoing NumPy broadcasting in the backward pass.

When a binary op broadcast an operand of shape ``shape`` up to the output's shape, the
operand's gradient is the output gradient summed over every broadcast axis: the leading
axes NumPy prepended, and the axes where the operand had size 1. This is the one place
that rule lives.
"""

import numpy as np


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, the shape of the operand before broadcasting.

    Args:
        grad: gradient with the broadcast (output) shape.
        shape: the operand's own shape.

    Returns:
        An array of shape ``shape``; ``grad`` itself when nothing was broadcast.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = np.add.reduce(grad, axis=tuple(range(extra)))
    size_one = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if size_one:
        grad = np.add.reduce(grad, axis=size_one, keepdims=True)
    return grad.reshape(shape)
