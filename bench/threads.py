"""Read and set the thread count of NumPy's BLAS (OpenBLAS), without extra deps.

threadpoolctl is used when installed; otherwise the OpenBLAS library already
loaded into this process (NumPy wheels ship scipy-openblas) is called via ctypes.
"""

from __future__ import annotations

import ctypes

import numpy  # noqa: F401  (loads NumPy's BLAS into the process)

_GET = (
    "scipy_openblas_get_num_threads64_",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)
_SET = (
    "scipy_openblas_set_num_threads64_",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def _openblas_fn(names):
    try:
        with open("/proc/self/maps") as f:
            libs = {ln.split()[-1] for ln in f if "openblas" in ln.lower()}
    except OSError:
        return None
    for path in sorted(libs):
        lib = ctypes.CDLL(path)
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                return fn
    return None


def numpy_blas_threads() -> int | None:
    """Threads NumPy's BLAS uses, or None if it cannot be determined."""
    try:
        import threadpoolctl

        for info in threadpoolctl.threadpool_info():
            if info.get("user_api") == "blas":
                return int(info["num_threads"])
    except ImportError:
        pass
    fn = _openblas_fn(_GET)
    return int(fn()) if fn is not None else None


def set_numpy_blas_threads(n: int) -> bool:
    """Set NumPy's BLAS thread count; returns False if that is not possible."""
    fn = _openblas_fn(_SET)
    if fn is None:
        return False
    fn(ctypes.c_int(n))  # void openblas_set_num_threads(int), also in ILP64
    return numpy_blas_threads() == n
