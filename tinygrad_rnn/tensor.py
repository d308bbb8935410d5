"""The Tensor: a NumPy array that records the ops applied to it, and backward().

Every op on a Tensor that requires a gradient creates a node holding the op's output,
its input tensors (``parents``) and the op's ``backward`` function. ``backward()``
visits the nodes reachable from the output in reverse creation order (a valid
topological order, since a node is always created after its inputs), with an explicit
list instead of recursion, so graphs of any depth work. Gradients are accumulated,
never assigned: a tensor that feeds several ops, such as a weight used at every time
step, receives the sum of their contributions.
"""

import contextlib
import gc
import itertools
import operator
import threading
import warnings

import numpy as np

from tinygrad_rnn.ops import OPS, buffers
from tinygrad_rnn.ops.matmul import WeightGrad
from tinygrad_rnn.ops.shape import Scatter

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_creation_order = itertools.count()


class _GradMode(threading.local):
    """Whether ops are recorded, per thread (as in PyTorch): a ``no_grad()`` block in
    one thread, ``Sequential.summary`` say, leaves another thread's training alone."""

    enabled = True


_grad_mode_state = _GradMode()


@contextlib.contextmanager
def _grad_mode(enabled):
    before = _grad_mode_state.enabled
    _grad_mode_state.enabled = enabled
    try:
        yield
    finally:
        _grad_mode_state.enabled = before


def no_grad():
    """Context in which ops are not recorded: results never require a gradient.

    Example:
        >>> with tr.no_grad():
        ...     y = model(x)   # nothing is kept for backward
    """
    return _grad_mode(False)


def enable_grad():
    """Context in which ops are recorded again, even inside :func:`no_grad`."""
    return _grad_mode(True)


def is_grad_enabled():
    """True unless called inside :func:`no_grad` (in this thread)."""
    return _grad_mode_state.enabled


def _float_dtype(dtype):
    """Check that ``dtype`` is float32 or float64 and return it as a NumPy dtype."""
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"Tensor dtype must be float32 or float64, got {dtype}")
    return dtype


