"""Verdicts say why they failed in a machine-readable reason; the class report reads the reason, never the wording.

A few students' answer folders, judged as `JudgeAnswers` judges them, are
read by the class report's per-student code twice: once as judged, once
with every message reworded at its source (every `Verdict` and every
`answers.AnswerError` says something else). The report's flags, missing
answers and failure counts must not change.
"""
from __future__ import annotations

import io
import os
import shutil
import zipfile

import numpy as np
import pytest

from solutions_lib.course import release
from solutions_lib.course.config import load_course
from solutions_lib.course.report.collect import CellSummary, student_row
from solutions_lib.data import catalogue
from solutions_lib.data.masks import exposure_mask
from solutions_lib.data.observation import load_observation
from solutions_lib.grading import answers, judgement, records
from solutions_lib.grading.kernel_side import xray_handin
from solutions_lib.grading.verdict import Reason, Verdict

NAME = catalogue.DEFAULT_DATASET


def _bomb(path):
    """An answer file whose header claims 10^10 numbers (over the grader's caps)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**10,)})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("chains.npy", header.getvalue())


def hand_in_answers(folder, student: str) -> None:
    """Each student's answer files: none, broken ones, wrong ones, and right ones that stop early."""
    folder.mkdir(parents=True)
    ex = load_observation(catalogue.course_data_dir(NAME)).ex
    os.environ[xray_handin.ANSWERS_ENV] = str(folder)
    try:
        if student == "broken":
            (folder / "exposure_mask.npz").write_bytes(b"not a zip")
            _bomb(folder / "chains-single.npz")
            xray_handin.hand_in("region_mask", region_mask=np.zeros((3, 3), dtype=bool))
        elif student == "wrong":
            xray_handin.hand_in("exposure_mask", exp_mask=~exposure_mask(ex))
            xray_handin.hand_in("chains-single", chains=np.random.default_rng(0).normal(size=(4, 2000, 6)) + 1.0,
                                goodpix=np.arange(10))
        elif student == "partial":
            xray_handin.hand_in("exposure_mask", exp_mask=exposure_mask(ex))
            xray_handin.hand_in("beta_model", **xray_handin.probe_beta_model(lambda r, S0, rc, beta: r))
    finally:
        del os.environ[xray_handin.ANSWERS_ENV]


STUDENTS = ("missing", "broken", "wrong", "partial")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = release.copy_course(tmp_path_factory.mktemp("verdicts") / "course")
    return load_course(root, release.ASSIGNMENT)


def judge_class(course) -> None:
    """Judge every student's answers as `JudgeAnswers` does and write their ``verdicts.json``."""
    spec = course.spec(release.NOTEBOOK).handins
    for student in STUDENTS:
        folder = course.answers_folder(student)
        if not folder.exists():
            hand_in_answers(folder, student)
        verdicts = judgement.Judgement(folder, NAME).verdicts(spec)
        records.write_verdicts(folder, {g: v.as_dict() for g, v in verdicts.items()},
                               {"assigned": NAME, "notebook": None, "fallback": False})


def report_rows(course) -> tuple[dict, dict]:
    """(student -> the report's row, grade_id -> the report's cell summary), as `collect.collect` builds them."""
    cells = {g: CellSummary(g, 1.0, "auto") for g in course.spec(release.NOTEBOOK).handins}
    rows = {s: student_row(course, s, {}, 0.0, 37.0, cells, {}) for s in STUDENTS}
    return rows, cells


def reword(monkeypatch) -> None:
    """Every verdict's message and every answer error's text says something else, where it is made."""
    made = Verdict.__init__

    def reworded(self, passed, reason, message="", flag=""):
        made(self, passed, reason, f"[reworded] {message.swapcase()[::-1]}" if message else message, flag)

    monkeypatch.setattr(Verdict, "__init__", reworded)
    monkeypatch.setattr(answers.AnswerError, "__str__", lambda self: "something went wrong with this file")


def test_reasons_are_recorded_beside_the_messages(course):
    judge_class(course)
    cells = {s: records.read_verdicts(course.answers_folder(s))["cells"] for s in STUDENTS}
    assert {v["reason"] for v in cells["missing"].values()} == {Reason.MISSING_ANSWER}
    assert cells["broken"]["test_exp_mask"]["reason"] == Reason.MALFORMED
    assert cells["broken"]["test_chains_format"]["reason"] == Reason.CAP_HIT
    assert cells["broken"]["test_region_mask"]["reason"] == Reason.MALFORMED
    assert cells["wrong"]["test_exp_mask"]["reason"] == Reason.WRONG_VALUE
    assert cells["wrong"]["test_chains_format"]["reason"] == Reason.IMPLAUSIBLE_DRAWS
    assert cells["partial"]["test_exp_mask"] == {"passed": True, "reason": Reason.PASSED, "message": "", "flag": ""}
    assert cells["partial"]["test_betaModel"]["reason"] == Reason.WRONG_VALUE


def test_the_report_reads_reasons_not_wording(course, monkeypatch, tmp_path):
    judge_class(course)
    plain_rows, plain_cells = report_rows(course)
    plain_messages = {s: records.read_verdicts(course.answers_folder(s))["cells"] for s in STUDENTS}

    reworded_root = tmp_path / "reworded"
    shutil.copytree(course.root, reworded_root, ignore=shutil.ignore_patterns(course.answers_directory))
    other = load_course(reworded_root, release.ASSIGNMENT)
    reword(monkeypatch)
    judge_class(other)
    rows, cells = report_rows(other)

    messages = {s: records.read_verdicts(other.answers_folder(s))["cells"] for s in STUDENTS}
    for student in STUDENTS:
        for grade_id, verdict in messages[student].items():
            if not verdict["passed"]:
                assert verdict["message"] != plain_messages[student][grade_id]["message"], (student, grade_id)
                assert verdict["reason"] == plain_messages[student][grade_id]["reason"], (student, grade_id)
    for student in STUDENTS:
        assert rows[student].flags == plain_rows[student].flags, student
        assert rows[student].missing == plain_rows[student].missing, student
    assert plain_rows["missing"].missing and "missing answers" in plain_rows["missing"].flags[0]
    assert "test_dic" in plain_rows["partial"].missing and "test_exp_mask" not in plain_rows["partial"].missing
    assert "test_chains_format" not in plain_rows["broken"].missing  # an answer over the caps is not missing
    for grade_id, cell in cells.items():
        assert (cell.passed, cell.judged, cell.failures) == (plain_cells[grade_id].passed,
                                                             plain_cells[grade_id].judged,
                                                             plain_cells[grade_id].failures), grade_id
