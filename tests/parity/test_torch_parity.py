"""Parity with PyTorch in float64 at identical weights (oracle tests).

Random small models (many-to-many, one-to-many, many-to-one): outputs, loss, and the
gradient of every parameter and of the input. Then whole 100-epoch training runs of
the reference task with Adam (PyTorch's form) and SGD with momentum. Weights travel
through tinygrad_rnn.interop, so these tests also prove the converters.

torch's nn.RNN has a second bias, bias_hh_l0. The converters put the whole bias in
bias_ih_l0 and zero in bias_hh_l0; the training runs freeze bias_hh_l0 so that torch
trains the same single bias as we do (see docs/parity.md, "The second bias").
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_rnn as tr
from tests.conftest import require_oracle
from tests.parity import common
from tests.parity.common import assert_close


def _torch_model(torch, ours, kind, freeze_bias_hh=True):
    """nn.RNN + nn.Linear holding ``ours``'s weights, and a forward function."""
    rnn_state, linear_state = tr.interop.to_torch_sequential(ours)
    features, hidden = rnn_state["weight_ih_l0"].shape[::-1]
    rnn = torch.nn.RNN(features, hidden, batch_first=True, dtype=torch.float64)
    linear = torch.nn.Linear(hidden, linear_state["weight"].shape[0])
    linear = linear.to(torch.float64)
    rnn.load_state_dict({k: torch.from_numpy(v) for k, v in rnn_state.items()})
    linear.load_state_dict({k: torch.from_numpy(v) for k, v in linear_state.items()})
    if freeze_bias_hh:
        rnn.bias_hh_l0.requires_grad_(False)
    steps = ours[0].n if kind == "one_to_many" else None

    def forward(x):
        if steps is not None:
            x = x.unsqueeze(1).expand(-1, steps, -1)  # RepeatVector: (B, T, F)
        h = rnn(x)[0]  # (B, T, H)
        if kind == "many_to_one":
            h = h[:, -1]  # (B, H)
        return linear(h)  # logits

    return rnn, linear, forward


def _torch_keras_cce(torch, probs, targets):
    """Keras's categorical cross-entropy written in torch (renormalise, clip, mean)."""
    probs = probs / probs.sum(-1, keepdim=True)
    probs = torch.clip(probs, tr.losses.KERAS_EPSILON, 1.0 - tr.losses.KERAS_EPSILON)
    return (-(targets * torch.log(probs)).sum(-1)).mean()


def _torch_loss(torch, logits, targets, loss):
    if loss == "logits":
        classes = logits.shape[-1]
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, classes), targets.reshape(-1, classes)
        )
    return _torch_keras_cce(torch, torch.softmax(logits, -1), targets)


@settings(max_examples=12)
@given(
    kind=st.sampled_from(common.KINDS),
    loss=st.sampled_from(("logits", "probabilities")),
    batch=st.integers(1, 4),
    steps=st.integers(1, 6),
    features=st.integers(1, 5),
    hidden=st.integers(1, 6),
    classes=st.integers(2, 5),
    seed=st.integers(0, 2**16),
)
def test_forward_loss_and_every_gradient_match_torch(
    kind, loss, batch, steps, features, hidden, classes, seed
):
    torch = require_oracle("torch")
    model = common.random_model(kind, features, hidden, classes, steps, seed)
    x, y = common.random_data(kind, batch, steps, features, classes, seed)

    x_ours = tr.Tensor(x, requires_grad=True)
    logits = model(x_ours)
    value = common.our_loss(logits, y, loss)
    value.backward()

    rnn, linear, forward = _torch_model(torch, model, kind, freeze_bias_hh=False)
    x_torch = torch.tensor(x, requires_grad=True)
    logits_torch = forward(x_torch)
    value_torch = _torch_loss(torch, logits_torch, torch.tensor(y), loss)
    value_torch.backward()

    case = f"{kind}, loss on {loss}"
    assert_close(logits.data, logits_torch.detach().numpy(), f"{case}: outputs")
    assert_close(value.item(), value_torch.item(), f"{case}: loss")
    assert_close(x_ours.grad, x_torch.grad.numpy(), f"{case}: dL/dx")
    torch_grads = tr.interop.from_torch_sequential(
        model,
        [
            {k: p.grad.numpy() for k, p in rnn.named_parameters()},
            {k: p.grad.numpy() for k, p in linear.named_parameters()},
        ],
    )
    # torch's two biases get the same gradient (up to round-off), so their sum,
    # which the converter returns, is twice ours: compare with bias_ih's alone
    bias_ih_grad, bias_hh_grad = rnn.bias_ih_l0.grad, rnn.bias_hh_l0.grad
    assert_close(bias_ih_grad.numpy(), bias_hh_grad.numpy(), "torch bias_ih vs bias_hh")
    rnn_bias = next(name for name in torch_grads if name.endswith("cell.bias"))
    torch_grads[rnn_bias] = bias_ih_grad.numpy()
    for name, p in model.named_parameters():
        assert_close(p.grad, torch_grads[name], f"{case}: dL/d(every weight)")


