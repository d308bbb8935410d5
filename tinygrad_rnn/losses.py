"""Losses: cross-entropy on logits or on probabilities (Keras's rule), and mean squared
error. Each returns a scalar Tensor, the mean over every position (batch and time).

Shape letters: B batch, T time steps, C classes; ``...`` is (B,) or (B, T).
"""

import warnings

import numpy as np

from tinygrad_rnn.data import one_hot
from tinygrad_rnn.tensor import Tensor

KERAS_EPSILON = 1e-7


def _targets(targets, predictions, name):
    """Check targets: integer ids of shape (...) or one-hot floats of shape (..., C).

    Returns:
        (ids, None) for integer ids, or (None, one-hot Tensor) for one-hot targets.
    """
    if isinstance(targets, Tensor):
        targets = targets.data
    targets = np.asarray(targets)
    classes = predictions.shape[-1]
    if classes == 0:
        raise ValueError(
            f"{name}: predictions of shape {predictions.shape} have no classes "
            "(the last axis is empty)"
        )
    if targets.dtype.kind in "iu":
        if targets.shape != predictions.shape[:-1]:
            hint = ""
            if targets.shape == predictions.shape:
                hint = "; one-hot targets must be floats"
            raise ValueError(
                f"{name}: integer targets must have shape {predictions.shape[:-1]} "
                f"(predictions {predictions.shape} without the class axis), "
                f"got {targets.shape}{hint}"
            )
        if targets.size:  # the ufuncs' reduce: np.min's Python layer costs more
            low = np.minimum.reduce(targets, axis=None)
            high = np.maximum.reduce(targets, axis=None)
            if low < 0 or high >= classes:
                raise ValueError(
                    f"{name}: target ids must lie in [0, {classes - 1}], got values "
                    f"from {low} to {high}"
                )
        return targets, None
    if targets.dtype.kind != "f":
        raise TypeError(
            f"{name}: targets must be integer ids or floats, not {targets.dtype}"
        )
    if targets.shape == predictions.shape[:-1]:
        raise TypeError(
            f"{name}: targets of shape {targets.shape} look like class ids, but their "
            f"dtype is {targets.dtype}; class ids must be integers "
            "(ids.astype(int) for an array, t.data.astype(int) for a Tensor); "
            "one-hot targets need the class axis"
        )
    if targets.shape != predictions.shape:
        raise ValueError(
            f"{name}: one-hot targets must have the predictions' shape "
            f"{predictions.shape}, got {targets.shape}"
        )
    return None, Tensor(targets, dtype=predictions.dtype)


def _check_predictions(predictions, name):
    if not isinstance(predictions, Tensor):
        raise TypeError(
            f"{name}: predictions must be a Tensor, got {type(predictions)}"
        )
    if predictions.ndim < 2:
        raise ValueError(
            f"{name}: predictions need a batch and a class axis, "
            f"got {predictions.shape}"
        )
    if predictions.size == 0 and predictions.shape[-1] != 0:
        raise ValueError(
            f"{name}: predictions of shape {predictions.shape} hold no positions "
            "(an empty batch or sequence): their mean is undefined"
        )


def _look_like_probabilities(values):
    """True when every row lies in [0, 1] and sums to 1."""
    if values.size == 0:
        return False
    rows = values.reshape(-1, values.shape[-1])
    # Logits, checked at every training step, almost always fail on the first row.
    return _are_probabilities(rows[:1]) and _are_probabilities(rows)


def _are_probabilities(rows):
    if rows.min() < 0.0 or rows.max() > 1.0:
        return False
    return bool(np.allclose(rows.sum(axis=-1), 1.0))


