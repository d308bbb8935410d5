"""tinygrad_rnn adapter for the benchmark suite -- THE SLOT TO FILL IN.

The library's API is still being written; this file is written against the
expected API and kept tiny so it is easy to adapt. If ``tinygrad_rnn`` is not
importable, or lacks anything used below, ``factory`` raises ``Skip`` and the
suite reports the implementation as skipped.

Expected API (guess, may change):

    import tinygrad_rnn as tr
    cell  = tr.nn.SimpleRNNCell(F, H)       # .kernel (F,H) .recurrent_kernel (H,H)
                                            # .bias (H,)  -- Tensors, Keras layout
    rnn   = tr.nn.RNN(cell, return_sequences=True)       # (B,T,F) -> (B,T,H)
    dense = tr.nn.Dense(H, C)               # .kernel (H,C) .bias (C,)
    model = tr.nn.Sequential(rnn, tr.nn.TimeDistributed(dense))
    loss  = tr.losses.cross_entropy(logits, targets_int)  # mean over B*T
    opt   = tr.optim.Adam(model.parameters(), lr=1e-3, form="torch")
            # (the brief guessed eps_form="torch"; both spellings are tried)
    opt.zero_grad(); loss.backward(); opt.step()
    tr.Tensor(array, requires_grad=...)     # .data is a NumPy array, .grad too
                                            # (or a Tensor holding one)

Only ``_build``, ``_weights`` and ``_optimizer`` below should need changing when
the API settles.
"""

from __future__ import annotations

import numpy as np


class Skip(Exception):
    """Raised when tinygrad_rnn is unavailable; the suite reports 'skipped'."""


def _build(tr, C: int, H: int):
    """ADAPT HERE: build the model; return (model, cell, dense)."""
    cell = tr.nn.SimpleRNNCell(C, H)
    dense = tr.nn.Dense(H, C)
    model = tr.nn.Sequential(
        tr.nn.RNN(cell, return_sequences=True), tr.nn.TimeDistributed(dense))
    return model, cell, dense


def _weights(cell, dense) -> dict:
    """ADAPT HERE: name (as in fused_numpy.PARAM_NAMES) -> parameter Tensor."""
    return {
        "kernel": cell.kernel,
        "recurrent_kernel": cell.recurrent_kernel,
        "bias": cell.bias,
        "dense_kernel": dense.kernel,
        "dense_bias": dense.bias,
    }


def _optimizer(tr, params):
    """ADAPT HERE: Adam in torch form (eps after sqrt of bias-corrected v)."""
    try:
        return tr.optim.Adam(params, lr=1e-3, form="torch")
    except TypeError:
        return tr.optim.Adam(params, lr=1e-3, eps_form="torch")


def _numpy(a) -> np.ndarray:
    """A Tensor, a Tensor's grad or an array -> ndarray."""
    return np.asarray(getattr(a, "data", a))


class TinygradRNN:
    def __init__(self, tr, params: dict, dtype):
        C, H = params["kernel"].shape
        self.tr = tr
        self.model, cell, dense = _build(tr, C, H)
        self.named = _weights(cell, dense)
        for k, p in self.named.items():  # load the shared weights, in `dtype`
            p.data = np.array(params[k], dtype=dtype)
        self.opt = _optimizer(tr, list(self.model.parameters()))

    def _loss(self, x, y):
        logits = self.model(self.tr.Tensor(x))  # (B, T, C)
        return self.tr.losses.cross_entropy(logits, y)  # y (B, T) int

    def step(self, x, y) -> float:
        self.opt.zero_grad()
        loss = self._loss(x, y)
        loss.backward()
        self.opt.step()
        return float(_numpy(loss))

    def grads(self, x, y) -> dict:
        self.opt.zero_grad()
        loss = self._loss(x, y)
        loss.backward()
        g = {k: _numpy(p.grad).copy() for k, p in self.named.items()}
        g["loss"] = float(_numpy(loss))
        self.opt.zero_grad()
        return g

    def params(self) -> dict:
        return {k: _numpy(p).copy() for k, p in self.named.items()}


def factory(params: dict, dtype) -> TinygradRNN:
    try:
        import tinygrad_rnn as tr
    except ImportError as e:
        raise Skip(f"tinygrad_rnn not importable ({e})") from None
    try:
        return TinygradRNN(tr, params, dtype)
    except (AttributeError, TypeError) as e:  # API not there yet / changed
        raise Skip(
            f"tinygrad_rnn lacks the expected API ({type(e).__name__}: {e})"
        ) from e
