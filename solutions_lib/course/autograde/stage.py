"""What the parallel grader keeps on disk between its phases and between runs.

Under ``<course>/.grading/batch/``:

* ``executions/<student>/<assignment>/``: one finished sandboxed run, as a
  worker returned it (``<notebook>.ipynb`` executed, ``answers/*.npz``,
  ``run.json``, ``result.json`` with the digest of the job it ran), and
  once the judging pool has judged its answers, ``judgement.json``
  (`judgement.judge_answers`). It is written whole or not at all, and
  removed once nbgrader has graded it; if the run is interrupted in
  between, the next run grades it without executing the notebook again
  (when its digest still matches).
* ``graded/<student>/<assignment>.json``: the mark that a submission was
  graded, with the digest of the submitted files; the next run skips the
  student unless the submission changed or ``--force`` is given.
* ``logs/<student>.log``: nbgrader's log of the student's grading.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from ...grading import records, workspace
from ...grading.kernel_side import answer_keys

DEFAULT_STAGE_DIRECTORY = ".grading/batch"
RESULT_FILE = "result.json"
JUDGEMENT_FILE = "judgement.json"


@dataclass
class StoredExecution:
    """One finished run in the staging folder.

    Attributes
    ----------
    folder : pathlib.Path
        ``executions/<student>/<assignment>/``.
    meta : dict
        The contents of ``result.json``: student, assignment, notebook,
        digest, worker, host, started, finished.
    """

    folder: Path
    meta: dict

    @property
    def digest(self) -> str:
        return self.meta["digest"]

    def notebook_json(self, notebook: str) -> str:
        """The executed notebook, as JSON text.

        Parameters
        ----------
        notebook : str
            The notebook's name without .ipynb.

        Returns
        -------
        str
        """
        return (self.folder / f"{notebook}.ipynb").read_text()

    def record(self) -> records.RunRecord:
        return records.RunRecord.read(self.folder)

    @property
    def answers(self) -> Path:
        return self.folder / "answers"

    def judgement(self) -> dict | None:
        """The judging pool's verdicts on these answers (`judgement.judge_answers`), if it judged them."""
        try:
            return json.loads((self.folder / JUDGEMENT_FILE).read_text())
        except (OSError, ValueError):
            return None

    def save_judgement(self, judged: dict) -> None:
        """Keep the judging pool's verdicts beside the run (written whole or not at all).

        Parameters
        ----------
        judged : dict
            What `judgement.judge_answers` returned.
        """
        partial = self.folder / f".{JUDGEMENT_FILE}.partial"
        partial.write_text(json.dumps(judged))
        partial.replace(self.folder / JUDGEMENT_FILE)

    def install_answers(self, store: Path) -> records.RunRecord:
        """Copy the answers (those `workspace.collect_answers` accepts) and the run record into ``store``.

        Parameters
        ----------
        store : path-like
            The student's answers folder; emptied first.

        Returns
        -------
        `records.RunRecord`
            The stored run's record, as written to ``store``.
        """
        workspace.collect_answers(self.answers, store)
        record = self.record()
        record.write(store)
        return record


