"""Execute a submission in the grading sandbox, with a cap on the whole notebook's time."""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Integer, Type, Unicode, validate

from .. import cells, records, sandbox, workspace
from ..kernel import SandboxedKernelManager

CAP_ERRORS = {"MemoryError": "memory", "BlockingIOError": "processes"}
PROGRESS_WORD = "Running"  # each code cell's log line begins "Running cell N of M" (release.progress_printer reads it)
FORCED = {"interrupt_on_timeout": False, "shutdown_kernel": "immediate"}  # settings the sandbox's guarantees need


class NotebookTimeout(RuntimeError):
    """The whole notebook ran past its wall-time cap."""


class ExecutionStopped(Exception):
    """Execution stopped before the notebook's end, for the reason in ``stop``.

    Parameters
    ----------
    stop : records.Stop
        Why, and in which cell; its message is the exception's.
    """

    def __init__(self, stop: records.Stop):
        super().__init__(stop.message)
        self.stop = stop


@dataclass(frozen=True)
class _KernelPlace:
    """Where one submission's kernel runs: what `SandboxedKernelManager` needs besides the options."""

    assignment: str
    student_python: str
    grading_run: workspace.GradingRun
    uid: int | None


class SandboxedExecute(Execute):
    """nbgrader's `Execute`, with the kernel in the sandbox and the run's answers collected.

    Every submission runs in a fresh temporary copy of its folder, as its
    own uid, with the release files read-only, no network, and capped
    memory, processes, file size and total time. When a cap is hit or the
    kernel dies, execution stops there, the cell says why, and grading
    goes on with the answers handed in so far. Afterwards the answers are
    copied to ``<answers_directory>/<student>/<assignment>/`` with a
    `records.RunRecord`, and the temporary folder is deleted.

    It runs nbconvert's own execution loop and extends nbclient where it
    offers hooks, as nbgrader's `Execute` does: ``create_kernel_manager``
    (the ``kernel_manager_class``, a `SandboxedKernelManager`),
    ``on_notebook_start`` (the notebook's clock starts),
    ``on_cell_start`` (the notebook cap, the progress log line),
    ``timeout_func`` (each cell's timeout, cut to the notebook's time
    left; here a method, so ``timeout_func`` is not an option: set
    ``timeout`` and ``notebook_timeout``) and ``preprocess_cell`` (a stop
    becomes a note in the cell). Two of nbclient's settings are forced by
    validation, with a warning in the log when configured otherwise:
    ``interrupt_on_timeout`` is False (a cell out of time stops the
    notebook, where the cap is recorded, instead of going on with a kernel
    that may ignore the interrupt) and ``shutdown_kernel`` is
    ``immediate`` (the submission's exit hooks get no time after its last
    cell, nor past the time cap).

    Parameters
    ----------
    **kwargs
        Traitlets options and configuration, as for nbgrader's `Execute`;
        ``kernel_manager_class`` defaults to `SandboxedKernelManager`.
    """

    sandbox = Bool(True, help=(
        "Run each kernel in the bubblewrap sandbox. Turn off only if you accept running "
        "untrusted student code with the grader's rights: grades are then not protected.")
    ).tag(config=True)
    student_python = Unicode("", help=(
        "Python of the student environment (a virtual environment without solutions_lib); "
        "default: .venv-student/bin/python in the course root, else beside the grader's own "
        "environment.")
    ).tag(config=True)
    memory_limit_mb = Integer(8192, help="Address-space cap of the kernel and each process it starts (MiB).").tag(config=True)
    max_processes = Integer(256, help="Cap on processes and threads the sandbox may run at once.").tag(config=True)
    max_file_size_mb = Integer(512, help="Largest file the notebook may write (MiB).").tag(config=True)
    tmp_size_mb = Integer(1024, help="Size of the sandbox's private /tmp (MiB).").tag(config=True)
    quota_mb = Integer(2048, help="Disk quota of one submission's workspace and answers (MiB): a size-capped "
                                  "tmpfs when grading as root, 0 for none.").tag(config=True)
    notebook_timeout = Integer(3600, help="Wall-clock cap for the whole notebook (seconds).").tag(config=True)
    release_directory = Unicode("", help=(
        "Folder with the release files the notebook reads (data, helper modules); "
        "default: the course's release/<assignment>.")
    ).tag(config=True)
    discard_kernel_output = Bool(False, help=(
        "Discard what the kernel process itself writes to its stdout and stderr (its start-up banner, "
        "anything a submission writes to file descriptors 1 and 2 directly). The notebook's outputs "
        "are not affected. The parallel grader turns this on so that workers' logs stay readable.")
    ).tag(config=True)
    answers_directory = Unicode(records.DEFAULT_ANSWERS_DIRECTORY, help=(
        "Folder, relative to the course root, where each submission's handed-in answers and run "
        "record are kept (answers/<student>/<assignment>/).")
    ).tag(config=True)

    kernel_manager_class = Type(SandboxedKernelManager, klass=SandboxedKernelManager, help=(
        "Kernel manager of the submissions' kernels: `SandboxedKernelManager` or a subclass of it.")
    ).tag(config=True)
    interrupt_on_timeout = Bool(False, help=(
        "Always False here: a cell that runs out of time stops the notebook (a warning is logged if "
        "configured True).")
    ).tag(config=True)
    shutdown_kernel = Enum(["graceful", "immediate"], "immediate", help=(
        "Always 'immediate' here: the submission's exit hooks get no time after its last cell (a warning "
        "is logged if configured otherwise).")
    ).tag(config=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)  # nbgrader's Execute sets its own
        super().__init__(**kwargs)
        self._place: _KernelPlace | None = None
        self._started = 0.0

    @validate(*FORCED)
    def _forced(self, proposal):
        name = proposal["trait"].name
        if proposal["value"] != FORCED[name]:
            self.log.warning("%s.%s is always %r in the grading sandbox; the configured %r is ignored",
                             type(self).__name__, name, FORCED[name], proposal["value"])
        return FORCED[name]

    def _course(self) -> CourseDirectory:
        return CourseDirectory(config=self.config)

    def limits(self) -> sandbox.Limits:
        """The caps of one sandboxed kernel, from this preprocessor's options."""
        return sandbox.Limits(self.memory_limit_mb, self.max_processes, self.max_file_size_mb, self.tmp_size_mb)

    def resolve_student_python(self, course_root) -> str:
        """The configured student Python, else the course's .venv-student, else the one beside this environment.

        Parameters
        ----------
        course_root : str or path-like
            The course folder.

        Returns
        -------
        str
            Path of the student interpreter; it need not exist
            (`sandbox.student_environment` checks it).
        """
        if self.student_python:
            return self.student_python
        in_course = os.path.join(course_root, ".venv-student", "bin", "python")
        return in_course if os.path.exists(in_course) else sandbox.default_student_python()

    def resolve_release_directory(self, course_root, assignment: str) -> str:
        """The configured release folder, else the course's release/<assignment>.

        Parameters
        ----------
        course_root : str or path-like
            The course folder.
        assignment : str
            The assignment's name.

        Returns
        -------
        str
            The folder; it need not exist.
        """
        course = self._course()
        return self.release_directory or os.path.join(course_root, course.release_directory, assignment)

    def create_kernel_manager(self) -> SandboxedKernelManager:
        """nbclient's hook for the kernel manager: one that starts this submission's kernel in its sandbox."""
        place = self._place
        self.km = self.kernel_manager_class(
            config=self.config, student_python=place.student_python, grading_run=place.grading_run,
            limits=self.limits(), uid=place.uid, confined=self.sandbox, assignment=place.assignment,
            discard_output=self.discard_kernel_output,
        )
        return self.km

    def preprocess(self, nb: NotebookNode, resources: dict, km=None):
        """Execute the submission in the sandbox and keep its answers in the course's answers store.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The submission as nbgrader has sanitized it; its cells get
            their outputs in place.
        resources : dict
            nbgrader's resources; ``resources["nbgrader"]`` names the
            student and assignment, and receives ``answers_dir`` (the
            answers folder) and ``run_record`` (the `records.RunRecord`).
        km : optional
            Unused: the kernel manager is always made by
            `create_kernel_manager`.

        Returns
        -------
        nb : nbformat.NotebookNode
        resources : dict

        Raises
        ------
        sandbox.SandboxUnavailable
            If the sandbox is on and cannot be started here.
        FileNotFoundError
            If the release folder does not exist.
        """
        info = resources["nbgrader"]
        root = self._course().root
        store = records.answers_folder(root, self.answers_directory, info["student"], info["assignment"])
        record = self.execute_submission(
            nb, self._submitted_folder(resources), store, info["student"], info["assignment"],
            release_dir=self.resolve_release_directory(root, info["assignment"]),
            student_python=self.resolve_student_python(root), resources=resources, ignore=self._course().ignore,
        )
        info["answers_dir"] = str(store)
        info["run_record"] = record
        return nb, resources

    def _submitted_folder(self, resources: dict) -> str:
        """The student's files as submitted (links intact, so the workspace refuses them).

        nbgrader's autograded copy of the folder follows links, which would
        turn a submitted link to an instructor file into that file's content.
        """
        info = resources["nbgrader"]
        course = self._course()
        submitted = course.format_path(course.submitted_directory, info["student"], info["assignment"])
        return submitted if os.path.isdir(submitted) else resources["metadata"]["path"]

    def execute_submission(self, nb: NotebookNode, submission_dir, store, student: str, assignment: str,
                           release_dir, student_python: str, skipped=(), resources=None,
                           ignore=()) -> records.RunRecord:
        """Run ``nb`` in a sandbox over a copy of ``submission_dir``; collect its answers into ``store``.

        The notebook's cells get their outputs in place. ``store`` is
        emptied, then receives the answer files and the run record, which is
        also returned. ``skipped`` notes files left out before this call
        (they join the record's list); ``ignore`` holds nbgrader's ignore
        patterns (`workspace.submission_files`). Needs neither nbgrader's converter
        nor the gradebook nor the course folder: the parallel grader's
        workers call it with only the release files and the student
        environment at hand.

        Parameters
        ----------
        nb : nbformat.NotebookNode
            The notebook to execute.
        submission_dir : str or path-like
            The submission's folder as submitted (links intact).
        store : str or path-like
            The submission's answers folder (`records.answers_folder`).
        student, assignment : str
            Whose submission, of which assignment (for the record and the
            kernel's working folder).
        release_dir : str or path-like
            The release files the notebook reads.
        student_python : str
            The student environment's interpreter.
        skipped : iterable of str, optional
            Why each file left out before this call was left out.
        resources : dict, optional
            nbgrader's resources, passed to the execution; empty if None.
        ignore : iterable of str, optional
            nbgrader's ignore patterns.

        Returns
        -------
        records.RunRecord
            How the run went, as written in ``store``.

        Raises
        ------
        sandbox.SandboxUnavailable
            If the sandbox is on and its tools or the student environment
            are unusable.
        FileNotFoundError
            If ``release_dir`` does not exist.
        """
        if self.sandbox:
            sandbox.require_tools()
            sandbox.student_environment(student_python)
        else:
            self.log.warning("Grading WITHOUT the sandbox: student code runs with your rights.")
        uid = sandbox.sandbox_uid() if (self.sandbox and os.geteuid() == 0) else None
        run = workspace.prepare_run(submission_dir, release_dir, uid, copy_release=not self.sandbox,
                                    quota_mb=self.quota_mb, ignore=ignore)
        store = Path(store)
        record = records.RunRecord(student, assignment, self.sandbox, skipped_files=[*skipped, *run.skipped])
        started = time.monotonic()
        self._place = _KernelPlace(assignment, student_python, run, uid)
        try:
            record.stop = self._run_notebook(nb, resources if resources is not None else {})
        finally:
            self._place = None
            record.wall_s = round(time.monotonic() - started, 1)
            try:
                record.answers, record.refused = workspace.collect_answers(run.answers, store)
            finally:
                run.remove()
        record.caps_hit = sorted(self._caps_hit(nb, record.stop))
        record.write(store)
        return record

    def _run_notebook(self, nb, resources) -> records.Stop | None:
        """nbconvert's execution of ``nb`` (hooks below); why it stopped early, if it did.

        A failure to start the kernel is the grader's problem and is raised.
        """
        try:
            super().preprocess(nb, resources)
        except ExecutionStopped as stopped:
            return stopped.stop
        return None

    def on_notebook_start(self, notebook) -> None:
        """nbclient's hook once the kernel is ready: the notebook's time starts.

        Parameters
        ----------
        notebook : nbformat.NotebookNode
            The notebook being executed (unused).
        """
        self._started = time.monotonic()

    def on_cell_start(self, cell, cell_index: int) -> None:
        """nbclient's hook before each cell: past the notebook's cap, stop; log each code cell started.

        The log line (`PROGRESS_WORD` cell N of M, its nbgrader id, the
        time so far) is what `release.progress_printer` shows.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            The cell about to run.
        cell_index : int
            Its index in the notebook.

        Raises
        ------
        NotebookTimeout
            If the notebook has run past ``notebook_timeout``.
        """
        elapsed = time.monotonic() - self._started
        if elapsed > self.notebook_timeout:
            raise NotebookTimeout()
        if cell.cell_type == "code":
            code_cells = [index for index, each in enumerate(self.nb.cells) if each.cell_type == "code"]
            label = cells.grade_id(cell)
            self.log.info("%s cell %d of %d%s, %.0f s into the notebook", PROGRESS_WORD,
                          code_cells.index(cell_index) + 1, len(code_cells), f" ({label})" if label else "", elapsed)

    def timeout_func(self, cell) -> int:
        """nbclient's hook for a cell's timeout: `timeout`, but never past the notebook's cap (at least 1 s).

        Parameters
        ----------
        cell : nbformat.NotebookNode
            The cell about to run (unused: every cell gets the same).

        Returns
        -------
        int
            Seconds the cell may run.
        """
        left = self.notebook_timeout - (time.monotonic() - self._started)
        per_cell = self.timeout if self.timeout and self.timeout > 0 else math.inf
        return max(1, int(min(left, per_cell)))

    def preprocess_cell(self, cell, resources, index):
        """Execute one cell; a cap hit or a dead or lost kernel stops the notebook here (`ExecutionStopped`).

        Anything that goes wrong once the student's code has run (a crashed
        or mute kernel, malformed messages) stops this notebook only.

        Parameters
        ----------
        cell : nbformat.NotebookNode
            The cell to execute; it gets its outputs, and a note when
            execution stops in it.
        resources : dict
            nbgrader's resources.
        index : int
            The cell's index in the notebook.

        Returns
        -------
        cell : nbformat.NotebookNode
        resources : dict

        Raises
        ------
        ExecutionStopped
            If a cap was hit or the kernel died or was lost in this cell.
        """
        try:
            return super().preprocess_cell(cell, resources, index)
        except Exception as error:
            raise ExecutionStopped(self._stopped(cell, index, error)) from error

    def _stopped(self, cell, index: int, error: Exception) -> records.Stop:
        """Why ``error`` stopped the notebook in cell ``index``, also noted in the cell."""
        if isinstance(error, (CellTimeoutError, NotebookTimeout)):
            reason, message = "time", (
                f"The autograder stopped your notebook here: it had run for its whole time "
                f"allowance ({self.notebook_timeout} s for the notebook, {self.timeout} s per "
                "cell). Cells from here on were not run.")
        elif isinstance(error, DeadKernelError):
            reason, message = "kernel_died", (
                "Your kernel stopped in this cell without a Python error (os._exit, a crash, or "
                f"more than the {self.memory_limit_mb} MiB memory cap). Cells from here on were not run.")
        else:
            self.log.warning("Kernel of this submission failed: %r", error)
            reason, message = "error", (
                f"The autograder lost contact with your kernel in this cell ({type(error).__name__}). "
                "Cells from here on were not run.")
        if cell.cell_type == "code":
            cell.outputs.append(NotebookNode(output_type="error", ename="NotebookStopped",
                                             evalue=message, traceback=[message]))
        self.log.warning("Execution stopped in cell %d: %s", index, reason)
        return records.Stop(reason, index, message)

    @staticmethod
    def _caps_hit(nb, stop) -> set:
        caps = {CAP_ERRORS[o.get("ename")] for cell in nb.cells if cell.cell_type == "code"
                for o in cell.get("outputs", []) if o.get("ename") in CAP_ERRORS}
        text = "".join(str(o.get("text", "")) + str(o.get("evalue", "")) for cell in nb.cells
                       if cell.cell_type == "code" for o in cell.get("outputs", []))
        if "Resource temporarily unavailable" in text or "can't start new thread" in text:
            caps.add("processes")
        if stop and stop.reason == "time":
            caps.add("time")
        return caps
