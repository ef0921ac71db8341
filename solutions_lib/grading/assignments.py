"""The published table of which data set each student analyses (``assignments.csv``).

Columns ``student_id,dataset``. The grader judges every submission on the
data set of its student here, whatever the notebook says.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("student_id", "dataset")


def read_table(path) -> dict[str, str]:
    """student_id -> data set; an empty table if the file does not exist.

    Rows without a student id are skipped; values are stripped of spaces.

    Parameters
    ----------
    path : str or path-like
        The ``assignments.csv`` file.

    Returns
    -------
    dict of str to str

    Raises
    ------
    ValueError
        If the file lacks the ``student_id`` or ``dataset`` column.
    """
    path = Path(path)
    if not path.exists():
        return {}
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not set(COLUMNS) <= set(reader.fieldnames):
            raise ValueError(f"{path} must have the columns {', '.join(COLUMNS)}; found {reader.fieldnames}")
        return {row["student_id"].strip(): row["dataset"].strip() for row in reader if row["student_id"].strip()}


def write_table(path, table: dict[str, str]) -> None:
    """Write the table as ``assignments.csv``, sorted by student id.

    Parameters
    ----------
    path : str or path-like
        The file to (over)write.
    table : dict of str to str
        student_id -> data set.
    """
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(sorted(table.items()))


@dataclass(frozen=True)
class DatasetChoice:
    """The data set a submission is judged on, and why."""

    assigned: str
    notebook: str | None  # what the notebook's dataset_name said, if handed in
    fallback: bool  # True: the student had no assignment; the default was used

    @property
    def note(self) -> str:
        """A sentence for the feedback when the choice needs explaining, else ''."""
        if self.fallback:
            return (f"You have no assigned data set in the course's table, so your work was "
                    f"graded against the default data set, {self.assigned}.")
        if self.notebook is not None and self.notebook != self.assigned:
            return (f"You were assigned {self.assigned}, but your notebook used {self.notebook}; "
                    f"your answers were graded against {self.assigned}.")
        return ""

    def as_dict(self) -> dict:
        """The three fields as a dict."""
        return {"assigned": self.assigned, "notebook": self.notebook, "fallback": self.fallback}


def choose(table: dict[str, str], student: str, notebook_name: str | None, default: str) -> DatasetChoice:
    """The data set to judge ``student``'s submission on: the table's, else ``default``.

    Parameters
    ----------
    table : dict of str to str
        student_id -> data set (see `read_table`).
    student : str
        The student's id.
    notebook_name : str or None
        The data set the notebook said it used, if any; kept for the note.
    default : str
        The data set of a student missing from the table.

    Returns
    -------
    DatasetChoice
    """
    if student in table:
        return DatasetChoice(table[student], notebook_name, False)
    return DatasetChoice(default, notebook_name, True)
