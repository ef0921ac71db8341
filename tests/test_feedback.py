"""Feedback must not show the grader's internals."""
import nbformat

from solutions_lib.grading.feedback import ShortenGradedTracebacks


def _cell(graded: bool):
    cell = nbformat.v4.new_code_cell("check()")
    cell.metadata["nbgrader"] = {"grade": graded, "grade_id": "x", "points": 1}
    cell.outputs = [nbformat.v4.new_output(
        "error", ename="AssertionError", evalue="hint for the student",
        traceback=["----> 3 _hidden.check('secret', answer=42)", "AssertionError: hint"],
    )]
    return cell


def test_graded_tracebacks_keep_only_the_message():
    notebook = nbformat.v4.new_notebook(cells=[_cell(True), _cell(False)])
    ShortenGradedTracebacks().preprocess(notebook, {})
    graded, plain = (cell.outputs[0]["traceback"] for cell in notebook.cells)
    assert graded == ["AssertionError: hint for the student"]
    assert any("secret" in line for line in plain)  # student's own cells untouched


def test_preprocessor_is_enabled_by_default():
    assert ShortenGradedTracebacks().enabled
