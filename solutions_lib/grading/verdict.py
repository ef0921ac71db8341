"""A check's decision: passed or not, why (a machine-readable reason), what to tell the student, and a flag.

The reason is what tools read (`regrade`, the class report); the message is
for the student and may be reworded freely. ``verdicts.json`` stores both
(`records.write_verdicts`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Why a verdict failed; ``PASSED`` for one that passed."""

    PASSED = "passed"
    MISSING_ANSWER = "missing-answer"          # no answer file: the cell did not run to its end
    MALFORMED = "malformed"                    # an answer the checks cannot use (type, shape, unreadable)
    CAP_HIT = "cap-hit"                        # an answer beyond the grader's caps (bytes, numbers, chains)
    WRONG_VALUE = "wrong-value"                # a well-formed answer that is wrong
    NOT_CONVERGED = "not-converged"            # chains whose R or n_eff miss the notebook's thresholds
    IMPLAUSIBLE_DRAWS = "implausible-draws"    # chains that are no draws from this posterior
    FAR_FROM_REFERENCE = "far-from-reference"  # posterior medians far from what the data support
    WRONG_DIC = "wrong-dic"                    # a DIC that is not that of the chains, or DIC1 - DIC2 far off
    NO_CHECK = "no-check"                      # nothing to judge the cell by: the instructor grades it
    NOT_RUN = "not-run"                        # the notebook was not run by the grading sandbox


@dataclass(frozen=True)
class Verdict:
    """A check's decision.

    Parameters
    ----------
    passed : bool
        Whether the check passed.
    reason : Reason
        Why (``Reason.PASSED`` for a pass).
    message : str, optional
        What to tell the student.
    flag : str, optional
        What the hand grader should look at although the check passed.
    """

    passed: bool
    reason: Reason
    message: str = ""
    flag: str = ""

    def as_dict(self) -> dict:
        """The verdict as ``verdicts.json`` stores it (the reason as its text)."""
        return {**asdict(self), "reason": str(self.reason)}

    @classmethod
    def from_dict(cls, stored: dict) -> "Verdict":
        """Inverse of `as_dict`.

        Parameters
        ----------
        stored : dict
            As ``verdicts.json`` stores it; ``message`` and ``flag`` may be missing.

        Returns
        -------
        Verdict
        """
        return cls(bool(stored["passed"]), Reason(stored["reason"]), stored.get("message", ""),
                   stored.get("flag", ""))


def ok(message: str = "", flag: str = "") -> Verdict:
    """A passing verdict.

    Parameters
    ----------
    message : str, optional
        What to tell the student.
    flag : str, optional
        What the hand grader should look at.

    Returns
    -------
    Verdict
    """
    return Verdict(True, Reason.PASSED, message, flag)


def fail(reason: Reason, message: str) -> Verdict:
    """A failing verdict.

    Parameters
    ----------
    reason : Reason
        Why it failed.
    message : str
        What to tell the student.

    Returns
    -------
    Verdict
    """
    return Verdict(False, reason, message)
