"""nbgrader's `GetGrades` for feedback, keeping automatic and hand-graded points apart."""
from __future__ import annotations

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades

NOTE_METADATA = "xray_feedback_note"  # marks the note this step puts at the top of the page


def pending_note(points: float) -> nbformat.NotebookNode:
    """The markdown cell that heads the page while ``points`` of written answers wait for hand grading.

    Parameters
    ----------
    points : float
        The points still to be graded by hand.

    Returns
    -------
    nbformat.NotebookNode
        A markdown cell, marked with `NOTE_METADATA` in its metadata.
    """
    text = (f"**The score above is the automatic part only.** {points:g} points for written answers "
            "are still to be graded by hand and will be added to it.")
    return nbformat.v4.new_markdown_cell(text, metadata={NOTE_METADATA: True})


class ReportScoresByPart(GetGrades):
    """While answers still wait for hand grading, score the feedback on the automatic part only.

    nbgrader's heading adds the pending written answers at zero ("27 / 37"),
    which reads as a lost quarter of the marks. Until every hand-graded cell
    has a score, the heading's score is the automatic score out of the
    automatic points, and a note (`pending_note`) at the top of the page
    names the points still to be graded by hand. The notebook id in
    ``resources["nbgrader"]["notebook"]`` stays the id, as nbgrader's
    template and later steps expect.
    """

    def preprocess(self, nb, resources):
        """nbgrader's scores, then the automatic part only while hand grading is pending.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The graded notebook.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]`` names the
            student, assignment and notebook and the gradebook's
            ``db_url``, and receives ``score`` and ``max_score``.

        Returns
        -------
        nb : nbformat.NotebookNode
            The notebook, headed by `pending_note` while hand grading is pending.
        resources : dict
        """
        nb, resources = super().preprocess(nb, resources)
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:  # read every score before the session closes
            submission = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            grades = [(g.needs_manual_grade, g.auto_score is not None, g.score, g.max_score)
                      for g in submission.grades]
        pending = [top for manual, _, _, top in grades if manual]
        if pending:
            automatic = [(score, top) for manual, auto, score, top in grades if auto and not manual]
            info["score"] = sum(score for score, _ in automatic) - info.get("late_penalty", 0)
            info["max_score"] = sum(top for _, top in automatic)
            nb.cells.insert(0, pending_note(sum(pending)))
        return nb, resources
