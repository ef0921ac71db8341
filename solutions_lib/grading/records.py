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
    """Why the notebook did not run to its end."""

    reason: str  # "time", "kernel_died", "error"
    cell_index: int
    message: str


@dataclass
class RunRecord:
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
        (Path(folder) / RUN_FILE).write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def read(cls, folder: Path) -> "RunRecord":
        raw = json.loads((Path(folder) / RUN_FILE).read_text())
        stop = raw.pop("stop")
        return cls(**raw, stop=Stop(**stop) if stop else None)


def answers_folder(course_root, answers_directory: str, student: str, assignment: str) -> Path:
    """Where one submission's answers and records are kept."""
    return Path(course_root) / answers_directory / student / assignment


def write_verdicts(folder: Path, verdicts: dict, dataset: dict, repairs=()) -> None:
    """Each cell's verdict, the data set judged on, and what was repaired in the notebook before grading."""
    record = {"dataset": dataset, "cells": verdicts, "repairs": list(repairs)}
    (Path(folder) / VERDICTS_FILE).write_text(json.dumps(record, indent=1))


def read_verdicts(folder: Path) -> dict:
    return json.loads((Path(folder) / VERDICTS_FILE).read_text())


def gradebook_url(course_root) -> str:
    """The nbgrader database of the course in ``course_root``."""
    return f"sqlite:///{Path(course_root).resolve() / 'gradebook.db'}"
