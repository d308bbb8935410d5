"""Checking backward() against central finite differences.

For a function ``fn`` of tensors, the loss ``L = sum(v * fn(*inputs))`` with a fixed
random ``v`` (or ``v = 1`` for a single-element output) is differentiated twice: once by
``backward()`` and once numerically, element by element, with
``(L(x + eps) - L(x - eps)) / (2 eps)``. Any disagreement beyond
``atol + rtol * |numeric|`` is reported with the input, the element and both values.
"""

import numpy as np

from tinygrad_rnn.tensor import Tensor, enable_grad, no_grad


class GradcheckError(AssertionError):
    """Raised by :func:`gradcheck` when analytic and numeric gradients disagree."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Compare ``backward()`` with central differences for every input element.

    Args:
        fn: a function of the tensors in ``inputs`` returning one Tensor.
        inputs: a sequence of float64 Tensors; those with ``requires_grad=True`` are
            checked, the others are held constant.
        eps: the finite-difference step.
        atol, rtol: an element passes when |analytic - numeric| <= atol + rtol *
            |numeric|.
        seed: seeds the random weighting ``v`` of a non-scalar output.

    Returns:
        True when every element passes.

    Raises:
        TypeError: if an input is not a float64 Tensor (float32 round-off swamps
            finite differences).
        ValueError: if no input requires a gradient or ``fn`` returns no Tensor.
        GradcheckError: naming the input, the worst element's index, and the
            analytic value, numeric value and difference there.

    Notes:
        ``fn`` must be deterministic. The inputs' ``grad`` is restored afterwards; their
        data is perturbed in place and restored exactly. Gradients are recorded even
        when gradcheck is called inside :func:`no_grad`.
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"gradcheck: inputs must be a list or tuple of Tensors, got "
            f"{type(inputs).__name__}; write [x] for a single input"
        )
    with enable_grad():
        return _gradcheck(fn, list(inputs), eps, atol, rtol, seed)


def _gradcheck(fn, inputs, eps, atol, rtol, seed):
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or x.dtype != np.float64:
            got = x.dtype if isinstance(x, Tensor) else type(x).__name__
            raise TypeError(f"gradcheck needs float64 Tensors; input {i} is {got}")
    checked = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")

    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise ValueError(f"gradcheck: fn returned {type(out).__name__}, not a Tensor")
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    if out.size == 1:
        weights = np.ones(out.shape)

    def loss_value():
        with no_grad():
            return float(np.sum(weights * fn(*inputs).data))

    saved_grads = [x.grad for x in inputs]
    for x in inputs:
        x.grad = None
    if out.requires_grad:
        out.backward(weights)
    analytic = [inputs[i].grad for i in checked]
    for x, grad in zip(inputs, saved_grads):
        x.grad = grad

    for i, grad in zip(checked, analytic):
        x = inputs[i].data
        if grad is None:
            grad = np.zeros_like(x)
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            original = x[index]
            x[index] = original + eps
            plus = loss_value()
            x[index] = original - eps
            minus = loss_value()
            x[index] = original
            numeric[index] = (plus - minus) / (2 * eps)
        _compare(i, grad, numeric, atol, rtol)
    return True


def _compare(i, analytic, numeric, atol, rtol):
    """Raise GradcheckError at the element of input ``i`` that fails worst."""
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    excess = np.where(np.isnan(excess), np.inf, excess)
    if excess.size == 0 or np.max(excess) <= 0:
        return
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    a, n = analytic[worst], numeric[worst]
    failing = int(np.sum(excess > 0))
    raise GradcheckError(
        f"gradcheck failed for input {i} (shape {analytic.shape}): "
        f"{failing} of {analytic.size} elements out of tolerance; worst at index "
        f"{tuple(int(k) for k in worst)}: analytic {a:.10g}, numeric {n:.10g}, "
        f"difference {a - n:.3g} (atol {atol}, rtol {rtol})"
    )
