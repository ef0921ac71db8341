"""Build the instructor notebook from its reviewable jupytext source.

``python tools/build_notebook.py`` writes ``source/xray_image/xray_image.ipynb``
from ``notebook_src/xray_image.py`` (no outputs); ``--check`` exits 1 if the
committed notebook differs from a fresh build.
"""
import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "notebook_src" / "xray_image.py"
NOTEBOOK = ROOT / "source" / "xray_image" / "xray_image.ipynb"


def build() -> str:
    """The notebook JSON built from the script."""
    notebook = jupytext.read(SCRIPT, fmt="py:percent")
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in notebook.cells:
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.nbformat, notebook.nbformat_minor = 4, 4
    return nbformat.writes(notebook) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed notebook is stale")
    args = parser.parse_args()
    text = build()
    if args.check:
        if not NOTEBOOK.exists() or NOTEBOOK.read_text() != text:
            print(f"{NOTEBOOK.relative_to(ROOT)} is stale: run `make notebook`.", file=sys.stderr)
            return 1
        print("notebook is up to date")
        return 0
    NOTEBOOK.write_text(text)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} ({len(nbformat.reads(text, 4).cells)} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
