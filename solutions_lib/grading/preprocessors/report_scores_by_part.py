"""nbgrader's `GetGrades` for feedback, keeping automatic and hand-graded points apart."""
from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import GetGrades


class ReportScoresByPart(GetGrades):
    """While answers still wait for hand grading, head the feedback with the automatic part only.

    nbgrader's heading adds the pending written answers at zero ("27 / 37"),
    which reads as a lost quarter of the marks. Until every hand-graded cell
    has a score, the heading shows the automatic score out of the automatic
    points and names the points still to be graded by hand.
    """

    def preprocess(self, nb, resources):
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
            pending_points = sum(pending)
            info["notebook"] = (f"{info['notebook']}: automatic part; "
                                f"{pending_points:g} points for written answers are still to be graded")
        return nb, resources
