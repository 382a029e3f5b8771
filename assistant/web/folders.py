"""Working folders of the web app named after their process ("<prefix><pid>-..."): the upload
folders under the data folder and the brief folders in the temporary directory. Folders a
killed process left behind are removed at start; a running process's stay."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def remove_stale_folders(root: Path, prefix: str = "") -> list[Path]:
    """Folders named "<prefix><pid>-..." under root whose process is gone (killed mid-upload,
    e.g. with kill -9), removed; a folder of a running process (another replica sharing the
    data folder) stays. Upload folders have no prefix; the web page's brief folders in the
    temporary directory are "assistant-briefs-<pid>-..."."""
    removed = []
    for folder in root.glob(f"{prefix}*-*") if root.is_dir() else ():
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
