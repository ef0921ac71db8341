"""The release notebook, top to bottom, through its Colab branch (tests/support/colab_notebook.py).

The kernel runs in the student environment (.venv-student, the release's requirements;
COLAB_TEST_PYTHON names another: `make validate-colab` runs this on .venv-newest and
.venv-lowest), with ``google.colab`` imported at start-up as in Colab: Colab's real
``output/_widgets.py``, a stand-in ``drive.mount`` only. The answers are the instructor's,
except that the two sampling cells load chains drawn around the reference posterior
(class_submissions.made_up_chains), so that the run takes a minute rather than several;
every visible test must pass and no cell may fail.

A last cell, added for the test, displays a plain ipywidgets slider (no anywidget, which
would turn the widget manager on by itself): its output must name Colab's widget manager,
so the install cell turned it on through Colab's own code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from class_submissions import made_up_chains
from colab_notebook import STUDENT_PYTHON, answers_with_saved_chains, cell_text, run_as_colab
from colab_support import colab_tools_missing, manager_url
from notebook_edits import find_cell, grade_id

pytestmark = pytest.mark.slow  # runs the release notebook top to bottom

KERNEL_PYTHON = Path(os.environ.get("COLAB_TEST_PYTHON", STUDENT_PYTHON)).absolute()
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
CHECK_CELL = """\
import json
import ipywidgets
from IPython.display import display
import skyviewer
from google.colab import output
display(ipywidgets.IntSlider())
print(json.dumps({"skyviewer": skyviewer.__file__, "url": output._widgets._installed_url}))
"""


def cheap_answers(chains_folder):
    """The instructor's answers in the release, chains from files, the check cell last."""
    notebook = answers_with_saved_chains()
    check = nbformat.v4.new_code_cell(CHECK_CELL)
    del check["id"]  # the release is nbformat 4.4, before cell ids
    notebook.cells.append(check)
    # long enough for the visible convergence test (n_eff with maxlag=750)
    return notebook, made_up_chains("cl_j0142", chains_folder, steps=1000)


@pytest.fixture(scope="module")
def colab_run(tmp_path_factory):
    reason = colab_tools_missing()
    if reason:
        pytest.skip(reason)
    if not KERNEL_PYTHON.exists():
        raise RuntimeError(f"{KERNEL_PYTHON} is missing: run `make setup` (or `make newest`)")
    root = tmp_path_factory.mktemp("colab")
    notebook, files = cheap_answers(tmp_path_factory.mktemp("chains"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        return run_as_colab(root, KERNEL_PYTHON, notebook, files, monkeypatch)


def cell(run, gid):
    return run.notebook.cells[find_cell(run.notebook, lambda c: grade_id(c) == gid)]


def test_install_cell_installs_with_pip_and_turns_the_widget_manager_on(colab_run):
    text = cell_text(cell(colab_run, "colab_setup"))
    assert "Note: you may need to restart the kernel" in text  # IPython's %pip ran
    packages = text.split("Packages installed or kept: ", 1)[1].splitlines()[0]
    assert [entry.split()[0] for entry in packages.split(", ")] == [
        "regions", "emcee", "incredible", "pygtc", "anywidget"]
    assert "Colab's custom widget manager is on" in text
    # the version bounds reached pip quoted: no shell redirection left files behind
    assert sorted(p.name for p in colab_run.content.iterdir()) == [
        "chains1.npy", "chains2.npy", "dics.npy", "drive"]


def test_data_and_viewer_come_from_the_drive(colab_run):
    mount = colab_run.content / "drive"
    text = cell_text(cell(colab_run, "datapath"))
    assert f"Mounted at {mount}\n" in text
    assert f"Data are read from {mount}/MyDrive/xray_image/data/cl_j0142/" in text
    printed = [o.text for o in colab_run.notebook.cells[-1].outputs if o.output_type == "stream"]
    check = json.loads("".join(printed))
    assert check["skyviewer"] == f"{mount}/MyDrive/xray_image/skyviewer/__init__.py"
    assert check["url"] == manager_url()


def test_widgets_name_colabs_widget_manager(colab_run):
    displays = [o for o in colab_run.notebook.cells[-1].outputs
                if o.output_type == "display_data" and WIDGET_MIME in o.data]
    assert len(displays) == 1
    meta = displays[0].metadata[WIDGET_MIME]["colab"]["custom_widget_manager"]
    assert meta == {"url": manager_url()}


def test_every_cell_ran_and_the_visible_tests_passed(colab_run):
    code = [c for c in colab_run.notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "a cell did not run"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    tests = [grade_id(c) for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    assert tests == ["test_region_mask", "test_exp_mask", "test_new_im", "test_betaModel",
                     "test_chains_format", "test_posterior_single", "test_chains2_format",
                     "test_posterior_double", "test_dic"]
    assert "SkyViewer skipped: headless execution" in cell_text(
        next(c for c in code if "SkyViewer(" in c.source))
