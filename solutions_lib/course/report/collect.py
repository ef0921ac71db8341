"""Everything the class report shows, read from the gradebook and the graded answers.

Nothing here runs student code or trusts the notebooks: scores come from
the nbgrader gradebook, verdicts, assigned data sets and run records from
what the trusted grader wrote in ``answers/<student>/<assignment>/``
(`verdicts.json`, `run.json`), and posterior summaries from the answer
files, read with the grader's safe loader. Flags and failure counts are
read from each verdict's reason, never from its wording; where things are
comes from the course's nbgrader configuration (`config.load_course`).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...data import catalogue
from ...engine.dic import validate_chains
from ...engine.models import DOUBLE, SINGLE
from ...grading import answers, records
from ...grading.cells import graded_cell_ids
from ...grading.handins import read_notebook
from ...grading.kernel_side import answer_keys
from ...grading.submission_guard import refused_note_path
from ...grading.untrusted_text import printable
from ...grading.verdict import Reason
from ..config import Course, load_course

SUMMARY_PARAMS = ("beta", "rc")
INTERVAL = (16.0, 84.0)  # students' intervals: the central 68%
MAX_SHOWN = 1e12  # larger student numbers are left out of the tables and figures
TOP_MESSAGES = 3


@dataclass
class CellSummary:
    """How the class did on one graded cell.

    Attributes
    ----------
    grade_id : str
        The cell's nbgrader id.
    max_score : float
        Its points.
    kind : str
        "auto" (judged by the grader) or "manual" (graded by hand).
    scores : list of float
        Every student's score.
    passed, judged : int
        Students whose verdict passed, and students with a verdict.
    failures : collections.Counter
        Reason -> count.
    examples : dict
        Reason -> Counter of its messages, numbers blanked.
    """
    grade_id: str
    max_score: float
    kind: str  # "auto" (judged by the grader) or "manual" (graded by hand)
    scores: list = field(default_factory=list)
    passed: int = 0
    judged: int = 0
    failures: Counter = field(default_factory=Counter)  # reason -> count
    examples: dict = field(default_factory=dict)  # reason -> Counter of its messages, numbers blanked

    @property
    def pass_rate(self) -> float | None:
        return self.passed / self.judged if self.judged else None

    @property
    def mean_score(self) -> float | None:
        return float(np.mean(self.scores)) if self.scores else None

    def add_failure(self, reason: str, message: str) -> None:
        """Count one failed verdict of this cell.

        Parameters
        ----------
        reason : str
            The verdict's reason.
        message : str
            Its message; counted with its numbers blanked (`normalise_message`).
        """
        self.failures[reason] += 1
        self.examples.setdefault(reason, Counter())[normalise_message(message)] += 1

    def common_failures(self, count: int = TOP_MESSAGES) -> list[tuple[str, int, str]]:
        """The most common reasons of failure.

        Parameters
        ----------
        count : int, optional
            How many reasons to return.

        Returns
        -------
        list of (str, int, str)
            (reason, count, its most common message with numbers blanked),
            commonest first.
        """
        return [(reason, times, self.examples[reason].most_common(1)[0][0])
                for reason, times in self.failures.most_common(count)]


@dataclass
class Posterior:
    """Pooled posterior summary of one student's single-beta chains.

    Attributes
    ----------
    median, low, high : dict
        Parameter name -> median and the ends of the central 68% interval,
        for ``beta`` and ``rc``.
    samples : int
        Samples pooled.
    """

    median: dict
    low: dict
    high: dict
    samples: int


@dataclass
class StudentRow:
    """One student's line of the report.

    Attributes
    ----------
    student : str
        The student's id.
    assigned : str
        The data set assigned (the default one without an assignment).
    notebook_dataset : str or None
        The data set the notebook used, if recorded.
    fallback : bool
        True when the student had no assigned data set.
    scores : dict
        grade_id -> score.
    total, max_total : float
        The submission's score and the points possible.
    run_s : float or None
        Wall time of the graded run.
    caps : list of str
        Grader caps the run hit.
    stop : str
        Why the run stopped early ('' if it did not).
    missing : list of str
        grade_ids whose answers were never handed in.
    posterior : Posterior or None
        Summary of the single-beta chains, if usable.
    chains_passed, dic_passed : bool or None
        Whether the chain and DIC cells passed (None: not judged).
    dic1, dic2 : float or None
        The student's DICs, if usable.
    hand_checks : dict
        Flag -> grade_ids that passed but a person should look at.
    repairs : list of str
        What was repaired in the notebook before grading.
    files_refused : bool
        Files were refused at collection or moved aside before grading.
    """
    student: str
    assigned: str
    notebook_dataset: str | None
    fallback: bool
    scores: dict  # grade_id -> score
    total: float
    max_total: float
    run_s: float | None
    caps: list
    stop: str
    missing: list  # grade_ids whose answers were never handed in
    posterior: Posterior | None = None
    chains_passed: bool | None = None
    dic1: float | None = None
    dic2: float | None = None
    dic_passed: bool | None = None
    hand_checks: dict = field(default_factory=dict)  # reason -> grade_ids that passed but a person should look at
    repairs: list = field(default_factory=list)  # what was repaired in the notebook before grading
    files_refused: bool = False  # files were refused at collection or moved aside before grading

    @property
    def mismatch(self) -> bool:
        return self.notebook_dataset is not None and self.notebook_dataset != self.assigned

    @property
    def delta_dic(self) -> float | None:
        return None if self.dic1 is None or self.dic2 is None else self.dic1 - self.dic2

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.missing:
            flags.append(f"missing answers ({len(self.missing)})")
        if self.caps:
            flags.append("caps hit: " + ", ".join(self.caps))
        if self.mismatch:
            flags.append(f"data set mismatch (notebook: {self.notebook_dataset})")
        if self.fallback:
            flags.append("no assigned data set")
        if self.stop:
            flags.append(f"stopped early ({self.stop})")
        for reason, grade_ids in self.hand_checks.items():
            flags.append(f"check by hand ({', '.join(grade_ids)}): {reason}")
        if self.repairs:
            flags.append(f"notebook repaired before grading: {'; '.join(self.repairs)}")
        if self.files_refused:
            flags.append("files refused (see the .refused.txt note beside the submission)")
        return flags


@dataclass
class DatasetRow:
    """One data set: the students on it beside the reference and the truth.

    Attributes
    ----------
    name : str
        The data set.
    students : list of StudentRow
        Students with a posterior or a DIC on this data set.
    reference : dict or None
        ``{"beta": (median, q005, q995), "rc": ..., "delta_dic": float}``
        (`reference_summary`).
    truth : dict or None
        ``{"beta": float, "rc": float, "n_components": int, "core": str}``
        (`truth_summary`).
    """
    name: str
    students: list  # StudentRow with a posterior or a DIC on this data set
    reference: dict | None  # {"beta": (median, q005, q995), "rc": ..., "delta_dic": float}
    truth: dict | None  # {"beta": float, "rc": float, "n_components": int, "core": str}

    @property
    def reference_prefers_double(self) -> bool | None:
        if not self.reference or self.reference.get("delta_dic") is None:
            return None
        return self.reference["delta_dic"] > 0

    @property
    def reference_prefers(self) -> str | None:
        """The name of the model the reference DICs prefer (None if unknown)."""
        prefers = self.reference_prefers_double
        return None if prefers is None else (DOUBLE if prefers else SINGLE).name

    def student_deltas(self) -> list[float]:
        return [s.delta_dic for s in self.students if s.delta_dic is not None]

    @property
    def class_prefers_double(self) -> float | None:
        """Share of the students on this data set whose DIC1 - DIC2 is positive."""
        deltas = self.student_deltas()
        return float(np.mean([d > 0 for d in deltas])) if deltas else None


@dataclass
class ClassData:
    """Everything the class report shows.

    Attributes
    ----------
    assignment : str
        The nbgrader assignment.
    cells : list of CellSummary
        In notebook order.
    students : list of StudentRow
        By student id.
    datasets : list of DatasetRow
        In catalogue order; data sets nobody was assigned are left out.
    """
    assignment: str
    cells: list  # CellSummary, in notebook order
    students: list  # StudentRow
    datasets: list  # DatasetRow, in catalogue order


def normalise_message(message: str) -> str:
    """A failure message with its numbers blanked, so that the same mistake counts once.

    Parameters
    ----------
    message : str
        The verdict's message.

    Returns
    -------
    str
        Stripped, numbers replaced by ``#``, at most 300 characters.
    """
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", message.strip())[:300]


def _grade_cells(course: Course, notebook: str) -> tuple[list[str], dict]:
    """(graded cells in notebook order, answer key -> the cells that hand it in), from the source notebook."""
    order = graded_cell_ids(read_notebook(course.source_notebook(notebook)))
    by_key: dict[str, list] = {}
    for grade_id, calls in course.spec(notebook).handins.items():
        for call in calls:
            by_key.setdefault(call.key, []).append(grade_id)
    return order, by_key


def _posterior(folder: Path) -> Posterior | None:
    try:
        key = answer_keys.key_for("chains", SINGLE.name)
        chains = answers.load_answers(folder / answer_keys.file_name(key))["chains"]
    except (answers.AnswerError, KeyError):
        return None
    try:
        chains = validate_chains(chains, model=SINGLE)
    except ValueError:
        return None
    pooled = chains.reshape(-1, SINGLE.n_params)
    index = {name: SINGLE.paramnames.index(name) for name in SUMMARY_PARAMS}
    low, median, high = (
        {name: float(np.percentile(pooled[:, i], q)) for name, i in index.items()}
        for q in (INTERVAL[0], 50.0, INTERVAL[1]))
    if not all(_showable(v) for summary in (low, median, high) for v in summary.values()):
        return None
    return Posterior(median, low, high, pooled.shape[0])


def _showable(value: float) -> bool:
    """Can a student's number be drawn and tabulated? Absurd magnitudes (1e308) would break the figures."""
    return bool(np.isfinite(value)) and abs(value) <= MAX_SHOWN


