"""The stored reference answers, ``solutions_lib/reference/reference.json``.

``python -m solutions_lib reference`` (`course.reference_cli`) refits every
course data set and writes the file with `write_reference`; the hidden
checks, the assignment of data sets and the class report read it here. The
file never ships to students. Every stored fit carries its self-checks
(`engine.selfcheck`); `reference_for` refuses a fit that failed them, or
that was stored without them, so that students are never graded against a
wrong reference.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from ..data.catalogue import PACKAGE_DIR
from ..engine.selfcheck import FitChecks

REFERENCE_FILE = PACKAGE_DIR / "reference" / "reference.json"
DESCRIPTION = (
    "Reference posteriors of the X-ray image tutorial (python -m solutions_lib reference). "
    "Per data set and model: posterior mean, sd, median, MAP (natural units, paramnames "
    "order as keys) and DIC, the prior's bounds and the fit's self-checks. DICs leave out the "
    "constant 2*sum(log N!) (log_factorial_sum), the same for both models."
)


class ReferenceCheckError(RuntimeError):
    """A stored reference fit failed its self-checks (or has none): it must not be used to grade."""


def read_reference(path=REFERENCE_FILE) -> dict:
    """The whole reference document at ``path``.

    Parameters
    ----------
    path : str or Path, optional
        The JSON file; `REFERENCE_FILE` by default.

    Returns
    -------
    dict
        ``description``, ``seed`` and ``datasets``.
    """
    return json.loads(Path(path).read_text())


@lru_cache(maxsize=1)
def reference_answers() -> dict:
    """The stored document (read once per process), keyed by data set then model under ``datasets``."""
    return read_reference(REFERENCE_FILE)


def reference_for(name: str, model: str) -> dict:
    """Posterior summary and DIC of ``model`` on data set ``name``.

    Parameters
    ----------
    name : str
        A course data set.
    model : str
        'single' or 'double'.

    Returns
    -------
    dict
        The stored entry.

    Raises
    ------
    KeyError
        If nothing is stored for ``name`` and ``model``.
    ReferenceCheckError
        If that fit failed its self-checks or was stored without them.
    """
    entry = reference_answers()["datasets"][name][model]
    if "checks" not in entry:
        raise ReferenceCheckError(
            f"The stored reference {model} fit of {name} has no self-checks (it was written by an older "
            f"engine), so it cannot be trusted to grade: run `python -m solutions_lib reference --datasets {name}`.")
    checks = FitChecks.from_dict(entry["checks"])
    if not checks.passed:
        raise ReferenceCheckError(
            f"The stored reference {model} fit of {name} failed its self-checks, so it cannot be used to grade: "
            + " ".join(checks.lines())
            + f" Fix the cause, then run `python -m solutions_lib reference --datasets {name}`.")
    return entry


def write_reference(results: dict, seed: int, path=REFERENCE_FILE) -> Path:
    """Write the reference answers to ``path``.

    Parameters
    ----------
    results : dict
        Per data set, as `reference_cli.reference_answers` makes them.
    seed : int
        The seed the fits used, recorded in the file.
    path : str or Path, optional
        Where to write; parent folders are created.

    Returns
    -------
    Path
        The file written.
    """
    document = {
        "description": DESCRIPTION,
        "seed": seed,
        "datasets": {name: results[name] for name in sorted(results)},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    return path
