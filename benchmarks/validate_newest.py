"""The reference solution on the newest packages (`make validate-colab`, part of `make validate`).

A Colab student runs the notebook on whatever versions Colab and pip give, not on the pins
of the release's requirements.txt. `make newest` builds `.venv-newest` from the same list
with every `==` made `>=` (so: the newest versions the registry serves); this script prints
those versions beside the pins, then autograde grades the instructor's notebook in a
temporary course, in the grading sandbox, with that environment as the student's, and
prints the score table and the time taken. Exits non-zero unless every automatic point is
earned.

Usage: python benchmarks/validate_newest.py [--python .venv-newest/bin/python]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from solutions_lib.course import release  # noqa: E402

REQUIREMENTS = REPO / "source" / "xray_image" / "requirements.txt"


def pinned() -> dict[str, str]:
    """name -> pinned version, from the release's requirements."""
    pins = {}
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def installed(python: Path, names) -> dict[str, str]:
    """name -> version installed in the environment of ``python``."""
    code = ("import importlib.metadata as m, json, sys; "
            "print(json.dumps({n: m.version(n) for n in json.loads(sys.argv[1])}))")
    out = subprocess.run([str(python), "-c", code, json.dumps(list(names))],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, default=REPO / ".venv-newest" / "bin" / "python")
    args = parser.parse_args()
    if not args.python.exists():
        print(f"{args.python} is missing: run `make newest`", file=sys.stderr)
        return 2
    pins = pinned()
    newest = installed(args.python, pins)
    print(f"{'package':<12} {'pinned':>10} {'newest':>10}")
    for name, version in pins.items():
        print(f"{name:<12} {version:>10} {newest[name]:>10}")

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = release.copy_course(Path(tmp) / "course")
        release.generate_release(root)
        release.submit(root, "newest", root / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb")
        release.autograde(root, "newest", f"--SandboxedExecute.student_python={args.python.absolute()}")
        rows = release.scores(root, "newest")
    print(release.format_scores(rows))
    print(f"graded in {time.perf_counter() - started:.0f} s")
    lost = [row["grade_id"] for row in rows if not row["manual"] and row["score"] < row["max_score"]]
    if lost:
        print(f"FAILED on the newest packages: {', '.join(lost)}")
        return 1
    print("OK: full automatic marks on the newest packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
