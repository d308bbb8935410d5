"""The op registry: every differentiable primitive, by name.

An op is a plain function of NumPy arrays (plus keyword parameters) that returns its
output and a ``backward`` function. ``backward(grad_y)`` maps the output's gradient to a
tuple with one gradient per array input, ``None`` where an input has no gradient. Ops
never see Tensor objects: :class:`tinygrad_rnn.Tensor` looks ops up here by name, runs
them on its arrays and records the result, so a test can list every op in ``OPS``.
"""

OPS = {}


def register(name):
    """Add the decorated op function to ``OPS`` under ``name``.

    Raises:
        ValueError: if an op of that name is already registered.
    """

    def decorate(fn):
        if name in OPS:
            raise ValueError(f"op {name!r} is registered twice")
        OPS[name] = fn
        fn.op_name = name
        return fn

    return decorate


# Importing the op modules fills OPS.
from tinygrad_rnn.ops import elementwise, matmul, reduce, shape  # noqa: E402,F401
