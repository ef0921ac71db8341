"""Edits that turn the instructor notebook into test submissions.

Used by the pipeline tests to build honest and dishonest submissions from
``source/xray_image/xray_image.ipynb`` without hand-maintained copies.
"""
from __future__ import annotations

import copy
import re

import nbformat

_SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n?", re.S)
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def grade_id(cell) -> str:
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def find_cell(notebook, predicate):
    """Index of the first cell for which ``predicate(cell)`` is true."""
    for index, cell in enumerate(notebook.cells):
        if predicate(cell):
            return index
    raise LookupError("no such cell in the notebook")


def replace_solution(notebook, predicate, code: str):
    """Replace the code inside the solution markers of the first matching cell (markers kept)."""
    notebook = copy.deepcopy(notebook)
    cell = notebook.cells[find_cell(notebook, predicate)]
    replacement = "### BEGIN SOLUTION\n" + code.rstrip("\n") + "\n### END SOLUTION\n"
    cell.source, count = _SOLUTION.subn(lambda _: replacement, cell.source, count=1)
    if count == 0:
        raise LookupError(f"cell {grade_id(cell)!r} has no solution region to replace")
    return notebook


def insert_after(notebook, predicate, code: str):
    """Insert an unmarked code cell (a student's own cell) after a matching cell."""
    notebook = copy.deepcopy(notebook)
    index = find_cell(notebook, predicate)
    cell = nbformat.v4.new_code_cell(code)
    if notebook.nbformat_minor < 5:
        del cell["id"]  # cell ids exist from nbformat 4.5 on
    notebook.cells.insert(index + 1, cell)
    return notebook


def gut_test_cells(notebook):
    """Replace the source of every graded test cell by ``pass`` (editing locked cells)."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            cell.source = "pass"
    return notebook


def set_answer(notebook, gid: str, code: str):
    """Replace the whole source of the student cell ``gid`` (as a student fills in the release)."""
    notebook = copy.deepcopy(notebook)
    notebook.cells[find_cell(notebook, lambda cell: grade_id(cell) == gid)].source = code
    return notebook


def run_locked_cell(notebook_path, gid: str, namespace: dict) -> dict:
    """Execute the cell ``gid`` of the notebook at ``notebook_path`` in ``namespace`` (its imports
    supplied by the caller, matplotlib without a display); return the namespace."""
    import matplotlib

    matplotlib.use("Agg")
    notebook = nbformat.read(notebook_path, as_version=4)
    cell = notebook.cells[find_cell(notebook, lambda c: grade_id(c) == gid)]
    exec(compile(cell.source, gid, "exec"), namespace)
    return namespace


# Accidents an honest student makes to the exposure-mask answer and its test (edits in place).
def index_of(notebook, gid):
    """Index of the cell with nbgrader id ``gid``."""
    return find_cell(notebook, lambda cell: grade_id(cell) == gid)


def delete_test(nb):
    del nb.cells[index_of(nb, "test_exp_mask")]


def turn_test_into_markdown(nb):
    i = index_of(nb, "test_exp_mask")
    nb.cells[i] = nbformat.v4.new_markdown_cell(nb.cells[i].source, metadata=nb.cells[i].metadata)


def move_answer_below_its_test(nb):
    nb.cells.insert(index_of(nb, "exp_mask") + 2, nb.cells.pop(index_of(nb, "exp_mask")))


def paste_answer_twice(nb):
    i = index_of(nb, "exp_mask")
    nb.cells.insert(i + 1, copy.deepcopy(nb.cells[i]))


def lose_answer_metadata(nb):
    del nb.cells[index_of(nb, "exp_mask")].metadata["nbgrader"]


def answer_to_markdown(nb):
    i = index_of(nb, "exp_mask")
    nb.cells[i] = nbformat.v4.new_markdown_cell(nb.cells[i].source, metadata=nb.cells[i].metadata)


def filled_release(released, source):
    """The release as a student hands it in with the instructor's answers: every solution cell
    holds the source notebook's solution (code without its markers, written answers as they
    are); every other cell stays as released."""
    notebook = copy.deepcopy(released)
    answers = {grade_id(cell): cell.source for cell in source.cells
               if cell.metadata.get("nbgrader", {}).get("solution")}
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            answer = answers[grade_id(cell)]
            cell.source = _MARKER.sub("", answer) if cell.cell_type == "code" else answer
    return notebook
