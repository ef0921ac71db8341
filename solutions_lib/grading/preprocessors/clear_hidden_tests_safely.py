"""nbgrader's `ClearHiddenTests` for feedback, robust to whatever a submission's cells contain."""
from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests

from ..cells import is_autograded_test

UNREADABLE = "# (source hidden: this cell's hidden-test markers could not be read)"


class ClearHiddenTestsSafely(ClearHiddenTests):
    """Remove hidden tests from the instructor's test cells only, and never fail.

    A student's own cell may contain the marker text; nbgrader's version
    then stops the whole feedback run. Here only autograded test cells,
    whose source comes from the gradebook, are cleared, and if even one of
    them cannot be parsed its whole source is hidden (nbgrader raises
    RuntimeError for unmatched markers).
    """

    def preprocess_cell(self, cell, resources, index):
        """Clear the hidden tests of an autograded test cell; leave any other cell as it is.

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
        if not is_autograded_test(cell):
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except RuntimeError:
            cell.source = UNREADABLE
            return cell, resources
