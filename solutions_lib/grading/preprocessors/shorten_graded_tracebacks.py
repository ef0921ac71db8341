"""Feedback shows only the message of an error in a graded cell, not its traceback.

A traceback quotes the failing lines, which in a test cell may be hidden
test code; the message is what was written for the student.
"""
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade


class ShortenGradedTracebacks(NbGraderPreprocessor):
    """Replace tracebacks in graded cells with one ``ename: evalue`` line."""

    def preprocess_cell(self, cell, resources, index):
        """Shorten each error output's traceback of a graded cell to its ``ename: evalue`` line.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            One cell of the graded notebook.
        resources : dict
            nbgrader's resources.
        index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict
        """
        if is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
