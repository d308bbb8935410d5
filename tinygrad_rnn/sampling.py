"""Choosing the next token from a model's logits: greedily, or by sampling.

Sampling at temperature ``tau`` draws from ``softmax(logits / tau)``: ``tau = 1`` is the
model's own distribution, ``tau < 1`` sharpens it towards the most likely token, and
``tau = 0`` is taken to mean its limit, the arg-max (greedy decoding). The draw uses
the inverse of the cumulative distribution with one uniform number per row from the
NumPy Generator it is given, so equal seeds give equal samples.

Shape letters: B batch, C classes (the vocabulary).
"""

import numpy as np

from tinygrad_rnn.tensor import Tensor


def _logits_array(logits, name):
    """The logits as a float64 NumPy array of rank >= 1, checked finite."""
    array = np.asarray(logits.data if isinstance(logits, Tensor) else logits)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: logits must be numbers, got dtype {array.dtype}")
    if array.ndim == 0 or array.shape[-1] == 0:
        raise ValueError(
            f"{name}: logits need a non-empty class axis, got shape {array.shape}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: logits contain inf or nan")
    return array.astype(np.float64)


def greedy(logits):
    """The most likely class of each row: ``argmax(logits, axis=-1)``.

    Args:
        logits: array or Tensor (..., C).

    Returns:
        int64 array of shape (...) (a 0-d array for a single row of shape (C,)).
    """
    return np.argmax(_logits_array(logits, "greedy"), axis=-1).astype(np.int64)


def softmax_with_temperature(logits, temperature):
    """``softmax(logits / temperature)`` along the last axis, in float64.

    Args:
        logits: array or Tensor (..., C).
        temperature: > 0.

    Returns:
        Probabilities of shape (..., C), each row summing to 1.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 here, got {temperature}")
    z = _logits_array(logits, "softmax_with_temperature") / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def sample(logits, temperature=1.0, rng=None):
    """Draw one class per row from ``softmax(logits / temperature)``.

    Args:
        logits: array or Tensor (..., C).
        temperature: >= 0; 0 means greedy (no randomness is drawn).
        rng: a NumPy Generator or int seed. None draws from a fresh, unseeded
            Generator: pass one to make the result reproducible.

    Returns:
        int64 array of shape (...).

    Raises:
        ValueError: for a negative temperature or logits that are not finite.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> sample(np.array([[0.0, 5.0, 0.0]]), temperature=0.5, rng=rng)
        array([1])
    """
    if temperature < 0:
        raise ValueError(f"sample: temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return greedy(logits)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    probs = softmax_with_temperature(logits, temperature)  # (..., C)
    cumulative = np.cumsum(probs, axis=-1)  # (..., C)
    u = rng.random(probs.shape[:-1] + (1,))  # (..., 1)

    # The first class whose cumulative probability exceeds u; the min() guards
    # against round-off leaving cumulative[-1] a hair below u.
    ids = np.sum(cumulative <= u, axis=-1)  # (...)
    return np.minimum(ids, probs.shape[-1] - 1).astype(np.int64)
