"""Atomic file writes: write a temporary file beside the target, then ``os.replace`` it.

A reader sees either the old file or the complete new one, never a partial write, even if the
writer is killed.  A write that fails because the disk is full, over quota or a size limit, or
because the place is read-only or not ours, becomes one :class:`WriteError` line naming the path and
what to do (see :func:`write_errors`).
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from mdbench.core.errors import MdbenchError

#: the disk (or the process's size limit, ``ulimit -f``, or a quota) has no room
FULL = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
#: the place cannot be written at all
DENIED = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
#: what HDF5 says (through netCDF4) when its write fails, e.g. on a full disk; it gives no errno
_HDF_WRITE = "HDF error"
_FULL_FIX = "free space on that disk (or raise its quota / `ulimit -f`) or write somewhere else"
_DENIED_FIX = "write somewhere else"


class WriteError(MdbenchError):
    """A file could not be written: no room (disk full, quota, size limit) or not writable (read-only, not ours)."""

    def __init__(self, path, reason: str, full: bool, fix: str):
        self.path, self.reason, self.full, self.fix = str(path), reason, full, fix
        what = "no room to write" if full else "cannot write"
        super().__init__(f"{what} {self.path} ({reason}); {fix}")


def write_failure(exc: BaseException, path) -> WriteError | None:
    """The :class:`WriteError` for an exception raised while writing under ``path``, or ``None`` when it is
    not a full or unwritable place (then it is a bug or another problem, and keeps its traceback)."""
    if isinstance(exc, OSError) and exc.errno in FULL | DENIED:
        full = exc.errno in FULL
        return WriteError(exc.filename or path, exc.strerror or os.strerror(exc.errno), full,
                          _FULL_FIX if full else _DENIED_FIX)
    if isinstance(exc, RuntimeError) and _HDF_WRITE in str(exc):
        return WriteError(path, f"{str(exc).strip()}: the disk is probably full", True, _FULL_FIX)
    return None


@contextmanager
def write_errors(path, *, full_fix: str | None = None, denied_fix: str | None = None) -> Iterator[None]:
    """Turn a failed write under ``path`` (a full disk, quota or ``ulimit -f``, a read-only or foreign place,
    HDF5's "HDF error") into one :class:`WriteError` line.  ``full_fix``/``denied_fix`` replace the advice,
    also of a :class:`WriteError` raised inside (the outer caller knows the better advice, e.g. another
    ``$MDBENCH_HOME``)."""
    try:
        yield
    except WriteError as err:
        fix = full_fix if err.full else denied_fix
        if fix is None:
            raise
        raise WriteError(err.path, err.reason, err.full, fix) from None
    except (OSError, RuntimeError) as exc:
        err = write_failure(exc, path)
        if err is None:
            raise
        fix = full_fix if err.full else denied_fix
        raise (err if fix is None else WriteError(err.path, err.reason, err.full, fix)) from None


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write to; it replaces ``path`` only if the block succeeds (else it is
    removed, so a full disk keeps no partial file)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # a read-only place: nothing was written there either
            pass


def write_text_atomic(path: Path, text: str) -> None:
    with write_errors(path), atomic_output(path) as tmp:
        tmp.write_text(text)
