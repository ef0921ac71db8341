"""Grade every submission of an assignment: sandboxed runs on Dask workers, judging in a pool, then nbgrader.

``python -m solutions_lib autograde`` (`cli.run`) builds a `ClassGrader`
and calls its `ClassGrader.run`, then prints `progress.summary_table`.
For each student in ``submitted/`` the run

* skips the student if the same submission was graded before (unless
  ``force``);
* builds the job (`prepare.make_job`: nbgrader's sanitizing, the
  student's own files) and, unless an interrupted earlier run already
  stored this very run, sends it to a worker (`jobs.run_job`);
* as each run comes back, stores it (`stage.ExecutionStore`) and has its
  answers judged (`judgement.judge_answers`) in a pool of trusted
  processes beside this one (never on the workers that ran student code),
  several students at a time;
* as each judgement comes back, keeps it beside the stored run and runs
  nbgrader's own autograde for that student in this process, with the
  execution step replaced by `ReplayExecution`, whose `JudgeAnswers` takes
  the pool's verdicts when they were made from the very same inputs (else
  it judges again); then marks the student graded and drops the stored run.

Only this process writes the gradebook, one student at a time, so the
gradebook is exactly what ``nbgrader autograde`` gives, whatever the
number of workers and judging processes.
"""
from __future__ import annotations

import copy
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
import warnings
from concurrent import futures as pool_futures
from pathlib import Path

from nbgrader.preprocessors import Execute

from ...grading import judgement, records, submission_guard, workspace
from ...grading.preprocessors.sandboxed_execute import SandboxedExecute
from ..config import Course, load_course
from . import jobs, prepare, stage
from .progress import Display, Outcome
from .replay_execution import ReplayExecution


class GradingSetupError(RuntimeError):
    """The class cannot be graded as configured (said before anything runs)."""


def replay_config(course: Course, executions_directory: str):
    """nbgrader's configuration with the execution step replaced by `ReplayExecution`.

    Parameters
    ----------
    course : `config.Course`
        The course, as nbgrader's autograde loads it; its configuration is
        copied, not changed.
    executions_directory : str
        The stored runs' folder, relative to the course root.

    Returns
    -------
    traitlets.config.Config

    Raises
    ------
    GradingSetupError
        If ``Autograde.autograde_preprocessors`` has no execution step, or several.
    """
    config = copy.deepcopy(course.config)
    from nbgrader.converters import Autograde

    steps = list(Autograde(coursedir=course.coursedir, config=config).autograde_preprocessors)
    executes = [i for i, step in enumerate(steps) if isinstance(step, type) and issubclass(step, Execute)]
    if len(executes) != 1:
        raise GradingSetupError(
            "Autograde.autograde_preprocessors must contain exactly one execution step (SandboxedExecute); "
            f"found {len(executes)}.")
    steps[executes[0]] = ReplayExecution
    config.Autograde.autograde_preprocessors = steps
    config.ReplayExecution.executions_directory = executions_directory
    return config


def _student_logger(course_root, student: str) -> tuple[logging.Logger, logging.Handler]:
    path = stage.log_path(course_root, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)s] %(message)s"))
    logger = logging.getLogger(f"xray.batch.student.{student}")
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, handler


def notebook_score(course: Course, student: str, notebook: str) -> tuple[float | None, float | None]:
    """The gradebook's score of ``student``'s ``notebook``.

    Parameters
    ----------
    course : `config.Course`
        The course, as nbgrader's autograde loads it.
    student : str
        The student's id.
    notebook : str
        The notebook's name without .ipynb.

    Returns
    -------
    score, max_score : float or None
        Both None if the gradebook has no such submission.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(course.coursedir.db_url, course.coursedir.course_id) as gradebook:
        try:
            submission = gradebook.find_submission_notebook(notebook, course.assignment, student)
        except MissingEntry:
            return None, None
        return float(submission.score), float(submission.max_score)


def default_judges() -> int:
    """Judging processes by default: one per four cores of this machine, at least one and at most four."""
    return max(1, min(4, (os.cpu_count() or 1) // 4))


def _judge(spec: dict, answers_dir, dataset: str, note: str) -> tuple[dict, float]:
    """In a judging process: `judgement.judge_answers`, and the seconds it took."""
    started = time.perf_counter()
    judged = judgement.judge_answers(spec, answers_dir, dataset, note)
    return judged, time.perf_counter() - started


def _start_judge() -> None:
    """Set up a judging process: one thread (several processes share the cores); Ctrl-C is the coordinator's."""
    import numba

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    numba.set_num_threads(1)


