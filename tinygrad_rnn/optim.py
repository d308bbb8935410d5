"""Optimisers (SGD, Adam) and gradient clipping by global norm.

Each optimiser updates its parameters' arrays in place from their ``grad``; parameters
whose ``grad`` is None are left alone. Adam comes in the two forms that Keras and
PyTorch use, which differ in where epsilon enters (see :class:`Adam`).
"""

import math
import numbers

import numpy as np

from tinygrad_rnn.nn.module import Module


def _param_list(params, where):
    """``params`` as a list, refusing a Module passed in place of its parameters."""
    if isinstance(params, Module):
        raise TypeError(
            f"{where} takes a list of tensors, got a {type(params).__name__} "
            "module; pass model.parameters()"
        )
    return list(params)


def _check_positive(value, name, where, allow_zero=False):
    """Raise unless ``value`` is a finite real number > 0 (>= 0 with allow_zero)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    bound = ">= 0" if allow_zero else "> 0"
    too_small = value < 0 if allow_zero else value <= 0
    if too_small or not math.isfinite(value):
        raise ValueError(f"{where}: {name} must be {bound} and finite, got {value}")


class Optimizer:
    """Base class: holds the parameter list and clears gradients.

    Raises:
        TypeError: if ``params`` is a Module rather than ``model.parameters()``.
        ValueError: if ``params`` is empty, holds a tensor without requires_grad, or
            holds one tensor twice (it would be updated twice per step).
    """

    def __init__(self, params):
        where = type(self).__name__
        self.params = _param_list(params, where)
        if not self.params:
            raise ValueError(f"{where} got an empty parameter list")
        first_index = {}
        for i, p in enumerate(self.params):
            if not getattr(p, "requires_grad", False):
                raise ValueError(f"{where}: parameter {i} does not require grad")
            if id(p) in first_index:
                raise ValueError(
                    f"{where}: parameter {i} is parameter {first_index[id(p)]} "
                    "again; list each tensor once"
                )
            first_index[id(p)] = i

    def zero_grad(self):
        """Set every parameter's ``grad`` to None."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (PyTorch's form).

    ``b = momentum * b + g`` (``b = g`` on the first step), then ``p -= lr * b``; with
    momentum 0, ``p -= lr * g``. Keras writes the same rule as ``m = momentum * m -
    lr * g; p += m``: equal for a constant learning rate, up to round-off.

    Args:
        params: the tensors to update.
        lr: the learning rate (> 0).
        momentum: in [0, 1).
    """

    def __init__(self, params, lr, momentum=0.0):
        super().__init__(params)
        _check_positive(lr, "lr", "SGD")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"SGD: momentum must lie in [0, 1), got {momentum}")
        self.lr = lr
        self.momentum = momentum
        self.buffers = [None] * len(self.params)

    def step(self):
        """Move each parameter that has a gradient by ``-lr`` times its direction."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            direction = p.grad
            if self.momentum:
                buffer = self.buffers[i]
                if buffer is None:
                    buffer = self.buffers[i] = p.grad.copy()
                else:
                    buffer *= self.momentum
                    buffer += p.grad
                direction = buffer
            p.data -= self.lr * direction


