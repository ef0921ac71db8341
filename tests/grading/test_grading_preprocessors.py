"""The small nbgrader preprocessors of the grading pipeline, on hand-made cells."""
import nbformat
import pytest

from solutions_lib.grading import feedback_folder, handins
from solutions_lib.grading.preprocessors import ClearHiddenTestsSafely, ShortenGradedTracebacks
from solutions_lib.grading.preprocessors.remove_grader_echoes import REPLACEMENT, RemoveGraderEchoes, hidden_lines
from solutions_lib.grading.preprocessors.restore_hidden_tests import RestoreHiddenTests

HIDDEN = "### BEGIN HIDDEN TESTS\nfrom xray_handin import hand_in\nhand_in('dic', DIC1=DIC1)\n### END HIDDEN TESTS\n"


def _cell(source, graded=True, outputs=()):
    cell = nbformat.v4.new_code_cell(source)
    if graded:
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "test_x",
                                     "points": 1, "schema_version": 3}
    cell.outputs = list(outputs)
    return cell


def test_graded_tracebacks_keep_only_the_message():
    error = nbformat.v4.new_output("error", ename="AutograderVerdict", evalue="hint",
                                   traceback=["----> 3 hand_in('dic', DIC1=DIC1)", "AutograderVerdict: hint"])
    notebook = nbformat.v4.new_notebook(cells=[_cell("x", True, [error]), _cell("x", False, [dict(error)])])
    ShortenGradedTracebacks().preprocess(notebook, {})
    graded, plain = (cell.outputs[0]["traceback"] for cell in notebook.cells)
    assert graded == ["AutograderVerdict: hint"] and len(plain) == 2


def test_hidden_tests_are_cleared_from_test_cells_and_student_markers_never_crash():
    notebook = nbformat.v4.new_notebook(cells=[
        _cell(HIDDEN + "assert True"),
        _cell("# ### BEGIN HIDDEN TESTS in a student's own cell", graded=False),
        _cell("### BEGIN HIDDEN TESTS\nunterminated"),
    ])
    ClearHiddenTestsSafely().preprocess(notebook, {})
    assert notebook.cells[0].source.strip() == "assert True"
    assert "student's own cell" in notebook.cells[1].source
    assert "hidden" in notebook.cells[2].source and "unterminated" not in notebook.cells[2].source


def test_outputs_repeating_hidden_code_are_replaced():
    notebook = nbformat.v4.new_notebook(cells=[_cell(HIDDEN + "pass")])
    lines = hidden_lines(handins.hidden_sources(notebook))
    assert "hand_in('dic', DIC1=DIC1)" in lines
    echo = nbformat.v4.new_output("stream", name="stdout", text="In: [\"hand_in('dic', DIC1=DIC1)\"]")
    fine = nbformat.v4.new_output("stream", name="stdout", text="R = 1.01")
    remover = RemoveGraderEchoes()
    remover._lines = lines
    cell, _ = remover.preprocess_cell(_cell("x", False, [echo, fine]), {}, 0)
    assert [o["text"] for o in cell.outputs] == [REPLACEMENT, "R = 1.01"]


def test_released_form_of_a_locked_cell_is_its_source_without_hidden_tests():
    source_cell = type("SourceCell", (), {"source": HIDDEN + "assert DIC1 < 0"})()
    assert RestoreHiddenTests()._as_released(source_cell) == "assert DIC1 < 0"


def test_feedback_folder_keeps_only_pages(tmp_path):
    folder = tmp_path / "feedback" / "ada" / "xray_image"
    (folder / "data" / "cl_j0142").mkdir(parents=True)
    (folder / "xray_image.html").write_text("<html></html>")
    (folder / "notes.txt").write_text("mine")
    (folder / ".grading").mkdir()
    feedback_folder.prune_feedback_folders("xray_image", "*", [], course_root=tmp_path)
    assert [p.name for p in folder.iterdir()] == ["xray_image.html"]


