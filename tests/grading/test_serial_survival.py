"""A plain serial `nbgrader autograde` of the class goes on past a submission nbgrader cannot validate.

`RepairSubmission` strips a pasted cell's foreign nbgrader metadata before
nbgrader checks it; `CheckSubmissionMetadata` is the second line, failing
that one notebook (not the class run) if such a cell ever reaches it.
"""
import nbformat
import pytest
from nbgrader.nbgraderformat import SchemaTooOldError, ValidationError
from nbgrader.preprocessors import CheckCellMetadata

from solutions_lib.course import release
from solutions_lib.data import catalogue
from solutions_lib.grading import records
from solutions_lib.grading.preprocessors import CheckSubmissionMetadata

from class_submissions import first_answers

pytestmark = pytest.mark.slow  # a serial nbgrader autograde of a class

RELEASE_NB = release.REPO_ROOT / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"


def with_old_schema_cell(notebook):
    """A cell pasted from a notebook of an older nbgrader (metadata schema 1)."""
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.metadata["nbgrader"] = {"schema_version": 1, "grade": False, "solution": True, "locked": False,
                                 "grade_id": "pasted_cell"}
    notebook.cells.insert(3, cell)
    return notebook


def test_an_old_schema_cell_fails_the_notebook_not_the_run():
    notebook = with_old_schema_cell(nbformat.read(RELEASE_NB, as_version=4))
    with pytest.raises(SchemaTooOldError):  # nbgrader's converter stops the whole class on this one
        CheckCellMetadata().preprocess(notebook, {})
    with pytest.raises(ValidationError, match="another format version"):  # handled per submission
        CheckSubmissionMetadata().preprocess(notebook, {})


def test_the_students_after_a_broken_submission_are_graded(tmp_path):
    root = release.copy_course(tmp_path / "course")
    release.generate_release(root)
    honest = first_answers(nbformat.read(RELEASE_NB, as_version=4), catalogue.DEFAULT_DATASET)
    nbformat.write(with_old_schema_cell(nbformat.read(RELEASE_NB, as_version=4)), tmp_path / "broken.ipynb")
    nbformat.write(honest, tmp_path / "honest.ipynb")
    release.submit(root, "aaa_broken", tmp_path / "broken.ipynb")  # graded first
    release.submit(root, "zzz_honest", tmp_path / "honest.ipynb")
    release.autograde(root, None)  # the pasted cell is repaired away (RepairSubmission), nothing stops
    repairs = records.read_verdicts(root / "answers" / "aaa_broken" / release.ASSIGNMENT)["repairs"]
    assert any("not part of this assignment" in note for note in repairs)
    points = sum(row["score"] for row in release.scores(root, "zzz_honest") if not row["manual"])
    assert points == 10.0  # region mask 3 + exposure mask 2 + rebuilt image 2 + betaModel 3
