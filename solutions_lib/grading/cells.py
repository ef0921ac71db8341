"""nbgrader's cell metadata, read in one place (through `nbgrader.utils` where it has a reader)."""
from __future__ import annotations

from nbgrader.utils import is_grade, is_solution


def grade_id(cell) -> str | None:
    """The cell's nbgrader ``grade_id`` (None for a cell nbgrader does not track).

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A notebook cell.

    Returns
    -------
    str or None
    """
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_autograded_test(cell) -> bool:
    """A graded code cell without a solution: one of the notebook's (partly hidden) test cells.

    Parameters
    ----------
    cell : nbformat.NotebookNode
        A notebook cell.

    Returns
    -------
    bool
    """
    return cell.cell_type == "code" and bool(is_grade(cell)) and not is_solution(cell)


def graded_cell_ids(notebook) -> list[str]:
    """The ``grade_id`` of every graded cell (tests and manually graded answers), in notebook order.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook.

    Returns
    -------
    list of str
    """
    return [grade_id(cell) for cell in notebook.cells if is_grade(cell)]