class ClassGrader:
    """One run of the parallel grader over a course (see the module docstring).

    Parameters
    ----------
    course_root : str or path-like, optional
        The course folder (holding ``nbgrader_config.py``).
    assignment : str, optional
        The assignment's name; it must have exactly one notebook.
    jobs_count : int, optional
        Workers of the local Dask cluster; the number of CPU cores by default.
    scheduler : str, optional
        Address or scheduler file of a running Dask scheduler, whose workers
        are used instead of a local cluster.
    force : bool, optional
        Grade again submissions already graded, and execute again runs
        already stored.
    students : iterable of str, optional
        Grade only these students.
    nbgrader_args : iterable of str, optional
        Command-line options for nbgrader.
    release_dir, student_python : str, optional
        The release folder and the student environment's python as the
        workers see them; by default as configured for this machine.
    display : `progress.Display`, optional
        Shows progress; None shows nothing.
    stage_directory : str, optional
        The staging folder, relative to the course root.
    judges : int, optional
        Judging processes; `default_judges` by default.

    Raises
    ------
    GradingSetupError
        If the assignment has not exactly one notebook, has no release
        folder, or is missing from the gradebook, or the execution step is
        not configured as expected.
    """

    def __init__(self, course_root=".", assignment: str = "xray_image", jobs_count: int | None = None,
                 scheduler: str | None = None, force: bool = False, students=None, nbgrader_args=(),
                 release_dir: str | None = None, student_python: str | None = None, display: Display | None = None,
                 stage_directory: str = stage.DEFAULT_STAGE_DIRECTORY, judges: int | None = None):
        self.course = load_course(course_root, assignment, nbgrader_args)
        notebooks = self.course.notebooks()
        if len(notebooks) != 1:
            raise GradingSetupError(f"The assignment {assignment!r} must have exactly one notebook; found {notebooks}.")
        self.notebook = notebooks[0]
        self.root = self.course.root
        self.jobs_count = jobs_count or os.cpu_count() or 1
        self.scheduler = scheduler
        self.force = force
        self.only = set(students) if students else None
        executor = SandboxedExecute(config=self.course.config)
        local_release = executor.resolve_release_directory(str(self.root), assignment)
        self.release_dir = os.path.abspath(release_dir or local_release)
        self.student_python = os.path.abspath(student_python or executor.resolve_student_python(str(self.root)))
        if not os.path.isdir(local_release):
            raise GradingSetupError(f"No release folder {local_release}: run `nbgrader generate_assignment {assignment}`.")
        self.reserved = {name for _, name in workspace.release_entries(local_release)}
        self.answers_directory = executor.answers_directory
        self._check_gradebook()
        self.executions_directory = f"{stage_directory}/executions"
        self.executions = stage.ExecutionStore(self.root, self.executions_directory)
        self.marks = stage.GradedMarks(self.root, stage_directory)
        self.config = replay_config(self.course, self.executions_directory)
        self.spec = self.course.spec(self.notebook).handins
        self.judges = judges or default_judges()
        self.display = display
        self.outcomes: dict[str, Outcome] = {}
        self._events: queue.Queue = queue.Queue()
        self._pool: pool_futures.ProcessPoolExecutor | None = None
        self._judging: dict = {}  # pool future -> (student, digest, worker, resumed)

    def _check_gradebook(self) -> None:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.course.coursedir.db_url, self.course.coursedir.course_id) as gradebook:
            try:
                gradebook.find_notebook(self.notebook, self.course.assignment)
            except MissingEntry:
                raise GradingSetupError(
                    f"The gradebook {self.course.coursedir.db_url} has no notebook {self.notebook!r} of "
                    f"{self.course.assignment!r}: run `nbgrader generate_assignment {self.course.assignment}` "
                    "first.") from None

    # --- what to do -------------------------------------------------------------------
    def _already_graded(self, student: str, digest: str) -> dict | None:
        mark = self.marks.get(student, self.course.assignment)
        autograded = Path(self.course.coursedir.format_path(
            self.course.coursedir.autograded_directory, student, self.course.assignment)) / f"{self.notebook}.ipynb"
        if mark and mark.get("submission") == digest and autograded.exists():
            return mark
        return None

    def _outcome_from_record(self, student: str, status: str, **extra) -> Outcome:
        folder = records.answers_folder(self.root, self.answers_directory, student, self.course.assignment)
        score, top = notebook_score(self.course, student, self.notebook)
        try:
            record = records.RunRecord.read(folder)
            run = {"notebook_s": record.wall_s, "caps": list(record.caps_hit),
                   "stop": record.stop.reason if record.stop else ""}
        except (OSError, ValueError, TypeError):
            run = {}
        return Outcome(student, status, score=score, max_score=top, **run, **extra)

    # --- nbgrader, in this process, one student at a time ----------------------------------
    def autograde(self, student: str, digest: str, worker: str, resumed: bool,
                  judging_s: float | None = None) -> Outcome:
        """Run nbgrader's autograde for ``student`` on the stored run, in this process.

        nbgrader logs to the student's log file. On success the student is
        marked graded and the stored run is dropped; a failure is reported,
        not raised.

        Parameters
        ----------
        student : str
            The student's id.
        digest : str
            The submission's digest (`prepare.submission_digest`), kept in the mark.
        worker : str
            The worker that ran the notebook.
        resumed : bool
            The run was stored by an earlier, interrupted run.
        judging_s : float, optional
            Seconds the pool took to judge the answers.

        Returns
        -------
        `progress.Outcome`
            ``graded``, with the gradebook's score and the run record's
            figures, or ``failed`` with the gist of nbgrader's error.
        """
        from nbgrader.converters import Autograde
        from nbgrader.coursedir import CourseDirectory

        logger, handler = _student_logger(self.root, student)
        started = time.perf_counter()
        try:
            coursedir = CourseDirectory(config=self.config, log=logger)
            coursedir.assignment_id = self.course.assignment
            coursedir.student_id = student
            converter = Autograde(coursedir=coursedir, config=self.config, log=logger)
            converter.force = True
            converter.create_student = True
            try:
                with warnings.catch_warnings(record=True) as caught:  # into the log, not across the progress display
                    warnings.simplefilter("default")
                    converter.start()
                for warning in caught:
                    logger.warning("%s: %s", warning.category.__name__, warning.message)
            except Exception as exc:  # nbgrader logs the details; the summary gets the gist
                logger.exception("grading failed")
                return Outcome(student, "failed", worker=worker,
                               message=f"nbgrader autograde failed ({type(exc).__name__}: {exc}); "
                                       f"see {stage.log_path(self.root, student).relative_to(self.root)}")
        finally:
            handler.close()
            logger.handlers = []
        nbgrader_s = time.perf_counter() - started
        self.marks.put(student, self.course.assignment, submission=digest, worker=worker)
        self.executions.discard(student, self.course.assignment)
        return self._outcome_from_record(student, "graded", worker=worker, resumed=resumed, judging_s=judging_s,
                                         nbgrader_s=nbgrader_s)

    # --- the judging pool, beside this process ---------------------------------------------
    def _judge_later(self, student: str, digest: str, worker: str, resumed: bool) -> None:
        """Have the stored run of ``student`` judged in the pool, then graded (`_grade_judged`).

        A run whose answers were judged before (an interrupted earlier run)
        is graded at once; `JudgeAnswers` checks that the verdicts still fit.
        """
        if self.display:
            self.display.judging(student)
        stored = self.executions.load(student, self.course.assignment)
        if stored.judgement() is not None:
            self._finish(self.autograde(student, digest, worker, resumed))
            return
        try:
            note = judgement.stop_note(stored.record())
        except (OSError, ValueError, TypeError):
            note = ""
        dataset = self.course.judge.choose_dataset(self.root, student, stored.answers).assigned
        if self._pool is None:
            self._pool = pool_futures.ProcessPoolExecutor(
                self.judges, mp_context=multiprocessing.get_context("spawn"), initializer=_start_judge)
        try:
            future = self._pool.submit(_judge, self.spec, stored.answers, dataset, note)
        except pool_futures.BrokenExecutor:  # a judging process died: nbgrader's JudgeAnswers judges instead
            self._finish(self.autograde(student, digest, worker, resumed))
            return
        self._judging[future] = (student, digest, worker, resumed)

    def _grade_judged(self, wait_s: float) -> None:
        """Grade, one at a time, every student whose judgement has come back (waiting up to ``wait_s``)."""
        if not self._judging:
            return
        done, _ = pool_futures.wait(self._judging, timeout=wait_s, return_when=pool_futures.FIRST_COMPLETED)
        for future in done:
            student, digest, worker, resumed = self._judging.pop(future)
            judging_s = None
            try:
                judged, judging_s = future.result()
                self.executions.load(student, self.course.assignment).save_judgement(judged)
            except Exception as exc:  # nbgrader's JudgeAnswers judges in this process instead
                logging.getLogger("xray.batch").warning("judging %s in the pool failed (%s)", student,
                                                        type(exc).__name__)
            self._finish(self.autograde(student, digest, worker, resumed, judging_s))

    def _finish(self, outcome: Outcome) -> None:
        self.outcomes[outcome.student] = outcome
        if self.display:
            self.display.finished(outcome)

    # --- the run ----------------------------------------------------------------------
    def _open_client(self):
        from distributed import Client, LocalCluster

        if self.scheduler and os.path.isfile(self.scheduler):  # a scheduler file, as dask-jobqueue can write
            return Client(scheduler_file=self.scheduler, timeout="60s"), None
        if self.scheduler:
            return Client(self.scheduler, timeout="60s"), None
        # The workers ignore Ctrl-C (a terminal sends it to them too): this process stops them in order.
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            with warnings.catch_warnings():  # its health-check web server moves off a port in use, and says so
                warnings.filterwarnings("ignore", message="Port .* is already in use")
                cluster = LocalCluster(n_workers=self.jobs_count, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None, memory_limit=0,
                                       silence_logs=logging.ERROR)
        finally:
            if main:
                signal.signal(signal.SIGINT, previous)
        return Client(cluster), cluster

    def _on_event(self, event) -> None:
        _, message = event
        self._events.put(message)

    def _drain_events(self) -> None:
        while True:
            try:
                message = self._events.get_nowait()
            except queue.Empty:
                return
            if self.display and message.get("event") == "started":
                self.display.running(message["student"], message.get("worker", ""))

    def plan(self) -> tuple[dict, list]:
        """({student: graded mark} to skip, [(student, submission digest)] to grade), in student order."""
        skip, todo = {}, []
        for student in self.course.students():
            if self.only is not None and student not in self.only:
                continue
            submission_guard.secure_or_set_aside(self.course.submitted(student))  # before anything reads it
            digest = prepare.submission_digest(self.course.submitted(student))
            mark = None if self.force else self._already_graded(student, digest)
            if mark:
                skip[student] = mark
            else:
                todo.append((student, digest))
        return skip, todo

    def run(self) -> list[Outcome]:
        """Grade the class: skip the students graded before, run and grade the others.

        Returns
        -------
        list of `progress.Outcome`
            One per student, in student order.
        """
        skip, todo = self.plan()
        students = sorted([*skip, *(student for student, _ in todo)])
        if self.display:
            self.display.total = len(students)
        for student, mark in skip.items():
            self._finish(self._outcome_from_record(student, "skipped", worker=mark.get("worker", "")))
        for student, _ in todo:
            self.marks.clear(student, self.course.assignment)
        if todo:
            self._grade(todo)
        return [self.outcomes[s] for s in students if s in self.outcomes]

    def _grade(self, todo) -> None:
        client = cluster = None
        futures = {}
        try:
            for student, digest in todo:
                if self.display:
                    self.display.queued(student)
                logger, handler = _student_logger(self.root, student)
                try:
                    job = prepare.make_job(self.course, student, self.notebook, self.release_dir,
                                           self.student_python, self.reserved, logger)
                except Exception as exc:
                    self._finish(Outcome(student, "failed", message=f"could not prepare the notebook: {exc}"))
                    continue
                finally:
                    handler.close()
                    logger.handlers = []
                stored = self.executions.load(student, self.course.assignment)
                if stored and stored.digest == job.digest and not self.force:
                    self._judge_later(student, digest, stored.meta.get("worker", ""), resumed=True)
                    continue
                self.executions.discard(student, self.course.assignment)
                if client is None:
                    client, cluster = self._open_client()
                    client.subscribe_topic(jobs.EVENT_TOPIC, self._on_event)
                future = client.submit(jobs.run_job, job, key=f"sandbox-{student}-{job.digest[:12]}", pure=False)
                futures[future] = (student, digest)
            self._collect(futures)
        except KeyboardInterrupt:
            for student, _ in todo:
                if student not in self.outcomes:
                    self.outcomes[student] = Outcome(student, "interrupted", message="not graded (run interrupted)")
            if client is not None:
                try:
                    client.cancel([f for f, (student, _) in futures.items() if not f.done()])
                except Exception:  # the client may be half closed already; closing it below cancels too
                    pass
            raise
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            self._judging.clear()
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()

    def _collect(self, futures: dict) -> None:
        from distributed import wait

        pending = set(futures)
        while pending or self._judging:
            done = set()
            if pending:
                try:
                    done, pending = wait(pending, timeout=REFRESH_WAIT_S, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
            self._drain_events()
            for future in done:
                student, digest = futures[future]
                try:
                    result = future.result()
                except Exception as exc:
                    self._finish(Outcome(student, "failed",
                                         message=f"the sandboxed run failed on the worker ({type(exc).__name__}: {exc})"))
                    continue
                self.executions.save(result)
                if result.log:
                    with open(stage.log_path(self.root, student), "a") as handle:
                        handle.write(f"--- sandboxed run on {result.worker or result.host} ---\n{result.log}")
                self._judge_later(student, digest, result.worker, resumed=False)
            self._grade_judged(0 if pending else REFRESH_WAIT_S)
            if self.display:
                self.display.refresh()


REFRESH_WAIT_S = 0.5


__all__ = ["ClassGrader", "GradingSetupError"]
