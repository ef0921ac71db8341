"""What the instructor sees while a class is graded: a progress bar, each student's status, a summary.

On a terminal a `rich` live block at the bottom shows the bar and every
student in progress with their elapsed time, and finished students scroll
by above it. Elsewhere (a log file, CI) each change is one plain line.

Student ids and failure messages can carry a submission's text, so they go
through `untrusted_text.printable` (no control characters, hence no escape
sequences) and reach rich only as `Text`, never as markup: an id such as
``[bold]x[/]`` is shown as typed, and the only escape sequences on the
terminal are the display's own.
"""
from __future__ import annotations

import io
import sys
import time
from dataclasses import dataclass, field

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ...grading.untrusted_text import printable

LINE_LIMIT = 1000
REFRESH_S = 0.5
SUMMARY_COLUMNS = ("student", "status", "score", "notebook", "caps hit", "stopped", "worker / reason")


def clock(seconds: float | None) -> str:
    """``seconds`` as ``mm:ss`` or ``h:mm:ss``; ``-`` for None.

    Parameters
    ----------
    seconds : float or None
        A duration, rounded to whole seconds.

    Returns
    -------
    str
    """
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def shown(text) -> Text:
    """Untrusted ``text`` as rich `Text`: one line, no control characters, never read as markup.

    Parameters
    ----------
    text : object
        What to show; cut to `LINE_LIMIT` characters by `untrusted_text.printable`.

    Returns
    -------
    rich.text.Text
    """
    return Text(printable(text, LINE_LIMIT))


