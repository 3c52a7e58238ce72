"""One load at a time per warehouse, and what the running load is doing.

The lock is an flock on `<warehouse>.load-lock`, held for the whole run. The file says which
process holds it, for which command, since when and how far it got (rewritten after every
batch), so that a second load, `status`, dbt or the loader's own "warehouse busy" message can
name the running load instead of guessing.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path


class LockError(Exception):
    """The lock cannot be taken; the message says why and what to do."""


@dataclass
class LoadInfo:
    """What the lock file says about the load holding it."""

    pid: int
    command: str
    started_at: str
    done: dict[str, int] = field(default_factory=dict)  # files by outcome so far
    total: int | None = None  # files the run has found to land, when known

    def describe(self) -> str:
        text = f"`{self.command}`, process {self.pid}, since {self.started_at} UTC"
        if self.done or self.total:
            count = sum(self.done.values())
            of = f" of {self.total:,}" if self.total else ""
            parts = ", ".join(f"{n:,} {status}" for status, n in sorted(self.done.items()))
            text += f"; {count:,}{of} files done" + (f" ({parts})" if parts else "")
        return text


def lock_path(warehouse_path: Path) -> Path:
    return warehouse_path.with_name(warehouse_path.name + ".load-lock")


class LoadLock:
    """The held lock: `update` rewrites what the lock file says about the run."""

    def __init__(self, fd: int, info: LoadInfo) -> None:
        self._fd = fd
        self.info = info

    def update(self, *, done: dict[str, int] | None = None, total: int | None = None) -> None:
        if done is not None:
            self.info.done = dict(done)
        if total is not None:
            self.info.total = total
        # Progress is a courtesy: a write that fails (a full disk) changes nothing else.
        with suppress(OSError):
            _write(self._fd, self.info)


def _write(fd: int, info: LoadInfo) -> None:
    # Unbuffered: a write that fails (a full disk) must not be retried at close.
    data = json.dumps(asdict(info)).encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


@contextmanager
def load_lock(warehouse_path: Path, command: str) -> Iterator[LoadLock]:
    """Only one load at a time per warehouse: a second one is told and stops at once."""
    path = lock_path(warehouse_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LockError(
            f"Cannot create the lock file {path} ({exc.strerror or exc}): the loader needs to "
            f"write in the warehouse's folder {path.parent}; give this user write access there, "
            "or point WAREHOUSE_PATH at a folder it can write."
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                holder = _read(path)
                described = holder.describe() if holder else "process unknown"
                raise LockError(
                    f"Another load into {warehouse_path} is running ({described}); wait for "
                    "it to finish, then run this again."
                ) from exc
            raise LockError(f"Cannot lock {path}: {exc.strerror or exc}") from exc
        info = LoadInfo(os.getpid(), command, datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))
        try:
            _write(fd, info)
        except OSError as exc:
            raise LockError(
                f"Cannot write {path} ({exc.strerror or exc}): free space on the warehouse's "
                "disk and run again."
            ) from exc
        try:
            yield LoadLock(fd, info)
        finally:
            with suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def _read(path: Path) -> LoadInfo | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    try:
        values = json.loads(text)
        return LoadInfo(**values)
    except (ValueError, TypeError):
        return LoadInfo(int(text), "load", "?") if text.isdigit() else None


def running_load(warehouse_path: Path) -> LoadInfo | None:
    """The load holding the lock now, or None (no lock file, or nobody holds it)."""
    path = lock_path(warehouse_path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            # A shared lock is granted only when no load holds the exclusive one.
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read(path) or LoadInfo(0, "load", "?")
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
