"""What the notebook's hidden test cells call, inside the student's kernel.

``check(name, **answers)`` saves the answers as plain arrays under
``.grading/`` beside the notebook and asks a fresh, isolated Python process
(``python -I -m solutions_lib.grading.verify``) for the verdict. A failed
check raises AssertionError with a hint, which nbgrader scores as zero.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from . import artefacts

# Options passed as text; every other keyword is an answer to be checked.
META_KEYS = ("dataset", "datapath", "model")
VERIFY_TIMEOUT_S = 900

# Scalar calls (r, S0, rc, beta) and one array call used to probe betaModel.
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
    """Evaluate a student's betaModel at fixed points, recording any error."""
    values, errors = [], []
    try:
        values = [float(beta_model(*row)) for row in PROBE_ARGS]
        array_values = np.asarray(beta_model(PROBE_ARRAY_R.copy(), *PROBE_ARRAY_ARGS), dtype=float)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
        array_values = np.array([])
    return {
        "args": PROBE_ARGS,
        "values": np.array(values, dtype=float),
        "array_r": PROBE_ARRAY_R,
        "array_args": PROBE_ARRAY_ARGS,
        "array_values": array_values,
        "errors": np.array(errors, dtype=str),
    }


def _split(answers: dict) -> tuple[dict, dict]:
    meta = {key: str(answers.pop(key)) for key in META_KEYS if key in answers}
    arrays = {}
    for name, value in answers.items():
        if isinstance(value, dict):
            arrays.update({key: artefacts.to_plain_array(key, v) for key, v in value.items()})
        else:
            arrays[name] = artefacts.to_plain_array(name, value)
    return arrays, meta


def check(name: str, **answers) -> None:
    """Judge the answers for check ``name``; raise AssertionError if wrong."""
    try:
        arrays, meta = _split(dict(answers))
    except artefacts.ArtefactError as exc:
        raise AssertionError(str(exc)) from None
    path = artefacts.artefact_path(os.getcwd(), name, meta.get("model", ""))
    artefacts.save(path, name, arrays, meta)
    verdict = run_verifier(path)
    if not verdict["passed"]:
        raise AssertionError(verdict["message"])


def run_verifier(path) -> dict:
    """Run `verify` on one artefact in an isolated interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-m", "solutions_lib.grading.verify", str(path)],
            capture_output=True, text=True, timeout=VERIFY_TIMEOUT_S, env=env,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])
    except Exception as exc:
        return {"passed": False, "message": f"The grader could not run ({type(exc).__name__})."}
