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
are plain, reasonably sized and named as `answer_keys` says into the
instructor's answers store, and the temporary folder is deleted (unmounted),
with everything the submission left in it.

The two rules here are the only ones of their kind: which of a submission's
files a run takes (`submission_files`, also what the parallel grader packs
for its workers) and which answer files are accepted (`collect_answers`,
also what it installs from a stored run).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import safe_copy
from .kernel_side import answer_keys

MAX_ANSWER_BYTES = 256 * 2**20
SUBMISSION_LIMITS = safe_copy.CopyLimits()  # a submission's own files (see safe_copy)
SKIPPED_NAMES = {".grading", ".ipynb_checkpoints", "__pycache__"}


@dataclass
class GradingRun:
    """Temporary folders of one run (see the module docstring).

    Attributes
    ----------
    root : pathlib.Path
        The run's temporary folder.
    release_files : tuple of (pathlib.Path, str)
        (host path, name) of each release file (`release_entries`).
    skipped : list of str
        Why each refused file of the submission was left out.
    mounted : bool
        Whether ``root`` is a size-capped tmpfs.
    """

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
    """The top-level release files the notebook reads: every entry but notebooks and caches.

    Parameters
    ----------
    release_dir : path-like
        The assignment's release folder.

    Returns
    -------
    tuple of (pathlib.Path, str)
        (host path, name) of each entry, sorted.

    Raises
    ------
    FileNotFoundError
        If ``release_dir`` is not a folder.
    """
    release_dir = Path(release_dir)
    if not release_dir.is_dir():
        raise FileNotFoundError(
            f"Release folder {release_dir} not found; run `nbgrader generate_assignment` first."
        )
    return tuple(
        (entry, entry.name) for entry in sorted(release_dir.iterdir())
        if entry.suffix != ".ipynb" and entry.name not in SKIPPED_NAMES
    )


def submission_files(folder, reserved: set, refused: list, ignore=()) -> Iterator[tuple[str, bytes]]:
    """The files a grading run takes from a submission: (relative path, content), read one at a time.

    Parameters
    ----------
    folder : path
        The submission as submitted (links intact, so that they are refused).
    reserved : set of str
        Names of the release's files: left out at the top, where the release's own go.
    refused : list
        Receives a short reason for each file refused by `safe_copy`'s rules
        or `SUBMISSION_LIMITS`.
    ignore : list of str
        nbgrader's ignore patterns (``CourseDirectory.ignore``), left out
        silently like notebooks and caches.
    """
    patterns = [*ignore, "*.ipynb", *SKIPPED_NAMES]

    def skip(name: str, depth: int) -> bool:
        return (depth == 0 and name in reserved) or safe_copy.matches_any(name, patterns)
    return safe_copy.plain_contents(folder, SUBMISSION_LIMITS, refused, skip)


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
                quota_mb: int = 0, ignore=()) -> GradingRun:
    """Make the run folders; ``uid`` (when grading as root) becomes their owner.

    With ``uid`` and ``quota_mb`` the folders live on a tmpfs of that size.
    The release files are mounted over the workspace by the sandbox; only
    an unconfined run (``copy_release``) gets copies of them instead. The
    workspace gets the `submission_files` of ``submission_dir`` (with
    nbgrader's ``ignore`` patterns). If filling the folders fails, they are
    removed before the error propagates.

    Parameters
    ----------
    submission_dir : path-like
        The submission as submitted.
    release_dir : path-like
        The assignment's release folder (`release_entries`).
    uid : int or None
        The user the sandbox runs as, when grading as root; None leaves
        ownership alone.
    copy_release : bool, optional
        Copy the release files into the workspace instead of leaving mount
        points for them.
    quota_mb : int, optional
        Size of the tmpfs in MiB (with ``uid`` only); 0 for none.
    ignore : iterable of str, optional
        nbgrader's ignore patterns.

    Returns
    -------
    GradingRun

    Raises
    ------
    FileNotFoundError
        If ``release_dir`` is missing.
    RuntimeError
        If the tmpfs cannot be mounted.
    """
    run = GradingRun(Path(tempfile.mkdtemp(prefix="xray-grade-")), release_entries(release_dir))
    if uid is not None and quota_mb:
        _mount_quota(run.root, quota_mb)
        run.mounted = True
    try:
        _fill(run, submission_dir, uid, copy_release, ignore)
    except BaseException:
        run.remove()
        raise
    return run


def _fill(run: GradingRun, submission_dir, uid: int | None, copy_release: bool, ignore) -> None:
    """The run folders, the private copy of the submission and the release mount points, owned by ``uid``."""
    os.chmod(run.root, 0o711)
    for folder in (run.workspace, run.answers, run.runtime):
        folder.mkdir()
    reserved = {name for _, name in run.release_files}
    safe_copy.write_files(submission_files(submission_dir, reserved, run.skipped, ignore), run.workspace)
    for host, name in run.release_files:
        target = run.workspace / name
        if copy_release:
            shutil.copytree(host, target) if host.is_dir() else shutil.copyfile(host, target)
        else:  # mount points for the read-only release files
            target.mkdir() if host.is_dir() else target.touch()
    for folder in (run.workspace, run.answers, run.runtime):
        _give_to(folder, uid)


def collect_answers(source, store: Path) -> tuple[list, list]:
    """Copy the acceptable answer files of the folder ``source`` into ``store`` (emptied first).

    Only regular files named ``<key>.npz`` (`answer_keys`) of at most
    `MAX_ANSWER_BYTES` are taken, opened without following links. Used on a
    run's answers folder and again on a stored run's, so both take the same
    files.

    Parameters
    ----------
    source : path-like
        The folder the answers were written to.
    store : path-like
        The instructor's answers folder for this submission; replaced.

    Returns
    -------
    taken : list of str
        The answer keys copied, in name order.
    refused : list of str
        A reason for each entry left out.
    """
    store = Path(store)
    if store.exists():
        shutil.rmtree(store)
    store.mkdir(parents=True)
    taken, refused = [], []
    for entry in sorted(os.scandir(source), key=lambda entry: entry.name):
        key = answer_keys.key_of(entry.name)
        if key is None:
            refused.append(f"{safe_copy.shown(entry.name)}: not an answer file name")
            continue
        fd, why = safe_copy.open_plain_file(entry.path, MAX_ANSWER_BYTES)
        if fd is None:
            refused.append(f"{entry.name}: {why}")
            continue
        with os.fdopen(fd, "rb") as handle, open(store / entry.name, "wb") as copy:
            shutil.copyfileobj(handle, copy)
        taken.append(key)
    return taken, refused
