"""Time the execution of the whole reference notebook (target: at most 2 minutes on 2 cores).

Runs ``source/xray_image/xray_image.ipynb`` top to bottom with nbclient in a
temporary copy of its folder, the way nbgrader executes it (with the grading
kernel's ``xray_handin`` and ``answer_keys`` beside it, which save nothing
outside the grader), and prints the wall time per cell for the slowest cells
and in total. As a same-run baseline it also times an empty notebook (kernel
start-up and shutdown).
"""
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "source" / "xray_image"
KERNEL_SIDE = ROOT / "solutions_lib" / "grading" / "kernel_side"  # what the grading sandbox mounts
TARGET_S = 120.0


def execute(notebook, folder) -> list[float]:
    """Execute a notebook in ``folder``; return the wall time of each cell."""
    times = []
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            started = time.perf_counter()
            client.execute_cell(cell, index)
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "xray_image"
        shutil.copytree(SOURCE, folder, ignore=shutil.ignore_patterns(".grading", ".ipynb_checkpoints"))
        for module in ("xray_handin.py", "answer_keys.py"):
            shutil.copy(KERNEL_SIDE / module, folder)
        started = time.perf_counter()
        execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), folder)
        baseline = time.perf_counter() - started

        notebook = nbformat.read(folder / "xray_image.ipynb", as_version=4)
        started = time.perf_counter()
        cell_times = execute(notebook, folder)
        total = time.perf_counter() - started

    slowest = sorted(range(len(cell_times)), key=cell_times.__getitem__, reverse=True)[:12]
    print("slowest cells:")
    for index in slowest:
        cell = notebook.cells[index]
        label = cell.metadata.get("nbgrader", {}).get("grade_id") or cell.source.splitlines()[0][:50]
        print(f"  cell {index:3d} {cell_times[index]:7.1f} s  {label}")
    print(f"empty-notebook baseline (kernel start/stop): {baseline:.1f} s")
    print(f"whole reference notebook: {total:.1f} s (target <= {TARGET_S:.0f} s; "
          f"{total / TARGET_S:.2f} of target; {total / baseline:.0f}x the baseline)")


if __name__ == "__main__":
    main()
