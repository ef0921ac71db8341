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

from .course import assign, datasets_cli, reference_cli, regrade, release, report
from .course.autograde import cli as autograde_cli
from .data.mock import cli as mock_cli


def main(argv=None) -> int:
    """Parse the command line and run the chosen command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        The command's exit status (0 when it returns nothing).

    Raises
    ------
    SystemExit
        From `argparse`, for ``--help`` or arguments it cannot parse.
    """
    parser = argparse.ArgumentParser(
        prog="python -m solutions_lib",
        description="Instructor tools of the X-ray image tutorial.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    mock_cli.add_parser(subparsers)
    datasets_cli.add_parser(subparsers)
    reference_cli.add_fit_parser(subparsers)
    reference_cli.add_reference_parser(subparsers)
    assign.add_parser(subparsers)
    release.add_parsers(subparsers)
    regrade.add_parser(subparsers)
    autograde_cli.add_parser(subparsers)
    report.add_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
