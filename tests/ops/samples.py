"""A hypothesis sample-input generator for every registered op.

``SAMPLES[name]`` is a strategy drawing ``(fn, inputs, tolerances)``: ``fn`` applies op
``name`` (through the public Tensor API) to float64 ``inputs``, and ``tolerances`` are
extra keyword arguments for gradcheck. Values stay away from kinks (relu at 0, clip at
its ends), domain edges (log near 0, division near 0) and ties (max).
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays, mutually_broadcastable_shapes

import tinygrad_rnn as tr

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONEMPTY_SHAPES = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def _floats(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def _array(shape, low=-2.0, high=2.0):
    return arrays(np.float64, shape, elements=_floats(low, high))


def _away_from_zero(shape, low=0.3, high=2.0):
    """Arrays with |x| in [low, high] and random signs."""
    magnitude = _array(shape, low, high)
    sign = arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0]))
    return st.tuples(magnitude, sign).map(lambda ms: ms[0] * ms[1])


def _leaf(array):
    return tr.Tensor(array, requires_grad=True)


@st.composite
def _binary(draw, op, low=-2.0, high=2.0, b_values=None):
    shape_a, shape_b = draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)
    ).input_shapes
    a = _leaf(draw(_array(shape_a, low, high)))
    b = _leaf(draw(b_values(shape_b) if b_values else _array(shape_b)))
    return op, [a, b], {}


@st.composite
def _unary(draw, op, values=None, shapes=SHAPES):
    shape = draw(shapes)
    x = _leaf(draw(values(shape) if values else _array(shape)))
    return op, [x], {}


@st.composite
def _axis_and_keepdims(draw, ndim):
    if ndim == 0:
        return None, draw(st.booleans())
    choice = draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, unique=True).map(tuple),
        )
    )
    return choice, draw(st.booleans())


@st.composite
def _reduction(draw, name, distinct=False):
    shape = draw(SHAPES)
    if distinct:
        # Spread-out, shuffled values: no two elements tie for the maximum.
        size = int(np.prod(shape))
        order = draw(st.permutations(range(size)))
        data = np.asarray(order, dtype=np.float64).reshape(shape) * 0.5 - 1.0
    else:
        data = draw(_array(shape))
    axis, keepdims = draw(_axis_and_keepdims(len(shape)))

    def fn(x):
        return getattr(x, name)(axis=axis, keepdims=keepdims)

    return fn, [_leaf(data)], {}


@st.composite
def _softmax(draw, name):
    shape = draw(NONEMPTY_SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1))

    def fn(x):
        return getattr(x, name)(axis=axis)

    return fn, [_leaf(draw(_array(shape, -5.0, 5.0)))], {}


@st.composite
def _reshape(draw):
    shape = draw(SHAPES)
    new_shape = tuple(draw(st.permutations(shape))) + (1,)
    return (lambda x: x.reshape(new_shape)), [_leaf(draw(_array(shape)))], {}


@st.composite
def _transpose(draw):
    shape = draw(SHAPES)
    axes = tuple(draw(st.permutations(range(len(shape)))))
    return (lambda x: x.transpose(axes)), [_leaf(draw(_array(shape)))], {}


@st.composite
def _broadcast_to(draw):
    shape, target = draw(
        mutually_broadcastable_shapes(num_shapes=1, max_dims=3, max_side=3)
    )
    shape = shape[0]
    target = target if len(target) >= len(shape) else shape
    return (lambda x: x.broadcast_to(target)), [_leaf(draw(_array(shape)))], {}


@st.composite
def _getitem(draw):
    shape = draw(NONEMPTY_SHAPES)
    n = shape[0]
    index = draw(
        st.one_of(
            st.integers(-n, n - 1),
            st.builds(slice, st.integers(0, n), st.integers(0, n)),
            # integer arrays with repeats: the backward must scatter-add
            st.lists(st.integers(0, n - 1), min_size=1, max_size=5).map(np.array),
            st.tuples(st.integers(0, n - 1), st.just(Ellipsis)),
        )
    )
    return (lambda x: x[index]), [_leaf(draw(_array(shape)))], {}


@st.composite
def _take_along_axis(draw):
    shape = draw(NONEMPTY_SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    picks = list(shape)
    picks[axis] = draw(st.integers(1, 4))  # more than one pick may repeat an element
    for d in range(len(shape)):
        if d != axis % len(shape):
            # the indices broadcast against x along the other axes, either way
            picks[d] = draw(st.sampled_from([shape[d], 1, 2 if shape[d] == 1 else 1]))
    n = shape[axis]
    indices = draw(arrays(np.intp, tuple(picks), elements=st.integers(-n, n - 1)))

    def fn(x):
        return x.take_along_axis(indices, axis=axis)

    return fn, [_leaf(draw(_array(shape)))], {}


@st.composite
def _join(draw, name):
    shape = draw(NONEMPTY_SHAPES)
    count = draw(st.integers(1, 3))
    if name == "stack":  # a new axis, anywhere, counted from either end
        axis = draw(st.integers(-len(shape) - 1, len(shape)))
    else:
        axis = draw(st.integers(0, len(shape) - 1))
    tensors = []
    for _ in range(count):
        own = list(shape)
        if name == "concatenate":
            own[axis] = draw(st.integers(1, 3))
        tensors.append(_leaf(draw(_array(tuple(own)))))
    join = getattr(tr, name)

    def fn(*xs):
        return join(xs, axis=axis)

    return fn, tensors, {}


@st.composite
def _matmul(draw):
    n, k, m = draw(st.tuples(*[st.integers(1, 3)] * 3))
    batch_a, batch_b = draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=2)
    ).input_shapes
    a = _leaf(draw(_array(batch_a + (n, k))))
    b = _leaf(draw(_array(batch_b + (k, m))))
    return (lambda a, b: a @ b), [a, b], {}


@st.composite
def _addmm(draw):
    rows, k, m = draw(st.tuples(*[st.integers(1, 3)] * 3))
    lead = draw(array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    out_shape = lead + (rows, m)
    # c: any shape that broadcasts to the product's shape without enlarging it
    c_shape = tuple(
        draw(st.sampled_from([1, n])) for n in out_shape[draw(st.integers(0, 3)) :]
    )
    # with at, c holds such slices along a first axis of its own (an RNN's x_proj)
    at = None
    if draw(st.booleans()):
        count = draw(st.integers(1, 3))
        at = draw(st.integers(-count, count - 1))
        c_shape = (count,) + c_shape
    c = _leaf(draw(_array(c_shape)))
    a = _leaf(draw(_array(lead + (rows, k))))
    b = _leaf(draw(_array((k, m))))
    return (lambda c, a, b: tr.addmm(c, a, b, at=at)), [c, a, b], {}


@st.composite
def _pow(draw):
    # A tensor exponent on a positive base (both get gradients), or a number exponent
    # on a base of either sign (only the base gets one, and no log is taken).
    if draw(st.booleans()):
        return draw(
            _binary(lambda a, b: a**b, 0.5, 2.0, b_values=lambda s: _array(s, -2, 2))
        )
    exponent = draw(st.sampled_from([2, 3, -1, 0.5]))
    shape = draw(SHAPES)
    if exponent == 0.5:
        x = _leaf(draw(_array(shape, 0.5, 2.0)))
    else:
        x = _leaf(draw(_away_from_zero(shape)))
    return (lambda x: x**exponent), [x], {}


@st.composite
def _clip(draw):
    # every value at least 0.05 away from the ends -0.5 and 0.5
    elements = st.one_of(_floats(-0.45, 0.45), _floats(0.55, 1.5), _floats(-1.5, -0.55))
    values = draw(arrays(np.float64, draw(SHAPES), elements=elements))
    return (lambda x: x.clip(-0.5, 0.5)), [_leaf(values)], {}


@st.composite
def _astype(draw):
    shape = draw(SHAPES)

    def fn(x):
        return x.astype(np.float32).astype(np.float64) * 3.0

    # float32 rounding is ~1e-7 relative: a wide step keeps the quotient accurate
    return fn, [_leaf(draw(_array(shape)))], {"eps": 1e-2, "atol": 1e-3}


SAMPLES = {
    "add": _binary(lambda a, b: a + b),
    "sub": _binary(lambda a, b: a - b),
    "mul": _binary(lambda a, b: a * b),
    "div": _binary(lambda a, b: a / b, b_values=_away_from_zero),
    "pow": _pow(),
    "neg": _unary(lambda x: -x),
    "exp": _unary(lambda x: x.exp()),
    "log": _unary(lambda x: x.log(), values=lambda s: _array(s, 0.3, 3.0)),
    "tanh": _unary(lambda x: x.tanh()),
    "sigmoid": _unary(lambda x: x.sigmoid(), values=lambda s: _array(s, -4.0, 4.0)),
    "relu": _unary(lambda x: x.relu(), values=_away_from_zero),
    "clip": _clip(),
    "astype": _astype(),
    "sum": _reduction("sum"),
    "mean": _reduction("mean"),
    "max": _reduction("max", distinct=True),
    "softmax": _softmax("softmax"),
    "log_softmax": _softmax("log_softmax"),
    "reshape": _reshape(),
    "transpose": _transpose(),
    "broadcast_to": _broadcast_to(),
    "getitem": _getitem(),
    "take_along_axis": _take_along_axis(),
    "stack": _join("stack"),
    "concatenate": _join("concatenate"),
    "matmul": _matmul(),
    "addmm": _addmm(),
}
