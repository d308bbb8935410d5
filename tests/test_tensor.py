"""The engine: accumulation, graph walking, no_grad, dtypes, and its errors."""

import gc
import threading
import tracemalloc
import warnings

import numpy as np
import pytest

import tinygrad_rnn as tr


def _leaf(values, dtype=np.float64):
    return tr.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ------------------------------------------------------------ accumulation


@pytest.mark.parametrize(
    "expression, expected",
    [
        (lambda x: x * x, lambda v: 2 * v),
        (lambda x: x - x, lambda v: np.zeros_like(v)),
        (lambda x: x + x, lambda v: np.full_like(v, 2.0)),
        (lambda x: x * x * x + x, lambda v: 3 * v**2 + 1),
        (lambda x: (x.tanh() * x.exp()) / x, None),
    ],
)
def test_tensor_used_twice_gets_the_sum_of_both_gradients(expression, expected):
    values = np.array([0.5, -1.5, 2.0])
    x = _leaf(values)
    expression(x).sum().backward()
    if expected is not None:
        np.testing.assert_allclose(x.grad, expected(values), rtol=1e-14)
    assert tr.gradcheck(lambda x: expression(x).sum(), [_leaf(values)])


def test_equal_leaves_stay_distinct():
    a = _leaf([2.0, 3.0])
    b = _leaf([2.0, 3.0])
    (a * 10.0 + b * b).sum().backward()
    np.testing.assert_array_equal(a.grad, [10.0, 10.0])
    np.testing.assert_array_equal(b.grad, [4.0, 6.0])


def test_weight_shared_over_steps_gets_the_sum_of_every_step():
    rng = np.random.default_rng(0)
    w = _leaf(rng.standard_normal((3, 3)))
    h = tr.Tensor(rng.standard_normal((2, 3)))
    states = [h]
    for _ in range(4):
        h = (h @ w).tanh()
        states.append(h)
    h.sum().backward()

    # dL/dW = sum_t h_{t-1}^T dL/dz_t, written out by hand
    grad_h = np.ones((2, 3))
    expected = np.zeros((3, 3))
    for t in range(4, 0, -1):
        grad_z = grad_h * (1 - states[t].data ** 2)
        expected += states[t - 1].data.T @ grad_z
        grad_h = grad_z @ w.data.T
    np.testing.assert_allclose(w.grad, expected, rtol=1e-12)


@pytest.mark.parametrize("block_bytes", [1, 100, 200, 1 << 19])
def test_weight_used_many_times_is_summed_in_blocks_exactly(monkeypatch, block_bytes):
    # The engine stacks a weight's contributions into scratch blocks of at most
    # BLOCK_BYTES; every blocking (one row per block, several contributions per
    # block, a contribution larger than a block, all in one block) gives the same sum.
    from tinygrad_rnn.ops.matmul import WeightGrad

    monkeypatch.setattr(WeightGrad, "BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(1)
    w = _leaf(rng.standard_normal((4, 3)))
    inputs = [rng.standard_normal((rows, 4)) for rows in (1, 5, 2, 9, 3, 3)]
    loss = None
    for a in inputs:
        term = ((tr.Tensor(a) @ w) ** 2).sum()
        loss = term if loss is None else loss + term
    loss.backward()

    # d/dW sum ||a W||^2 = sum 2 a^T (a W)
    expected = sum(2 * a.T @ (a @ w.data) for a in inputs)
    np.testing.assert_allclose(w.grad, expected, rtol=1e-13)


def test_weight_gradient_scratch_blocks_are_kept_per_thread():
    # The blocks that stack a weight's contributions are kept between backward()
    # calls, one pair per thread: NumPy releases the GIL inside the GEMM, and a
    # thread running backward() at the same time must not overwrite them.
    from tinygrad_rnn.ops.buffers import scratch_blocks

    mine = scratch_blocks(1000)
    assert scratch_blocks(1000) is mine  # kept, not allocated again
    assert len(scratch_blocks(5000)[0]) >= 5000  # grown when a sum needs more
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(scratch_blocks(1000)))
    thread.start()
    thread.join()
    ours = scratch_blocks(1000)
    assert not np.shares_memory(theirs[0][0], ours[0])
    assert not np.shares_memory(theirs[0][1], ours[1])


