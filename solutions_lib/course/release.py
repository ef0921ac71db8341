"""The nbgrader pipeline: generate the release, autograde a submission (instructor tools).

``python -m solutions_lib release`` regenerates ``release/`` from
``source/``; ``python -m solutions_lib demo`` autogrades the reference
solution as a demo student in a temporary copy of the course and prints
the score table.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

from ..data.catalogue import REPO_ROOT
from ..grading.cells import graded_cell_ids
from ..grading.preprocessors.sandboxed_execute import PROGRESS_WORD
from ..grading.untrusted_text import printable
from .config import load_course

ASSIGNMENT = "xray_image"
NOTEBOOK = "xray_image"
COPY_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".grading", "*.pyc")


def nbgrader(course_root, *args: str, on_line: Callable[[str], None] | None = None) -> str:
    """Run one nbgrader command in ``course_root``; return its log, or raise with it if it fails.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    *args : str
        The command and its options, e.g. ``"autograde", "xray_image"``.
    on_line : callable, optional
        Called with each line of nbgrader's log as it is written.

    Returns
    -------
    str
        nbgrader's output (stdout and stderr together).

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    command = [sys.executable, "-m", "nbgrader", *args]
    lines = []
    with subprocess.Popen(command, cwd=course_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace") as process:
        for line in process.stdout:
            lines.append(line)
            if on_line:
                on_line(line)
    log = "".join(lines)
    if process.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed (exit {process.returncode}):\n{log[-8000:]}")
    return log


def copy_course(destination) -> Path:
    """Copy this repository's source folder and nbgrader config into an empty course root.

    Parameters
    ----------
    destination : str or path-like
        The new course root; its ``source`` folder must not exist yet.

    Returns
    -------
    pathlib.Path
        ``destination``.
    """
    destination = Path(destination)
    source = load_course(REPO_ROOT, ASSIGNMENT).coursedir.source_directory
    shutil.copytree(REPO_ROOT / source, destination / source, ignore=COPY_IGNORE)
    shutil.copy(REPO_ROOT / "nbgrader_config.py", destination / "nbgrader_config.py")
    return destination


def generate_release(course_root, with_db=True) -> Path:
    """Make ``release/xray_image`` from the source assignment in ``course_root`` (and its gradebook entries).

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    with_db : bool, optional
        Also record the assignment in the gradebook (False: ``--no-db``).

    Returns
    -------
    pathlib.Path
        The release folder.

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    nbgrader(course_root, "generate_assignment", ASSIGNMENT, "--force", *([] if with_db else ["--no-db"]))
    return Path(course_root) / "release" / ASSIGNMENT


def submit(course_root, student: str, notebook_path, extra_files=()) -> Path:
    """Place a notebook (and any files of the student's own) as ``student``'s submission.

    A ``timestamp.txt`` with the current time is written beside them.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    student : str
        The student's id.
    notebook_path : str or path-like
        The notebook to hand in; it is copied as ``xray_image.ipynb``.
    extra_files : iterable of path-like, optional
        Other files to hand in, copied under their own names.

    Returns
    -------
    pathlib.Path
        The submission folder, ``submitted/<student>/xray_image``.
    """
    folder = Path(course_root) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook_path, folder / f"{NOTEBOOK}.ipynb")
    for extra in extra_files:
        shutil.copy(extra, folder / Path(extra).name)
    (folder / "timestamp.txt").write_text(time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime()))
    return folder


def autograde(course_root, student: str | None = None, *options: str,
              on_line: Callable[[str], None] | None = None) -> str:
    """Autograde one student's submission, or every submission if ``student`` is None; return the log.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    student : str, optional
        The student to grade; None (or empty) grades every submission.
    *options : str
        Passed on to nbgrader (e.g. ``--SandboxedExecute.notebook_timeout=60``).
    on_line : callable, optional
        Called with each line of nbgrader's log as it is written.

    Returns
    -------
    str
        nbgrader's log.

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    who = ["--student", student] if student else []
    return nbgrader(course_root, "autograde", ASSIGNMENT, *who, "--force", *options, on_line=on_line)


def generate_feedback(course_root, student: str) -> Path:
    """Write the feedback HTML of one autograded student; return its folder.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    student : str
        The student's id.

    Returns
    -------
    pathlib.Path
        ``feedback/<student>/xray_image``.

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    nbgrader(course_root, "generate_feedback", ASSIGNMENT, "--student", student, "--force")
    return Path(course_root) / "feedback" / student / ASSIGNMENT


def _grade_cell_order(notebook_path) -> dict[str, int]:
    """Position of every graded cell's grade_id in the source notebook."""
    import nbformat

    ids = graded_cell_ids(nbformat.read(notebook_path, as_version=4))
    return {grade_id: index for index, grade_id in enumerate(ids)}


def scores(course_root, student: str) -> list[dict]:
    """Per-cell scores of one autograded student, in notebook order.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    student : str
        The student's id.

    Returns
    -------
    list of dict
        One dict per graded cell: ``grade_id``, ``score``, ``max_score``,
        ``auto`` (has an autograded score) and ``manual`` (needs a hand
        grade).

    Raises
    ------
    nbgrader.api.MissingEntry
        If the gradebook has no submission of ``student``.
    """
    from nbgrader.api import Gradebook

    course = load_course(course_root, ASSIGNMENT)
    order = _grade_cell_order(course.source_notebook(NOTEBOOK))
    with Gradebook(course.db_url) as gradebook:
        submission = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
        return [
            {
                "grade_id": grade.name,
                "score": float(grade.score or 0.0),
                "max_score": float(grade.max_score),
                "auto": grade.auto_score is not None,
                "manual": grade.needs_manual_grade,
            }
            for grade in sorted(submission.grades, key=lambda g: order.get(g.name, len(order)))
        ]


def grade_notebook(notebook_path, student="demo_student", workdir=None,
                   on_line: Callable[[str], None] | None = None) -> list[dict]:
    """Autograde one notebook in a fresh temporary course; return its scores.

    Parameters
    ----------
    notebook_path : str or path-like
        The notebook to grade.
    student : str, optional
        The id it is handed in under.
    workdir : str or path-like, optional
        Where to make the temporary course; defaults to the system's
        temporary folder.
    on_line : callable, optional
        Called with each line of nbgrader's log as it is written.

    Returns
    -------
    list of dict
        As `scores` returns them.

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        root = copy_course(Path(tmp) / "course")
        generate_release(root)
        submit(root, student, notebook_path)
        autograde(root, student, on_line=on_line)
        return scores(root, student)


def progress_printer(started: float, stream=None) -> Callable[[str], None]:
    """An ``on_line`` that shows which cell the sandbox is running and the time so far.

    On a terminal the status line is rewritten in place; in a log (not a
    terminal) each cell gets a line of its own.

    Parameters
    ----------
    started : float
        `time.perf_counter` at the start, for the elapsed time.
    stream : file-like, optional
        Where to write; defaults to `sys.stdout`.

    Returns
    -------
    callable
        Takes one line of nbgrader's log; lines without the sandbox's
        progress word are ignored.
    """
    stream = stream or sys.stdout
    on_terminal = stream.isatty()

    def show(line: str) -> None:
        marker = f"{PROGRESS_WORD} cell "
        if marker not in line:
            return
        text = printable(marker + line.split(marker, 1)[1].strip(), limit=100)
        message = f"[{time.perf_counter() - started:5.0f} s] {text}"
        stream.write(f"\r{message:<110}" if on_terminal else message + "\n")
        stream.flush()

    return show


def format_scores(rows: list[dict]) -> str:
    """The score table: one line per cell, the autograded total and the manual points.

    Parameters
    ----------
    rows : list of dict
        As `scores` returns them.

    Returns
    -------
    str
    """
    lines = [f"{'grade cell':<28} {'score':>7} {'max':>5}  how"]
    for row in rows:
        how = "manual (not yet graded)" if row["manual"] else "auto"
        lines.append(f"{row['grade_id']:<28} {row['score']:>7.1f} {row['max_score']:>5.1f}  {how}")
    auto = [r for r in rows if not r["manual"]]
    lines.append(
        f"{'autograded total':<28} {sum(r['score'] for r in auto):>7.1f} "
        f"{sum(r['max_score'] for r in auto):>5.1f}"
    )
    lines.append(f"{'manually graded points':<28} {'':>7} {sum(r['max_score'] for r in rows if r['manual']):>5.1f}")
    return "\n".join(lines)


def add_parsers(subparsers):
    """Add the ``release`` and ``demo`` subcommands.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.
    """
    release = subparsers.add_parser("release", help="regenerate release/ from source/ with nbgrader")
    release.set_defaults(func=run_release)
    demo = subparsers.add_parser(
        "demo", help="autograde the reference solution as a demo student and print the scores"
    )
    demo.set_defaults(func=run_demo)


def run_release(args) -> int:
    """Regenerate ``release/`` from ``source/`` in this repository, without the gradebook.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options (none are used).

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    started = time.perf_counter()
    generate_release(REPO_ROOT, with_db=False)
    print(f"release/{ASSIGNMENT} regenerated in {time.perf_counter() - started:.1f} s")
    return 0


def run_demo(args) -> int:
    """Autograde the reference solution as ``demo_student`` and print its scores.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options (none are used).

    Returns
    -------
    int
        The exit status: 0 if every autograded cell got full marks, else 1.

    Raises
    ------
    RuntimeError
        If nbgrader fails; the message ends with its log.
    """
    started = time.perf_counter()
    print("Autograding the reference solution as 'demo_student' (this runs the whole notebook)...",
          flush=True)
    rows = grade_notebook(load_course(REPO_ROOT, ASSIGNMENT).source_notebook(NOTEBOOK),
                          on_line=progress_printer(started))
    print("\n" + format_scores(rows) if sys.stdout.isatty() else format_scores(rows))
    print(f"autograde finished in {time.perf_counter() - started:.1f} s")
    auto = [r for r in rows if not r["manual"]]
    return 0 if all(r["score"] == r["max_score"] for r in auto) else 1
