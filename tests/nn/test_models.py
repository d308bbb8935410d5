"""Whole models (many-to-many, one-to-many, many-to-one): the loss gradient-checked with
respect to every parameter and the input, over hypothesis-drawn small sizes."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tr


@st.composite
def _sizes(draw):
    return {
        "batch": draw(st.integers(1, 3)),
        "steps": draw(st.integers(1, 4)),
        "classes": draw(st.integers(2, 4)),
        "hidden": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 2**16)),
    }


def _build(kind, classes, hidden, steps, seed):
    rng = np.random.default_rng(seed)
    head = tr.nn.TimeDistributed(tr.nn.Dense(hidden, classes, "softmax", rng=rng))
    if kind == "many_to_one":
        return tr.nn.Sequential(
            tr.nn.SimpleRNN(classes, hidden, rng=rng),
            tr.nn.Dense(hidden, classes, "softmax", rng=rng),
        )
    rnn = tr.nn.SimpleRNN(classes, hidden, return_sequences=True, rng=rng)
    if kind == "one_to_many":
        return tr.nn.Sequential(tr.nn.RepeatVector(steps), rnn, head)
    return tr.nn.Sequential(rnn, head)


def _data(kind, batch, steps, classes, seed):
    rng = np.random.default_rng(seed + 1)
    x_shape = {
        "many_to_many": (batch, steps, classes),
        "one_to_many": (batch, classes),
        "many_to_one": (batch, steps, classes),
    }[kind]
    y_shape = (batch,) if kind == "many_to_one" else (batch, steps)
    return rng.standard_normal(x_shape), rng.integers(0, classes, y_shape)


@given(_sizes(), st.sampled_from(["many_to_many", "one_to_many", "many_to_one"]))
def test_model_loss_gradcheck(sizes, kind):
    batch, steps, classes = sizes["batch"], sizes["steps"], sizes["classes"]
    model = _build(kind, classes, sizes["hidden"], steps, sizes["seed"])
    for p in model.parameters():  # non-zero biases, so their gradients matter
        p.data += 0.1 * np.random.default_rng(sizes["seed"]).standard_normal(p.shape)
    x, y = _data(kind, batch, steps, classes, sizes["seed"])
    x = tr.Tensor(x, requires_grad=True)

    def loss(*_):
        return tr.losses.categorical_crossentropy(model(x), y)

    assert loss().shape == ()
    assert tr.gradcheck(loss, model.parameters() + [x])


def test_reference_model_has_85_parameters():
    model = _build("many_to_many", 5, 5, 4, 0)
    assert model.num_parameters() == 85
    summary = model.summary((4, 5))
    assert "0: SimpleRNN               (B, 4, 5)         55" in summary
    assert "1: TimeDistributed(Dense)  (B, 4, 5)         30" in summary
    assert summary.endswith("Total params: 85")
    one_to_many = _build("one_to_many", 5, 5, 4, 0)
    assert "0: RepeatVector" in one_to_many.summary((5,))
