"""fit(): a plain training loop, and the only library code that reports progress.

One epoch: for each mini-batch, forward, loss, backward, optimiser step. The epoch's
loss and accuracy are the batch-size-weighted means over its batches, each measured
before that batch's update, as Keras reports them.
"""

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
            counted from 1 and logs ``{'loss': float, 'accuracy': float}``.

    Returns:
        {'loss': [...], 'accuracy': [...]}, one entry per epoch.
    """
    x, y = _array(x), _array(y)
    if len(x) != len(y):
        raise ValueError(f"fit: x has {len(x)} samples but y has {len(y)}")
    if epochs < 0 or int(epochs) != epochs:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs}")
    count = len(x)
    batch_size = count if batch_size is None else int(batch_size)
    if batch_size < 1:
        raise ValueError(f"fit: batch_size must be >= 1, got {batch_size}")
    rng = np.random.default_rng(rng)
    history = {"loss": [], "accuracy": []}
    progress = _progress(epochs, verbose)

    for epoch in range(1, epochs + 1):
        order = rng.permutation(count) if shuffle else np.arange(count)
        total_loss = total_correct = 0.0
        for start in range(0, count, batch_size):
            batch = order[start : start + batch_size]

            inputs = Tensor(x[batch]) if x.dtype.kind == "f" else x[batch]
            value, predictions = train_step(model, inputs, y[batch], loss, optimizer)
            total_loss += value * len(batch)
            total_correct += accuracy(predictions, y[batch]) * len(batch)

        logs = {"loss": total_loss / count, "accuracy": total_correct / count}
        history["loss"].append(logs["loss"])
        history["accuracy"].append(logs["accuracy"])
        progress(epoch, logs)
        if callback is not None:
            callback(epoch, logs)
    return history


def _array(a):
    return a.data if isinstance(a, Tensor) else np.asarray(a)


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
                bar.set_postfix(
                    loss=f"{logs['loss']:.4f}", acc=f"{logs['accuracy']:.3f}"
                )
                bar.update(1)
                if epoch == epochs:
                    bar.close()

            return update

    def line(epoch, logs):
        print(
            f"epoch {epoch}/{epochs}  loss {logs['loss']:.4f}  "
            f"acc {logs['accuracy']:.3f}"
        )

    return line


def _quiet(epoch, logs):
    pass
