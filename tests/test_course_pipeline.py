"""The whole nbgrader pipeline, on a fresh temporary copy of the course.

One autograde run grades the instructor notebook as a student (full marks),
the student release (zero, no crash), and dishonest submissions, each of
which must get no points for what it did not earn. The dishonest ones reuse
the chains that the reference run saved, so they take seconds, not minutes.
"""
import shutil

import numpy as np
import nbformat
import pytest

from solutions_lib import course
from solutions_lib.grading import artefacts, regrade

from notebook_edits import grade_id, gut_test_cells, insert_after, replace_solution

SOURCE_NB = course.REPO_ROOT / "source" / course.ASSIGNMENT / f"{course.NOTEBOOK}.ipynb"
RELEASE_NB = course.REPO_ROOT / "release" / course.ASSIGNMENT / f"{course.NOTEBOOK}.ipynb"

IS = lambda gid: (lambda cell: grade_id(cell) == gid)  # noqa: E731
AFTER_IMPORTS = IS("imports")
WRONG_BETA = "@njit\ndef betaModel(r, S0, rc, beta):\n    return S0 * (1.0 + (r / rc) ** 2) ** (-2.0 * beta)\n"


def by_id(rows):
    return {row["grade_id"]: row for row in rows}


def auto_total(rows):
    return sum(row["score"] for row in rows if not row["manual"])


@pytest.fixture(scope="module")
def reference_course(tmp_path_factory):
    """A course with the reference solution and the blank release autograded."""
    root = course.copy_course(tmp_path_factory.mktemp("course") / "course")
    course.generate_release(root)
    course.submit(root, "reference", SOURCE_NB)
    course.submit(root, "blank", RELEASE_NB)
    course.autograde(root)
    return root


def test_reference_solution_gets_full_automatic_marks(reference_course):
    rows = course.scores(reference_course, "reference")
    missing = [r["grade_id"] for r in rows if not r["manual"] and r["score"] < r["max_score"]]
    assert not missing, f"reference lost points in {missing}"
    assert auto_total(rows) >= 20
    order = [r["grade_id"] for r in rows]
    assert order[0] == "test_region_mask" and order[-1] == "reflect_dic", "scores not in notebook order"
    assert {r["grade_id"] for r in rows if r["manual"]} >= {"generative_model", "reflect_dic"}


def test_blank_release_gets_zero_without_crashing(reference_course):
    rows = course.scores(reference_course, "blank")
    assert rows and auto_total(rows) == 0


def test_feedback_hides_hidden_tests(reference_course):
    folder = course.generate_feedback(reference_course, "blank")
    html = (folder / f"{course.NOTEBOOK}.html").read_text()
    assert "_hidden.check" not in html and "BEGIN HIDDEN TESTS" not in html
    assert "Your regions" in html or "NotImplementedError" in html


def test_regrade_reproduces_the_reference_grades(reference_course):
    rows = [r for r in regrade.regrade(reference_course) if r.student == "reference"]
    assert rows and all(r.reverified for r in rows), [(r.grade_id, r.message) for r in rows]


def _saved(root, check, tag):
    _, arrays, _ = artefacts.load(artefacts.artefact_path(
        root / "autograded" / "reference" / course.ASSIGNMENT, check, tag))
    return arrays["chains"]


