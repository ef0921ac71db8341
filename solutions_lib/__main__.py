"""Command line of the reference library: ``python -m solutions_lib COMMAND``.

Data: ``mock`` (simulate one observation), ``datasets`` (build and summarise
the course data sets). Inference: ``fit`` (fit one model to one data set),
``reference`` (recompute the stored reference answers). Course: ``assign``
(give each student a data set), ``release`` (regenerate the student
version), ``demo`` (autograde the reference solution), ``regrade``
(re-judge autograded submissions from their saved answers), ``autograde``
(grade every submission in parallel, sandboxed, resumable), ``report`` (the
class report: HTML page and CSV tables).
"""
import argparse
import sys

from . import assign, course, fit_cli, report, summary
from .grading import regrade
from .grading.batch import cli as batch_cli
from .mock import cli as mock_cli


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m solutions_lib",
        description="Instructor tools of the X-ray image tutorial.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    mock_cli.add_parser(subparsers)
    summary.add_parser(subparsers)
    fit_cli.add_fit_parser(subparsers)
    fit_cli.add_reference_parser(subparsers)
    assign.add_parser(subparsers)
    course.add_parsers(subparsers)
    regrade.add_parser(subparsers)
    batch_cli.add_parser(subparsers)
    report.add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
