"""The course's nbgrader configuration, read as ``nbgrader autograde`` reads it, for every instructor tool.

The grader (`JudgeAnswers`, `SandboxedExecute`), the parallel grader,
`regrade`, the class report and `release` all take from here where things
are and how grading is set up, so that a setting changed in
``nbgrader_config.py`` (or on the command line) is followed everywhere:

* the source folder (``CourseDirectory.source_directory``) and the
  gradebook (``CourseDirectory.db_url``),
* the answers folder (``SandboxedExecute.answers_directory``),
* the table of assigned data sets and the default data set
  (``JudgeAnswers.assignments_file``, ``JudgeAnswers.default_dataset``),
* the hidden-test delimiters (``ClearHiddenTests.begin_test_delimeter``
  and ``end_test_delimeter``).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from ..grading import handins, records
from ..grading.preprocessors import JudgeAnswers, SandboxedExecute


@dataclass
class Course:
    """nbgrader's view of the course, loaded as ``nbgrader autograde`` loads it.

    Attributes
    ----------
    config : traitlets.config.Config
        The whole configuration (``nbgrader_config.py`` and command line).
    coursedir : nbgrader.coursedir.CourseDirectory
        The course's configured folders.
    assignment : str
        The assignment's name.
    """

    config: Config
    coursedir: object  # nbgrader.coursedir.CourseDirectory
    assignment: str

    @property
    def root(self) -> Path:
        return Path(self.coursedir.root)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def submitted(self, student: str) -> Path:
        """The folder ``student`` submitted the assignment in, as nbgrader places it.

        Parameters
        ----------
        student : str
            The student's id.

        Returns
        -------
        pathlib.Path
        """
        return Path(self.coursedir.format_path(self.coursedir.submitted_directory, student, self.assignment))

    def students(self) -> list[str]:
        """Every student with a submitted notebook folder for the assignment, sorted."""
        folder = self.root / self.coursedir.submitted_directory
        if not folder.is_dir():
            return []
        return sorted(entry.name for entry in folder.iterdir()
                      if (entry / self.assignment).is_dir() and any((entry / self.assignment).glob("*.ipynb")))

    def notebooks(self) -> list[str]:
        """The assignment's notebooks (names without .ipynb), from the source folder."""
        return sorted(path.stem for path in self.source_folder().glob("*.ipynb"))

    def source_folder(self) -> Path:
        return handins.source_folder(self.coursedir, self.assignment)

    def source_notebook(self, notebook: str) -> Path:
        """The instructor's copy of ``notebook`` (name without .ipynb).

        Parameters
        ----------
        notebook : str
            The notebook's name without .ipynb.

        Returns
        -------
        pathlib.Path
        """
        return handins.source_notebook(self.coursedir, self.assignment, notebook)

    def spec(self, notebook: str) -> handins.NotebookSpec:
        """Each graded cell's hand-ins and hidden code, read with the configured hidden-test delimiters.

        Parameters
        ----------
        notebook : str
            The notebook's name without .ipynb.

        Returns
        -------
        `grading.handins.NotebookSpec`

        Raises
        ------
        `grading.handins.NotebookSpecError`
            If the hidden tests are not in the expected form.
        """
        return handins.instructor_spec(self.coursedir, self.config, self.assignment, notebook)

    @property
    def judge(self) -> JudgeAnswers:
        """The configured `JudgeAnswers` (its table of assigned data sets and default data set)."""
        return JudgeAnswers(config=self.config)

    @property
    def answers_directory(self) -> str:
        return SandboxedExecute(config=self.config).answers_directory

    def answers_folder(self, student: str) -> Path:
        """Where the grader keeps ``student``'s answers, run record and verdicts for the assignment.

        Parameters
        ----------
        student : str
            The student's id.

        Returns
        -------
        pathlib.Path
        """
        return records.answers_folder(self.root, self.answers_directory, student, self.assignment)

    def answered_students(self) -> list[str]:
        """Every student with an answers folder for the assignment, sorted."""
        folders = (self.root / self.answers_directory).glob(f"*/{self.assignment}")
        return sorted(folder.parent.name for folder in folders if folder.is_dir())


def load_course(course_root, assignment: str, nbgrader_args=()) -> Course:
    """The configuration ``nbgrader autograde ASSIGNMENT [nbgrader_args]`` would run with.

    ``nbgrader_config.py`` is read from ``course_root``, as nbgrader reads it
    from the working directory.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    assignment : str
        The assignment's name.
    nbgrader_args : iterable of str, optional
        Further command-line options, e.g. ``--CourseDirectory.db_url=...``.

    Returns
    -------
    Course
    """
    from nbgrader.apps.autogradeapp import AutogradeApp

    root = os.path.abspath(course_root)
    app = AutogradeApp()  # its nbgrader_config.py also puts `alembic` on PATH
    app.log = logging.getLogger("xray.batch.nbgrader")
    previous = os.getcwd()
    os.chdir(root)  # nbgrader reads nbgrader_config.py from the working directory
    try:
        app.initialize([assignment, f"--CourseDirectory.root={root}", *nbgrader_args])
    finally:
        os.chdir(previous)
    app.coursedir.assignment_id = assignment
    return Course(app.config, app.coursedir, assignment)
