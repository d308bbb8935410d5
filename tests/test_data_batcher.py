"""BPTTBatcher: streams that continue from chunk to chunk, targets shifted by one."""

import numpy as np
import pytest

import tinygrad_rnn as tr


def test_streams_are_contiguous_and_targets_shifted():
    ids = np.arange(103)
    batcher = tr.data.BPTTBatcher(ids, batch_size=4, steps=7)
    chunks = list(batcher)
    assert len(chunks) == len(batcher) == 4  # L = 25 -> 7 + 7 + 7 + 4
    x = np.concatenate([c[0] for c in chunks], axis=1)  # (B, L)
    y = np.concatenate([c[1] for c in chunks], axis=1)
    np.testing.assert_array_equal(x, np.arange(100).reshape(4, 25))
    np.testing.assert_array_equal(y, x + 1)
    assert chunks[-1][0].shape == (4, 4)


def test_chunks_of_characters():
    vocab = tr.data.CharVocab("hello world")
    batcher = tr.data.BPTTBatcher(vocab.encode("hello world"), 2, 3)
    x, y = next(iter(batcher))  # streams "hello" and " worl"
    assert [vocab.decode(row) for row in x] == ["hel", " wo"]
    assert [vocab.decode(row) for row in y] == ["ell", "wor"]


def test_unknown_characters_map_to_the_unknown_symbol():
    vocab = tr.data.CharVocab("abc", unknown="?")
    assert vocab.decode(vocab.encode("abz")) == "ab?"


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="too few"):
        tr.data.BPTTBatcher(np.arange(4), batch_size=4, steps=2)
    with pytest.raises(TypeError, match="1-d integer"):
        tr.data.BPTTBatcher(np.zeros(10), batch_size=2, steps=2)
    with pytest.raises(ValueError, match=">= 1"):
        tr.data.BPTTBatcher(np.arange(10), batch_size=2, steps=0)
