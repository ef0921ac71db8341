"""DS9 region text read strictly by ``regions``: every line is used, or the error names it.

``regions`` warns and skips a line it cannot read (a misspelt shape, a
shape before any frame line, a bad size); a mask region silently dropped
is worse than an error, so here every warning it gives while reading is an
error about the line that caused it.

This module imports nothing but ``regions`` and the standard library: it is
the one DS9 reader of the course, used by the sky viewer here and loaded by
file from the instructors' side too.
"""

from __future__ import annotations

import warnings

from astropy.utils.exceptions import AstropyUserWarning
from regions import Regions

__all__ = ["DS9LineError", "parse_ds9", "region_lines"]

NO_FRAME_HINT = " (put a frame line such as 'icrs' or 'fk5' above it)"


class DS9LineError(ValueError):
    """A line of DS9 text that cannot be read: its number (from 1), its text, and why.

    Parameters
    ----------
    number : int
        Line number in the text, counting from 1.
    line : str
        The line's text, stripped of surrounding blanks.
    reason : str
        Why ``regions`` cannot read it (its error or warning message).
    """

    def __init__(self, number: int, line: str, reason: str):
        self.number, self.line, self.reason = number, line, reason
        super().__init__(f"line {number}: cannot read {line!r}: {reason}")


def parse_ds9(text: str) -> Regions:
    """The regions in DS9 ``text``; blank text has none.

    Parameters
    ----------
    text : str
        DS9 region text.

    Returns
    -------
    regions.Regions
        The regions as ``regions`` reads them (sky or pixel regions, any
        shape ``regions`` knows), in the order of the text.

    Raises
    ------
    DS9LineError
        For the first line that ``regions`` cannot read or would skip with
        a warning (a misspelt shape, a shape before any frame line, a bad
        size). When every line reads on its own terms but the whole text
        does not, the error names the last line.
    """
    if not text.strip():
        return Regions([])
    regions, reason = _attempt(text)
    if regions is not None:
        return regions
    for number, line, prefix, why in _prefixes(text):
        if prefix is None:
            raise DS9LineError(number, line, why)
    lines = text.strip().splitlines()
    raise DS9LineError(len(lines), lines[-1].strip(), reason)


def region_lines(text: str) -> list[tuple[int, str]]:
    """(number, text) of the line each region of ``text`` comes from, in the order `parse_ds9` gives them.

    Parameters
    ----------
    text : str
        DS9 region text, as given to `parse_ds9`.

    Returns
    -------
    list of (int, str)
        For each region, the number (from 1) and the stripped text of its
        line. Lines without a region (comments, frame lines, blank lines)
        do not appear; lines after one that ``regions`` cannot read add
        nothing.
    """
    found = []
    for number, line, prefix, _ in _prefixes(text):
        if prefix is not None:
            found.extend([(number, line)] * (len(prefix) - len(found)))
    return found


def _attempt(text: str) -> tuple[Regions | None, str]:
    """``(Regions, "")``, or ``(None, why)`` when ``regions`` fails on ``text`` or warns about it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", AstropyUserWarning)
        try:
            return Regions.parse(text, format="ds9"), ""
        except Exception as exc:  # noqa: BLE001 - regions raises many types, and its warnings are raised here
            why = (str(exc) or type(exc).__name__).replace(", skipping", "").rstrip(".")
    return None, why + NO_FRAME_HINT if "coordinate frame was not found" in why else why


def _prefixes(text: str):
    """For each line: its number, its text, and ``_attempt`` of the text up to it (earlier lines set the frame)."""
    lines = text.splitlines()
    for end in range(1, len(lines) + 1):
        yield end, lines[end - 1].strip(), *_attempt("\n".join(lines[:end]))
