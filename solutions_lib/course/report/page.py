"""The class report as one self-contained HTML page (inline CSS, figures as base64 PNG, no scripts).

Here the numbers are formatted and the figures encoded; ``templates/report.html.j2``
lays them out. The template is rendered with autoescaping, so every value passed
to it (student ids, data-set names, failure messages, flags) reaches the page as
text and cannot add markup. A value of None shows as a dash.
"""
from __future__ import annotations

import base64
import time
from pathlib import Path

import jinja2

from .collect import ClassData
from .figures import cells_figure, comparison_figure, scores_figure

TEMPLATES = Path(__file__).parent / "templates"
_ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                  keep_trailing_newline=True)


def _num(value, digits: int = 3) -> str | None:
    return None if value is None else f"{value:.{digits}g}"


def _interval(summary) -> str | None:
    if not summary:
        return None
    median, low, high = summary
    return f"{median:.4g} [{low:.4g}, {high:.4g}]"


def _median_of(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(sorted(values)[len(values) // 2]) if values else None


def _base64(png: bytes | None) -> str | None:
    return None if png is None else base64.b64encode(png).decode()


def _dataset_rows(data: ClassData) -> list[dict]:
    """One row per data set: the reference fit and the truth beside the class's medians and verdicts."""
    rows = []
    for row in data.datasets:
        ref, truth = row.reference or {}, row.truth or {}
        share = row.class_prefers_double
        rows.append({
            "name": row.name, "core": truth.get("core") or None, "students": len(row.students),
            "reference_beta": _interval(ref.get("beta")), "true_beta": _num(truth.get("beta")),
            "class_beta": _num(_median_of([s.posterior.median["beta"] for s in row.students if s.posterior]), 4),
            "reference_rc": _interval(ref.get("rc")), "true_rc": _num(truth.get("rc")),
            "class_rc": _num(_median_of([s.posterior.median["rc"] for s in row.students if s.posterior]), 4),
            "reference_delta_dic": _num(ref.get("delta_dic"), 4),
            "class_delta_dic": _num(_median_of(row.student_deltas()), 4),
            "reference_prefers": row.reference_prefers,
            "students_prefer": None if share is None else f"{100 * share:.0f}% double",
        })
    return rows


def _cell_rows(data: ClassData) -> list[dict]:
    """One row per graded cell: points, pass rate, mean score and the commonest (reason, count, example)."""
    return [{"grade_id": cell.grade_id, "points": _num(cell.max_score), "kind": cell.kind,
             "passed": None if cell.pass_rate is None else f"{100 * cell.pass_rate:.0f}% of {cell.judged}",
             "mean_score": _num(cell.mean_score),
             "failures": cell.common_failures()}
            for cell in data.cells]


def _student_rows(data: ClassData) -> list[dict]:
    """One row per student: data set, total, run time, flags (one string) and the score of each cell."""
    return [{"student": s.student, "assigned": s.assigned, "total": _num(s.total), "max_total": _num(s.max_total),
             "run_s": _num(s.run_s, 4), "flags": "; ".join(s.flags),
             "scores": [_num(s.scores.get(c.grade_id)) for c in data.cells]}
            for s in data.students]


def _cards(data: ClassData) -> list[tuple[str, object]]:
    """The (label, value) cards heading the students' section."""
    return [("students graded", len(data.students)),
            ("median total", _num(_median_of([s.total for s in data.students]))),
            ("flagged", sum(bool(s.flags) for s in data.students)),
            ("data sets", len(data.datasets))]


def render(data: ClassData, files: list[str]) -> str:
    """The report page for ``data``, linking to the CSV ``files`` written beside it.

    Parameters
    ----------
    data : `collect.ClassData`
        What the report shows.
    files : list of str
        Names of the CSV files in the page's folder.

    Returns
    -------
    str
        The HTML page.
    """
    reference = [(row.name, row.reference_prefers_double) for row in data.datasets]
    return _ENVIRONMENT.get_template("report.html.j2").render(
        assignment=data.assignment,
        written=time.strftime("%Y-%m-%d %H:%M"),
        files=files,
        figures={"comparison": _base64(comparison_figure(data)), "cells": _base64(cells_figure(data)),
                 "scores": _base64(scores_figure(data))},
        prefer_double=", ".join(name for name, double in reference if double) or "none",
        prefer_single=", ".join(name for name, double in reference if double is False) or "none",
        datasets=_dataset_rows(data),
        cells=_cell_rows(data),
        cell_ids=[c.grade_id for c in data.cells],
        cards=_cards(data),
        students=_student_rows(data),
    )
