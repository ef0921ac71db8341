"""The notebook's own solution, handed in on chosen data sets and graded as a class would be.

The instructor notebook's solution cells use no hidden package (numba
likelihoods, emcee's DEMove, the DIC as taught), so with ``dataset_name`` and
the ``region_string`` answer set to a data set they are what a careful
student following the hints would hand in. Each copy is graded in the
sandbox by the parallel grader (``python -m solutions_lib autograde``), one
notebook at a time so that each gets both cores, and the script prints the
automatic points per graded cell and the notebook's run time, kernel start
to end, per data set.

Usage: python benchmarks/grade_solution_per_dataset.py [--datasets A B ...] [--keep DIR]
(default: every data set of the catalogue). Exits 1 if any notebook misses an automatic point.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grading import build_course, gradebook_cells, notebook_times, scratch_folder  # noqa: E402

from solutions_lib.course import release  # noqa: E402
from solutions_lib.data import catalogue  # noqa: E402

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=catalogue.dataset_names())
    parser.add_argument("--keep", default=None, help="keep the course in this folder")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.datasets) - set(catalogue.dataset_names()))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {catalogue.dataset_names()}")
    with scratch_folder(args.keep, "grade-solution-") as work:
        root, students = build_course(work, len(args.datasets), cheap=False, names=args.datasets)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "solutions_lib", "autograde", "--jobs", "1",
                               release.ASSIGNMENT], cwd=root, capture_output=True, text=True)
        print(done.stdout[-3000:])
        if done.returncode != 0:
            print(done.stderr[-3000:])
            return 1
        cells = gradebook_cells(root)
        seconds = notebook_times(root, students)
        print(f"graded {len(students)} notebooks in {time.perf_counter() - started:.0f} s (sandbox, one at a time)")
        short = 0
        for student, name, wall in zip(students, args.datasets, seconds):
            scores = {cell: auto for (who, cell), (auto, _) in cells.items() if who == student and auto is not None}
            missing = [cell for cell, auto in scores.items() if auto == 0]
            short += bool(missing)
            print(f"{name:9s} ({catalogue.spec(name).layout}, {catalogue.spec(name).cool_core} core): "
                  f"{sum(scores.values()):g} automatic points, notebook {wall / 60:.1f} min"
                  + (f"; no points for {', '.join(missing)}" if missing else ""))
        return 1 if short else 0


if __name__ == "__main__":
    sys.exit(main())
