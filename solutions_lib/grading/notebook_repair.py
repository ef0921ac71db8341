"""A submitted notebook nbgrader cannot grade, rebuilt on the released notebook (trusted side).

Students break notebooks by accident: they delete a test cell, turn one
into markdown, drag an answer below its test, paste a cell twice (two
cells then claim one ``grade_id``), or lose a cell's nbgrader metadata.
nbgrader then refuses the notebook ("could not prepare"), or grades a
notebook whose tests run before the answers they check.

`repair` compares the submission's nbgrader cells with the release's and,
when they differ, rebuilds the notebook in release order:

* every nbgrader cell of the release (an *anchor*) appears once, in release
  order, with the release's cell type and nbgrader metadata; a locked cell
  the student deleted comes back from the release (nbgrader then restores
  its hidden tests from the gradebook);
* an answer cell keeps the student's source; it is found by its
  ``grade_id``, else among the student's cells without one that lie where
  the answer belongs (between the neighbouring anchors), are of the right
  type, and are not an unchanged copy of a release cell, preferring the one
  most like the release's stub;
* every other cell of the student's stays, without nbgrader metadata,
  after the anchor it followed in the submission.

Nothing of the student's can claim points it did not have: answers only
enter answer cells, and locked cells are the release's. The notes say what
was repaired in words built from the release's ``grade_id`` values only,
never from the submission's text.
"""
from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field

import nbformat
from nbformat.corpus.words import generate_corpus_id
from nbgrader.utils import is_solution

from .cells import grade_id
from .untrusted_text import printable

NOTE_MARKER = "xray_grading_repair_note"  # cell metadata key of the note this module inserts
METADATA_KEY = "xray_grading"  # notebook metadata: {"repairs": [...]}, set by the grader only


@dataclass
class Repair:
    """The notebook to grade and what was changed to make it gradable (empty: nothing was)."""

    notebook: object
    notes: list = field(default_factory=list)

    @property
    def repaired(self) -> bool:
        """Whether anything was changed."""
        return bool(self.notes)


def _anchors(release) -> list:
    """The release's nbgrader cells, in order."""
    return [cell for cell in release.cells if grade_id(cell)]


def _claims(cells, known: set) -> tuple[dict, list]:
    """({grade_id: index of the cell that keeps it}, notes on duplicates and unknown ids).

    Of several cells claiming one id, the first of the released type keeps it.
    """
    claimed, notes, unknown = {}, [], 0
    by_id: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        gid = grade_id(cell)
        if gid is None:
            continue
        if gid not in known:
            unknown += 1
        else:
            by_id.setdefault(gid, []).append(index)
    for gid, indices in by_id.items():
        claimed[gid] = next((i for i in indices if cells[i].cell_type == known[gid].cell_type), indices[0])
        if len(indices) > 1:
            notes.append(f"{len(indices)} cells carried the id of cell '{gid}'; the copies were kept as your own cells")
    if unknown:
        notes.append(f"{unknown} cell(s) carried nbgrader metadata that is not part of this assignment; "
                     "it was removed")
    return claimed, notes


def _is_release_copy(cell, release_free: set) -> bool:
    return (cell.cell_type, cell.source) in release_free


def _find_lost_answer(anchor, cells, free: list, lower: int, upper: int, release_free: set) -> int | None:
    """Index of the student's cell that most likely holds ``anchor``'s answer, between two positions."""
    candidates = [i for i in free if lower < i < upper and cells[i].cell_type == anchor.cell_type
                  and not _is_release_copy(cells[i], release_free)]
    if not candidates:
        return None
    likeness = {i: difflib.SequenceMatcher(None, anchor.source, cells[i].source).ratio() for i in candidates}
    return max(candidates, key=lambda i: (likeness[i], i))


def _as_anchor(release_cell, student_cell=None):
    """The cell to grade for one anchor: the student's source (if any) under the release's type and metadata."""
    cell = copy.deepcopy(release_cell)
    if student_cell is not None:  # in a locked cell, nbgrader restores (and reports) any edit
        cell.source = student_cell.source
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def _plain(cell):
    """A student's own cell, without any nbgrader metadata."""
    cell = copy.deepcopy(cell)
    cell.metadata.pop("nbgrader", None)
    return cell


def _problems(cells, anchors, claimed: dict) -> list[str]:
    """What makes the submission's nbgrader cells differ from the release's."""
    notes = []
    for anchor in anchors:
        gid = grade_id(anchor)
        if gid not in claimed:
            if not is_solution(anchor):  # a lost answer is looked for, and noted, by `repair`
                notes.append(f"cell '{gid}' was missing (deleted, or its nbgrader metadata lost)")
            continue
        cell = cells[claimed[gid]]
        if cell.cell_type != anchor.cell_type:
            notes.append(f"cell '{gid}' had been turned into a {cell.cell_type} cell")
        elif cell.metadata.get("nbgrader") != anchor.metadata.get("nbgrader"):
            notes.append(f"cell '{gid}' had its nbgrader metadata changed")
    order = [grade_id(a) for a in anchors if grade_id(a) in claimed]
    positions = [claimed[gid] for gid in order]
    for before, after, p, q in zip(order, order[1:], positions, positions[1:]):
        if q < p:
            notes.append(f"cells '{before}' and '{after}' were in the wrong order")
    return notes


