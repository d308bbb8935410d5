"""Data helpers: one-hot codes and a character vocabulary (text <-> integer ids)."""

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
        """The text spelled by a sequence of ids."""
        return "".join(self.chars[int(i)] for i in np.asarray(ids).reshape(-1))

    def one_hot(self, text, dtype=np.float64):
        """One-hot codes of ``text``: (len(text), len(self))."""
        return one_hot(self.encode(text), len(self), dtype)

    def __repr__(self):
        return f"CharVocab({''.join(self.chars)!r})"
