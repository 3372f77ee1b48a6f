"""Writing output files atomically: a temporary file beside the target, then a rename, so an
interrupted run leaves either the previous complete file or none."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from .errors import InputError


def prepare_dir(path: str | Path) -> Path:
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise InputError(str(directory), "--out", "exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(str(directory), "--out", f"cannot create directory: {error.strerror or error}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(str(directory), "--out", "directory is not writable")
    return directory


def write_atomic(target: str | Path, write: Callable[[Path], None] | str) -> None:
    """Write ``target`` through a temporary file in the same directory, then rename."""
    target = Path(target)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise InputError(str(target), None, f"cannot write: {error.strerror or error}") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        if isinstance(write, str):
            temp.write_text(write, encoding="utf-8")
        else:
            write(temp)
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
