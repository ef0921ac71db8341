"""What the instructor sees while a class is graded: a progress bar, each student's status, a summary.

On a terminal, finished students scroll by as lines and a live block at
the bottom shows the bar and every student in progress with their elapsed
time. Elsewhere (a log file, CI) each change is one plain line.

Student ids and failure messages can carry a submission's text, so every
line is written through `untrusted_text.printable`: the only escape
sequences on the terminal are the display's own.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

from ...grading.untrusted_text import printable

BAR_WIDTH = 30
LINE_LIMIT = 1000
REFRESH_S = 0.5


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


@dataclass
class Outcome:
    """How one student's grading ended (one row of the summary)."""

    student: str
    status: str  # graded, failed, skipped, interrupted
    score: float | None = None
    max_score: float | None = None
    notebook_s: float | None = None  # the notebook's run in the sandbox (run.json)
    caps: list = field(default_factory=list)
    stop: str = ""
    worker: str = ""
    message: str = ""
    resumed: bool = False  # graded from a run stored by an earlier, interrupted run
    judging_s: float | None = None  # judging its answers in the pool (None: not judged there)
    nbgrader_s: float | None = None  # nbgrader's autograde of the student in the coordinator

    @property
    def score_text(self) -> str:
        if self.score is None:
            return "-"
        return f"{self.score:g}/{self.max_score:g}"


@dataclass
class _Active:
    state: str
    since: float
    worker: str = ""


class Display:
    """Progress of one grading run."""

    def __init__(self, total: int, stream=None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.total = total
        self.started = time.monotonic()
        self.active: dict[str, _Active] = {}
        self.done: list[Outcome] = []
        self._drawn = 0
        self._last = 0.0

    # --- events -----------------------------------------------------------------
    def queued(self, student: str) -> None:
        self.active[student] = _Active("queued", time.monotonic())

    def running(self, student: str, worker: str) -> None:
        if student in self.active:
            self.active[student] = _Active("running", time.monotonic(), worker)
            self._line(f"  running  {student} on {worker or 'a worker'}")

    def judging(self, student: str) -> None:
        entry = self.active.get(student)
        self.active[student] = _Active("judging", time.monotonic(), entry.worker if entry else "")
        self.refresh(force=True)

    def finished(self, outcome: Outcome) -> None:
        self.active.pop(outcome.student, None)
        self.done.append(outcome)
        self._line(self._finished_text(outcome))
        if not self.live:
            self._line(self._bar())

    # --- drawing ----------------------------------------------------------------
    def _counts(self) -> dict:
        counts = {"graded": 0, "skipped": 0, "failed": 0, "interrupted": 0}
        for outcome in self.done:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts

    def _bar(self) -> str:
        counts = self._counts()
        finished = len(self.done)
        filled = int(BAR_WIDTH * finished / self.total) if self.total else BAR_WIDTH
        running = sum(1 for a in self.active.values() if a.state in ("running", "judging"))
        queued = sum(1 for a in self.active.values() if a.state == "queued")
        return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {finished}/{self.total} done: "
                f"{counts['graded']} graded, {counts['skipped']} skipped, {counts['failed']} failed; "
                f"{running} running, {queued} queued; elapsed {clock(time.monotonic() - self.started)}")

    @staticmethod
    def _finished_text(outcome: Outcome) -> str:
        if outcome.status == "skipped":
            return f"  skipped  {outcome.student}: already graded ({outcome.score_text})"
        if outcome.status == "graded":
            caps = f", caps hit: {', '.join(outcome.caps)}" if outcome.caps else ""
            resumed = ", from the stored run" if outcome.resumed else ""
            return (f"  graded   {outcome.student}: {outcome.score_text}, notebook "
                    f"{clock(outcome.notebook_s)}{caps}{resumed}")
        return f"  {outcome.status.upper():<8} {outcome.student}: {outcome.message}"

    def _block(self) -> list[str]:
        now = time.monotonic()
        lines = [self._bar()]
        for student, entry in sorted(self.active.items(), key=lambda item: item[1].since):
            if entry.state != "queued":
                where = f" on {entry.worker}" if entry.worker else ""
                lines.append(f"    {entry.state:<8} {student:<20} {clock(now - entry.since)}{where}")
        return lines

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
            self._drawn = 0

    def _line(self, text: str) -> None:
        text = printable(text, LINE_LIMIT)
        if self.live:
            self._erase()
            self.stream.write(text + "\n")
            self.refresh(force=True)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def refresh(self, force: bool = False) -> None:
        if not self.live or (not force and time.monotonic() - self._last < REFRESH_S):
            return
        self._erase()
        block = [printable(line, LINE_LIMIT) for line in self._block()]
        self.stream.write("\n".join(block) + "\n")
        self.stream.flush()
        self._drawn = len(block)
        self._last = time.monotonic()

    def close(self) -> None:
        if self.live:
            self._erase()
            self.stream.write(self._bar() + "\n")
            self.stream.flush()


def summary_table(outcomes: list[Outcome], wall_s: float) -> str:
    """The closing table: one row per student, then the totals."""
    rows = [("student", "status", "score", "notebook", "caps hit", "stopped", "worker / reason")]
    for o in sorted(outcomes, key=lambda o: o.student):
        detail = o.message if o.status in ("failed", "interrupted") else o.worker
        rows.append((o.student, o.status + (" (resumed)" if o.resumed else ""), o.score_text,
                     clock(o.notebook_s), ", ".join(o.caps) or "-", o.stop or "-", detail or "-"))
    rows = [tuple(printable(cell, LINE_LIMIT) for cell in row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths)) + "  " + row[-1]
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    count = lambda status: sum(o.status == status for o in outcomes)  # noqa: E731
    executed = [o.notebook_s for o in outcomes if o.status == "graded" and o.notebook_s is not None]
    lines.append("")
    lines.append(
        f"graded {count('graded')} (of which {sum(o.resumed for o in outcomes)} from stored runs), "
        f"skipped {count('skipped')}, failed {count('failed')}"
        + (f", interrupted {count('interrupted')}" if count("interrupted") else "")
        + f"; caps hit in {sum(bool(o.caps) for o in outcomes if o.status == 'graded')}"
    )
    lines.append(f"wall time {clock(wall_s)} ({wall_s:.1f} s); notebooks run in the sandbox: {len(executed)}, "
                 f"{sum(executed):.1f} s in all" + (f", {sum(executed) / len(executed):.1f} s each on average"
                                                    if executed else ""))
    judged = [o.judging_s for o in outcomes if o.judging_s is not None]
    recorded = [o.nbgrader_s for o in outcomes if o.nbgrader_s is not None]
    if judged or recorded:
        lines.append(f"judged in the pool: {len(judged)}" + (f", {sum(judged) / len(judged):.1f} s each on average"
                                                             if judged else "")
                     + f"; nbgrader in the coordinator, one at a time: {len(recorded)}"
                     + (f", {sum(recorded) / len(recorded):.1f} s each on average" if recorded else ""))
    return "\n".join(lines)
