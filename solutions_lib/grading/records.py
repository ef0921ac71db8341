"""What the trusted grader writes beside each submission's answers.

``answers/<student>/<assignment>/`` holds the handed-in ``*.npz`` files and

* ``run.json``: how the sandboxed run went (time, where and why it
  stopped, caps hit, files refused);
* ``verdicts.json``: each autograded cell's verdict (passed, reason,
  message, flag: `verdict.Verdict.as_dict`), the data set it was judged
  on, and what `RepairSubmission` repaired in the notebook.

Both are written by the grader process, never by the kernel, and are what
`regrade` and the class report read.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_ANSWERS_DIRECTORY = "answers"
RUN_FILE = "run.json"
VERDICTS_FILE = "verdicts.json"


@dataclass
class Stop:
    """Why the notebook did not run to its end.

    Attributes
    ----------
    reason : str
        ``"time"`` (a time cap), ``"kernel_died"`` or ``"error"`` (the
        grader lost the kernel).
    cell_index : int
        Index of the cell it stopped in.
    message : str
        What the cell was told about the stop.
    """

    reason: str  # "time", "kernel_died", "error"
    cell_index: int
    message: str


@dataclass
class RunRecord:
    """How one submission's sandboxed run went; kept as ``run.json`` beside its answers.

    Attributes
    ----------
    student, assignment : str
        Whose submission, of which assignment.
    sandboxed : bool
        Whether the kernel ran in the sandbox.
    wall_s : float
        Seconds the notebook ran.
    stop : Stop or None
        Why it stopped before its end; None if it ran to the end.
    caps_hit : list of str
        The caps it ran into (``"time"``, ``"memory"``, ``"processes"``).
    answers : list of str
        The answer keys collected (`workspace.collect_answers`).
    refused : list of str
        Why each answer file left behind was refused.
    skipped_files : list of str
        Why each file of the submission left out of the run was left out.
    """

    student: str
    assignment: str
    sandboxed: bool
    wall_s: float = 0.0
    stop: Stop | None = None
    caps_hit: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    refused: list = field(default_factory=list)
    skipped_files: list = field(default_factory=list)

    def write(self, folder: Path) -> None:
        """Write the record as ``run.json`` in ``folder``, replacing any there.

        Parameters
        ----------
        folder : pathlib.Path or str
            The submission's answers folder (`answers_folder`).
        """
        (Path(folder) / RUN_FILE).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def read(cls, folder: Path) -> "RunRecord":
        """The record that `write` left in ``folder``.

        Parameters
        ----------
        folder : pathlib.Path or str
            The submission's answers folder.

        Returns
        -------
        RunRecord

        Raises
        ------
        FileNotFoundError
            If ``folder`` holds no ``run.json``.
        """
        raw = json.loads((Path(folder) / RUN_FILE).read_text())
        stop = raw.pop("stop")
        return cls(**raw, stop=Stop(**stop) if stop else None)


def answers_folder(course_root, answers_directory: str, student: str, assignment: str) -> Path:
    """Where one submission's answers and records are kept.

    Parameters
    ----------
    course_root : str or path-like
        The course folder.
    answers_directory : str
        The answers store, relative to ``course_root``
        (`DEFAULT_ANSWERS_DIRECTORY` unless configured otherwise).
    student, assignment : str
        Whose submission, of which assignment.

    Returns
    -------
    pathlib.Path
        ``<course_root>/<answers_directory>/<student>/<assignment>``; it
        need not exist.
    """
    return Path(course_root) / answers_directory / student / assignment


def write_verdicts(folder: Path, verdicts: dict, dataset: dict, repairs=()) -> None:
    """Write ``verdicts.json`` in ``folder``.

    It holds each cell's verdict, the data set judged on, and what was
    repaired in the notebook before grading.

    Parameters
    ----------
    folder : pathlib.Path or str
        The submission's answers folder.
    verdicts : dict
        grade_id -> the cell's verdict as a dict (`verdict.Verdict.as_dict`).
    dataset : dict
        The data set the cells were judged on
        (`assignments.DatasetChoice.as_dict`).
    repairs : iterable of str, optional
        What `notebook_repair` changed in the notebook before grading.
    """
    record = {"dataset": dataset, "cells": verdicts, "repairs": list(repairs)}
    (Path(folder) / VERDICTS_FILE).write_text(json.dumps(record, indent=1))


def read_verdicts(folder: Path) -> dict:
    """The record that `write_verdicts` left in ``folder``.

    Parameters
    ----------
    folder : pathlib.Path or str
        The submission's answers folder.

    Returns
    -------
    dict
        ``{"dataset": ..., "cells": {grade_id: verdict dict}, "repairs": [...]}``.

    Raises
    ------
    FileNotFoundError
        If ``folder`` holds no ``verdicts.json``.
    """
    return json.loads((Path(folder) / VERDICTS_FILE).read_text())


def gradebook_url(course_root) -> str:
    """The nbgrader database of the course in ``course_root``.

    Parameters
    ----------
    course_root : str or path-like
        The course folder.

    Returns
    -------
    str
        An SQLAlchemy URL of ``gradebook.db`` in that folder.
    """
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}"
