"""A Jupyter kernel manager that starts the student's kernel inside the sandbox.

It ignores the kernel named in the submitted notebook (a submission could
name any kernel) and always starts the student environment's ipykernel,
wrapped by `sandbox.sandbox_command`. The kernel cannot reach the network,
so it is connected over Unix sockets in the run's runtime folder.

It extends jupyter_client's `AsyncKernelManager` at public members only
(``kernel_spec``, ``ipykernel``, ``format_kernel_cmd``, ``start_kernel``).
"""
from __future__ import annotations

import os
import subprocess

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any, Bool, Unicode

from . import sandbox


class SandboxedKernelManager(AsyncKernelManager):
    """Start the student's kernel in a bubblewrap sandbox (or plainly, if ``confined`` is off).

    The kernel is reached over Unix sockets in the run's runtime folder and
    is never restarted: a kernel that died stays dead, and grading goes on
    without it.

    Parameters
    ----------
    **kwargs
        Traitlets options and configuration, as for jupyter_client's
        `AsyncKernelManager`; ``grading_run`` must be given.
    """

    student_python = Unicode(help="Python of the student environment that runs the kernel.")
    grading_run = Any(help="The `workspace.GradingRun` whose folders the kernel sees.")
    limits = Any(help="`sandbox.Limits` of the kernel.")
    uid = Any(None, allow_none=True, help="uid the kernel runs as (only when grading as root).")
    confined = Bool(True, help="False runs the kernel unconfined (instructor opt-out).")
    assignment = Unicode("xray_image")
    discard_output = Bool(False, help="Send the kernel process's own stdout and stderr to /dev/null.")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = str(self.grading_run.runtime / "kernel")
        self.connection_file = str(self.grading_run.runtime / "kernel.json")
        self.autorestart = False  # a kernel that died stays dead: grading goes on without it

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[self.student_python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (grading sandbox)",
            language="python",
            interrupt_mode="message",
        )

    @property
    def ipykernel(self) -> bool:
        return True

    def _mounts(self) -> sandbox.Mounts:
        prefixes, hidden = sandbox.student_environment(self.student_python)
        return sandbox.Mounts(
            workspace=self.grading_run.workspace,
            release_files=self.grading_run.release_files,
            answers=self.grading_run.answers,
            runtime=self.grading_run.runtime,
            python_prefixes=prefixes,
            hidden_dirs=hidden,
            assignment=self.assignment,
        )

    def format_kernel_cmd(self, extra_arguments=None) -> list[str]:
        """The kernel's command line, wrapped by `sandbox.sandbox_command` unless unconfined.

        Parameters
        ----------
        extra_arguments : list of str, optional
            Arguments added to the kernel's own command line, as in
            jupyter_client.

        Returns
        -------
        list of str
            The command that starts the kernel (in the sandbox when
            ``confined``).
        """
        command = super().format_kernel_cmd(extra_arguments)
        if not self.confined:
            return command
        return sandbox.sandbox_command(command, self._mounts(), self.limits, self.uid, self.grading_run.launch)

    async def start_kernel(self, **kw) -> None:
        """Start the kernel with the run's working folder and environment, whatever the caller asked for.

        The connection file is written here, before jupyter_client's
        launch writes it (it then keeps a written file), so that it can be
        handed to the kernel's uid when grading as root.

        Parameters
        ----------
        **kw
            jupyter_client's launch arguments; ``cwd`` and ``env`` are
            replaced by the run's, and ``stdout`` and ``stderr`` too when
            ``discard_output`` is on.
        """
        self.write_connection_file()
        if self.uid is not None:
            os.chown(self.connection_file, self.uid, self.uid)
        if self.confined:
            kw["cwd"] = str(self.grading_run.runtime)
            kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        else:
            kw["cwd"] = str(self.grading_run.workspace)
            kw["env"] = {
                **os.environ,
                "PYTHONPATH": str(sandbox.KERNEL_SIDE_DIR),
                "XRAY_ANSWERS_DIR": str(self.grading_run.answers),
            }
        if self.discard_output:
            kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        await super().start_kernel(**kw)
