"""Parity with Keras 3 on the torch backend, in float64 (oracle tests).

Keras 3 demotes float64 to float32 on every backend but TensorFlow: its type lattice,
``keras.src.backend.common.dtypes.BIT64_TO_BIT32_DTYPE``, maps 'float64' to 'float32',
so ``result_type(float64, float64)`` is float32 and every matmul (the Dense and
SimpleRNN kernels) casts its float64 inputs to float32, even with floatx float64.
Weights and outputs still *look* float64. The ``keras_float64`` fixture switches that
off for one test and restores everything afterwards. Against stock Keras the losses
agree only to float32 round-off, which
``test_keras_with_only_floatx_float64_agrees_to_float32_round_off`` records.
"""

import numpy as np
import pytest

import tinygrad_rnn as tr
from tests.conftest import require_oracle
from tests.parity import common
from tests.parity.common import assert_close, rel_error
from tinygrad_rnn.nn import init

# Keras turns torch tensors into arrays with np.array(x), which NumPy 2 warns about
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _float64_keras(monkeypatch, undo_demotion):
    """Set floatx to float64 (and undo the demotion) until the test ends."""
    keras = require_oracle("keras")
    from keras.src.backend.common import dtypes

    before = keras.config.floatx()
    keras.config.set_floatx("float64")
    if undo_demotion:
        monkeypatch.setitem(dtypes.BIT64_TO_BIT32_DTYPE, "float64", "float64")
    keras.utils.clear_session()
    yield keras
    keras.config.set_floatx(before)
    keras.utils.clear_session()


@pytest.fixture
def keras_float64(monkeypatch):
    """Keras with floatx float64 and no float64 -> float32 demotion, for one test.

    Models, optimisers and losses read floatx when they are built, so build them
    inside the test. clear_session drops the cached global dtype policy; monkeypatch
    puts the demotion back.
    """
    yield from _float64_keras(monkeypatch, undo_demotion=True)


@pytest.fixture
def keras_floatx64_only(monkeypatch):
    """Keras with floatx float64 as a user would set it: matmuls still float32."""
    yield from _float64_keras(monkeypatch, undo_demotion=False)


def _keras_model(keras, one_to_many):
    layers = keras.layers
    size = len(common.VOCAB)
    if one_to_many:
        head = [keras.Input((size,)), layers.RepeatVector(4)]
    else:
        head = [keras.Input((4, size))]
    body = [
        layers.SimpleRNN(common.HIDDEN, return_sequences=True),
        layers.TimeDistributed(layers.Dense(size, activation="softmax")),
    ]
    return keras.Sequential(head + body)


def _keras_train(keras, one_to_many):
    """Keras's fit on the reference task; returns (losses, final weights list)."""
    model = _keras_model(keras, one_to_many)
    ours = common.reference_model(one_to_many)
    state = tr.interop.from_keras_sequential(ours, common.initial_weights())
    model.set_weights(tr.interop.to_keras_sequential(ours, state))
    optimizer = keras.optimizers.Adam(learning_rate=common.LR)
    model.compile(loss="categorical_crossentropy", optimizer=optimizer)
    x, y = common.task(one_to_many)
    history = model.fit(
        x, y, epochs=common.EPOCHS, batch_size=1, shuffle=False, verbose=0
    )
    return np.array(history.history["loss"]), model.get_weights()


def _our_train(one_to_many):
    model = common.reference_model(one_to_many)
    model.load_state_dict(
        tr.interop.from_keras_sequential(model, common.initial_weights())
    )
    x, y = common.task(one_to_many)
    losses, state = common.train_ours(
        model,
        x,
        y,
        tr.losses.categorical_crossentropy,
        lambda params: tr.optim.Adam(params, lr=common.LR, form="keras"),
    )
    return losses, tr.interop.to_keras_sequential(model, state)


@pytest.mark.parametrize("kind", ["many_to_many", "one_to_many"])
def test_100_epoch_training_matches_keras_float64(keras_float64, kind):
    keras = keras_float64
    one_to_many = kind == "one_to_many"
    keras_losses, keras_weights = _keras_train(keras, one_to_many)
    assert all(w.dtype == np.float64 for w in keras_weights)

    our_losses, our_weights = _our_train(one_to_many)

    assert_close(our_losses, keras_losses, "per-epoch losses", elementwise=True)
    for mine, theirs in zip(our_weights, keras_weights):
        assert_close(mine, theirs, "final weights")


class _Replay:
    """A stand-in for a NumPy Generator that returns given standard draws."""

    def __init__(self, draws):
        self.draws = draws

    def uniform(self, low, high, size):
        return low + (high - low) * self.draws  # NumPy's own formula

    def standard_normal(self, size):
        assert self.draws.shape == size, (self.draws.shape, size)
        return self.draws


def _keras_generator(torch, seed):
    # keras/src/backend/torch/random.py seeds a torch Generator with an int seed
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3)])
def test_initialisers_follow_keras_recipes(keras_float64, shape):
    keras = keras_float64
    torch = require_oracle("torch")
    glorot = keras.initializers.GlorotUniform(seed=42)(shape, dtype="float64")
    generator = _keras_generator(torch, 42)
    uniform = torch.rand(shape, generator=generator, dtype=torch.float64)
    ours = init.glorot_uniform(shape, _Replay(uniform.numpy()))
    assert_close(ours, keras.ops.convert_to_numpy(glorot), "glorot_uniform")

    orthogonal = keras.initializers.Orthogonal(seed=7)(shape, dtype="float64")
    draw_shape = (max(shape), min(shape))
    normal = torch.normal(
        0.0,
        1.0,
        size=draw_shape,
        generator=_keras_generator(torch, 7),
        dtype=torch.float64,
    )
    ours = init.orthogonal(shape, _Replay(normal.numpy()))
    assert_close(ours, keras.ops.convert_to_numpy(orthogonal), "orthogonal")

    zeros = keras.initializers.Zeros()(shape, dtype="float64")
    np.testing.assert_array_equal(init.zeros(shape), zeros)


def test_the_float64_fixture_undoes_the_demotion_and_restores_it(request):
    keras = require_oracle("keras")
    from keras.src.backend.common import dtypes

    assert dtypes.result_type("float64", "float64") == "float32"
    request.getfixturevalue("keras_float64")
    assert dtypes.result_type("float64", "float64") == "float64"
    assert keras.config.floatx() == "float64"


def test_the_float64_fixture_left_keras_as_it_was():
    keras = require_oracle("keras")
    from keras.src.backend.common import dtypes

    assert dtypes.result_type("float64", "float64") == "float32"
    assert keras.config.floatx() == "float32"
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    assert layer.kernel.dtype == "float32"


def test_keras_with_only_floatx_float64_agrees_to_float32_round_off(
    keras_floatx64_only,
):
    keras = keras_floatx64_only
    keras_losses, keras_weights = _keras_train(keras, one_to_many=False)
    our_losses, _ = _our_train(one_to_many=False)

    # the weights look float64, but every matmul ran in float32
    assert all(w.dtype == np.float64 for w in keras_weights)
    error = rel_error(our_losses, keras_losses, elementwise=True)
    common.record("per-epoch losses (floatx float64, float32 matmuls)", error)
    assert 1e-10 < error < 1e-4, error
