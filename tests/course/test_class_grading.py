"""Grading a whole class in parallel (``python -m solutions_lib autograde``), against serial nbgrader.

A small class of cheap submissions (`class_submissions`) is graded in
copies of one course:

* serially, by ``nbgrader autograde`` itself (the yardstick);
* by the parallel grader on a real Dask cluster of separate processes on
  this machine: a ``dask scheduler`` and two ``dask worker`` processes
  started here; the gradebook must equal the serial one cell by cell, and
  a second run must skip every student without running anything;
* by the parallel grader on its own local cluster, interrupted after the
  first student had been executed and graded and the second executed but
  not yet graded; the next run must skip the first, grade the second from
  its stored run without executing it again, and end with the serial
  gradebook.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from solutions_lib.course import release
from solutions_lib.course.autograde import coordinator, stage
from solutions_lib.grading import records

from repo_paths import ARTIFACTS
from class_submissions import ASSIGNED, HONEST_POINTS, submit_class

pytestmark = pytest.mark.slow  # grades a class in parallel

STUDENTS = ["blank", "chains", "honest"]
DASK = Path(sys.executable).parent / "dask"


def gradebook_cells(root) -> dict:
    """(student, cell) -> (auto score, manual score, needs manual grade), and each submission's totals."""
    table = {}
    with Gradebook(records.gradebook_url(root)) as gradebook:
        for submission in gradebook.assignment_submissions(release.ASSIGNMENT):
            table[(submission.student_id, "<total>")] = (submission.score, submission.max_score,
                                                         submission.late_submission_penalty)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    table[(submission.student_id, grade.name)] = (grade.auto_score, grade.manual_score,
                                                                  grade.needs_manual_grade)
    return table


def run_cli(root, *args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "solutions_lib", "autograde", *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout)


