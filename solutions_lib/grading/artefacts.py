"""Saving student answers as plain arrays, and reading them back safely.

Artefacts are ``.npz`` files of numeric, boolean or string arrays only:
they are written without pickling and read with ``allow_pickle=False``, so
loading a submission's artefact can never run the submission's code.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

ARTEFACT_DIR = ".grading"
_SAFE_NAME = re.compile(r"^[a-z0-9_]+$")


class ArtefactError(ValueError):
    """A student answer could not be turned into a plain array."""


def to_plain_array(name: str, value) -> np.ndarray:
    """Convert one answer to a numeric, boolean or string array.

    Lists of equal-shape arrays (e.g. chains given as a list) are stacked.
    Anything that would need pickling is refused with a message that says
    what type was found.
    """
    if isinstance(value, str):
        return np.array(value)
    try:
        array = np.array(value)
    except Exception as exc:  # ragged lists, exotic objects
        raise ArtefactError(f"`{name}` could not be read as an array: {exc}") from exc
    if array.dtype == object or array.dtype.kind not in "biufcUS":
        raise ArtefactError(
            f"`{name}` should be numbers in an array (or a list of equal-shape arrays); "
            f"got {type(value).__name__} holding {array.dtype}."
        )
    return array


def artefact_path(folder, check: str, tag: str = "") -> Path:
    """Where the artefact of one check is kept (``folder/.grading/...``)."""
    stem = f"{check}__{tag}" if tag else check
    if not _SAFE_NAME.match(stem):
        raise ValueError(f"bad artefact name {stem!r}")
    return Path(folder) / ARTEFACT_DIR / f"{stem}.npz"


def save(path: Path, check: str, arrays: dict, meta: dict) -> Path:
    """Write arrays plus a JSON header naming the check and its options."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = np.array(json.dumps({"check": check, **meta}))
    with open(path, "wb") as handle:
        np.savez_compressed(handle, __meta__=header, **arrays)
    return path


def load(path) -> tuple[str, dict, dict]:
    """Return ``(check, arrays, meta)`` from an artefact file."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files if key != "__meta__"}
        meta = json.loads(str(npz["__meta__"]))
    check = meta.pop("check")
    return check, arrays, meta
