"""Judge one graded cell from the answers its hidden tests handed in (trusted side)."""
from __future__ import annotations

from pathlib import Path

from ..data import catalogue
from . import answers
from .checks import CHECKS, Verdict, fail
from .handins import CONTEXT_KEYS, HandIn


def _missing_message(hand_in: HandIn, stop_note: str) -> str:
    names = ", ".join(f"`{name}`" for name in hand_in.answers) or "the answer"
    return (f"No answer was handed in for this test ({names}): the cell did not run to its end. "
            f"Fix the error shown in it or above it, and rerun the notebook from the top.{stop_note}")


def judge_cell(hand_ins: list[HandIn], answers_dir: Path, dataset: str, stop_note: str = "") -> Verdict:
    """The verdict of one graded cell: every hand-in of the cell must pass its check.

    A passing cell keeps the notes and flags of its checks' verdicts.
    """
    checks = [h for h in hand_ins if h.check not in CONTEXT_KEYS]
    passed = []
    if not checks:
        return fail("This test has no automatic check configured; your instructor grades it.")
    for hand_in in checks:
        if hand_in.check not in CHECKS:
            return fail(f"The grader has no check called {hand_in.check!r}; please tell your instructor.")
        try:
            arrays = answers.load_answers(Path(answers_dir) / f"{hand_in.key}.npz")
        except answers.AnswerError as exc:
            missing = str(exc).endswith("was not handed in")
            return fail(_missing_message(hand_in, stop_note) if missing else f"Your answer is unusable: {exc}")
        problems = arrays.pop(answers.PROBLEMS_MEMBER, None)
        absent = [name for name in hand_in.answers if name not in arrays]
        if absent:  # names from the instructor's notebook; the kernel's own messages are not repeated
            unsaved = problems is not None and problems.size
            return fail(f"{', '.join(f'`{name}`' for name in absent)}: "
                        + ("not a plain array of numbers, so it could not be handed in; make it a numpy array "
                           "of numbers (or a list of them) and rerun the cell." if unsaved else
                           "missing from the answer file; rerun the notebook from the top."))
        try:
            verdict = CHECKS[hand_in.check](arrays, {**hand_in.options, "dataset": dataset})
        except KeyError:
            verdict = fail("Your answer is missing a part the check needs; rerun the notebook from the top.")
        except Exception as exc:  # malformed answers must fail, never crash grading
            verdict = fail(f"Your answer could not be checked (the check raised {type(exc).__name__}); "
                           "check the type and shape of each answer.")
        if not verdict.passed:
            return verdict
        passed.append(verdict)
    return Verdict(True, " ".join(v.message for v in passed if v.message),
                   " ".join(dict.fromkeys(v.flag for v in passed if v.flag)))


UNKNOWN_DATASET = "a name that is not a course data set"


def notebook_dataset_name(answers_dir: Path) -> str | None:
    """The data set name the notebook itself used, if it handed it in (a course data set's
    name, or `UNKNOWN_DATASET`: the student's text is never repeated)."""
    try:
        arrays = answers.load_answers(Path(answers_dir) / "dataset.npz")
        name = str(arrays["dataset_name"])
    except (answers.AnswerError, KeyError):
        return None
    return name if name in {entry.name for entry in catalogue.CATALOGUE} else UNKNOWN_DATASET
