"""Data helpers: one-hot codes, a character vocabulary (text <-> integer ids), and a
batcher that feeds a long sequence to truncated backpropagation through time."""

import numpy as np


def one_hot(ids, num_classes, dtype=np.float64):
    """One-hot codes: integer ids of shape (...) -> floats of shape (..., num_classes).

    Raises:
        ValueError: if an id lies outside [0, num_classes).
    """
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer ids, got {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(
            f"one_hot: ids must lie in [0, {num_classes - 1}], got values from "
            f"{ids.min()} to {ids.max()}"
        )
    return np.eye(num_classes, dtype=dtype)[ids]


class CharVocab:
    """A character vocabulary: the sorted distinct characters of a text.

    Args:
        text: the characters to know.
        unknown: a character to stand for any character not in ``text`` (added to the
            vocabulary), or None to make unknown characters an error.

    Example:
        >>> vocab = CharVocab("KERAS")
        >>> vocab.chars
        ['A', 'E', 'K', 'R', 'S']
        >>> vocab.decode(vocab.encode("ERAS"))
        'ERAS'
    """

    def __init__(self, text, unknown=None):
        chars = set(text)
        if unknown is not None:
            if len(unknown) != 1:
                raise ValueError(f"unknown must be one character, got {unknown!r}")
            chars.add(unknown)
        if not chars:
            raise ValueError("CharVocab needs a non-empty text")
        self.chars = sorted(chars)
        self.unknown = unknown
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        """The ids of the characters of ``text``, an int64 array of shape (len(text),).

        Raises:
            ValueError: for a character outside the vocabulary when ``unknown`` is None.
        """
        if self.unknown is None:
            missing = sorted(set(text) - self.index.keys())
            if missing:
                raise ValueError(
                    f"characters {missing} are not in the vocabulary {self.chars}"
                )
            ids = [self.index[c] for c in text]
        else:
            fallback = self.index[self.unknown]
            ids = [self.index.get(c, fallback) for c in text]
        return np.array(ids, dtype=np.int64)

    def decode(self, ids):
        """The text spelled by a sequence of ids.

        Args:
            ids: integer ids, a single id (0-D) or a sequence (1-D); an empty
                sequence gives ''.

        Raises:
            TypeError: for non-integer ids.
            ValueError: for more than one axis, or an id outside [0, len(self) - 1].
        """
        ids = np.asarray(ids)
        if ids.ndim > 1:
            raise ValueError(
                f"decode takes a single id or a 1-D sequence of ids, got shape "
                f"{ids.shape}; decode each row separately"
            )
        if ids.size == 0:
            return ""
        if ids.dtype.kind not in "iu":
            raise TypeError(f"decode needs integer ids, got dtype {ids.dtype}")
        if ids.min() < 0 or ids.max() >= len(self.chars):
            raise ValueError(
                f"decode: ids must lie in [0, {len(self.chars) - 1}], got values "
                f"from {ids.min()} to {ids.max()}"
            )
        return "".join(self.chars[i] for i in ids.reshape(-1))

    def one_hot(self, text, dtype=np.float64):
        """One-hot codes of ``text``: (len(text), len(self))."""
        return one_hot(self.encode(text), len(self), dtype)

    def __repr__(self):
        return f"CharVocab({''.join(self.chars)!r})"


class BPTTBatcher:
    """Cut one long id sequence into B parallel streams, read T steps at a time.

    The sequence ``ids`` (N,) is cut into B contiguous streams of L = (N - 1) // B
    ids each (the last few ids are dropped). Row b of every chunk continues row b of
    the chunk before it, so an RNN's final state for one chunk is the right initial
    state for the next: carry it, detached (truncated BPTT). Targets are the inputs
    shifted by one step: ``y[b, t]`` is the id after ``x[b, t]``.

    Args:
        ids: integer array (N,), e.g. ``CharVocab.encode(text)``.
        batch_size: B, the number of parallel streams.
        steps: T, the time steps per chunk. The last chunk of a pass is shorter when
            T does not divide L.

    Attributes:
        x, y: the streams, int arrays (B, L).

    Shapes:
        each item: (x, y), both (B, T) integer arrays

    Raises:
        ValueError: if the sequence is too short for B streams of at least one step.

    Example:
        >>> batcher = BPTTBatcher(np.arange(11), batch_size=2, steps=3)
        >>> [x.tolist() for x, _ in batcher]
        [[[0, 1, 2], [5, 6, 7]], [[3, 4], [8, 9]]]
    """

    def __init__(self, ids, batch_size, steps):
        ids = np.asarray(ids)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise TypeError(
                f"BPTTBatcher needs a 1-d integer array, got {ids.dtype} {ids.shape}"
            )
        if batch_size < 1 or steps < 1:
            raise ValueError(
                f"BPTTBatcher: batch_size and steps must be >= 1, got {batch_size} "
                f"and {steps}"
            )
        length = (len(ids) - 1) // batch_size
        if length < 1:
            raise ValueError(
                f"BPTTBatcher: {len(ids)} ids are too few for {batch_size} streams; "
                f"need at least {batch_size + 1}"
            )
        used = batch_size * length
        self.x = ids[:used].reshape(batch_size, length)  # (B, L)
        self.y = ids[1 : used + 1].reshape(batch_size, length)  # (B, L)
        self.batch_size = batch_size
        self.steps = steps

    def __len__(self):
        """The number of chunks in one pass."""
        return -(-self.x.shape[1] // self.steps)

    def __iter__(self):
        """One pass over the streams: (x, y) chunks, in order."""
        for start in range(0, self.x.shape[1], self.steps):
            stop = start + self.steps
            yield self.x[:, start:stop], self.y[:, start:stop]  # (B, T)
