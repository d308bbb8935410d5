"""Losses: values against NumPy, Keras's clipping rule, stability, and input checks."""

import numpy as np
import pytest

import tinygrad_rnn as tr


def _logits(shape, seed=0):
    return tr.Tensor(
        np.random.default_rng(seed).standard_normal(shape), requires_grad=True
    )


def _log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def test_cross_entropy_with_ids_and_one_hot_agree_with_numpy():
    logits = _logits((2, 3, 4))
    ids = np.array([[0, 3, 1], [2, 2, 0]])
    expected = -np.mean(
        np.take_along_axis(_log_softmax(logits.data), ids[..., None], -1)
    )
    by_ids = tr.losses.cross_entropy(logits, ids)
    by_one_hot = tr.losses.cross_entropy(logits, tr.data.one_hot(ids, 4))
    np.testing.assert_allclose(by_ids.item(), expected, rtol=1e-14)
    np.testing.assert_allclose(by_one_hot.item(), expected, rtol=1e-14)

    by_ids.backward()
    probs = np.exp(_log_softmax(logits.data))
    np.testing.assert_allclose(
        logits.grad, (probs - tr.data.one_hot(ids, 4)) / 6, rtol=1e-12, atol=1e-15
    )


def test_cross_entropy_gradcheck():
    logits = _logits((3, 5), seed=1)
    assert tr.gradcheck(lambda z: tr.losses.cross_entropy(z, [4, 0, 2]), [logits])


def test_cross_entropy_is_finite_for_huge_logits_and_underflowing_targets():
    logits = tr.Tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = tr.losses.cross_entropy(logits, [1])  # target probability underflows to 0
    assert loss.item() == pytest.approx(2e4)
    loss.backward()
    np.testing.assert_allclose(logits.grad, [[1.0, -1.0, 0.0]], atol=1e-300)


def test_categorical_crossentropy_follows_keras_rule():
    rng = np.random.default_rng(2)
    raw = rng.uniform(0.0, 1.0, (2, 3, 4))
    raw[0, 0] = [1.0, 0.0, 0.0, 0.0]  # hits both clip bounds
    probs = tr.Tensor(raw, requires_grad=True)
    y = tr.data.one_hot(rng.integers(0, 4, (2, 3)), 4)
    p = np.clip(raw / raw.sum(-1, keepdims=True), 1e-7, 1 - 1e-7)
    expected = np.mean(-(y * np.log(p)).sum(-1))
    loss = tr.losses.categorical_crossentropy(probs, y)
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-14)
    ids = np.argmax(y, axis=-1)
    np.testing.assert_allclose(
        tr.losses.categorical_crossentropy(probs, ids).item(), expected, rtol=1e-14
    )


def test_categorical_crossentropy_gradcheck_inside_the_clip():
    probs = tr.Tensor(
        np.random.default_rng(3).uniform(0.1, 1.0, (2, 3)), requires_grad=True
    )
    onehot = tr.data.one_hot(np.array([2, 0]), 3)
    assert tr.gradcheck(
        lambda p: tr.losses.categorical_crossentropy(p, onehot), [probs]
    )


@pytest.mark.parametrize(
    "targets, error, message",
    [
        (
            np.array([[0, 5]]),
            ValueError,
            r"ids must lie in \[0, 3\], got values from 0 to 5",
        ),
        (np.array([0, 1]), ValueError, r"must have shape \(1, 2\)"),
        (
            np.zeros((1, 2, 3)),
            ValueError,
            r"one-hot targets must have the predictions' shape",
        ),
        (np.array([["a", "b"]]), TypeError, "integer ids or floats"),
        (np.eye(4, dtype=int)[[[0, 1]]], ValueError, "one-hot targets must be floats"),
    ],
)
def test_bad_targets_raise_naming_the_problem(targets, error, message):
    logits = _logits((1, 2, 4))
    with pytest.raises(error, match=message):
        tr.losses.cross_entropy(logits, targets)


def test_predictions_with_no_classes_are_named():
    with pytest.raises(ValueError, match=r"shape \(2, 0\) have no classes"):
        tr.losses.cross_entropy(_logits((2, 0)), np.array([0, 1]))


def test_predictions_need_a_class_axis():
    with pytest.raises(ValueError, match="batch and a class axis"):
        tr.losses.cross_entropy(_logits((4,)), np.array(1))


def test_mean_squared_error():
    x = _logits((2, 3))
    target = np.ones((2, 3))
    loss = tr.losses.mean_squared_error(x, target)
    np.testing.assert_allclose(loss.item(), np.mean((x.data - 1) ** 2), rtol=1e-14)
    assert tr.gradcheck(lambda z: tr.losses.mean_squared_error(z, target), [x])
    with pytest.raises(ValueError, match="differ in shape"):
        tr.losses.mean_squared_error(x, np.ones(3))


def test_categorical_crossentropy_warns_on_logits():
    logits = tr.Tensor([[3.0, -2.0, 1.0]])
    with pytest.warns(UserWarning, match=r"outside \[0, 1\].*use cross_entropy"):
        tr.losses.categorical_crossentropy(logits, np.array([0]))


def test_float_class_ids_get_a_clear_error():
    with pytest.raises(TypeError, match="look like class ids.*must be integers"):
        tr.losses.cross_entropy(tr.Tensor(np.zeros((2, 5))), np.array([1.0, 2.0]))


def test_cross_entropy_warns_on_probabilities():
    probs = tr.Tensor(np.full((2, 4), 0.25))
    with pytest.warns(UserWarning, match="look like probabilities"):
        tr.losses.cross_entropy(probs, np.array([1, 2]))


@pytest.mark.parametrize(
    "loss", [tr.losses.cross_entropy, tr.losses.categorical_crossentropy]
)
def test_an_empty_batch_is_named_instead_of_giving_nan(loss):
    with pytest.raises(ValueError, match=r"shape \(0, 3, 4\) hold no positions"):
        loss(tr.Tensor(np.zeros((0, 3, 4))), np.zeros((0, 3), dtype=int))


@pytest.mark.parametrize("epsilon", [0.5, 0.9, -1.0])
def test_categorical_crossentropy_checks_epsilon(epsilon):
    probs = tr.Tensor(np.full((2, 4), 0.25))
    with pytest.raises(
        ValueError, match=f"epsilon must lie in \\[0, 0.5\\), got {epsilon}"
    ):
        tr.losses.categorical_crossentropy(probs, np.array([0, 1]), epsilon=epsilon)


def test_mean_squared_error_needs_tensor_predictions_and_elements():
    with pytest.raises(TypeError, match="predictions must be a Tensor"):
        tr.losses.mean_squared_error(np.zeros((2, 5)), np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"shape \(0, 5\) are empty"):
        tr.losses.mean_squared_error(tr.Tensor(np.zeros((0, 5))), np.ones((0, 5)))
