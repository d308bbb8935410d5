"""Gradient buffers lent for one backward() and reused by the next (ops/buffers.py)."""

import sys
import threading

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.ops import buffers


def _model(rng):
    return tr.nn.Sequential(
        tr.nn.SimpleRNN(6, 16, return_sequences=True, rng=rng),
        tr.nn.TimeDistributed(tr.nn.Dense(16, 6, rng=rng)),
    )


def _grads(model, x, targets):
    model.zero_grad()
    tr.losses.cross_entropy(model(x), targets).backward()
    return [p.grad.copy() for p in model.parameters()]


def _stocked():
    return [a for arrays in buffers._stock.free.values() for a in arrays]


@pytest.mark.parametrize("min_bytes", [0, 1 << 10])
def test_reused_buffers_give_the_gradients_of_fresh_ones(monkeypatch, min_bytes):
    # Every lent array is either overwritten or zeroed before use: gradients from
    # the stock of an earlier backward() equal those from fresh arrays, exactly.
    monkeypatch.setattr(buffers, "MIN_BYTES", min_bytes)
    rng = np.random.default_rng(0)
    model = _model(rng)
    batches = [
        (rng.standard_normal((4, 9, 6)), rng.integers(0, 6, (4, 9))) for _ in range(3)
    ]
    fresh = []
    for x, targets in batches:
        buffers.release()
        fresh.append(_grads(model, x, targets))
    _grads(model, *batches[-1])  # leaves a stock of (4, 9, ...) arrays
    assert _stocked()
    for (x, targets), expected in zip(batches, fresh):
        for got, want in zip(_grads(model, x, targets), expected):
            np.testing.assert_array_equal(got, want)


def test_leaf_gradients_never_share_memory_with_the_stock(monkeypatch):
    # A leaf's .grad outlives backward(), so it may not be a lent array: here x is
    # read per step (a scattered gradient) and used twice (a summed gradient).
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    rng = np.random.default_rng(1)
    x = tr.Tensor(rng.standard_normal((5, 3, 4)), requires_grad=True)
    w = tr.Tensor(rng.standard_normal((4, 4)), requires_grad=True)

    def loss():
        return sum(((x[t] @ w).tanh() * x[t]).sum() for t in range(5)) + (x * x).sum()

    loss().backward()
    grads = [x.grad, w.grad]
    for grad in grads:
        assert not any(np.shares_memory(grad, array) for array in _stocked())
    kept = [g.copy() for g in grads]
    x.grad = w.grad = None
    x.data *= 2.0
    loss().backward()  # the same requests again, served from the stock
    np.testing.assert_array_equal(grads[0], kept[0])  # the old arrays are untouched
    np.testing.assert_array_equal(grads[1], kept[1])
    assert not np.array_equal(x.grad, kept[0])


def test_the_stock_holds_one_backward_and_release_empties_it(monkeypatch):
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    rng = np.random.default_rng(2)
    model = _model(rng)
    _grads(model, rng.standard_normal((2, 7, 6)), rng.integers(0, 6, (2, 7)))
    assert any(a.shape[:2] == (2, 7) for a in _stocked())
    _grads(model, rng.standard_normal((3, 5, 6)), rng.integers(0, 6, (3, 5)))
    shapes = {a.shape for a in _stocked()}
    assert (7, 2, 16) not in shapes and (5, 3, 16) in shapes  # time-major x_proj
    tr.release_buffers()
    assert _stocked() == []


def test_small_arrays_and_calls_outside_backward_are_not_kept():
    buffers.release()
    big = (buffers.MIN_BYTES // 8,)
    assert buffers.empty(big, np.float64) is not buffers.empty(big, np.float64)
    assert _stocked() == []  # outside backward() nothing is lent or kept
    x = tr.Tensor(np.ones((4, 4)), requires_grad=True)  # 128 bytes
    (x[1] * x).sum().backward()
    assert _stocked() == []
    expected = np.ones((4, 4))
    expected[1] += 4.0  # x[1] also meets every row of x
    np.testing.assert_array_equal(x.grad, expected)


def test_each_thread_has_its_own_stock(monkeypatch):
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    rng = np.random.default_rng(3)
    model = _model(rng)
    _grads(model, rng.standard_normal((2, 3, 6)), rng.integers(0, 6, (2, 3)))
    ours = [id(a) for a in _stocked()]
    theirs = []

    def work():
        _grads(model, rng.standard_normal((2, 3, 6)), rng.integers(0, 6, (2, 3)))
        theirs.extend(_stocked())

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert theirs and [id(a) for a in _stocked()] == ours
    assert not any(np.shares_memory(a, b) for a in _stocked() for b in theirs)


def test_an_array_is_lent_again_only_when_nothing_refers_to_it(monkeypatch):
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    buffers.release()
    shape, dtype = (4, 3), np.dtype(np.float64)
    with buffers.lending():
        first = buffers.zeros(shape, dtype)
        first_id = id(first)
        view = first[1:]
        del first
        second = buffers.zeros(shape, dtype)  # the first is still seen through view
        assert not np.shares_memory(second, view)
        del view
        third = buffers.zeros(shape, dtype)
        assert id(third) == first_id  # nothing refers to the first any more
        assert not np.shares_memory(second, third)
    assert len(_stocked()) == 2


def test_a_long_sequence_cycles_through_a_few_step_buffers(monkeypatch):
    # Every step's gradient sum and dL/dh are lent; each is free again once the walk
    # has passed its step, so 200 steps need a handful of arrays, not hundreds.
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    rng = np.random.default_rng(4)
    model = _model(rng)
    expected = _grads(
        model, rng.standard_normal((3, 200, 6)), rng.integers(0, 6, (3, 200))
    )
    per_step = [a for a in _stocked() if a.shape == (3, 16)]
    assert 1 <= len(per_step) <= 6
    buffers.release()
    rng = np.random.default_rng(4)
    model = _model(rng)
    fresh = _grads(
        model, rng.standard_normal((3, 200, 6)), rng.integers(0, 6, (3, 200))
    )
    for got, want in zip(expected, fresh):
        np.testing.assert_array_equal(got, want)


def test_a_request_of_a_new_shape_empties_the_stock(monkeypatch):
    # Another batch size means the kept arrays would only wait, alive, until the
    # backward() ends: they are dropped at the first request they cannot serve.
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    dtype = np.dtype(np.float64)
    with buffers.lending():
        buffers.zeros((2, 3), dtype)
        buffers.empty((2, 5), dtype)
    assert len(_stocked()) == 2
    with buffers.lending():
        buffers.zeros((2, 3), dtype)  # served from the stock, which is kept
        assert len(_stocked()) == 1
        buffers.zeros((4, 3), dtype)  # a shape the stock has not got
        assert _stocked() == []


def test_release_also_drops_the_weight_gradient_scratch_blocks():
    w = tr.Tensor(np.ones((3, 2)), requires_grad=True)
    x = tr.Tensor(np.ones((2, 3)))
    ((x @ w).sum() + (x @ w).sum()).backward()  # two contributions: a stacked sum
    assert buffers._stock.blocks is not None
    tr.release_buffers()
    assert buffers._stock.blocks is None and _stocked() == []


def test_the_unused_count_is_measured_not_assumed():
    # CPython 3.14 counts one reference fewer in _take's loop than 3.11 does; the
    # count is read off the same loop, so reuse stays exact on either.
    arrays = [np.empty(0)]
    held = arrays[0]
    for array in arrays:
        assert sys.getrefcount(array) == buffers._UNUSED + 1  # `held` refers to it
    del held
    for array in arrays:
        assert sys.getrefcount(array) == buffers._UNUSED
