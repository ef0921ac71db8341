"""Drop outputs in which a submission printed the grader's hidden code back."""
from __future__ import annotations

import json

from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import handins

MIN_LINE_LENGTH = 12
REPLACEMENT = "[output removed by the autograder: it repeated the grader's hidden code]\n"


def hidden_lines(hidden: dict) -> set[str]:
    """The distinctive lines of every hidden test region.

    Parameters
    ----------
    hidden : dict
        grade_id -> the text of the cell's hidden test regions.

    Returns
    -------
    set of str
        Their lines, stripped, of at least `MIN_LINE_LENGTH` characters.
    """
    lines = set()
    for source in hidden.values():
        lines.update(line.strip() for line in source.splitlines() if len(line.strip()) >= MIN_LINE_LENGTH)
    return lines


class RemoveGraderEchoes(NbGraderPreprocessor):
    """Replace any output that contains a line of the hidden tests.

    The kernel necessarily sees the hidden test code it runs, and a
    submission can print it (IPython's input history, event hooks). Such
    outputs are replaced so that neither formgrader nor the feedback shows
    the hidden code.
    """

    def preprocess(self, nb, resources):
        """Read the notebook's hidden test lines, then clean every cell's outputs.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The executed submission.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]`` names the
            assignment and notebook.

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict
        """
        info = resources["nbgrader"]
        course = CourseDirectory(config=self.config)
        spec = handins.instructor_spec(course, self.config, info["assignment"], info["notebook"])
        self._lines = hidden_lines(spec.hidden)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        """Replace each output of a code cell that repeats a hidden test line.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            One cell of the executed submission.
        resources : dict
            nbgrader's resources.
        index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict
        """
        if cell.cell_type == "code" and self._lines:
            cell.outputs = [self._clean(output) for output in cell.get("outputs", [])]
        return cell, resources

    def _clean(self, output):
        text = json.dumps({k: v for k, v in output.items() if k != "metadata"})
        if any(json.dumps(line)[1:-1] in text or line in text for line in self._lines):
            return NotebookNode(output_type="stream", name="stdout", text=REPLACEMENT)
        return output
