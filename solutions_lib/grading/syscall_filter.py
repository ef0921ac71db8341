"""The system calls a graded kernel never needs, refused by a seccomp filter that bubblewrap installs.

A submission's kernel can otherwise create user namespaces (``unshare -U
-r``): inside one it is "root" with every capability over the new
namespace, a large kernel attack surface the notebook has no use for.
bubblewrap's own ``--disable-userns`` works only with ``--unshare-user``,
which a grader running as root does not use (it drops to a separate uid
with ``setpriv`` instead), so the filter refuses the calls themselves:

* ``unshare`` and ``clone`` with ``CLONE_NEWUSER`` fail with EPERM;
* ``clone3`` fails with ENOSYS (its flags sit in memory a filter cannot
  read); glibc then falls back to ``clone``, which the filter can judge;
* ``setns``, ``mount``, ``umount2``, ``pivot_root``, ``keyctl``,
  ``add_key``, ``request_key``, ``bpf``, ``perf_event_open`` and
  ``userfaultfd`` fail with EPERM.

The filter is compiled with libseccomp (through `pyseccomp`) into the
classic BPF program that ``bwrap --seccomp FD`` reads.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

import pyseccomp

CLONE_NEWUSER = 0x10000000
REFUSED_CALLS = ("setns", "mount", "umount2", "pivot_root", "keyctl", "add_key", "request_key", "bpf",
                 "perf_event_open", "userfaultfd")


def write_filter(path) -> Path:
    """Write the compiled filter (see the module docstring) to ``path``, readable by its owner only.

    Parameters
    ----------
    path : str or path-like
        Where to write the BPF program (for ``bwrap --seccomp FD``); a new
        file gets mode 0600.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    new_user = pyseccomp.Arg(0, pyseccomp.MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER)
    for call in ("unshare", "clone"):
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), call, new_user)
    rules.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    for call in REFUSED_CALLS:
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), call)
    path = Path(path)
    with open(path, "wb", opener=lambda name, flags: os.open(name, flags, 0o600)) as handle:
        rules.export_bpf(handle)
    return path
