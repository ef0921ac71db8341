"""The sandbox a submission's kernel runs in: bubblewrap, a throw-away uid, resource caps.

`sandbox_command` wraps a kernel command line so that the kernel and every
process it starts:

* run as an unprivileged uid of their own (``setpriv``, when grading as
  root), so that nothing that belongs to the instructor is writable, and
  the process cap of ``prlimit`` applies (it does not apply to root);
* see a filesystem assembled from read-only system folders, the student
  Python environment (read-only), the course release files (read-only),
  a private writable copy of the submission, a private ``/tmp`` of capped
  size and the answers folder; nothing of the instructor's tree;
* have no network (a new, empty network namespace) and their own PID
  namespace, so that every process dies with the kernel and none can
  signal or trace processes outside; cannot create user namespaces or
  mount anything (`syscall_filter`), nor read bwrap's options (host
  paths) from ``/proc/1/cmdline``;
* are capped in address space, number of processes and threads, and file
  size (``prlimit``); the grader caps the wall time of the whole notebook.

The kernel talks to the grader over Unix sockets in a runtime folder that
is shared with the sandbox (TCP is impossible without a network).
"""
from __future__ import annotations

import itertools
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from . import syscall_filter

SANDBOX_HOME = "/home/student"
ANSWERS_MOUNT = "/grader/answers"
KERNEL_SIDE_MOUNT = "/grader/lib"
KERNEL_SIDE_DIR = Path(__file__).resolve().parent / "kernel_side"
SYSTEM_DIRS = ("/usr", "/etc")
USR_MERGED_LINKS = (("usr/bin", "/bin"), ("usr/sbin", "/sbin"), ("usr/lib", "/lib"),
                    ("usr/lib64", "/lib64"), ("usr/lib32", "/lib32"))
