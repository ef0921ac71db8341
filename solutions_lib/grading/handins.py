"""What each graded cell of the instructor notebook hands in, read from its hidden tests.

The instructor notebook is the trusted description of grading: every
autograded cell's hidden region calls ``hand_in(KEY, name=value, ...)``.
KEY names the check and, after a dash, its model (``chains-single``); the
keyword names are the answers the check needs. This module reads those
calls from the instructor's copy of the notebook, never from a
submission, so what a cell is judged by cannot be changed by a student.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import nbformat

from .cells import grade_id, is_autograded_test

HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
CONTEXT_KEYS = {"dataset"}  # hand-ins that describe the submission rather than answer a test


@dataclass(frozen=True)
class HandIn:
    """One ``hand_in`` call: the answer file ``key`` holding ``answers``."""

    key: str
    answers: tuple

    @property
    def check(self) -> str:
        return self.key.split("-")[0]

    @property
    def options(self) -> dict:
        parts = self.key.split("-")
        return {"model": parts[1]} if len(parts) > 1 else {}


class NotebookSpecError(ValueError):
    """The instructor notebook's hidden tests are not in the expected form."""


def _calls_in(source: str, where: str) -> list[HandIn]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookSpecError(f"hidden tests of {where} do not parse: {exc}") from None
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "hand_in":
            if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                raise NotebookSpecError(f"hand_in in {where} must name its key as a string literal")
            found.append(HandIn(node.args[0].value, tuple(k.arg for k in node.keywords if k.arg)))
    return found


def hidden_sources(notebook) -> dict[str, str]:
    """grade_id -> text of the hidden region(s) of each graded code cell."""
    table = {}
    for cell in notebook.cells:
        if is_autograded_test(cell):
            regions = HIDDEN_REGION.findall(cell.source)
            if regions:
                table[grade_id(cell)] = "\n".join(regions)
    return table


def graded_handins(notebook) -> dict[str, list[HandIn]]:
    """grade_id -> the hand-ins of that cell, for every autograded code cell.

    A graded code cell without any ``hand_in`` maps to an empty list: the
    grader then has nothing to judge it by and gives no points.
    """
    table = {}
    sources = hidden_sources(notebook)
    for cell in notebook.cells:
        if is_autograded_test(cell):
            name = grade_id(cell)
            table[name] = _calls_in(sources.get(name, ""), name)
    return table


def read_notebook(path):
    return nbformat.read(str(path), as_version=4)
