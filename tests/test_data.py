"""CharVocab.decode: integer ids of rank 0 or 1, in range, or a clear error."""

import numpy as np
import pytest

import tinygrad_rnn as tr


@pytest.fixture
def vocab():
    return tr.data.CharVocab("KERAS")  # chars A E K R S


def test_decode_takes_0d_1d_and_empty_ids(vocab):
    assert vocab.decode(np.int64(2)) == "K"
    assert vocab.decode([4, 0]) == "SA"
    assert vocab.decode(np.array([1, 3], dtype=np.uint8)) == "ER"
    assert vocab.decode([]) == ""


@pytest.mark.parametrize("ids", [[-1, 0], [0, 5]])
def test_decode_refuses_ids_out_of_range(vocab, ids):
    low, high = min(ids), max(ids)
    message = rf"ids must lie in \[0, 4\], got values from {low} to {high}"
    with pytest.raises(ValueError, match=message):
        vocab.decode(ids)


def test_decode_refuses_float_ids(vocab):
    with pytest.raises(TypeError, match="decode needs integer ids, got dtype float64"):
        vocab.decode([1.7, 0.0])


def test_decode_refuses_2d_ids(vocab):
    with pytest.raises(ValueError, match=r"1-D sequence of ids, got shape \(2, 2\)"):
        vocab.decode([[0, 1], [2, 3]])
