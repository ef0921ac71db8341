"""Hand a notebook's answers to the autograder (runs inside the student's kernel).

This file is mounted read-only into every grading sandbox, and the
instructor notebook's hidden test cells call `hand_in`. It imports nothing
but numpy, the standard library and `answer_keys` beside it (mounted with
it), because the sandbox has no access to the instructor package.

`hand_in` only *saves* answers: it never judges them. The verdict is
computed after the kernel has exited, by the trusted grader, from these
files alone. A submission that replaces or bypasses this function can
change nothing but its own answers, which it could write anyway.

Answers are written as ``<key>.npz`` (`answer_keys`) in the folder named by the
environment variable ``XRAY_ANSWERS_DIR``; without it (any run outside the
autograder), `hand_in` does nothing.
"""
from __future__ import annotations

import os

import numpy as np

if __package__:  # imported by the grader, as part of solutions_lib
    from . import answer_keys
else:  # in the kernel, where this folder is on the path
    import answer_keys

ANSWERS_ENV = "XRAY_ANSWERS_DIR"

# Fixed calls used to probe a student's betaModel(r, S0, rc, beta): scalar
# calls (one row each), then one call with an array of radii. The grader
# compares the values handed in with the formula at exactly these inputs.
PROBE_ARGS = np.array([
    [0.0, 1.0, 1.0, 0.67],
    [1.0, 1.0, 1.0, 0.67],
    [3.7, 2.5e-5, 6.0, 0.9],
    [120.0, 1.3e-6, 25.0, 0.55],
    [10.0, 4.0, 0.5, 2.0],
    [0.25, 7.0, 3.0, 0.45],
])
PROBE_ARRAY_R = np.geomspace(0.1, 400.0, 37)
PROBE_ARRAY_ARGS = np.array([3.0e-5, 8.0, 0.72])


def probe_beta_model(beta_model) -> dict:
    """Values of ``beta_model`` at the probe inputs, and the text of any error.

    Parameters
    ----------
    beta_model : callable
        The student's ``betaModel(r, S0, rc, beta)``.

    Returns
    -------
    dict
        ``scalar_values``: array of shape (6,), one value per row of
        `PROBE_ARGS`; ``array_values``: the values at `PROBE_ARRAY_R`
        (37 radii); ``error``: the error's type and message (at most 500
        characters), or ``""``. Both arrays are empty after an error.
    """
    try:
        scalar = np.array([float(beta_model(*row)) for row in PROBE_ARGS])
        array = np.asarray(beta_model(PROBE_ARRAY_R.copy(), *PROBE_ARRAY_ARGS), dtype=float)
        error = ""
    except Exception as exc:  # the student's function may fail in any way
        scalar, array, error = np.array([]), np.array([]), f"{type(exc).__name__}: {exc}"
    return {"scalar_values": scalar, "array_values": array, "error": error[:500]}


def as_plain_array(name: str, value) -> np.ndarray:
    """``value`` as a numeric, boolean or text array, never a pickled object.

    Parameters
    ----------
    name : str
        The answer's name, for the error message.
    value : object
        The answer: a string, a number, or anything `numpy.asarray` takes.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    TypeError
        If ``value`` cannot become an array, or becomes one of objects or
        another non-plain dtype.
    """
    if isinstance(value, str):
        return np.array(value)
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and exotic objects
        raise TypeError(f"`{name}` could not be turned into an array: {exc}") from None
    if array.dtype == object or array.dtype.kind not in "biufUS":
        raise TypeError(f"`{name}` should hold numbers; it holds {array.dtype} ({type(value).__name__}).")
    return array


def hand_in(key: str, **answers) -> None:
    """Save ``answers`` (name -> value) as the answer file ``key``.

    A value that cannot be saved as a plain array is recorded as an error
    message, so that the grader can say which answer was unusable. Outside
    the autograder (no ``XRAY_ANSWERS_DIR``) nothing is written.

    Parameters
    ----------
    key : str
        The answer key (`answer_keys`), e.g. ``"chains-single"``.
    **answers
        Answer name -> value.

    Raises
    ------
    ValueError
        If ``key`` is not an answer key (only checked inside the autograder).
    """
    folder = os.environ.get(ANSWERS_ENV)
    if not folder:
        return
    path = os.path.join(folder, answer_keys.file_name(key))  # ValueError for a bad key
    arrays, problems = {}, []
    for name, value in answers.items():
        try:
            arrays[name] = as_plain_array(name, value)
        except TypeError as exc:
            problems.append(str(exc))
    if problems:
        arrays["__problems__"] = np.array(problems)
    np.savez(path, **arrays)
