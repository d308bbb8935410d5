"""Matrix products: matmul (2-D and batched, with NumPy's broadcasting of the batch
axes) and addmm (c + a @ b with a 2-D b).

When the right operand is a 2-D matrix (a weight), every leading axis of the left one
is folded into the rows of a single 2-D product. NumPy's batched matmul would otherwise
loop over the batch axes in small pieces, which is many times slower for a
(B, T, F) @ (F, H) product. The weight's gradient is returned as a :class:`WeightGrad`,
which the engine evaluates once for all the ops that share the weight. These 2-D
products call ``np.dot``, which reaches BLAS with less overhead than ``@`` (and, for a
transposed operand, without the extra copy ``@`` makes): on the (8, 64) @ (64, 64)
products of an RNN step, 1.3 us instead of 1.6 us, and 1.7 us instead of 2.7 us.
"""

import numpy as np

from tinygrad_rnn.ops import buffers, register
from tinygrad_rnn.ops.broadcast import unbroadcast
from tinygrad_rnn.ops.shape import Scatter


class WeightGrad:
    """The gradient of a 2-D weight b in ``y = a @ b``: ``rows_a^T @ rows_grad``.

    Returned unevaluated so that the engine can add up the contributions of every op
    that used the weight (one per time step in an RNN) as a single GEMM over all their
    rows, instead of T small GEMMs and T additions.

    Attributes:
        rows_a: a with its leading axes folded into rows, (N, K).
        rows_grad: dL/dy likewise, (N, M).
    """

    __slots__ = ("rows_a", "rows_grad")

    def __init__(self, rows_a, rows_grad):
        self.rows_a = rows_a
        self.rows_grad = rows_grad

    # Contributions are stacked into two scratch blocks of at most this many bytes
    # each: big enough for an efficient GEMM, small enough to keep. The blocks are
    # kept from one backward() to the next (one pair per thread), because a fresh
    # array of this size costs a page fault per 4 KB page when first written, which
    # on this project's machines took longer than the GEMM itself.
    BLOCK_BYTES = 1 << 19

    @staticmethod
    def total(pending):
        """Sum of rows_a^T @ rows_grad over a list of WeightGrads, in few GEMMs."""
        first = pending[0]
        if len(pending) == 1:
            return np.dot(first.rows_a.T, first.rows_grad)
        dtype = first.rows_a.dtype
        k, m = first.rows_a.shape[1], first.rows_grad.shape[1]
        max_rows = max(1, WeightGrad.BLOCK_BYTES // (max(k, m) * dtype.itemsize))
        # A few small contributions (the four steps of the reference exercise) are
        # joined directly. The size is judged from the first; any mix sums the same.
        if len(pending) * len(first.rows_a) <= max_rows // 8:
            rows_a = np.concatenate([p.rows_a for p in pending])  # (N, K)
            return np.dot(rows_a.T, np.concatenate([p.rows_grad for p in pending]))
        scratch_a = scratch_grad = None  # taken when a block stacks two or more
        total = None
        for block, rows in _blocks(pending, max_rows):
            if len(block) == 1:  # one contribution fills a block by itself
                rows_a, rows_grad = block[0].rows_a, block[0].rows_grad
            else:
                if scratch_a is None:  # at most BLOCK_BYTES each, since max_rows > 1
                    scratch_a, scratch_grad = buffers.scratch_blocks(
                        max_rows * max(k, m) * dtype.itemsize
                    )
                rows_a = np.concatenate(
                    [p.rows_a for p in block], out=_view(scratch_a, rows, k, dtype)
                )  # (rows, K)
                rows_grad = np.concatenate(
                    [p.rows_grad for p in block],
                    out=_view(scratch_grad, rows, m, dtype),
                )  # (rows, M)
            product = np.dot(rows_a.T, rows_grad)  # (K, M)
            if total is None:
                total = product
            else:
                total += product
        return total


def _view(buffer, rows, cols, dtype):
    """The first rows * cols elements of a byte buffer as a (rows, cols) array."""
    return buffer[: rows * cols * dtype.itemsize].view(dtype).reshape(rows, cols)


def _blocks(pending, max_rows):
    """Consecutive runs of WeightGrads with at most max_rows rows in all (a run of
    one may have more), each as (list of WeightGrads, their number of rows)."""
    block, rows = [], 0
    for part in pending:
        count = len(part.rows_a)
        if block and rows + count > max_rows:
            yield block, rows
            block, rows = [], 0
        block.append(part)
        rows += count
    yield block, rows


def _rows(a):
    """a with its leading axes folded into rows: (..., K) -> (N, K)."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


def _times_weight(a, b):
    """a @ b for a 2-D b, as one 2-D product over all of a's leading axes.

    Returns:
        (y (..., M), rows_a (N, K)); rows_a is kept for the weight's gradient.
    """
    if a.ndim == 2:
        return np.dot(a, b), a
    rows_a = _rows(a)  # (N, K)
    y = np.dot(rows_a, b).reshape(a.shape[:-1] + (b.shape[1],))  # (..., M)
    return y, rows_a


def _times_weight_grads(grad_y, b, rows_a, shape_a, needs_a, needs_b):
    """(dL/da, dL/db) for y = a @ b with a 2-D b; None where not needed."""
    # dL/da = dL/dy @ b^T; dL/db = a^T @ dL/dy over every row at once
    rows_grad = _rows(grad_y)  # (N, M)
    grad_a = None
    if needs_a:
        if rows_grad.nbytes < buffers.MIN_BYTES:  # an RNN step's: not worth lending
            grad_a = np.dot(rows_grad, b.T)
        else:
            grad_a = np.dot(
                rows_grad, b.T, out=buffers.empty((len(rows_grad), len(b)), b.dtype)
            )
        if len(shape_a) != 2:
            grad_a = grad_a.reshape(shape_a)
    grad_b = WeightGrad(rows_a, rows_grad) if needs_b else None  # the engine sums
    return grad_a, grad_b


@register("matmul")
def matmul(a, b, needs=(True, True)):
    """a @ b for operands of rank >= 2; ``needs`` says which operands want a gradient.

    Shapes:
        a: (..., N, K)
        b: (..., K, M)
        returns: (..., N, M), the batch axes broadcast together
    """
    if b.ndim != 2:
        return _batched_matmul(a, b, needs)
    y, rows_a = _times_weight(a, b)
    shape_a = a.shape

    def backward(grad_y):
        return _times_weight_grads(grad_y, b, rows_a, shape_a, needs[0], needs[1])

    return y, backward


@register("addmm")
def addmm(c, a, b, needs=(True, True, True), at=None):
    """c + a @ b for a 2-D b, as one op (GEMM's C + A B): a layer's x @ kernel + bias,
    or, with ``at``, c[at] + a @ b: an RNN step's x_proj[t] + h_prev @
    recurrent_kernel, without keeping a @ b apart or recording the indexing.

    Shapes:
        c: broadcastable to (..., M); with ``at``, c[at] is
        a: (..., K)
        b: (K, M)
        returns: (..., M)
    """
    y, rows_a = _times_weight(a, b)
    c_used = c if at is None else c[at]
    y += c_used  # c broadcasts into the fresh product; it may not enlarge it
    shape_a, shape_c = a.shape, c_used.shape

    def backward(grad_y):
        # dL/dc = dL/dy summed over c's broadcast axes, and with at, only c[at] gets
        # it (a sparse gradient, as indexing gives); a and b as in matmul
        grad_c = None
        if needs[0]:
            grad_c = unbroadcast(grad_y, shape_c)
            if at is not None:
                grad_c = Scatter(at, grad_c, False)
        grad_a, grad_b = _times_weight_grads(
            grad_y, b, rows_a, shape_a, needs[1], needs[2]
        )
        return grad_c, grad_a, grad_b

    return y, backward


def _batched_matmul(a, b, needs):
    y = a @ b

    def backward(grad_y):
        # dL/da = dL/dy @ b^T, dL/db = a^T @ dL/dy, summed over broadcast batch axes
        grad_a = grad_b = None
        if needs[0]:
            grad_a = unbroadcast(grad_y @ np.swapaxes(b, -1, -2), a.shape)
        if needs[1]:
            grad_b = unbroadcast(np.swapaxes(a, -1, -2) @ grad_y, b.shape)
        return grad_a, grad_b

    return y, backward
