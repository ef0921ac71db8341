"""Re-judge autograded submissions from their stored answers (instructor tool).

``python -m solutions_lib regrade [COURSE_ROOT] [--assignment xray_image]``

For every submission with saved answers, judges each autograded cell again
in this process, with the checks named by the instructor notebook and the
student's assigned data set, as the course's nbgrader configuration sets
them up (`config.load_course`), and compares with the score in the
gradebook and with the verdict recorded when it was graded
(``verdicts.json``). A row is flagged when the gradebook disagrees: it was
changed by something other than the grader, or the checks have changed
since grading (then rerun ``nbgrader autograde``); a verdict whose reason
differs from the recorded one is marked too.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..grading import judgement, records
from .config import load_course


@dataclass
class Row:
    """One graded cell of one submission: its gradebook score and the verdict judged again.

    Attributes
    ----------
    student : str
        The student's id.
    grade_id : str
        The graded cell.
    awarded, max_points : float
        The score in the gradebook and the cell's maximum (0 and 0 when the
        gradebook has no grade for the cell).
    reverified : bool
        Whether the cell passes when judged again.
    reason : str
        The re-judged verdict's reason (`verdict.Reason`).
    message : str
        The re-judged verdict's message.
    recorded_reason : str or None
        The reason recorded when the submission was graded; None if unknown.
    """

    student: str
    grade_id: str
    awarded: float
    max_points: float
    reverified: bool
    reason: str  # the re-judged verdict's reason (`verdict.Reason`)
    message: str
    recorded_reason: str | None = None  # the reason recorded when the submission was graded

    @property
    def flagged(self) -> bool:
        return (self.awarded > 0) != self.reverified

    @property
    def changed(self) -> bool:
        """The verdict's reason differs from the one recorded at grading time."""
        return self.recorded_reason is not None and self.recorded_reason != self.reason


def _recorded(folder) -> dict:
    """grade_id -> the reason recorded in ``verdicts.json`` (empty if there is none)."""
    try:
        cells = records.read_verdicts(folder).get("cells", {})
    except (OSError, ValueError):
        return {}
    return {grade_id: verdict.get("reason") for grade_id, verdict in cells.items() if isinstance(verdict, dict)}


def regrade(course_root, assignment="xray_image", notebook="xray_image") -> list[Row]:
    """Re-judge every submission of ``assignment`` that has stored answers.

    Each student is judged on their assigned data set, with the stop note
    of their run record, and each cell is read back from the gradebook.

    Parameters
    ----------
    course_root : str or path-like
        The course folder (holding ``nbgrader_config.py``).
    assignment : str, optional
        The assignment's name.
    notebook : str, optional
        The notebook's name without .ipynb.

    Returns
    -------
    list of Row
        One row per graded cell of each student with an answers folder.
    """
    from nbgrader.api import Gradebook, MissingEntry

    course = load_course(course_root, assignment)
    spec = course.spec(notebook).handins
    judge = course.judge
    rows = []
    with Gradebook(course.db_url) as gradebook:
        for student in course.answered_students():
            folder = course.answers_folder(student)
            choice = judge.choose_dataset(course.root, student, folder)
            try:
                note = judgement.stop_note(records.RunRecord.read(folder))
            except (OSError, ValueError, TypeError):
                note = ""
            verdicts = judgement.Judgement(folder, choice.assigned, note).verdicts(spec)
            recorded = _recorded(folder)
            for grade_id, verdict in verdicts.items():
                try:
                    grade = gradebook.find_grade(grade_id, notebook, assignment, student)
                    awarded, max_points = float(grade.score or 0.0), float(grade.max_score)
                except MissingEntry:
                    awarded, max_points = 0.0, 0.0
                rows.append(Row(student, grade_id, awarded, max_points, verdict.passed, str(verdict.reason),
                                verdict.message, recorded.get(grade_id)))
    return rows


def format_rows(rows: list[Row]) -> str:
    """The regrade as a text table, one line per row, disagreements flagged.

    Parameters
    ----------
    rows : list of Row
        What `regrade` returned.

    Returns
    -------
    str
    """
    lines = [f"{'student':<16} {'grade cell':<22} {'points':>6}  re-judged"]
    for row in rows:
        status = "pass" if row.reverified else f"fail [{row.reason}] ({row.message})"
        flag = "  <-- FLAGGED: gradebook disagrees" if row.flagged else ""
        if row.changed:
            flag += f"  (graded as {row.recorded_reason})"
        lines.append(f"{row.student:<16} {row.grade_id:<22} {row.awarded:>6.1f}  {status}{flag}")
    return "\n".join(lines)


def add_parser(subparsers):
    """Register ``regrade``: re-judge submissions from their saved answers.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.
    """
    parser = subparsers.add_parser(
        "regrade", help="re-judge autograded submissions from their saved answers and flag disagreements"
    )
    parser.add_argument("course_root", nargs="?", default=".", help="nbgrader course root")
    parser.add_argument("--assignment", default="xray_image")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Regrade, print the table and a summary line.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``regrade`` options.

    Returns
    -------
    int
        The exit status: 1 if any row is flagged, else 0.
    """
    rows = regrade(args.course_root, args.assignment, args.assignment)
    print(format_rows(rows))
    flagged = [row for row in rows if row.flagged]
    changed = [row for row in rows if row.changed]
    print(f"{len(rows)} graded cells re-judged, {len(flagged)} flagged, {len(changed)} with another reason than "
          "when graded")
    return 1 if flagged else 0
