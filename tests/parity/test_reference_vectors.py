"""Parity without the oracles: PyTorch's and Keras's numbers, recorded in
reference_vectors.json by make_reference_vectors.py (which says how to regenerate
them), checked at the same 1e-12 tolerance as the oracle tests."""

import json
from pathlib import Path

import numpy as np
import pytest

import tinygrad_rnn as tr
from tests.parity import common
from tests.parity.common import assert_close
from tests.parity.test_torch_parity import OPTIMIZERS

VECTORS = json.loads(Path(__file__).with_name("reference_vectors.json").read_text())


def _arrays(lists):
    return {name: np.array(value) for name, value in lists.items()}


def _model_for(case):
    features, hidden, classes, steps = case["sizes"]
    model = common.random_model(case["kind"], features, hidden, classes, steps, 0)
    model.load_state_dict(_arrays(case["weights"]))
    return model


@pytest.mark.parametrize(
    "case", VECTORS["gradient_cases"], ids=lambda case: case["kind"]
)
def test_outputs_loss_and_gradients_match_recorded_torch(case):
    model = _model_for(case)
    x = tr.Tensor(np.array(case["x"]), requires_grad=True)

    logits = model(x)
    value = common.our_loss(logits, np.array(case["y"]), case["loss_on"])
    value.backward()

    kind = case["kind"]
    assert_close(logits.data, np.array(case["logits"]), f"{kind}: outputs")
    assert_close(value.item(), case["loss"], f"{kind}: loss")
    assert_close(x.grad, np.array(case["grad_x"]), f"{kind}: dL/dx")
    grads = _arrays(case["grads"])
    for name, p in model.named_parameters():
        assert_close(p.grad, grads[name], f"{kind}: dL/d(every weight)")


@pytest.mark.parametrize(
    "run",
    VECTORS["trajectories"],
    ids=lambda run: f"{run['framework']}-{run['optimizer']}",
)
def test_short_training_runs_match_recorded_trajectories(run):
    model = common.reference_model(one_to_many=False, softmax=False)
    initial = [np.array(w) for w in VECTORS["initial_weights"]]
    model.load_state_dict(tr.interop.from_keras_sequential(model, initial))
    if run["framework"] == "keras":

        def make_optimizer(params):
            return tr.optim.Adam(params, lr=common.LR, form="keras")
    else:
        make_optimizer = OPTIMIZERS[run["optimizer"]][1]

    def loss(logits, targets):
        # softmax then categorical_crossentropy is Keras's Dense(softmax) + its loss
        return common.our_loss(logits, targets, run["loss_on"])

    x, y = common.task(one_to_many=False)
    losses, state = common.train_ours(
        model, x, y, loss, make_optimizer, epochs=VECTORS["epochs"]
    )

    assert_close(losses, run["losses"], "per-epoch losses", elementwise=True)
    final = _arrays(run["final_weights"])
    for name, value in state.items():
        assert_close(value, final[name], "final weights")
