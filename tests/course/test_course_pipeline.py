"""The whole nbgrader pipeline through the sandbox, on a fresh temporary copy of the release.

One autograde run grades the instructor notebook as a student (full marks,
computed outside the kernel), the blank release (zero, no crash), and
submissions that reuse the reference run's chains, so that they take
seconds: honest ones keep their marks, doctored ones lose exactly the marks
for what they doctored.
"""

import nbformat
import numpy as np
import pytest

from solutions_lib.course import release
from solutions_lib.course import regrade
from solutions_lib.grading import records
from solutions_lib.grading.answers import load_answers

from colab_notebook import STUDENT_PYTHON, answers_with_saved_chains, run_as_colab
from colab_save import as_colab_saves
from colab_support import colab_tools_missing
from notebook_edits import find_cell, grade_id, replace_solution

pytestmark = pytest.mark.slow  # the instructor's commands, end to end

SOURCE_NB = release.REPO_ROOT / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
RELEASE_NB = release.REPO_ROOT / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
IS = lambda gid: (lambda cell: grade_id(cell) == gid)  # noqa: E731
CHAIN_CELLS = {"test_chains_format", "test_posterior_single", "test_dic"}


def auto_points(root, student) -> dict:
    return {row["grade_id"]: (row["score"], row["max_score"])
            for row in release.scores(root, student) if not row["manual"]}


@pytest.fixture(scope="module")
def reference_course(tmp_path_factory):
    """A course with the reference solution, the blank release and a blank release whose
    betaModel test cell was edited, autograded in the sandbox (nbgrader's log in ``autograde.log``)."""
    root = release.copy_course(tmp_path_factory.mktemp("course") / "course")
    release.generate_release(root)
    release.submit(root, "reference", SOURCE_NB)
    release.submit(root, "blank", RELEASE_NB)
    tampered = nbformat.read(RELEASE_NB, as_version=4)
    tampered.cells[find_cell(tampered, IS("test_betaModel"))].source = "pass  # no test here"
    tampered_path = tmp_path_factory.mktemp("tampered") / "xray_image.ipynb"
    nbformat.write(tampered, tampered_path)
    release.submit(root, "tampered", tampered_path)
    (root / "autograde.log").write_text(release.autograde(root))
    return root


def test_reference_solution_gets_full_automatic_marks_in_the_sandbox(reference_course):
    points = auto_points(reference_course, "reference")
    lost = {gid: score for gid, score in points.items() if score[0] < score[1]}
    assert not lost, f"reference lost points: {lost}"
    assert sum(score for score, _ in points.values()) == 27
    record = records.RunRecord.read(reference_course / "answers" / "reference" / release.ASSIGNMENT)
    assert record.sandboxed and record.stop is None and not record.caps_hit
    rows = release.scores(reference_course, "reference")
    assert rows[0]["grade_id"] == "test_region_mask" and rows[-1]["grade_id"] == "reflect_dic"


def test_blank_release_gets_zero_without_crashing(reference_course):
    points = auto_points(reference_course, "blank")
    assert points and sum(score for score, _ in points.values()) == 0


def test_checksum_warnings_mean_tampering_and_every_cell_is_known(reference_course):
    """Honest submissions raise no warning; the one edited test cell raises exactly one."""
    log = (reference_course / "autograde.log").read_text()
    changed = [line for line in log.splitlines() if "has changed" in line]
    assert len(changed) == 1 and "'checksum' for cell test_betaModel" in changed[0], changed
    assert "does not exist in the database" not in log
    assert auto_points(reference_course, "tampered")["test_betaModel"][0] == 0


def test_regrade_agrees_with_the_gradebook(reference_course):
    rows = regrade.regrade(reference_course)
    assert {row.student for row in rows} == {"reference", "blank", "tampered"}
    assert not [row for row in rows if row.flagged]


def test_regrade_flags_a_gradebook_changed_behind_the_graders_back(reference_course, tmp_path):
    from nbgrader.api import Gradebook

    with Gradebook(records.gradebook_url(reference_course)) as gradebook:
        grade = gradebook.find_grade("test_dic", release.NOTEBOOK, release.ASSIGNMENT, "blank")
        grade.manual_score = 3.0
        gradebook.db.commit()
    try:
        flagged = [(row.student, row.grade_id) for row in regrade.regrade(reference_course) if row.flagged]
        assert flagged == [("blank", "test_dic")]
    finally:
        with Gradebook(records.gradebook_url(reference_course)) as gradebook:
            grade = gradebook.find_grade("test_dic", release.NOTEBOOK, release.ASSIGNMENT, "blank")
            grade.manual_score = None
            gradebook.db.commit()


def test_feedback_is_the_page_alone(reference_course):
    folder = release.generate_feedback(reference_course, "blank")
    assert [p.name for p in folder.iterdir()] == [f"{release.NOTEBOOK}.html"]
    html = (folder / f"{release.NOTEBOOK}.html").read_text()
    assert "hand_in(" not in html and "BEGIN HIDDEN TESTS" not in html
    assert "AutograderVerdict" in html  # the verdicts, shortened to their messages
    # nbgrader scores written answers left as released at 0 without hand grading: nothing pending.
    assert "xray_image (Score: 0.0 / 37.0)" in html and "still to be graded" not in html


