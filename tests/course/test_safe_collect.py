"""`nbgrader collect` through the course's exchange collector, against a hostile exchange.

One student ("mallory") submits links to the instructor's files and
``/etc/shadow``, a link to ``/dev/zero``, a FIFO, a name that is not text
and folders too deep; another entry in the inbound folder has a name
nbgrader cannot parse. An honest student ("bob") submits beside them.
Collection must finish for the class, copy only mallory's plain files,
note what it refused, and after grading neither the kernel's outputs nor
the feedback may carry anything from outside the submission.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import nbformat
import pytest

from solutions_lib.course import release
from solutions_lib.course.safe_collect import refused_note_path
from solutions_lib.data import catalogue
from solutions_lib.grading import records, reference

from class_submissions import first_answers
from notebook_edits import grade_id, insert_after

RELEASE_NB = release.REPO_ROOT / "release" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb"
STAMP = "2026-12-01 10:00:00.000000 UTC"
SECRETS = {
    "key.txt": release.REPO_ROOT / "source" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb",
    "notes.txt": reference.REFERENCE_FILE,
    "shadow.txt": Path("/etc/shadow"),
}
PRINT_FILES = (
    "import os\n"
    "for _name in sorted(os.listdir('.')):\n"
    "    if os.path.isfile(_name) and not _name.endswith('.ipynb'):\n"
    "        print('FILE', _name, open(_name, errors='replace').read(2000))\n"
)


def inbound_entry(exchange: Path, student: str) -> Path:
    folder = exchange / "xray-bayes" / "inbound" / f"{student}+{release.ASSIGNMENT}+{STAMP}+0f0f"
    folder.mkdir(parents=True)
    (folder / "timestamp.txt").write_text(STAMP)
    return folder


def secret_markers() -> list[str]:
    """Lines that appear only in the instructor's files."""
    source = SECRETS["key.txt"].read_text()
    return ["### BEGIN HIDDEN TESTS", "### BEGIN SOLUTION", '"datasets"', *[
        line for line in Path("/etc/shadow").read_text().splitlines()[:1] if line]]


@pytest.fixture(scope="module")
def collected_course(tmp_path_factory):
    work = tmp_path_factory.mktemp("collect")
    root = release.copy_course(work / "course")
    release.generate_release(root)
    (root / "assignments.csv").write_text(f"student_id,dataset\nbob,{catalogue.DEFAULT_DATASET}\n"
                                          f"mallory,{catalogue.DEFAULT_DATASET}\n")
    exchange = work / "exchange"
    honest = first_answers(nbformat.read(RELEASE_NB, as_version=4), catalogue.DEFAULT_DATASET)
    nbformat.write(honest, inbound_entry(exchange, "bob") / f"{release.NOTEBOOK}.ipynb")
    mallory = inbound_entry(exchange, "mallory")
    nbformat.write(insert_after(nbformat.read(RELEASE_NB, as_version=4), lambda c: grade_id(c) == "imports",
                                PRINT_FILES), mallory / f"{release.NOTEBOOK}.ipynb")
    for name, target in SECRETS.items():
        (mallory / name).symlink_to(target)
    (mallory / "zeros.bin").symlink_to("/dev/zero")
    os.mkfifo(mallory / "pipe")
    (mallory / os.fsdecode(b"odd\xffname.txt")).write_text("odd")
    (mallory / "own.txt").write_text("mallory's own file")
    deep = mallory / "/".join(f"d{i}" for i in range(12))
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("deep")
    (exchange / "xray-bayes" / "inbound" / f"eve+{release.ASSIGNMENT}+not-a-time+1").mkdir()
    (exchange / "xray-bayes" / "inbound" / f"ev;il+{release.ASSIGNMENT}+{STAMP}+2").mkdir()

    started = time.perf_counter()
    log = release.nbgrader(root, "collect", release.ASSIGNMENT, f"--Exchange.root={exchange}",
                           "--db", records.gradebook_url(root))
    collect_s = time.perf_counter() - started
    for student in ("bob", "mallory"):
        release.autograde(root, student)
    feedback = release.generate_feedback(root, "mallory")
    return root, log, collect_s, feedback


@pytest.mark.slow
def test_collect_finishes_for_the_class_and_skips_what_it_cannot_parse(collected_course):
    root, log, collect_s, _ = collected_course
    assert collect_s < 120
    assert sorted(p.name for p in (root / "submitted").iterdir() if p.is_dir()) == ["bob", "mallory"]
    assert "Skipping inbound entry" in log and "timestamp does not parse" in log
    assert "student id is not a plain name" in log


@pytest.mark.slow
def test_only_the_submissions_plain_files_are_collected(collected_course):
    root, *_ = collected_course
    folder = root / "submitted" / "mallory" / release.ASSIGNMENT
    taken = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if not p.is_dir())
    assert taken == ["own.txt", "timestamp.txt", f"{release.NOTEBOOK}.ipynb"]
    assert not any(p.is_symlink() for p in folder.rglob("*"))
    note = refused_note_path(folder).read_text()
    for name in (*SECRETS, "zeros.bin"):
        assert f"'{name}': a link" in note
    assert "'pipe': a FIFO" in note and "not plain UTF-8" in note and "deeper than 8" in note


@pytest.mark.slow
def test_nothing_from_outside_reaches_the_kernel_or_the_feedback(collected_course):
    root, _, _, feedback = collected_course
    notebook = nbformat.read(root / "autograded" / "mallory" / release.ASSIGNMENT / f"{release.NOTEBOOK}.ipynb", 4)
    graded = "".join(str(output) for cell in notebook.cells for output in cell.get("outputs", []))
    assert "FILE own.txt mallory's own file" in graded  # the cell ran and printed what it could see
    pages = "".join(p.read_text(errors="replace") for p in feedback.rglob("*.html"))
    assert "own.txt" in pages
    for marker in secret_markers():
        assert marker not in graded and marker not in pages, marker


@pytest.mark.slow
def test_the_honest_student_is_graded_as_usual(collected_course):
    root, *_ = collected_course
    points = sum(row["score"] for row in release.scores(root, "bob") if not row["manual"])
    assert points == 10.0  # region mask 3 + exposure mask 2 + rebuilt image 2 + betaModel 3


def test_copying_never_blocks_on_a_fifo(tmp_path):
    """Without the course's collector, copytree would block on this FIFO for ever."""
    from solutions_lib.grading import safe_copy

    os.mkfifo(tmp_path / "pipe")
    done = threading.Event()
    threading.Thread(target=lambda: (safe_copy.copy_plain_tree(tmp_path, tmp_path.parent / "out_fifo",
                                                               safe_copy.CopyLimits()), done.set()),
                     daemon=True).start()
    assert done.wait(10)
    shutil.rmtree(tmp_path.parent / "out_fifo")
