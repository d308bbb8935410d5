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
