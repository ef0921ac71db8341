"""Re-judge autograded submissions from their stored answers (instructor tool).

``python -m solutions_lib regrade [COURSE_ROOT] [--assignment xray_image]``

For every submission with saved answers, judges each autograded cell again
in this process, with the checks named by the instructor notebook and the
student's assigned data set, and compares with the score in the gradebook.
A row is flagged when the two disagree: the gradebook was changed by
something other than the grader, or the checks have changed since grading
(then rerun ``nbgrader autograde``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..data import catalogue
from . import assignments, handins
from .records import DEFAULT_ANSWERS_DIRECTORY, gradebook_url
from .verdicts import judge_cell, notebook_dataset_name


@dataclass
class Row:
    student: str
    grade_id: str
    awarded: float
    max_points: float
    reverified: bool
    message: str

    @property
    def flagged(self) -> bool:
        return (self.awarded > 0) != self.reverified


def regrade(course_root, assignment="xray_image", notebook="xray_image",
            assignments_file="assignments.csv") -> list[Row]:
    """Re-judge every submission of ``assignment`` that has stored answers."""
    from nbgrader.api import Gradebook, MissingEntry

    root = Path(course_root)
    spec = handins.graded_handins(handins.read_notebook(root / "source" / assignment / f"{notebook}.ipynb"))
    table = assignments.read_table(root / assignments_file)
    rows = []
    with Gradebook(gradebook_url(root)) as gradebook:
        for folder in sorted((root / DEFAULT_ANSWERS_DIRECTORY).glob(f"*/{assignment}")):
            student = folder.parent.name
            choice = assignments.choose(table, student, notebook_dataset_name(folder), catalogue.DEFAULT_DATASET)
            for grade_id, hand_ins in spec.items():
                try:
                    grade = gradebook.find_grade(grade_id, notebook, assignment, student)
                    awarded, max_points = float(grade.score or 0.0), float(grade.max_score)
                except MissingEntry:
                    awarded, max_points = 0.0, 0.0
                verdict = judge_cell(hand_ins, folder, choice.assigned)
                rows.append(Row(student, grade_id, awarded, max_points, verdict.passed, verdict.message))
    return rows


def format_rows(rows: list[Row]) -> str:
    lines = [f"{'student':<16} {'grade cell':<22} {'points':>6}  re-judged"]
    for row in rows:
        status = "pass" if row.reverified else f"fail ({row.message})"
        flag = "  <-- FLAGGED: gradebook disagrees" if row.flagged else ""
        lines.append(f"{row.student:<16} {row.grade_id:<22} {row.awarded:>6.1f}  {status}{flag}")
    return "\n".join(lines)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "regrade", help="re-judge autograded submissions from their saved answers and flag disagreements"
    )
    parser.add_argument("course_root", nargs="?", default=".", help="nbgrader course root")
    parser.add_argument("--assignment", default="xray_image")
    parser.set_defaults(func=run)


def run(args) -> int:
    rows = regrade(args.course_root, args.assignment)
    print(format_rows(rows))
    flagged = [row for row in rows if row.flagged]
    print(f"{len(rows)} graded cells re-judged, {len(flagged)} flagged")
    return 1 if flagged else 0
