"""One class, graded serially by `nbgrader autograde`: no submission's files, answers or accidents stop
or change anyone else's grading (issue 20).

Students are graded in name order, so each hostile submission ``aN_*`` is
followed by an honest victim ``aN_victim`` with the honest first four
answers (10 points); every victim must get exactly those 10. Honest
students whose notebooks were broken by accident (``b*``) get their 10
after repair, with a note in the feedback and a flag in the class report.
"""
from __future__ import annotations

import io
import os

import nbformat
import numpy as np
import pytest

from solutions_lib.course import release
from solutions_lib.course.report.collect import collect
from solutions_lib.data import catalogue
from solutions_lib.grading import records, submission_guard

from class_submissions import HONEST_POINTS, first_answers
from hostile_files import make_deep_folder, remove_tree
from notebook_edits import (delete_test, lose_answer_metadata, move_answer_below_its_test, paste_answer_twice,
                            turn_test_into_markdown)

pytestmark = pytest.mark.slow  # each hostile submission is collected and autograded

RELEASE_NB = release.REPO_ROOT / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
QUOTA_MB = 64
as_root = os.geteuid() == 0

FILL_DISK = """
import os
written = 0
try:
    for number in range(1000):
        with open(f"fill_{number}.bin", "wb") as handle:
            handle.write(bytes(8 << 20))
        written += 8
except OSError as error:
    print("stopped after", written, "MB:", error.strerror)
"""


