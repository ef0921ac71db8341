"""Before nbgrader reads a submitted folder, whatever it must not follow, open or walk is moved aside."""
import os
import stat
import threading

import pytest
from nbgrader.utils import find_all_files

from solutions_lib.grading import submission_guard

from hostile_files import make_deep_folder, remove_tree


@pytest.fixture
def submitted(tmp_path):
    folder = tmp_path / "submitted" / "mallory" / "xray_image"
    folder.mkdir(parents=True)
    (folder / "xray_image.ipynb").write_text("{}")
    (folder / "notes.txt").write_text("my notes")
    (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
    return folder


def plain_names(folder):
    return sorted(os.listdir(folder))


def test_a_plain_submission_is_left_alone(submitted):
    assert submission_guard.secure_submission(submitted) == []
    assert plain_names(submitted) == ["notes.txt", "timestamp.txt", "xray_image.ipynb"]
    assert not submission_guard.refused_note_path(submitted).exists()


@pytest.mark.slow
def test_links_fifos_devices_odd_names_and_deep_folders_are_moved_aside(submitted, tmp_path):
    secret = tmp_path / "instructor_key.txt"
    secret.write_text("the answers")
    (submitted / "key.txt").symlink_to(secret)
    (submitted / "zero").symlink_to("/dev/zero")
    os.mkfifo(submitted / "pipe")
    open(os.path.join(os.fsencode(submitted), b"\xff\xfe.txt"), "wb").close()
    make_deep_folder(submitted, 1200)

    done = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: (result.setdefault("reasons", submission_guard.secure_submission(submitted)),
                                              done.set()), daemon=True)
    thread.start()
    assert done.wait(30), "checking the folder blocked (a FIFO opened?)"
    reasons = " | ".join(result["reasons"])
    for expected in ("'key.txt': a link", "'zero': a link", "'pipe': a FIFO", "not plain UTF-8", "deeper than 8"):
        assert expected in reasons
    assert plain_names(submitted) == ["d", "notes.txt", "timestamp.txt", "xray_image.ipynb"]
    listed = find_all_files(str(submitted))  # how nbgrader lists the folder before copying it
    assert len(listed) == 3 and all(os.path.isfile(path) and not os.path.islink(path) for path in listed)
    quarantine = submission_guard.quarantine_path(submitted)
    moved = [os.lstat(os.path.join(quarantine, name)).st_mode for name in os.listdir(quarantine)]
    assert sum(stat.S_ISLNK(mode) for mode in moved) == 2 and sum(stat.S_ISFIFO(mode) for mode in moved) == 1
    assert secret.read_text() == "the answers"  # nothing followed, nothing written through a link
    note = submission_guard.refused_note_path(submitted).read_text()
    assert "'pipe': a FIFO" in note and "Moved aside before grading" in note
    assert submission_guard.secure_submission(submitted) == []  # a second check finds nothing more
    remove_tree(submitted.parent)


def test_an_unreadable_timestamp_is_moved_aside(submitted):
    (submitted / "timestamp.txt").write_text("yesterday afternoon")
    reasons = submission_guard.secure_submission(submitted)
    assert reasons and "timestamp" in reasons[0] and "check it by hand" in reasons[0]
    assert not (submitted / "timestamp.txt").exists()


def test_a_submission_folder_that_is_a_link_is_moved_aside(tmp_path):
    target = tmp_path / "instructor"
    target.mkdir()
    (target / "xray_image.ipynb").write_text("{}")
    folder = tmp_path / "submitted" / "mallory" / "xray_image"
    folder.parent.mkdir(parents=True)
    folder.symlink_to(target, target_is_directory=True)
    assert submission_guard.secure_submission(folder)
    assert not os.path.lexists(folder) and (target / "xray_image.ipynb").exists()


def test_the_hook_fails_closed(submitted, monkeypatch):
    def broken(folder):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(submission_guard, "secure_submission", broken)
    submission_guard.pre_convert_hook(assignment="xray_image", student="mallory",
                                      notebooks=[str(submitted / "xray_image.ipynb")])
    assert not submitted.exists(), "a folder that could not be checked must not stay where nbgrader reads it"
    assert os.listdir(submission_guard.quarantine_path(submitted))
