"""Write tests/parity/reference_vectors.json: PyTorch's and Keras's numbers, in float64,
for test_reference_vectors.py to check without either framework installed.

Regenerate (needs the oracle extra, pip install -e .[oracle]) from the repository root:

    KERAS_BACKEND=torch python -m tests.parity.make_reference_vectors

The file holds, for three small models (many-to-many, one-to-many, many-to-one), the
inputs, targets, weights, torch's outputs, loss and gradients; and the first EPOCHS
per-epoch losses and final weights of the reference "KERA" -> "ERAS" task trained by
torch (Adam, torch form; SGD with momentum) and by Keras (Adam, Keras form, with the
float64 demotion undone as in test_keras_parity.py). Floats are written with repr, so
they load back bit for bit. Weights use tinygrad_rnn's names and layouts.
"""

import json
import os
from pathlib import Path

import numpy as np

import tinygrad_rnn as tr
from tests.parity import common
from tests.parity.test_torch_parity import (
    OPTIMIZERS,
    _torch_loss,
    _torch_model,
    _torch_train,
)

PATH = Path(__file__).with_name("reference_vectors.json")
EPOCHS = 20
CASES = [
    # kind, loss, batch, steps, features, hidden, classes, seed
    ("many_to_many", "probabilities", 2, 3, 3, 4, 3, 11),
    ("one_to_many", "logits", 3, 4, 2, 3, 4, 12),
    ("many_to_one", "logits", 2, 5, 3, 2, 3, 13),
]


def _lists(arrays):
    return {name: np.asarray(a).tolist() for name, a in arrays.items()}


def _gradient_case(torch, kind, loss, batch, steps, features, hidden, classes, seed):
    model = common.random_model(kind, features, hidden, classes, steps, seed)
    x, y = common.random_data(kind, batch, steps, features, classes, seed)

    rnn, linear, forward = _torch_model(torch, model, kind, freeze_bias_hh=False)
    x_torch = torch.tensor(x, requires_grad=True)
    logits = forward(x_torch)
    value = _torch_loss(torch, logits, torch.tensor(y), loss)
    value.backward()
    grads = tr.interop.from_torch_sequential(
        model,
        [
            {k: p.grad.numpy() for k, p in rnn.named_parameters()},
            {k: p.grad.numpy() for k, p in linear.named_parameters()},
        ],
    )
    # the converter sums the two bias gradients; one of them is ours
    for name in grads:
        if name.endswith("cell.bias"):
            grads[name] = rnn.bias_ih_l0.grad.numpy()
    return {
        "kind": kind,
        "loss_on": loss,
        "sizes": [features, hidden, classes, steps],
        "x": x.tolist(),
        "y": y.tolist(),
        "weights": _lists(model.state_dict()),
        "logits": logits.detach().numpy().tolist(),
        "loss": value.item(),
        "grad_x": x_torch.grad.numpy().tolist(),
        "grads": _lists(grads),
    }


def _torch_trajectory(torch, optimizer, loss):
    model = common.reference_model(one_to_many=False, softmax=False)
    model.load_state_dict(
        tr.interop.from_keras_sequential(model, common.initial_weights())
    )
    make_theirs = OPTIMIZERS[optimizer][0]
    losses, state = _torch_train(
        torch, model, False, loss, lambda params: make_theirs(torch, params), EPOCHS
    )
    return {
        "framework": "torch",
        "optimizer": optimizer,
        "loss_on": loss,
        "losses": losses.tolist(),
        "final_weights": _lists(state),
    }


def _keras_trajectory():
    import keras
    from keras.src.backend.common import dtypes

    keras.config.set_floatx("float64")
    dtypes.BIT64_TO_BIT32_DTYPE["float64"] = "float64"  # see test_keras_parity.py
    keras.utils.clear_session()
    layers = keras.layers
    size = len(common.VOCAB)
    model = keras.Sequential(
        [
            keras.Input((4, size)),
            layers.SimpleRNN(common.HIDDEN, return_sequences=True),
            layers.TimeDistributed(layers.Dense(size, activation="softmax")),
        ]
    )
    model.set_weights(common.initial_weights())
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=common.LR),
    )
    x, y = common.task(one_to_many=False)
    history = model.fit(x, y, epochs=EPOCHS, batch_size=1, shuffle=False, verbose=0)
    ours = common.reference_model(one_to_many=False)
    state = tr.interop.from_keras_sequential(ours, model.get_weights())
    return {
        "framework": "keras",
        "optimizer": "adam",
        "loss_on": "probabilities",
        "losses": history.history["loss"],
        "final_weights": _lists(state),
    }


def main():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import torch

    vectors = {
        "note": "made by tests/parity/make_reference_vectors.py; to regenerate: "
        "KERAS_BACKEND=torch python -m tests.parity.make_reference_vectors",
        "torch_version": torch.__version__,
        "epochs": EPOCHS,
        "initial_weights": [w.tolist() for w in common.initial_weights()],
        "gradient_cases": [_gradient_case(torch, *case) for case in CASES],
        "trajectories": [
            _torch_trajectory(torch, "adam", "probabilities"),
            _torch_trajectory(torch, "sgd_momentum", "logits"),
            _keras_trajectory(),
        ],
    }
    import keras

    vectors["keras_version"] = keras.__version__
    PATH.write_text(json.dumps(vectors, indent=1) + "\n")
    print(f"wrote {PATH} ({PATH.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
