"""interop converters: bad ranks, shapes, counts and keys raise one clear message."""

import numpy as np
import pytest

import tinygrad_rnn as tr
from tests.parity import common

interop = tr.interop


def _rnn_weights(features=3, hidden=4):
    return {
        "kernel": np.ones((features, hidden)),
        "recurrent_kernel": np.ones((hidden, hidden)),
        "bias": np.ones(hidden),
    }


def test_torch_linear_weight_must_be_2d():
    with pytest.raises(
        ValueError,
        match=r"from_torch_linear: weight must be 2-D \(O, F\), got shape \(3,\)",
    ):
        interop.from_torch_linear({"weight": np.ones(3)})


def test_torch_rnn_weight_must_be_2d():
    state = {"weight_ih_l0": np.ones(3), "weight_hh_l0": np.ones((3, 3))}
    with pytest.raises(ValueError, match=r"weight_ih_l0 must be 2-D \(H, F\), got"):
        interop.from_torch_rnn(state)


@pytest.mark.parametrize("shape", [(3,), (3, 4, 2)])
def test_to_torch_rnn_kernel_must_be_2d(shape):
    weights = {**_rnn_weights(), "kernel": np.ones(shape)}
    message = r"to_torch_rnn: kernel must be 2-D \(F, H\), got shape "
    with pytest.raises(ValueError, match=message) as info:
        interop.to_torch_rnn(weights)
    assert str(shape) in str(info.value)


def test_to_torch_linear_kernel_must_be_2d():
    with pytest.raises(ValueError, match=r"kernel must be 2-D \(F, O\), got shape"):
        interop.to_torch_linear({"kernel": np.ones(3), "bias": np.ones(3)})


def test_keras_dense_in_the_wrong_order_names_the_position():
    kernel, bias = np.ones((2, 3)), np.ones(3)
    with pytest.raises(
        ValueError,
        match=r"weights\[0\] \(kernel\) must be 2-D \(F, O\), got shape \(3,\)",
    ):
        interop.from_keras_dense([bias, kernel])


def test_non_float_arrays_are_a_type_error():
    with pytest.raises(TypeError, match="weight must hold floats, got dtype int64"):
        interop.from_torch_linear({"weight": np.ones((2, 3), dtype=np.int64)})


@pytest.mark.parametrize("count", [4, 6])
def test_keras_sequential_counts_the_arrays_first(count):
    model = common.reference_model(one_to_many=False)
    with pytest.raises(ValueError, match=f"has 5 weight arrays, got {count}"):
        interop.from_keras_sequential(model, [np.ones((5, 5))] * count)


def test_keras_sequential_names_the_bad_array_by_index_and_name():
    model = common.reference_model(one_to_many=False)
    with pytest.raises(
        ValueError, match=r"weights\[2\] \(0\.cell\.bias\) must be 1-D \(H,\)"
    ):
        interop.from_keras_sequential(model, [np.ones((5, 5))] * 5)


@pytest.mark.parametrize(
    "convert", [interop.to_keras_sequential, interop.to_torch_sequential]
)
def test_sequential_export_names_missing_and_unexpected_keys(convert):
    model = common.reference_model(one_to_many=False)
    with pytest.raises(KeyError, match=r"missing keys \['0\.cell\.bias', "):
        convert(model, {})
    state = model.state_dict()
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        convert(model, {**state, "extra": np.ones(1)})
    with pytest.raises(ValueError, match=r"state\['1.layer.bias'\] must have shape"):
        convert(model, {**state, "1.layer.bias": np.ones(3)})


def test_torch_sequential_names_the_bad_state_dict():
    model = common.reference_model(one_to_many=False)
    rnn_state, _ = interop.to_torch_sequential(model)
    with pytest.raises(ValueError, match=r"torch_states\[1\]: .*weight must be 2-D"):
        interop.from_torch_sequential(model, [rnn_state, {"weight": np.ones(3)}])


def test_missing_keys_are_named_without_the_layer_hint():
    with pytest.raises(KeyError, match=r"missing keys \['weight_hh_l0'\]") as info:
        interop.from_torch_rnn({"weight_ih_l0": np.ones((2, 3))})
    assert "unidirectional" not in str(info.value)


def test_a_list_instead_of_a_dict_is_a_type_error():
    with pytest.raises(
        TypeError, match="to_torch_rnn takes a dict of arrays, got list"
    ):
        interop.to_torch_rnn([np.ones((3, 4))])
