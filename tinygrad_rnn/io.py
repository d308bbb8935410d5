"""Saving a model's weights to a NumPy ``.npz`` file and loading them back.

The file holds one array per parameter, under its dotted name from
``Module.named_parameters()`` (``0.cell.kernel``, ...), with its exact dtype, so a
round trip is bit-for-bit. An optional ``meta`` dict (JSON-serialisable: sizes,
a vocabulary, settings) rides along under the reserved key ``__meta__``, so that a
script can rebuild the model before loading its weights. Files are read with
``allow_pickle=False``: loading never runs code.
"""

import json

import numpy as np

META_KEY = "__meta__"


def save(model, path, meta=None):
    """Write every parameter of ``model`` (and ``meta``) to ``path``.

    Args:
        model: a Module.
        path: the file to write, used as given (no ``.npz`` is appended).
        meta: None or a JSON-serialisable dict stored alongside the weights.

    Raises:
        TypeError: if ``meta`` is not a dict or not JSON-serialisable.
        ValueError: if a parameter is named ``__meta__``.
    """
    arrays = model.state_dict()
    if META_KEY in arrays:
        raise ValueError(f"save: a parameter is named {META_KEY!r}, a reserved key")
    if meta is not None:
        if not isinstance(meta, dict):
            raise TypeError(f"save: meta must be a dict, got {type(meta).__name__}")
        arrays[META_KEY] = np.array(json.dumps(meta))
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def load_meta(path):
    """The ``meta`` dict stored by :func:`save` in ``path`` ({} when there is none)."""
    with np.load(path, allow_pickle=False) as archive:
        if META_KEY not in archive.files:
            return {}
        return json.loads(str(archive[META_KEY]))


def load_into(model, path):
    """Copy the weights stored in ``path`` into ``model``'s parameters, in place.

    Args:
        model: a Module with the same parameter names, shapes and dtypes as the one
            that was saved.
        path: a file written by :func:`save`.

    Returns:
        The stored ``meta`` dict ({} when there is none).

    Raises:
        ValueError: if the file does not match the model, listing the missing and
            unexpected names and every shape or dtype that differs. Nothing is
            copied in that case.
    """
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"load_into: {path} holds a single array, not an .npz archive of named "
            "weights as written by tr.save"
        )
    with archive:
        stored = {name: archive[name] for name in archive.files if name != META_KEY}
        meta = json.loads(str(archive[META_KEY])) if META_KEY in archive.files else {}

    params = dict(model.named_parameters())
    problems = []
    missing = sorted(set(params) - set(stored))
    unexpected = sorted(set(stored) - set(params))
    if missing:
        problems.append(f"missing from the file: {missing}")
    if unexpected:
        problems.append(f"not in the model: {unexpected}")
    for name in sorted(set(params) & set(stored)):
        want, got = params[name], stored[name]
        if got.shape != want.shape or got.dtype != want.dtype:
            problems.append(
                f"{name}: model has {want.shape} {want.dtype}, "
                f"file has {got.shape} {got.dtype}"
            )
    if problems:
        raise ValueError(
            f"load_into: {path} does not match {type(model).__name__}: "
            + "; ".join(problems)
        )

    for name, p in params.items():
        p.data[...] = stored[name]
    return meta
