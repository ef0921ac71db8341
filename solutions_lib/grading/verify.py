"""Judge one artefact in a fresh process: ``python -I -m solutions_lib.grading.verify FILE``.

Prints one JSON line ``{"check", "passed", "message"}``. Any failure to
read or judge the artefact is a failed check, never a pass: grading must not
give points a submission did not earn.
"""
from __future__ import annotations

import json
import sys
import traceback

from . import artefacts
from .checks import CHECKS, Verdict


def judge(path) -> tuple[str, Verdict]:
    """Load an artefact and run its check; return ``(check name, verdict)``."""
    try:
        check, arrays, meta = artefacts.load(path)
    except Exception as exc:
        return "unknown", Verdict(False, f"The saved answer could not be read ({exc}).")
    if check not in CHECKS:
        return check, Verdict(False, f"No check called {check!r}.")
    try:
        return check, CHECKS[check](arrays, meta)
    except KeyError as exc:
        return check, Verdict(False, f"Missing information for this check: {exc}")
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return check, Verdict(False, f"Your answer could not be checked ({type(exc).__name__}: {exc}).")


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -I -m solutions_lib.grading.verify ARTEFACT.npz", file=sys.stderr)
        return 2
    check, verdict = judge(argv[0])
    print(json.dumps({"check": check, "passed": verdict.passed, "message": verdict.message}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