@pytest.mark.parametrize("join", ["stack", "concatenate"])
@pytest.mark.parametrize(
    "axis, error, message",
    [
        (None, TypeError, "axis must be an int"),
        (1.0, TypeError, "axis must be an int"),
        (True, TypeError, "axis must be an int"),
        (3, ValueError, "axis 3 is out of range"),
        (-4, ValueError, "axis -4 is out of range"),
    ],
)
def test_join_ops_name_a_bad_axis(join, axis, error, message):
    parts = [tr.Tensor(np.ones((2, 3))), tr.Tensor(np.ones((2, 3)))]
    with pytest.raises(error, match=message):
        getattr(tr, join)(parts, axis=axis)


def test_weight_gradient_rows_larger_than_a_block_keep_no_scratch(monkeypatch):
    # When one row of a contribution exceeds BLOCK_BYTES, every block holds a single
    # contribution and is multiplied where it lies: no scratch is taken or grown.
    from tinygrad_rnn.ops import buffers, matmul

    buffers.release()
    monkeypatch.setattr(matmul.WeightGrad, "BLOCK_BYTES", 64)
    w = _leaf(np.ones((2, 100)))  # a row of 100 float64 is 800 bytes
    x = tr.Tensor(np.ones((1, 2)))
    ((x @ w).sum() + (x @ w).sum()).backward()
    np.testing.assert_array_equal(w.grad, np.full((2, 100), 2.0))
    assert buffers._stock.blocks is None


def test_leaf_gradients_accumulate_across_backward_calls():
    x = _leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    x.zero_grad()
    assert x.grad is None


def test_leaf_grad_is_not_shared_between_leaves():
    a, b = _leaf([1.0]), _leaf([2.0])
    (a + b).sum().backward()
    a.grad += 100.0
    np.testing.assert_array_equal(b.grad, [1.0])


# ----------------------------------------------------------------- depth


def test_chain_of_100000_ops_backpropagates_without_recursion():
    x = _leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0001**100_000, rtol=1e-9)


# ------------------------------------------------------- backward rules


def test_second_backward_through_a_released_graph_raises():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="already released"):
        y.backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_retain_graph_lets_a_second_backward_add_once_more():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad, [4.0, 8.0])


def test_backward_releases_saved_arrays_of_interior_nodes():
    x = _leaf(np.ones(4))
    hidden = x.tanh()
    loss = (hidden * 2.0).sum()
    loss.backward()
    assert hidden._parents is None and hidden._backward is None
    assert loss._parents is None


def test_memory_does_not_grow_across_training_steps():
    rng = np.random.default_rng(0)
    w = _leaf(rng.standard_normal((64, 64)))
    x = tr.Tensor(rng.standard_normal((32, 64)))

    def step():
        h = x
        for _ in range(20):
            h = (h @ w).tanh()
        h.sum().backward()
        w.data -= 1e-3 * w.grad
        w.zero_grad()

    for _ in range(5):
        step()
    gc.collect()
    tracemalloc.start()
    step()
    first, _ = tracemalloc.get_traced_memory()
    for _ in range(50):
        step()
    last, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert last - first < 64 * 1024


def test_backward_of_non_scalar_needs_a_gradient():
    x = _leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(2,\) needs an explicit grad"):
        (x * 2.0).backward()
    y = x * 2.0
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_grad_of_wrong_shape_raises():
    y = _leaf([1.0, 2.0]) * 2.0
    with pytest.raises(ValueError, match=r"grad has shape \(3,\)"):
        y.backward(np.ones(3))


def test_backward_without_requires_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (tr.Tensor([1.0]) * 2.0).sum().backward()


def test_engine_names_an_op_that_returns_a_wrongly_shaped_gradient():
    from tinygrad_rnn.ops import OPS, register

    @register("broken_for_test")
    def broken(x):
        return x * 2.0, lambda grad_y: (grad_y.sum(),)

    try:
        from tinygrad_rnn.tensor import _apply

        y = _apply("broken_for_test", _leaf([1.0, 2.0]))
        with pytest.raises(RuntimeError, match="op 'broken_for_test' returned"):
            y.sum().backward()
    finally:
        del OPS["broken_for_test"]


