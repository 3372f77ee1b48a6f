"""Writing output files atomically: temporary files beside the targets, then renames, so an
interrupted or failed run leaves either the previous complete report or none.

A report of several files is written as one (:func:`write_report`): every file is written
to a temporary first, and only when all of them are complete are they renamed into place,
with Ctrl-C and SIGTERM held back for the few microseconds the renames take.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping, Union

from .errors import InputError

Content = Union[str, bytes, Callable[[Path], None]]  # text, bytes, or a function writing a path


def check_out_dir(path: str | Path) -> Path:
    """Fail early, creating nothing, if ``path`` cannot become an output directory.

    Cheap enough to call before a long simulation, so a typo in --out is reported at once.
    """
    directory = Path(path)
    if "\0" in str(directory) or not str(path).strip():
        raise InputError(str(directory), "--out", "not a valid directory name")
    try:
        existing = directory
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if existing == directory and not directory.is_dir():
            raise InputError(str(directory), "--out", "exists and is not a directory")
        if not existing.is_dir():
            raise InputError(str(directory), "--out", f"cannot create directory: {existing} is not a directory")
    except OSError as error:
        raise InputError(str(directory), "--out", f"cannot use: {error.strerror or error}") from None
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(str(directory), "--out", "directory is not writable" if existing == directory
                         else f"cannot create directory: {existing} is not writable")
    return directory


def prepare_dir(path: str | Path) -> Path:
    directory = check_out_dir(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(str(directory), "--out", f"cannot create directory: {error.strerror or error}") from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(str(directory), "--out", "directory is not writable")
    return directory


def write_report(directory: str | Path, files: Mapping[str, Content]) -> list[Path]:
    """Write ``files`` (name -> content) into ``directory``: all of them, or none.

    A failure while writing (disk full, permission, an exception in a content function,
    Ctrl-C) removes the temporaries and leaves the directory as it was. OS errors become an
    :class:`InputError` naming the file.
    """
    directory = Path(directory)
    targets = [directory / name for name in files]
    for target in targets:
        if os_step(target, target.exists) and not target.is_file():
            raise InputError(str(target), None, "cannot write: exists and is not a regular file")
        if target.parent != directory:  # a name with a folder in it (figures/a.png)
            os_step(target, target.parent.mkdir, parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    # Ctrl-C waits until the files are written (milliseconds: everything was rendered before),
    # so no temporary file is left between its creation and its bookkeeping.
    with _signals_held():
        try:
            for target, content in zip(targets, files.values()):
                staged.append((_stage(target, content), target))
            for temp, target in staged:
                os_step(target, os.replace, temp, target)
        finally:
            for temp, _target in staged:
                temp.unlink(missing_ok=True)  # gone already when the rename happened
    return targets


def write_atomic(target: str | Path, write: Content) -> None:
    """Write one file through a temporary file in the same directory, then rename."""
    target = Path(target)
    write_report(target.parent, {target.name: write})


def _stage(target: Path, content: Content) -> Path:
    """Write ``content`` to a new temporary file beside ``target`` and return its path."""
    handle, temp_name = os_step(target, tempfile.mkstemp, prefix=f".{target.name}.", suffix=".tmp",
                                 dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        if isinstance(content, str):
            os_step(target, temp.write_text, content, encoding="utf-8")
        elif isinstance(content, bytes):
            os_step(target, temp.write_bytes, content)
        else:
            os_step(target, content, temp)
        os_step(target, os.chmod, temp, 0o644)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def os_step(target: Path, function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except OSError as error:
        raise InputError(str(target), None, f"cannot write: {error.strerror or error}") from None


@contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT and SIGTERM until the block is done (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[number] = signal.signal(number, lambda signum, _frame: caught.append(signum))
        except (ValueError, OSError):  # not settable here
            pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)  # delivered now, with the original handling
