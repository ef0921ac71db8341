"""Copying a submission's files without trusting them (trusted side).

A submission is a folder a student chose the contents of: links to the
instructor's files, FIFOs that block a reader, device files, names that are
not text, folders thousands deep, or simply too much. Every trusted step
that copies or reads a submission's files (collecting from the exchange,
the sandbox's private copy, packing a job for a worker, fingerprinting a
submission) walks it with `walk_plain_files`, which applies one set of
rules:

* only regular files and folders; links are never followed, FIFOs, sockets
  and devices are refused;
* each file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked with
  ``fstat`` on the open descriptor, so a file swapped for a link or a FIFO
  after the listing is refused too;
* names must be UTF-8 text without control characters or path separators;
* caps on one file's size, the number of files, the depth and the total.

What was refused comes back as short reasons (names quoted with `ascii`,
so they are plain text wherever they are shown).

`shutil.copytree` cannot do this: it follows links to files by default,
opens FIFOs (and blocks), and has no caps, so this module walks by hand.
"""
from __future__ import annotations

import fnmatch
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator

MB = 2**20


@dataclass(frozen=True)
class CopyLimits:
    """Caps on what is taken from one submission.

    Parameters
    ----------
    max_file_bytes : int
        Largest single file taken.
    max_total_bytes : int
        All files taken together.
    max_files : int
        Number of files taken.
    max_depth : int
        Deepest folder entered (the submission's top folder is depth 0).
    """

    max_file_bytes: int = 50 * MB
    max_total_bytes: int = 256 * MB
    max_files: int = 1000
    max_depth: int = 8


@dataclass(frozen=True)
class PlainFile:
    """One accepted file: its relative path (``/``-separated), its size when listed, and its host path.

    Attributes
    ----------
    relative : str
        Path under the walked folder, ``/``-separated.
    size : int
        Size in bytes when listed.
    path : pathlib.Path
        Where the file is on the host.
    """

    relative: str
    size: int
    path: Path


def plain_name(name) -> str | None:
    """``name`` as text if it is an acceptable file name, else None.

    Acceptable: valid UTF-8 (bytes or a str without surrogate escapes), no
    control or format characters, no separators, not ``.`` or ``..``, at
    most 255 bytes.

    Parameters
    ----------
    name : str or bytes
        A file name as listed.

    Returns
    -------
    str or None
    """
    if isinstance(name, bytes):
        try:
            name = name.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:  # a str carrying surrogate escapes of undecodable bytes
        return None
    if not name or name in (".", "..") or len(encoded) > 255 or "/" in name or "\\" in name:
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in name):
        return None
    return name


def shown(name) -> str:
    """A name as plain ASCII text, for a reason shown to the instructor or student.

    Parameters
    ----------
    name : str or bytes
        A file name; undecodable bytes are kept as escapes.

    Returns
    -------
    str
        ``ascii(name)``: quoted, with non-ASCII characters escaped.
    """
    if isinstance(name, bytes):
        name = name.decode("utf-8", "surrogateescape")
    return ascii(name)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a link (links are never followed)"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    return "not a regular file"


