"""Training-step benchmark: tinygrad_rnn vs PyTorch CPU vs hand-fused NumPy.

One training step = forward over the whole sequence, mean cross-entropy over every
step, backward, Adam update, for SimpleRNN(tanh) + a Dense head on every step.

    python bench/run.py --quick                 # < 1 minute
    python bench/run.py                         # full suite
    python bench/run.py --workloads small,tscan --dtypes float32 --json out.json

Order of work for every workload: (1) gradient check in float64 -- fused NumPy
against torch to 1e-10 relative, aborting loudly on failure, and every other
implementation against the same reference; (2) timing in interleaved rounds
(A B C, then C B A, ...) with a pause before each library switch; (3) tracemalloc
peak memory of one step and growth over many steps, for NumPy-based code.
See bench/README.md for the method and recorded results.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fused_numpy  # noqa: E402
import impl_tinygrad  # noqa: E402
import threads  # noqa: E402
import torch_ref  # noqa: E402

# name -> (B, T, C, H); C = input features = classes
WORKLOADS = {
    "tiny": (1, 4, 5, 5),  # the reference exercise
    "small": (32, 50, 64, 64),
    "medium": (32, 100, 128, 256),
    "large": (64, 100, 256, 512),
    "long": (8, 1000, 32, 64),
}
for _T in (10, 30, 100, 300, 1000):
    WORKLOADS[f"tscan-{_T}"] = (32, _T, 64, 128)
QUICK_WORKLOADS = ["tiny", "small", "long", "tscan-10"]

GRAD_TOL = 1e-10  # relative, float64
F32_TOL = 1e-3  # relative, float32 gradients against the float64 reference


class Skip(Exception):
    """An implementation is unavailable (optional dependency missing)."""


def _torch_factory(params, dtype):
    if torch_ref.torch is None:
        raise Skip("torch not installed (optional benchmark dependency)")
    return torch_ref.factory(params, dtype)


def _tinygrad_factory(params, dtype):
    try:
        return impl_tinygrad.factory(params, dtype)
    except impl_tinygrad.Skip as e:
        raise Skip(str(e)) from None


# Registry: name -> factory(params: dict of NumPy arrays (Keras layout), dtype)
# returning an object with step(x, y) -> loss and grads(x, y) -> dict (Keras layout
# gradients plus "loss"); params() -> dict is optional (used for the Adam check).
IMPLS = {
    "tinygrad_rnn": _tinygrad_factory,  # slot filled by bench/impl_tinygrad.py
    "torch": _torch_factory,
    "fused_numpy": fused_numpy.factory,
}
NUMPY_BASED = {"tinygrad_rnn", "fused_numpy"}  # tracemalloc sees their memory


# ---------------------------------------------------------------------- helpers
def rel_err(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def max_rel_err(ga: dict, gb: dict) -> tuple[float, str]:
    errs = {k: rel_err(ga[k], gb[k]) for k in fused_numpy.PARAM_NAMES}
    errs["loss"] = rel_err(ga["loss"], gb["loss"])
    worst = max(errs, key=errs.get)
    return errs[worst], worst


def build(name: str, seed: int):
    """Identical float64 data and weights for a workload (cast per dtype later)."""
    B, T, C, H = WORKLOADS[name]
    rng = np.random.default_rng(seed)
    params = fused_numpy.init_params(rng, C, H, np.float64)
    x, y = fused_numpy.make_data(rng, B, T, C, np.float64)
    return params, x, y


def make(impl: str, params: dict, dtype):
    return IMPLS[impl]({k: v.astype(dtype) for k, v in params.items()}, dtype)


# ----------------------------------------------------------------- grad checks
def check_gradients(wl, params, x, y, impls, skipped, failures):
    """float64 gradients vs torch (fused must pass), float32 sanity, Adam parity."""
    f64 = np.float64
    ref_name = "torch" if "torch" not in skipped else "fused_numpy"
    ref = make(ref_name, params, f64)
    g_ref = ref.grads(x, y)
    lines = []
    if ref_name != "torch":
        lines.append(
            "  torch absent: fused_numpy cannot be checked against torch; "
            "other implementations are checked against fused_numpy"
        )
    for impl in impls:
        if impl in skipped or impl == ref_name:
            continue
        obj = make(impl, params, f64)
        err, where = max_rel_err(obj.grads(x, y), g_ref)
        ok = err <= GRAD_TOL
        lines.append(
            f"  {impl:>13} vs {ref_name}: float64 grads max rel err "
            f"{err:.2e} ({where}) {'ok' if ok else 'FAIL'}"
        )
        if not ok:
            msg = (
                f"{wl}: {impl} gradients differ from {ref_name} by {err:.2e} "
                f"relative in {where} (tolerance {GRAD_TOL:.0e})"
            )
            if impl == "fused_numpy":
                print("\n".join(lines))
                raise SystemExit("GRADIENT CHECK FAILED: " + msg)
            failures.append(msg)
            continue
        # Adam parity: three steps, then the weights must still agree.
        if hasattr(obj, "params") and hasattr(ref, "params"):
            r2 = make(ref_name, params, f64)
            for _ in range(3):
                obj.step(x, y)
                r2.step(x, y)
            pa, pb = obj.params(), r2.params()
            aerr = max(rel_err(pa[k], pb[k]) for k in fused_numpy.PARAM_NAMES)
            ok = aerr <= GRAD_TOL
            lines.append(
                f"  {'':>13}   weights after 3 Adam steps: max rel err "
                f"{aerr:.2e} {'ok' if ok else 'FAIL'}"
            )
            if not ok:
                failures.append(
                    f"{wl}: {impl} Adam update differs from {ref_name} by {aerr:.2e}"
                )
        # float32: no upcasting, and close to the float64 reference
        if impl in NUMPY_BASED:
            g32 = make(impl, params, np.float32).grads(x.astype(np.float32), y)
            dts = {str(np.asarray(g32[k]).dtype) for k in fused_numpy.PARAM_NAMES}
            err32, where32 = max_rel_err(g32, g_ref)
            ok = dts == {"float32"} and err32 <= F32_TOL
            lines.append(
                f"  {'':>13}   float32 grads dtype {','.join(sorted(dts))}, "
                f"max rel err {err32:.1e} ({where32}) "
                f"{'ok' if ok else 'FAIL'}"
            )
            if not ok:
                failures.append(
                    f"{wl}: {impl} float32 gradients dtype {dts}, rel err {err32:.1e}"
                )
    print("\n".join(lines))


# ---------------------------------------------------------------------- timing
def _minor_faults() -> int:
    """Minor page faults of this process so far: fresh memory touched the first time."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_rounds(
    factories: dict, x, y, rounds: int, target: float, pause: float, max_steps: int
):
    """Interleaved timing. Returns ({impl: [seconds per step, one per round]},
    {impl: [minor page faults per step, one per round]}).

    Every round starts each implementation from the initial weights (a fresh
    object, built and given one untimed step outside the clock), so all of them do
    the same numerical work and no run drifts far along one training trajectory.
    The steps per round are calibrated once to about `target` seconds, at most
    `max_steps`.
    """
    steps = {}
    for name, make_obj in factories.items():  # warm up, calibrate steps per round
        time.sleep(pause)
        obj = make_obj()
        obj.step(x, y)
        t0, n = time.perf_counter(), 0
        while n < 2 or (time.perf_counter() - t0 < min(target, 0.5) and n < max_steps):
            obj.step(x, y)
            n += 1
        per = (time.perf_counter() - t0) / n
        steps[name] = max(1, min(max_steps, int(round(target / per))))
    times = {name: [] for name in factories}
    faults = {name: [] for name in factories}
    order = list(factories)
    for r in range(rounds):
        for name in order if r % 2 == 0 else order[::-1]:
            obj, n = factories[name](), steps[name]
            obj.step(x, y)  # untimed: lazy state (e.g. torch's Adam buffers)
            gc.collect()  # earlier objects' cyclic garbage, not on the clock
            time.sleep(pause)  # let the previous library's BLAS threads go idle
            f0, t0 = _minor_faults(), time.perf_counter()
            for _ in range(n):
                obj.step(x, y)
            times[name].append((time.perf_counter() - t0) / n)
            faults[name].append((_minor_faults() - f0) / n)
            del obj
    return times, faults


