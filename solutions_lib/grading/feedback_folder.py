"""Keep nothing in a feedback folder but the feedback pages (nbgrader post-convert hook)."""
from __future__ import annotations

import shutil
from pathlib import Path

from nbgrader.coursedir import CourseDirectory

KEPT_SUFFIXES = {".html"}


def prune(folder: Path) -> list[str]:
    """Delete everything in ``folder`` except the top-level feedback pages; return what went.

    Parameters
    ----------
    folder : path-like
        One student's feedback folder for one assignment. Regular files
        ending in ``.html`` stay; links, folders and other files go.

    Returns
    -------
    list of str
        Names of the entries removed.
    """
    removed = []
    for entry in Path(folder).iterdir():
        if entry.is_file() and not entry.is_symlink() and entry.suffix in KEPT_SUFFIXES:
            continue
        removed.append(entry.name)
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return removed


def prune_feedback_folders(assignment, student, notebooks, course_root=None):
    """nbgrader's ``GenerateFeedback.post_convert_hook``: strip every feedback folder of ``assignment``.

    nbgrader copies every file of the autograded folder (data, the
    student's own files) next to the feedback page; students get only the page.

    Parameters
    ----------
    assignment : str
        The assignment whose feedback was generated.
    student : str or None
        The student; empty or None for every student.
    notebooks : list of str
        Passed by nbgrader; not used.
    course_root : path-like, optional
        The course folder; defaults to nbgrader's ``CourseDirectory().root``.
    """
    root = Path(course_root or CourseDirectory().root)
    for folder in root.glob(f"feedback/{student or '*'}/{assignment}"):
        prune(folder)