def _dics(folder: Path) -> tuple[float | None, float | None]:
    try:
        arrays = answers.load_answers(folder / answer_keys.file_name(answer_keys.key_for("dic")))
        values = [np.asarray(arrays[model.dic_variable], dtype=float).ravel() for model in (SINGLE, DOUBLE)]
    except (answers.AnswerError, KeyError, TypeError, ValueError):
        return None, None
    if any(v.size != 1 or not _showable(v[0]) for v in values):
        return None, None
    return float(values[0][0]), float(values[1][0])


def reference_summary(name: str) -> dict | None:
    """The reference's single-beta summary and DIC1 - DIC2 on data set ``name``.

    Parameters
    ----------
    name : str
        A data set.

    Returns
    -------
    dict or None
        ``beta`` and ``rc`` as (median, q005, q995) and ``delta_dic``; None
        when no reference is stored for it or the file cannot be read.

    Raises
    ------
    grading.reference.ReferenceCheckError
        If a stored reference fit failed its self-checks.
    """
    from ...grading.reference import reference_for

    try:
        single, double = reference_for(name, SINGLE.name), reference_for(name, DOUBLE.name)
    except (KeyError, OSError):
        return None
    summary = {p: (single["median"][p], single["q005"][p], single["q995"][p]) for p in SUMMARY_PARAMS}
    summary["delta_dic"] = single["dic"] - double["dic"]
    return summary