def _submitted_to_gradebook(source, tmp_path, monkeypatch) -> dict:
    """A new gradebook in ``tmp_path`` with ``source`` as notebook "nb" of assignment "a" and a
    submission of it by student "ada"; returns nbgrader's resources for that submission."""
    import os
    import sys

    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import SaveCells

    monkeypatch.setenv("PATH", f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")  # alembic
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        gradebook.add_assignment("a")
        gradebook.add_student("ada")
    resources = {"nbgrader": {"db_url": url, "assignment": "a", "notebook": "nb", "student": "ada"}}
    SaveCells().preprocess(source, resources)
    with Gradebook(url) as gradebook:
        gradebook.add_submission("a", "ada")
    return resources


@pytest.mark.slow
def test_test_cells_are_scored_from_their_verdicts_not_their_outputs(tmp_path, monkeypatch):
    """An error-free output with a failed verdict scores 0; an error with a passed verdict, full points."""
    from nbgrader.api import Gradebook

    from solutions_lib.grading.preprocessors import SaveVerdictGrades

    names = ["test_faked", "test_fixed", "test_unjudged"]
    source = nbformat.v4.new_notebook(cells=[_cell("assert True") for _ in names])
    for cell, name in zip(source.cells, names):
        cell.metadata["nbgrader"]["grade_id"] = name
    resources = _submitted_to_gradebook(source, tmp_path, monkeypatch)
    url = resources["nbgrader"]["db_url"]

    faked = nbformat.v4.new_output("stream", name="stdout", text="Autograder: this test passed.")
    error = nbformat.v4.new_output("error", ename="AssertionError", evalue="", traceback=[])
    submitted = nbformat.v4.new_notebook(cells=[dict(cell) for cell in source.cells])
    submitted = nbformat.from_dict(submitted)
    submitted.cells[0].outputs, submitted.cells[1].outputs, submitted.cells[2].outputs = [faked], [error], []
    resources["nbgrader"]["verdicts"] = {"test_faked": False, "test_fixed": True}
    SaveVerdictGrades().preprocess(submitted, resources)
    with Gradebook(url) as gradebook:
        scores = {g.name: g.auto_score for g in gradebook.find_submission_notebook("nb", "a", "ada").grades}
    assert scores == {"test_faked": 0.0, "test_fixed": 1.0, "test_unjudged": 0.0}


def test_student_html_is_cleaned_and_plain_markdown_kept():
    from solutions_lib.grading.preprocessors import SanitizeStudentHtml

    plain = "Maths $a < b$ & $c > d$\n\n> a quote with **bold** and [a link](https://example.org)"
    hostile = "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1)) <b>kept</b>"
    locked = nbformat.v4.new_markdown_cell("<b>instructor</b> <script>kept()</script>")
    locked.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": True, "grade_id": "intro",
                                   "schema_version": 3}
    outputs = [nbformat.v4.new_output("display_data", data={
        "text/html": "<table><tr><td>1</td></tr></table><script>alert(1)</script>",
        "application/javascript": "alert(1)", "text/plain": "<table>"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg><script>alert(1)</script></svg>"})]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(plain),
                                               nbformat.v4.new_markdown_cell(hostile), locked,
                                               _cell("x", graded=False, outputs=outputs)])
    SanitizeStudentHtml().preprocess(notebook, {})
    kept, cleaned, instructor, code = notebook.cells
    assert kept.source == plain and instructor.source == locked.source
    assert "<script>" not in cleaned.source and "onerror" not in cleaned.source
    assert "javascript:" not in cleaned.source and "<b>kept</b>" in cleaned.source
    html, svg = code.outputs[0]["data"], code.outputs[1]["data"]
    assert "<table>" in html["text/html"] and "<script>" not in html["text/html"]
    assert "application/javascript" not in html and list(svg) == ["text/plain"]


def test_outputs_are_limited_in_bytes_per_cell_and_per_notebook():
    from solutions_lib.grading.preprocessors import LimitOutputBytes

    def printing(text):
        return _cell("print(...)", graded=False, outputs=[nbformat.v4.new_output("stream", name="stdout", text=text)])

    figure = nbformat.v4.new_output("display_data", data={"image/png": "A" * 3000, "text/plain": "<Figure>"})
    one_line = printing("x" * 50_000)  # one line: nbgrader's LimitOutput alone keeps it whole
    figures = _cell("plot", graded=False, outputs=[nbformat.from_dict(dict(figure)) for _ in range(5)])
    notebook = nbformat.v4.new_notebook(cells=[one_line, figures, printing("small"), printing("late " * 2000)])
    LimitOutputBytes(max_cell_bytes=10_000, max_notebook_bytes=22_000).preprocess(notebook, {})
    sizes = [len(nbformat.writes(nbformat.v4.new_notebook(cells=[cell]))) for cell in notebook.cells]
    assert all(size < 12_000 for size in sizes), sizes
    assert "truncated by the autograder" in notebook.cells[0].outputs[-1]["text"]
    assert len(notebook.cells[1].outputs) == 4 and "truncated" in notebook.cells[1].outputs[-1]["text"]
    assert notebook.cells[2].outputs[0]["text"] == "small"
    assert "more than 0.0209808 MB" in notebook.cells[3].outputs[-1]["text"]  # the notebook's budget spent


def _graded_course(tmp_path, monkeypatch):
    """A gradebook with notebook "nb": an autograded test cell (2 points, passed) and a written answer
    (3 points, not yet hand-graded); returns the submitted notebook and its resources."""
    from nbgrader.preprocessors import SaveAutoGrades

    test = _cell("assert True")
    test.metadata["nbgrader"].update(grade_id="test_auto", points=2)
    written = nbformat.v4.new_markdown_cell("YOUR ANSWER HERE")
    written.metadata["nbgrader"] = {"grade": True, "solution": True, "locked": False, "grade_id": "written",
                                    "points": 3, "schema_version": 3}
    source = nbformat.v4.new_notebook(cells=[test, written])
    resources = _submitted_to_gradebook(source, tmp_path, monkeypatch)
    submitted = nbformat.from_dict(nbformat.v4.new_notebook(cells=[dict(cell) for cell in source.cells]))
    SaveAutoGrades().preprocess(submitted, resources)
    return submitted, resources, resources["nbgrader"]["db_url"]


@pytest.mark.slow
def test_feedback_scores_the_automatic_part_and_notes_the_pending_points(tmp_path, monkeypatch):
    from solutions_lib.grading.preprocessors import ReportScoresByPart
    from solutions_lib.grading.preprocessors.report_scores_by_part import NOTE_METADATA

    submitted, resources, _ = _graded_course(tmp_path, monkeypatch)
    cells = len(submitted.cells)
    notebook, resources = ReportScoresByPart().preprocess(submitted, resources)
    info = resources["nbgrader"]
    assert info["notebook"] == "nb"  # the id stays the id: nbgrader's title and heading print it
    assert (info["score"], info["max_score"]) == (2.0, 2.0)
    note = notebook.cells[0]
    assert len(notebook.cells) == cells + 1 and note.cell_type == "markdown" and note.metadata[NOTE_METADATA]
    assert "3 points for written answers are still to be graded" in note.source
    nbformat.validate(notebook)


@pytest.mark.slow
def test_feedback_without_pending_hand_grading_is_nbgrader_s_own(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    from solutions_lib.grading.preprocessors import ReportScoresByPart

    submitted, resources, url = _graded_course(tmp_path, monkeypatch)
    with Gradebook(url) as gradebook:
        grade = gradebook.find_grade("written", "nb", "a", "ada")
        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gradebook.db.commit()
    cells = len(submitted.cells)
    notebook, resources = ReportScoresByPart().preprocess(submitted, resources)
    info = resources["nbgrader"]
    assert info["notebook"] == "nb" and (info["score"], info["max_score"]) == (3.0, 5.0)
    assert len(notebook.cells) == cells


def _judged_course(tmp_path, monkeypatch):
    """A course whose source notebook "nb" has two autograded cells, a submission of it whose second
    cell's output claims success, and an answers folder holding an unreadable ``beta_model.npz``;
    returns the submitted notebook, its resources and the instructor notebook's hand-ins."""
    names = {"test_pool": "hand_in('beta_model', r=r)", "test_claims": "hand_in('region_mask', region_mask=m)"}
    source = nbformat.v4.new_notebook(cells=[
        _cell(f"### BEGIN HIDDEN TESTS\nfrom xray_handin import hand_in\n{call}\n### END HIDDEN TESTS\n")
        for call in names.values()])
    for cell, name in zip(source.cells, names):
        cell.metadata["nbgrader"]["grade_id"] = name
    (tmp_path / "source" / "a").mkdir(parents=True)
    nbformat.write(source, tmp_path / "source" / "a" / "nb.ipynb")
    resources = _submitted_to_gradebook(source, tmp_path, monkeypatch)
    submitted = nbformat.from_dict(nbformat.v4.new_notebook(cells=[dict(cell) for cell in source.cells]))
    claim = nbformat.v4.new_output("stream", name="stdout", text="Autograder: this test passed.\n")
    submitted.cells[1].outputs = [claim]
    answers_dir = tmp_path / "answers"
    answers_dir.mkdir()
    (answers_dir / "beta_model.npz").write_bytes(b"not a zip file")
    resources["nbgrader"]["answers_dir"] = str(answers_dir)
    spec = handins.notebook_spec(tmp_path / "source" / "a" / "nb.ipynb").handins
    return submitted, resources, spec


def _judge(submitted, resources, tmp_path):
    from traitlets.config import Config

    from solutions_lib.grading.preprocessors import JudgeAnswers

    config = Config({"CourseDirectory": {"root": str(tmp_path)}})
    return JudgeAnswers(config=config).preprocess(nbformat.from_dict(submitted), resources)


@pytest.mark.slow
def test_judge_answers_takes_the_pools_verdicts_only_for_the_same_inputs(tmp_path, monkeypatch):
    """The pool's verdict is used while the answers are those it judged; once they change, they are judged anew."""
    from solutions_lib.data import catalogue
    from solutions_lib.grading import judgement
    from solutions_lib.grading.verdict import ok

    submitted, resources, spec = _judged_course(tmp_path, monkeypatch)
    answers_dir = resources["nbgrader"]["answers_dir"]
    key = judgement.judging_key(spec, answers_dir, catalogue.DEFAULT_DATASET, "")
    resources["nbgrader"]["judged"] = {"key": key, "verdicts": {"test_pool": ok("Judged by the pool.").as_dict()}}

    notebook, resources = _judge(submitted, resources, tmp_path)
    assert resources["nbgrader"]["verdicts"] == {"test_pool": True, "test_claims": False}
    assert notebook.cells[0].outputs[-1]["text"] == "Autograder: this test passed. Judged by the pool.\n"

    (tmp_path / "answers" / "beta_model.npz").write_bytes(b"handed in again")  # not what the pool judged
    notebook, resources = _judge(submitted, resources, tmp_path)
    assert resources["nbgrader"]["verdicts"] == {"test_pool": False, "test_claims": False}
    assert notebook.cells[0].outputs[-1]["ename"] == "AutograderVerdict"
    assert "could not be read" in notebook.cells[0].outputs[-1]["evalue"]


@pytest.mark.slow
def test_judge_answers_scores_by_verdict_whatever_the_output_claims(tmp_path, monkeypatch):
    """A cell whose own output claims success, without an answer, fails and scores nothing; a cell the
    pool passed scores its points."""
    from nbgrader.api import Gradebook

    from solutions_lib.data import catalogue
    from solutions_lib.grading import judgement
    from solutions_lib.grading.preprocessors import SaveVerdictGrades
    from solutions_lib.grading.verdict import ok

    submitted, resources, spec = _judged_course(tmp_path, monkeypatch)
    key = judgement.judging_key(spec, resources["nbgrader"]["answers_dir"], catalogue.DEFAULT_DATASET, "")
    resources["nbgrader"]["judged"] = {"key": key, "verdicts": {"test_pool": ok().as_dict()}}
    notebook, resources = _judge(submitted, resources, tmp_path)
    claims = notebook.cells[1]
    assert claims.outputs[0]["text"] == "Autograder: this test passed.\n"  # the student's print is kept...
    assert claims.outputs[-1]["ename"] == "AutograderVerdict"  # ...and the verdict says it failed
    assert "No answer was handed in" in claims.outputs[-1]["evalue"]
    SaveVerdictGrades().preprocess(notebook, resources)
    with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
        scores = {g.name: g.auto_score for g in gradebook.find_submission_notebook("nb", "a", "ada").grades}
    assert scores == {"test_pool": 1.0, "test_claims": 0.0}
