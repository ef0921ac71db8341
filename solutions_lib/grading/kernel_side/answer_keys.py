"""How answer files are named: ``<key>.npz``, the key a check and maybe a model (``chains-single``).

The student's kernel writes answer files under these names (`xray_handin`)
and the grader takes back only files so named and reads the check and the
model from the key (`workspace`, `handins`): both import this one module.
Like `xray_handin` it is mounted read-only into the sandbox (the whole
``kernel_side`` folder is on the kernel's path) and imports only the
standard library.
"""
from __future__ import annotations

import re

KEY = re.compile(r"[a-z0-9_]+(-[a-z0-9_]+)?")
SUFFIX = ".npz"


def is_key(text) -> bool:
    """Is ``text`` a whole answer key: lower-case letters, digits and ``_``, at most one ``-``?

    Parameters
    ----------
    text : object
        Anything; only a string can be a key.

    Returns
    -------
    bool
    """
    return isinstance(text, str) and KEY.fullmatch(text) is not None


def key_for(check: str, model: str | None = None) -> str:
    """The answer key of ``check`` for ``model`` (``key_for("chains", "single") == "chains-single"``).

    Parameters
    ----------
    check : str
        The check that judges the answer, e.g. ``"chains"``.
    model : str, optional
        The model's name when the check judges one model's answer.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If the result is not an answer key.
    """
    key = f"{check}-{model}" if model else check
    if not is_key(key):
        raise ValueError(f"bad answer key {key!r}")
    return key


def file_name(key: str) -> str:
    """The answer file's name for ``key``: ``key`` + ``.npz``.

    Parameters
    ----------
    key : str
        An answer key.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If ``key`` is not an answer key.
    """
    if not is_key(key):
        raise ValueError(f"bad answer key {key!r}")
    return key + SUFFIX


def key_of(name: str) -> str | None:
    """The key of the answer file ``name``, or None when ``name`` is not an answer file's.

    Parameters
    ----------
    name : str
        A file name (anything else gives None).

    Returns
    -------
    str or None
    """
    key = name[: -len(SUFFIX)] if isinstance(name, str) and name.endswith(SUFFIX) else None
    return key if is_key(key) else None


def check_and_model(key: str) -> tuple[str, str | None]:
    """The check a key names and its model (None without one): ``chains-single`` -> (chains, single).

    Parameters
    ----------
    key : str
        An answer key.

    Returns
    -------
    check : str
    model : str or None
    """
    check, _, model = key.partition("-")
    return check, model or None