def copy_of(root: Path, name: str) -> Path:
    target = root.parent / name
    shutil.copytree(root, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def class_course(tmp_path_factory):
    """A course with the release generated and three students' submissions collected (not graded)."""
    work = tmp_path_factory.mktemp("class")
    root = release.copy_course(work / "course")
    release.generate_release(root)
    submit_class(root, work)
    return root


@pytest.fixture(scope="module")
def serial(class_course):
    """The yardstick: plain serial ``nbgrader autograde`` of the whole class."""
    root = copy_of(class_course, "serial")
    release.autograde(root)
    return root, gradebook_cells(root)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A Dask scheduler and two workers, each its own process, on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    common = ["--no-dashboard"]
    processes = [subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(scheduler_file),
         *common], stdout=subprocess.DEVNULL, stderr=open(folder / "scheduler.log", "w"), cwd=folder)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, (folder / "scheduler.log").read_text()
            time.sleep(0.2)
        for index in range(2):
            processes.append(subprocess.Popen(
                [str(DASK), "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                 "--nworkers", "1", "--memory-limit", "0", "--name", f"worker-{index}", *common],
                stdout=subprocess.DEVNULL, stderr=open(folder / f"worker-{index}.log", "w"), cwd=folder))
        from distributed import Client

        with Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address, processes
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def on_cluster(class_course, dask_cluster):
    """The class graded by the parallel grader on the external cluster, then the command run again."""
    root = copy_of(class_course, "parallel")
    address, _ = dask_cluster
    first = run_cli(root, "--scheduler", address, "--judges", "2")
    runs = {s: (root / "answers" / s / release.ASSIGNMENT / records.RUN_FILE).stat().st_mtime for s in STUDENTS}
    started = time.monotonic()
    second = run_cli(root, "--scheduler", address)
    return root, first, second, runs, time.monotonic() - started


def test_parallel_grading_on_a_dask_cluster_gives_the_serial_gradebook(serial, on_cluster):
    _, serial_cells = serial
    root, first, _, _, _ = on_cluster
    assert first.returncode == 0, first.stdout + first.stderr
    assert {student for student, _ in serial_cells} == set(STUDENTS)
    assert gradebook_cells(root) == serial_cells
    assert serial_cells[("honest", "<total>")][0] == HONEST_POINTS


def test_every_notebook_ran_on_a_worker_of_the_cluster(dask_cluster, on_cluster):
    root, first, _, _, _ = on_cluster
    workers = {line.split()[-1] for line in first.stdout.splitlines() if line.split()[1:2] == ["graded"]}
    assert len(workers) >= 1 and all(w.startswith("tcp://127.0.0.1:") for w in workers), first.stdout
    for student in STUDENTS:
        record = records.RunRecord.read(root / "answers" / student / release.ASSIGNMENT)
        assert record.sandboxed and record.stop is None
    assert "graded 3 (of which 0 from stored runs), skipped 0, failed 0" in first.stdout


def test_every_student_was_judged_in_the_pool_and_nbgrader_took_its_verdicts(on_cluster):
    root, first, _, _, _ = on_cluster
    assert "judged in the pool: 3" in first.stdout, first.stdout
    for student in STUDENTS:
        log = stage.log_path(root, student).read_text()
        assert "Verdicts of the judging pool, made from these very answers, are used" in log, student


def test_verdicts_and_data_sets_match_serial_grading(serial, on_cluster):
    serial_root, _ = serial
    root = on_cluster[0]
    for student in STUDENTS:
        ours = records.read_verdicts(root / "answers" / student / release.ASSIGNMENT)
        theirs = records.read_verdicts(serial_root / "answers" / student / release.ASSIGNMENT)
        assert ours == theirs, student
    chains = records.read_verdicts(root / "answers" / "chains" / release.ASSIGNMENT)
    assert chains["dataset"]["assigned"] == ASSIGNED["chains"] and chains["dataset"]["notebook"] != ASSIGNED["chains"]
    assert chains["cells"]["test_chains_format"]["reason"] == "not-converged"  # 400 steps: n_eff unknown
    assert chains["cells"]["test_posterior_single"]["reason"] == "implausible-draws"  # independent, made up
    blank = records.read_verdicts(root / "answers" / "blank" / release.ASSIGNMENT)
    assert blank["cells"]["test_dic"]["reason"] == "missing-answer"
    assert blank["cells"]["test_region_mask"]["reason"] == "wrong-value"  # no regions: sources left unmasked


def test_second_run_skips_everyone_and_runs_nothing(serial, on_cluster):
    root, _, second, runs, seconds = on_cluster
    assert second.returncode == 0, second.stdout + second.stderr
    assert "graded 0 (of which 0 from stored runs), skipped 3, failed 0" in second.stdout
    for student in STUDENTS:
        path = root / "answers" / student / release.ASSIGNMENT / records.RUN_FILE
        assert path.stat().st_mtime == runs[student], f"{student} was run again"
    assert gradebook_cells(root) == serial[1]
    assert seconds < 60


def test_only_a_resubmission_is_planned_again(on_cluster, tmp_path):
    root = copy_of(on_cluster[0], tmp_path.name + "-resubmitted")
    (root / "submitted" / "blank" / release.ASSIGNMENT / "timestamp.txt").write_text(
        time.strftime("%Y-%m-%d %H:%M:%S.000000 UTC", time.gmtime()))
    skip, todo = coordinator.ClassGrader(root).plan()
    assert sorted(skip) == ["chains", "honest"] and [student for student, _ in todo] == ["blank"]
    skip, todo = coordinator.ClassGrader(root, force=True).plan()
    assert not skip and len(todo) == 3


def test_an_interrupted_run_continues_where_it_stopped(class_course, serial, monkeypatch):
    """Interrupted after one student was graded and another executed; the next run finishes the job."""
    root = copy_of(class_course, "interrupted")
    real_autograde = coordinator.ClassGrader.autograde
    calls = []

    def interrupt_second(self, student, *args, **kwargs):
        calls.append(student)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_autograde(self, student, *args, **kwargs)

    monkeypatch.setattr(coordinator.ClassGrader, "autograde", interrupt_second)
    with pytest.raises(KeyboardInterrupt):
        coordinator.ClassGrader(root, jobs_count=2, students=["blank", "honest"]).run()
    monkeypatch.setattr(coordinator.ClassGrader, "autograde", real_autograde)
    first, second = calls
    stored = stage.ExecutionStore(root).load(second, release.ASSIGNMENT)
    assert stored is not None, "the executed but ungraded run was not kept"

    def no_cluster(self):
        raise AssertionError("nothing should need executing again")

    monkeypatch.setattr(coordinator.ClassGrader, "_open_client", no_cluster)
    outcomes = {o.student: o for o in coordinator.ClassGrader(root, students=["blank", "honest"]).run()}
    assert outcomes[first].status == "skipped"
    assert outcomes[second].status == "graded" and outcomes[second].resumed
    assert stage.ExecutionStore(root).load(second, release.ASSIGNMENT) is None
    cells = gradebook_cells(root)
    assert cells == {k: v for k, v in serial[1].items() if k[0] in ("blank", "honest")}


# --- The class report, from the class graded on the cluster ---------------------------------------------


CHROMIUM = os.environ.get("SKYVIEWER_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def report(on_cluster):
    root = on_cluster[0]
    done = subprocess.run([sys.executable, "-m", "solutions_lib", "report", "--out", "reports"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return root, root / "reports"


def read_csv(path) -> list[dict]:
    import csv

    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_flags_each_student_from_verdicts_and_run_records(report):
    root, out = report
    students = {row["student_id"]: row for row in read_csv(out / "students.csv")}
    assert set(students) == set(STUDENTS)
    assert students["blank"]["no_assignment"] == "1" and "missing answers" in students["blank"]["flags"]
    assert students["chains"]["dataset"] == ASSIGNED["chains"] and students["chains"]["dataset_mismatch"] == "1"
    assert students["honest"]["dataset_mismatch"] == "0" and float(students["honest"]["total"]) == HONEST_POINTS
    assert "test_chains_format" in students["honest"]["missing_answers"].split(";")
    for student, row in students.items():
        record = records.RunRecord.read(root / "answers" / student / release.ASSIGNMENT)
        assert float(row["notebook_run_s"]) == record.wall_s
    cells = {row["grade_id"]: row for row in read_csv(out / "cells.csv")}
    assert float(cells["test_betaModel"]["pass_rate"]) == pytest.approx(2 / 3)
    assert cells["test_dic"]["failure_1"] == "missing-answer" and cells["test_dic"]["count_1"] == "2"
    assert cells["test_dic"]["example_1"].startswith("No answer was handed in")


def test_report_compares_posteriors_with_reference_and_truth(report):
    from solutions_lib.data import catalogue
    from solutions_lib.grading.reference import reference_for

    _, out = report
    (row,) = read_csv(out / "comparison.csv")
    name = ASSIGNED["chains"]
    reference = reference_for(name, "single")
    assert row["student_id"] == "chains" and row["dataset"] == name
    for param in ("beta", "rc"):
        assert float(row[f"{param}_median"]) == pytest.approx(reference["median"][param], rel=0.02)
        assert float(row[f"{param}_p16"]) < float(row[f"{param}_median"]) < float(row[f"{param}_p84"])
        assert float(row[f"true_{param}"]) == catalogue.load_truth(name)["params"][param]
    expected_delta = reference["dic"] - reference_for(name, "double")["dic"]
    assert float(row["DIC1_minus_DIC2"]) == pytest.approx(expected_delta)
    sets = {r["dataset"]: r for r in read_csv(out / "datasets.csv")}
    assert sets[name]["reference_prefers"] == ("double" if expected_delta > 0 else "single")


def test_report_grades_come_from_nbgrader_export(report):
    root, out = report
    totals = {s: v[0] for (s, cell), v in gradebook_cells(root).items() if cell == "<total>"}
    exported = {row["student_id"]: float(row["score"]) for row in read_csv(out / "grades.csv")}
    assert exported == totals
    lms = {row["student_id"]: float(row[f"{release.ASSIGNMENT} (out of 37)"]) for row in read_csv(out / "lms_grades.csv")}
    assert lms == totals


def test_flags_name_caps_and_early_stops():
    from solutions_lib.course.report.collect import StudentRow

    row = StudentRow("s", "cl_j0142", "cl_j0815", False, {}, 0.0, 37.0, 3600.0, ["time"], "time", ["test_dic"])
    assert row.flags == ["missing answers (1)", "caps hit: time", "data set mismatch (notebook: cl_j0815)",
                         "stopped early (time)"]
    row.hand_checks = {"The samples look independent.": ["test_chains_format", "test_posterior_single"]}
    assert row.flags[-1] == "check by hand (test_chains_format, test_posterior_single): The samples look independent."


@pytest.mark.browser
def test_report_page_opens_in_chromium_with_its_figures(report):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (run tools/install_browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    _, out = report
    page_path = out / "class_report.html"
    ARTIFACTS.mkdir(exist_ok=True)
    problems, requests = [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            images = page.evaluate(
                "() => [...document.images].map(i => [i.alt, i.complete, i.naturalWidth, i.src.slice(0, 22)])")
            headings = page.locator("h2").all_inner_texts()
            rows = page.locator("#students ~ .wide table tbody tr").count()
            page.screenshot(path=str(ARTIFACTS / "class_report.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert {alt for alt, *_ in images} >= {"class comparison", "pass rate per cell", "distribution of total scores"}
    for alt, complete, width, src in images:
        assert complete and width > 300 and src == "data:image/png;base64,", (alt, width, src)
    assert headings == ["Class comparison", "Per cell", "Per student"]
    assert rows == len(STUDENTS)


def test_replay_refuses_a_run_of_another_notebook(tmp_path):
    """A stored run is replayed only onto the very notebook it executed."""
    import nbformat
    from traitlets.config import Config

    from solutions_lib.course.autograde.jobs import SandboxResult
    from solutions_lib.course.autograde.replay_execution import ExecutionMismatch, ReplayExecution

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("x")])
    executed = nbformat.reads(nbformat.writes(notebook), as_version=4)
    executed.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=2)]
    record = records.RunRecord("s", "a", True, wall_s=1.5, answers=["dataset"])
    from dataclasses import asdict

    stage.ExecutionStore(tmp_path).save(SandboxResult("s", "a", "nb", "d", nbformat.writes(executed),
                                                      {"dataset.npz": b"PK"}, asdict(record)))
    replay = ReplayExecution(config=Config({"CourseDirectory": {"root": str(tmp_path)}}))
    resources = {"nbgrader": {"student": "s", "assignment": "a", "notebook": "nb"}}
    replayed, resources = replay.preprocess(nbformat.reads(nbformat.writes(notebook), as_version=4), resources)
    assert replayed.cells[1].outputs[0]["data"]["text/plain"] == "1"
    assert resources["nbgrader"]["run_record"].wall_s == 1.5
    assert (tmp_path / "answers" / "s" / "a" / "dataset.npz").read_bytes() == b"PK"
    changed = nbformat.reads(nbformat.writes(notebook), as_version=4)
    changed.cells[0].source = "x = 2"
    with pytest.raises(ExecutionMismatch, match="Cell 0"):
        replay.preprocess(changed, {"nbgrader": {"student": "s", "assignment": "a", "notebook": "nb"}})
