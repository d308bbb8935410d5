"""Initialisers against Keras's and PyTorch's recipes: bounds, variance, orthogonality.

Random streams differ between frameworks, so these check the recipes' properties here;
test_keras_parity.py feeds Keras's own random draws through our recipes. Parity tests
copy weights, never seeds.
"""

import numpy as np
import pytest

from tests.parity import common
from tinygrad_rnn.nn import init


@pytest.mark.parametrize("shape", [(5, 5), (40, 60), (300, 100)])
def test_glorot_uniform_has_keras_bounds_and_variance(shape):
    rng = np.random.default_rng(0)
    limit = np.sqrt(6.0 / (shape[0] + shape[1]))

    w = init.glorot_uniform(shape, rng)

    assert np.abs(w).max() <= limit
    if w.size >= 2000:
        # Var U(-a, a) = a^2 / 3 = 2 / (fan_in + fan_out)
        variance = 2.0 / (shape[0] + shape[1])
        assert abs(w.var() / variance - 1.0) < 0.1
        assert np.abs(w).max() > 0.99 * limit


@pytest.mark.parametrize("shape", [(1, 1), (5, 5), (3, 7), (7, 3), (64, 64)])
def test_orthogonal_has_orthonormal_rows_or_columns(shape):
    q = init.orthogonal(shape, np.random.default_rng(1))

    gram = q.T @ q if shape[0] >= shape[1] else q @ q.T
    error = np.abs(gram - np.eye(min(shape))).max()
    common.record(f"orthogonal {shape}: |Q^T Q - I|", error)
    assert error <= 1e-12


def test_orthogonal_gain_scales():
    q = init.orthogonal((4, 4), np.random.default_rng(2), gain=2.0)
    np.testing.assert_allclose(q.T @ q, 4.0 * np.eye(4), atol=1e-12)


def test_zeros():
    assert not init.zeros((3, 2)).any()


@pytest.mark.parametrize("fan", [5, 64])
def test_torch_uniform_has_torch_bounds_and_variance(fan):
    bound = 1.0 / np.sqrt(fan)

    w = init.torch_uniform((200, 50), np.random.default_rng(3), fan=fan)

    assert np.abs(w).max() <= bound
    assert abs(w.var() / (bound**2 / 3.0) - 1.0) < 0.05
