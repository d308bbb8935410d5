"""Elementwise ops: arithmetic, exp, log and the activation functions.

Binary ops broadcast like NumPy; each operand's gradient goes back through
:func:`unbroadcast` to the operand's own shape. A backward function keeps only what
its rule needs (for add and sub, the shapes), since whatever it keeps stays in memory
until backward has passed. Python number constants in the backward
rules keep the input's dtype (NumPy's NEP 50 rules), so float32 stays float32.
"""

import numpy as np

from tinygrad_rnn.ops import register
from tinygrad_rnn.ops.broadcast import unbroadcast

# ---------------------------------------------------------------- arithmetic


@register("add")
def add(a, b):
    shape_a, shape_b = a.shape, b.shape  # keep the shapes, not the arrays

    def backward(grad_y):
        # d(a + b)/da = d(a + b)/db = 1
        return unbroadcast(grad_y, shape_a), unbroadcast(grad_y, shape_b)

    return a + b, backward


@register("sub")
def sub(a, b):
    shape_a, shape_b = a.shape, b.shape

    def backward(grad_y):
        # d(a - b)/da = 1, d(a - b)/db = -1
        return unbroadcast(grad_y, shape_a), unbroadcast(-grad_y, shape_b)

    return a - b, backward


@register("mul")
def mul(a, b):
    y = a * b

    def backward(grad_y):
        # d(a * b)/da = b, d(a * b)/db = a
        return unbroadcast(grad_y * b, a.shape), unbroadcast(grad_y * a, b.shape)

    return y, backward


@register("div")
def div(a, b):
    y = a / b
    shape_a = a.shape

    def backward(grad_y):
        # d(a / b)/da = 1 / b, d(a / b)/db = -a / b**2 = -y / b
        grad_a = grad_y / b
        return unbroadcast(grad_a, shape_a), unbroadcast(-grad_a * y, b.shape)

    return y, backward


@register("pow")
def pow(a, b, needs=(True, True)):
    """a ** b; ``needs`` says which operands want a gradient.

    The exponent's gradient a**b * log(a) is computed only when asked for, so ``x ** 2``
    never takes the log of a negative or zero base.
    """
    y = a**b

    def backward(grad_y):
        grad_a = grad_b = None
        if needs[0]:
            # d(a**b)/da = b * a**(b - 1), and 0 where b == 0 (a**0 is constant)
            with np.errstate(divide="ignore", invalid="ignore"):
                local = np.where(b == 0, 0.0, b * a ** (b - 1))
            grad_a = unbroadcast(grad_y * local, a.shape)
        if needs[1]:
            # d(a**b)/db = a**b * log(a)
            grad_b = unbroadcast(grad_y * y * np.log(a), b.shape)
        return grad_a, grad_b

    return y, backward


@register("neg")
def neg(x):
    def backward(grad_y):
        # d(-x)/dx = -1
        return (-grad_y,)

    return -x, backward


# ------------------------------------------------------------ transcendental


@register("exp")
def exp(x):
    y = np.exp(x)

    def backward(grad_y):
        # d exp(x)/dx = exp(x) = y
        return (grad_y * y,)

    return y, backward


@register("log")
def log(x):
    def backward(grad_y):
        # d log(x)/dx = 1 / x
        return (grad_y / x,)

    return np.log(x), backward


# --------------------------------------------------------------- activations


@register("tanh")
def tanh(x):
    y = np.tanh(x)

    def backward(grad_y):
        # d tanh(x)/dx = 1 - tanh(x)**2, reusing y instead of recomputing:
        # dL/dx = g (1 - y y), computed as g - (g y) y with arrays only (a Python
        # float in a ufunc costs more than the arithmetic on an (8, 64) step)
        grad_x = grad_y * y
        grad_x *= y
        return (grad_y - grad_x,)

    return y, backward


@register("sigmoid")
def sigmoid(x):
    # exp(-|x|) never overflows; the two branches are the same function.
    e = np.exp(-np.abs(x))
    y = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

    def backward(grad_y):
        # d sigmoid(x)/dx = y * (1 - y)
        return (grad_y * y * (1.0 - y),)

    return y, backward


@register("relu")
def relu(x):
    positive = x > 0

    def backward(grad_y):
        # d relu(x)/dx = 1 where x > 0, else 0 (0 at the kink x = 0)
        return (grad_y * positive,)

    return x * positive, backward


# ------------------------------------------------------------------ utility


@register("clip")
def clip(x, low, high):
    inside = (x >= low) & (x <= high)

    def backward(grad_y):
        # d clip(x)/dx = 1 inside [low, high] (ends included), 0 outside
        return (grad_y * inside,)

    return np.clip(x, low, high), backward


@register("astype")
def astype(x, dtype):
    dtype_x = x.dtype

    def backward(grad_y):
        # a cast is the identity; the gradient goes back in the input's dtype
        return (grad_y.astype(dtype_x),)

    return x.astype(dtype), backward
