"""SimpleRNNCell and RNN: shapes, hand-derived gradients, gradchecks, input checks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_rnn as tr


def _rnn(features, hidden, seed=0, **kwargs):
    return tr.nn.SimpleRNN(features, hidden, rng=seed, **kwargs)


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("batch, steps", [(1, 1), (3, 4), (4, 4)])
def test_output_shapes(return_sequences, batch, steps):
    rnn = _rnn(5, 7, return_sequences=return_sequences)
    y = rnn(np.zeros((batch, steps, 5)))
    assert y.shape == ((batch, steps, 7) if return_sequences else (batch, 7))


def test_return_state_gives_the_last_hidden_state():
    rng = np.random.default_rng(0)
    rnn = _rnn(3, 4, return_sequences=True, return_state=True)
    y, h = rnn(rng.standard_normal((2, 5, 3)))
    assert y.shape == (2, 5, 4) and h.shape == (2, 4)
    np.testing.assert_array_equal(y.data[:, -1], h.data)


def test_two_steps_match_numpy_forward_and_hand_derived_gradients():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 2, 3))
    rnn = _rnn(3, 4, return_sequences=True)
    cell = rnn.cell
    w, u, b = cell.kernel.data, cell.recurrent_kernel.data, cell.bias.data
    upstream = rng.standard_normal((2, 2, 4))

    xt = tr.Tensor(x, requires_grad=True)
    y = rnn(xt)
    (y * upstream).sum().backward()

    # forward by hand
    h1 = np.tanh(x[:, 0] @ w + b)
    h2 = np.tanh(x[:, 1] @ w + h1 @ u + b)
    np.testing.assert_allclose(y.data, np.stack([h1, h2], axis=1), rtol=1e-14)

    # backward by hand: dL/dz2 = g2 (1 - h2^2); dL/dh1 = g1 + dL/dz2 U^T
    grad_z2 = upstream[:, 1] * (1 - h2**2)
    grad_z1 = (upstream[:, 0] + grad_z2 @ u.T) * (1 - h1**2)
    expected = {
        "kernel": x[:, 0].T @ grad_z1 + x[:, 1].T @ grad_z2,
        "recurrent_kernel": h1.T @ grad_z2,
        "bias": grad_z1.sum(0) + grad_z2.sum(0),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(cell, name).grad, value, rtol=1e-12)
    grad_x = np.stack([grad_z1 @ w.T, grad_z2 @ w.T], axis=1)
    np.testing.assert_allclose(xt.grad, grad_x, rtol=1e-12)


def test_recurrent_kernel_gradient_is_the_sum_over_steps():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 6, 2))
    rnn = _rnn(2, 4, return_sequences=True)
    y = rnn(x)
    y.sum().backward()
    total = rnn.cell.recurrent_kernel.grad

    # the same sum, one step's contribution at a time: h_{t-1}^T dL/dz_t
    h = y.data
    u = rnn.cell.recurrent_kernel.data
    grad_h = np.zeros((3, 4))
    contributions = []
    for t in range(5, -1, -1):
        grad_z = (1.0 + grad_h) * (1 - h[:, t] ** 2)
        if t > 0:
            contributions.append(h[:, t - 1].T @ grad_z)
        grad_h = grad_z @ u.T
    assert len(contributions) == 5
    np.testing.assert_allclose(total, np.sum(contributions, axis=0), rtol=1e-12)


@pytest.mark.parametrize("activation", ["tanh", "linear"])
@pytest.mark.parametrize("steps", [1, 2, 5])
def test_no_initial_state_is_a_zero_state(steps, activation):
    # Without an initial state the first step skips 0 @ U; the outputs and every
    # gradient are those of an explicit zero state, and with a single step U still
    # gets its zero gradient (an array, as in PyTorch and Keras, not None).
    x = np.random.default_rng(5).standard_normal((3, steps, 4))
    results = []
    for initial_state in (None, np.zeros((3, 6))):
        rnn = _rnn(4, 6, return_sequences=True, activation=activation)
        y = rnn(x, initial_state=initial_state)
        (y * y).sum().backward()
        results.append((y.data, [p.grad for p in rnn.parameters()]))
    (y_none, grads_none), (y_zero, grads_zero) = results
    np.testing.assert_allclose(y_none, y_zero, rtol=1e-15, atol=0)
    for got, want in zip(grads_none, grads_zero):
        assert got is not None
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


def test_initial_state_is_used_and_checked():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4))
    rnn = _rnn(4, 5)
    h0 = rng.standard_normal((2, 5))
    cell = rnn.cell
    h = h0
    for t in range(3):
        h = np.tanh(
            x[:, t] @ cell.kernel.data + h @ cell.recurrent_kernel.data + cell.bias.data
        )
    np.testing.assert_allclose(rnn(x, initial_state=h0).data, h, rtol=1e-14)
    with pytest.raises(
        ValueError, match=r"state has shape \(3, 5\), expected \(2, 5\)"
    ):
        rnn(x, initial_state=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="needs 1 tensor"):
        rnn(x, initial_state=(h0, h0))
    with pytest.raises(ValueError, match="a list is read as one item per state"):
        rnn(x, initial_state=h0.tolist())


def test_cell_called_alone_is_one_step():
    rng = np.random.default_rng(4)
    cell = tr.nn.SimpleRNNCell(3, 2, rng=0)
    x = rng.standard_normal((4, 3))
    h, (state,) = cell(x)
    np.testing.assert_allclose(h.data, np.tanh(x @ cell.kernel.data), rtol=1e-14)
    assert state is h


@pytest.mark.parametrize(
    "shape, message",
    [
        ((2, 3), r"rank 3, got shape \(2, 3\)"),
        ((2, 3, 4), r"5 features on the last axis, got shape \(2, 3, 4\)"),
        # batch == time == features: NumPy would broadcast a transposed input silently
        ((5, 5, 4), r"5 features on the last axis, got shape \(5, 5, 4\)"),
        ((2, 0, 5), "no time steps"),
    ],
)
def test_bad_input_shapes_raise_naming_the_shapes(shape, message):
    with pytest.raises(ValueError, match=message):
        _rnn(5, 3)(np.zeros(shape))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="activation must be one of"):
        tr.nn.SimpleRNNCell(2, 2, activation="gelu")
    with pytest.raises(ValueError, match="initialization must be one of"):
        tr.nn.SimpleRNNCell(2, 2, initialization="he")


def test_keras_initialisation():
    cell = tr.nn.SimpleRNNCell(6, 8, rng=5)
    limit = np.sqrt(6 / (6 + 8))
    assert np.all(np.abs(cell.kernel.data) <= limit)
    u = cell.recurrent_kernel.data
    np.testing.assert_allclose(u.T @ u, np.eye(8), atol=1e-12)
    np.testing.assert_array_equal(cell.bias.data, np.zeros(8))


def test_same_seed_gives_same_weights_and_manual_seed_works():
    a, b = tr.nn.SimpleRNNCell(3, 4, rng=7), tr.nn.SimpleRNNCell(3, 4, rng=7)
    np.testing.assert_array_equal(a.kernel.data, b.kernel.data)
    tr.manual_seed(11)
    c = tr.nn.SimpleRNNCell(3, 4)
    tr.manual_seed(11)
    d = tr.nn.SimpleRNNCell(3, 4)
    np.testing.assert_array_equal(c.recurrent_kernel.data, d.recurrent_kernel.data)


def test_float32_model_stays_float32():
    rnn = _rnn(3, 4, return_sequences=True, dtype=np.float32)
    x = tr.Tensor(np.ones((2, 3, 3), dtype=np.float32))
    y = rnn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in rnn.parameters())


def test_ten_thousand_steps_backpropagate_without_recursion_error():
    rnn = _rnn(2, 3, return_sequences=False)
    x = np.random.default_rng(0).standard_normal((1, 10_000, 2)) * 0.1
    rnn(x).sum().backward()
    assert np.all(np.isfinite(rnn.cell.recurrent_kernel.grad))


# ------------------------------------------------------------------ gradchecks


@st.composite
def _sizes(draw):
    return (
        draw(st.integers(1, 3)),  # B
        draw(st.integers(1, 4)),  # T
        draw(st.integers(1, 3)),  # F
        draw(st.integers(1, 3)),  # H
        draw(st.integers(0, 2**16)),  # seed
    )


@given(_sizes(), st.booleans())
def test_simple_rnn_gradcheck(sizes, return_sequences):
    batch, steps, features, hidden, seed = sizes
    x = np.random.default_rng(seed).standard_normal((batch, steps, features))
    rnn = tr.nn.SimpleRNN(features, hidden, return_sequences, rng=seed)
    rnn.cell.bias.data[...] = np.random.default_rng(seed + 1).standard_normal(hidden)
    inputs = [rnn.cell.kernel, rnn.cell.recurrent_kernel, rnn.cell.bias]
    x_tensor = tr.Tensor(x, requires_grad=True)
    assert tr.gradcheck(lambda *_: rnn(x_tensor), inputs + [x_tensor])


@given(_sizes())
def test_cell_unrolled_three_steps_gradcheck(sizes):
    batch, _, features, hidden, seed = sizes
    rng = np.random.default_rng(seed)
    cell = tr.nn.SimpleRNNCell(features, hidden, rng=seed)
    xs = [
        tr.Tensor(rng.standard_normal((batch, features)), requires_grad=True)
        for _ in range(3)
    ]
    h0 = tr.Tensor(rng.standard_normal((batch, hidden)), requires_grad=True)

    def unrolled(*_):
        state = (h0,)
        for x_t in xs:
            h, state = cell(x_t, state)
        return h

    params = [cell.kernel, cell.recurrent_kernel, cell.bias]
    assert tr.gradcheck(unrolled, params + xs + [h0])
