"""Weight initialisers, following Keras's recipes, and the library's random seed.

Every initialiser takes a shape, a NumPy ``Generator`` and a dtype and returns an array.
Layers draw from the generator they are given, or else from the library's default
generator, which :func:`manual_seed` resets. Random streams differ between frameworks,
so matching another framework's weights means copying them, not its seed.
"""

import numpy as np

from tinygrad_rnn.tensor import _float_dtype

_default_rng = np.random.default_rng()


def manual_seed(seed):
    """Reset the default generator that layers draw their initial weights from.

    Args:
        seed: an int (or anything ``np.random.default_rng`` accepts).
    """
    global _default_rng
    _default_rng = np.random.default_rng(seed)


def get_rng(rng=None):
    """The generator to draw from: ``rng`` (a Generator or int seed) or the default."""
    if rng is None:
        return _default_rng
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(rng)
    raise ValueError(
        f"rng must be a numpy.random.Generator or a non-negative int seed, got {rng!r}"
    )


def check_layer_args(layer, dtype, **sizes):
    """Check a layer's sizes (positive ints) and dtype; return the dtype.

    Raises:
        ValueError: naming the size that is not a positive integer.
        TypeError: if dtype is not float32 or float64.
    """
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
        if value < 1:
            raise ValueError(f"{layer}: {name} must be a positive int, got {value}")
    try:
        return _float_dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{layer}: dtype must be float32 or float64, got {np.dtype(dtype)}"
        ) from None


def glorot_uniform(shape, rng, dtype=np.float64):
    """Uniform on [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)).

    Keras's default kernel initialiser; fan_in, fan_out = shape[0], shape[1].
    """
    fan_in, fan_out = shape[0], shape[1]
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape, rng, dtype=np.float64, gain=1.0):
    """A (semi-)orthogonal matrix, Keras's default recurrent-kernel initialiser.

    Draws a standard normal (max(rows, cols), min(rows, cols)) matrix, takes the Q of
    its reduced QR decomposition with each column's sign fixed by diag(R) (so Q is
    uniformly distributed), transposes it when rows < cols, and multiplies by ``gain``.
    For a square shape, Q^T Q = I to round-off.
    """
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    normal = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(normal)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype)


def zeros(shape, rng=None, dtype=np.float64):
    """All zeros; Keras's default bias initialiser."""
    return np.zeros(shape, dtype=dtype)


def torch_uniform(shape, rng, dtype=np.float64, fan=None):
    """PyTorch's RNN and Linear default: uniform on [-1/sqrt(fan), 1/sqrt(fan)].

    PyTorch uses the hidden size as ``fan`` for every weight of an RNN, and the input
    size for both weights of a Linear layer.
    """
    bound = 1.0 / np.sqrt(fan)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


SCHEMES = ("keras", "torch")


def check_scheme(scheme):
    """Raise ValueError unless ``scheme`` names a known initialisation scheme."""
    if scheme not in SCHEMES:
        raise ValueError(f"initialization must be one of {SCHEMES}, got {scheme!r}")