@dataclass
class Outcome:
    """How one student's grading ended (one row of the summary).

    Attributes
    ----------
    student : str
        The student's id.
    status : str
        ``graded``, ``failed``, ``skipped`` or ``interrupted``.
    score, max_score : float or None
        Points awarded and possible; None when unknown.
    notebook_s : float or None
        Seconds the notebook ran in the sandbox (from ``run.json``).
    caps : list of str
        The caps the run hit.
    stop : str
        Why the notebook stopped, if it did.
    worker : str
        The worker that ran the notebook.
    message : str
        Why grading failed or was interrupted.
    resumed : bool
        Graded from a run stored by an earlier, interrupted run.
    judging_s : float or None
        Seconds spent judging its answers in the pool; None if not judged there.
    nbgrader_s : float or None
        Seconds of nbgrader's autograde of the student in the coordinator.
    """

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
    """Progress of one grading run, live on a terminal and line by line elsewhere.

    Parameters
    ----------
    total : int
        How many students the run has (the coordinator sets it once it knows).
    stream : file-like, optional
        Where to write; standard error by default.
    live : bool, optional
        Draw the live block; by default when ``stream`` is a terminal.
    """

    def __init__(self, total: int, stream=None, live: bool | None = None):
        stream = stream or sys.stderr
        self.live = stream.isatty() if live is None else live
        # A plain stream gets lines as long as they are: no wrapping, no colour, no cursor moves.
        self.console = Console(file=stream, force_terminal=self.live, force_interactive=self.live,
                               width=None if self.live else 2 * LINE_LIMIT,
                               markup=False, emoji=False, highlight=False)
        self.total = total
        self.started = time.monotonic()
        self.active: dict[str, _Active] = {}
        self.done: list[Outcome] = []
        self._bar = Progress(BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}", markup=False),
                             TimeElapsedColumn(), console=self.console)
        self._task = self._bar.add_task("", total=total)
        self._screen = Live(console=self.console, auto_refresh=False, transient=True, get_renderable=self._block)
        self._last = 0.0

    # --- events -----------------------------------------------------------------
    def queued(self, student: str) -> None:
        """Note that ``student``'s job is waiting for a worker (not shown until it runs).

        Parameters
        ----------
        student : str
            The student's id.
        """
        self.active[student] = _Active("queued", time.monotonic())

    def running(self, student: str, worker: str) -> None:
        """Show that a queued student's notebook started on ``worker``; ignored for others.

        Parameters
        ----------
        student : str
            The student's id.
        worker : str
            The worker's address (``""`` if unknown).
        """
        if student in self.active:
            self.active[student] = _Active("running", time.monotonic(), worker)
            self._say(Text.assemble("  running  ", shown(student), " on ", shown(worker or "a worker")))

    def judging(self, student: str) -> None:
        """Show that ``student``'s answers are being judged or recorded.

        Parameters
        ----------
        student : str
            The student's id.
        """
        entry = self.active.get(student)
        self.active[student] = _Active("judging", time.monotonic(), entry.worker if entry else "")
        self.refresh(force=True)

    def finished(self, outcome: Outcome) -> None:
        """Show how a student's grading ended, and off a terminal the running tally.

        Parameters
        ----------
        outcome : Outcome
            How it ended.
        """
        self.active.pop(outcome.student, None)
        self.done.append(outcome)
        self._say(self._finished_text(outcome))
        if not self.live:
            self._say(Text(f"{len(self.done)}/{self.total} {self._tally()}; "
                           f"elapsed {clock(time.monotonic() - self.started)}"))

    # --- drawing ----------------------------------------------------------------
    def _tally(self) -> str:
        """How the finished students ended and how many are running or waiting."""
        counts = {"graded": 0, "skipped": 0, "failed": 0}
        for outcome in self.done:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        running = sum(1 for a in self.active.values() if a.state in ("running", "judging"))
        queued = sum(1 for a in self.active.values() if a.state == "queued")
        return (f"done: {counts['graded']} graded, {counts['skipped']} skipped, {counts['failed']} failed; "
                f"{running} running, {queued} queued")

    @staticmethod
    def _finished_text(outcome: Outcome) -> Text:
        student = shown(outcome.student)
        if outcome.status == "skipped":
            return Text.assemble("  skipped  ", student, f": already graded ({outcome.score_text})")
        if outcome.status == "graded":
            caps = f", caps hit: {', '.join(outcome.caps)}" if outcome.caps else ""
            resumed = ", from the stored run" if outcome.resumed else ""
            return Text.assemble("  graded   ", student, f": {outcome.score_text}, notebook "
                                 f"{clock(outcome.notebook_s)}", shown(caps), resumed)
        return Text.assemble(f"  {outcome.status.upper():<8} ", student, ": ", shown(outcome.message))

    def _status(self) -> Progress:
        """The bar, brought up to date: students finished of all, the tally, the time since the start."""
        self._bar.update(self._task, total=self.total, completed=len(self.done), description=self._tally())
        return self._bar

    def _block(self) -> Group:
        """The live block: the bar, then each student being run or judged, longest first."""
        now = time.monotonic()
        students = Table.grid(padding=(0, 2))
        for student, entry in sorted(self.active.items(), key=lambda item: item[1].since):
            if entry.state != "queued":
                students.add_row("  " + entry.state, shown(student), clock(now - entry.since), shown(entry.worker))
        return Group(self._status(), students)

    def _say(self, line: Text) -> None:
        """One event: a plain line, or on a terminal a line above the live block."""
        self.console.print(line, soft_wrap=not self.live)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Redraw the live block, at most every `REFRESH_S` seconds unless ``force``.

        Does nothing off a terminal.

        Parameters
        ----------
        force : bool, optional
            Redraw even if the last redraw was under `REFRESH_S` seconds ago.
        """
        if not self.live or (not force and time.monotonic() - self._last < REFRESH_S):
            return
        if not self._screen.is_started:
            self._screen.start()
        self._screen.refresh()
        self._last = time.monotonic()

    def close(self) -> None:
        """Replace the live block by the bar alone."""
        if self._screen.is_started:
            self._screen.stop()
            self.console.print(self._status())


def summary_table(outcomes: list[Outcome], wall_s: float) -> str:
    """The closing table: one row per student, then the totals.

    Parameters
    ----------
    outcomes : list of Outcome
        How each student's grading ended.
    wall_s : float
        Seconds the whole run took.

    Returns
    -------
    str
        Plain text, no escape sequences: a header, one row per student with
        its cells separated by spaces (the first two are the student and the
        status, the last the worker or the failure), then the totals.
    """
    table = Table(*SUMMARY_COLUMNS, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for o in sorted(outcomes, key=lambda o: o.student):
        detail = o.message if o.status in ("failed", "interrupted") else o.worker
        table.add_row(*(shown(cell) for cell in (
            o.student, o.status + (" (resumed)" if o.resumed else ""), o.score_text, clock(o.notebook_s),
            ", ".join(o.caps) or "-", o.stop or "-", detail or "-")))
    text = io.StringIO()
    Console(file=text, width=len(SUMMARY_COLUMNS) * (LINE_LIMIT + 2), color_system=None,
            markup=False, emoji=False, highlight=False).print(table)
    lines = [line.rstrip() for line in text.getvalue().splitlines()]
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
