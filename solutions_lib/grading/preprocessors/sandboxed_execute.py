"""Execute a submission in the grading sandbox, with a cap on the whole notebook's time."""
from __future__ import annotations

import os
import time
from pathlib import Path

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.client import NotebookClient
from nbformat.notebooknode import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer, Unicode

from .. import records, sandbox, workspace
from ..kernel import SandboxedKernelManager

CAP_ERRORS = {"MemoryError": "memory", "BlockingIOError": "processes"}
PROGRESS_WORD = "Running"  # the log line of each code cell begins "Running cell N of M"


class NotebookTimeout(RuntimeError):
    """The whole notebook ran past its wall-time cap."""


class SandboxedExecute(Execute):
    """nbgrader's `Execute`, with the kernel in the sandbox and the run's answers collected.

    Every submission runs in a fresh temporary copy of its folder, as its
    own uid, with the release files read-only, no network, and capped
    memory, processes, file size and total time. When a cap is hit or the
    kernel dies, execution stops there, the cell says why, and grading
    goes on with the answers handed in so far. Afterwards the answers are
    copied to ``<answers_directory>/<student>/<assignment>/`` with a
    `records.RunRecord`, and the temporary folder is deleted.
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

    def _course(self) -> CourseDirectory:
        return CourseDirectory(config=self.config)

    def limits(self) -> sandbox.Limits:
        """The caps of one sandboxed kernel, from this preprocessor's options."""
        return sandbox.Limits(self.memory_limit_mb, self.max_processes, self.max_file_size_mb, self.tmp_size_mb)

    def resolve_student_python(self, course_root) -> str:
        """The configured student Python, else the course's .venv-student, else the one beside this environment."""
        if self.student_python:
            return self.student_python
        in_course = os.path.join(course_root, ".venv-student", "bin", "python")
        return in_course if os.path.exists(in_course) else sandbox.default_student_python()

    def resolve_release_directory(self, course_root, assignment: str) -> str:
        """The configured release folder, else the course's release/<assignment>."""
        course = self._course()
        return self.release_directory or os.path.join(course_root, course.release_directory, assignment)

    def create_kernel_manager(self):
        self.km = SandboxedKernelManager(
            config=self.config,
            student_python=self._python,
            grading_run=self._run,
            limits=self.limits(),
            uid=self._uid,
            confined=self.sandbox,
            assignment=self._assignment,
            discard_output=self.discard_kernel_output,
        )
        return self.km

    def preprocess(self, nb: NotebookNode, resources: dict, km=None):
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
        """
        self._assignment = assignment
        self._python = student_python
        if self.sandbox:
            sandbox.require_tools()
            sandbox.student_environment(student_python)
        else:
            self.log.warning("Grading WITHOUT the sandbox: student code runs with your rights.")
        self._uid = sandbox.sandbox_uid() if (self.sandbox and os.geteuid() == 0) else None
        self._run = workspace.prepare_run(submission_dir, release_dir, self._uid, copy_release=not self.sandbox,
                                          quota_mb=self.quota_mb, ignore=ignore)
        store = Path(store)
        record = records.RunRecord(student, assignment, self.sandbox,
                                   skipped_files=[*skipped, *self._run.skipped])
        started = time.monotonic()
        try:
            record.stop = self._execute(nb, resources if resources is not None else {})
        finally:
            record.wall_s = round(time.monotonic() - started, 1)
            try:
                record.answers, record.refused = workspace.collect_answers(self._run.answers, store)
            finally:
                self._run.remove()
        record.caps_hit = sorted(self._caps_hit(nb, record.stop))
        record.write(store)
        return record

    def _execute(self, nb, resources) -> records.Stop | None:
        """Run the cells; return why execution stopped early, if it did.

        A failure to start the kernel is the grader's problem and is raised.
        Anything that goes wrong once the student's code has run (a crashed
        or mute kernel, malformed messages) stops this notebook only.
        """
        NotebookClient.__init__(self, nb, None)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.interrupt_on_timeout = False
        self.shutdown_kernel = "immediate"
        deadline = time.monotonic() + self.notebook_timeout
        self.timeout_func = lambda cell: max(1, int(min(deadline - time.monotonic(), self.timeout or 1e9)))
        self._index, started = 0, False
        try:
            with self.setup_kernel():
                self.wait_for_reply(self.kc.kernel_info())
                started = True
                return self._run_cells(resources, deadline)
        except Exception as exc:
            if not started:
                raise
            self.log.warning("Kernel of this submission failed: %r", exc)
            return self._stopped(self._index, "error", (
                f"The autograder lost contact with your kernel in this cell ({type(exc).__name__}). "
                "Cells from here on were not run."))

    def _run_cells(self, resources, deadline: float) -> records.Stop | None:
        started = time.monotonic()
        code_cells = [index for index, cell in enumerate(self.nb.cells) if cell.cell_type == "code"]
        try:
            for self._index, cell in enumerate(self.nb.cells):
                if time.monotonic() > deadline:
                    raise NotebookTimeout()
                if cell.cell_type == "code":
                    self._log_progress(cell, code_cells.index(self._index) + 1, len(code_cells),
                                       time.monotonic() - started)
                self.preprocess_cell(cell, resources, self._index)
        except (CellTimeoutError, NotebookTimeout):
            return self._stopped(self._index, "time", (
                f"The autograder stopped your notebook here: it had run for its whole time "
                f"allowance ({self.notebook_timeout} s for the notebook, {self.timeout} s per "
                "cell). Cells from here on were not run."))
        except DeadKernelError:
            return self._stopped(self._index, "kernel_died", (
                "Your kernel stopped in this cell without a Python error (os._exit, a crash, or "
                f"more than the {self.memory_limit_mb} MiB memory cap). Cells from here on were not run."))
        return None

    def _log_progress(self, cell, number: int, code_cells: int, elapsed: float) -> None:
        """One log line per code cell started: which one (its nbgrader id if it has one), the time so far."""
        label = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        self.log.info("%s cell %d of %d%s, %.0f s into the notebook", PROGRESS_WORD, number, code_cells,
                      f" ({label})" if label else "", elapsed)

    def _stopped(self, index: int, reason: str, message: str) -> records.Stop:
        cell = self.nb.cells[index]
        if cell.cell_type == "code":
            cell.outputs.append(NotebookNode(output_type="error", ename="NotebookStopped",
                                             evalue=message, traceback=[message]))
        self.log.warning("Execution stopped in cell %d: %s", index, reason)
        return records.Stop(reason, index, message)

    def _caps_hit(self, nb, stop) -> set:
        caps = {CAP_ERRORS[o.get("ename")] for cell in nb.cells if cell.cell_type == "code"
                for o in cell.get("outputs", []) if o.get("ename") in CAP_ERRORS}
        text = "".join(str(o.get("text", "")) + str(o.get("evalue", "")) for cell in nb.cells
                       if cell.cell_type == "code" for o in cell.get("outputs", []))
        if "Resource temporarily unavailable" in text or "can't start new thread" in text:
            caps.add("processes")
        if stop and stop.reason == "time":
            caps.add("time")
        return caps
