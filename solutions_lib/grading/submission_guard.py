"""A submitted folder made safe for nbgrader to read, before it reads it (trusted side).

`SafeExchangeCollect` checks what ``nbgrader collect`` brings in, but
submissions also arrive by hand (a download from the learning-management
system, a copy from a student's disk), and nbgrader's autograde trusts
whatever ``submitted/STUDENT/ASSIGNMENT`` holds: it lists the folder with
``os.walk`` (a folder 1200 deep raises RecursionError), copies every file
into ``autograded/`` with ``shutil.copy`` (a link to ``/etc/shadow`` lands
there as its content, a link to ``/dev/zero`` fills the disk, a FIFO stops
the student) and reads the notebook through any link.

`secure_submission` walks the folder by `safe_copy`'s rules without
opening anything and moves every entry those rules refuse (links, FIFOs,
sockets, devices, names that are not plain text, folders too deep, files
too large or too many) into ``ASSIGNMENT.refused/`` beside the folder,
renaming only, so nothing is followed, read or lost; a ``timestamp.txt``
that does not parse goes there too (nbgrader would refuse the student).
The reasons are added to the note ``ASSIGNMENT.refused.txt`` that the
collector also writes. It runs as nbgrader's ``Autograde.pre_convert_hook``
(configured in ``nbgrader_config.py``: called for each student right
before nbgrader copies the folder) and when the class grader plans its run.
"""
from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from nbgrader.utils import parse_utc

from . import safe_copy
from .workspace import SUBMISSION_LIMITS

TIMESTAMP_FILE = "timestamp.txt"
MAX_TIMESTAMP_BYTES = 100
log = logging.getLogger(__name__)


def refused_note_path(submitted: Path) -> Path:
    """The note of what was refused from ``submitted/STUDENT/ASSIGNMENT`` (outside the graded folder).

    Parameters
    ----------
    submitted : path-like
        The submission folder.

    Returns
    -------
    pathlib.Path
        ``ASSIGNMENT.refused.txt`` beside the folder.
    """
    submitted = Path(submitted)
    return submitted.parent / f"{submitted.name}.refused.txt"


def quarantine_path(submitted: Path) -> Path:
    """Where refused entries of ``submitted/STUDENT/ASSIGNMENT`` are moved (outside the graded folder).

    Parameters
    ----------
    submitted : path-like
        The submission folder.

    Returns
    -------
    pathlib.Path
        ``ASSIGNMENT.refused/`` beside the folder.
    """
    submitted = Path(submitted)
    return submitted.parent / f"{submitted.name}.refused"


def timestamp_problem(folder: Path) -> str:
    """Why ``folder``'s timestamp.txt is unusable.

    Parameters
    ----------
    folder : path-like
        The submission folder.

    Returns
    -------
    str
        The reason, or ``""`` if the file is absent or parses as nbgrader's
        timestamps do.
    """
    path = Path(folder) / TIMESTAMP_FILE
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return ""
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TIMESTAMP_BYTES:
        return "not a short plain file"
    fd, why = safe_copy.open_plain_file(path, MAX_TIMESTAMP_BYTES)
    if fd is None:
        return why
    with os.fdopen(fd, "rb") as handle:
        text = handle.read(MAX_TIMESTAMP_BYTES + 1)
    try:
        parse_utc(text.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError, OverflowError):
        return "not a timestamp nbgrader can read"
    return ""


def _move_aside(path: bytes, quarantine: Path) -> str:
    """Rename ``path`` into ``quarantine`` (never opening it); return "" or why it failed."""
    quarantine.mkdir(exist_ok=True)
    target = os.path.join(os.fsencode(quarantine), b"%04d" % len(os.listdir(quarantine)))
    try:
        os.rename(path, target)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return ""


def _record(folder: Path, reasons: list[str]) -> None:
    note = refused_note_path(folder)
    previous = note.read_text() if note.is_file() and not note.is_symlink() else ""
    if note.is_symlink():
        note.unlink()
    note.write_text(previous + "Moved aside before grading (into "
                    f"{quarantine_path(folder).name}/):\n" + "\n".join(reasons) + "\n")


def secure_submission(folder) -> list[str]:
    """Move what `safe_copy` refuses out of the submitted ``folder``, and note why.

    A ``folder`` that is a link or not a folder is moved aside whole. The
    reasons are appended to `refused_note_path`.

    Parameters
    ----------
    folder : path-like
        ``submitted/STUDENT/ASSIGNMENT``.

    Returns
    -------
    list of str
        One reason per entry moved aside; empty when everything is plain.
    """
    folder = Path(folder)
    quarantine = quarantine_path(folder)
    if os.path.islink(folder) or (folder.exists() and not folder.is_dir()):
        reasons = [f"{safe_copy.shown(folder.name)}: the submission folder itself is not a folder"]
        paths = [os.fsencode(folder)]
    else:
        reasons, paths = [], []
        for _ in safe_copy.walk_plain_files(folder, SUBMISSION_LIMITS, reasons, refused_paths=paths):
            pass
        problem = timestamp_problem(folder)
        if problem and os.fsencode(folder / TIMESTAMP_FILE) not in paths:
            reasons.append(f"'{TIMESTAMP_FILE}': {problem} (graded without a submission time: check it by hand)")
            paths.append(os.fsencode(folder / TIMESTAMP_FILE))
    if not paths:
        return []
    for index, path in enumerate(paths):
        failed = _move_aside(path, quarantine)
        if failed:
            reasons[index] += f" [could not be moved aside: {failed}]"
    _record(folder, reasons)
    return reasons


def secure_or_set_aside(folder) -> list[str]:
    """`secure_submission`, failing closed: if checking ``folder`` raises, it is moved aside whole.

    Then nothing of it can reach nbgrader or a worker, and the student is
    reported as not graded rather than graded on unchecked files.

    Parameters
    ----------
    folder : path-like
        ``submitted/STUDENT/ASSIGNMENT``.

    Returns
    -------
    list of str
        As `secure_submission`, or one reason when the check itself failed.
    """
    try:
        return secure_submission(folder)
    except Exception:  # noqa: BLE001 - any failure must keep the trusted steps away from the folder
        log.exception("could not check %s; moving it aside whole", safe_copy.shown(str(folder)))
        failed = _move_aside(os.fsencode(folder), quarantine_path(Path(folder)))
        return [f"the submission could not be checked{f' nor moved aside ({failed})' if failed else ''}"]


def pre_convert_hook(assignment: str, student: str, notebooks: list, **_) -> None:
    """nbgrader's ``Autograde.pre_convert_hook``: secure the folder of each notebook about to be graded.

    nbgrader only logs an exception from a hook and goes on, which is why
    `secure_or_set_aside` never raises.

    Parameters
    ----------
    assignment : str
        The assignment being graded (unused).
    student : str
        The student being graded (unused).
    notebooks : list of str
        Paths of the notebooks about to be graded; their folders are secured.
    **_
        Any other arguments nbgrader passes; ignored.
    """
    for folder in sorted({os.path.dirname(os.path.abspath(path)) for path in notebooks}):
        reasons = secure_or_set_aside(folder)
        if reasons:
            log.warning("Moved aside from %s before grading: %s", safe_copy.shown(folder), "; ".join(reasons))