class ExecutionStore:
    """The ``executions/`` part of the staging folder.

    Parameters
    ----------
    course_root : str or path-like
        The course folder.
    directory : str, optional
        The executions folder, relative to ``course_root``.
    """

    def __init__(self, course_root, directory: str = DEFAULT_STAGE_DIRECTORY + "/executions"):
        self.root = Path(course_root) / directory

    def folder(self, student: str, assignment: str) -> Path:
        """Where the run of ``student``'s ``assignment`` is (or would be) stored.

        Parameters
        ----------
        student : str
            The student's id.
        assignment : str
            The assignment's name.

        Returns
        -------
        pathlib.Path
        """
        return self.root / student / assignment

    def save(self, result) -> Path:
        """Store a `jobs.SandboxResult` atomically (a half-written run is never seen).

        A run stored before for the same student and assignment is replaced.
        Answer files not named as `answer_keys` says are not written.

        Parameters
        ----------
        result : `jobs.SandboxResult`
            What the worker returned.

        Returns
        -------
        pathlib.Path
            The run's folder.
        """
        target = self.folder(result.student, result.assignment)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.parent / f".{result.assignment}.partial-{os.getpid()}"
        if partial.exists():
            shutil.rmtree(partial)
        (partial / "answers").mkdir(parents=True)
        (partial / f"{result.notebook}.ipynb").write_text(result.notebook_json)
        for name, content in result.answers.items():
            if answer_keys.key_of(name):  # a plain name, so written inside answers/; judged on install
                (partial / "answers" / name).write_bytes(content)
        (partial / records.RUN_FILE).write_text(json.dumps(result.record, indent=1))
        meta = {key: getattr(result, key) for key in
                ("student", "assignment", "notebook", "digest", "worker", "host", "started", "finished")}
        (partial / RESULT_FILE).write_text(json.dumps(meta, indent=1))
        if target.exists():
            shutil.rmtree(target)
        partial.rename(target)
        return target

    def load(self, student: str, assignment: str) -> StoredExecution | None:
        """The stored run of ``student``'s ``assignment``.

        Parameters
        ----------
        student : str
            The student's id.
        assignment : str
            The assignment's name.

        Returns
        -------
        StoredExecution or None
            None if there is none, or its ``result.json`` is unreadable.
        """
        folder = self.folder(student, assignment)
        try:
            meta = json.loads((folder / RESULT_FILE).read_text())
        except (OSError, ValueError):
            return None
        return StoredExecution(folder, meta)

    def discard(self, student: str, assignment: str) -> None:
        """Remove the stored run of ``student``'s ``assignment``, and the student's folder once empty.

        Parameters
        ----------
        student : str
            The student's id.
        assignment : str
            The assignment's name.
        """
        folder = self.folder(student, assignment)
        if folder.exists():
            shutil.rmtree(folder)
        try:
            folder.parent.rmdir()  # the student's folder, once empty
        except OSError:
            pass


class GradedMarks:
    """The ``graded/`` part of the staging folder: which submissions are graded, from which files.

    Parameters
    ----------
    course_root : str or path-like
        The course folder.
    directory : str, optional
        The staging folder, relative to ``course_root``.
    """

    def __init__(self, course_root, directory: str = DEFAULT_STAGE_DIRECTORY):
        self.root = Path(course_root) / directory / "graded"

    def _path(self, student: str, assignment: str) -> Path:
        return self.root / student / f"{assignment}.json"

    def get(self, student: str, assignment: str) -> dict | None:
        """The mark of ``student``'s ``assignment``.

        Parameters
        ----------
        student : str
            The student's id.
        assignment : str
            The assignment's name.

        Returns
        -------
        dict or None
            ``graded_at`` and what `put` was given; None if unmarked or unreadable.
        """
        try:
            return json.loads(self._path(student, assignment).read_text())
        except (OSError, ValueError):
            return None

    def put(self, student: str, assignment: str, **info) -> None:
        """Mark ``student``'s ``assignment`` as graded now (written whole or not at all).

        Parameters
        ----------
        student : str
            The student's id.
        assignment : str
            The assignment's name.
        **info
            What to keep with the mark (JSON-serialisable), e.g. the digest
            of the submitted files.
        """
        path = self._path(student, assignment)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps({"graded_at": time.strftime("%Y-%m-%d %H:%M:%S"), **info}, indent=1))
        partial.replace(path)

    def clear(self, student: str, assignment: str) -> None:
        """Remove the mark of ``student``'s ``assignment``, if any.

        Parameters
        ----------
        student : str
            The student's id.
        assignment : str
            The assignment's name.
        """
        self._path(student, assignment).unlink(missing_ok=True)


def log_path(course_root, student: str, directory: str = DEFAULT_STAGE_DIRECTORY) -> Path:
    """Where nbgrader's log of ``student``'s grading is kept.

    Parameters
    ----------
    course_root : str or path-like
        The course folder.
    student : str
        The student's id.
    directory : str, optional
        The staging folder, relative to ``course_root``.

    Returns
    -------
    pathlib.Path
    """
    return Path(course_root) / directory / "logs" / f"{student}.log"