# ----------------------------------------------------------------- no_grad


def test_no_grad_records_nothing_and_restores():
    x = _leaf([1.0])
    with tr.no_grad():
        assert not tr.is_grad_enabled()
        y = x * 2.0
        with tr.no_grad():
            pass
        assert not tr.is_grad_enabled()
    assert tr.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert (x * 2.0).requires_grad


def test_detach_cuts_the_graph():
    x = _leaf([3.0])
    y = (x * x).detach() * x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [9.0])


# ------------------------------------------------------------------ dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_ops_and_gradients(dtype):
    x = _leaf([[0.5, -1.0]], dtype=dtype)
    w = _leaf([[1.0], [2.0]], dtype=dtype)
    y = ((x @ w).tanh() * 2 + 1.5).exp().log_softmax(axis=0).sum() / 3
    assert y.dtype == dtype
    y.backward()
    assert x.grad.dtype == dtype and w.grad.dtype == dtype
    assert (np.float64(2.0) * x).dtype == dtype


def test_mixed_float_dtypes_raise_instead_of_promoting():
    a = _leaf([1.0], dtype=np.float32)
    b = _leaf([1.0], dtype=np.float64)
    with pytest.raises(TypeError, match="float32 and float64"):
        a + b
    with pytest.raises(TypeError, match="float32 tensor with a float64 array"):
        a * np.array([1.0, 2.0])
    assert (a.astype(np.float64) + b).dtype == np.float64


def test_integer_data_becomes_float64_with_a_warning_for_arrays():
    assert tr.Tensor([1, 2]).dtype == np.float64
    with pytest.warns(UserWarning, match="casting a int64 array to float64"):
        assert tr.Tensor(np.array([1, 2], dtype=np.int64)).dtype == np.float64
    with pytest.raises(TypeError, match="float32 or float64"):
        tr.Tensor([1.0], dtype=np.float16)
    with pytest.raises(TypeError, match="complex128"):
        tr.Tensor([1j])


def test_scalars_lists_and_arrays_mix_on_either_side():
    x = _leaf([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = 1.0 + x
        y = y * [2.0, 3.0]
        y = np.array([1.0, 1.0]) - y
        y = 2.0 / y
        y = 2.0**y + y**2
    assert isinstance(y, tr.Tensor)
    y.sum().backward()
    assert tr.gradcheck(
        lambda x: (2.0 / (np.array([1.0, 1.0]) - (1.0 + x) * [2.0, 3.0])).sum(),
        [_leaf([1.0, 2.0])],
    )


# ------------------------------------------------------------ attributes


def test_attributes_and_repr():
    x = tr.Tensor(np.zeros((2, 3)), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size == 6 and len(x) == 2
    assert x.dtype == np.float64 and x.grad is None and x.is_leaf
    assert repr(x).startswith("Tensor([[0., 0., 0.],")
    assert "requires_grad=True" in repr(x)
    assert "op=sum" in repr(x.sum())
    assert x.sum().item() == 0.0
    assert x.numpy() is x.data
    assert x.T.shape == (3, 2)
    with pytest.raises(ValueError, match="single element"):
        x.item()


def test_data_can_be_edited_in_place():
    x = tr.Tensor(np.zeros(3), requires_grad=True)
    x.data[...] = [1.0, 2.0, 3.0]
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])


def test_tensor_copies_its_input():
    values = np.zeros(2)
    x = tr.Tensor(values)
    values[0] = 5.0
    assert x.data[0] == 0.0


# ---------------------------------------------------------------- op errors


def test_bad_shapes_give_errors_naming_the_shapes():
    with pytest.raises(ValueError, match=r"inner sizes differ, \(2, 3\) @ \(2, 3\)"):
        tr.Tensor(np.ones((2, 3))) @ tr.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="rank >= 2"):
        tr.Tensor(np.ones(3)) @ tr.Tensor(np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"add on shapes \(2, 3\), \(4,\)"):
        tr.Tensor(np.ones((2, 3))) + tr.Tensor(np.ones(4))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        tr.Tensor(np.ones((2, 3))).sum(axis=2)
    with pytest.raises(IndexError, match=r"getitem on shapes \(2, 3\)"):
        tr.Tensor(np.ones((2, 3)))[5]


