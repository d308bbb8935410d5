"""Matrix product, 2-D and batched, with NumPy's broadcasting of the batch axes."""

import numpy as np

from tinygrad_rnn.ops import register
from tinygrad_rnn.ops.broadcast import unbroadcast


@register("matmul")
def matmul(a, b, needs=(True, True)):
    """a @ b for operands of rank >= 2; ``needs`` says which operands want a gradient.

    Shapes:
        a: (..., N, K)
        b: (..., K, M)
        returns: (..., N, M), the batch axes broadcast together
    """
    y = a @ b

    def backward(grad_y):
        # dL/da = dL/dy @ b^T, dL/db = a^T @ dL/dy, summed over broadcast batch axes
        grad_a = grad_b = None
        if needs[0]:
            grad_a = unbroadcast(grad_y @ np.swapaxes(b, -1, -2), a.shape)
        if needs[1]:
            if b.ndim == 2:
                # One GEMM over every batch row at once: (K, rows) @ (rows, M)
                rows_a = a.reshape(-1, a.shape[-1])
                grad_b = rows_a.T @ grad_y.reshape(-1, grad_y.shape[-1])
            else:
                grad_b = unbroadcast(np.swapaxes(a, -1, -2) @ grad_y, b.shape)
        return grad_a, grad_b

    return y, backward
