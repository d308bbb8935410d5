"""The converters in tinygrad_rnn.interop: exact round trips, layouts, and errors.

These need neither torch nor keras, except the last test, which loads converted weights
into torch modules and checks they run unchanged.
"""

import subprocess
import sys

import numpy as np
import pytest

import tinygrad_rnn as tr
from tests.conftest import require_oracle
from tests.parity import common


def _rnn_weights(rng, features=3, hidden=4):
    return {
        "kernel": rng.standard_normal((features, hidden)),
        "recurrent_kernel": rng.standard_normal((hidden, hidden)),
        "bias": rng.standard_normal(hidden),
    }


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_torch_rnn_round_trip_is_exact_and_transposes():
    weights = _rnn_weights(np.random.default_rng(0))
    torch_state = tr.interop.to_torch_rnn(weights)

    np.testing.assert_array_equal(torch_state["weight_ih_l0"], weights["kernel"].T)
    np.testing.assert_array_equal(
        torch_state["weight_hh_l0"], weights["recurrent_kernel"].T
    )
    np.testing.assert_array_equal(torch_state["bias_hh_l0"], np.zeros(4))
    _assert_same(tr.interop.from_torch_rnn(torch_state), weights)


def test_torch_rnn_biases_are_summed():
    rng = np.random.default_rng(1)
    state = tr.interop.to_torch_rnn(_rnn_weights(rng))
    state["bias_ih_l0"], state["bias_hh_l0"] = rng.standard_normal((2, 4))

    bias = tr.interop.from_torch_rnn(state)["bias"]

    np.testing.assert_array_equal(bias, state["bias_ih_l0"] + state["bias_hh_l0"])


def test_torch_rnn_without_bias_gets_zeros():
    state = tr.interop.to_torch_rnn(_rnn_weights(np.random.default_rng(2)))
    del state["bias_ih_l0"], state["bias_hh_l0"]

    np.testing.assert_array_equal(tr.interop.from_torch_rnn(state)["bias"], 0.0)


def test_torch_rnn_rejects_stacked_and_bidirectional_layers():
    state = tr.interop.to_torch_rnn(_rnn_weights(np.random.default_rng(3)))
    with pytest.raises(KeyError, match="weight_ih_l1"):
        tr.interop.from_torch_rnn({**state, "weight_ih_l1": state["weight_hh_l0"]})
    with pytest.raises(KeyError, match="reverse"):
        tr.interop.from_torch_rnn({**state, "weight_ih_l0_reverse": 0})


def test_shape_mismatch_names_the_array():
    weights = _rnn_weights(np.random.default_rng(4))
    weights["bias"] = np.zeros(7)
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        tr.interop.to_torch_rnn(weights)


def test_linear_and_dense_round_trips_are_exact():
    rng = np.random.default_rng(5)
    dense = {"kernel": rng.standard_normal((4, 3)), "bias": rng.standard_normal(3)}

    linear = tr.interop.to_torch_linear(dense)

    assert linear["weight"].shape == (3, 4)
    _assert_same(tr.interop.from_torch_linear(linear), dense)
    _assert_same(tr.interop.from_keras_dense(tr.interop.to_keras_dense(dense)), dense)


def test_keras_simple_rnn_round_trip_keeps_the_layout():
    weights = _rnn_weights(np.random.default_rng(6))

    keras_list = tr.interop.to_keras_simple_rnn(weights)

    assert [w.shape for w in keras_list] == [(3, 4), (4, 4), (4,)]
    _assert_same(tr.interop.from_keras_simple_rnn(keras_list), weights)
    with pytest.raises(ValueError, match="use_bias=False"):
        tr.interop.from_keras_simple_rnn(keras_list[:2])


@pytest.mark.parametrize("one_to_many", [False, True])
def test_whole_model_round_trips_are_exact(one_to_many):
    model = common.reference_model(one_to_many)
    state = model.state_dict()

    keras_list = tr.interop.to_keras_sequential(model)
    torch_states = tr.interop.to_torch_sequential(model)

    assert len(keras_list) == 5
    _assert_same(tr.interop.from_keras_sequential(model, keras_list), state)
    _assert_same(tr.interop.from_torch_sequential(model, torch_states), state)
    with pytest.raises(ValueError, match="5 weight arrays, got 4"):
        tr.interop.from_keras_sequential(model, keras_list[:4])


def test_converted_weights_give_the_same_model():
    source = common.reference_model(one_to_many=False)
    target = common.reference_model(one_to_many=False)
    for p in target.parameters():
        p.data[...] = 0.0
    x, _ = common.task(one_to_many=False)

    target.load_state_dict(
        tr.interop.from_torch_sequential(target, tr.interop.to_torch_sequential(source))
    )

    np.testing.assert_array_equal(target(x).data, source(x).data)


def test_the_package_does_not_import_torch_or_keras():
    code = (
        "import sys, tinygrad_rnn; "
        "print(sorted(m for m in ('torch', 'keras') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_converted_state_dicts_load_into_torch_modules():
    torch = require_oracle("torch")
    model = common.reference_model(one_to_many=False)
    rnn_state, linear_state = tr.interop.to_torch_sequential(model)
    rnn = torch.nn.RNN(5, common.HIDDEN, batch_first=True, dtype=torch.float64)
    linear = torch.nn.Linear(common.HIDDEN, 5, dtype=torch.float64)

    rnn.load_state_dict({k: torch.from_numpy(v) for k, v in rnn_state.items()})
    linear.load_state_dict({k: torch.from_numpy(v) for k, v in linear_state.items()})

    back = tr.interop.from_torch_sequential(
        model,
        [
            {k: v.numpy() for k, v in rnn.state_dict().items()},
            {k: v.numpy() for k, v in linear.state_dict().items()},
        ],
    )
    _assert_same(back, model.state_dict())
