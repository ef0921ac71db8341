"""Every tool follows the course's nbgrader configuration: source folder, answers folder, default data set,
table of assigned data sets and hidden-test delimiters, each changed here from its default.

A course with all five changed is released, two cheap students (the first
four answers) are graded by ``nbgrader autograde``, and the grader, the
class report, ``regrade`` and ``release.scores`` must all find what they
need where the configuration says: each student gets the 10 points of
their answers only if their data set was chosen from the renamed table or
the changed default and the hand-ins were read between the new delimiters.
"""
from __future__ import annotations

import shutil

import nbformat
import pytest

from solutions_lib.course import regrade, release
from solutions_lib.course.report.collect import collect
from solutions_lib.grading import records

from class_submissions import HONEST_POINTS, first_answers

pytestmark = pytest.mark.slow  # the module builds and grades a whole course

SETTINGS = """
c.CourseDirectory.source_directory = "instructor"
c.SandboxedExecute.answers_directory = "kept/answers"
c.JudgeAnswers.default_dataset = "cl_j0815"
c.JudgeAnswers.assignments_file = "tables/datasets.csv"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN GRADER ONLY"
c.ClearHiddenTests.end_test_delimeter = "END GRADER ONLY"
"""
ASSIGNED = {"listed": "cl_j1029", "unlisted": "cl_j0815"}  # unlisted: judged on the configured default


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    work = tmp_path_factory.mktemp("configured")
    root = release.copy_course(work / "course")
    shutil.move(root / "source", root / "instructor")
    source = root / "instructor" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
    text = source.read_text()
    assert text.count("BEGIN HIDDEN TESTS") >= 9
    source.write_text(text.replace("BEGIN HIDDEN TESTS", "BEGIN GRADER ONLY").replace("END HIDDEN TESTS",
                                                                                          "END GRADER ONLY"))
    with open(root / "nbgrader_config.py", "a") as handle:
        handle.write(SETTINGS)
    (root / "tables").mkdir()
    (root / "tables" / "datasets.csv").write_text("student_id,dataset\nlisted,cl_j1029\n")
    released = nbformat.read(release.generate_release(root) / f"{release.NOTEBOOK}.ipynb", as_version=4)
    for student, name in ASSIGNED.items():
        path = work / f"{student}.ipynb"
        nbformat.write(first_answers(released, name), path)
        release.submit(root, student, path)
    release.autograde(root)
    return root


def test_the_release_has_no_hidden_tests(course):
    text = (course / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb").read_text()
    assert "GRADER ONLY" not in text and "hand_in(" not in text


def test_the_grader_follows_every_setting(course):
    for student, name in ASSIGNED.items():
        folder = course / "kept" / "answers" / student / release.ASSIGNMENT
        verdicts = records.read_verdicts(folder)
        assert verdicts["dataset"]["assigned"] == name and verdicts["dataset"]["fallback"] == (student == "unlisted")
        assert verdicts["cells"]["test_dic"]["reason"] == "missing-answer"  # judged by its hand-in, not "no-check"
        points = {row["grade_id"]: row["score"] for row in release.scores(course, student) if not row["manual"]}
        assert sum(points.values()) == HONEST_POINTS, (student, points)
    assert not (course / "answers").exists()


def test_regrade_follows_every_setting(course):
    rows = regrade.regrade(course)
    assert {row.student for row in rows} == set(ASSIGNED)
    assert not [row for row in rows if row.flagged or row.changed]
    assert sum(row.reverified for row in rows) == 8  # four cells passed by each student


def test_the_report_follows_every_setting(course):
    rows = {row.student: row for row in collect(course).students}
    assert {s: row.assigned for s, row in rows.items()} == ASSIGNED
    assert "no assigned data set" in rows["unlisted"].flags and "no assigned data set" not in rows["listed"].flags
    assert "test_dic" in rows["listed"].missing and rows["listed"].run_s is not None