def _recover_lost_answers(cells, anchors, claimed: dict, release) -> list[str]:
    """Find answers whose nbgrader metadata was lost among the student's own cells; update ``claimed``."""
    if not claimed:  # nothing to place the answers by: not this assignment's notebook
        return ["none of the assignment's cells were found (was this the right notebook?): "
                "every answer is graded as not answered"]
    release_free = {(c.cell_type, c.source) for c in release.cells if not grade_id(c)}
    free = [i for i in range(len(cells)) if i not in claimed.values()]
    notes = []
    for position, anchor in enumerate(anchors):
        gid = grade_id(anchor)
        if gid in claimed or not is_solution(anchor):
            continue
        lower = max((claimed[grade_id(a)] for a in anchors[:position] if grade_id(a) in claimed), default=-1)
        upper = min((claimed[grade_id(a)] for a in anchors[position + 1:] if grade_id(a) in claimed),
                    default=len(cells))
        found = _find_lost_answer(anchor, cells, free, lower, upper, release_free)
        if found is None:
            notes.append(f"no answer to cell '{gid}' could be found: it is graded as not answered")
        else:
            claimed[gid] = found
            free.remove(found)
            notes.append(f"your answer to cell '{gid}' was found by its position and content")
    return notes


def _rebuild(cells, anchors, claimed: dict) -> list:
    """Release anchors in release order, each followed by the student's cells that followed it."""
    anchor_at = {index: gid for gid, index in claimed.items()}
    followers: dict[str | None, list] = {}
    host = None
    for index, cell in enumerate(cells):
        if index in anchor_at:
            host = anchor_at[index]
        else:
            followers.setdefault(host, []).append(_plain(cell))
    rebuilt = list(followers.get(None, []))
    for anchor in anchors:
        gid = grade_id(anchor)
        rebuilt.append(_as_anchor(anchor, cells[claimed[gid]] if gid in claimed else None))
        rebuilt.extend(followers.get(gid, []))
    return rebuilt


def repair(submission, release) -> Repair:
    """The gradable form of ``submission`` (a notebook node) given the ``release`` notebook it came from.

    Notes a previous repair inserted are dropped first; the rebuild itself is
    described in the module docstring.

    Parameters
    ----------
    submission : nbformat.NotebookNode
        The notebook as handed in; it is not changed.
    release : nbformat.NotebookNode
        The released notebook (student version).

    Returns
    -------
    Repair
        A copy of the submission, rebuilt and opened by a `repair_note` when
        something needed repairing; its metadata lists the notes under
        ``METADATA_KEY``.
    """
    cells = [cell for cell in submission.cells if NOTE_MARKER not in cell.metadata]
    anchors = _anchors(release)
    claimed, notes = _claims(cells, {grade_id(a): a for a in anchors})
    notes += _problems(cells, anchors, claimed)
    answers_lost = any(is_solution(a) and grade_id(a) not in claimed for a in anchors)
    result = copy.deepcopy(submission)
    result.cells = cells
    result.metadata[METADATA_KEY] = {"repairs": []}
    if not notes and not answers_lost:
        return Repair(result)
    notes += _recover_lost_answers(cells, anchors, claimed, release)
    result.cells = [repair_note(notes), *_rebuild(cells, anchors, claimed)]
    if result.nbformat_minor >= 5:
        _give_unique_ids(result.cells)
    else:
        for cell in result.cells:
            cell.pop("id", None)
    result.metadata[METADATA_KEY] = {"repairs": notes}
    return Repair(result, notes)


def repairs_of(notebook) -> list[str]:
    """What `repair` noted in ``notebook``'s metadata (at most 50 short lines of text).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook that went through `repair`, or any other.

    Returns
    -------
    list of str
        The notes, each made `printable`; empty when there are none or the
        metadata is malformed.
    """
    notes = notebook.metadata.get(METADATA_KEY, {}).get("repairs", [])
    if not isinstance(notes, list):
        return []
    return [printable(note) for note in notes[:50] if isinstance(note, str)]


def repair_note(notes: list[str]):
    """The markdown cell at the top of a repaired notebook, for the student and the hand grader.

    Parameters
    ----------
    notes : list of str
        What was repaired; one bullet each.

    Returns
    -------
    nbformat.NotebookNode
        A markdown cell, marked with ``NOTE_MARKER`` in its metadata.
    """
    text = ("**Autograder: this notebook was repaired before grading.** nbgrader could not grade it as "
            "handed in, so it was rebuilt on the released notebook: every test and instruction cell in "
            "its released place, your answers carried over (found by their cell id, otherwise by "
            "position and content), and your own extra cells kept after the cell they followed. "
            "What was found:\n\n" + "\n".join(f"* {note}" for note in notes))
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata[NOTE_MARKER] = True
    return cell


def _give_unique_ids(cells) -> None:
    seen = set()
    for cell in cells:
        if not cell.get("id") or cell["id"] in seen:
            cell["id"] = generate_corpus_id()
        seen.add(cell["id"])
