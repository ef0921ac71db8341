"""Text from a submission, made safe for where the grader shows it.

Verdict messages are written by the grader and reach the gradebook, the
formgrader and the feedback. Names and error texts from a submission are
chosen by the student (an answer's class, an exception raised on purpose, an
archive member's name), so a message never repeats them verbatim: it quotes
a name only if it is a plain Python identifier of at most 40 characters, and
says something generic otherwise (`plain_identifier`, `exception_name`).

Elsewhere a student's text is shown but neutralised: `printable` for
terminals and logs (no control characters, so no escape sequences), and
`spreadsheet_cell` for CSV files (no formulas, as OWASP recommends). HTML
pages escape with `html.escape`; student markdown and outputs are cleaned
by the `SanitizeStudentHtml` preprocessor.
"""
from __future__ import annotations

import re
import unicodedata

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.I)


def plain_identifier(text, fallback: str) -> str:
    """``text`` if it is a short plain identifier, else ``fallback``.

    Parameters
    ----------
    text : object
        A name from a submission; it is turned into a string.
    fallback : str
        What to say instead when it is not a plain identifier of at most 40
        characters.

    Returns
    -------
    str
    """
    text = str(text)
    return text if IDENTIFIER.fullmatch(text) else fallback


def exception_name(error_text: str) -> str:
    """The exception type of an error recorded as ``"TypeName: message"``, if plain; never the message.

    Parameters
    ----------
    error_text : str
        The recorded error.

    Returns
    -------
    str
        The type's name, or ``'an exception'`` when it is not a plain
        identifier.
    """
    return plain_identifier(str(error_text).split(":", 1)[0].strip(), "an exception")


def printable(text, limit: int = 300) -> str:
    """``text`` on one line without control or format characters (escape sequences), at most ``limit`` long.

    Parameters
    ----------
    text : object
        The text to show; it is turned into a string.
    limit : int, optional
        Longest result; a longer text is cut and ends with an ellipsis.

    Returns
    -------
    str
        ``text`` with every Unicode "other" character (category C) replaced
        by a space.
    """
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def spreadsheet_cell(value):
    """``value`` for a CSV cell: numbers as they are, text that a spreadsheet would run as a formula quoted.

    A text starting with ``= + - @``, a tab or a carriage return gets a
    leading apostrophe (OWASP's advice for CSV injection), unless it is a
    plain number such as ``-3.5``.

    Parameters
    ----------
    value : object
        The cell's value; anything but a string is returned as it is.

    Returns
    -------
    object
        ``value``, or the text with a leading apostrophe.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START) or NUMBER.fullmatch(value):
        return value
    return "'" + value
