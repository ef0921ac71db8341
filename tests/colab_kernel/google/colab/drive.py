"""Stand-in for ``google.colab.drive``: no Google Drive can exist outside Colab.

``mount`` checks the mount point as Colab's does, then makes the folder named by
``COLAB_TEST_DRIVE`` (the test's Drive, holding ``MyDrive/``) appear there and prints
what Colab prints.
"""

import os

__all__ = ["mount"]


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    """Show the test's Drive at ``mountpoint`` (``MyDrive`` inside, as in Colab)."""
    del timeout_ms, readonly  # nothing to wait for, nothing written back
    drive = os.environ.get("COLAB_TEST_DRIVE")
    if not drive or not os.path.isdir(os.path.join(drive, "MyDrive")):
        raise RuntimeError(f"COLAB_TEST_DRIVE={drive!r} is not a folder holding MyDrive/")
    if " " in mountpoint:
        raise ValueError("Mountpoint must not contain a space.")
    mountpoint = os.path.expanduser(mountpoint)
    if os.path.isdir(os.path.join(mountpoint, "MyDrive")) and not force_remount:
        print(f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
              f'call drive.mount("{mountpoint}", force_remount=True).')
        return
    if os.path.islink(mountpoint):
        raise ValueError("Mountpoint must not be a symlink")
    if os.path.isdir(mountpoint) and os.listdir(mountpoint) and not force_remount:
        raise ValueError("Mountpoint must not already contain files")
    if not os.path.isdir(mountpoint) and os.path.exists(mountpoint):
        raise ValueError("Mountpoint must either be a directory or not exist")
    parent = os.path.dirname(os.path.normpath(mountpoint))
    if parent and not os.path.exists(parent):
        raise ValueError("Mountpoint must be in a directory that exists")
    os.makedirs(mountpoint, exist_ok=True)
    link = os.path.join(mountpoint, "MyDrive")
    if not os.path.islink(link):
        os.symlink(os.path.join(drive, "MyDrive"), link)
    print(f"Mounted at {mountpoint}")
