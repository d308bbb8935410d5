"""Large gradient buffers, lent for one ``backward()`` and reused by the next.

A training step allocates the same large gradient arrays every time: the buffer into
which an RNN's per-step gradients are scattered, the gradient of a (B, T, C) array of
logits, and so on. Allocated afresh, such an array costs more than the arithmetic that
fills it: the C allocator returns the freed memory to the operating system at the end
of the step, and every 4 KB page of it faults in again the next time it is written.
This module keeps those arrays instead.

The rules that make it safe:

- An array from :func:`empty` or :func:`zeros` belongs to the running ``backward()``.
  The engine never lets one outlive it: a leaf's ``.grad`` is always an array the
  engine allocated for it, or a copy.
- Within that ``backward()``, an array is lent again only once nothing but this module
  refers to it: no variable, no view (a view refers to its base array), no saved
  gradient. That is what its reference count says, the test NumPy itself uses to
  reuse temporaries in place. The per-step gradients of a long sequence thus cycle
  through a few arrays instead of one per step.
- When the ``backward()`` ends, its arrays become the stock for the next one in the
  same thread; arrays the next one does not ask for are dropped then, so the stock
  never holds more than one ``backward()``'s worth. :func:`release` drops it at once.

A change of shapes (another batch size, a shorter last chunk) empties the stock at
the first request it cannot serve, so that arrays of the old shapes do not stay alive
through the whole step.

Arrays smaller than ``MIN_BYTES`` are allocated as usual: the allocator keeps small
blocks itself, and a lookup here would cost more than it saves.

The same per-thread store keeps the two scratch blocks in which a weight's gradient
contributions are stacked (:func:`scratch_blocks`, used by ``ops/matmul.py``).
"""

import math
import sys
import threading

import numpy as np

MIN_BYTES = 1 << 16


class _Stock(threading.local):
    """One thread's arrays, by (shape, dtype): ``free`` from the last backward(),
    ``lent`` to the running one (None when none runs); and the scratch blocks."""

    def __init__(self):
        self.free = {}
        self.lent = None
        self.blocks = None


_stock = _Stock()


def _unused_count():
    """What sys.getrefcount reads, in :func:`_take`'s loop, for an array that only
    the list holds: the list, the loop variable and (before Python 3.14, whose
    borrowed loads no longer count) getrefcount's own argument. Measured with the
    same code rather than assumed, since it differs between Python versions."""
    arrays = [np.empty(0)]
    for array in arrays:
        return sys.getrefcount(array)


# Reuse within one backward() needs exact reference counts: CPython with the GIL.
_UNUSED = _unused_count()
if (
    sys.implementation.name != "cpython"
    or not getattr(sys, "_is_gil_enabled", lambda: True)()
):
    _UNUSED = None  # never equal to a count: arrays are only reused across backwards


class lending:
    """Lend arrays for the enclosed ``backward()``; afterwards they are the stock.

    A context manager; a class rather than a generator because it runs at every
    ``backward()``, and this costs a third as much.
    """

    __slots__ = ("outermost",)

    def __enter__(self):
        self.outermost = _stock.lent is None
        if self.outermost:  # else already inside one, whose end hands them back
            _stock.lent = {}

    def __exit__(self, *exc_info):
        if self.outermost:
            _stock.free, _stock.lent = _stock.lent, None


def empty(shape, dtype):
    """An uninitialised array (dtype: a NumPy dtype), valid until the running
    ``backward()`` ends."""
    lent = _stock.lent
    if lent is None or math.prod(shape) * dtype.itemsize < MIN_BYTES:
        return np.empty(shape, dtype)
    return _take(lent, (shape, dtype), zero=False)


def zeros(shape, dtype):
    """A zero array (dtype: a NumPy dtype), valid until the running ``backward()``
    ends."""
    lent = _stock.lent
    if lent is None or math.prod(shape) * dtype.itemsize < MIN_BYTES:
        return np.zeros(shape, dtype)
    return _take(lent, (shape, dtype), zero=True)


def _take(lent, key, zero):
    free = _stock.free
    if free and key not in free:  # shapes changed: the old arrays would only wait
        free = _stock.free = {}
    arrays = lent.setdefault(key, [])
    for array in arrays:  # lent before in this backward(), and nobody holds it now
        if sys.getrefcount(array) == _UNUSED:
            break
    else:
        stock = free.get(key)
        if not stock:  # calloc's fresh pages are zero already: no fill needed
            array = np.zeros(*key) if zero else np.empty(*key)
            arrays.append(array)
            return array
        array = stock.pop()
        arrays.append(array)
    if zero:
        array.fill(0)
    return array


def scratch_blocks(nbytes):
    """This thread's two scratch byte buffers, of at least ``nbytes`` each."""
    blocks = _stock.blocks
    if blocks is None or len(blocks[0]) < nbytes:
        blocks = _stock.blocks = (
            np.empty(nbytes, np.uint8),
            np.empty(nbytes, np.uint8),
        )
    return blocks


def release():
    """Drop the memory kept for the next backward() of the calling thread: its stock
    of gradient buffers and its scratch blocks. Other threads keep theirs."""
    _stock.free = {}
    _stock.blocks = None
