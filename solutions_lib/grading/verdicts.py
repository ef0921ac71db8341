"""Judge one graded cell from the answers its hidden tests handed in (trusted side)."""
from __future__ import annotations

from pathlib import Path

from . import answers
from .checks import CHECKS, Verdict, fail, ok
from .handins import CONTEXT_KEYS, HandIn


def _missing_message(hand_in: HandIn, stop_note: str) -> str:
    names = ", ".join(f"`{name}`" for name in hand_in.answers) or "the answer"
    return (f"No answer was handed in for this test ({names}): the cell did not run to its end. "
            f"Fix the error shown in it or above it, and rerun the notebook from the top.{stop_note}")


def judge_cell(hand_ins: list[HandIn], answers_dir: Path, dataset: str, stop_note: str = "") -> Verdict:
    """The verdict of one graded cell: every hand-in of the cell must pass its check."""
    checks = [h for h in hand_ins if h.check not in CONTEXT_KEYS]
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
        if problems is not None and problems.size:
            return fail(" ".join(str(p) for p in problems.ravel()))
        absent = [name for name in hand_in.answers if name not in arrays]
        if absent:
            return fail(f"The answer file lacks {', '.join(absent)}.")
        try:
            verdict = CHECKS[hand_in.check](arrays, {**hand_in.options, "dataset": dataset})
        except KeyError as exc:
            verdict = fail(f"Your answer is missing a part the check needs: {exc}.")
        except Exception as exc:  # malformed answers must fail, never crash grading
            verdict = fail(f"Your answer could not be checked ({type(exc).__name__}: {exc}).")
        if not verdict.passed:
            return verdict
    return ok()


def notebook_dataset_name(answers_dir: Path) -> str | None:
    """The data set name the notebook itself used, if it handed it in."""
    try:
        arrays = answers.load_answers(Path(answers_dir) / "dataset.npz")
        return str(arrays["dataset_name"])[:100]
    except (answers.AnswerError, KeyError):
        return None
