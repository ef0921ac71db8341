"""The class report: ``python -m solutions_lib report [--out DIR]`` (default ``reports/``).

Writes, from the gradebook and the graded answers of the course in the
current folder:

* ``class_report.html``: one self-contained page (figures embedded as PNG,
  no network, no scripts): the class comparison of posteriors and DICs per
  data set beside the reference and the truth, pass rates and common
  failures per cell, and a row per student with their flags;
* ``students.csv``, ``cells.csv``, ``comparison.csv``, ``datasets.csv``:
  the same tables for a spreadsheet;
* ``grades.csv`` (nbgrader's own export) and ``lms_grades.csv``
  (`lms.LmsGradesExport`), both written by ``nbgrader export``.

Text cells of every CSV file are neutralised so that a spreadsheet never runs
a student's text as a formula (`untrusted_text.spreadsheet_cell`).
"""
from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

from ...grading.untrusted_text import spreadsheet_cell
from .collect import ClassData, collect

REPORT_PAGE = "class_report.html"
CSV_FILES = ("students.csv", "cells.csv", "comparison.csv", "datasets.csv", "grades.csv", "lms_grades.csv")


def _write_csv(path: Path, header: list, rows: list) -> None:
    """A CSV table whose text cells cannot run as spreadsheet formulas (student ids and data set names are theirs)."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if value is None else spreadsheet_cell(value) for value in row] for row in rows])


def neutralise_csv(path: Path) -> None:
    """Rewrite a CSV file written by another tool (nbgrader's export) with every text cell as `_write_csv` writes it.

    Parameters
    ----------
    path : Path
        The file, rewritten in place.
    """
    with open(path, newline="") as handle:
        header, *rows = list(csv.reader(handle)) or [[]]
    _write_csv(path, header, rows)


def write_tables(data: ClassData, out: Path) -> None:
    """Write ``students.csv``, ``cells.csv``, ``comparison.csv`` and ``datasets.csv``.

    Text cells are neutralised (see the module's description).

    Parameters
    ----------
    data : `collect.ClassData`
        What the report shows.
    out : Path
        The existing folder to write into.
    """
    cells = [c.grade_id for c in data.cells]
    _write_csv(out / "students.csv",
               ["student_id", "dataset", "notebook_dataset", "total", "max_total", *cells, "notebook_run_s",
                "caps_hit", "stopped", "missing_answers", "dataset_mismatch", "no_assignment", "flags"],
               [[s.student, s.assigned, s.notebook_dataset, s.total, s.max_total, *(s.scores.get(c) for c in cells),
                 s.run_s, ";".join(s.caps), s.stop, ";".join(s.missing), int(s.mismatch), int(s.fallback),
                 "; ".join(s.flags)] for s in data.students])
    top = max((len(c.common_failures()) for c in data.cells), default=0)
    _write_csv(out / "cells.csv",
               ["grade_id", "points", "graded", "judged", "passed", "pass_rate", "mean_score",
                *[f"{kind}_{i + 1}" for i in range(top) for kind in ("failure", "count", "example")]],
               [[c.grade_id, c.max_score, c.kind, c.judged, c.passed, c.pass_rate, c.mean_score,
                 *[v for failure in c.common_failures() for v in failure]] for c in data.cells])
    rows = []
    for row in data.datasets:
        ref, truth = row.reference or {}, row.truth or {}
        for s in row.students:
            post = s.posterior
            rows.append([s.student, row.name,
                         *(getattr(post, part)[p] if post else None for p in ("beta", "rc")
                           for part in ("median", "low", "high")),
                         s.chains_passed, s.dic1, s.dic2, s.delta_dic, s.dic_passed,
                         *(ref.get(p, (None,) * 3)[i] for p in ("beta", "rc") for i in range(3)),
                         ref.get("delta_dic"), truth.get("beta"), truth.get("rc")])
    _write_csv(out / "comparison.csv",
               ["student_id", "dataset", "beta_median", "beta_p16", "beta_p84", "rc_median", "rc_p16", "rc_p84",
                "chains_passed", "DIC1", "DIC2", "DIC1_minus_DIC2", "dic_passed",
                "ref_beta_median", "ref_beta_q005", "ref_beta_q995", "ref_rc_median", "ref_rc_q005", "ref_rc_q995",
                "ref_DIC1_minus_DIC2", "true_beta", "true_rc"], rows)
    _write_csv(out / "datasets.csv",
               ["dataset", "cool_core", "true_components", "students_with_answers", "ref_DIC1_minus_DIC2",
                "reference_prefers", "share_of_students_preferring_double"],
               [[row.name, (row.truth or {}).get("core"), (row.truth or {}).get("n_components"), len(row.students),
                 (row.reference or {}).get("delta_dic"),
                 row.reference_prefers,
                 row.class_prefers_double] for row in data.datasets])


def nbgrader_export(course_root: Path, destination: Path, exporter: str | None = None) -> None:
    """``nbgrader export --to DESTINATION [--exporter EXPORTER]`` for the course, in this process.

    Parameters
    ----------
    course_root : Path
        The nbgrader course root; the working directory while nbgrader runs
        (it reads ``nbgrader_config.py`` from there).
    destination : Path
        The CSV file to write.
    exporter : str, optional
        Dotted name of an nbgrader export plugin; nbgrader's default if None.
    """
    from nbgrader.apps.exportapp import ExportApp

    app = ExportApp()
    app.log = logging.getLogger("xray.report.export")
    argv = [f"--CourseDirectory.root={course_root}", f"--to={destination}"]
    if exporter:
        argv.append(f"--exporter={exporter}")
    previous = os.getcwd()
    os.chdir(course_root)  # nbgrader reads nbgrader_config.py from the working directory
    try:
        app.initialize(argv)
        app.start()
    finally:
        os.chdir(previous)


def write_report(course_root=".", out="reports", assignment: str = "xray_image",
                 notebook: str = "xray_image") -> Path:
    """Write the page and the tables into ``out``; return the page's path.

    Parameters
    ----------
    course_root : str or Path, optional
        The nbgrader course root.
    out : str or Path, optional
        The output folder, relative to the course root unless absolute;
        created if missing.
    assignment : str, optional
        The nbgrader assignment.
    notebook : str, optional
        The notebook within it.

    Returns
    -------
    Path
        ``class_report.html`` in ``out``.
    """
    from .page import render

    root = Path(course_root).resolve()
    target = Path(out) if Path(out).is_absolute() else root / out
    target.mkdir(parents=True, exist_ok=True)
    data = collect(root, assignment, notebook)
    write_tables(data, target)
    nbgrader_export(root, target / "grades.csv")
    nbgrader_export(root, target / "lms_grades.csv", exporter="solutions_lib.course.report.lms.LmsGradesExport")
    for exported in ("grades.csv", "lms_grades.csv"):
        neutralise_csv(target / exported)
    page = target / REPORT_PAGE
    page.write_text(render(data, list(CSV_FILES)))
    return page


def add_parser(subparsers):
    """Add the ``report`` subcommand to the command line.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The main parser's subcommands.
    """
    parser = subparsers.add_parser(
        "report", help="write the class report (HTML page and CSV tables) from the gradebook and the graded answers")
    parser.add_argument("assignment", nargs="?", default="xray_image")
    parser.add_argument("--out", default="reports", help="output folder, relative to the course root (default: reports)")
    parser.add_argument("--course-root", default=".", help="the nbgrader course root (default: here)")
    parser.set_defaults(func=run)


def run(args) -> int:
    """Run the ``report`` subcommand.

    Parameters
    ----------
    args : argparse.Namespace
        With ``course_root``, ``out`` and ``assignment`` (also the notebook's name).

    Returns
    -------
    int
        The exit status, 0.
    """
    page = write_report(args.course_root, args.out, args.assignment, args.assignment)
    print(f"class report: {page}")
    print(f"tables: {', '.join(str(page.parent / name) for name in CSV_FILES)}")
    return 0