def truth_summary(name: str) -> dict | None:
    """The simulator's truth of data set ``name``, as the report shows it.

    Parameters
    ----------
    name : str
        A data set.

    Returns
    -------
    dict or None
        ``beta``, ``rc``, ``n_components`` and ``core``; None when the truth
        cannot be read.
    """
    try:
        truth = catalogue.load_truth(name)
    except (OSError, ValueError):
        return None
    params = truth.get("params", {})
    return {"beta": params.get("beta"), "rc": params.get("rc"), "n_components": truth.get("n_components"),
            "core": truth.get("cool_core_strength", "")}


def collect(course_root, assignment: str = "xray_image", notebook: str = "xray_image") -> ClassData:
    """Read everything the report shows from the gradebook and the graded answers.

    Parameters
    ----------
    course_root : str or Path
        The nbgrader course root.
    assignment : str, optional
        The nbgrader assignment.
    notebook : str, optional
        The notebook within it.

    Returns
    -------
    ClassData
    """
    from nbgrader.api import Gradebook

    course = load_course(course_root, assignment)
    order, by_key = _grade_cells(course, notebook)
    cells: dict[str, CellSummary] = {}
    students = []
    with Gradebook(course.db_url) as gradebook:
        for cell in gradebook.find_notebook(notebook, assignment).grade_cells:
            kind = "auto" if cell.cell_type == "code" else "manual"
            cells[cell.name] = CellSummary(cell.name, float(cell.max_score), kind)
        for submission in sorted(gradebook.assignment_submissions(assignment), key=lambda s: s.student_id):
            scored = gradebook.find_submission_notebook(notebook, assignment, submission.student_id)
            scores = {grade.name: float(grade.score or 0.0) for grade in scored.grades}
            students.append(student_row(course, submission.student_id, scores, float(submission.score),
                                        float(submission.max_score), cells, by_key))
    ordered = [cells[g] for g in order if g in cells] + [c for g, c in cells.items() if g not in order]
    rows = []
    names = list(dict.fromkeys([*catalogue.dataset_names(), *sorted({s.assigned for s in students})]))
    for name in names:
        on_it = [s for s in students if s.assigned == name and (s.posterior or s.delta_dic is not None)]
        assigned = [s for s in students if s.assigned == name]
        if not assigned:
            continue
        rows.append(DatasetRow(name, on_it, reference_summary(name), truth_summary(name)))
    return ClassData(assignment, ordered, students, rows)


