"""Dense, TimeDistributed, RepeatVector, Sequential and the Module API."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tr


def _model(seed=0):
    return tr.nn.Sequential(
        tr.nn.SimpleRNN(5, 5, return_sequences=True, rng=seed),
        tr.nn.TimeDistributed(tr.nn.Dense(5, 5, "softmax", rng=seed)),
    )


# ---------------------------------------------------------------------- Dense


@pytest.mark.parametrize("shape", [(4,), (2, 4), (2, 3, 4), (1, 1, 1, 4)])
def test_dense_works_on_the_last_axis_of_any_rank(shape):
    rng = np.random.default_rng(0)
    dense = tr.nn.Dense(4, 3, rng=0)
    x = rng.standard_normal(shape)
    expected = x @ dense.kernel.data + dense.bias.data
    np.testing.assert_allclose(dense(x).data, expected, rtol=1e-14)


@pytest.mark.parametrize(
    "activation, fn",
    [
        ("tanh", np.tanh),
        ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
        ("relu", lambda z: np.maximum(z, 0)),
        ("softmax", lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True)),
        ("linear", lambda z: z),
    ],
)
def test_dense_activations(activation, fn):
    x = np.random.default_rng(1).standard_normal((3, 4))
    dense = tr.nn.Dense(4, 2, activation, rng=0)
    dense.bias.data[...] = [0.3, -0.2]
    z = x @ dense.kernel.data + dense.bias.data
    np.testing.assert_allclose(dense(x).data, fn(z), rtol=1e-12)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 99))
def test_dense_gradcheck(batch, fan_in, fan_out, seed):
    rng = np.random.default_rng(seed)
    dense = tr.nn.Dense(fan_in, fan_out, "tanh", rng=rng)
    dense.bias.data[...] = rng.standard_normal(fan_out)
    x = tr.Tensor(rng.standard_normal((batch, 2, fan_in)), requires_grad=True)
    assert tr.gradcheck(lambda *_: dense(x), [dense.kernel, dense.bias, x])


def test_dense_checks_its_input():
    dense = tr.nn.Dense(4, 3)
    with pytest.raises(
        ValueError, match=r"4 features on the last axis, got shape \(2, 3\)"
    ):
        dense(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="rank >= 1"):
        dense(np.float64(1.0))
    with pytest.raises(ValueError, match="activation must be one of"):
        tr.nn.Dense(2, 2, activation="swish")


def test_dense_torch_initialisation_bounds():
    dense = tr.nn.Dense(16, 8, initialization="torch", rng=0)
    bound = 1 / np.sqrt(16)
    assert np.all(np.abs(dense.kernel.data) <= bound)
    assert np.all(np.abs(dense.bias.data) <= bound) and np.any(dense.bias.data != 0)


# ------------------------------------------------- TimeDistributed, RepeatVector


def test_time_distributed_applies_the_layer_at_every_step():
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    dense = tr.nn.Dense(4, 5, rng=0)
    y = tr.nn.TimeDistributed(dense)(x)
    assert y.shape == (2, 3, 5)
    for t in range(3):
        np.testing.assert_allclose(y.data[:, t], dense(x[:, t]).data, rtol=1e-14)
    with pytest.raises(
        ValueError, match=r"rank >= 3 \(B, T, ...\), got shape \(2, 4\)"
    ):
        tr.nn.TimeDistributed(dense)(np.zeros((2, 4)))


def test_repeat_vector_repeats_and_sums_gradients():
    x = tr.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = tr.nn.RepeatVector(3)(x)
    assert y.shape == (2, 3, 2)
    np.testing.assert_array_equal(y.data[:, 2], x.data)
    (y * np.arange(3.0)[None, :, None]).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 2), 0.0 + 1.0 + 2.0))
    with pytest.raises(ValueError, match=r"rank 2, got shape \(1, 2, 2\)"):
        tr.nn.RepeatVector(3)(np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="positive integer"):
        tr.nn.RepeatVector(0)


# --------------------------------------------------------------- Module API


def test_named_parameters_use_dotted_names_in_order():
    names = [name for name, _ in _model().named_parameters()]
    assert names == [
        "0.cell.kernel",
        "0.cell.recurrent_kernel",
        "0.cell.bias",
        "1.layer.kernel",
        "1.layer.bias",
    ]
    shapes = [p.shape for p in _model().parameters()]
    assert shapes == [(5, 5), (5, 5), (5,), (5, 5), (5,)]


def test_state_dict_round_trip_is_exact_and_in_place():
    a, b = _model(seed=1), _model(seed=2)
    kernel = b[0].cell.kernel
    b.load_state_dict(a.state_dict())
    assert b[0].cell.kernel is kernel
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=name)
    x = np.random.default_rng(0).standard_normal((1, 4, 5))
    np.testing.assert_array_equal(a(x).data, b(x).data)


def test_load_state_dict_names_what_is_wrong():
    model = _model()
    state = model.state_dict()
    del state["0.cell.bias"]
    state["extra"] = np.zeros(1)
    with pytest.raises(KeyError, match=r"missing \['0.cell.bias'\], unexpected"):
        model.load_state_dict(state)
    state = model.state_dict()
    state["1.layer.kernel"] = np.zeros((5, 4))
    with pytest.raises(ValueError, match=r"1.layer.kernel: expected \(5, 5\), got"):
        model.load_state_dict(state)


def test_setting_parameter_data_in_place_changes_the_model():
    model = _model()
    x = np.random.default_rng(0).standard_normal((1, 4, 5))
    before = model(x).data.copy()
    model[1].layer.bias.data[...] = 3.0 * np.arange(5.0)
    assert not np.allclose(model(x).data, before)


def test_zero_grad_and_repr():
    model = _model()
    model(np.ones((1, 4, 5))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    text = repr(model)
    assert text.startswith("Sequential(\n  (0): SimpleRNN(")
    assert "(layer): Dense(5, 5, activation=softmax)" in text


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: tr.nn.Dense(4, 3, dtype=int), TypeError, "dtype must be float32"),
        (lambda: tr.nn.SimpleRNN(3, 3, dtype=int), TypeError, "dtype must be float32"),
        (lambda: tr.nn.Dense(0, 3), ValueError, "in_features must be a positive int"),
        (lambda: tr.nn.Dense(2.5, 3), ValueError, "in_features must be a positive"),
        (lambda: tr.nn.SimpleRNN(-3, 3), ValueError, "input_size must be a positive"),
        (lambda: tr.nn.Embedding(5, 0), ValueError, "dim must be a positive int"),
        (lambda: tr.nn.Dense(2, 2, rng=-1), ValueError, "non-negative int seed"),
        (lambda: tr.nn.Dense(2, 2, rng="a"), ValueError, "non-negative int seed"),
    ],
)
def test_bad_layer_arguments_raise_clear_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_rnn_state_output_fed_to_the_next_layer_gives_a_clear_error():
    model = tr.nn.Sequential(
        tr.nn.SimpleRNN(3, 4, return_sequences=True, return_state=True, rng=0),
        tr.nn.TimeDistributed(tr.nn.Dense(4, 2, rng=0)),
    )
    with pytest.raises(TypeError, match="return_state=True"):
        model(np.ones((2, 5, 3)))


def test_cell_state_and_time_distributed_errors_name_the_shapes():
    cell = tr.nn.SimpleRNNCell(3, 4, rng=0)
    with pytest.raises(
        ValueError, match=r"state has shape \(5, 4\), expected \(2, 4\)"
    ):
        cell(np.ones((2, 3)), np.zeros((5, 4)))
    with pytest.raises(
        ValueError, match=r"3 features on the last axis, got shape \(2, 4, 5\)"
    ):
        tr.nn.TimeDistributed(tr.nn.Dense(3, 2))(np.ones((2, 4, 5)))
    with pytest.raises(TypeError, match="complex"):
        tr.nn.Dense(2, 2)(np.ones((1, 2)) * 1j)


def test_load_state_dict_changes_nothing_when_a_value_is_bad_and_takes_tensors():
    model = _model()
    before = model.state_dict()
    state = model.state_dict()
    state["0.cell.kernel"] = np.full((5, 5), 7.0)
    state["0.cell.bias"] = np.array(list("abcde"))
    with pytest.raises(TypeError, match="0.cell.bias cannot be read as float64"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)
    other = _model(seed=3)
    model.load_state_dict(dict(other.named_parameters()))
    np.testing.assert_array_equal(model[0].cell.kernel.data, other[0].cell.kernel.data)


def test_summary_needs_a_shape_tuple():
    with pytest.raises(
        TypeError, match=r"input_shape must be a tuple such as \(T, F\)"
    ):
        _model().summary(4)


def test_time_distributed_names_the_merged_shape_for_other_layers():
    with pytest.raises(ValueError, match=r"input of shape \(2, 3, 4, 5\) was merged"):
        tr.nn.TimeDistributed(tr.nn.RepeatVector(2))(np.ones((2, 3, 4, 5)))
    y = tr.nn.TimeDistributed(tr.nn.RepeatVector(2))(np.ones((2, 3, 4)))
    assert y.shape == (2, 3, 2, 4)


def test_a_float32_one_to_many_model_takes_integer_one_hot_codes():
    f32 = np.float32
    model = tr.nn.Sequential(
        tr.nn.RepeatVector(4),
        tr.nn.SimpleRNN(5, 3, return_sequences=True, rng=0, dtype=f32),
        tr.nn.TimeDistributed(tr.nn.Dense(3, 5, rng=0, dtype=f32)),
    )
    assert model.dtype == f32
    y = model(np.eye(5, dtype=int)[:1])  # (B=1, F=5) integer codes
    assert y.shape == (1, 4, 5) and y.dtype == f32
    assert "(B, 4, 5)" in model.summary((5,))  # the zero input takes float32 too
    assert tr.nn.Sequential(tr.nn.RepeatVector(2)).dtype == np.float64


@pytest.mark.parametrize(
    "layer, shape, name",
    [
        (lambda: tr.nn.Dense(3, 2), (4, 3), "Dense"),
        (lambda: tr.nn.SimpleRNN(3, 2), (1, 5, 3), "SimpleRNN"),
        (lambda: tr.nn.SimpleRNNCell(3, 2), (4, 3), "SimpleRNNCell"),
    ],
)
def test_input_of_the_other_float_dtype_names_the_layer(layer, shape, name):
    # float64 weights (the default) and a float32 input: no silent cast
    x = np.ones(shape, dtype=np.float32)
    with pytest.raises(
        TypeError, match=f"{name} has float64 weights but got a float32"
    ):
        layer()(x)
