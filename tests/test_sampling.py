"""Greedy and temperature sampling: reproducible, and with the right distribution."""

import numpy as np
import pytest

import tinygrad_rnn as tr


def test_greedy_is_argmax():
    logits = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 2.9]])
    np.testing.assert_array_equal(tr.sampling.greedy(logits), [1, 0])


def test_temperature_zero_is_greedy():
    logits = tr.Tensor(np.random.default_rng(0).standard_normal((4, 7)))
    ids = tr.sampling.sample(logits, temperature=0, rng=1)
    np.testing.assert_array_equal(ids, np.argmax(logits.data, axis=-1))


def test_same_seed_same_samples():
    logits = np.random.default_rng(0).standard_normal((50, 6))
    a = tr.sampling.sample(logits, 1.3, rng=np.random.default_rng(7))
    b = tr.sampling.sample(logits, 1.3, rng=np.random.default_rng(7))
    c = tr.sampling.sample(logits, 1.3, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50,) and a.dtype == np.int64
    assert not np.array_equal(a, c)


def test_frequencies_follow_softmax_over_temperature():
    logits = np.array([1.0, 0.0, -1.0, 2.0])
    probs = tr.sampling.softmax_with_temperature(logits, 0.7)
    rows = np.broadcast_to(logits, (20000, 4))
    ids = tr.sampling.sample(rows, 0.7, rng=np.random.default_rng(0))
    counts = np.bincount(ids, minlength=4) / len(ids)
    np.testing.assert_allclose(counts, probs, atol=0.015)


def test_zero_probability_class_is_never_drawn():
    logits = np.array([0.0, -1e4, 0.0])
    ids = tr.sampling.sample(np.broadcast_to(logits, (2000, 3)), 1.0, rng=0)
    assert set(np.unique(ids)) == {0, 2}


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="temperature"):
        tr.sampling.sample(np.zeros(3), -0.5, rng=0)
    with pytest.raises(ValueError, match="inf or nan"):
        tr.sampling.sample(np.array([0.0, np.nan]), 1.0, rng=0)
