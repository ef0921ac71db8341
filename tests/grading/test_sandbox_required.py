"""Without a usable sandbox autograde refuses, unless the instructor explicitly opts out."""
import nbformat
import pytest

from solutions_lib.course import release

from test_grading_attacks import VICTIM_POINTS, victim_notebook

pytestmark = pytest.mark.slow  # each test autogrades a submission in a course of its own


@pytest.fixture(scope="module")
def victim_course(tmp_path_factory):
    work = tmp_path_factory.mktemp("optout")
    root = release.copy_course(work / "course")
    release.generate_release(root)
    nbformat.write(victim_notebook(), work / "victim.ipynb")
    release.submit(root, "victim", work / "victim.ipynb")
    return root


def test_autograde_refuses_without_the_student_environment(victim_course):
    with pytest.raises(RuntimeError, match="make setup"):
        release.autograde(victim_course, "victim", "--SandboxedExecute.student_python=/nonexistent/bin/python")


def test_opting_out_grades_unconfined_with_the_same_verdicts(victim_course):
    release.autograde(victim_course, "victim", "--SandboxedExecute.sandbox=False")
    points = [row["score"] for row in release.scores(victim_course, "victim") if not row["manual"]]
    assert sum(points) == VICTIM_POINTS
