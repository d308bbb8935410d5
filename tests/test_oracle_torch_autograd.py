"""Composite expressions against torch.autograd in float64 (an oracle test)."""

import numpy as np
import pytest

import tinygrad_rnn as tr
from tests.conftest import require_oracle

# Each case is one expression written once for both frameworks, with ``lib`` giving the
# few functions they spell differently, and the shapes of its inputs.


def _case_rnn_step(lib, x, h, w, u, b):
    return (x @ w + h @ u + b).tanh().sum() * 0.5


def _case_softmax_ce(lib, logits, onehot):
    return -(lib.log_softmax(logits * 3.0, -1) * onehot.detach()).sum(-1).mean()


def _case_gates(lib, x, w):
    z = x @ w
    i, f = lib.sigmoid(z[:, :2]), lib.sigmoid(z[:, 2:4])
    g = lib.tanh(z[:, 4:])
    return (i * g + f * g * g).sum() / (1.0 + (z**2).mean())


def _case_stack_reuse(lib, a, b):
    s = lib.stack([a * b, a - b, a / (b * b + 1.0), lib.exp(a) * a], 1)
    return lib.max_last(lib.relu(s + 0.01) ** 3).sum()


CASES = {
    "rnn_step": (_case_rnn_step, [(3, 4), (3, 5), (4, 5), (5, 5), (5,)]),
    "softmax_ce": (_case_softmax_ce, [(4, 6), (4, 6)]),
    "gates": (_case_gates, [(3, 4), (4, 6)]),
    "stack_reuse": (_case_stack_reuse, [(2, 3), (2, 3)]),
}


class _Ours:
    @staticmethod
    def log_softmax(x, axis):
        return x.log_softmax(axis=axis)

    @staticmethod
    def sigmoid(x):
        return x.sigmoid()

    @staticmethod
    def tanh(x):
        return x.tanh()

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def relu(x):
        return x.relu()

    @staticmethod
    def stack(xs, axis):
        return tr.stack(xs, axis=axis)

    @staticmethod
    def max_last(x):
        return x.max(axis=-1)


def _torch_namespace(torch):
    class Theirs:
        log_softmax = staticmethod(lambda x, axis: torch.log_softmax(x, axis))
        sigmoid = staticmethod(torch.sigmoid)
        tanh = staticmethod(torch.tanh)
        exp = staticmethod(torch.exp)
        relu = staticmethod(torch.relu)
        stack = staticmethod(lambda xs, axis: torch.stack(xs, axis))
        max_last = staticmethod(lambda x: x.max(-1).values)

    return Theirs


@pytest.mark.parametrize("name", sorted(CASES))
def test_composite_expression_matches_torch_autograd(name):
    torch = require_oracle("torch")
    case, shapes = CASES[name]
    rng = np.random.default_rng(1)
    arrays = [rng.uniform(-1.5, 1.5, shape) for shape in shapes]

    ours = [tr.Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    loss_ours = case(_Ours, *ours)
    loss_theirs = case(_torch_namespace(torch), *theirs)
    loss_ours.backward()
    loss_theirs.backward()

    np.testing.assert_allclose(loss_ours.item(), loss_theirs.item(), rtol=1e-10)
    for mine, reference in zip(ours, theirs):
        if reference.grad is None:  # an input used only through detach()
            assert mine.grad is None
            continue
        expected = reference.grad.numpy()
        np.testing.assert_allclose(mine.grad, expected, rtol=1e-10, atol=1e-14)


def test_concatenate_and_fancy_index_match_torch():
    torch = require_oracle("torch")
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((1, 3))
    index = [0, 2, 2, 1]

    ta, tb = tr.Tensor(a, requires_grad=True), tr.Tensor(b, requires_grad=True)
    picked = tr.concatenate([ta, tb], axis=0)[index]
    loss = (picked.T @ picked).log_softmax(axis=0).sum() + picked.mean()
    loss.backward()

    qa = torch.tensor(a, requires_grad=True)
    qb = torch.tensor(b, requires_grad=True)
    qpicked = torch.cat([qa, qb], 0)[index]
    qloss = torch.log_softmax(qpicked.T @ qpicked, 0).sum() + qpicked.mean()
    qloss.backward()

    np.testing.assert_allclose(loss.item(), qloss.item(), rtol=1e-10)
    np.testing.assert_allclose(ta.grad, qa.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(tb.grad, qb.grad.numpy(), rtol=1e-10, atol=1e-14)
