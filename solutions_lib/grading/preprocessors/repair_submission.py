"""Rebuild a submitted notebook nbgrader could not grade, on the released one (first sanitize step)."""
from __future__ import annotations

import os

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import notebook_repair


class RepairSubmission(NbGraderPreprocessor):
    """Put a broken submission back into the released notebook's shape before nbgrader checks it.

    A deleted or retyped test cell, an answer dragged below its test, a
    cell pasted twice or one that lost its nbgrader metadata make nbgrader
    refuse the notebook or grade tests before their answers. This step
    compares the submission's nbgrader cells with the release's and, only
    when they differ, rebuilds it (`notebook_repair.repair`): release order,
    release cells for the locked ones, the student's answers carried over.
    The notebook's metadata then says what was repaired (for `JudgeAnswers`
    and the class report) and a note at the top says it to the student and
    the hand grader. Any such metadata or note in the submission itself is
    replaced, so a student cannot claim or hide a repair.
    """

    def preprocess(self, nb, resources):
        """Rebuild ``nb`` on the released notebook if its nbgrader cells differ from the release's.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The submitted notebook.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]`` names the
            student, assignment and notebook.

        Returns
        -------
        nb : nbformat.NotebookNode
            The notebook, repaired if it needed it (a new notebook then).
        resources : dict

        Raises
        ------
        FileNotFoundError
            If the released notebook does not exist.
        """
        info = resources["nbgrader"]
        release = self._release_notebook(info["assignment"], info["notebook"])
        outcome = notebook_repair.repair(nb, release)
        if outcome.repaired:
            self.log.warning("Repaired the notebook of %s before grading: %s",
                             info.get("student", "?"), "; ".join(outcome.notes))
        return outcome.notebook, resources

    def _release_notebook(self, assignment: str, notebook: str):
        course = CourseDirectory(config=self.config)
        path = os.path.join(course.format_path(course.release_directory, ".", assignment), f"{notebook}.ipynb")
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"RepairSubmission compares submissions with the released notebook, and {path} does not exist: "
                f"run `nbgrader generate_assignment {assignment}` first.")
        return nbformat.read(path, as_version=4)