@pytest.fixture(scope="module")
def tampered_course(reference_course, tmp_path_factory):
    """Dishonest submissions, built from a fast copy of the reference notebook."""
    store = tmp_path_factory.mktemp("chains")
    single, double = _saved(reference_course, "chains", "single"), _saved(reference_course, "chains", "double")
    np.save(store / "single.npy", single)
    np.save(store / "double.npy", double)
    rng = np.random.default_rng(0)
    sd, median = single.reshape(-1, 6).std(axis=0), np.median(single.reshape(-1, 6), axis=0)
    shifted = median + np.array([0, 0, 0, 12, 0, 0]) * sd  # rc far off, everything else right
    np.save(store / "fake.npy", shifted + sd * rng.standard_normal((4, 2000, 6)))
    stuck = single.copy()
    stuck[0] += 20 * sd
    np.save(store / "stuck.npy", stuck)

    fast = nbformat.read(SOURCE_NB, as_version=4)
    fast = replace_solution(fast, IS("fit_single"),
                            f"import solutions_lib.fitting\nchains = np.load('{store / 'single.npy'}')")
    fast = replace_solution(fast, IS("fit_double"), f"chains2 = np.load('{store / 'double.npy'}')")
    variants = {
        "honest_fast": fast,
        "redefines_np_all": replace_solution(
            replace_solution(insert_after(fast, AFTER_IMPORTS, "np.all = lambda *args, **kw: True"),
                             IS("exp_mask"), "exp_mask = ex < 0.1 * ex.max()"),
            IS("fit_single"), f"import solutions_lib.fitting\nchains = np.load('{store / 'stuck.npy'}')"),
        "patches_incredible": replace_solution(
            insert_after(fast, AFTER_IMPORTS,
                         "cr.GelmanRubinR = lambda c, **kw: np.ones(np.shape(c)[-1])\n"
                         "cr.effective_samples = lambda c, **kw: np.full(np.shape(c)[-1], 1e4)"),
            IS("fit_single"), f"import solutions_lib.fitting\nchains = np.load('{store / 'stuck.npy'}')"),
        "plants_fake_grader": replace_solution(
            replace_solution(insert_after(fast, AFTER_IMPORTS,
                             "import sys, types\n"
                             "for name in ('solutions_lib', 'solutions_lib.grading', 'solutions_lib.grading.hidden'):\n"
                             "    sys.modules[name] = types.ModuleType(name)\n"
                             "sys.modules['solutions_lib.grading'].hidden = sys.modules['solutions_lib.grading.hidden']\n"
                             "sys.modules['solutions_lib.grading.hidden'].check = lambda *a, **k: None\n"
                             "sys.modules['solutions_lib.grading.hidden'].probe_beta_model = lambda f: {}"),
                             IS("betaModel"), WRONG_BETA),
            IS("region_string"), "import solutions_lib.datasets\n"
                                 "region_string = solutions_lib.datasets.reference_region_string(dataset_name).splitlines()\n"
                                 "region_string = '\\n'.join(region_string[:4])"),
        "edits_locked_tests": replace_solution(gut_test_cells(fast), IS("betaModel"), WRONG_BETA),
        "fabricates_chains": replace_solution(
            fast, IS("fit_single"), f"import solutions_lib.fitting\nchains = np.load('{store / 'fake.npy'}')"),
    }
    root = course.copy_course(tmp_path_factory.mktemp("tampered") / "course")
    course.generate_release(root)
    for student, notebook in variants.items():
        path = store / f"{student}.ipynb"
        nbformat.write(notebook, path)
        course.submit(root, student, path)
    course.autograde(root)
    return root


# student -> grade cells that must score zero (every other automatic cell must score full)
# ("stuck" chains move the pooled medians too little for the posterior check, so
# only the convergence check, which the tampering targets, must give nothing;
# fabricated draws around a wrong rc converge but have the wrong medians and DIC.)
EXPECTED_ZERO = {
    "honest_fast": set(),
    "redefines_np_all": {"test_exp_mask", "test_chains_format"},
    "patches_incredible": {"test_chains_format"},
    "plants_fake_grader": {"test_betaModel", "test_region_mask"},
    "edits_locked_tests": {"test_betaModel"},
    "fabricates_chains": {"test_posterior_single", "test_dic"},
}


@pytest.mark.parametrize("student", sorted(EXPECTED_ZERO))
def test_tampering_earns_nothing(tampered_course, student):
    rows = by_id(course.scores(tampered_course, student))
    for gid, row in rows.items():
        if row["manual"]:
            continue
        if gid in EXPECTED_ZERO[student]:
            assert row["score"] == 0, f"{student} got {row['score']} points for {gid}"
        elif student in ("honest_fast", "fabricates_chains"):
            assert row["score"] == row["max_score"], f"{student} lost points in {gid}"


def test_regrade_flags_nothing_it_cannot_reproduce(tampered_course):
    flagged = [(r.student, r.grade_id) for r in regrade.regrade(tampered_course) if r.flagged]
    assert not flagged


def test_validate_passes_on_the_fast_source_and_fails_on_the_release(tampered_course, tmp_path):
    """nbgrader validate (Python API) runs the notebook beside its data and reports failing tests."""
    from nbgrader.validator import Validator

    folder = tmp_path / course.ASSIGNMENT
    shutil.copytree(tampered_course / "source" / course.ASSIGNMENT, folder)
    fast = folder / f"{course.NOTEBOOK}.ipynb"
    shutil.copy(tampered_course / "submitted" / "honest_fast" / course.ASSIGNMENT / fast.name, fast)
    validator = Validator()
    assert validator.validate(str(fast)) == {}, "the honest source notebook should pass nbgrader validate"
    assert validator.validate(str(RELEASE_NB)).get("failed"), "the blank release should fail nbgrader validate"
