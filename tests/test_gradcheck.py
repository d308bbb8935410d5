"""gradcheck itself: it passes correct gradients and reports wrong ones precisely."""

import numpy as np
import pytest

import tinygrad_rnn as tr
from tinygrad_rnn.ops import OPS, register
from tinygrad_rnn.tensor import _apply


def test_passes_a_correct_gradient():
    x = tr.Tensor([[0.3, -0.7], [1.1, 0.2]], requires_grad=True)
    w = tr.Tensor([[0.5], [-1.5]], requires_grad=True)
    assert tr.gradcheck(lambda x, w: (x @ w).tanh(), [x, w]) is True


def test_reports_input_index_and_values_of_a_wrong_gradient():
    @register("wrong_square_for_test")
    def wrong_square(x):
        # deliberately wrong: the true derivative is 2x
        return x * x, lambda grad_y: (grad_y * 3.0 * x,)

    try:
        x = tr.Tensor([1.0, 2.0], requires_grad=True)
        c = tr.Tensor([1.0, 1.0], requires_grad=True)

        def fn(c, x):
            return (_apply("wrong_square_for_test", x) + c).sum()

        with pytest.raises(tr.GradcheckError) as info:
            tr.gradcheck(fn, [c, x])
    finally:
        del OPS["wrong_square_for_test"]
    message = str(info.value)
    assert "input 1" in message
    assert "worst at index (1,)" in message
    assert "analytic 6" in message and "numeric 4" in message


def test_needs_float64_inputs():
    x = tr.Tensor([1.0], requires_grad=True, dtype=np.float32)
    with pytest.raises(TypeError, match="float64 Tensors; input 0 is float32"):
        tr.gradcheck(lambda x: x * 2, [x])


def test_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input has requires_grad"):
        tr.gradcheck(lambda x: x * 2, [tr.Tensor([1.0])])


def test_restores_inputs_data_and_grad():
    x = tr.Tensor([0.25, 0.5], requires_grad=True)
    x.grad = np.array([7.0, 7.0])
    before = x.data.copy()
    tr.gradcheck(lambda x: x.exp().sum(), [x])
    np.testing.assert_array_equal(x.data, before)
    np.testing.assert_array_equal(x.grad, [7.0, 7.0])


def test_output_that_does_not_depend_on_input_has_zero_gradient():
    x = tr.Tensor([1.0], requires_grad=True)
    c = tr.Tensor([2.0])
    assert tr.gradcheck(lambda x, c: c * 3.0 + x * 0.0, [x, c])


def test_a_bare_tensor_instead_of_a_list_is_refused():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"list or tuple of Tensors, got Tensor"):
        tr.gradcheck(lambda x: (x * x).sum(), x)


def test_works_inside_no_grad():
    x = tr.Tensor([1.0, 2.0], requires_grad=True)
    with tr.no_grad():
        assert tr.gradcheck(lambda x: (x * x).sum(), [x])
        assert not tr.is_grad_enabled()
