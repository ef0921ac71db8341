"""Grading a class: serial ``nbgrader autograde`` against ``python -m solutions_lib autograde --jobs N``.

``make bench-grading`` (or ``python benchmarks/bench_grading.py [--students 8] [--jobs 2]``) builds a
temporary course with one honest submission per student: the instructor notebook with
``dataset_name`` and the ``region_string`` cell set to the student's data set (the
reference mask), a different data set for each student, and an ``assignments.csv`` to
match. It grades two copies of that course, first serially with nbgrader, then with the
parallel grader on a local Dask cluster of N workers, checks that both gradebooks agree
cell by cell, and prints both wall times, the speed-up and the time per notebook.

``--cheap`` replaces the honest submissions by cheap ones (the first four answers only, no
MCMC) to try the machinery in a minute. ``--unsandboxed`` grades both ways without the sandbox,
with the instructor environment as the kernel's (so that a reference notebook whose solution
cells still import ``solutions_lib`` can run): the timings then leave out the sandbox's start-up,
which is milliseconds. In the parallel run each notebook gets one thread
(``OMP_NUM_THREADS=NUMBA_NUM_THREADS=1``), as the README advises, so that N workers share N cores.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "support"))  # the notebook edits the tests use

from solutions_lib.course import release  # noqa: E402
from solutions_lib.data import catalogue  # noqa: E402
from solutions_lib.grading import records  # noqa: E402
from solutions_lib.grading.reference import reference_answers  # noqa: E402

from class_submissions import set_dataset  # noqa: E402
from notebook_edits import set_answer  # noqa: E402


def honest_notebook(source, name: str):
    """The instructor notebook as a student on data set ``name`` would hand it in."""
    notebook = set_dataset(nbformat.from_dict(json.loads(json.dumps(source))), name)
    return set_answer(notebook, "region_string", f'region_string = """{catalogue.reference_region_string(name)}"""')


def cheap_notebook(released, name: str):
    notebook = set_dataset(nbformat.from_dict(json.loads(json.dumps(released))), name)
    notebook = set_answer(notebook, "region_string", f'region_string = """{catalogue.reference_region_string(name)}"""')
    notebook = set_answer(notebook, "exp_mask", "exp_mask = ex < 0.5 * ex.max()")
    return set_answer(notebook, "new_im", "new_im = np.full(data['im'].shape, np.nan)\n"
                                          "new_im.flat[data['goodpix']] = data['flatim']")


def gradebook_cells(root) -> dict:
    from nbgrader.api import Gradebook

    table = {}
    with Gradebook(records.gradebook_url(root)) as gradebook:
        for submission in gradebook.assignment_submissions(release.ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    table[(submission.student_id, grade.name)] = (grade.auto_score, grade.manual_score)
    return table


def notebook_times(root, students) -> list[float]:
    return [records.RunRecord.read(root / "answers" / s / release.ASSIGNMENT).wall_s for s in students]


@contextlib.contextmanager
def scratch_folder(keep, prefix: str):
    """A work folder: ``keep`` if given (left in place), else a temporary one removed afterwards."""
    work = Path(keep or tempfile.mkdtemp(prefix=prefix))
    work.mkdir(parents=True, exist_ok=True)
    try:
        yield work
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def build_course(work: Path, count: int, cheap: bool, names=None) -> tuple[Path, list[str]]:
    """A temporary course with ``count`` submissions, one data set each (``names``, or the
    catalogue's data sets with reference answers in turn), and its ``assignments.csv``."""
    root = release.copy_course(work / "course")
    release.generate_release(root)
    if names is None:
        with_reference = [n for n in catalogue.dataset_names() if n in reference_answers()["datasets"]]
        names = [with_reference[i % len(with_reference)] for i in range(count)]
    source = nbformat.read(root / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb", as_version=4)
    released = nbformat.read(root / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb", as_version=4)
    students = [f"student{i + 1:02d}" for i in range(count)]
    (root / "assignments.csv").write_text(
        "student_id,dataset\n" + "".join(f"{s},{n}\n" for s, n in zip(students, names)))
    for student, name in zip(students, names):
        notebook = cheap_notebook(released, name) if cheap else honest_notebook(source, name)
        path = work / f"{student}.ipynb"
        nbformat.write(notebook, path)
        release.submit(root, student, path)
    return root, students


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cheap", action="store_true", help="cheap submissions (no MCMC), to try the machinery")
    parser.add_argument("--keep", default=None, help="keep the courses in this folder")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="grade without the sandbox, the kernel in the instructor environment")
    args = parser.parse_args(argv)
    nbgrader_args = []
    if args.unsandboxed:
        nbgrader_args = ["--SandboxedExecute.sandbox=False",
                         f"--SandboxedExecute.student_python={REPO / '.venv' / 'bin' / 'python'}"]
    elif not args.cheap and "solutions_lib" in (REPO / "notebook_src" / "xray_image.py").read_text():
        print("warning: the notebook's solution cells still import solutions_lib, which the sandbox hides: "
              "the reference submissions cannot pass and their timings mean little.", flush=True)

    with scratch_folder(args.keep, "bench-grading-") as work:
        print(f"building a course with {args.students} {'cheap' if args.cheap else 'honest'} submissions "
              f"in {work} ...", flush=True)
        base, students = build_course(work, args.students, args.cheap)
        serial_root, parallel_root = work / "serial", work / "parallel"
        shutil.copytree(base, serial_root, symlinks=True)
        shutil.copytree(base, parallel_root, symlinks=True)

        print("serial: nbgrader autograde ...", flush=True)
        started = time.perf_counter()
        release.autograde(serial_root, None, *nbgrader_args)
        serial_s = time.perf_counter() - started

        print(f"parallel: python -m solutions_lib autograde --jobs {args.jobs} ...", flush=True)
        started = time.perf_counter()
        threads = {"OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        done = subprocess.run([sys.executable, "-m", "solutions_lib", "autograde", "--jobs", str(args.jobs),
                               release.ASSIGNMENT, "--", *nbgrader_args],
                              cwd=parallel_root, capture_output=True, text=True, env={**os.environ, **threads})
        parallel_s = time.perf_counter() - started
        print(done.stdout)
        if done.returncode != 0:
            print(done.stderr[-3000:])
            return 1

        same = gradebook_cells(serial_root) == gradebook_cells(parallel_root)
        serial_nb, parallel_nb = notebook_times(serial_root, students), notebook_times(parallel_root, students)
        totals = {s: sum(v[0] or 0.0 for (who, _), v in gradebook_cells(parallel_root).items() if who == s)
                  for s in students}
        print(f"\n{args.students} submissions ({'cheap' if args.cheap else 'reference solutions'}), "
              f"{args.jobs} workers, on {os.cpu_count()} cores"
              + (", WITHOUT the sandbox (instructor environment)" if args.unsandboxed else ", in the sandbox"))
        print(f"  serial nbgrader autograde : {serial_s:8.1f} s wall  ({serial_s / args.students:.1f} s per submission)")
        print(f"  parallel, {args.jobs} workers       : {parallel_s:8.1f} s wall  "
              f"({parallel_s / args.students:.1f} s per submission)")
        print(f"  speed-up                  : {serial_s / parallel_s:8.2f} x")
        print(f"  notebook run (kernel start to end): serial {statistics.mean(serial_nb):.1f} s "
              f"(min {min(serial_nb):.1f}, max {max(serial_nb):.1f}); parallel {statistics.mean(parallel_nb):.1f} s "
              f"(min {min(parallel_nb):.1f}, max {max(parallel_nb):.1f})")
        print(f"  grading outside the sandbox (serial wall - notebooks): "
              f"{(serial_s - sum(serial_nb)) / args.students:.1f} s per submission")
        print(f"  gradebooks identical cell by cell: {same}")
        print(f"  automatic points per student: {sorted(set(totals.values()))}")
        return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
