"""Give every student a data set (instructor tool).

``python -m solutions_lib assign ROSTER.csv [--out assignments.csv] [--seed N]``

ROSTER.csv needs a ``student_id`` column. Data sets are dealt out so that
their counts differ by at most one; which student gets which depends only
on the roster and the seed, so rerunning gives the same table. Students
already in the output table keep their data set (so a late-enrolled
student does not reshuffle the class); newcomers fill the least-used data
sets. The table is what the grader judges by, and what you publish.
"""
from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

from ..data import catalogue
from ..grading.assignments import read_table, write_table
from ..grading.reference import reference_answers


def read_roster(path) -> list[str]:
    """Student ids from a CSV file with a ``student_id`` column, in file order, without repeats.

    Parameters
    ----------
    path : str or path-like
        The roster.

    Returns
    -------
    list of str
        The ids, stripped of spaces.

    Raises
    ------
    ValueError
        If there is no ``student_id`` column, or an id is empty, holds a
        ``/`` or starts with ``.`` (ids become folder names).
    """
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "student_id" not in reader.fieldnames:
            raise ValueError(f"{path} has no 'student_id' column (columns: {reader.fieldnames}).")
        ids = [row["student_id"].strip() for row in reader]
    bad = [i for i in ids if not i or "/" in i or i.startswith(".")]
    if bad:
        raise ValueError(f"{path}: unusable student ids {bad[:5]} (empty, '/' or leading '.').")
    return list(dict.fromkeys(ids))


def _draw(seed: int, *words: str) -> str:
    return hashlib.sha256(":".join((str(seed), *words)).encode()).hexdigest()


def deal(students: list[str], names: list[str], existing: dict[str, str], seed: int = 0) -> dict[str, str]:
    """student -> data set, keeping ``existing`` and balancing the rest over ``names``.

    Parameters
    ----------
    students : list of str
        The roster.
    names : list of str
        The data sets to deal.
    existing : dict of str to str
        Earlier table; an entry whose data set is not in ``names`` is dealt
        again.
    seed : int, optional
        Changes the order and the ties of the dealing.

    Returns
    -------
    dict of str to str
        One entry per student of ``students``, in roster order.
    """
    table = {s: d for s, d in existing.items() if d in names}
    load = Counter({name: 0 for name in names})
    load.update(table[s] for s in students if s in table)
    for student in sorted((s for s in students if s not in table), key=lambda s: _draw(seed, s)):
        choice = min(names, key=lambda name: (load[name], _draw(seed, student, name)))
        table[student] = choice
        load[choice] += 1
    return {s: table[s] for s in students}


def add_parser(subparsers):
    """Add the ``assign`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What `argparse.ArgumentParser.add_subparsers` returned.
    """
    parser = subparsers.add_parser("assign", help="give each student on a roster a data set")
    parser.add_argument("roster", help="CSV file with a student_id column")
    parser.add_argument("--out", default="assignments.csv", help="table to write (default: assignments.csv)")
    parser.add_argument("--seed", type=int, default=0, help="changes the dealing (default 0)")
    parser.set_defaults(func=run)


def gradable_datasets() -> tuple[list[str], list[str]]:
    """(data sets the grader has reference answers for, catalogue data sets it has none for yet)."""
    known = set(reference_answers()["datasets"])
    names = catalogue.dataset_names()
    return [n for n in names if n in known], [n for n in names if n not in known]


def run(args) -> int:
    """Deal the gradable data sets to the roster, write the table and print the counts.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed ``assign`` options (``roster``, ``out``, ``seed``).

    Returns
    -------
    int
        The exit status, 0.

    Raises
    ------
    ValueError
        If the roster or the existing table is malformed.
    """
    students = read_roster(args.roster)
    existing = read_table(args.out)
    names, missing = gradable_datasets()
    if missing:
        print(f"Not assigned, no reference answers yet (run `make reference`): {', '.join(missing)}")
    table = deal(students, names, existing, args.seed)
    write_table(args.out, table)
    counts = Counter(table.values())
    kept = sum(1 for s in students if existing.get(s) == table[s])
    print(f"{len(table)} students assigned ({kept} kept their earlier data set); written to {Path(args.out)}")
    for name in names:
        print(f"  {name}: {counts.get(name, 0)}")
    return 0