def test_feedback_heads_with_the_automatic_part_while_answers_await_hand_grading(reference_course):
    html = (release.generate_feedback(reference_course, "reference") / f"{release.NOTEBOOK}.html").read_text()
    assert "<title>xray_image</title>" in html and "xray_image (Score: 27.0 / 27.0)" in html  # the id, unchanged
    assert "10 points for written answers are still to be graded by hand" in html  # in the note atop the page
    assert "/ 37" not in html


@pytest.fixture(scope="module")
def chains_course(reference_course, tmp_path_factory):
    """Submissions that load chains from files handed in beside the notebook."""
    store = tmp_path_factory.mktemp("chains")
    answers = reference_course / "answers" / "reference" / release.ASSIGNMENT
    single = load_answers(answers / "chains-single.npz")["chains"]
    double = load_answers(answers / "chains-double.npz")["chains"]
    sd, median = single.reshape(-1, 6).std(axis=0), np.median(single.reshape(-1, 6), axis=0)
    stuck = single.copy()
    stuck[0] += 20 * sd
    shifted = median + np.array([0, 0, 0, 12, 0, 0]) * sd + sd * np.random.default_rng(0).standard_normal((8, 3000, 6))
    variants = {"honest": single, "stuck": stuck, "fabricated": shifted}
    np.save(store / "chains2.npy", double)
    source = nbformat.read(SOURCE_NB, as_version=4)
    source = replace_solution(source, IS("fit_double"), "chains2 = np.load('chains2.npy')")
    root = release.copy_course(tmp_path_factory.mktemp("chains_course") / "course")
    release.generate_release(root)
    for student, chains in variants.items():
        np.save(store / "chains1.npy", chains)
        notebook = replace_solution(source, IS("fit_single"), "chains = np.load('chains1.npy')")
        path = store / f"{student}.ipynb"
        nbformat.write(notebook, path)
        release.submit(root, student, path, extra_files=[store / "chains1.npy", store / "chains2.npy"])
    release.autograde(root)
    return root


def test_real_chains_from_another_run_keep_their_marks(chains_course):
    points = auto_points(chains_course, "honest")
    assert all(score == top for score, top in points.values()), points


@pytest.mark.parametrize("student", ["stuck", "fabricated"])
def test_doctored_chains_lose_the_chain_marks_only(chains_course, student):
    points = auto_points(chains_course, student)
    assert all(points[gid][0] == 0 for gid in CHAIN_CELLS), points
    others = {gid: score for gid, score in points.items() if gid not in CHAIN_CELLS and gid != "test_posterior_single"}
    assert all(score == top for score, top in others.values()), others
    verdicts = records.read_verdicts(chains_course / "answers" / student / release.ASSIGNMENT)
    assert verdicts["cells"]["test_chains_format"]["message"]


@pytest.fixture(scope="module")
def colab_course(reference_course, tmp_path_factory):
    """A hand-in made in Colab: the release with the instructor's answers (chains from the
    reference run, loaded from files), run through its Colab branch (tests/support/colab_notebook.py)
    and saved as Colab saves (tests/support/colab_save.py), autograded in a course of its own."""
    reason = colab_tools_missing()
    if reason:
        pytest.skip(reason)
    store = tmp_path_factory.mktemp("colab_chains")
    answers = reference_course / "answers" / "reference" / release.ASSIGNMENT
    files = []
    for model, name in (("single", "chains1.npy"), ("double", "chains2.npy")):
        np.save(store / name, load_answers(answers / f"chains-{model}.npz")["chains"])
        files.append(store / name)
    with pytest.MonkeyPatch.context() as monkeypatch:
        run = run_as_colab(tmp_path_factory.mktemp("colab_run"), STUDENT_PYTHON,
                           answers_with_saved_chains(), files, monkeypatch)
    handin = store / "xray_image.ipynb"
    nbformat.write(as_colab_saves(run.notebook), handin)
    root = release.copy_course(tmp_path_factory.mktemp("colab_course") / "course")
    release.generate_release(root)
    release.submit(root, "colab", handin, extra_files=files)
    (root / "autograde.log").write_text(release.autograde(root))
    return root, handin


def test_a_hand_in_saved_by_colab_gets_full_automatic_marks(colab_course, reference_course):
    root, handin = colab_course
    saved = nbformat.read(handin, as_version=4)
    assert saved.nbformat_minor == 0 and "colab" in saved.metadata
    cells = saved.cells
    assert not [c for c in cells if "id" in c or {"deletable", "editable"} & set(c.metadata)]
    assert sum("outputId" in c.metadata for c in cells) > 20
    points = auto_points(root, "colab")
    assert set(points) == set(auto_points(reference_course, "reference"))  # every graded cell
    lost = {gid: score for gid, score in points.items() if score[0] < score[1]}
    assert not lost, f"the Colab hand-in lost points: {lost}"
    log = (root / "autograde.log").read_text()
    assert "has changed" not in log and "does not exist in the database" not in log


def test_release_fails_nbgrader_validate():
    """nbgrader validate (Python API) runs the blank release beside its data and reports failures."""
    from nbgrader.validator import Validator

    assert Validator().validate(str(RELEASE_NB)).get("failed")