def _to_array(data, dtype):
    """Copy ``data`` into a new float32 or float64 array (float64 unless told)."""
    if dtype is not None:
        return np.array(data, dtype=_float_dtype(dtype))
    array = np.array(data)
    if array.dtype in _FLOAT_DTYPES:
        return array
    if array.dtype.kind in "biu":
        if isinstance(data, np.ndarray):
            warnings.warn(
                f"Tensor: casting a {array.dtype} array to float64", stacklevel=3
            )
        return array.astype(np.float64)
    raise TypeError(f"Tensor data must be float32 or float64, got {array.dtype}")


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    Args:
        data: array-like (Tensor, NumPy array, list, number). The data is copied.
        requires_grad: record ops on this tensor so ``backward()`` reaches it.
        dtype: float32 or float64. By default float32 and float64 data keep their
            dtype; integer and boolean data become float64.

    Attributes:
        data: the NumPy array. A leaf's data (a parameter's, say) may be edited in
            place (``t.data[...] = a``) between training steps; an op's saved arrays
            are not copied, so an edit between forward and backward changes the
            gradients. Results of reshape, transpose and basic indexing are views
            sharing memory with their input, and results of broadcast_to are
            read-only views, as in NumPy.
        grad: the accumulated gradient, a NumPy array of ``data``'s shape and dtype,
            or None before the first ``backward()`` that reaches this tensor.
        requires_grad: whether ops on this tensor are recorded.

    Raises:
        TypeError: for a dtype other than float32 or float64.

    Notes:
        Binary ops accept Tensors, NumPy arrays, lists and Python numbers on either
        side. Numbers, lists and integer arrays take the Tensor's dtype; a float array
        or Tensor of the other float dtype raises instead of silently promoting or
        demoting: convert it with ``.astype()``. ``np.asarray(t)`` gives ``t.data``.
        Comparison operators are not defined (``==`` compares identity); compare
        ``t.data`` instead.
    """

    __slots__ = (
        "data",
        "grad",
        "requires_grad",
        "_parents",
        "_backward",
        "_op",
        "_seq",
        # used only while backward() runs over this tensor's graph:
        "_visit",
        "_grad_sum",
        "_grad_owned",
        "_grad_pending",
    )

    # Make NumPy hand ``array + tensor`` to Tensor.__radd__ instead of looping.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = _to_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._op = None
        self._seq = next(_creation_order)
        self._visit = None

    # ------------------------------------------------------------ properties

    @property
    def shape(self):
        """The shape of ``data``, a tuple."""
        return self.data.shape

    @property
    def dtype(self):
        """The NumPy dtype of ``data`` (float32 or float64)."""
        return self.data.dtype

    @property
    def ndim(self):
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self):
        """The number of elements."""
        return self.data.size

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op (inputs, parameters)."""
        return self._op is None

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use .data.any() or .data.all()"
            )
        return bool(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = f", dtype={self.dtype}"
        if self._op is not None:
            extra += f", op={self._op}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def item(self):
        """The single element as a Python float.

        Raises:
            ValueError: if the tensor has more than one element.
        """
        if self.data.size != 1:
            raise ValueError(f"item() needs a single element, shape is {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying NumPy array (shared, not copied)."""
        return self.data

    def detach(self):
        """A new leaf sharing this tensor's data, cut from the graph."""
        return _output(self.data, (), None, None)

    def zero_grad(self):
        """Forget the accumulated gradient (``grad`` becomes None)."""
        self.grad = None

    # -------------------------------------------------------------- backward

    def backward(self, grad=None, retain_graph=False):
        """Backpropagate from this tensor, adding dL/dt into ``t.grad`` of every leaf.

        Args:
            grad: dL/dself. May be omitted only when self has one element (then 1).
            retain_graph: keep the graph so that ``backward()`` can run through it
                again. By default each node releases its saved arrays as soon as its
                gradient is passed on.

        Raises:
            RuntimeError: if self does not require a gradient, or the graph was
                already released by an earlier ``backward()``.
            ValueError: if ``grad`` is missing for a non-scalar or has the wrong shape.

        Notes:
            Leaf gradients accumulate across calls (``grad`` is added to, like
            PyTorch); call ``zero_grad()`` between training steps. A second
            ``backward()`` through the same graph raises unless the first one passed
            ``retain_graph=True``; with it, every leaf gets its gradient added once
            more.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the "
                "computation had requires_grad=True (or it ran under no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() on a tensor of shape {self.shape} needs an explicit "
                    "grad of that shape; only single-element tensors default to 1"
                )
            grad = np.ones(self.data.shape, self.data.dtype)
        else:
            grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
            if grad.shape != self.shape:
                raise ValueError(
                    f"backward(): grad has shape {grad.shape}, tensor has {self.shape}"
                )
            grad = grad.astype(self.dtype, copy=False)
        _run_backward(self, grad, retain_graph)

    # ------------------------------------------------------------- operators

    def _lift(self, other):
        """Turn a number, list or array into a constant Tensor of this dtype."""
        if isinstance(other, Tensor):
            dtype = other.data.dtype
            if dtype is not self.data.dtype and dtype != self.data.dtype:
                raise TypeError(
                    f"cannot combine {self.dtype} and {other.dtype} tensors; "
                    "convert one with .astype()"
                )
            return other
        array = np.asarray(other)
        if array.dtype.kind == "f" and array.ndim and array.dtype != self.data.dtype:
            raise TypeError(
                f"cannot combine a {self.dtype} tensor with a {array.dtype} array; "
                "convert one of them"
            )
        if array.dtype.kind not in "biuf":
            raise TypeError(f"cannot combine a tensor with {type(other).__name__}")
        return _output(array.astype(self.data.dtype), (), None, None)

    def __add__(self, other):
        return _apply("add", self, self._lift(other))

    def __radd__(self, other):
        return _apply("add", self._lift(other), self)

    def __sub__(self, other):
        return _apply("sub", self, self._lift(other))

    def __rsub__(self, other):
        return _apply("sub", self._lift(other), self)

    def __mul__(self, other):
        return _apply("mul", self, self._lift(other))

    def __rmul__(self, other):
        return _apply("mul", self._lift(other), self)

    def __truediv__(self, other):
        return _apply("div", self, self._lift(other))

    def __rtruediv__(self, other):
        return _apply("div", self._lift(other), self)

    def __pow__(self, other):
        return _pow(self, self._lift(other))

    def __rpow__(self, other):
        return _pow(self._lift(other), self)

    def __neg__(self):
        return _apply_unary("neg", self)

    def __matmul__(self, other):
        return matmul(self, self._lift(other))

    def __rmatmul__(self, other):
        return matmul(self._lift(other), self)

    def __getitem__(self, index):
        if type(index) is not int:  # an int (an RNN's step t) needs no conversion
            index = _plain_index(index)
        try:  # a fixed-argument call: this runs at every time step
            data, backward = _GETITEM(self.data, index)
        except (ValueError, IndexError) as error:
            raise _op_error("getitem", (self,), error) from None
        return _output(data, (self,), backward, "getitem")

    def take_along_axis(self, indices, axis):
        """The elements at ``indices`` along ``axis``, as ``np.take_along_axis``.

        Args:
            indices: integers (an array, a list, or a Tensor of whole numbers), with
                this tensor's rank; along every other axis its size is this tensor's
                or 1. Negative indices count from the end.
            axis: the axis to pick along (an int; NumPy's axis=None is not offered).

        Shapes:
            self: (..., N, ...) with N at ``axis``
            indices: (..., K, ...)
            returns: (..., K, ...)

        Example:
            >>> logits.take_along_axis(ids[..., None], axis=-1)  # (B, T, 1)

        Raises:
            TypeError: if the indices are not integers or axis is not an int.
            ValueError: if their rank differs, or axis is out of range.
            IndexError: if an index is out of range.
        """
        if isinstance(indices, Tensor):  # Tensors hold floats: whole numbers pass
            indices = _plain_index_part(indices)
        # A copy, so that editing the caller's array later cannot change backward.
        indices = np.array(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(
                f"take_along_axis: indices must be integers, got {indices.dtype}"
            )
        ndim = self.data.ndim
        if indices.ndim != ndim:
            raise ValueError(
                f"take_along_axis: indices of shape {indices.shape} need the rank of "
                f"the tensor, shape {self.shape}"
            )
        axis = _check_axis("take_along_axis", axis, ndim, f"shape {self.shape}")
        return _apply("take_along_axis", self, indices=indices, axis=axis)

    # ------------------------------------------------------- elementwise ops

    def exp(self):
        """e ** x, elementwise."""
        return _apply_unary("exp", self)

    def log(self):
        """Natural logarithm, elementwise. Values <= 0 give -inf or nan, as NumPy."""
        return _apply_unary("log", self)

    def tanh(self):
        """Hyperbolic tangent, elementwise."""
        return _apply_unary("tanh", self)

    def sigmoid(self):
        """1 / (1 + e ** -x), elementwise, computed without overflow."""
        return _apply_unary("sigmoid", self)

    def relu(self):
        """max(x, 0), elementwise. The gradient at exactly 0 is taken as 0."""
        return _apply_unary("relu", self)

    def sqrt(self):
        """x ** 0.5, elementwise."""
        return self**0.5

    def clip(self, low, high):
        """Limit values to [low, high]; the gradient is 0 outside that range."""
        return _apply("clip", self, low=low, high=high)

    def astype(self, dtype):
        """This tensor cast to ``dtype`` (float32 or float64), differentiably."""
        dtype = _float_dtype(dtype)
        if dtype == self.data.dtype:
            return self
        return _apply("astype", self, dtype=dtype)

    # ------------------------------------------------------------ reductions

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all axes)."""
        return _apply("sum", self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all axes)."""
        return _apply("mean", self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient equally."""
        return _apply("max", self, axis=axis, keepdims=keepdims)

    def softmax(self, axis=-1):
        """exp(x) / sum(exp(x)) along ``axis``, stable for any finite logits."""
        return _apply("softmax", self, axis=axis)

    def log_softmax(self, axis=-1):
        """log(softmax(x)) along ``axis``, computed without exp overflow."""
        return _apply("log_softmax", self, axis=axis)

    # ------------------------------------------------------------ shape ops

    def reshape(self, *shape):
        """The same elements in a new shape; accepts ``reshape(2, 3)`` or a tuple."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _apply("reshape", self, shape=shape)

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _apply("transpose", self, axes=axes or None)

    @property
    def T(self):
        """The tensor with its axes reversed."""
        return self.transpose()

    def broadcast_to(self, shape):
        """This tensor repeated along broadcast axes, as ``np.broadcast_to``."""
        return _apply("broadcast_to", self, shape=tuple(shape))


# ------------------------------------------------------------------ the engine


def _apply(name, *inputs, **params):
    """Run op ``name`` on the inputs' arrays and record it if gradients are wanted."""
    op = OPS[name]
    try:
        if len(inputs) == 1:  # most ops take one tensor: skip building a list
            data, backward = op(inputs[0].data, **params)
        else:
            data, backward = op(*[t.data for t in inputs], **params)
    except (ValueError, IndexError) as error:
        raise _op_error(name, inputs, error) from None
    return _output(data, inputs, backward, name)


def _op_error(name, inputs, error):
    """The op's error again, its message prefixed with the op and the input shapes."""
    shapes = ", ".join(str(t.shape) for t in inputs[:3])
    if len(inputs) > 3:  # a stack of a thousand steps, say
        shapes += f", ... ({len(inputs)} tensors)"
    return type(error)(f"{name} on shapes {shapes}: {error}")


def _apply_unary(name, x):
    """:func:`_apply` for an op of one tensor and no parameters (tanh, exp, ...).

    The ops an RNN runs at every time step come this way or through fixed-argument
    calls like it: packing ``*inputs`` and ``**params`` costs about as much as the
    NumPy call on a small array.
    """
    data, backward = OPS[name](x.data)
    return _output(data, (x,), backward, name)


def _output(data, parents, backward, op):
    """Wrap an op's output array in a Tensor; record the op when gradients are on
    and some parent requires one."""
    out = _new_tensor(Tensor)
    out.data = data
    out.grad = None
    out._seq = next(_creation_order)
    out._visit = None
    if _grad_mode_state.enabled:
        for parent in parents:
            if parent.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._backward = backward
                out._op = op
                return out
    out.requires_grad = False
    out._parents = ()
    out._backward = None
    out._op = None
    return out


_new_tensor = object.__new__
_ndarray = np.ndarray  # a global lookup, cheaper than np.ndarray in the walk


def _pow(base, exponent):
    """base ** exponent, asking for the exponent's gradient only when it is needed."""
    needs = (base.requires_grad, exponent.requires_grad)
    return _apply("pow", base, exponent, needs=needs)


def matmul(a, b):
    """Matrix product ``a @ b`` of tensors of rank >= 2 (batch axes broadcast).

    Shapes:
        a: (..., N, K)
        b: (..., K, M)
        returns: (..., N, M)

    Raises:
        ValueError: if an operand has rank < 2 or the inner sizes differ.
    """
    if a.ndim < 2 or b.ndim < 2:
        raise ValueError(
            f"matmul needs operands of rank >= 2, got shapes {a.shape} and {b.shape}; "
            "reshape vectors to (1, n) or (n, 1)"
        )
    if a.shape[-1] != b.shape[-2]:
        raise ValueError(
            f"matmul: inner sizes differ, {a.shape} @ {b.shape} "
            f"({a.shape[-1]} != {b.shape[-2]})"
        )
    needs = (a.requires_grad, b.requires_grad)
    return _apply("matmul", a, b, needs=needs)


def addmm(c, a, b, at=None):
    """``c + a @ b`` for a 2-D matrix b, recorded as one op; with ``at``,
    ``c[at] + a @ b``.

    The same numbers as writing ``c + a @ b``, with one recorded op and one array
    fewer: the affine map of a layer (``addmm(bias, x, kernel)``). ``at`` reads one
    slice of c along its first axis inside the same op, without a separate indexing
    op: an RNN step adds its projected input and the recurrent product as
    ``addmm(x_proj, h_prev, recurrent_kernel, at=t)``, ``x_proj[t] + h_prev @ U``.

    Shapes:
        c: broadcastable to (..., M), and no larger; with ``at``, c[at] is
        a: (..., K), rank >= 1
        b: (K, M)
        returns: (..., M)

    Raises:
        ValueError: if b is not 2-D, the inner sizes differ, or c (c[at]) does not
            broadcast to the product's shape.
        TypeError: if ``at`` is not an int.
        IndexError: if ``at`` is out of range for c's first axis.
    """
    if type(a) is not Tensor:
        a = c._lift(a) if isinstance(c, Tensor) else Tensor(a)
    dtype = a.data.dtype
    # Tensors of a's dtype, the case at every RNN step, skip _lift's checks.
    if type(b) is not Tensor or b.data.dtype is not dtype:
        b = a._lift(b)
    if type(c) is not Tensor or c.data.dtype is not dtype:
        c = a._lift(c)
    shape_a, shape_b = a.data.shape, b.data.shape
    if len(shape_b) != 2 or not shape_a:
        raise ValueError(
            f"addmm needs a 2-D b and a of rank >= 1, got a {a.shape} and b {b.shape}"
        )
    if shape_a[-1] != shape_b[0]:
        raise ValueError(
            f"addmm: inner sizes differ, {a.shape} @ {b.shape} "
            f"({a.shape[-1]} != {b.shape[0]})"
        )
    if at is not None and type(at) is not int:
        _check_at(at, c.data.shape)
    needs = (c.requires_grad, a.requires_grad, b.requires_grad)
    inputs = (c, a, b)
    try:  # a fixed-argument call: this runs at every time step
        data, backward = _ADDMM(c.data, a.data, b.data, needs, at)
    except ValueError as error:  # c does not broadcast to the product
        raise _op_error("addmm", inputs, error) from None
    except IndexError:  # at is out of range
        _check_at(at, c.data.shape)
        raise
    return _output(data, inputs, backward, "addmm")


def _check_at(at, shape_c):
    """Raise unless ``at`` is an int naming a slice of c's first axis."""
    if isinstance(at, bool) or not isinstance(at, (int, np.integer)):
        raise TypeError(f"addmm: at must be an int, got {at!r}")
    if not shape_c or not -shape_c[0] <= at < shape_c[0]:
        raise IndexError(f"addmm: at={at} is out of range for c of shape {shape_c}")


_ADDMM = OPS["addmm"]
_GETITEM = OPS["getitem"]


_BASIC_INDEX = (int, slice, type(None), type(Ellipsis))


def _plain_index(index):
    """Replace Tensors (and lists) inside an index by NumPy integer or bool arrays."""
    if type(index) is not tuple:
        return _plain_index_part(index)
    for part in index:
        if not isinstance(part, _BASIC_INDEX):
            return tuple(_plain_index_part(p) for p in index)
    return index


def _plain_index_part(part):
    if isinstance(part, Tensor):
        part = part.data
    if isinstance(part, (list, np.ndarray)):
        array = np.array(part)  # a copy: a later edit of the caller's array is harmless
        if array.dtype.kind == "f":
            if not np.all(array == np.round(array)):
                raise IndexError("tensor index has non-integer values")
            array = array.astype(np.intp)
        return array
    return part


def _graph(root):
    """The nodes that need a gradient and lead to ``root``, last-created first.

    Each node found is marked with this walk's token and its gradient slots are
    cleared, ready for :func:`_add_grad`.
    """
    token = next(_walks)
    nodes = [root]
    stack = [root]
    root._visit = token
    while stack:
        node = stack.pop()
        node._grad_sum = node._grad_pending = None
        node._grad_owned = False
        parents = node._parents
        if parents is None:
            raise RuntimeError(
                f"backward() through a graph already released by an earlier backward() "
                f"(at op {node._op}); pass retain_graph=True to the first backward() "
                "to run through the same graph twice"
            )
        for parent in parents:
            if parent.requires_grad and parent._visit != token:
                parent._visit = token
                nodes.append(parent)
                stack.append(parent)
    nodes.sort(key=_creation_index, reverse=True)
    return nodes


_walks = itertools.count()
_creation_index = operator.attrgetter("_seq")


@contextlib.contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector inside the block, then restore it.

    The graph holds no reference cycles (nodes point only to their inputs, backward
    functions only to arrays), so reference counting alone frees it. Around a whole
    training step (forward, backward, update) the collector would only scan the
    thousands of nodes an unrolled RNN creates, again and again, before they are freed
    anyway; :func:`tinygrad_rnn.train_step` pauses it there.

    Notes:
        Pause around a whole step, not part of one: nodes still alive when the
        collector resumes are scanned then.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_backward(root, grad, retain_graph):
    """Propagate ``grad`` = dL/droot to every leaf that requires a gradient."""
    with buffers.lending():  # large gradient arrays, kept for the next backward()
        _propagate(root, grad, retain_graph)


def _propagate(root, grad, retain_graph):
    nodes = _graph(root)
    _add_grad(root, grad, "backward")
    for node in nodes:
        if node._grad_pending is not None:
            _sum_weight_grads(node)
        grad_node = node._grad_sum
        if grad_node is None:
            continue
        node._grad_sum = None
        backward = node._backward
        if backward is None:  # a leaf: released nodes were refused by _graph
            _add_to_leaf(node, grad_node, node._grad_owned)
            continue
        grads_in = backward(grad_node)
        for parent, grad_in in zip(node._parents, grads_in):
            if grad_in is None or not parent.requires_grad:
                continue
            # The common case, a parent's first gradient and a dense one of its
            # shape and dtype, is taken here: it saves a call per edge.
            if (
                parent._grad_sum is None
                and type(grad_in) is _ndarray
                and grad_in.shape == parent.data.shape
                and grad_in.dtype is parent.data.dtype
            ):
                parent._grad_sum = grad_in
            else:
                _add_grad(parent, grad_in, node._op)
        if not retain_graph:
            node._parents = None
            node._backward = None


# Gradients collect on each node until the walk reaches it. One arrives as a dense
# array, a Scatter (added into a zero buffer) or a WeightGrad (kept until the node is
# reached, then all of them are multiplied out in one GEMM). A buffer marked owned was
# allocated here and is added to in place; any other array may be shared with an op's
# saved values, so the first addition to it makes a fresh array.


def _add_grad(node, grad, op):
    """Add one op's gradient for ``node`` into the node's running sum."""
    kind = type(grad)
    if kind is WeightGrad:
        if node._grad_pending is None:
            node._grad_pending = [grad]
        else:
            node._grad_pending.append(grad)
        return
    total = node._grad_sum
    if kind is Scatter:
        if total is None:
            total = node._grad_sum = _zeros_for(node)
            node._grad_owned = True
        elif not node._grad_owned:
            total = node._grad_sum = total.copy()
            node._grad_owned = True
        grad.add_into(total)
        return
    data = node.data
    if grad.shape != data.shape or grad.dtype is not data.dtype:
        _check_grad(node, grad, op)
    if total is None:
        node._grad_sum = grad
    elif node._grad_owned:
        total += grad
    else:
        # a leaf's sum may become its .grad; an intermediate's may be lent
        if node._backward is None or data.nbytes < buffers.MIN_BYTES:
            node._grad_sum = total + grad
        else:
            node._grad_sum = np.add(
                total, grad, out=buffers.empty(data.shape, data.dtype)
            )
        node._grad_owned = True


def _zeros_for(node):
    """A zero gradient buffer for ``node``: reused from the last backward() unless
    the node is a leaf, whose sum may become its ``.grad``."""
    data = node.data
    if node._backward is None or data.nbytes < buffers.MIN_BYTES:
        return np.zeros(data.shape, data.dtype)
    return buffers.zeros(data.shape, data.dtype)


def _check_grad(node, grad, op):
    """Raise, naming the op, unless ``grad`` has ``node``'s shape and dtype."""
    data = node.data
    if grad.shape != data.shape or grad.dtype != data.dtype:
        raise RuntimeError(
            f"op {op!r} returned a gradient of shape {grad.shape} and dtype "
            f"{grad.dtype} for an input of shape {data.shape} and dtype {data.dtype}"
        )


def _sum_weight_grads(node):
    """Multiply out the node's pending WeightGrads and add them to its running sum."""
    product = WeightGrad.total(node._grad_pending)
    node._grad_pending = None
    _check_grad(node, product, "matmul")
    total = node._grad_sum
    if total is None:
        node._grad_sum = product
        node._grad_owned = True
    elif node._grad_owned:
        total += product
    else:
        node._grad_sum = total + product
        node._grad_owned = True


def _add_to_leaf(leaf, grad, owned):
    """Add ``grad`` into ``leaf.grad``, never keeping an array an op may share."""
    if leaf.grad is None:
        leaf.grad = grad if owned else np.array(grad)
    else:
        leaf.grad = leaf.grad + grad


# --------------------------------------------------------- functional forms


def stack(tensors, axis=0):
    """Join tensors of equal shape along a new axis, as ``np.stack``."""
    tensors = _as_tensors(tensors, "stack")
    ndim = tensors[0].ndim + 1
    axis = _check_axis("stack", axis, ndim, f"rank {ndim}")
    return _apply("stack", *tensors, axis=axis)


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis, as ``np.concatenate``."""
    tensors = _as_tensors(tensors, "concatenate")
    ndim = tensors[0].ndim
    if not ndim:
        raise ValueError("concatenate: 0-d tensors cannot be concatenated; use stack")
    axis = _check_axis("concatenate", axis, ndim, f"rank {ndim}")
    return _apply("concatenate", *tensors, axis=axis)


def _check_axis(name, axis, ndim, where):
    """``axis`` made >= 0, after checking it is an int naming one of ndim axes.

    ``where`` describes the array in the error ("shape (2, 3)", "rank 3").
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for {where}")
    return int(axis) % ndim


def _as_tensors(items, name):
    items = list(items)
    if not items:
        raise ValueError(f"{name} needs at least one tensor")
    first = next((t for t in items if isinstance(t, Tensor)), None)
    if first is None:
        return [Tensor(t) for t in items]
    dtype = first.data.dtype
    for item in items:  # an RNN's steps: all Tensors of one dtype, kept as they are
        if type(item) is not Tensor or item.data.dtype is not dtype:
            return [first._lift(t) for t in items]
    return items