def cross_entropy(logits, targets):
    """Softmax cross-entropy on logits, averaged over every position.

    ``L = mean(-log_softmax(logits)[target])``. Computed through log_softmax, so huge
    logits, and targets whose probability underflows to 0, still give finite values and
    gradients. Matches ``torch.nn.functional.cross_entropy`` (class axis last).

    Args:
        logits: Tensor (..., C).
        targets: integer ids (...) or one-hot / probability targets (..., C).

    Returns:
        A scalar Tensor.

    Raises:
        ValueError: if the targets' shape does not fit, or an id is out of [0, C).
        TypeError: if class ids are not integers.

    Warns:
        UserWarning: if the logits look like probabilities (a softmax output).
    """
    _check_predictions(logits, "cross_entropy")
    ids, dense = _targets(targets, logits, "cross_entropy")
    if _look_like_probabilities(logits.data):
        warnings.warn(
            "cross_entropy: every row of the logits lies in [0, 1] and sums to 1, so "
            "they look like probabilities (a softmax output); cross_entropy applies "
            "its own softmax, so give it the logits, or use categorical_crossentropy",
            stacklevel=2,
        )
    log_probs = logits.log_softmax(axis=-1)
    if ids is not None:
        return -log_probs.take_along_axis(ids[..., None], axis=-1).mean()
    return -(log_probs * dense).sum(axis=-1).mean()


def categorical_crossentropy(probs, targets, epsilon=KERAS_EPSILON):
    """Cross-entropy on probabilities, exactly as Keras 3 computes it.

    Keras renormalises the probabilities over the class axis, clips them to
    [epsilon, 1 - epsilon] with epsilon = 1e-7, and averages ``-sum(y * log p)`` over
    every position. Use it after a Dense layer with softmax activation, as in the
    reference notebook; prefer :func:`cross_entropy` on logits otherwise.

    Args:
        probs: Tensor (..., C) of probabilities.
        targets: integer ids (...) or one-hot targets (..., C).
        epsilon: the clipping bound, in [0, 0.5).

    Returns:
        A scalar Tensor.

    Raises:
        ValueError: if the targets do not fit, or epsilon is out of range.

    Warns:
        UserWarning: if a prediction lies outside [0, 1] (logits passed by mistake).

    Notes:
        The clip has zero gradient outside [epsilon, 1 - epsilon], as in Keras: a
        probability saturated at 0 or 1 stops learning there.
    """
    _check_predictions(probs, "categorical_crossentropy")
    if not 0.0 <= epsilon < 0.5:
        raise ValueError(
            f"categorical_crossentropy: epsilon must lie in [0, 0.5), got {epsilon}; "
            "the probabilities are clipped to [epsilon, 1 - epsilon]"
        )
    ids, dense = _targets(targets, probs, "categorical_crossentropy")
    if probs.data.min() < 0.0 or probs.data.max() > 1.0:  # not empty: checked
        warnings.warn(
            "categorical_crossentropy: predictions lie outside [0, 1], so they are not "
            "probabilities; end the model with a softmax, or use cross_entropy on "
            "logits",
            stacklevel=2,
        )
    if ids is not None:
        dense = Tensor(one_hot(ids, probs.shape[-1], dtype=probs.dtype))
    probs = probs / probs.sum(axis=-1, keepdims=True)
    probs = probs.clip(epsilon, 1.0 - epsilon)
    return -(dense * probs.log()).sum(axis=-1).mean()


def mean_squared_error(predictions, targets):
    """mean((predictions - targets) ** 2) over every element.

    Raises:
        TypeError: if the predictions are not a Tensor.
        ValueError: if the shapes differ, or there are no elements.
    """
    if not isinstance(predictions, Tensor):
        raise TypeError(
            f"mean_squared_error: predictions must be a Tensor, got {type(predictions)}"
        )
    if predictions.size == 0:
        raise ValueError(
            f"mean_squared_error: predictions of shape {predictions.shape} are empty: "
            "their mean is undefined"
        )
    target_shape = np.shape(targets.data if isinstance(targets, Tensor) else targets)
    if predictions.shape != target_shape:
        raise ValueError(
            f"mean_squared_error: predictions {predictions.shape} and targets "
            f"{target_shape} differ in shape"
        )
    diff = predictions - targets
    return (diff * diff).mean()