def open_plain_file(path, max_bytes: int) -> tuple[int | None, str]:
    """(descriptor, "") of a regular file of at most ``max_bytes``, or (None, why it is refused).

    Never follows a link and never blocks on a FIFO; the checks are made on
    the open descriptor, so what is read is what was checked.

    Parameters
    ----------
    path : str, bytes or path-like
        The file.
    max_bytes : int
        Largest size accepted.

    Returns
    -------
    fd : int or None
        An open read-only descriptor, which the caller closes; None if refused.
    why : str
        Why the file was refused, or ``""``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if os.path.islink(path):
            return None, _kind(stat.S_IFLNK)
        return None, f"could not be opened ({exc.strerror})"
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None, _kind(info.st_mode)
    if info.st_size > max_bytes:
        os.close(fd)
        return None, f"larger than {max_bytes // MB} MB"
    return fd, ""


def walk_plain_files(source, limits: CopyLimits, refused: list,
                     skip: Callable[[str, int], bool] = lambda name, depth: False,
                     refused_paths: list | None = None) -> Iterator[PlainFile]:
    """Yield every acceptable file under ``source`` (sorted, depth first); append reasons to ``refused``.

    ``skip(name, depth)`` leaves out entries silently (ignore patterns,
    notebooks, names the release takes). A file is yielded only while the
    caps on count and total hold; nothing under ``source`` is followed out
    of it. The caller reads yielded files with `read_plain_file`. When
    ``refused_paths`` is a list, the host path (bytes) of each refused entry
    is appended to it, beside its reason in ``refused``.

    Parameters
    ----------
    source : path-like
        The folder to walk.
    limits : CopyLimits
        Caps on size, count and depth.
    refused : list
        Receives a short reason for each entry refused.
    skip : callable, optional
        ``skip(name, depth) -> bool``; true leaves an entry out silently.
        By default nothing is skipped.
    refused_paths : list, optional
        Receives the host path (bytes) of each refused entry.

    Yields
    ------
    PlainFile
    """
    source = Path(source)
    taken = {"files": 0, "bytes": 0}

    def refuse(path: bytes, reason: str) -> None:
        refused.append(reason)
        if refused_paths is not None:
            refused_paths.append(path)

    def walk(folder: Path, prefix: str, depth: int):
        try:
            entries = sorted(os.scandir(os.fsencode(folder)), key=lambda e: e.name)
        except OSError as exc:
            refuse(os.fsencode(folder), f"{shown(prefix or '.')}: folder could not be read ({exc.strerror})")
            return
        for entry in entries:
            name = plain_name(entry.name)
            label = shown(prefix + (name if name is not None else os.fsdecode(entry.name)))
            if name is None:
                refuse(entry.path, f"{label}: the name is not plain UTF-8 text")
                continue
            if skip(name, depth):
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                if depth + 1 > limits.max_depth:
                    refuse(entry.path, f"{label}: folders deeper than {limits.max_depth} levels")
                else:
                    yield from walk(folder / name, f"{prefix}{name}/", depth + 1)
            elif not stat.S_ISREG(mode):
                refuse(entry.path, f"{label}: {_kind(mode)}")
            else:
                size = entry.stat(follow_symlinks=False).st_size
                if size > limits.max_file_bytes:
                    refuse(entry.path, f"{label}: larger than {limits.max_file_bytes // MB} MB")
                elif taken["files"] >= limits.max_files:
                    refuse(entry.path, f"{label}: more than {limits.max_files} files in all")
                elif taken["bytes"] + size > limits.max_total_bytes:
                    refuse(entry.path, f"{label}: the files exceed {limits.max_total_bytes // MB} MB in all")
                else:
                    taken["files"] += 1
                    taken["bytes"] += size
                    yield PlainFile(prefix + name, size, folder / name)

    yield from walk(source, "", 0)


def matches_any(name: str, patterns) -> bool:
    """Does ``name`` match one of the glob ``patterns`` (nbgrader's ignore and include lists)?

    Parameters
    ----------
    name : str
        A file name.
    patterns : iterable of str
        `fnmatch` patterns.

    Returns
    -------
    bool
    """
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def read_plain_file(item: PlainFile, limits: CopyLimits) -> tuple[bytes | None, str]:
    """(content, "") of one walked file, re-checked on its descriptor; or (None, reason).

    A file that grew since it was listed is refused, so the caps that the
    walk applied still hold for what is read.

    Parameters
    ----------
    item : PlainFile
        A file yielded by `walk_plain_files`.
    limits : CopyLimits
        The caps of the walk.

    Returns
    -------
    content : bytes or None
        At most ``item.size`` bytes; None if refused.
    why : str
        Why the file was refused, or ``""``.
    """
    fd, why = open_plain_file(item.path, min(limits.max_file_bytes, item.size))
    if fd is None:
        return None, why
    with os.fdopen(fd, "rb") as handle:
        return handle.read(item.size + 1)[: item.size], ""


def plain_contents(source, limits: CopyLimits, refused: list,
                   skip: Callable[[str, int], bool] = lambda name, depth: False) -> Iterator[tuple[str, bytes]]:
    """Yield (relative path, content) of every acceptable file under ``source``, read one at a time.

    `walk_plain_files` then `read_plain_file`: the reasons for what either
    refuses are appended to ``refused``.

    Parameters
    ----------
    source : path-like
        The folder to walk.
    limits : CopyLimits
        Caps on size, count and depth.
    refused : list
        Receives a short reason for each file refused.
    skip : callable, optional
        ``skip(name, depth) -> bool``; true leaves an entry out silently.

    Yields
    ------
    relative : str
        The file's ``/``-separated path under ``source``.
    content : bytes
    """
    for item in walk_plain_files(source, limits, refused, skip):
        content, why = read_plain_file(item, limits)
        if content is None:
            refused.append(f"{shown(item.relative)}: {why}")
        else:
            yield item.relative, content


def write_files(files: Iterable[tuple[str, bytes]], target) -> None:
    """Write (relative ``/``-separated path, content) pairs under ``target`` (made if needed).

    Parameters
    ----------
    files : iterable of (str, bytes)
        Relative path and content of each file.
    target : path-like
        The folder to write under.

    Raises
    ------
    ValueError
        If a path is empty, absolute or climbs with ``..``: nothing is
        written outside ``target`` (files before it are already written).
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"refusing to write {shown(name)} outside {target}")
        destination = target.joinpath(*relative.parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)


def copy_plain_tree(source, target, limits: CopyLimits,
                    skip: Callable[[str, int], bool] = lambda name, depth: False) -> list[str]:
    """Copy the acceptable files of ``source`` into ``target`` (made if needed).

    Parameters
    ----------
    source : path-like
        The folder to copy.
    target : path-like
        Where to copy it.
    limits : CopyLimits
        Caps on size, count and depth.
    skip : callable, optional
        ``skip(name, depth) -> bool``; true leaves an entry out silently.

    Returns
    -------
    list of str
        A reason for each entry refused.
    """
    refused: list[str] = []
    write_files(plain_contents(source, limits, refused, skip), target)
    return refused