def test_addmm_at_reads_one_slice_of_c_and_checks_it():
    rng = np.random.default_rng(6)
    c = _leaf(rng.standard_normal((4, 2, 3)))
    a, b = _leaf(rng.standard_normal((2, 5))), _leaf(rng.standard_normal((5, 3)))
    y = tr.addmm(c, a, b, at=-2)
    np.testing.assert_allclose(y.data, c.data[2] + a.data @ b.data, rtol=1e-15)
    (y * y).sum().backward()
    expected = np.zeros((4, 2, 3))
    expected[2] = 2 * y.data  # only the slice that was read gets a gradient
    np.testing.assert_allclose(c.grad, expected, rtol=1e-15)
    for at, error, message in [
        (4, IndexError, r"at=4 is out of range for c of shape \(4, 2, 3\)"),
        (-5, IndexError, "at=-5 is out of range"),
        (1.0, TypeError, "at must be an int, got 1.0"),
        (True, TypeError, "at must be an int"),
    ]:
        with pytest.raises(error, match=message):
            tr.addmm(c, a, b, at=at)
    with pytest.raises(ValueError, match=r"addmm on shapes \(4, 2, 4\)"):
        tr.addmm(_leaf(np.ones((4, 2, 4))), a, b, at=0)


# ------------------------------------------------------------- stability


def test_softmax_and_log_softmax_are_finite_for_huge_logits():
    logits = _leaf([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    y = logits.log_softmax(axis=-1)
    assert np.all(np.isfinite(y.data))
    np.testing.assert_allclose(y.data[0], [0.0, -2e4, -1e4])
    (y * np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])).sum().backward()
    assert np.all(np.isfinite(logits.grad))
    np.testing.assert_allclose(logits.grad[0], [-1.0, 1.0, 0.0], atol=1e-300)

    p = _leaf([[1e4, -1e4, 0.0]]).softmax(axis=-1)
    np.testing.assert_array_equal(p.data, [[1.0, 0.0, 0.0]])


def test_pow_with_number_exponent_takes_no_log_of_a_negative_base():
    x = _leaf([-2.0, 0.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x**2).sum().backward()
    np.testing.assert_array_equal(x.grad, [-4.0, 0.0, 6.0])


def test_sigmoid_is_finite_for_large_inputs():
    x = _leaf([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.25, 0.0])


def test_max_shares_the_gradient_between_ties():
    x = _leaf([[1.0, 3.0, 3.0], [0.0, -1.0, 2.0]])
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [0.0, 0.0, 1.0]])


def test_getitem_with_repeated_indices_scatter_adds():
    x = _leaf(np.arange(6.0).reshape(3, 2))
    x[np.array([0, 2, 0, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [[3.0, 3.0], [0.0, 0.0], [1.0, 1.0]])
    y = _leaf(np.arange(4.0))
    y[tr.Tensor([1, 1])].sum().backward()
    np.testing.assert_array_equal(y.grad, [0.0, 2.0, 0.0, 0.0])


def test_take_along_axis_matches_numpy_and_scatter_adds_repeats():
    data = np.arange(12.0).reshape(3, 4)
    picks = np.array([[3, 3], [0, 1], [-1, 3]])  # row 0 and row 2 pick twice
    x = _leaf(data)
    y = x.take_along_axis(picks, axis=1)
    np.testing.assert_array_equal(y.data, np.take_along_axis(data, picks, axis=1))
    y.sum().backward()
    expected = np.zeros((3, 4))
    expected[0, 3] = expected[2, 3] = 2.0
    expected[1, [0, 1]] = 1.0
    np.testing.assert_array_equal(x.grad, expected)

    # broadcast along the other axis: each column picks the same row, once each
    z = _leaf(data)
    z.take_along_axis(np.array([[2, 0, 1, 2]]), axis=0).sum().backward()
    np.testing.assert_array_equal(z.grad, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])


def test_take_along_axis_names_bad_indices():
    x = tr.Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="indices must be integers, got float64"):
        x.take_along_axis(np.zeros((2, 1)), axis=1)
    with pytest.raises(ValueError, match=r"indices of shape \(2,\) need the rank"):
        x.take_along_axis(np.zeros(2, dtype=int), axis=1)
    with pytest.raises(ValueError, match="axis 2 is out of range for shape"):
        x.take_along_axis(np.zeros((2, 1), dtype=int), axis=2)
    with pytest.raises(IndexError, match="take_along_axis on shapes"):
        x.take_along_axis(np.array([[0], [3]]), axis=1)
    with pytest.raises(TypeError, match="axis must be an int, got None"):
        x.take_along_axis(np.zeros((2, 1), dtype=int), axis=None)
    with pytest.raises(TypeError, match="axis must be an int, got 1.0"):
        x.take_along_axis(np.zeros((2, 1), dtype=int), axis=1.0)


