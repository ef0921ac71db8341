"""Print the lower bounds of the notebook's Colab install cell as exact pins, one per line.

The cell (``colab_setup`` in notebook_src/xray_image.py) installs what Colab may lack with
``>=`` bounds only; ``make lowest`` installs these pins over the release's requirements, so
that ``make validate-colab`` runs the notebook on the oldest versions the cell accepts.

Usage: python tools/colab_bounds.py [notebook_src/xray_image.py]
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "notebook_src" / "xray_image.py"


def colab_bounds(source: Path) -> dict[str, str]:
    """The ``colab_packages`` dict of the install cell: package name -> lowest version."""
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "colab_packages"
                for target in node.targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"no colab_packages = {{...}} in {source}")


if __name__ == "__main__":
    for name, low in colab_bounds(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE).items():
        print(f"{name}=={low}")