def _passed(verdicts: dict, grade_ids) -> bool | None:
    judged = [verdicts[g]["passed"] for g in grade_ids if g in verdicts]
    return all(judged) if judged else None


def student_row(course: Course, student: str, scores: dict, total: float, max_total: float,
                cells: dict, by_key: dict) -> StudentRow:
    """One student's row, from their scores and what the grader kept; adds their verdicts to ``cells``.

    Parameters
    ----------
    course : `config.Course`
        The course's configuration.
    student : str
        The student's id.
    scores : dict
        grade_id -> score from the gradebook.
    total, max_total : float
        The submission's score and the points possible.
    cells : dict
        grade_id -> CellSummary; updated in place.
    by_key : dict
        Answer key -> the grade_ids that hand it in.

    Returns
    -------
    StudentRow
    """
    folder = course.answers_folder(student)
    try:
        verdicts = records.read_verdicts(folder)
    except (OSError, ValueError):
        verdicts = {"dataset": {}, "cells": {}}
    try:
        record = records.RunRecord.read(folder)
        run_s, caps, stop = record.wall_s, list(record.caps_hit), record.stop.reason if record.stop else ""
    except (OSError, ValueError, TypeError):
        run_s, caps, stop = None, [], ""
    dataset = verdicts.get("dataset", {})
    missing, hand_checks = [], {}
    for grade_id, cell in cells.items():
        cell.scores.append(scores.get(grade_id, 0.0))
        verdict = verdicts.get("cells", {}).get(grade_id)
        if verdict is None:
            continue
        cell.judged += 1
        if verdict["passed"]:
            cell.passed += 1
            if verdict.get("flag"):
                hand_checks.setdefault(verdict["flag"], []).append(grade_id)
        else:
            cell.add_failure(verdict.get("reason", ""), verdict["message"])
            if verdict.get("reason") == Reason.MISSING_ANSWER:
                missing.append(grade_id)
    row = StudentRow(
        student=student, assigned=dataset.get("assigned") or course.judge.default_dataset,
        notebook_dataset=dataset.get("notebook"), fallback=bool(dataset.get("fallback")),
        scores=scores, total=total, max_total=max_total, run_s=run_s, caps=caps, stop=stop, missing=missing,
        hand_checks=hand_checks, repairs=[printable(note) for note in verdicts.get("repairs", [])[:20]],
        files_refused=refused_note_path(course.submitted(student)).is_file(),
    )
    row.posterior = _posterior(folder)
    row.dic1, row.dic2 = _dics(folder)
    judged = verdicts.get("cells", {})
    single_keys = [answer_keys.key_for(check, SINGLE.name) for check in ("chains", "posterior")]
    row.chains_passed = _passed(judged, [cell for key in single_keys for cell in by_key.get(key, [])])
    row.dic_passed = _passed(judged, by_key.get(answer_keys.key_for("dic"), []))
    return row
