"""Quoting a submission's text in the grader's messages: at most a short, plain identifier.

Verdict messages are written by the grader and reach the gradebook, the
formgrader and the feedback. Names and error texts from a submission are
chosen by the student (an answer's class, an exception raised on purpose, an
archive member's name), so a message never repeats them verbatim: it quotes
a name only if it is a plain Python identifier of at most 40 characters, and
says something generic otherwise.
"""
from __future__ import annotations

import re

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def plain_identifier(text, fallback: str) -> str:
    """``text`` if it is a short plain identifier, else ``fallback``."""
    text = str(text)
    return text if IDENTIFIER.fullmatch(text) else fallback


def exception_name(error_text: str) -> str:
    """The exception type of an error recorded as ``"TypeName: message"``, if plain; never the message."""
    return plain_identifier(str(error_text).split(":", 1)[0].strip(), "an exception")
