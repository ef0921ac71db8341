"""Coordinator side, before the workers: each submission made into a job.

The job's notebook is the submission sanitized by nbgrader's own
``Autograde.sanitize_preprocessors`` (as configured), which restore the
locked cells and hidden tests from the gradebook; the job's files are the
submission's own files, chosen as nbgrader and the sandbox choose them
(nbgrader's ignore patterns, no notebooks, no names the release files
take, and `safe_copy`'s rules on links, special files, names and sizes).
"""
from __future__ import annotations

import copy
import hashlib
import logging
from pathlib import Path

from nbconvert.exporters import NotebookExporter
from traitlets.config import Config, LoggingConfigurable

from ...grading import safe_copy, workspace
from ..config import Course
from .jobs import SETTINGS_SECTIONS, SandboxJob


def worker_settings(config: Config) -> dict:
    """The config sections the sandboxed run reads (caps, timeouts, the sandbox switch).

    The kernel's own stdout and stderr are discarded on workers (the
    notebook's outputs are kept), so that workers' logs stay readable.
    """
    settings = {name: dict(config[name]) for name in SETTINGS_SECTIONS if name in config}
    settings.setdefault("SandboxedExecute", {})["discard_kernel_output"] = True
    return settings


def submission_digest(folder: Path) -> str:
    """Fingerprint of a submitted folder's acceptable files (names and contents); changes on resubmission.

    Walks as the run copies (`safe_copy`), so no name, link or depth of a
    submission can stop the planning of a class run.
    """
    h, refused = hashlib.sha256(), []
    for item in safe_copy.walk_plain_files(folder, workspace.SUBMISSION_LIMITS, refused):
        content, why = safe_copy.read_plain_file(item, workspace.SUBMISSION_LIMITS)
        h.update(item.relative.encode() + b"\0" + (content if content is not None else why.encode()))
    h.update("\n".join(refused).encode())
    return h.hexdigest()


def pack_files(folder: Path, ignore, reserved) -> tuple[list, list]:
    """(files, notes): the submission's own files as (relative path, bytes), and what was left out.

    The same files, by the same rules, as the sandbox's private copy
    (`workspace.prepare_run`): nbgrader's ignore patterns, no notebooks, no
    top-level names of release files, and `safe_copy`'s checks and caps.
    """
    files, notes = [], []
    skip = workspace.submission_skip(reserved, ignore)
    for item in safe_copy.walk_plain_files(folder, workspace.SUBMISSION_LIMITS, notes, skip):
        content, why = safe_copy.read_plain_file(item, workspace.SUBMISSION_LIMITS)
        if content is None:
            notes.append(f"{safe_copy.shown(item.relative)}: {why}")
        else:
            files.append((item.relative, content))
    return files, notes


class _Quiet(LoggingConfigurable):
    """Parent of the sanitizing exporter, giving it (and its preprocessors) a chosen logger."""


def sanitize(course: Course, student: str, notebook: str, log: logging.Logger) -> str:
    """The submitted notebook after nbgrader's configured sanitize preprocessors, as JSON text."""
    from nbgrader.converters import Autograde

    config = copy.deepcopy(course.config)
    config.Exporter.default_preprocessors = []
    parent = _Quiet(config=config, log=log)
    steps = Autograde(coursedir=course.coursedir, config=config, log=log).sanitize_preprocessors
    exporter = NotebookExporter(parent=parent, config=config)
    for step in steps:
        exporter.register_preprocessor(step)
    path = course.submitted(student) / f"{notebook}.ipynb"
    resources = {
        "unique_key": notebook,
        "output_files_dir": f"{notebook}_files",
        "nbgrader": {"student": student, "assignment": course.assignment, "notebook": notebook,
                     "db_url": course.coursedir.db_url},
    }
    output, _ = exporter.from_filename(str(path), resources=resources)
    return output


def make_job(course: Course, student: str, notebook: str, release_dir: str, student_python: str,
             reserved: set, log: logging.Logger) -> SandboxJob:
    files, notes = pack_files(course.submitted(student), course.coursedir.ignore, reserved)
    return SandboxJob(
        student=student, assignment=course.assignment, notebook=notebook,
        notebook_json=sanitize(course, student, notebook, log), files=files, skipped=notes,
        release_dir=release_dir, student_python=student_python, settings=worker_settings(course.config),
    )
