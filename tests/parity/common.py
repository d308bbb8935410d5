"""What the parity tests share: the reference task, its initial weights, our models,
our training loop, and the error measure every comparison reports.

The error of ``ours`` against ``reference`` is max|ours - reference| / max|reference|
per array: relative to the array's scale, so that entries that happen to be near zero
(a gradient that almost cancels) do not turn round-off into a large ratio. Loss
trajectories, whose values are all positive but fall by three orders of magnitude, are
compared element by element instead: max|ours - reference| / |reference|. Every
checked error is also recorded in ``MEASURED``, the worst per (test, quantity), and
tests/parity/conftest.py prints them at the end of the run.
"""

import numpy as np

import tinygrad_rnn as tr

TOLERANCE = 1e-12
TEXT = "KERAS"
VOCAB = sorted(set(TEXT))  # ['A', 'E', 'K', 'R', 'S']
HIDDEN = 5
EPOCHS = 100
LR = 0.1
KINDS = ("many_to_many", "one_to_many", "many_to_one")

MEASURED = {}  # (test id, quantity) -> worst relative error seen
current_test = ""  # set by the autouse fixture in tests/parity/conftest.py


def rel_error(ours, reference, elementwise=False):
    """max|ours - reference| / max|reference| (0 when both are all zeros), or with
    ``elementwise`` the largest |ours - reference| / |reference| (no zeros allowed)."""
    ours = np.asarray(ours, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    if elementwise:
        return np.max(np.abs(ours - reference) / np.abs(reference))
    scale = np.max(np.abs(reference), initial=0.0)
    diff = np.max(np.abs(ours - reference), initial=0.0)
    return diff / scale if scale > 0 else diff


def assert_close(ours, reference, what, tolerance=TOLERANCE, elementwise=False):
    """Assert rel_error <= tolerance, record it under ``what`` and return it."""
    error = rel_error(ours, reference, elementwise)
    record(what, error)
    assert error <= tolerance, f"{what}: relative error {error:.3e} > {tolerance:.0e}"
    return error


def record(what, error):
    """Keep the worst error seen for ``what`` in the current test."""
    key = (current_test, what)
    MEASURED[key] = max(MEASURED.get(key, 0.0), float(error))


def one_hot(text):
    """(len(text), V) one-hot rows over VOCAB."""
    return np.eye(len(VOCAB))[[VOCAB.index(c) for c in text]]


def task(one_to_many):
    """(x, y) for "KERA" -> "ERAS" (many-to-many) or "K" -> "ERAS" (one-to-many).

    Shapes:
        x: (1, 4, V) for many-to-many, (1, V) for one-to-many
        y: (1, 4, V)
    """
    y = one_hot("ERAS")[None]
    x = one_hot("K") if one_to_many else one_hot("KERA")[None]
    return x, y


def initial_weights(seed=1234):
    """Keras-ordered initial weights [kernel, recurrent_kernel, bias, dense kernel,
    dense bias] for the reference task, drawn once in NumPy and copied everywhere."""
    rng = np.random.default_rng(seed)
    size = len(VOCAB)
    return [
        rng.uniform(-0.5, 0.5, (size, HIDDEN)),
        rng.uniform(-0.5, 0.5, (HIDDEN, HIDDEN)),
        rng.uniform(-0.1, 0.1, HIDDEN),
        rng.uniform(-0.5, 0.5, (HIDDEN, size)),
        rng.uniform(-0.1, 0.1, size),
    ]


def reference_model(one_to_many, softmax=True, steps=4):
    """[RepeatVector(steps)] + SimpleRNN(V, H) + TimeDistributed(Dense(H, V)).

    With ``softmax`` the Dense outputs probabilities (the Keras notebook's model);
    without, logits for :func:`tinygrad_rnn.losses.cross_entropy`.
    """
    size = len(VOCAB)
    activation = "softmax" if softmax else None
    layers = [
        tr.nn.SimpleRNN(size, HIDDEN, return_sequences=True, rng=0),
        tr.nn.TimeDistributed(tr.nn.Dense(HIDDEN, size, activation, rng=0)),
    ]
    if one_to_many:
        layers.insert(0, tr.nn.RepeatVector(steps))
    return tr.nn.Sequential(*layers)


def train_ours(model, x, y, loss, make_optimizer, epochs=EPOCHS):
    """Train on the one batch (x, y) and return (per-epoch losses, final state dict).

    Each epoch's loss is measured before that epoch's update, as Keras logs it.
    """
    optimizer = make_optimizer(model.parameters())
    history = tr.fit(model, x, y, loss, optimizer, epochs=epochs, verbose=0)
    return np.array(history["loss"]), model.state_dict()


def random_model(kind, features, hidden, classes, steps, seed):
    """A SimpleRNN model of one of KINDS with random weights (and a non-zero bias)
    whose Dense outputs logits."""
    rng = np.random.default_rng(seed)
    rnn = tr.nn.SimpleRNN(
        features, hidden, return_sequences=kind != "many_to_one", rng=rng
    )
    # torch-style initialisation gives a non-zero bias, so the bias is exercised
    dense = tr.nn.Dense(hidden, classes, initialization="torch", rng=rng)
    rnn.cell.bias.data[...] = rng.uniform(-0.3, 0.3, hidden)
    if kind == "many_to_one":
        return tr.nn.Sequential(rnn, dense)
    layers = [rnn, tr.nn.TimeDistributed(dense)]
    if kind == "one_to_many":
        layers.insert(0, tr.nn.RepeatVector(steps))
    return tr.nn.Sequential(*layers)


def random_data(kind, batch, steps, features, classes, seed):
    """Inputs x and one-hot targets y for a model of ``kind`` (see random_model)."""
    rng = np.random.default_rng(seed + 1)
    x_shape = (batch, features) if kind == "one_to_many" else (batch, steps, features)
    x = rng.standard_normal(x_shape)
    y_steps = () if kind == "many_to_one" else (steps,)
    y = np.eye(classes)[rng.integers(0, classes, (batch, *y_steps))]
    return x, y


def our_loss(logits, targets, loss):
    """cross_entropy on logits, or Keras's categorical_crossentropy on softmax(logits),
    as ``loss`` is 'logits' or 'probabilities'."""
    if loss == "logits":
        return tr.losses.cross_entropy(logits, targets)
    return tr.losses.categorical_crossentropy(logits.softmax(-1), targets)
