"""Large gradient buffers, lent for one ``backward()`` and reused by the next.

A training step allocates the same large gradient arrays every time: the buffer into
which an RNN's per-step gradients are scattered, the gradient of a (B, T, C) array of
logits, and so on. Allocated afresh, such an array costs more than the arithmetic that
fills it: the C allocator returns the freed memory to the operating system at the end
of the step, and every 4 KB page of it faults in again the next time it is written.
This module keeps those arrays instead.

The rule that makes it safe: an array from :func:`empty` or :func:`zeros` is valid
until the ``backward()`` that asked for it ends. The engine never lets one outlive
that: a leaf's ``.grad`` is always an array the engine allocated for it, or a copy.
When that ``backward()`` ends, its arrays become the stock for the next one in the
same thread; arrays the next one does not ask for are dropped then, so the stock never
holds more than one ``backward()``'s worth. :func:`release` drops it at once.

Arrays smaller than ``MIN_BYTES`` are allocated as usual: the allocator keeps small
blocks itself, and a lookup here would cost more than it saves.
"""

import math
import threading

import numpy as np

MIN_BYTES = 1 << 16


class _Stock(threading.local):
    """One thread's arrays: ``free`` from the last backward(), ``lent`` to this one."""

    def __init__(self):
        self.free = {}  # (shape, dtype) -> [arrays]
        self.lent = None  # [((shape, dtype), array)] while a backward() runs


_stock = _Stock()


class lending:
    """Lend arrays for the enclosed ``backward()``; afterwards they are the stock.

    A context manager; a class rather than a generator because it runs at every
    ``backward()``, and this costs a third as much.
    """

    __slots__ = ("lent",)

    def __enter__(self):
        if _stock.lent is None:
            _stock.lent = self.lent = []
        else:  # already inside one: its end hands the arrays back
            self.lent = None

    def __exit__(self, *exc_info):
        lent = self.lent
        if lent is not None:
            _stock.lent = None
            free = {}
            for key, array in lent:
                free.setdefault(key, []).append(array)
            _stock.free = free


def empty(shape, dtype):
    """An uninitialised array (dtype: a NumPy dtype), valid until the running
    ``backward()`` ends."""
    lent = _stock.lent
    if lent is None or math.prod(shape) * dtype.itemsize < MIN_BYTES:
        return np.empty(shape, dtype)
    return _take(lent, shape, dtype, zero=False)


def zeros(shape, dtype):
    """A zero array (dtype: a NumPy dtype), valid until the running ``backward()``
    ends."""
    lent = _stock.lent
    if lent is None or math.prod(shape) * dtype.itemsize < MIN_BYTES:
        return np.zeros(shape, dtype)
    return _take(lent, shape, dtype, zero=True)


def _take(lent, shape, dtype, zero):
    key = (shape, dtype)
    stock = _stock.free.get(key)
    if stock:
        array = stock.pop()
        if zero:
            array.fill(0)
    else:
        array = np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    lent.append((key, array))
    return array


def release():
    """Drop this thread's stock of gradient buffers (they are freed when unused)."""
    _stock.free = {}
