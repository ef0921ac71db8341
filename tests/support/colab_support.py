"""Colab's own code for the tests that play Colab: where it is, and a kernel that imports it.

Two public parts of Colab are copied, unchanged, into ``../shared`` beside the repository
(``COLAB_SHARED`` names another place): ``colab-cdn-widget-manager`` (the widget manager
Colab's page loads for custom widgets; ``make setup`` bundles it with
tools/build_colab_manager.sh) and ``colabtools`` (the ``google.colab`` package). Without
them the tests that need them skip and say so; with the sources but no (or a stale)
bundle they fail and say to run ``make setup``.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from repo_paths import FIXTURES, REPO


SHARED = Path(os.environ.get("COLAB_SHARED", REPO / ".." / "shared")).resolve()
MANAGER_SOURCE = SHARED / "colab-cdn-widget-manager"
COLAB_TOOLS = SHARED / "colabtools"
WIDGETS_PY = COLAB_TOOLS / "google" / "colab" / "output" / "_widgets.py"
MANAGER_BUNDLE = REPO / ".build" / "colab-manager" / "dist" / "manager.min.js"
KERNEL_PACKAGE = FIXTURES / "colab_kernel"  # the test-only google.colab


def colab_tools_missing() -> str | None:
    """Why Colab's ``google.colab`` sources cannot be used here, or ``None``."""
    if not WIDGETS_PY.is_file():
        return f"Colab's colabtools not found at {COLAB_TOOLS} (set COLAB_SHARED)"
    return None


def manager_missing() -> str | None:
    """Why Colab's widget manager cannot be loaded here (skip), or ``None``; raises when the
    sources are there but the bundle is missing or older than them (run ``make setup``)."""
    if not (MANAGER_SOURCE / "src" / "manager.ts").is_file():
        return f"Colab's widget manager sources not found at {MANAGER_SOURCE} (set COLAB_SHARED)"
    newest = max(p.stat().st_mtime for p in (MANAGER_SOURCE / "src").iterdir())
    if not MANAGER_BUNDLE.is_file() or MANAGER_BUNDLE.stat().st_mtime < newest:
        raise RuntimeError(f"{MANAGER_BUNDLE} is missing or older than {MANAGER_SOURCE}/src: "
                           "run `make setup` (tools/build_colab_manager.sh)")
    return None


def real_widgets_module():
    """Colab's ``google/colab/output/_widgets.py``, loaded from its file (imports IPython only)."""
    spec = importlib.util.spec_from_file_location("colab_output_widgets", WIDGETS_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manager_url() -> str:
    """The URL Colab's ``enable_custom_widget_manager()`` puts in a widget's output metadata."""
    widgets = real_widgets_module()
    version_hash = widgets._supported_widgets_versions[widgets._default_version]
    return ("https://ssl.gstatic.com/colaboratory-static/widgets/colab-cdn-widget-manager/"
            f"{version_hash}/manager.min.js")


def kernel_env(drive: Path | None = None) -> dict:
    """Environment of a kernel that plays Colab: the test-only ``google.colab`` on its path,
    Colab's tools named, and the test's Drive (a folder holding ``MyDrive/``) if given."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(KERNEL_PACKAGE),
                                                       os.environ.get("PYTHONPATH")])),
           "COLAB_TOOLS": str(COLAB_TOOLS)}
    if drive is not None:
        env["COLAB_TEST_DRIVE"] = str(drive)
    return env


# Colab's kernel has google.colab imported before the first cell runs.
KERNEL_ARGS = ["--IPKernelApp.exec_lines=import google.colab"]


def write_kernelspec(data_dir: Path, python: str, name: str = "colab",
                     drive: Path | None = None, env: dict | None = None) -> Path:
    """A kernelspec ``name`` under ``data_dir/kernels`` (put ``data_dir`` on JUPYTER_PATH)
    for an ipykernel of ``python`` that plays Colab, with more environment ``env``."""
    folder = data_dir / "kernels" / name
    folder.mkdir(parents=True)
    spec = {"argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}", *KERNEL_ARGS],
            "display_name": "Python 3 (Colab stand-in)", "language": "python",
            "env": {**kernel_env(drive), **(env or {})}}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return folder
