"""Re-verify autograded submissions outside any kernel (instructor tool).

``python -m solutions_lib regrade COURSE_ROOT [--assignment xray_image]``

For every autograded submission, re-runs each hidden check on the answers
that its hidden test cells saved, in this fresh process, and compares with
the score nbgrader stored in the gradebook. A grade is flagged when nbgrader
gave points but the check fails again or its saved answer is missing: the
sign that the submission interfered with its own grading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import artefacts
from .verify import judge

# `_hidden.check('chains', chains=chains2, model='double')` -> ('chains', 'double')
_CHECK_CALL = re.compile(r"""_hidden\.check\(\s*['"](\w+)['"](.*?)\)\s*$""", re.M)
_MODEL_ARG = re.compile(r"""model\s*=\s*['"](\w+)['"]""")


@dataclass
class Row:
    student: str
    grade_id: str
    awarded: float
    reverified: bool | None  # None: no hidden check in that cell
    message: str

    @property
    def flagged(self) -> bool:
        return self.awarded > 0 and self.reverified is False


def hidden_checks_by_cell(notebook_path) -> dict[str, list[tuple[str, str]]]:
    """Map grade_id -> [(check, tag)] from the hidden test cells of a notebook."""
    notebook = nbformat.read(notebook_path, as_version=4)
    table = {}
    for cell in notebook.cells:
        grading = cell.metadata.get("nbgrader", {})
        if not grading.get("grade") or cell.cell_type != "code":
            continue
        calls = []
        for name, rest in _CHECK_CALL.findall(cell.source):
            model = _MODEL_ARG.search(rest)
            calls.append((name, model.group(1) if model else ""))
        if calls:
            table[grading["grade_id"]] = calls
    return table


def regrade(course_root, assignment="xray_image", notebook="xray_image") -> list[Row]:
    """Re-judge every autograded submission of ``assignment`` under ``course_root``."""
    from nbgrader.api import Gradebook, MissingEntry

    root = Path(course_root)
    checks = hidden_checks_by_cell(root / "source" / assignment / f"{notebook}.ipynb")
    rows = []
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for folder in sorted((root / "autograded").glob(f"*/{assignment}")):
            student = folder.parent.name
            for grade_id, calls in checks.items():
                try:
                    grade = gradebook.find_grade(grade_id, notebook, assignment, student)
                    awarded = float(grade.score or 0.0)
                except MissingEntry:
                    awarded = 0.0
                passed, message = True, ""
                for check, tag in calls:
                    path = artefacts.artefact_path(folder, check, tag)
                    if not path.exists():
                        passed, message = False, f"no saved answer for {check} {tag}".strip()
                        break
                    _, verdict = judge(path)
                    if not verdict.passed:
                        passed, message = False, verdict.message
                        break
                rows.append(Row(student, grade_id, awarded, passed, message))
    return rows


def format_rows(rows: list[Row]) -> str:
    lines = [f"{'student':<16} {'grade cell':<22} {'points':>6}  re-verified"]
    for row in rows:
        status = "pass" if row.reverified else f"FAIL ({row.message})"
        flag = "  <-- FLAGGED: points not reproducible" if row.flagged else ""
        lines.append(f"{row.student:<16} {row.grade_id:<22} {row.awarded:>6.1f}  {status}{flag}")
    return "\n".join(lines)


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "regrade", help="re-verify autograded submissions outside the kernel and flag bad grades"
    )
    parser.add_argument("course_root", nargs="?", default=".", help="nbgrader course root")
    parser.add_argument("--assignment", default="xray_image")
    parser.set_defaults(func=run)


def run(args) -> int:
    rows = regrade(args.course_root, args.assignment)
    print(format_rows(rows))
    flagged = [row for row in rows if row.flagged]
    print(f"{len(rows)} graded cells checked, {len(flagged)} flagged")
    return 1 if flagged else 0
