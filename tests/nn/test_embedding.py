"""Embedding: lookup shapes, the scatter-add gradient, and the checks on ids."""

import numpy as np
import pytest

import tinygrad_rnn as tr


def test_lookup_returns_the_named_rows():
    emb = tr.nn.Embedding(5, 3, rng=0)
    ids = np.array([[0, 4, 4], [2, 1, 0]])
    y = emb(ids)
    assert y.shape == (2, 3, 3)
    np.testing.assert_array_equal(y.data, emb.embeddings.data[ids])


def test_equals_one_hot_times_table():
    emb = tr.nn.Embedding(4, 2, rng=1)
    ids = np.array([3, 0, 3, 1])
    expected = tr.data.one_hot(ids, 4) @ emb.embeddings.data
    np.testing.assert_allclose(emb(ids).data, expected)


def test_gradcheck_with_repeated_ids():
    # id 2 occurs three times: its row must get the sum of three gradients
    emb = tr.nn.Embedding(4, 3, rng=2)
    ids = np.array([[2, 0, 2], [2, 3, 1]])
    assert tr.gradcheck(lambda table: emb(ids) * emb(ids), [emb.embeddings])


def test_gradient_is_scatter_add_of_output_gradient():
    emb = tr.nn.Embedding(3, 2, rng=3)
    ids = np.array([1, 1, 0, 1])
    grad_y = np.arange(8.0).reshape(4, 2)
    emb(ids).backward(grad_y)
    expected = np.zeros((3, 2))
    np.add.at(expected, ids, grad_y)
    np.testing.assert_array_equal(emb.embeddings.grad, expected)


def test_parameter_name_and_dtype():
    emb = tr.nn.Embedding(6, 4, dtype=np.float32, rng=0)
    assert [n for n, _ in emb.named_parameters()] == ["embeddings"]
    assert emb(np.array([1])).dtype == np.float32


@pytest.mark.parametrize("ids", [np.array([0.0, 1.0]), np.array([True, False])])
def test_non_integer_ids_raise_type_error(ids):
    with pytest.raises(TypeError, match="integer ids"):
        tr.nn.Embedding(3, 2, rng=0)(ids)


def test_tensor_ids_raise_type_error():
    with pytest.raises(TypeError, match="not a Tensor"):
        tr.nn.Embedding(3, 2, rng=0)(tr.Tensor([0.0, 1.0]))


@pytest.mark.parametrize("bad", [-1, 3])
def test_out_of_range_ids_raise_value_error(bad):
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        tr.nn.Embedding(3, 2, rng=0)(np.array([0, bad]))