def forged_answer(key: str, descr: str, shape: tuple) -> str:
    """A cell writing an answer file whose array header declares ``descr`` x ``shape`` and holds no data."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
    return ("import os, zipfile\n"
            f"with zipfile.ZipFile(os.path.join(os.environ['XRAY_ANSWERS_DIR'], '{key}.npz'), 'w') as archive:\n"
            f"    archive.writestr('chains.npy', {header.getvalue()!r})\n")


def honest():
    return first_answers(nbformat.read(RELEASE_NB, as_version=4), catalogue.DEFAULT_DATASET)


def with_last_cell(code: str):
    notebook = honest()
    notebook.cells.append(nbformat.v4.new_code_cell(code))
    return notebook


def broken(accident):
    notebook = honest()
    accident(notebook)
    return notebook


def ids_lost():
    notebook = honest()
    notebook.nbformat_minor = 5
    for cell in notebook.cells:
        cell.pop("id", None)
    return notebook


HOSTILE = {
    "a1_fills_disk": with_last_cell(FILL_DISK),
    "a2_hostile_files": honest(),  # its folder gets links, a FIFO, odd names, a deep folder (below)
    "a3_huge_shape": with_last_cell(forged_answer("chains-single", "<f8", (2**40, 6))),
    "a4_long_strings": with_last_cell(forged_answer("posterior-single", "<U50000000", (400,))),
}
ACCIDENTS = {
    "b1_deleted_test": broken(delete_test),
    "b2_test_to_markdown": broken(turn_test_into_markdown),
    "b3_answer_moved": broken(move_answer_below_its_test),
    "b4_pasted_twice": broken(paste_answer_twice),
    "b5_metadata_lost": broken(lose_answer_metadata),
    "b6_ids_lost": ids_lost(),
}


def plant_hostile_files(folder, secret):
    (folder / "key.txt").symlink_to(secret)
    (folder / "zero.bin").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe")
    open(os.path.join(os.fsencode(folder), b"\xff\xfe.txt"), "wb").close()
    make_deep_folder(folder, 1200)
    (folder / "timestamp.txt").write_text("yesterday afternoon")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    work = tmp_path_factory.mktemp("survival")
    root = release.copy_course(work / "course")
    release.generate_release(root)
    secret = work / "instructor_secret.txt"
    secret.write_text("reference answers")
    students = {**HOSTILE, **ACCIDENTS, **{f"{name[:2]}_victim": honest() for name in HOSTILE}}
    for student, notebook in students.items():
        path = work / f"{student}.ipynb"
        path.write_text(nbformat.writes(notebook, version=4) if student != "b6_ids_lost"
                        else nbformat.writes(notebook, version=nbformat.NO_CONVERT))
        release.submit(root, student, path)
    plant_hostile_files(root / "submitted" / "a2_hostile_files" / release.ASSIGNMENT, secret)
    log = release.autograde(root, None, f"--SandboxedExecute.quota_mb={QUOTA_MB}")
    yield root, students, log
    remove_tree(work)


def points(root, student):
    return sum(row["score"] for row in release.scores(root, student) if not row["manual"])


@pytest.mark.parametrize("victim", [f"{name[:2]}_victim" for name in HOSTILE])
def test_every_victim_gets_exactly_its_honest_score(graded_class, victim):
    root = graded_class[0]
    assert points(root, victim) == HONEST_POINTS


def test_hostile_submissions_are_graded_without_crashing_anything(graded_class):
    root, _, log = graded_class
    for student in HOSTILE:
        verdicts = records.read_verdicts(root / "answers" / student / release.ASSIGNMENT)
        assert verdicts["cells"], f"{student} has no verdicts"
    for student in ("a2_hostile_files", "a3_huge_shape", "a4_long_strings"):
        assert points(root, student) == HONEST_POINTS, student  # their honest part counts, the rest nothing
    for student, key in (("a3_huge_shape", "test_chains_format"), ("a4_long_strings", "test_posterior_single")):
        verdict = records.read_verdicts(root / "answers" / student / release.ASSIGNMENT)["cells"][key]
        assert not verdict["passed"]


@pytest.mark.skipif(not as_root, reason="the per-submission disk quota (a tmpfs) needs a grader running as root")
def test_a_full_disk_is_the_submissions_own_problem(graded_class):
    root = graded_class[0]
    graded = nbformat.read(root / "autograded" / "a1_fills_disk" / release.ASSIGNMENT / "xray_image.ipynb", 4)
    printed = "".join(o.get("text", "") for cell in graded.cells for o in cell.get("outputs", []))
    assert "No space left on device" in printed
    assert f"stopped after {QUOTA_MB - 8}" in printed or f"stopped after {QUOTA_MB - 16}" in printed


def test_nothing_of_a_hostile_folder_reaches_the_graded_copy(graded_class):
    root = graded_class[0]
    graded = root / "autograded" / "a2_hostile_files" / release.ASSIGNMENT
    assert not any(p.name in ("key.txt", "zero.bin", "pipe") for p in graded.rglob("*"))
    assert "reference answers" not in "".join(p.read_text(errors="ignore") for p in graded.rglob("*") if p.is_file()
                                              and p.stat().st_size < 2**20)
    submitted = root / "submitted" / "a2_hostile_files" / release.ASSIGNMENT
    note = submission_guard.refused_note_path(submitted).read_text()
    for entry in ("'key.txt': a link", "'pipe': a FIFO", "deeper than 8", "timestamp.txt"):
        assert entry in note
    page = (release.generate_feedback(root, "a2_hostile_files") / f"{release.NOTEBOOK}.html").read_text()
    assert "were set aside and not used in grading" in page  # the student is told, without the names


@pytest.mark.parametrize("student", sorted(ACCIDENTS))
def test_an_accidentally_broken_notebook_is_graded_after_repair(graded_class, student):
    root = graded_class[0]
    assert points(root, student) == HONEST_POINTS
    verdicts = records.read_verdicts(root / "answers" / student / release.ASSIGNMENT)
    if student == "b6_ids_lost":  # nbformat fills the ids in: nothing for the grader to repair
        assert verdicts["repairs"] == []
        return
    assert verdicts["repairs"], f"{student}: the repair is not recorded"
    page = (release.generate_feedback(root, student) / f"{release.NOTEBOOK}.html").read_text()
    assert "this notebook was repaired before grading" in page


def test_the_class_report_flags_repairs_and_refused_files(graded_class):
    root = graded_class[0]
    rows = {row.student: row for row in collect(root).students}
    assert any("notebook repaired before grading" in flag for flag in rows["b1_deleted_test"].flags)
    assert any("files refused" in flag for flag in rows["a2_hostile_files"].flags)
    assert not any("repaired" in flag or "refused" in flag for flag in rows["a1_victim"].flags)
