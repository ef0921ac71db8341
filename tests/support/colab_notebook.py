"""Run a notebook as Google Colab runs one, for the tests of the notebook's Colab branch.

Colab starts a notebook in ``/content``, with ``google.colab`` already imported, and the
student's Drive appears under ``/content/drive`` once ``drive.mount`` has run. Here a
temporary folder stands for ``/content``; the course folder is copied to where Colab's
Drive puts it (``MyDrive/xray_image/``, in a folder the test-only ``drive.mount`` shows at
``<content>/drive``); the kernel is an ipykernel of the given Python with the test-only
``google.colab`` (tests/fixtures/colab_kernel/: Colab's real ``output/_widgets.py``, a stand-in
``drive.mount``). pip may not fetch anything (``PIP_NO_INDEX``): the notebook's install
cell has to find what it asks for already installed, as it would after a first run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from colab_support import write_kernelspec
from repo_paths import REPO
from notebook_edits import filled_release, set_answer


RELEASE_DIR = REPO / "release" / "xray_image"
SOURCE_NB = REPO / "source" / "xray_image" / "xray_image.ipynb"
STUDENT_PYTHON = REPO / ".venv-student" / "bin" / "python"  # the release's requirements
PIP_OFFLINE = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@dataclass
class ColabRun:
    content: Path  # what stands for /content (the kernel's working folder)
    course: Path  # the course folder in the test's Drive (MyDrive/xray_image)
    notebook: nbformat.NotebookNode  # the notebook as executed, with its outputs


def cell_text(cell) -> str:
    """What a code cell printed (streams, plain-text results, errors)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            parts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "".join(parts)


def answers_with_saved_chains():
    """The release with the instructor's answers, except that the two sampling cells load
    their chains from ``chains1.npy`` and ``chains2.npy`` in the working folder."""
    released = nbformat.read(RELEASE_DIR / "xray_image.ipynb", as_version=4)
    notebook = filled_release(released, nbformat.read(SOURCE_NB, as_version=4))
    notebook = set_answer(notebook, "fit_single", "chains = np.load('chains1.npy')")
    return set_answer(notebook, "fit_double", "chains2 = np.load('chains2.npy')")


def run_as_colab(root: Path, python: str | Path, notebook, files=(), monkeypatch=None,
                 timeout: int = 900) -> ColabRun:
    """Execute ``notebook`` top to bottom, stopping at the first error, as Colab would with
    the release copied to the Drive, its copy of the notebook there, and ``files`` (a
    student's own) in the working folder; kernel: ``python``. ``monkeypatch`` sets
    JUPYTER_PATH for the kernel's spec."""
    content, drive = root / "content", root / "drive-store"
    course = drive / "MyDrive" / "xray_image"
    content.mkdir(parents=True)
    shutil.copytree(RELEASE_DIR, course)
    nbformat.write(notebook, course / "xray_image.ipynb")
    for path in files:
        shutil.copy(path, content)
    data_dir = root / "jupyter-data"
    write_kernelspec(data_dir, str(python), drive=drive, env=PIP_OFFLINE)
    monkeypatch.setenv("JUPYTER_PATH", str(data_dir))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    executed = nbformat.read(course / "xray_image.ipynb", as_version=4)
    NotebookClient(executed, kernel_name="colab", timeout=timeout, record_timing=False,
                   resources={"metadata": {"path": str(content)}}).execute()
    return ColabRun(content, course, executed)
