"""The benchmark model in PyTorch (CPU): nn.RNN + nn.Linear + cross-entropy + Adam.

Weights come from the same NumPy arrays as every other implementation (Keras
layout, see fused_numpy.py) and are transposed into torch's (out, in) layout.

Bias mapping: Keras' SimpleRNN has one bias, torch's nn.RNN has two (bias_ih and
bias_hh) that are simply added. We load the Keras bias into ``bias_ih_l0`` and set
``bias_hh_l0`` to zero with ``requires_grad=False``, so it stays zero, gets no
gradient and is not handed to Adam. The model is then exactly the Keras one, and
the gradient of ``bias_ih_l0`` is the gradient of the Keras bias.

Threads: torch is set to the number of threads NumPy's BLAS uses, so both
libraries get the same cores (see threads.py).
"""

from __future__ import annotations

import numpy as np
from threads import numpy_blas_threads

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # optional benchmark dependency
    torch = None


class TorchRNN:
    """Same model as fused_numpy.FusedRNN, in torch; step() and grads() on NumPy."""

    def __init__(self, params: dict, dtype=np.float64, lr=1e-3):
        if torch is None:
            raise ImportError("torch is not installed")
        self.tdtype = {
            np.dtype(np.float32): torch.float32,
            np.dtype(np.float64): torch.float64,
        }[np.dtype(dtype)]
        C, H = params["kernel"].shape
        self.rnn = torch.nn.RNN(C, H, nonlinearity="tanh", batch_first=True)
        self.head = torch.nn.Linear(H, C)
        self.rnn.to(self.tdtype)
        self.head.to(self.tdtype)

        def t(a):  # NumPy (in, out) -> torch (out, in), own copy
            return torch.tensor(np.asarray(a).T.copy(), dtype=self.tdtype)

        with torch.no_grad():
            self.rnn.weight_ih_l0.copy_(t(params["kernel"]))  # (H, C)
            self.rnn.weight_hh_l0.copy_(t(params["recurrent_kernel"]))  # (H, H)
            self.rnn.bias_ih_l0.copy_(t(params["bias"]))  # (H,)
            self.rnn.bias_hh_l0.zero_()
            self.head.weight.copy_(t(params["dense_kernel"]))  # (C, H)
            self.head.bias.copy_(t(params["dense_bias"]))  # (C,)
        self.rnn.bias_hh_l0.requires_grad_(False)
        self.named = {
            "kernel": self.rnn.weight_ih_l0,
            "recurrent_kernel": self.rnn.weight_hh_l0,
            "bias": self.rnn.bias_ih_l0,
            "dense_kernel": self.head.weight,
            "dense_bias": self.head.bias,
        }
        self.opt = torch.optim.Adam(list(self.named.values()), lr=lr, eps=1e-8)

    def _loss(self, x, y):
        xt = torch.from_numpy(x)  # (B, T, C), zero-copy
        yt = torch.from_numpy(y)  # (B, T) int64
        out, _ = self.rnn(xt)  # (B, T, H)
        logits = self.head(out)  # (B, T, C)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), yt.reshape(-1))

    def step(self, x, y) -> float:
        self.opt.zero_grad(set_to_none=True)
        loss = self._loss(x, y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def grads(self, x, y) -> dict:
        self.opt.zero_grad(set_to_none=True)
        loss = self._loss(x, y)
        loss.backward()
        g = {k: p.grad.detach().numpy().T.copy() for k, p in self.named.items()}
        g["loss"] = loss.item()
        self.opt.zero_grad(set_to_none=True)
        return g

    def params(self) -> dict:
        return {k: p.detach().numpy().T.copy() for k, p in self.named.items()}


def factory(params: dict, dtype) -> TorchRNN:
    n = numpy_blas_threads() or torch.get_num_threads()
    torch.set_num_threads(n)
    return TorchRNN(params, dtype)
