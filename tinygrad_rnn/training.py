"""fit(): a plain training loop, and the only library code that reports progress.

One epoch: for each mini-batch, forward, loss, backward, optimiser step. The epoch's
loss and accuracy are the batch-size-weighted means over its batches, each measured
before that batch's update, as Keras reports them. Accuracy is reported only for
classification targets (see :func:`fit`).
"""

import numbers

import numpy as np

from tinygrad_rnn.tensor import Tensor, gc_paused


def accuracy(predictions, targets):
    """The fraction of positions whose arg-max class equals the target class.

    Args:
        predictions: array or Tensor (..., C) of logits or probabilities.
        targets: integer ids (...) or one-hot (..., C).
    """
    predicted = np.argmax(_array(predictions), axis=-1)
    targets = _array(targets)
    if targets.dtype.kind == "f":
        targets = np.argmax(targets, axis=-1)
    return float(np.mean(predicted == targets))


def train_step(model, x, y, loss, optimizer):
    """One update: forward, loss, backward, optimiser step. Returns (loss, predictions).

    Python's cyclic garbage collector is paused for the step (and restored), since the
    graph has no cycles and is freed by reference counting as backward walks it.

    Args:
        model: a callable Module.
        x: the batch's inputs, a Tensor or array.
        y: the batch's targets, as ``loss`` expects.
        loss: a function (predictions, targets) -> scalar Tensor.
        optimizer: an optimiser over the model's parameters.

    Returns:
        (the loss as a float, the predictions Tensor)
    """
    with gc_paused():
        predictions = model(x)
        value = loss(predictions, y)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
    return value.item(), predictions


def fit(
    model,
    x,
    y,
    loss,
    optimizer,
    epochs,
    batch_size=None,
    shuffle=False,
    rng=None,
    verbose=1,
    callback=None,
):
    """Train ``model`` on (x, y) and return the per-epoch history.

    Args:
        model: a callable Module.
        x: inputs, (N, ...) array or Tensor.
        y: targets, (N, ...) integer ids or one-hot, as ``loss`` expects.
        loss: a function (predictions, targets) -> scalar Tensor, e.g.
            ``tr.losses.categorical_crossentropy``.
        optimizer: e.g. ``tr.optim.Adam(model.parameters(), lr=0.1)``.
        epochs: the number of passes over the data.
        batch_size: samples per update; None for the whole set at once.
        shuffle: shuffle the samples every epoch (with ``rng``).
        rng: a NumPy Generator or seed for the shuffling.
        verbose: 0 silent; 1 a progress bar (tqdm when installed, else one line per
            epoch); 2 one line per epoch.
        callback: called as ``callback(epoch, logs)`` after each epoch, with epoch
            counted from 1 and logs ``{'loss': float}``, plus ``'accuracy': float``
            when accuracy applies (below).

    Returns:
        {'loss': [...]}, plus 'accuracy': [...] when it applies; one entry per epoch.

    Raises:
        TypeError: if epochs, batch_size or verbose is not an int (bools included).
        ValueError: if epochs < 0, batch_size < 1, verbose is not 0, 1 or 2, x or y
            is empty, or x and y hold different numbers of samples.

    Notes:
        Accuracy (the fraction of positions whose arg-max class is the target's) is
        reported only when it means something: the predictions' last axis holds at
        least 2 classes, and y is either integer class ids with the predictions'
        shape minus that axis, or one-hot floats with the predictions' shape (every
        value 0 or 1, each row summing to 1). Otherwise, as for regression, the
        history, the logs and the printed line carry the loss alone.
    """
    x, y = _array(x), _array(y)
    _check_int("epochs", epochs, 0)
    if batch_size is not None:
        _check_int("batch_size", batch_size, 1)
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    for name, data in (("x", x), ("y", y)):
        if data.ndim == 0 or len(data) == 0:
            raise ValueError(
                f"fit: {name} must hold at least one sample, got shape {data.shape}"
            )
    if len(x) != len(y):
        raise ValueError(f"fit: x has {len(x)} samples but y has {len(y)}")
    count = len(x)
    batch_size = count if batch_size is None else int(batch_size)
    rng = np.random.default_rng(rng)
    class_targets = _class_targets(y)
    history = {"loss": []}
    progress = _progress(epochs, verbose)

    for epoch in range(1, epochs + 1):
        order = rng.permutation(count) if shuffle else np.arange(count)
        total_loss = total_correct = 0.0
        measured = class_targets
        for start in range(0, count, batch_size):
            batch = order[start : start + batch_size]

            inputs = Tensor(x[batch]) if x.dtype.kind == "f" else x[batch]
            value, predictions = train_step(model, inputs, y[batch], loss, optimizer)
            total_loss += value * len(batch)
            measured = measured and _fits(_array(predictions).shape, y)
            if measured:
                total_correct += accuracy(predictions, y[batch]) * len(batch)

        logs = {"loss": total_loss / count}
        if measured:
            logs["accuracy"] = total_correct / count
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        progress(epoch, logs)
        if callback is not None:
            callback(epoch, logs)
    return history


def _array(a):
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"fit: {name} must be an int >= {minimum}, got {value!r} "
            f"({type(value).__name__})"
        )
    if value < minimum:
        raise ValueError(f"fit: {name} must be >= {minimum}, got {value}")


def _class_targets(y):
    """Whether y holds integer class ids, or one-hot rows along its last axis."""
    if y.dtype.kind in "iu":
        return True
    if y.dtype.kind != "f" or y.ndim < 2:
        return False
    zeros_and_ones = bool(np.all((y == 0) | (y == 1)))
    return zeros_and_ones and bool(np.all(y.sum(axis=-1) == 1))


def _fits(predictions_shape, y):
    """Whether (N, ..., C) predictions, C >= 2, match y's ids or one-hot rows."""
    if len(predictions_shape) < 2 or predictions_shape[-1] < 2:
        return False
    if y.dtype.kind in "iu":
        return y.shape[1:] == predictions_shape[1:-1]
    return y.shape[1:] == predictions_shape[1:]


def _progress(epochs, verbose):
    """A function (epoch, logs) that reports one epoch as ``verbose`` asks."""
    if verbose == 0:
        return _quiet
    if verbose == 1:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=epochs, unit="epoch")

            def update(epoch, logs):
                bar.set_postfix(_fields(logs))
                bar.update(1)
                if epoch == epochs:
                    bar.close()

            return update

    def line(epoch, logs):
        fields = "  ".join(f"{k} {v}" for k, v in _fields(logs).items())
        print(f"epoch {epoch}/{epochs}  {fields}")

    return line


def _fields(logs):
    """The logs formatted for display: loss to 4 places, accuracy (if any) to 3."""
    fields = {"loss": f"{logs['loss']:.4f}"}
    if "accuracy" in logs:
        fields["acc"] = f"{logs['accuracy']:.3f}"
    return fields


def _quiet(epoch, logs):
    pass
