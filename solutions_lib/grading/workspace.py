"""The folders of one sandboxed grading run, and what comes back out of it.

A run gets a fresh temporary folder holding:

* ``workspace/``: a private copy of the submission's own files (never its
  notebooks, links, special files or saved answers; see `safe_copy`),
  where the kernel may write;
* ``answers/``: empty at the start; `xray_handin.hand_in` writes here;
* ``runtime/``: the kernel's connection file and sockets;
* ``launch/``: the sandbox launcher's options and filter, never seen inside.

When grading as root, the run's folder is a size-capped tmpfs (the
submission's disk quota): a notebook that fills it fills only its own
quota, never the disk the next student is graded on.

After the kernel has exited, `collect_answers` copies the answer files that
are plain, reasonably sized ``.npz`` files into the instructor's answers
store, and the temporary folder is deleted (unmounted), with everything
the submission left in it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import safe_copy

ANSWER_FILE = re.compile(r"^[a-z0-9_]+(-[a-z0-9_]+)?\.npz$")
MAX_ANSWER_BYTES = 256 * 2**20
SUBMISSION_LIMITS = safe_copy.CopyLimits()  # a submission's own files (see safe_copy)
SKIPPED_NAMES = {".grading", ".ipynb_checkpoints", "__pycache__"}


@dataclass
class GradingRun:
    """Temporary folders of one run (see the module docstring)."""

    root: Path
    release_files: tuple = ()
    skipped: list = field(default_factory=list)
    mounted: bool = False  # root is a size-capped tmpfs

    @property
    def workspace(self) -> Path:
        return self.root / "workspace"

    @property
    def answers(self) -> Path:
        return self.root / "answers"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"

    @property
    def launch(self) -> Path:
        """The sandbox launcher's own files (never mounted in the sandbox)."""
        return self.root / "launch"

    def remove(self) -> None:
        """Delete the run's folders, whatever the submission did to their permissions."""
        if self.mounted:  # lazily: a process of the submission may still hold a file open
            subprocess.run(["umount", "--lazy", str(self.root)], check=True, capture_output=True)
            self.mounted = False

        def unlock_and_retry(function, path, _):
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            function(path)

        shutil.rmtree(self.root, onerror=unlock_and_retry)


def release_entries(release_dir) -> tuple:
    """(host path, name) of each top-level release file the notebook reads (not notebooks)."""
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        raise FileNotFoundError(
            f"Release folder {release_dir} not found; run `nbgrader generate_assignment` first."
        )
    return tuple(
        (entry, entry.name) for entry in sorted(release_dir.iterdir())
        if entry.suffix != ".ipynb" and entry.name not in SKIPPED_NAMES
    )


def submission_skip(reserved: set, ignore=()):
    """What a run leaves out of a submission silently: notebooks, caches, ignore patterns, release names at the top."""
    patterns = [*ignore, "*.ipynb", *SKIPPED_NAMES]

    def skip(name: str, depth: int) -> bool:
        return (depth == 0 and name in reserved) or safe_copy.matches_any(name, patterns)
    return skip


def _give_to(path: Path, uid: int | None) -> None:
    if uid is None:
        return
    for folder, dirs, files in os.walk(path):
        os.chown(folder, uid, uid)
        for name in files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


def _mount_quota(root: Path, quota_mb: int) -> None:
    """Make ``root`` a tmpfs of at most ``quota_mb`` MiB (needs root): the submission's disk quota."""
    options = f"size={quota_mb}m,mode=0711,nosuid,nodev"
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "xray-grade", str(root)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"Could not mount the submission's {quota_mb} MiB quota on {root}: "
                           f"{result.stderr.strip()}")


def prepare_run(submission_dir, release_dir, uid: int | None, copy_release: bool = False,
                quota_mb: int = 0) -> GradingRun:
    """Make the run folders; ``uid`` (when grading as root) becomes their owner.

    With ``uid`` and ``quota_mb`` the folders live on a tmpfs of that size.
    The release files are mounted over the workspace by the sandbox; only
    an unconfined run (``copy_release``) gets copies of them instead.
    """
    run = GradingRun(Path(tempfile.mkdtemp(prefix="xray-grade-")), release_entries(release_dir))
    if uid is not None and quota_mb:
        _mount_quota(run.root, quota_mb)
        run.mounted = True
    try:
        _fill(run, submission_dir, uid, copy_release)
    except BaseException:
        run.remove()
        raise
    return run


def _fill(run: GradingRun, submission_dir, uid: int | None, copy_release: bool) -> None:
    """The run folders, the private copy of the submission and the release mount points, owned by ``uid``."""
    os.chmod(run.root, 0o711)
    for folder in (run.workspace, run.answers, run.runtime):
        folder.mkdir()
    reserved = {name for _, name in run.release_files}
    run.skipped.extend(safe_copy.copy_plain_tree(submission_dir, run.workspace, SUBMISSION_LIMITS,
                                                 submission_skip(reserved)))
    for host, name in run.release_files:
        target = run.workspace / name
        if copy_release:
            shutil.copytree(host, target) if host.is_dir() else shutil.copyfile(host, target)
        else:  # mount points for the read-only release files
            target.mkdir() if host.is_dir() else target.touch()
    for folder in (run.workspace, run.answers, run.runtime):
        _give_to(folder, uid)


def collect_answers(run: GradingRun, store: Path) -> tuple[list, list]:
    """Copy acceptable answer files into ``store`` (emptied first).

    Returns (answer keys copied, reasons files were refused). Only regular
    files with a plain name and a sane size are taken; they are opened
    without following links.
    """
    if store.exists():
        shutil.rmtree(store)
    store.mkdir(parents=True)
    taken, refused = [], []
    for entry in os.scandir(run.answers):
        if not ANSWER_FILE.match(entry.name):
            refused.append(f"{entry.name!r}: not an answer file name")
            continue
        fd, why = safe_copy.open_plain_file(entry.path, MAX_ANSWER_BYTES)
        if fd is None:
            refused.append(f"{entry.name}: {why}")
            continue
        with os.fdopen(fd, "rb") as handle, open(store / entry.name, "wb") as copy:
            shutil.copyfileobj(handle, copy)
        taken.append(entry.name[: -len(".npz")])
    return sorted(taken), refused
