"""Files a hostile submission can hold, made and cleaned up for the tests of the trusted side."""
from __future__ import annotations

import os
import subprocess


def make_deep_folder(top, levels: int = 1200) -> None:
    """Nest ``levels`` folders named ``d`` in ``top`` (deeper than a recursive walk survives)."""
    fd = os.open(top, os.O_RDONLY)
    for _ in range(levels):
        os.mkdir("d", dir_fd=fd)
        fd, previous = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(previous)
    os.close(fd)


def remove_tree(path) -> None:
    """Delete ``path`` however deep it is (shutil.rmtree, and so pytest's own clean-up, recurse)."""
    subprocess.run(["rm", "-rf", str(path)], check=True)
