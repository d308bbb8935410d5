"""tinygrad_rnn: a minimal NumPy autodiff framework for seeing how RNNs learn.

The public surface: ``Tensor``, ``no_grad``, ``gradcheck``, the ``nn`` layers,
``losses``, ``optim``, ``data`` helpers, ``fit`` / ``train_step``, ``sampling``,
``save`` / ``load_into`` for weights, and ``interop`` converters to and from PyTorch
and Keras. For example::

    import tinygrad_rnn as tr
    x = tr.Tensor([[1.0, 2.0]], requires_grad=True)
    loss = (x.tanh() ** 2).sum()
    loss.backward()          # x.grad now holds dloss/dx
    tr.gradcheck(lambda x: (x.tanh() ** 2).sum(), [x])
"""

from tinygrad_rnn import data, interop, io, losses, nn, optim, sampling
from tinygrad_rnn.gradcheck import GradcheckError, gradcheck
from tinygrad_rnn.io import load_into, save
from tinygrad_rnn.nn.init import manual_seed
from tinygrad_rnn.ops import OPS
from tinygrad_rnn.ops.buffers import release as release_buffers
from tinygrad_rnn.optim import clip_grad_norm
from tinygrad_rnn.tensor import (
    Tensor,
    addmm,
    concatenate,
    enable_grad,
    gc_paused,
    is_grad_enabled,
    matmul,
    no_grad,
    stack,
)
from tinygrad_rnn.training import fit, train_step

__version__ = "0.1.0"

__all__ = [
    "OPS",
    "clip_grad_norm",
    "data",
    "fit",
    "interop",
    "io",
    "load_into",
    "losses",
    "manual_seed",
    "nn",
    "optim",
    "release_buffers",
    "sampling",
    "save",
    "GradcheckError",
    "Tensor",
    "addmm",
    "concatenate",
    "enable_grad",
    "gc_paused",
    "gradcheck",
    "is_grad_enabled",
    "matmul",
    "no_grad",
    "stack",
    "train_step",
]
