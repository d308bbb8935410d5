"""Optimisers: one step() equals a hand-computed update; clipping by global norm."""

import math

import numpy as np
import pytest

import tinygrad_rnn as tr


def _param(values, grad):
    p = tr.Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    p.grad = np.array(grad, dtype=np.float64)
    return p


def test_sgd_plain_step():
    p = _param([1.0, -2.0], [0.5, 0.25])
    tr.optim.SGD([p], lr=0.1).step()
    np.testing.assert_array_equal(p.data, [1.0 - 0.05, -2.0 - 0.025])


def test_sgd_momentum_two_steps():
    p = _param([1.0], [2.0])
    opt = tr.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # b = g = 2 ; p = 1 - 0.2
    p.grad = np.array([1.0])
    opt.step()  # b = 0.9 * 2 + 1 = 2.8 ; p = 0.8 - 0.28
    np.testing.assert_allclose(p.data, [0.8 - 0.28], rtol=1e-15)


@pytest.mark.parametrize("form", ["keras", "torch"])
def test_adam_first_two_steps_by_hand(form):
    lr, b1, b2 = 0.1, 0.9, 0.999
    eps = 1e-7 if form == "keras" else 1e-8
    g1, g2 = np.array([0.5, -3e-8]), np.array([-0.25, 1e-3])
    p = _param([1.0, 2.0], g1)
    opt = tr.optim.Adam([p], lr=lr, form=form)
    assert opt.eps == eps

    expected = np.array([1.0, 2.0])
    m = v = np.zeros(2)
    for t, g in ((1, g1), (2, g2)):
        p.grad = g
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if form == "keras":
            alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
            expected = expected - alpha * m / (np.sqrt(v) + eps)
        else:
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(p.data, expected, rtol=1e-13)


def test_adam_forms_differ_where_gradients_are_tiny():
    a, b = _param([0.0], [1e-9]), _param([0.0], [1e-9])
    tr.optim.Adam([a], lr=1.0, form="keras").step()
    tr.optim.Adam([b], lr=1.0, form="torch").step()
    # keras: m = 1e-10, sqrt(v) = 3.162e-11, alpha = sqrt(0.001) / 0.1 = 0.3162
    #        step = alpha * m / (sqrt(v) + 1e-7) = 3.161e-4
    # torch: step = (m / 0.1) / (sqrt(v / 0.001) + 1e-8) = 1e-9 / 1.1e-8 = 0.0909
    assert a.data[0] == pytest.approx(-3.161e-4, rel=1e-3)
    assert b.data[0] == pytest.approx(-0.0909, rel=1e-3)


def test_optimisers_skip_parameters_without_gradient():
    p = _param([1.0], [1.0])
    q = tr.Tensor([5.0], requires_grad=True)
    tr.optim.Adam([p, q], lr=0.1).step()
    assert q.data[0] == 5.0 and p.data[0] != 1.0


def test_optimiser_argument_errors():
    p = _param([1.0], [1.0])
    with pytest.raises(ValueError, match="empty parameter list"):
        tr.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="parameter 0 does not require grad"):
        tr.optim.SGD([tr.Tensor([1.0])], lr=0.1)
    with pytest.raises(ValueError, match="form must be 'keras' or 'torch'"):
        tr.optim.Adam([p], form="tf")
    with pytest.raises(ValueError, match=r"beta2 must lie in \[0, 1\)"):
        tr.optim.Adam([p], beta2=1.0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        tr.optim.SGD([p], lr=0.0)


def test_zero_grad():
    p = _param([1.0], [1.0])
    tr.optim.SGD([p], lr=0.1).zero_grad()
    assert p.grad is None


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = _param([0.0, 0.0], [3.0, 0.0]), _param([0.0], [4.0])
    norm = tr.clip_grad_norm([a, b], max_norm=1.0)
    assert norm == pytest.approx(5.0)
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad, [3.0 * scale, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [4.0 * scale], rtol=1e-15)
    c = _param([0.0], [0.5])
    assert tr.clip_grad_norm([c], max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(c.grad, [0.5])


@pytest.mark.parametrize("lr", [math.nan, math.inf, -0.1])
@pytest.mark.parametrize("optimizer", [tr.optim.SGD, tr.optim.Adam])
def test_lr_must_be_positive_and_finite(optimizer, lr):
    p = _param([1.0], [1.0])
    name = optimizer.__name__
    with pytest.raises(ValueError, match=rf"{name}: lr must be > 0 and finite, got"):
        optimizer([p], lr=lr)


@pytest.mark.parametrize("eps", [-1.0, math.nan, math.inf])
def test_adam_eps_must_be_non_negative_and_finite(eps):
    p = _param([1.0], [1.0])
    with pytest.raises(ValueError, match=r"eps must be >= 0 and finite, got"):
        tr.optim.Adam([p], eps=eps)
    tr.optim.Adam([p], eps=0.0)  # allowed: the bare Adam rule


def test_a_parameter_listed_twice_is_refused():
    p, q = _param([1.0], [1.0]), _param([2.0], [1.0])
    with pytest.raises(ValueError, match="parameter 2 is parameter 1 again"):
        tr.optim.SGD([p, q, q], lr=0.1)


def test_a_module_in_place_of_its_parameters_is_a_type_error():
    model = tr.nn.Dense(2, 1, rng=0)
    for make in (tr.optim.SGD, tr.optim.Adam):
        with pytest.raises(TypeError, match=r"got a Dense module; pass model.param"):
            make(model, lr=0.1)
    with pytest.raises(TypeError, match=r"clip_grad_norm .*pass model.parameters"):
        tr.clip_grad_norm(model, 1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_grad_norm_refuses_non_finite_gradients(bad):
    a, b = _param([0.0, 0.0], [3.0, bad]), _param([0.0], [4.0])
    with pytest.raises(ValueError, match=r"global norm is not finite \((nan|inf)\)"):
        tr.clip_grad_norm([a, b], max_norm=1.0)
    np.testing.assert_array_equal(b.grad, [4.0])  # left unchanged


def test_clip_grad_norm_accepts_an_infinite_max_norm():
    a = _param([0.0], [3.0])
    assert tr.clip_grad_norm([a], max_norm=math.inf) == 3.0
    np.testing.assert_array_equal(a.grad, [3.0])
    with pytest.raises(ValueError, match="max_norm must be > 0, got nan"):
        tr.clip_grad_norm([a], max_norm=math.nan)


@pytest.mark.parametrize("form", ["keras", "torch"])
def test_adam_updates_several_parameters_as_if_one_at_a_time(form):
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (2,), (1, 4)]
    together = [_param(rng.standard_normal(s), rng.standard_normal(s)) for s in shapes]
    alone = [_param(p.data, p.grad) for p in together]
    opt = tr.optim.Adam(together, lr=0.1, form=form)
    singles = [tr.optim.Adam([p], lr=0.1, form=form) for p in alone]
    for _ in range(3):
        opt.step()
        for single in singles:
            single.step()
    for a, b in zip(together, alone):
        np.testing.assert_array_equal(a.data, b.data)


def test_adam_refuses_mixed_dtypes():
    a = _param([1.0], [1.0])
    b = tr.Tensor(np.ones(1, dtype=np.float32), requires_grad=True)
    with pytest.raises(TypeError, match="share one dtype"):
        tr.optim.Adam([a, b])
