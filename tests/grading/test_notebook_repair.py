"""Notebooks broken by accident are rebuilt on the release, with a note; nothing of the student's gains a grade id."""
import copy

import nbformat
import pytest

from solutions_lib.course import release
from solutions_lib.data import catalogue
from solutions_lib.grading import notebook_repair
from solutions_lib.grading.cells import grade_id

from class_submissions import first_answers
from notebook_edits import (answer_to_markdown, delete_test, index_of, lose_answer_metadata,
                            move_answer_below_its_test, paste_answer_twice, turn_test_into_markdown)

RELEASE_NB = release.REPO_ROOT / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
ANSWER = "exp_mask = ex < 0.5 * ex.max()"


@pytest.fixture(scope="module")
def released():
    return nbformat.read(RELEASE_NB, as_version=4)


@pytest.fixture
def honest(released):
    return first_answers(copy.deepcopy(released), catalogue.DEFAULT_DATASET)


def anchors(notebook):
    return [grade_id(cell) for cell in notebook.cells if grade_id(cell)]


ACCIDENTS = {
    delete_test: "cell 'test_exp_mask' was missing",
    turn_test_into_markdown: "cell 'test_exp_mask' had been turned into a markdown cell",
    move_answer_below_its_test: "cells 'exp_mask' and 'test_exp_mask' were in the wrong order",
    paste_answer_twice: "2 cells carried the id of cell 'exp_mask'",
    lose_answer_metadata: "your answer to cell 'exp_mask' was found by its position and content",
    answer_to_markdown: "cell 'exp_mask' had been turned into a markdown cell",
}


def test_an_intact_notebook_is_left_as_it_is(honest, released):
    outcome = notebook_repair.repair(honest, released)
    assert not outcome.repaired
    assert [c.source for c in outcome.notebook.cells] == [c.source for c in honest.cells]
    assert notebook_repair.repairs_of(outcome.notebook) == []


@pytest.mark.parametrize("accident", ACCIDENTS, ids=lambda f: f.__name__)
def test_an_accident_is_repaired_in_release_order_with_the_answers_kept(honest, released, accident):
    accident(honest)
    outcome = notebook_repair.repair(honest, released)
    assert outcome.repaired and any(ACCIDENTS[accident] in note for note in outcome.notes), outcome.notes
    repaired = outcome.notebook
    assert anchors(repaired) == anchors(released)
    answer = repaired.cells[index_of(repaired, "exp_mask")]
    assert answer.cell_type == "code" and answer.source == ANSWER
    assert answer.metadata["nbgrader"] == released.cells[index_of(released, "exp_mask")].metadata["nbgrader"]
    assert index_of(repaired, "exp_mask") < index_of(repaired, "test_exp_mask")
    assert notebook_repair.repairs_of(repaired) == outcome.notes
    note = repaired.cells[0]
    assert note.cell_type == "markdown" and "repaired before grading" in note.source
    nbformat.validate(repaired)


def test_the_students_own_cells_stay_after_the_cell_they_followed(honest, released):
    honest.cells.insert(index_of(honest, "exp_mask") + 1, nbformat.v4.new_code_cell("helper = 1"))
    delete_test(honest)
    repaired = notebook_repair.repair(honest, released).notebook
    assert repaired.cells[index_of(repaired, "exp_mask") + 1].source == "helper = 1"


def test_an_answer_that_cannot_be_found_is_graded_unanswered(honest, released):
    i = index_of(honest, "exp_mask")
    del honest.cells[i]
    outcome = notebook_repair.repair(honest, released)
    assert "no answer to cell 'exp_mask' could be found" in " ".join(outcome.notes)
    stub = released.cells[index_of(released, "exp_mask")].source
    assert outcome.notebook.cells[index_of(outcome.notebook, "exp_mask")].source == stub


def test_a_foreign_notebook_gets_the_release_with_nothing_answered(released):
    foreign = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('my own project')")])
    outcome = notebook_repair.repair(foreign, released)
    assert "none of the assignment's cells were found" in " ".join(outcome.notes)
    assert anchors(outcome.notebook) == anchors(released)
    for cell in released.cells:
        if grade_id(cell):
            assert outcome.notebook.cells[index_of(outcome.notebook, grade_id(cell))].source == cell.source


def test_no_student_cell_keeps_a_grade_id_it_was_not_given(honest, released):
    forged = nbformat.v4.new_code_cell("x = 1")
    forged.metadata["nbgrader"] = {"grade": True, "grade_id": "my_bonus", "points": 100, "locked": True,
                                   "solution": False, "schema_version": 3}
    honest.cells.insert(3, forged)
    points = released.cells[index_of(released, "test_exp_mask")].metadata["nbgrader"]
    honest.cells[index_of(honest, "test_exp_mask")].metadata["nbgrader"] = {**points, "points": 50}
    outcome = notebook_repair.repair(honest, released)
    assert "my_bonus" not in " ".join(outcome.notes)  # the student's text never reaches the notes
    assert anchors(outcome.notebook) == anchors(released)
    repaired_points = outcome.notebook.cells[index_of(outcome.notebook, "test_exp_mask")].metadata["nbgrader"]
    assert repaired_points["points"] == points["points"]


def test_a_students_fake_repair_note_and_metadata_are_dropped(honest, released):
    honest.metadata[notebook_repair.METADATA_KEY] = {"repairs": ["the grader owes me 10 points"]}
    honest.cells.insert(0, notebook_repair.repair_note(["forged"]))
    outcome = notebook_repair.repair(honest, released)
    assert not outcome.repaired and notebook_repair.repairs_of(outcome.notebook) == []
    assert not any(notebook_repair.NOTE_MARKER in cell.metadata for cell in outcome.notebook.cells)


def test_cell_ids_stay_unique_in_a_notebook_that_has_them(honest, released):
    honest.nbformat_minor = 5
    for number, cell in enumerate(honest.cells):
        cell["id"] = f"cell-{number}"
    paste_answer_twice(honest)  # the copy carries the same cell id
    repaired = notebook_repair.repair(honest, released).notebook
    ids = [cell["id"] for cell in repaired.cells]
    assert len(ids) == len(set(ids)) and all(ids)
    nbformat.validate(repaired)
