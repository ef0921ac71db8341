"""Score every autograded test cell from its trusted verdict, never from its outputs."""
from __future__ import annotations

from nbgrader.preprocessors import SaveAutoGrades

from .. import cells

VERDICTS_RESOURCE = "verdicts"  # resources["nbgrader"][VERDICTS_RESOURCE]: grade_id -> passed, set by JudgeAnswers


class SaveVerdictGrades(SaveAutoGrades):
    """nbgrader's `SaveAutoGrades`, with each autograded test cell scored by its verdict.

    nbgrader scores a test cell by looking for an error in its outputs, and
    any preprocessor that rewrites outputs for the feedback could then turn a
    failure into full marks. Here the score of a test cell is its full points
    (the gradebook's, not the notebook's metadata) if `JudgeAnswers` passed
    it and 0 otherwise, including when it has no verdict; written answers
    and other grade cells are scored as nbgrader scores them. nbgrader's
    `preprocess_cell` does nothing else with a test cell than score it, so
    test cells are handled here and every other cell is left to it.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        """Save the score of one cell: by its verdict for an autograded test cell, else as nbgrader does.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            One cell of the graded notebook.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]["verdicts"]``
            (`VERDICTS_RESOURCE`) holds `JudgeAnswers`' verdicts.
        cell_index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict
        """
        if not cells.is_autograded_test(cell):
            return super().preprocess_cell(cell, resources, cell_index)
        grade = self.gradebook.find_grade(cells.grade_id(cell), self.notebook_id, self.assignment_id,
                                          self.student_id)
        passed = resources["nbgrader"].get(VERDICTS_RESOURCE, {}).get(cells.grade_id(cell)) is True
        grade.auto_score = float(grade.max_score) if passed else 0.0
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()
        return cell, resources