class Adam(Optimizer):
    """Adam, in Keras's form (the default) or PyTorch's.

    With m, v the running means of g and g**2 and t the step count (from 1):

    - form='keras' (epsilon 1e-7 by default), as ``keras.optimizers.Adam``::

        alpha = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
        p -= alpha * m / (sqrt(v) + eps)

    - form='torch' (epsilon 1e-8 by default), as ``torch.optim.Adam``::

        p -= lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The two agree when eps is negligible next to sqrt(v); they differ where gradients
    are tiny. The Keras form is the default because the reference exercise is a Keras
    notebook.

    Args:
        params: the tensors to update.
        lr: the learning rate (> 0).
        beta1, beta2: decay rates of the first and second moment, in [0, 1).
        eps: the epsilon (>= 0); None takes the form's default.
        form: 'keras' or 'torch'.
    """

    DEFAULT_EPS = {"keras": 1e-7, "torch": 1e-8}

    def __init__(
        self, params, lr=0.001, beta1=0.9, beta2=0.999, eps=None, form="keras"
    ):
        super().__init__(params)
        if form not in self.DEFAULT_EPS:
            raise ValueError(f"Adam: form must be 'keras' or 'torch', got {form!r}")
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: {name} must lie in [0, 1), got {beta}")
        _check_positive(lr, "lr", "Adam")
        if eps is not None:
            _check_positive(eps, "eps", "Adam", allow_zero=True)
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = self.DEFAULT_EPS[form] if eps is None else eps
        self.form = form
        self.t = 0
        dtypes = {p.dtype for p in self.params}
        if len(dtypes) > 1:
            names = sorted(str(d) for d in dtypes)
            raise TypeError(f"Adam: all parameters must share one dtype, got {names}")
        # The moments of every parameter live in two flat arrays; spans[i] is the
        # slice that belongs to parameter i.
        ends = np.cumsum([p.size for p in self.params])
        self.spans = list(zip(ends - [p.size for p in self.params], ends))
        self.m = np.zeros(int(ends[-1]), dtype=self.params[0].dtype)
        self.v = np.zeros_like(self.m)

    def step(self):
        """Update the moments, then each parameter that has a gradient."""
        self.t += 1
        grads = [p.grad for p in self.params]
        if all(g is not None for g in grads):
            # all parameters in one pass: a few large NumPy calls, not many small ones
            g = np.concatenate([g.reshape(-1) for g in grads])
            delta = self._delta(g, self.m, self.v)
            for p, (start, stop) in zip(self.params, self.spans):
                p.data += delta[start:stop].reshape(p.shape)
            return
        for p, g, (start, stop) in zip(self.params, grads, self.spans):
            if g is not None:
                m, v = self.m[start:stop], self.v[start:stop]
                p.data += self._delta(g.reshape(-1), m, v).reshape(p.shape)

    def _delta(self, g, m, v):
        """Update the moments m, v in place from g; return the change to the weights."""
        b1, b2, t = self.beta1, self.beta2, self.t
        if self.form == "keras":
            # m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
            m *= b1
            m += g * (1.0 - b1)
            v *= b2
            v += (g * g) * (1.0 - b2)
            alpha = self.lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
            return -((m * alpha) / (np.sqrt(v) + self.eps))
        # the same moments, written as PyTorch computes them
        m += (g - m) * (1.0 - b1)
        v *= b2
        v += (1.0 - b2) * g * g
        denom = np.sqrt(v) / math.sqrt(1.0 - b2**t) + self.eps
        return (-self.lr / (1.0 - b1**t)) * (m / denom)


def clip_grad_norm(params, max_norm):
    """Scale all gradients together so that their global L2 norm is at most max_norm.

    As ``torch.nn.utils.clip_grad_norm_``: the scale is max_norm / (norm + 1e-6),
    applied only when it is below 1.

    Args:
        params: tensors whose ``grad`` to clip (None grads are skipped).
        max_norm: the largest allowed norm (> 0).

    Returns:
        The global norm before clipping, a float.

    Raises:
        TypeError: if ``params`` is a Module rather than ``model.parameters()``.
        ValueError: if max_norm is not > 0, or the gradients' norm is NaN or
            infinite (as torch's ``error_if_nonfinite=True``); scaling cannot repair
            such gradients, so none is changed.
    """
    params = _param_list(params, "clip_grad_norm")
    if not max_norm > 0:  # also refuses NaN; inf means "never clip"
        raise ValueError(f"clip_grad_norm: max_norm must be > 0, got {max_norm}")
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
    if not math.isfinite(total):
        raise ValueError(
            f"clip_grad_norm: the gradients' global norm is not finite ({total}); "
            "a gradient holds NaN or inf, or is too large to square"
        )
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for g in grads:
            g *= scale
    return total
