"""What each graded cell of the instructor notebook hands in, read from its hidden tests.

The instructor notebook is the trusted description of grading: every
autograded cell's hidden region calls ``hand_in(KEY, name=value, ...)``.
KEY names the check and, after a dash, its model (``chains-single``;
`kernel_side.answer_keys`, shared with the kernel's `hand_in`); the
keyword names are the answers the check needs. This module reads those
calls from the instructor's copy of the notebook, never from a
submission, so what a cell is judged by cannot be changed by a student.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

from .cells import grade_id, is_autograded_test
from .kernel_side import answer_keys

CONTEXT_KEYS = {"dataset"}  # hand-ins that describe the submission rather than answer a test


@dataclass(frozen=True)
class HandIn:
    """One ``hand_in`` call: the answer file ``key`` holding ``answers``.

    Attributes
    ----------
    key : str
        The answer key, a check and maybe a model (``chains-single``).
    answers : tuple of str
        The keyword names of the call: the answers handed in.
    """

    key: str
    answers: tuple

    @property
    def check(self) -> str:
        return answer_keys.check_and_model(self.key)[0]

    @property
    def options(self) -> dict:
        model = answer_keys.check_and_model(self.key)[1]
        return {"model": model} if model else {}


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
            if not answer_keys.is_key(node.args[0].value):
                raise NotebookSpecError(f"hand_in in {where} names a bad answer key {node.args[0].value!r}")
            found.append(HandIn(node.args[0].value, tuple(k.arg for k in node.keywords if k.arg)))
    return found


@dataclass(frozen=True)
class HiddenTestMarkers:
    """The delimiters of hidden tests, as nbgrader's `ClearHiddenTests` is configured (its defaults here)."""

    begin: str = ClearHiddenTests.begin_test_delimeter.default_value
    end: str = ClearHiddenTests.end_test_delimeter.default_value

    @classmethod
    def from_config(cls, config) -> "HiddenTestMarkers":
        """The delimiters ``ClearHiddenTests.begin_test_delimeter`` and ``end_test_delimeter`` of ``config``.

        Parameters
        ----------
        config : traitlets.config.Config
            The course's configuration.

        Returns
        -------
        HiddenTestMarkers
        """
        clearer = ClearHiddenTests(config=config)
        return cls(clearer.begin_test_delimeter, clearer.end_test_delimeter)

    def regions(self, source: str) -> list[str]:
        """The text of each hidden region of ``source``, found line by line as nbgrader finds them.

        Parameters
        ----------
        source : str
            A cell's source.

        Returns
        -------
        list of str
            Each region's lines between the delimiters, newline-terminated; a
            region left open at the end of the cell is dropped.
        """
        regions, current = [], None
        for line in source.split("\n"):
            if self.begin in line:
                current = []
            elif self.end in line:
                if current is not None:
                    regions.append("\n".join(current) + "\n")
                current = None
            elif current is not None:
                current.append(line)
        return regions


def hidden_sources(notebook, markers: HiddenTestMarkers = HiddenTestMarkers()) -> dict[str, str]:
    """The text of the hidden region(s) of each graded code cell.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The instructor notebook.
    markers : HiddenTestMarkers, optional
        The hidden-test delimiters; nbgrader's defaults unless given.

    Returns
    -------
    dict of str to str
        grade_id -> its regions joined by newlines; cells without a hidden
        region are left out.
    """
    table = {}
    for cell in notebook.cells:
        if is_autograded_test(cell):
            regions = markers.regions(cell.source)
            if regions:
                table[grade_id(cell)] = "\n".join(regions)
    return table


