"""The trusted judging alone, on stored honest submissions: the old path against the `Judgement`, and a pool.

``make bench-grading`` runs it after `bench_grading.py` (or ``python benchmarks/bench_judging.py
[--students 16] [--processes 1 2 4]``). It stores the answer folders of ``--students`` honest
submissions over the data sets with cached honest chains (`stored_answers`, `honest_chains`; chains
are made where missing, about a minute each), then judges every one:

* **before**: the grader as it was at ``--old-rev`` (the last commit before issue 23: each graded
  cell judged on its own, `verdicts.judge_cell`), from that commit's ``solutions_lib`` taken out
  with ``git archive``;
* **after**: one `judgement.Judgement` per student, as `JudgeAnswers` and the judging pool do;

each in a fresh single-threaded process (``NUMBA_NUM_THREADS=1``), after judging one more student
untimed (compilation, imports), so that the figures are seconds of one core per student. Both
paths must give every student the same pass or fail in every cell. Then the class is judged by a
pool of 1, 2 and 4 judging processes as the parallel grader starts them (`coordinator._judge`), once
to warm them up and once timed: the throughput. From the figures it prints the time of a class on
paper (``--class-size`` students, ``--workers`` notebooks at once, ``--notebook-s`` per notebook).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent import futures
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "tests" / "support")]

OLD_REV = "9ccb30c"  # main before issue 23
NBGRADER_S = 0.8  # nbgrader in the coordinator per student: the parallel grader's summary (README)
NAMES = ("cl_j0142", "cl_j0815", "cl_j1029", "cl_j0309", "cl_j1720", "cl_j1347", "cl_j0933", "cl_j0547")
SOURCE_NOTEBOOK = REPO / "source" / "xray_image" / "xray_image.ipynb"

# Run in a fresh process, with the package to time first on sys.path: judge one student untimed, then each
# student of the list once; print {student: [CPU seconds, wall seconds, {grade_id: passed}]} as JSON.
TIMER = r"""
import json, sys, time
old = sys.argv[1] == "old"
folders = json.loads(sys.argv[2])
from solutions_lib.grading import handins
spec = handins.graded_handins(handins.read_notebook(sys.argv[3]))
if old:
    from solutions_lib.grading.verdicts import judge_cell
    judge = lambda folder, name: {g: judge_cell(h, folder, name).passed for g, h in spec.items()}
else:
    from solutions_lib.grading.judgement import Judgement
    judge = lambda folder, name: {g: v.passed for g, v in Judgement(folder, name).verdicts(spec).items()}
warm_folder, warm_name = folders.pop("warm-up")
judge(warm_folder, warm_name)
times = {}
for student, (folder, name) in folders.items():
    cpu, wall = time.process_time(), time.perf_counter()
    passed = judge(folder, name)
    times[student] = [time.process_time() - cpu, time.perf_counter() - wall, passed]
