"""``python -m solutions_lib autograde``: grade every collected submission, N at a time, in the sandbox."""
from __future__ import annotations

import argparse
import sys
import time



def add_parser(subparsers):
    """Register ``autograde``: grade every collected submission in parallel.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.
    """
    parser = subparsers.add_parser(
        "autograde",
        help="grade every submission in submitted/ in parallel (sandboxed, resumable) into the gradebook",
        description=(
            "Grade every submission in submitted/<student>/ASSIGNMENT/ of the course in the current "
            "folder: each notebook runs in its own grading sandbox on a Dask worker, N at a time, and "
            "nbgrader's own autograde then records the grades in the gradebook, one student at a time. "
            "Already graded submissions are skipped; an interrupted run continues where it stopped. "
            "Options after -- go to nbgrader as on its command line (e.g. "
            "-- --SandboxedExecute.notebook_timeout=1800)."),
    )
    parser.add_argument("assignment", nargs="?", default="xray_image")
    parser.add_argument("--jobs", "-j", type=int, default=None,
                        help="notebooks run at once on the local machine (default: the number of CPU cores)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="address of a running Dask scheduler (e.g. tcp://head-node:8786), or its "
                             "scheduler file, whose workers run the notebooks; --jobs is then ignored")
    parser.add_argument("--judges", type=int, default=None, metavar="N",
                        help="trusted processes on this machine that judge the answers of finished runs, several "
                             "students at a time (default: one per four cores, at most four)")
    parser.add_argument("--force", action="store_true", help="grade again submissions already graded")
    parser.add_argument("--student", action="append", default=None, metavar="ID",
                        help="grade only this student (repeatable)")
    parser.add_argument("--course-root", default=".", help="the nbgrader course root (default: here)")
    parser.add_argument("--release-dir", default=None,
                        help="the release folder as the workers see it (default: the course's release/ASSIGNMENT)")
    parser.add_argument("--student-python", default=None,
                        help="the student environment's python as the workers see it (default: as configured)")
    parser.add_argument("nbgrader_args", nargs="*", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args) -> int:
    """Grade the class with a live display, then print the summary table.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``autograde`` options.

    Returns
    -------
    int
        The exit status: 2 if the run cannot be set up, 130 if interrupted,
        1 if any student's grading failed, else 0.
    """
    from .coordinator import ClassGrader, GradingSetupError
    from .progress import Display, summary_table

    display = Display(total=0)
    started = time.monotonic()
    try:
        grader = ClassGrader(
            args.course_root, args.assignment, jobs_count=args.jobs, scheduler=args.scheduler, force=args.force,
            judges=args.judges,
            students=args.student, nbgrader_args=args.nbgrader_args, release_dir=args.release_dir,
            student_python=args.student_python, display=display)
    except GradingSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    interrupted = False
    try:
        outcomes = grader.run()
    except KeyboardInterrupt:
        outcomes, interrupted = list(grader.outcomes.values()), True
    finally:
        display.close()  # whatever happened, the terminal gets its cursor back
    print(summary_table(outcomes, time.monotonic() - started))
    if interrupted:
        print("interrupted: graded students are kept; run the same command again to continue", file=sys.stderr)
        return 130
    return 1 if any(o.status == "failed" for o in outcomes) else 0