def _torch_train(torch, model, one_to_many, loss, make_optimizer, epochs=None):
    x, y = common.task(one_to_many)
    kind = "one_to_many" if one_to_many else "many_to_many"
    rnn, linear, forward = _torch_model(torch, model, kind)
    params = [p for m in (rnn, linear) for p in m.parameters() if p.requires_grad]
    optimizer = make_optimizer(params)
    x, y = torch.tensor(x), torch.tensor(y)
    losses = []
    for _ in range(epochs or common.EPOCHS):
        optimizer.zero_grad()
        value = _torch_loss(torch, forward(x), y, loss)
        value.backward()
        optimizer.step()
        losses.append(value.item())
    states = [
        {k: v.numpy() for k, v in module.state_dict().items()}
        for module in (rnn, linear)
    ]
    return np.array(losses), tr.interop.from_torch_sequential(model, states)


OPTIMIZERS = {
    "adam": (
        lambda torch, params: torch.optim.Adam(params, lr=common.LR),
        lambda params: tr.optim.Adam(params, lr=common.LR, form="torch"),
    ),
    "sgd_momentum": (
        lambda torch, params: torch.optim.SGD(params, lr=common.LR, momentum=0.9),
        lambda params: tr.optim.SGD(params, lr=common.LR, momentum=0.9),
    ),
}
TRAJECTORIES = [
    ("many_to_many", "adam", "probabilities"),
    ("many_to_many", "adam", "logits"),
    ("many_to_many", "sgd_momentum", "probabilities"),
    ("one_to_many", "adam", "probabilities"),
    ("one_to_many", "sgd_momentum", "logits"),
]


@pytest.mark.parametrize("kind, optimizer, loss", TRAJECTORIES)
def test_100_epoch_training_matches_torch(kind, optimizer, loss):
    torch = require_oracle("torch")
    one_to_many = kind == "one_to_many"
    make_theirs, make_ours = OPTIMIZERS[optimizer]

    def fresh_model():
        model = common.reference_model(one_to_many, softmax=False)
        weights = common.initial_weights()
        model.load_state_dict(tr.interop.from_keras_sequential(model, weights))
        return model

    theirs_losses, theirs_state = _torch_train(
        torch,
        fresh_model(),
        one_to_many,
        loss,
        lambda params: make_theirs(torch, params),
    )

    def our_loss(logits, targets):
        return common.our_loss(logits, targets, loss)

    x, y = common.task(one_to_many)
    our_losses, our_state = common.train_ours(fresh_model(), x, y, our_loss, make_ours)

    assert_close(our_losses, theirs_losses, "per-epoch losses", elementwise=True)
    for name, value in our_state.items():
        assert_close(value, theirs_state[name], "final weights")