print(json.dumps(times))
"""


def old_package(work: Path, rev: str) -> Path:
    """The repository's ``solutions_lib`` as it was at ``rev``, beside this checkout's ``source/``."""
    folder = work / f"old-{rev}"
    if not (folder / "solutions_lib").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        archive = work / f"{rev}.tar"
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", "-o", str(archive), rev, "solutions_lib"],
                       check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(folder, filter="data")
        (folder / "source").symlink_to(REPO / "source")
    return folder


def time_path(package_root: Path, which: str, folders: dict) -> dict:
    """{student: (CPU s, wall s, {grade_id: passed})} of judging each student once in a fresh one-thread process."""
    env = {**os.environ, "PYTHONPATH": str(package_root), "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", TIMER, which, json.dumps(folders), str(SOURCE_NOTEBOOK)],
                          capture_output=True, text=True, env=env, cwd=package_root)
    if done.returncode != 0:
        raise RuntimeError(f"the {which} path failed:\n{done.stderr[-3000:]}")
    return {student: tuple(row) for student, row in json.loads(done.stdout).items()}


def pool_seconds(processes: int, table: dict) -> float:
    """Wall seconds for a pool of ``processes`` judging processes to judge every student once (warmed up first)."""
    import multiprocessing

    from solutions_lib.course.autograde.coordinator import _judge, _start_judge
    from solutions_lib.grading import handins

    spec = handins.graded_handins(handins.read_notebook(SOURCE_NOTEBOOK))
    with futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                     initializer=_start_judge) as pool:
        timed = []
        for _ in range(2):  # the first pass starts the processes and fills their caches
            started = time.perf_counter()
            list(pool.map(_judge, *zip(*[(spec, str(folder), name, "") for folder, name in table.values()])))
            timed.append(time.perf_counter() - started)
    return timed[-1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=16)
    parser.add_argument("--processes", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--old-rev", default=OLD_REV)
    parser.add_argument("--work", default=str(HERE / "out" / "judging"), help="where the answer folders are kept")
    parser.add_argument("--class-size", type=int, default=200)
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--notebook-s", type=float, default=190.0,
                        help="one notebook's run on one core (README: a reference notebook, 190 s)")
    parser.add_argument("--nbgrader-s", type=float, default=NBGRADER_S,
                        help="nbgrader's autograde of one student in the coordinator, with the verdicts judged "
                             "(the parallel grader's summary says it)")
    args = parser.parse_args(argv)

    import stored_answers

    work = Path(args.work)
    table = stored_answers.stored_class(work / "answers", args.students + 1, list(NAMES))
    warm = table.pop(f"student{args.students + 1:02d}")
    folders = {"warm-up": [str(warm[0]), warm[1]], **{s: [str(f), n] for s, (f, n) in table.items()}}
    names = sorted({name for _, name in table.values()})
    print(f"{len(table)} honest submissions on {len(names)} data sets ({', '.join(names)}), on {os.cpu_count()} "
          "cores", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-judging-") as tmp:
        before = time_path(old_package(Path(tmp), args.old_rev), "old", dict(folders))
    after = time_path(REPO, "new", dict(folders))
    same = all(before[s][2] == after[s][2] for s in table)
    passed = sum(all(after[s][2].values()) for s in table)

    def mean(path, column):
        return sum(path[s][column] for s in table) / len(table)

    old_s, new_s = mean(before, 0), mean(after, 0)
    print(f"\njudging one student in one thread (mean of {len(table)}; CPU seconds, then wall seconds on this "
          "shared machine):")
    print(f"  before (each cell on its own, {args.old_rev}): {old_s:6.2f} s CPU  {mean(before, 1):6.2f} s wall  "
          f"(CPU min {min(v[0] for v in before.values()):.2f}, max {max(v[0] for v in before.values()):.2f})")
    print(f"  after (one Judgement per student)   : {new_s:6.2f} s CPU  {mean(after, 1):6.2f} s wall  "
          f"(CPU min {min(v[0] for v in after.values()):.2f}, max {max(v[0] for v in after.values()):.2f})")
    print(f"  speed-up                            : {old_s / new_s:6.1f} x CPU  "
          f"{mean(before, 1) / mean(after, 1):6.1f} x wall")
    print(f"  same pass/fail in every cell: {same}; students passing every cell: {passed}/{len(table)}")

    print(f"\njudging {len(table)} students in a pool of judging processes (warm):")
    rates = {}
    for processes in args.processes:
        seconds = pool_seconds(processes, table)
        rates[processes] = seconds / len(table)
        print(f"  {processes} process{'es' if processes > 1 else '  '}: {seconds:6.1f} s wall, "
              f"{rates[processes]:5.2f} s per student, {60 / rates[processes]:5.1f} students per minute", flush=True)

    notebooks = args.class_size * args.notebook_s / args.workers
    best = min(rates, key=rates.get)
    judging = args.class_size * rates[best]
    recording = args.class_size * args.nbgrader_s
    total = max(notebooks, judging, recording) + args.notebook_s + new_s + args.nbgrader_s
    print(f"\non paper: {args.class_size} students, {args.workers} workers, {args.notebook_s:.0f} s per notebook, "
          f"{args.nbgrader_s:.1f} s of nbgrader per student in the coordinator:")
    print(f"  notebooks {notebooks / 60:.1f} min; judging {judging / 60:.1f} min with {best} judging processes "
          f"({args.class_size * new_s / 60:.1f} min of one core); nbgrader {recording / 60:.1f} min, one at a time")
    print(f"  all three overlap: about {total / 60:.0f} min (the longest, plus one student's way through)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
