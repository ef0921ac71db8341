"""The committed student release is exactly what nbgrader makes from source/ now."""
import json
from pathlib import Path

import pytest

from solutions_lib.course import release

COMMITTED = release.REPO_ROOT / "release" / release.ASSIGNMENT
FORBIDDEN = ("solutions_lib", "truth.json", "mask.reg", "BEGIN SOLUTION", "BEGIN HIDDEN TESTS")


def files_under(folder: Path) -> dict[str, Path]:
    return {str(path.relative_to(folder)): path for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts}


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    root = release.copy_course(tmp_path_factory.mktemp("release") / "course")
    return release.generate_release(root, with_db=False)


@pytest.mark.slow
def test_committed_release_is_up_to_date(fresh_release):
    fresh, committed = files_under(fresh_release), files_under(COMMITTED)
    assert sorted(fresh) == sorted(committed), "release/ lists different files: run `make release`"
    stale = [name for name in fresh if name.endswith(".ipynb")
             and json.loads(fresh[name].read_text()) != json.loads(committed[name].read_text())]
    stale += [name for name in fresh if not name.endswith(".ipynb")
              and fresh[name].read_bytes() != committed[name].read_bytes()]
    assert not stale, f"release/ is stale in {stale}: run `make release` and commit it"


def test_release_holds_no_answers_and_no_hidden_files():
    names = files_under(COMMITTED)
    assert not [n for n in names if any(bad in n for bad in FORBIDDEN[:3])]
    notebook = (COMMITTED / f"{release.NOTEBOOK}.ipynb").read_text()
    for marker in FORBIDDEN[3:]:
        assert marker not in notebook
    for hand_in in ("xray_handin", "hand_in("):  # the hidden tests' code: only the grader's copy holds it
        assert hand_in not in notebook


@pytest.mark.slow
def test_nbgrader_called_by_its_full_path_needs_no_activated_environment(tmp_path):
    """nbgrader runs `alembic` by name to create a gradebook; the course config puts it on PATH."""
    import subprocess
    import sys

    root = release.copy_course(tmp_path / "course")
    nbgrader = Path(sys.executable).parent / "nbgrader"
    result = subprocess.run([str(nbgrader), "generate_assignment", release.ASSIGNMENT, "--force"], cwd=root,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (root / "gradebook.db").is_file() and (root / "release" / release.ASSIGNMENT).is_dir()


@pytest.mark.slow
def test_grading_shows_which_cell_runs_as_it_runs(tmp_path):
    """`make demo` prints a line per code cell while nbgrader executes the notebook (here: the blank release)."""
    import io
    import time

    import nbformat

    shown = io.StringIO()  # not a terminal: one line per cell
    notebook = COMMITTED / f"{release.NOTEBOOK}.ipynb"
    release.grade_notebook(notebook, workdir=tmp_path, on_line=release.progress_printer(time.perf_counter(), shown))
    lines = shown.getvalue().splitlines()
    code_cells = sum(cell.cell_type == "code" for cell in nbformat.read(notebook, as_version=4).cells)
    assert lines[0].endswith(f"Running cell 1 of {code_cells} (colab_setup), 0 s into the notebook")
    assert len(lines) == code_cells and any("(test_exp_mask)" in line for line in lines)
