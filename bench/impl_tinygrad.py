"""tinygrad_rnn in the benchmark suite: the model of fused_numpy.py built from layers.

    SimpleRNN(C -> H, every step) -> TimeDistributed(Dense(H -> C)) -> cross_entropy
    Adam in PyTorch's form, one tr.train_step per timed step.

If ``tinygrad_rnn`` cannot be imported, ``factory`` raises ``Skip`` and the suite
reports the implementation as skipped.
"""

from __future__ import annotations


class Skip(Exception):
    """Raised when tinygrad_rnn is unavailable; the suite reports 'skipped'."""


class TinygradRNN:
    def __init__(self, tr, params: dict, dtype):
        features, hidden = params["kernel"].shape
        rnn = tr.nn.SimpleRNN(features, hidden, return_sequences=True, dtype=dtype)
        dense = tr.nn.Dense(hidden, features, dtype=dtype)
        self.tr = tr
        self.model = tr.nn.Sequential(rnn, tr.nn.TimeDistributed(dense))
        # names as in fused_numpy.PARAM_NAMES -> parameter Tensors
        self.named = {
            "kernel": rnn.cell.kernel,
            "recurrent_kernel": rnn.cell.recurrent_kernel,
            "bias": rnn.cell.bias,
            "dense_kernel": dense.kernel,
            "dense_bias": dense.bias,
        }
        for name, p in self.named.items():
            p.data[...] = params[name]
        self.opt = tr.optim.Adam(self.model.parameters(), lr=1e-3, form="torch")

    def step(self, x, y) -> float:
        loss, _ = self.tr.train_step(
            self.model, self.tr.Tensor(x), y, self.tr.losses.cross_entropy, self.opt
        )
        return loss

    def release_buffers(self):
        """Drop the gradient buffers kept for the next backward (for memory peaks)."""
        self.tr.release_buffers()

    def grads(self, x, y) -> dict:
        self.opt.zero_grad()
        loss = self.tr.losses.cross_entropy(self.model(self.tr.Tensor(x)), y)
        loss.backward()
        g = {k: p.grad.copy() for k, p in self.named.items()}
        g["loss"] = loss.item()
        self.opt.zero_grad()
        return g

    def params(self) -> dict:
        return {k: p.data.copy() for k, p in self.named.items()}


def factory(params: dict, dtype) -> TinygradRNN:
    try:
        import tinygrad_rnn as tr
    except ImportError as e:
        raise Skip(f"tinygrad_rnn not importable ({e})") from None
    return TinygradRNN(tr, params, dtype)
