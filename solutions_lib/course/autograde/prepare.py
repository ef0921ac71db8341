"""Coordinator side, before the workers: each submission made into a job.

The job's notebook is the submission sanitized by nbgrader's own
``Autograde.sanitize_preprocessors`` (as configured), which restore the
locked cells and hidden tests from the gradebook; the job's files are the
submission's own files, chosen by the sandbox's own rule
(`workspace.submission_files`, with nbgrader's ignore patterns).
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

    Parameters
    ----------
    config : traitlets.config.Config
        The course's configuration.

    Returns
    -------
    dict
        Section name -> its settings, for the sections of `jobs.SETTINGS_SECTIONS`
        present in ``config``.
    """
    settings = {name: dict(config[name]) for name in SETTINGS_SECTIONS if name in config}
    settings.setdefault("SandboxedExecute", {})["discard_kernel_output"] = True
    return settings


def submission_digest(folder: Path) -> str:
    """Fingerprint of a submitted folder's acceptable files (names and contents); changes on resubmission.

    Walks as the run copies (`safe_copy`), so no name, link or depth of a
    submission can stop the planning of a class run. The reasons for refused
    files count too.

    Parameters
    ----------
    folder : path-like
        The submitted folder.

    Returns
    -------
    str
        A SHA-256 hex digest.
    """
    h, refused = hashlib.sha256(), []
    for relative, content in safe_copy.plain_contents(folder, workspace.SUBMISSION_LIMITS, refused):
        h.update(relative.encode() + b"\0" + content)
    h.update("\n".join(refused).encode())
    return h.hexdigest()


class _Quiet(LoggingConfigurable):
    """Parent of the sanitizing exporter, giving it (and its preprocessors) a chosen logger."""


def sanitize(course: Course, student: str, notebook: str, log: logging.Logger) -> str:
    """The submitted notebook after nbgrader's configured sanitize preprocessors, as JSON text.

    Parameters
    ----------
    course : `config.Course`
        The course, as nbgrader's autograde loads it.
    student : str
        The student's id.
    notebook : str
        The notebook's name without .ipynb.
    log : logging.Logger
        Receives the exporter's and preprocessors' messages.

    Returns
    -------
    str
    """
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
    """Pack one submission as a job: its sanitized notebook, its own files and the sandbox settings.

    Parameters
    ----------
    course : `config.Course`
        The course, as nbgrader's autograde loads it.
    student : str
        The student's id.
    notebook : str
        The notebook's name without .ipynb.
    release_dir : str
        The release folder as the worker sees it.
    student_python : str
        The student environment's python as the worker sees it.
    reserved : set of str
        Names of the release's files, left out at the submission's top.
    log : logging.Logger
        Receives the sanitizing step's messages.

    Returns
    -------
    `jobs.SandboxJob`
    """
    notes = []
    files = list(workspace.submission_files(course.submitted(student), reserved, notes, course.coursedir.ignore))
    return SandboxJob(
        student=student, assignment=course.assignment, notebook=notebook,
        notebook_json=sanitize(course, student, notebook, log), files=files, skipped=notes,
        release_dir=release_dir, student_python=student_python, settings=worker_settings(course.config),
    )
