"""nbgrader's `OverwriteCells`, warning only when a locked cell was really changed."""
from __future__ import annotations

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, OverwriteCells
from nbgrader.utils import is_locked

from .. import cells


class RestoreHiddenTests(OverwriteCells):
    """Put the hidden tests back into a submission's locked cells without a false alarm.

    The gradebook keeps each locked test cell with its hidden tests, the
    student's copy has them removed, so nbgrader's `OverwriteCells` reports
    a changed checksum for every test cell of every honest submission. Here
    a cell that equals the gradebook's source with the hidden tests removed
    is restored silently; only a cell the student really edited is reported
    (and restored all the same), so the warning means tampering. The
    released form is what nbgrader's `ClearHiddenTests` makes of the
    gradebook's source.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        """Overwrite a locked cell from the gradebook, as `OverwriteCells` does, warning only on a real change.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            One cell of the submission.
        resources : dict
            nbgrader's resources.
        cell_index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict
        """
        grade_id = cells.grade_id(cell)
        if grade_id and is_locked(cell):
            try:
                source_cell = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source_cell = None
            if source_cell is not None and cell.source == self._as_released(source_cell):
                cell.source = source_cell.source
        return super().preprocess_cell(cell, resources, cell_index)

    def _as_released(self, source_cell) -> str:
        """The gradebook's source of a cell with its hidden tests removed, as students received it."""
        released = nbformat.v4.new_code_cell(source_cell.source)
        clearer = ClearHiddenTests(config=self.config, enforce_metadata=False)  # the cell's metadata is not needed
        return clearer.preprocess_cell(released, {}, 0)[0].source