def test_take_along_axis_accepts_whole_number_tensors_and_keeps_its_indices():
    x = _leaf(np.arange(6.0).reshape(2, 3))
    picks = np.array([[2], [0]])
    y = x.take_along_axis(tr.Tensor(picks.astype(float)), axis=-1)
    np.testing.assert_array_equal(y.data, [[2.0], [3.0]])
    z = x.take_along_axis(picks, axis=-1)
    picks[:] = 1  # editing the caller's array after the forward changes nothing
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0, 1], [1, 0, 0]])


def test_advanced_index_is_kept_as_it_was_at_the_forward():
    x = _leaf(np.arange(4.0))
    ids = np.array([0, 2])
    y = x[ids]
    ids[:] = 3
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0, 0.0])


def test_slices_of_one_array_are_gathered_into_one_gradient():
    x = _leaf(np.ones((2, 5, 3)))
    steps = [x[:, t] * float(t) for t in range(5)]
    tr.stack(steps, axis=1).sum().backward()
    expected = np.broadcast_to(np.arange(5.0)[None, :, None], (2, 5, 3))
    np.testing.assert_array_equal(x.grad, expected)


def test_numpy_protocols():
    t = tr.Tensor([1.0, 3.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 3.0, 2.0])
    assert np.argmax(t) == 1
    assert bool(tr.Tensor([2.0])) and not bool(tr.Tensor(0.0))
    with pytest.raises(ValueError, match=r"truth value of a tensor of shape \(3,\)"):
        bool(t)


def test_gradient_of_x_to_the_power_0_is_0():
    x = _leaf([0.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])


def test_axis_must_be_an_int_or_tuple():
    with pytest.raises(TypeError, match="axis must be None, an int or a tuple"):
        tr.Tensor(np.ones((2, 3))).sum(axis=1.0)


def test_no_grad_in_one_thread_leaves_other_threads_recording():
    # Grad mode is per thread: a thread inside no_grad() (a summary, a gradcheck)
    # does not turn a training thread's ops into constants.
    inside, release = threading.Event(), threading.Event()

    def other():
        with tr.no_grad():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    w = tr.Tensor([2.0], requires_grad=True)
    y = (w * w).sum()  # recorded while the other thread sits in no_grad()
    release.set()
    thread.join()
    assert tr.is_grad_enabled()
    y.backward()
    np.testing.assert_array_equal(w.grad, [4.0])


def test_enable_grad_inside_no_grad():
    x = _leaf([1.0])
    with tr.no_grad():
        with tr.enable_grad():
            assert (x * 2.0).requires_grad
        assert not (x * 2.0).requires_grad


def test_reductions_take_numpys_axes():
    t = _leaf(3.0)  # a 0-d tensor accepts axis 0 or -1, as in NumPy
    assert t.sum(axis=0).item() == 3.0 and t.max(axis=-1).item() == 3.0
    t.mean(axis=(0,)).backward()
    assert t.grad == 1.0
    x = tr.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"axis \(1, -1\) names an axis twice"):
        x.sum(axis=(1, -1))
    with pytest.raises(TypeError, match="axis must be None, an int or a tuple"):
        x.mean(axis=True)
    with pytest.raises(ValueError, match="axis 2 is out of range for an array of"):
        x.max(axis=2)
