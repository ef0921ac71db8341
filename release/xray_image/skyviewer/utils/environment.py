"""When the sky viewer should stay out of the way (grading, headless runs)."""

from __future__ import annotations

import os
import sys

__all__ = ["skip_reason"]

_TRUE = {"1", "true", "yes", "on"}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUE


def skip_reason() -> str | None:
    """Why the viewer would not be shown here, or ``None`` when it is.

    Skipped under nbgrader (``NBGRADER_EXECUTION``), with
    ``SKYVIEWER_DISABLE=1``, outside a Jupyter kernel, and when the notebook
    is executed headless (nbclient, nbconvert and papermill send execute
    requests that do not allow stdin). ``SKYVIEWER_FORCE=1`` shows it in a
    headless kernel all the same (e.g. Voila); the first two still win.
    """
    if os.environ.get("NBGRADER_EXECUTION"):
        return "running under nbgrader (NBGRADER_EXECUTION is set)"
    if _flag("SKYVIEWER_DISABLE"):
        return "SKYVIEWER_DISABLE is set"
    if _flag("SKYVIEWER_FORCE"):
        return None
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return "not running in a Jupyter kernel"
    allow_stdin = None
    try:  # the request being executed
        allow_stdin = kernel.get_parent().get("content", {}).get("allow_stdin")
    except Exception:  # noqa: BLE001 - very old or unusual kernels
        pass
    if allow_stdin is None:
        allow_stdin = getattr(kernel, "_allow_stdin", True)
    if not allow_stdin:
        return "headless execution (nbclient/nbconvert)"
    return None
