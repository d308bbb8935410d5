"""Truncated BPTT: carrying a detached state into the next chunk gives exactly the
gradients of that chunk unrolled by hand from a constant initial state."""

import numpy as np

import tinygrad_rnn as tr

B, T, F, H, C = 3, 5, 4, 6, 4


def _model(rng):
    rnn = tr.nn.SimpleRNN(F, H, return_sequences=True, return_state=True, rng=rng)
    head = tr.nn.TimeDistributed(tr.nn.Dense(H, C, rng=rng))
    return rnn, head


def _chunk_loss(rnn, head, x, y, h0):
    out, h_last = rnn(x, initial_state=h0)
    return tr.losses.cross_entropy(head(out), y), h_last


def _numpy_bptt(rnn, head, x, y, h0):
    """Gradients of the chunk's mean cross-entropy, written out step by step."""
    K, R, b = (p.data for p in rnn.parameters())
    W, c = head.layer.kernel.data, head.layer.bias.data
    hs = [h0]
    for t in range(T):
        hs.append(np.tanh(x[:, t] @ K + hs[-1] @ R + b))  # (B, H)
    grads = {name: np.zeros_like(p.data) for name, p in _named(rnn, head)}
    grad_z_next = np.zeros((B, H))
    for t in reversed(range(T)):
        h_t, h_prev = hs[t + 1], hs[t]
        logits = h_t @ W + c  # (B, C)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        # dL/dlogits = (softmax - one_hot) / (B T) for the mean over B*T positions
        grad_logits = (p - np.eye(C)[y[:, t]]) / (B * T)
        grads["head.kernel"] += h_t.T @ grad_logits
        grads["head.bias"] += grad_logits.sum(axis=0)
        grad_h = grad_logits @ W.T + grad_z_next @ R.T
        grad_z = grad_h * (1.0 - h_t * h_t)  # tanh' = 1 - tanh^2
        grads["rnn.kernel"] += x[:, t].T @ grad_z
        grads["rnn.recurrent_kernel"] += h_prev.T @ grad_z
        grads["rnn.bias"] += grad_z.sum(axis=0)
        grad_z_next = grad_z
    return grads


def _named(rnn, head):
    return [("rnn." + n.split(".")[-1], p) for n, p in rnn.named_parameters()] + [
        ("head." + n.split(".")[-1], p) for n, p in head.named_parameters()
    ]


def test_second_chunk_gradients_equal_hand_unrolled_chunk():
    rng = np.random.default_rng(0)
    rnn, head = _model(rng)
    x1, x2 = rng.standard_normal((2, B, T, F))
    y1, y2 = rng.integers(0, C, (2, B, T))

    # chunk 1, then chunk 2 from its detached final state
    loss1, h1 = _chunk_loss(rnn, head, x1, y1, None)
    loss1.backward()
    for p in rnn.parameters() + head.parameters():
        p.grad = None
    loss2, _ = _chunk_loss(rnn, head, x2, y2, h1.detach())
    loss2.backward()

    expected = _numpy_bptt(rnn, head, x2, y2, h1.data.copy())
    for name, p in _named(rnn, head):
        np.testing.assert_allclose(p.grad, expected[name], rtol=1e-10, atol=1e-12)


def test_without_detach_gradients_reach_into_the_previous_chunk():
    rng = np.random.default_rng(1)
    rnn, head = _model(rng)
    x1, x2 = rng.standard_normal((2, B, T, F))
    y1, y2 = rng.integers(0, C, (2, B, T))

    _, h1 = _chunk_loss(rnn, head, x1, y1, None)
    loss2, _ = _chunk_loss(rnn, head, x2, y2, h1)
    loss2.backward()

    expected = _numpy_bptt(rnn, head, x2, y2, h1.data.copy())
    kernel = rnn.cell.recurrent_kernel.grad
    assert not np.allclose(kernel, expected["rnn.recurrent_kernel"])