def graded_handins(notebook, markers: HiddenTestMarkers = HiddenTestMarkers()) -> dict[str, list[HandIn]]:
    """The hand-ins of every autograded code cell, read from its hidden regions.

    A graded code cell without any ``hand_in`` maps to an empty list: the
    grader then has nothing to judge it by and gives no points.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The instructor notebook.
    markers : HiddenTestMarkers, optional
        The hidden-test delimiters; nbgrader's defaults unless given.

    Returns
    -------
    dict of str to list of HandIn
        grade_id -> that cell's ``hand_in`` calls.

    Raises
    ------
    NotebookSpecError
        If hidden code does not parse, or a ``hand_in`` does not name a
        valid answer key as a string literal.
    """
    table = {}
    sources = hidden_sources(notebook, markers)
    for cell in notebook.cells:
        if is_autograded_test(cell):
            name = grade_id(cell)
            table[name] = _calls_in(sources.get(name, ""), name)
    return table


def read_notebook(path):
    """Read the notebook at ``path`` as nbformat version 4.

    Parameters
    ----------
    path : str or path-like
        The ``.ipynb`` file.

    Returns
    -------
    nbformat.NotebookNode
    """
    return nbformat.read(str(path), as_version=4)


@dataclass(frozen=True)
class NotebookSpec:
    """What grading reads from the instructor notebook: each graded cell's hand-ins and hidden code.

    Attributes
    ----------
    handins : dict of str to list of HandIn
        grade_id -> that cell's hand-ins (`graded_handins`).
    hidden : dict of str to str
        grade_id -> the text of its hidden regions (`hidden_sources`).
    """

    handins: dict  # grade_id -> [HandIn]
    hidden: dict  # grade_id -> text of its hidden regions


@lru_cache(maxsize=8)
def _spec(path: str, stamp: tuple, markers: HiddenTestMarkers) -> NotebookSpec:
    notebook = read_notebook(path)
    return NotebookSpec(graded_handins(notebook, markers), hidden_sources(notebook, markers))


def notebook_spec(path, markers: HiddenTestMarkers = HiddenTestMarkers()) -> NotebookSpec:
    """The `NotebookSpec` of the instructor notebook at ``path``, read once until the file changes.

    Parameters
    ----------
    path : str or path-like
        The instructor notebook.
    markers : HiddenTestMarkers, optional
        The hidden-test delimiters; nbgrader's defaults unless given.

    Returns
    -------
    NotebookSpec

    Raises
    ------
    NotebookSpecError
        As `graded_handins`.
    """
    info = os.stat(path)
    return _spec(os.path.abspath(path), (info.st_mtime_ns, info.st_size), markers)


def source_folder(coursedir, assignment: str) -> Path:
    """The instructor's folder of ``assignment``: nbgrader's source folder, as ``coursedir`` places it.

    Parameters
    ----------
    coursedir : nbgrader.coursedir.CourseDirectory
        The course's configured folders.
    assignment : str
        The assignment's name.
    """
    return Path(coursedir.format_path(coursedir.source_directory, ".", assignment))


def source_notebook(coursedir, assignment: str, notebook: str) -> Path:
    """The instructor's copy of ``notebook`` (its name without .ipynb) in `source_folder`.

    Parameters
    ----------
    coursedir : nbgrader.coursedir.CourseDirectory
        The course's configured folders.
    assignment : str
        The assignment's name.
    notebook : str
        The notebook's name without .ipynb.

    Returns
    -------
    pathlib.Path
    """
    return source_folder(coursedir, assignment) / f"{notebook}.ipynb"


def instructor_spec(coursedir, config, assignment: str, notebook: str) -> NotebookSpec:
    """The `NotebookSpec` of `source_notebook`, read with the hidden-test delimiters of ``config``.

    Parameters
    ----------
    coursedir : nbgrader.coursedir.CourseDirectory
        The course's configured folders.
    config : traitlets.config.Config
        The course's whole configuration (``ClearHiddenTests`` gives the delimiters).
    assignment, notebook : str
        The assignment and the notebook's name without .ipynb.
    """
    markers = HiddenTestMarkers.from_config(config)
    return notebook_spec(source_notebook(coursedir, assignment, notebook), markers)