def measure_memory(obj, x, y, n_steps: int, budget: float):
    """(peak bytes above baseline during one step, net growth, steps run).

    Growth is traced memory after `n_steps` further steps (stopping early once
    `budget` seconds have passed) minus before them, both after gc.collect().
    """
    gc.collect()
    tracemalloc.start()
    try:
        obj.step(x, y)
        # Memory an implementation keeps for its next step (tinygrad_rnn's gradient
        # buffers) is dropped first, so that the peak counts it.
        if hasattr(obj, "release_buffers"):
            obj.release_buffers()
        gc.collect()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        obj.step(x, y)
        peak = tracemalloc.get_traced_memory()[1] - base
        gc.collect()
        c0 = tracemalloc.get_traced_memory()[0]
        t0, done = time.perf_counter(), 0
        while done < n_steps and (done == 0 or time.perf_counter() - t0 < budget):
            obj.step(x, y)
            done += 1
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - c0
    finally:
        tracemalloc.stop()
    return peak, growth, done


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


# ------------------------------------------------------------------------ main
def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="fewer workloads, rounds and memory steps (< 1 minute)",
    )
    ap.add_argument(
        "--workloads",
        help=f"comma list; 'tscan' = all T-scan entries; known: {', '.join(WORKLOADS)}",
    )
    ap.add_argument("--dtypes", default="float64,float32")
    ap.add_argument("--impls", default=",".join(IMPLS))
    ap.add_argument("--rounds", type=int, help="timing rounds (default 7, quick 3)")
    ap.add_argument(
        "--round-time",
        type=float,
        help="seconds per implementation per round (default 0.5, quick 0.05)",
    )
    ap.add_argument(
        "--max-steps",
        type=int,
        default=200,
        help="cap on timed steps per implementation per round",
    )
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="set NumPy's BLAS and torch to N threads (default 1: on 2 cores more "
        "threads gave 10-20x swings); 0 leaves NumPy's and matches torch to it",
    )
    ap.add_argument(
        "--pause",
        type=float,
        default=0.15,
        help="sleep before switching library, seconds",
    )
    ap.add_argument(
        "--mem-steps", type=int, help="steps for memory growth (default 1000, quick 20)"
    )
    ap.add_argument(
        "--mem-budget",
        type=float,
        help="cap on seconds per growth run (default 60, quick 0.3)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="PATH", help="also write results as JSON")
    a = ap.parse_args(argv)
    q = a.quick
    a.rounds = a.rounds or (3 if q else 7)
    a.round_time = a.round_time or (0.05 if q else 0.5)
    a.mem_steps = a.mem_steps if a.mem_steps is not None else (20 if q else 1000)
    a.mem_budget = a.mem_budget or (0.3 if q else 60.0)
    names = (
        a.workloads.split(",")
        if a.workloads
        else QUICK_WORKLOADS
        if q
        else list(WORKLOADS)
    )
    wl = []
    for n in names:
        n = n.strip()
        if n == "tscan":
            wl += [k for k in WORKLOADS if k.startswith("tscan-")]
        elif n in WORKLOADS:
            wl.append(n)
        else:
            ap.error(f"unknown workload {n!r}")
    a.workloads = wl
    a.dtypes = [np.dtype(d.strip()) for d in a.dtypes.split(",")]
    a.impls = [i.strip() for i in a.impls.split(",")]
    for i in a.impls:
        if i not in IMPLS:
            ap.error(f"unknown implementation {i!r}")
    return a


def main(argv=None):
    a = parse_args(argv)
    t_start = time.perf_counter()
    gc.freeze()  # imported modules (torch!) out of the GC's way: cheap collects
    if a.threads and not threads.set_numpy_blas_threads(a.threads):
        raise SystemExit(f"could not set NumPy's BLAS to {a.threads} threads")
    env = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": getattr(torch_ref.torch, "__version__", None),
        "cpus": os.cpu_count(),
        "numpy_blas_threads": threads.numpy_blas_threads(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }
    print("env: " + ", ".join(f"{k}={v}" for k, v in env.items()))

    # Which implementations exist at all? (probe on the tiny workload)
    params, x, y = build("tiny", a.seed)
    skipped = {}
    for impl in a.impls:
        try:
            make(impl, params, np.float64)
        except Skip as e:
            skipped[impl] = str(e)
            print(f"skipped: {impl}: {e}")
    if "torch" not in skipped and torch_ref.torch is not None:
        env["torch_threads"] = torch_ref.torch.get_num_threads()
        print(f"torch threads: {env['torch_threads']}")
    active = [i for i in a.impls if i not in skipped]

    results, failures = [], []
    for wl in a.workloads:
        B, T, C, H = WORKLOADS[wl]
        params, x64, y = build(wl, a.seed)
        print(f"\n== {wl}: B={B} T={T} C={C} H={H}")
        check_gradients(wl, params, x64, y, active, skipped, failures)
        bad = {f.split(":")[1].split()[0] for f in failures if f.startswith(wl + ":")}
        for dt in a.dtypes:
            x = x64.astype(dt)
            timed = [i for i in active if i not in bad]
            factories = {i: (lambda i=i, p=params, d=dt: make(i, p, d)) for i in timed}
            times, faults = time_rounds(
                factories, x, y, a.rounds, a.round_time, a.pause, a.max_steps
            )
            for impl in a.impls:
                rec = {
                    "workload": wl,
                    "B": B,
                    "T": T,
                    "C": C,
                    "H": H,
                    "dtype": dt.name,
                    "impl": impl,
                }
                if impl in skipped or impl in bad:
                    rec["skipped"] = skipped.get(impl, "gradient check failed")
                    results.append(rec)
                    continue
                ts = times[impl]
                rec["median_s"] = statistics.median(ts)
                rec["min_s"], rec["max_s"] = min(ts), max(ts)
                rec["rounds_s"] = ts
                rec["faults_per_step"] = statistics.median(faults[impl])
                for ref in ("torch", "fused_numpy"):
                    if ref in times:
                        rec[f"ratio_vs_{ref}"] = statistics.median(
                            t / r for t, r in zip(ts, times[ref])
                        )
                if impl in NUMPY_BASED:
                    peak, growth, n = measure_memory(
                        make(impl, params, dt), x, y, a.mem_steps, a.mem_budget
                    )
                    rec.update(peak_bytes=peak, growth_bytes=growth, growth_steps=n)
                results.append(rec)
            print_table(
                [r for r in results if r["workload"] == wl and r["dtype"] == dt.name]
            )

    print(f"\ntotal time {time.perf_counter() - t_start:.1f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(
                {
                    "env": env,
                    "args": {k: str(v) for k, v in vars(a).items()},
                    "results": results,
                    "failures": failures,
                },
                f,
                indent=1,
            )
        print(f"wrote {a.json}")
    if failures:
        print("\nFAILURES:\n  " + "\n  ".join(failures))
        return 1
    return 0


def print_table(rows):
    r0 = rows[0]
    print(
        f"  {r0['workload']} {r0['dtype']}  (B={r0['B']} T={r0['T']} "
        f"C={r0['C']} H={r0['H']})"
    )
    print(
        f"  {'impl':>13} {'ms/step':>9} {'min..max ms':>17} {'x torch':>8} "
        f"{'x fused':>8} {'faults':>7} {'peak/step':>10} {'growth (steps)':>18}"
    )
    for r in rows:
        if "skipped" in r:
            print(f"  {r['impl']:>13} skipped: {r['skipped'][:60]}")
            continue
        rng = f"{r['min_s'] * 1e3:.3g}..{r['max_s'] * 1e3:.3g}"
        ms = f"{r['median_s'] * 1e3:9.3f} {rng:>17}"
        rt = f"{r['ratio_vs_torch']:8.2f}" if "ratio_vs_torch" in r else f"{'-':>8}"
        rf = (
            f"{r['ratio_vs_fused_numpy']:8.2f}"
            if "ratio_vs_fused_numpy" in r
            else f"{'-':>8}"
        )
        if "peak_bytes" in r:
            grow = f"{fmt_bytes(r['growth_bytes'])} ({r['growth_steps']})"
            mem = f"{fmt_bytes(r['peak_bytes']):>10} {grow:>18}"
        else:
            mem = f"{'n/a':>10} {'n/a':>18}"
        pf = f"{r['faults_per_step']:7.0f}"
        print(f"  {r['impl']:>13} {ms} {rt} {rf} {pf} {mem}")


if __name__ == "__main__":
    sys.exit(main())
