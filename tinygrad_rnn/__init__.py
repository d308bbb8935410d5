"""tinygrad_rnn: a minimal NumPy autodiff framework for seeing how recurrent networks learn.

The public surface::

    import tinygrad_rnn as tr
    x = tr.Tensor([[1.0, 2.0]], requires_grad=True)
    loss = (x.tanh() ** 2).sum()
    loss.backward()          # x.grad now holds dloss/dx
    tr.gradcheck(lambda x: (x.tanh() ** 2).sum(), [x])
"""

from tinygrad_rnn.gradcheck import GradcheckError, gradcheck
from tinygrad_rnn.ops import OPS
from tinygrad_rnn.tensor import (
    Tensor,
    concatenate,
    is_grad_enabled,
    matmul,
    no_grad,
    stack,
)

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "GradcheckError",
    "Tensor",
    "concatenate",
    "gradcheck",
    "is_grad_enabled",
    "matmul",
    "no_grad",
    "stack",
]
