"""Reading handed-in answers safely (trusted side).

Answer files are ``.npz`` archives written inside the sandbox, so their
content is untrusted. Before anything is read, each member's header is
checked: plain numeric, boolean or text dtype (never objects, so nothing
is unpickled), every dimension and the number of elements bounded, and the
bytes the array would take bounded before anything is allocated (text
arrays far more tightly than numbers), so that a small compressed file
cannot expand into gigabytes in the trusted grader.
"""
from __future__ import annotations

import math
import zipfile
from pathlib import Path

import numpy as np

from .untrusted_text import plain_identifier

MAX_ELEMENTS = 30_000_000  # per array: e.g. 64 chains x 50,000 samples x 9 parameters
MAX_BYTES = 8 * MAX_ELEMENTS  # per array: that many float64 numbers
MAX_TEXT_BYTES = 2**20  # per text array: names and labels, never data
MAX_FILE_BYTES = 2 * MAX_BYTES  # all arrays of one answer file together
ALLOWED_KINDS = "biufUS"
PROBLEMS_MEMBER = "__problems__"


class AnswerError(ValueError):
    """An answer file is unreadable or holds something other than plain arrays."""


class AnswerMissing(AnswerError):
    """No answer file was handed in."""


class AnswerTooLarge(AnswerError):
    """An answer file holds more than the grader's caps allow."""


def _checked_member(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    label = plain_identifier(member[: -len(".npy")], "an array")
    with archive.open(member) as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise AnswerError(f"{label}: unsupported array format")
        if dtype.hasobject or dtype.kind not in ALLOWED_KINDS or dtype.fields:
            raise AnswerError(f"{label}: holds {dtype.kind!r}-kind data, not plain numbers or text")
        # exact Python integers, each dimension bounded: a forged shape can neither overflow nor hide behind a 0
        count = math.prod(shape)
        if any(not 0 <= n <= MAX_ELEMENTS for n in shape) or count > MAX_ELEMENTS:
            raise AnswerTooLarge(f"{label}: more than {MAX_ELEMENTS:,} numbers; thin your chains")
        limit = MAX_TEXT_BYTES if dtype.kind in "US" else MAX_BYTES
        if count * dtype.itemsize > limit:
            raise AnswerTooLarge(f"{label}: would take more than {limit // 2**20} MB; hand in less")
    with archive.open(member) as handle:
        return np.lib.format.read_array(handle, allow_pickle=False)


def load_answers(path: Path) -> dict:
    """Read every array of the answer file ``path``, checking each header before loading it.

    The names of answers that could not be saved inside the kernel come
    back under ``__problems__`` as messages.

    Parameters
    ----------
    path : path-like
        The ``.npz`` answer file.

    Returns
    -------
    dict of str to numpy.ndarray
        Answer name -> array.

    Raises
    ------
    AnswerMissing
        If ``path`` is not a file.
    AnswerTooLarge
        If an array, or the file's arrays together, exceed the caps.
    AnswerError
        If the file is unreadable or holds anything but a few plain arrays.
    """
    path = Path(path)
    if not path.is_file():
        raise AnswerMissing(f"{path.name} was not handed in")
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.endswith(".npy")]
            if len(members) != len(archive.namelist()) or len(members) > 32:
                raise AnswerError(f"{path.name} holds files other than a few arrays")
            if sum(info.file_size for info in archive.infolist()) > MAX_FILE_BYTES:
                raise AnswerTooLarge(f"{path.name} would take more than {MAX_FILE_BYTES // 2**20} MB; hand in less")
            return {m[: -len(".npy")]: _checked_member(archive, m) for m in members}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, OverflowError, MemoryError) as exc:
        if isinstance(exc, AnswerError):
            raise
        raise AnswerError(f"{path.name} could not be read ({type(exc).__name__})") from None
