"""One submission's sandboxed run as a self-contained job: the part of grading that runs on the workers.

A `SandboxJob` carries everything the run needs: the notebook as nbgrader
sanitized it (hidden tests restored), the submission's own files, the
sandbox options, and where the release files and the student environment
are on the worker. `run_job` executes it with
`SandboxedExecute.execute_submission` and returns a `SandboxResult`. The
worker never sees the gradebook, the source notebook, the reference
answers or the table of assigned data sets: verdicts are decided later,
in the coordinator.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import socket
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

EVENT_TOPIC = "xray-grading"
SETTINGS_SECTIONS = ("NotebookClient", "ExecutePreprocessor", "Execute", "SandboxedExecute")


@dataclass
class SandboxJob:
    """Everything one submission's sandboxed run needs, sent to a worker.

    Attributes
    ----------
    student : str
        The student's id.
    assignment : str
        The assignment's name.
    notebook : str
        The notebook's name without .ipynb.
    notebook_json : str
        The notebook sanitized by nbgrader's preprocessors, hidden tests included.
    files : list of (str, bytes)
        The submission's own files: path relative to the submission, content.
    skipped : list of str
        Notes on files left out while packing.
    release_dir : str
        The release folder on the worker.
    student_python : str
        The student environment's python on the worker.
    settings : dict
        The config sections of `SETTINGS_SECTIONS` for the run.
    """

    student: str
    assignment: str
    notebook: str  # name without .ipynb
    notebook_json: str  # sanitized by nbgrader's preprocessors, hidden tests included
    files: list = field(default_factory=list)  # (path relative to the submission, bytes)
    skipped: list = field(default_factory=list)  # notes on files left out while packing
    release_dir: str = ""  # on the worker
    student_python: str = ""  # on the worker
    settings: dict = field(default_factory=dict)  # config sections of SETTINGS_SECTIONS

    @property
    def digest(self) -> str:
        """Fingerprint of everything that decides the run (a stored run with it can be reused)."""
        h = hashlib.sha256()
        for part in (self.student, self.assignment, self.notebook, self.notebook_json,
                     json.dumps(self.skipped), self.release_dir, self.student_python,
                     json.dumps(self.settings, sort_keys=True, default=str)):
            h.update(part.encode())
            h.update(b"\0")
        for name, content in self.files:
            h.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
        return h.hexdigest()

    @property
    def size(self) -> int:
        return len(self.notebook_json) + sum(len(content) for _, content in self.files)


@dataclass
class SandboxResult:
    """What one job's run gave back from the worker.

    Attributes
    ----------
    student, assignment, notebook : str
        As in the job.
    digest : str
        The job's `SandboxJob.digest`.
    notebook_json : str
        The executed notebook.
    answers : dict of str to bytes
        Answer file name -> content, for the files the run accepted.
    record : dict
        The `records.RunRecord`, as a dict.
    worker, host : str
        The Dask worker's address (``""`` outside Dask) and its host name.
    started, finished : float
        Epoch seconds.
    log : str
        What the executor logged (kernel failures, where execution stopped).
    """

    student: str
    assignment: str
    notebook: str
    digest: str
    notebook_json: str  # executed
    answers: dict  # answer file name -> bytes
    record: dict  # records.RunRecord as a dict
    worker: str = ""
    host: str = ""
    started: float = 0.0  # epoch seconds
    finished: float = 0.0
    log: str = ""  # what the executor logged (kernel failures, where execution stopped)


def _announce(student: str, event: str) -> str:
    """Tell the coordinator (through the scheduler's event log) that a job started; return the worker."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return ""
    worker.log_event(EVENT_TOPIC, {"student": student, "event": event, "worker": worker.address,
                                   "host": socket.gethostname(), "time": time.time()})
    return worker.address


def run_job(job: SandboxJob) -> SandboxResult:
    """Execute one submission in the sandbox (on a worker) and return what came out of it.

    The submission's files are written to a temporary folder, which is
    removed afterwards; on a Dask worker the start is announced to the
    coordinator through the scheduler's event log.

    Parameters
    ----------
    job : SandboxJob
        The packed submission.

    Returns
    -------
    SandboxResult
    """
    import nbformat
    from traitlets.config import Config

    from ...grading import safe_copy
    from ...grading.kernel_side import answer_keys
    from ...grading.preprocessors.sandboxed_execute import SandboxedExecute

    started = time.time()
    worker = _announce(job.student, "started")
    buffer = io.StringIO()
    log = logging.getLogger(f"xray.batch.job.{job.student}")
    log.handlers = [logging.StreamHandler(buffer)]
    log.propagate = False
    with tempfile.TemporaryDirectory(prefix="xray-job-") as tmp:
        submission, store = Path(tmp) / "submission", Path(tmp) / "answers"
        safe_copy.write_files(job.files, submission)
        notebook = nbformat.reads(job.notebook_json, as_version=4)
        executor = SandboxedExecute(config=Config(job.settings), log=log)
        record = executor.execute_submission(
            notebook, submission, store, job.student, job.assignment,
            release_dir=job.release_dir, student_python=job.student_python, skipped=job.skipped)
        answers = {answer_keys.file_name(key): (store / answer_keys.file_name(key)).read_bytes()
                   for key in record.answers}  # the files collect_answers took
    return SandboxResult(
        student=job.student, assignment=job.assignment, notebook=job.notebook, digest=job.digest,
        notebook_json=nbformat.writes(notebook), answers=answers, record=asdict(record),
        worker=worker, host=socket.gethostname(), started=started, finished=time.time(), log=buffer.getvalue(),
    )