PASSED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "LANG")
INSTALL_HINT = (
    "Install bubblewrap and util-linux (Debian/Ubuntu: `sudo apt-get install bubblewrap util-linux`; "
    "`make setup` does it when run as root), or, only if you accept running untrusted student code "
    "unconfined, set `c.SandboxedExecute.sandbox = False` in nbgrader_config.py."
)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be started on this machine."""


@dataclass(frozen=True)
class Limits:
    """Resource caps of one sandboxed kernel (0 means no cap).

    Attributes
    ----------
    memory_mb : int
        Address space of the kernel and of each process it starts (MiB).
    processes : int
        Processes and threads the kernel's uid may have at once (``prlimit --nproc``).
    file_size_mb : int
        Largest file a process may write (MiB).
    tmp_size_mb : int
        Size of the sandbox's private ``/tmp`` (MiB).
    """

    memory_mb: int = 8192
    processes: int = 256
    file_size_mb: int = 512
    tmp_size_mb: int = 1024


@dataclass(frozen=True)
class Mounts:
    """Host folders the sandbox sees.

    Attributes
    ----------
    workspace : pathlib.Path
        The private writable copy of the submission (becomes the kernel's
        working directory, ``/home/student/<assignment>``).
    release_files : tuple of (pathlib.Path, str)
        Read-only course files laid over the workspace, as (host path,
        path relative to the workspace).
    answers : pathlib.Path
        Writable folder where `xray_handin.hand_in` saves answers.
    runtime : pathlib.Path
        Writable folder with the connection file and kernel sockets,
        mounted at its host path so that the socket names agree.
    python_prefixes : tuple of pathlib.Path
        Read-only Python installations (the student environment and the
        interpreter it was made from).
    hidden_dirs : tuple of pathlib.Path
        Folders inside those that the sandbox sees empty (the base
        interpreter's own site-packages, which may hold anything).
    assignment : str
        Name of the kernel's working folder under ``/home/student``.
    """

    workspace: Path
    release_files: tuple
    answers: Path
    runtime: Path
    python_prefixes: tuple
    hidden_dirs: tuple = ()
    assignment: str = "xray_image"

    @property
    def kernel_cwd(self) -> str:
        return f"{SANDBOX_HOME}/{self.assignment}"


_RUNS = itertools.count()
RUNS_PER_PROCESS = 8


def sandbox_uid() -> int:
    """A uid no real user has: one per grading process on this host and, within a process, per run.

    Runs in one process cycle through `RUNS_PER_PROCESS` uids, so that up
    to that many kernels at once (a Dask worker with several threads) never
    share a uid, and with it the process cap.
    """
    return 200_000 + (os.getpid() % 100_000) * RUNS_PER_PROCESS + next(_RUNS) % RUNS_PER_PROCESS


def require_tools() -> None:
    """Raise `SandboxUnavailable` with install instructions if a tool is missing or unusable."""
    missing = [tool for tool in ("bwrap", "setpriv", "prlimit", "sh") if shutil.which(tool) is None]
    if missing:
        raise SandboxUnavailable(f"The grading sandbox needs {', '.join(missing)}. {INSTALL_HINT}")


def student_environment(student_python: str) -> tuple[tuple, tuple]:
    """(folders the student interpreter needs, folders inside them to show empty).

    The student environment must be a virtual environment without the
    instructor package; its base installation is shown without its own
    site-packages.

    Parameters
    ----------
    student_python : str
        Path of the student environment's interpreter (``<env>/bin/python``).

    Returns
    -------
    prefixes : tuple of pathlib.Path
        The environment, and its base installation when that is elsewhere.
    hidden : tuple of pathlib.Path
        The base installation's site-packages folders, shown empty.

    Raises
    ------
    SandboxUnavailable
        If ``student_python`` does not exist or is not in a virtual
        environment, or if the environment holds the instructor package.
    """
    python = Path(student_python)
    env = python.parent.parent.absolute()
    if not python.exists() or not (env / "pyvenv.cfg").exists():
        raise SandboxUnavailable(
            f"The student Python environment {student_python!r} is not a virtual environment; run "
            "`make setup` (it builds .venv-student from source/xray_image/requirements.txt) or set "
            "c.SandboxedExecute.student_python in nbgrader_config.py."
        )
    leaked = sorted(str(p) for p in env.glob("lib/python*/site-packages/*solutions_lib*"))
    if leaked:
        raise SandboxUnavailable(f"The student environment contains the instructor package: {leaked}.")
    base = Path(os.path.realpath(python)).parent.parent
    if base == env:
        return (env,), ()
    return (env, base), tuple(base.glob("lib/python*/site-packages"))


def _environment(mounts: Mounts, student_python: str) -> list:
    env = {
        "HOME": SANDBOX_HOME,
        "PATH": f"{Path(student_python).parent}:/usr/bin:/bin",
        "PYTHONPATH": KERNEL_SIDE_MOUNT,
        "PYTHONNOUSERSITE": "1",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "NUMBA_CACHE_DIR": "/tmp/numba",
        "IPYTHONDIR": "/tmp/ipython",
        "XDG_CACHE_HOME": "/tmp/cache",
        "JUPYTER_RUNTIME_DIR": str(mounts.runtime),
        "NBGRADER_EXECUTION": "autograde",
        "XRAY_ANSWERS_DIR": ANSWERS_MOUNT,
    }
    env.update({name: os.environ[name] for name in PASSED_ENV if name in os.environ})
    args = ["--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args


def _parents(paths) -> list:
    """bwrap arguments creating the parents of ``paths`` traversable by the kernel's uid."""
    args, made = [], {"/", "/tmp", "/usr", "/etc", "/home"}
    for path in paths:
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
    return args


def _filesystem(mounts: Mounts, limits: Limits) -> list:
    args = []
    for folder in SYSTEM_DIRS:
        if os.path.isdir(folder):
            args += ["--ro-bind", folder, folder]
    for target, link in USR_MERGED_LINKS:
        if os.path.islink(link) or not os.path.exists(link):
            if os.path.exists(f"/{target}"):
                args += ["--symlink", target, link]
        else:
            args += ["--ro-bind", link, link]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777"]
    if limits.tmp_size_mb:
        args += ["--size", str(limits.tmp_size_mb * 2**20)]
    args += ["--tmpfs", "/tmp", "--perms", "0755", "--dir", SANDBOX_HOME]
    args += _parents([*mounts.python_prefixes, mounts.runtime, ANSWERS_MOUNT])
    for prefix in mounts.python_prefixes:
        args += ["--ro-bind", str(prefix), str(prefix)]
    for hidden in mounts.hidden_dirs:
        args += ["--tmpfs", str(hidden)]
    args += ["--bind", str(mounts.workspace), mounts.kernel_cwd]
    for host, relative in mounts.release_files:
        args += ["--ro-bind", str(host), f"{mounts.kernel_cwd}/{relative}"]
    args += ["--ro-bind", str(KERNEL_SIDE_DIR), KERNEL_SIDE_MOUNT]
    args += ["--bind", str(mounts.answers), ANSWERS_MOUNT]
    args += ["--bind", str(mounts.runtime), str(mounts.runtime)]
    return args


def _caps(limits: Limits) -> list:
    caps = ["prlimit", "--core=0", "--nofile=4096"]
    if limits.memory_mb:
        caps.append(f"--as={limits.memory_mb * 2**20}")
    if limits.processes:
        caps.append(f"--nproc={limits.processes}")
    if limits.file_size_mb:
        caps.append(f"--fsize={limits.file_size_mb * 2**20}")
    return caps + ["--"]


# bwrap reads its options from fd 4 (so /proc/1/cmdline inside shows no host paths) and the
# seccomp filter from fd 3; the shell opens both files and becomes bwrap.
LAUNCHER = 'exec 3<"$1" 4<"$2"; shift 2; exec bwrap --seccomp 3 --args 4 "$@"'


def sandbox_command(kernel_cmd: list, mounts: Mounts, limits: Limits, uid: int | None, launch_dir) -> list:
    """``kernel_cmd`` wrapped in bwrap, then (as root) setpriv, then prlimit.

    Run by root, bwrap assembles the filesystem with root's right to read
    every source folder and then, inside the new namespaces, setpriv drops
    to ``uid`` with no capabilities left. Run by an ordinary user, bwrap
    uses a user namespace instead and the kernel keeps that user's uid.
    Either way `syscall_filter` refuses new user namespaces and the other
    calls a kernel never needs. ``launch_dir``, a folder the sandbox never
    sees, receives bwrap's options and the compiled filter.

    Parameters
    ----------
    kernel_cmd : list of str
        The kernel's command line; its first item is the student
        interpreter.
    mounts : Mounts
        The host folders the sandbox sees.
    limits : Limits
        The resource caps.
    uid : int or None
        The uid the kernel runs as when grading as root (`sandbox_uid`);
        None when grading as an ordinary user.
    launch_dir : str or path-like
        Folder for bwrap's options and the filter, created (mode 0700) if
        missing.

    Returns
    -------
    list of str
        The wrapped command: a shell that opens the options and the filter
        and becomes bwrap, which runs (setpriv,) prlimit and the kernel.
    """
    student_python = kernel_cmd[0]
    if uid is None:
        namespaces = ["--unshare-all", "--cap-drop", "ALL"]
        drop_privileges = []
    else:
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        drop_privileges = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                           "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    options = [
        *namespaces, "--die-with-parent", "--new-session", "--hostname", "sandbox",
        *_filesystem(mounts, limits),
        *_environment(mounts, student_python),
        "--chdir", mounts.kernel_cwd,
    ]
    launch_dir = Path(launch_dir)
    launch_dir.mkdir(mode=0o700, exist_ok=True)
    rules = syscall_filter.write_filter(launch_dir / "syscalls.bpf")
    args_file = launch_dir / "bwrap.args"
    args_file.write_bytes(b"\0".join(os.fsencode(option) for option in options) + b"\0")
    args_file.chmod(0o600)
    return ["sh", "-c", LAUNCHER, "sh", str(rules), str(args_file), "--",
            *drop_privileges, *_caps(limits), *kernel_cmd]


def default_student_python() -> str:
    """The path ``.venv-student/bin/python`` beside this interpreter's environment (in ``sys.prefix``'s parent).

    The path is returned whether or not it exists; `student_environment`
    refuses one that is not a virtual environment.
    """
    candidate = Path(sys.prefix).parent / ".venv-student" / "bin" / "python"
    return str(candidate)
