"""Cost of one small recorded op in tinygrad_rnn next to the raw NumPy work.

Op: add of two (32, 64) float64 arrays. Four timings (timeit, best of repeats,
per call):

    numpy  fwd      np.add(x, y)
    tinyg  fwd      a + b                      (a, b Tensors, requires_grad=True)
    numpy  fwd+bwd  z = x + y; z.sum(); then the backward work done by hand: a
                    ones (32, 64) array for d(sum)/dz, passed on to both inputs
                    and stored as their grads (one copy each)
    tinyg  fwd+bwd  (a + b).sum().backward(), grads reset to None before each

The ratios are the per-op overhead of the library (graph recording, Python
objects, gradient bookkeeping). Skips cleanly if tinygrad_rnn is not importable.

    python bench/op_overhead.py [--number N] [--repeat R]
"""

from __future__ import annotations

import argparse
import sys
import timeit

import numpy as np


def best(fn, number: int, repeat: int) -> float:
    """Best-of-`repeat` seconds per call."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--number", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    try:
        import tinygrad_rnn as tr
    except ImportError as e:
        print(f"skipped: tinygrad_rnn not importable ({e})")
        return 0

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64))
    y = rng.standard_normal((32, 64))
    grads = {}

    def np_fwd():
        np.add(x, y)

    def np_fwd_bwd():
        z = x + y
        z.sum()
        gz = np.ones_like(z)  # d(sum)/dz
        grads["a"] = gz.copy()  # d(z)/da = identity
        grads["b"] = gz.copy()

    try:
        a = tr.Tensor(x, requires_grad=True)
        b = tr.Tensor(y, requires_grad=True)

        def tg_fwd():
            a + b

        def tg_fwd_bwd():
            a.grad = None
            b.grad = None
            (a + b).sum().backward()

        tg_fwd_bwd()
        ga = np.asarray(getattr(a.grad, "data", a.grad))
        if not np.array_equal(ga, np.ones_like(x)):
            print("tinygrad_rnn: unexpected gradient of (a + b).sum() w.r.t. a")
            return 1
    except (AttributeError, TypeError) as e:
        print(f"skipped: tinygrad_rnn lacks the expected API ({e})")
        return 0

    n, r = args.number, args.repeat
    rows = [
        ("add forward", best(np_fwd, n, r), best(tg_fwd, n, r)),
        ("add forward+backward", best(np_fwd_bwd, n, r), best(tg_fwd_bwd, n, r)),
    ]
    print(f"one op on (32, 64) float64, best of {r} x {n} calls")
    print(f"{'':>22} {'numpy us':>10} {'tinygrad_rnn us':>16} {'ratio':>7}")
    for name, t_np, t_tg in rows:
        print(f"{name:>22} {t_np * 1e6:10.2f} {t_tg * 1e6:16.2f} {t_tg / t_np:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
