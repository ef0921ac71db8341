"""The grading sandbox itself: what a submission's code can and cannot do inside it."""
import os
import socket
import subprocess
import sys
import textwrap
import threading

import pytest

from solutions_lib.course import release
from solutions_lib.grading import sandbox, workspace

STUDENT_PYTHON = str(release.REPO_ROOT / ".venv-student" / "bin" / "python")
RELEASE = release.REPO_ROOT / "release" / release.ASSIGNMENT


@pytest.fixture
def run_in_sandbox(tmp_path):
    """Run Python code in a sandbox laid out as for grading; return the finished process."""
    submission = tmp_path / "submission"
    submission.mkdir()
    uid = sandbox.sandbox_uid() if os.geteuid() == 0 else None
    runs = []

    def run(code: str, limits=sandbox.Limits(), timeout=60, quota_mb=0):
        grading_run = workspace.prepare_run(submission, RELEASE, uid, quota_mb=quota_mb)
        runs.append(grading_run)
        prefixes, hidden = sandbox.student_environment(STUDENT_PYTHON)
        mounts = sandbox.Mounts(grading_run.workspace, grading_run.release_files, grading_run.answers,
                                grading_run.runtime, prefixes, hidden)
        command = sandbox.sandbox_command([STUDENT_PYTHON, "-c", textwrap.dedent(code)], mounts, limits, uid,
                                          grading_run.launch)
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env={"PATH": os.environ["PATH"]}, cwd=grading_run.runtime)

    yield run
    for grading_run in runs:
        grading_run.remove()


def test_hidden_package_and_instructor_files_are_out_of_reach(run_in_sandbox):
    secrets = [release.REPO_ROOT / "solutions_lib" / "reference" / "reference.json",
               release.REPO_ROOT / "source" / release.ASSIGNMENT / "xray_image.ipynb",
               release.REPO_ROOT / ".venv" / "pyvenv.cfg", release.REPO_ROOT / "nbgrader_config.py"]
    done = run_in_sandbox(f"""
        import os
        try:
            import solutions_lib
            print("IMPORTED")
        except ImportError:
            print("no solutions_lib")
        print("visible:", [p for p in {[str(p) for p in secrets]!r} if os.path.exists(p)])
        print("home:", sorted(os.listdir(".")))
    """)
    assert done.returncode == 0, done.stderr
    assert "no solutions_lib" in done.stdout and "visible: []" in done.stdout
    assert "data" in done.stdout and "skyviewer" in done.stdout


def test_only_the_private_copy_and_tmp_are_writable(run_in_sandbox):
    done = run_in_sandbox("""
        import os
        for target in ("mine.txt", "/tmp/scratch", "data/new.txt", "/etc/evil", "/usr/evil",
                       "/grader/lib/evil.py", os.__file__):
            try:
                open(target, "a").close()
                print("writable", target)
            except OSError:
                print("refused", target)
    """)
    lines = set(done.stdout.splitlines())
    assert {"writable mine.txt", "writable /tmp/scratch"} <= lines
    assert not [line for line in lines if line.startswith("writable") and "mine" not in line and "scratch" not in line]


@pytest.mark.skipif(os.geteuid() != 0, reason="a separate uid needs a grader running as root")
def test_kernel_runs_as_an_unprivileged_uid(run_in_sandbox):
    done = run_in_sandbox("import os; print(os.getuid(), os.geteuid())")
    uid, euid = map(int, done.stdout.split())
    assert uid == euid and uid >= 200_000


def test_no_network_not_even_the_graders_loopback(run_in_sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    threading.Thread(target=lambda: server.accept(), daemon=True).start()
    port = server.getsockname()[1]
    done = run_in_sandbox(f"""
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=3)
            print("CONNECTED")
        except OSError as error:
            print("refused", error)
    """)
    server.close()
    assert "refused" in done.stdout and "CONNECTED" not in done.stdout


def test_processes_die_with_the_sandbox(run_in_sandbox):
    marker = "xray-sandbox-survivor-test"
    done = run_in_sandbox(f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"],
                         start_new_session=True)
        print("spawned")
    """)
    assert "spawned" in done.stdout
    survivors = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
    assert survivors.strip() == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="the tmpfs quota needs a grader running as root")
def test_a_full_quota_is_the_submissions_own_problem(run_in_sandbox, tmp_path):
    done = run_in_sandbox("""
        import os
        written = 0
        try:
            for i in range(20):
                with open(f"fill_{i}.bin", "wb") as handle:
                    handle.write(os.urandom(8 * 2**20))
                written += 8
        except OSError as error:
            print("stopped", written, error.strerror)
    """, quota_mb=64)
    stopped, written, *why = done.stdout.split()
    assert stopped == "stopped" and int(written) <= 64 and "space" in " ".join(why), done.stdout + done.stderr
    mounts = open("/proc/self/mounts").read()
    assert "xray-grade" in mounts  # the run's own tmpfs, until the run is removed


@pytest.mark.skipif(os.geteuid() != 0, reason="the tmpfs quota needs a grader running as root")
def test_the_quota_is_unmounted_and_removed_with_the_run(tmp_path):
    submission = tmp_path / "submission"
    submission.mkdir()
    run = workspace.prepare_run(submission, RELEASE, sandbox.sandbox_uid(), quota_mb=16)
    assert str(run.root) in open("/proc/self/mounts").read()
    (run.answers / "junk.bin").write_bytes(b"x" * 1000)
    run.remove()
    assert not run.root.exists() and str(run.root) not in open("/proc/self/mounts").read()


def test_no_user_namespaces_mounts_or_launcher_paths(run_in_sandbox):
    done = run_in_sandbox("""
        import os, subprocess, threading
        for command in (["unshare", "-U", "-r", "true"], ["unshare", "-m", "true"]):
            print(" ".join(command[:2]), subprocess.run(command, capture_output=True).returncode)
        print("cmdline", open("/proc/1/cmdline", "rb").read().replace(b"\\0", b" ").decode())
        print("launch visible", os.path.exists(os.path.join(os.path.dirname(os.getcwd()), "launch")))
        results = []
        worker = threading.Thread(target=results.append, args=("threads work",))
        worker.start(); worker.join()
        print(results[0])
    """)
    lines = done.stdout.splitlines()
    assert "unshare -U 1" in lines and "unshare -m 1" in lines and "launch visible False" in lines, done.stdout
    cmdline = next(line for line in lines if line.startswith("cmdline"))
    assert cmdline.startswith("cmdline bwrap --seccomp 3 --args 4 -- ") and str(RELEASE) not in cmdline
    assert "threads work" in done.stdout, done.stderr


def test_memory_cap_gives_a_memory_error(run_in_sandbox):
    done = run_in_sandbox("""
        import numpy as np
        try:
            np.ones(2 * 2**30 // 8)
            print("ALLOCATED")
        except MemoryError:
            print("capped")
    """, limits=sandbox.Limits(memory_mb=1024))
    assert "capped" in done.stdout, done.stderr


def test_missing_tools_are_named_with_the_fix(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda tool: None if tool == "bwrap" else "/usr/bin/" + tool)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap.*sandbox = False"):
        sandbox.require_tools()


def test_an_environment_with_the_hidden_package_is_refused(tmp_path):
    env = tmp_path / "env"
    (env / "bin").mkdir(parents=True)
    (env / "bin" / "python").symlink_to(sys.executable)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (env / "lib" / "python3.11" / "site-packages" / "solutions_lib").mkdir(parents=True)
    with pytest.raises(sandbox.SandboxUnavailable, match="instructor package"):
        sandbox.student_environment(str(env / "bin" / "python"))
