"""Fast checks of the tutorial notebook and its jupytext source (no execution).

* the committed ``source/xray_image/xray_image.ipynb`` is a fresh build of
  ``notebook_src/xray_image.py``;
* nbgrader metadata is consistent (unique ids, solution markers, points, locks);
* the notebook carries no outputs;
* the notebook defines the names the grader and the pipeline tests rely on;
* no cell repeats a run of 9 words of the original course notebook (the seed).
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys

import nbformat

from solutions_lib.grading import handins
from solutions_lib.grading.judgement import CHECKS
import pytest

from repo_paths import REPO

sys.path.insert(0, str(REPO / "tools"))
from seed_fingerprint import DEFAULT_SEED, FINGERPRINT, shingle_hashes  # noqa: E402

NOTEBOOK = REPO / "source" / "xray_image" / "xray_image.ipynb"
SCRIPT = REPO / "notebook_src" / "xray_image.py"
BUILDER = REPO / "tools" / "build_notebook.py"


# What the hidden checks, the feedback and the class summary use. Names the notebook binds at top
# level (an assignment, a def or a class, not just any occurrence of the word):
DEFINED_NAMES = [
    "dataset_name", "datapath", "data", "goodpix", "region_string", "region_mask", "exp_mask", "new_im",
    "betaModel", "Profile", "paramnames", "paramnames2", "chains", "chains2", "DIC1", "DIC2",
]
# keys the notebook assigns in its `data` dictionary (data["flatim"] = ...):
DATA_KEYS = ["imx", "imy", "goodpix", "flatim", "flatex", "flatx", "flaty"]
# functions it calls, keyword arguments it passes, and the files it reads:
CALLED = ["safe_dump", "plotGTC"]
KEYWORDS = [("maxlag", 750), ("throw", True)]
FILE_NAMES = ["image_0.6-2.0keV.fits.gz", "expmap_1.25kev.fits.gz"]
# grade_ids that tests/course/test_course_pipeline.py edits or scores.
PIPELINE_IDS = {
    "imports", "region_string", "exp_mask", "betaModel", "fit_single", "fit_double",
    "test_region_mask", "test_exp_mask", "test_betaModel", "test_chains_format",
    "test_posterior_single", "generative_model", "reflect_dic",
}
# grade_id -> points, as agreed with the grader.
EXPECTED_POINTS = {
    "test_region_mask": 3, "test_exp_mask": 2, "test_new_im": 2, "test_betaModel": 3,
    "test_chains_format": 3, "test_posterior_single": 4, "test_chains2_format": 3,
    "test_posterior_double": 4, "test_dic": 3, "generative_model": 4, "reflect_single": 2,
    "reflect_double": 2, "reflect_dic": 2,
}
# grade_id -> the answer files its hidden tests hand in (the grader judges each with its check).
EXPECTED_HANDINS = {
    "test_region_mask": ["dataset", "region_mask"], "test_exp_mask": ["exposure_mask"],
    "test_new_im": ["rebuilt_image"], "test_betaModel": ["beta_model"],
    "test_chains_format": ["chains-single"], "test_posterior_single": ["posterior-single"],
    "test_chains2_format": ["chains-double"], "test_posterior_double": ["posterior-double"],
    "test_dic": ["dic"],
}


@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


@pytest.mark.slow
def test_notebook_is_a_fresh_build_of_the_script():
    result = subprocess.run([sys.executable, str(BUILDER), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + "\nRun `python tools/build_notebook.py`."


def test_notebook_is_valid_and_has_python_kernel(notebook):
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"


def test_notebook_has_no_outputs(notebook):
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {index} has outputs"


def test_grade_ids_are_unique_and_present(notebook):
    ids = [nbgrader_meta(c)["grade_id"] for c in notebook.cells if nbgrader_meta(c)]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate grade_ids: {duplicates}"
    assert all(ids), "every nbgrader cell needs a grade_id"
    assert PIPELINE_IDS <= set(ids), f"missing grade_ids: {PIPELINE_IDS - set(ids)}"


def test_solution_cells_have_markers(notebook):
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("solution"):
            assert "### BEGIN SOLUTION" not in cell.source, f"{meta.get('grade_id')}: markers outside a solution cell"
            continue
        if cell.cell_type == "code":  # markdown answers are replaced whole by nbgrader
            source = cell.source
            assert source.count("### BEGIN SOLUTION") == 1 and source.count("### END SOLUTION") == 1, meta["grade_id"]
            assert source.index("### BEGIN SOLUTION") < source.index("### END SOLUTION"), meta["grade_id"]
        assert not meta.get("locked"), f"{meta['grade_id']}: a solution cell must not be locked"


def test_graded_cells_have_points_and_test_cells_are_locked(notebook):
    points = {}
    for cell in notebook.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        assert meta.get("points", 0) > 0, f"{meta['grade_id']} has no points"
        points[meta["grade_id"]] = meta["points"]
        if not meta.get("solution"):
            assert cell.cell_type == "code" and meta.get("locked"), f"{meta['grade_id']} must be a locked code cell"
        else:
            assert cell.cell_type == "markdown", f"{meta['grade_id']}: graded answers are markdown cells"
    assert points == EXPECTED_POINTS


def test_hidden_tests_only_hand_answers_in(notebook):
    spec = handins.graded_handins(notebook)
    assert {grade_id: [h.key for h in calls] for grade_id, calls in spec.items()} == EXPECTED_HANDINS
    for calls in spec.values():
        assert all(h.check in CHECKS or h.check in handins.CONTEXT_KEYS for h in calls)
    for grade_id, hidden in handins.hidden_sources(notebook).items():
        lines = hidden.strip().splitlines()
        assert lines[0].startswith("from xray_handin import hand_in"), grade_id
        assert all(line.startswith("hand_in(") for line in lines[1:]), f"{grade_id}: hidden tests only hand in"


def test_the_notebook_never_uses_the_hidden_package(notebook):
    """The reference solution runs in the grading sandbox, where solutions_lib cannot be imported."""
    for cell in notebook.cells:
        assert "solutions_lib" not in cell.source, f"cell uses the hidden package:\n{cell.source[:300]}"


class _Bindings(ast.NodeVisitor):
    """Names a cell binds at top level and the keys it assigns in ``data``; names defined inside a
    function, a class or a comprehension are not bound by the notebook."""

    def __init__(self):
        self.names, self.data_keys = set(), set()

    def visit_FunctionDef(self, node):
        self.names.add(node.name)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node):
        pass

    def visit_comprehension(self, node):
        self.visit(node.iter)
        for condition in node.ifs:
            self.visit(condition)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            self.names.add(node.id)

    def visit_Subscript(self, node):
        if (isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name) and node.value.id == "data"
                and isinstance(node.slice, ast.Constant)):
            self.data_keys.add(node.slice.value)
        self.generic_visit(node)


def code_trees(notebook) -> list[ast.Module]:
    """Each code cell parsed, with its IPython magic and shell lines (``%%time``) read as ``pass``."""
    trees = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            lines = [line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!"))
                     else line for line in cell.source.splitlines()]
            trees.append(ast.parse("\n".join(lines)))
    return trees


def test_names_the_grader_relies_on_appear(notebook):
    trees = code_trees(notebook)
    bindings = _Bindings()
    for tree in trees:
        bindings.visit(tree)
    nodes = [node for tree in trees for node in ast.walk(tree)]
    called = {node.func.id for node in nodes if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    keywords = {(k.arg, k.value.value) for node in nodes if isinstance(node, ast.Call)
                for k in node.keywords if isinstance(k.value, ast.Constant)}
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert not sorted(set(DEFINED_NAMES) - bindings.names), "the notebook must define these at top level"
    assert not sorted(set(DATA_KEYS) - bindings.data_keys), "the notebook must assign these keys of data"
    assert not sorted(set(CALLED) - called), "the notebook must call these"
    assert not [k for k in KEYWORDS if k not in keywords], "the notebook must pass these keyword arguments"
    assert not [name for name in FILE_NAMES if name not in code], "the notebook must read these files"
    assert re.search(r"^dataset_name = \"cl_j\d{4}\"$", code, re.M), "dataset_name must be set literally"
    assert "IN_COLAB" in code and "google.colab" in code and "drive.mount" in code


def test_long_cells_are_timed(notebook):
    for cell in notebook.cells:
        if nbgrader_meta(cell).get("grade_id") in ("fit_single", "fit_double", "dic"):
            assert cell.source.startswith("%%time"), nbgrader_meta(cell)["grade_id"]


def test_no_cell_shares_a_nine_word_run_with_the_seed(notebook):
    seed = set(FINGERPRINT.read_text().split())
    offenders = []
    for index, cell in enumerate(notebook.cells):
        shared = [run for digest, run in shingle_hashes(cell.source).items() if digest in seed]
        if shared:
            offenders.append(f"cell {index}: " + "; ".join(sorted(shared)[:3]))
    assert not offenders, "text copied from the original notebook:\n" + "\n".join(offenders)


@pytest.mark.skipif(not DEFAULT_SEED.exists(), reason="the seed is only beside the repository on course machines")
def test_seed_fingerprint_is_current():
    assert set(FINGERPRINT.read_text().split()) == set(shingle_hashes(DEFAULT_SEED.read_text(errors="replace")))
