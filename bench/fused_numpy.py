"""Hand-fused NumPy SimpleRNN + Dense + cross-entropy + Adam: the NumPy speed limit.

This is the reference point of the benchmark suite: the fastest training step a
plain NumPy program can reasonably reach for the model the suite measures, with
no graph, no tape and no per-op Python objects. The forward pass is one loop over
time, the backward pass is one hand-derived loop over time, and everything that
can be batched over time is a single GEMM.

Model (Keras weight layout, batch-first data):

    x        (B, T, C)   input features, C = number of classes
    y        (B, T)      integer targets in [0, C)
    kernel   (C, H)      input weights of the SimpleRNN
    recur    (H, H)      recurrent weights
    bias     (H,)        one RNN bias (Keras has one bias, torch has two)
    dkernel  (H, C)      Dense head, applied on every step
    dbias    (C,)

    h_t      = tanh(x_t @ kernel + h_{t-1} @ recur + bias),   h_{-1} = 0
    logits_t = h_t @ dkernel + dbias
    loss     = mean over all B*T positions of softmax cross-entropy

Adam is in the torch form: bias-corrected, eps added after the square root,
eps=1e-8, lr=1e-3, betas=(0.9, 0.999), no weight decay.

Internally the time axis goes first ((T, B, .) buffers) so that "all steps but the
first/last" slices are contiguous and every weight gradient is one GEMM without
copies. Everything stays in the dtype of the parameters (float32 or float64).
"""

from __future__ import annotations

import numpy as np

PARAM_NAMES = ("kernel", "recurrent_kernel", "bias", "dense_kernel", "dense_bias")


def init_params(rng: np.random.Generator, C: int, H: int, dtype) -> dict:
    """Deterministic weights in Keras layout, shared by every implementation."""

    def uniform(shape, fan_in):
        lim = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-lim, lim, size=shape).astype(dtype)

    return {
        "kernel": uniform((C, H), C),
        "recurrent_kernel": uniform((H, H), H),
        "bias": uniform((H,), H),
        "dense_kernel": uniform((H, C), H),
        "dense_bias": uniform((C,), H),
    }


def make_data(rng: np.random.Generator, B: int, T: int, C: int, dtype):
    """One-hot token sequences and next-token targets: x (B,T,C), y (B,T) int64."""
    tokens = rng.integers(0, C, size=(B, T + 1))
    x = np.eye(C, dtype=dtype)[tokens[:, :-1]]  # (B, T, C)
    y = tokens[:, 1:].astype(np.int64)  # (B, T)
    return x, y


class FusedRNN:
    """SimpleRNN(tanh) + Dense head + mean cross-entropy, trained with Adam."""

    def __init__(
        self, params: dict, dtype=np.float64, lr=1e-3, betas=(0.9, 0.999), eps=1e-8
    ):
        self.dtype = np.dtype(dtype)
        self.p = {k: np.array(params[k], dtype=self.dtype) for k in PARAM_NAMES}
        self.lr, self.b1, self.b2, self.eps = lr, betas[0], betas[1], eps
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0

    # ------------------------------------------------------------------ gradients
    def loss_and_grads(self, x: np.ndarray, y: np.ndarray):
        """Return (loss, grads) with grads in Keras layout, same dtype as params."""
        p = self.p
        W, U, b = p["kernel"], p["recurrent_kernel"], p["bias"]
        V, c = p["dense_kernel"], p["dense_bias"]
        B, T, C = x.shape
        H = U.shape[0]
        N = B * T

        # ---- forward --------------------------------------------------------
        xt = np.ascontiguousarray(x.transpose(1, 0, 2), dtype=self.dtype)  # (T,B,C)
        xf = xt.reshape(N, C)
        # input projection for all steps at once; becomes h in place
        hs = xf @ W  # (N, H)
        hs += b
        hs = hs.reshape(T, B, H)  # (T, B, H)
        tmp = np.empty((B, H), dtype=self.dtype)
        np.tanh(hs[0], out=hs[0])
        for t in range(1, T):
            np.matmul(hs[t - 1], U, out=tmp)
            hs[t] += tmp
            np.tanh(hs[t], out=hs[t])
        hf = hs.reshape(N, H)

        logits = hf @ V  # (N, C)
        logits += c
        yt = y.T.reshape(N)  # targets in the same (T, B) order
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)  # logits now holds exp(shifted logits)
        sums = logits.sum(axis=1)  # (N,)
        rows = np.arange(N)
        # log-softmax of the target = log(e_y) - log(sum)
        loss = float(np.log(sums).sum() - np.log(logits[rows, yt]).sum()) / N

        # ---- backward -------------------------------------------------------
        dlog = logits  # reuse: probs - onehot, divided by N
        dlog /= sums[:, None]
        dlog[rows, yt] -= 1.0
        dlog *= 1.0 / N
        g_dense_kernel = hf.T @ dlog  # (H, C)
        g_dense_bias = dlog.sum(axis=0)  # (C,)

        dz = (dlog @ V.T).reshape(T, B, H)  # dL/dh_t from the head, -> dL/dz_t
        dtanh = hs * hs  # (T, B, H) -> 1 - h^2
        np.subtract(1.0, dtanh, out=dtanh)
        UT = U.T
        dz[T - 1] *= dtanh[T - 1]
        for t in range(T - 2, -1, -1):
            np.matmul(dz[t + 1], UT, out=tmp)  # gradient through h_t -> h_{t+1}
            dz[t] += tmp
            dz[t] *= dtanh[t]
        dzf = dz.reshape(N, H)
        g_kernel = xf.T @ dzf  # (C, H)
        # h_{t-1} pairs with dz_t; h_{-1} = 0 contributes nothing
        g_recur = hs[:-1].reshape(-1, H).T @ dz[1:].reshape(-1, H)  # (H, H)
        g_bias = dzf.sum(axis=0)  # (H,)
        grads = {
            "kernel": g_kernel,
            "recurrent_kernel": g_recur,
            "bias": g_bias,
            "dense_kernel": g_dense_kernel,
            "dense_bias": g_dense_bias,
        }
        return loss, grads

    def grads(self, x, y) -> dict:
        """Gradients (Keras layout) and the loss under key "loss"; no update."""
        loss, g = self.loss_and_grads(x, y)
        g["loss"] = loss
        return g

    # ----------------------------------------------------------------- training
    def step(self, x, y) -> float:
        """One training step: forward, backward, Adam update. Returns the loss."""
        loss, g = self.loss_and_grads(x, y)
        self.t += 1
        b1, b2 = self.b1, self.b2
        bc1 = 1.0 - b1**self.t
        bc2_sqrt = np.sqrt(1.0 - b2**self.t)
        step_size = self.lr / bc1
        for k, p in self.p.items():
            gk, m, v = g[k], self.m[k], self.v[k]
            m *= b1
            m += (1.0 - b1) * gk
            v *= b2
            gk *= gk
            gk *= 1.0 - b2
            v += gk
            denom = np.sqrt(v)  # same operation order as torch.optim.Adam
            denom /= bc2_sqrt
            denom += self.eps
            np.divide(m, denom, out=denom)
            denom *= step_size
            p -= denom
        return loss

    def params(self) -> dict:
        return {k: v.copy() for k, v in self.p.items()}


def factory(params: dict, dtype) -> FusedRNN:
    return FusedRNN(params, dtype)
