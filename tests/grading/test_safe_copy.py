"""The rules every trusted step applies to a submission's files (safe_copy)."""
import os
import sys
import threading
from pathlib import Path

import pytest

from solutions_lib.course.autograde import prepare
from solutions_lib.grading import safe_copy, workspace

from hostile_files import make_deep_folder, remove_tree

SMALL = safe_copy.CopyLimits(max_file_bytes=1000, max_total_bytes=2500, max_files=5, max_depth=3)


def hostile_folder(root: Path, secret: Path) -> Path:
    """A submission with a link to a secret, a FIFO, a device link, a bad name, deep folders and big files."""
    folder = root / "submission"
    folder.mkdir()
    (folder / "notes.txt").write_text("my own notes")
    (folder / "key.txt").symlink_to(secret)
    (folder / "zero").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe")
    (folder / os.fsdecode(b"bad\xffname.txt")).write_text("x")
    (folder / "escape\x1b[31m.txt").write_text("x")
    deep = folder
    for level in range(6):
        deep = deep / f"d{level}"
    deep.mkdir(parents=True)
    (deep / "deep.txt").write_text("deep")
    (folder / "big.bin").write_bytes(b"0" * 1001)
    (folder / "linked_dir").symlink_to(secret.parent, target_is_directory=True)
    return folder


def test_only_plain_files_within_the_caps_are_copied(tmp_path):
    secret = tmp_path / "instructor" / "reference.json"
    secret.parent.mkdir()
    secret.write_text("SECRET")
    folder = hostile_folder(tmp_path, secret)
    done = []
    worker = threading.Thread(target=lambda: done.append(safe_copy.copy_plain_tree(folder, tmp_path / "copy", SMALL)))
    worker.start()
    worker.join(timeout=20)
    assert done, "copying blocked (a FIFO was opened for reading?)"
    refused = "\n".join(done[0])
    copied = sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*") if p.is_file())
    assert copied == ["notes.txt"]
    for name, why in [("'key.txt'", "a link"), ("'zero'", "a link"), ("'pipe'", "a FIFO"),
                      ("bad", "not plain UTF-8"), ("escape", "not plain UTF-8"), ("'big.bin'", "larger than"),
                      ("'d0/d1/d2/d3'", "deeper than 3"), ("'linked_dir'", "a link")]:
        assert any(name in line and why in line for line in done[0]), (name, why, refused)
    assert "\x1b" not in refused and "SECRET" not in refused


def test_count_and_total_caps(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(8):
        (folder / f"f{i}.txt").write_bytes(b"x" * 600)
    refused = safe_copy.copy_plain_tree(folder, tmp_path / "copy", SMALL)
    assert len(list((tmp_path / "copy").iterdir())) == 4  # 4 x 600 <= 2500 < 5 x 600
    assert sum("in all" in line for line in refused) == 4


@pytest.mark.slow
def test_planning_a_class_run_survives_odd_names_and_deep_folders(tmp_path):
    folder = tmp_path / "submitted"
    folder.mkdir()
    (folder / "xray_image.ipynb").write_text("{}")
    (folder / os.fsdecode(b"\xff\xfe.dat")).write_bytes(b"1")
    make_deep_folder(folder, 1200)  # deeper than Python's recursion limit would allow a recursive walk
    assert 1200 > sys.getrecursionlimit()
    digest = prepare.submission_digest(folder)
    notes = []
    files = list(workspace.submission_files(folder, reserved=set(), refused=notes))
    assert len(digest) == 64 and files == []
    assert any("not plain UTF-8" in note for note in notes) and any("deeper than" in note for note in notes)
    (folder / "extra.txt").write_text("changed")
    assert prepare.submission_digest(folder) != digest
    remove_tree(folder)


@pytest.mark.parametrize("name", ["ok.txt", "données.csv", "a b.txt"])
def test_ordinary_names_are_plain(name):
    assert safe_copy.plain_name(name) == name


@pytest.mark.parametrize("name", ["", "..", "a/b", "tab\there", "bell\x07", "rtl\u202etxt.exe", b"\xff", "x" * 256])
def test_odd_names_are_refused(name):
    assert safe_copy.plain_name(name) is None


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../up.txt", "a/../../up.txt"])
def test_files_are_never_written_outside_their_folder(tmp_path, name):
    with pytest.raises(ValueError, match="outside"):
        safe_copy.write_files([("fine.txt", b"x"), (name, b"x")], tmp_path / "inside")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["fine.txt", "inside"]
