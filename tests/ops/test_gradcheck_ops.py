"""Every registered op, gradient-checked in float64 over hypothesis-drawn inputs."""

import numpy as np
import pytest
from hypothesis import given

import tinygrad_rnn as tr
from tests.ops.samples import SAMPLES


def _ops_in_graph(out):
    """Names of the recorded ops that lead to ``out``."""
    names, stack, seen = set(), [out], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node._op is not None:
            names.add(node._op)
            stack.extend(node._parents)
    return names


def test_every_op_has_a_sample():
    assert set(tr.OPS) == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_op_gradient_matches_finite_differences(name):
    @given(SAMPLES[name])
    def check(sample):
        fn, inputs, tolerances = sample
        out = fn(*inputs)
        assert name in _ops_in_graph(out), f"sample for {name} does not use it"
        assert out.dtype == np.float64
        assert tr.gradcheck(fn, inputs, **tolerances)

    check()


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_op_keeps_float32_in_values_and_gradients(name):
    @given(SAMPLES[name])
    def check(sample):
        fn, inputs, _ = sample
        if name == "astype":
            return  # the one op whose purpose is to change the dtype
        inputs32 = [tr.Tensor(x, dtype=np.float32, requires_grad=True) for x in inputs]
        out = fn(*inputs32)
        assert out.dtype == np.float32
        out.backward(np.ones(out.shape, np.float32))
        out64 = fn(*inputs)
        out64.backward(np.ones(out64.shape))
        for x, x64 in zip(inputs32, inputs):
            assert x.grad is not None and x.grad.dtype == np.float32
            # the same gradient as in float64, to float32 precision
            np.testing.assert_allclose(x.grad, x64.grad, rtol=1e-4, atol=1e-4)

    check()
