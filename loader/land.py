"""Landing runs: one loader at a time, originals kept, each file landed once, a summary."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from loader.config import Settings
from loader.files import FileName, FileNameError, parse_file_name
from loader.warehouse import (
    Incoming,
    LandResult,
    Warehouse,
    WarehouseError,
    WarehouseWriteError,
    fingerprint,
)

log = logging.getLogger(__name__)

# Files landed per transaction: one commit (a WAL sync) per file dominated small files.
BATCH_FILES = 64
BATCH_BYTES = 64 * 1024 * 1024


@dataclass
class RunSummary:
    results: list[LandResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # failures that are not one file's
    started: float = field(default_factory=time.monotonic)

    def add(self, result: LandResult) -> None:
        self.results.append(result)

    @property
    def failed(self) -> bool:
        return bool(self.errors) or any(r.status == "failed" for r in self.results)

    def line(self) -> str:
        counts = Counter(result.status for result in self.results)
        records = sum(r.records for r in self.results if r.status in ("landed", "replaced"))
        megabytes = sum(r.uncompressed_bytes for r in self.results) / 1e6
        seconds = time.monotonic() - self.started
        parts = [f"{counts[status]} {status}" for status in ("landed", "replaced", "skipped")]
        parts.append(f"{counts['failed']} failed")
        rate = f", {records / seconds:,.0f} visits/s" if records and seconds > 0 else ""
        return (
            f"{len(self.results)} files: {', '.join(parts)}; {records:,} visits "
            f"({megabytes:,.1f} MB uncompressed) in {seconds:.1f}s{rate}"
        )

    def failures(self) -> list[str]:
        return self.errors + [r.error or r.file_name for r in self.results if r.status == "failed"]


@contextmanager
def load_lock(warehouse_path: Path) -> Iterator[None]:
    """Only one load at a time per warehouse: a second one is told and stops at once."""
    lock_path = warehouse_path.with_name(warehouse_path.name + ".load-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise WarehouseError(
                    f"Another load into {warehouse_path} is running (process {holder}); "
                    "wait for it to finish, then run this again."
                ) from exc
            raise
        try:
            # Unbuffered: a write that fails (a full disk) must not be retried at close.
            os.ftruncate(handle.fileno(), 0)
            os.pwrite(handle.fileno(), str(os.getpid()).encode(), 0)
        except OSError as exc:
            raise WarehouseError(
                f"Cannot write {lock_path} ({exc.strerror or exc}): free space on the "
                "warehouse's disk and run again."
            ) from exc
        try:
            yield
        finally:
            os.ftruncate(handle.fileno(), 0)


def keep_original(source: Path, target: Path, sha256: str | None = None) -> None:
    """Place `source` at `target` atomically (temporary name, then rename).

    An earlier original with other content is kept beside it as `<name>.replaced-<sha12>`,
    so a re-delivered file never erases what was landed before; one with the same content
    (left by an interrupted run) is simply the original already. `sha256` is the source's,
    when the caller has it. On failure (a full disk) no temporary file is left behind.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    move = source.parent == target.parent and source.name.endswith((".tmp", ".download"))
    if target.exists():
        old = fingerprint(target).sha256
        if old == (sha256 or fingerprint(source).sha256):
            if move:
                source.unlink()
            return
        target.replace(target.with_name(f"{target.name}.replaced-{old[:12]}"))
    if move:
        source.replace(target)
        return
    temporary = target.with_name(target.name + ".tmp")
    try:
        shutil.copyfile(source, temporary)
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def collect_local_files(paths: list[Path]) -> list[Path]:
    """Expand folders into their `.gz` files (recursively), in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.gz") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path} does not exist")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return sorted(unique, key=lambda p: (p.name, str(p)))


def progress(items: list, unit: str, description: str) -> tqdm:
    """A progress bar on a terminal, nothing otherwise (CI logs stay readable)."""
    return tqdm(total=len(items), unit=unit, desc=description, disable=None, leave=False)


def prepare(
    warehouse: Warehouse,
    settings: Settings,
    path: Path,
    name: FileName,
    *,
    source: str,
    source_uri: str | None,
) -> Incoming | LandResult:
    """Keep the original in the landing folder (unless `path` is that original already).

    Returns what to land, or the result when there is nothing to land: the same content is
    already landed (no copy made), or the file cannot be read.
    """
    target = name.landing_path(settings.landing_dir)
    incoming = Incoming(target, name, source, source_uri)
    if path.resolve() == target.resolve():
        return incoming
    try:
        seen = fingerprint(path)
    except OSError as exc:
        return warehouse.record_failure(incoming, f"{path}: cannot read: {exc}")
    existing = warehouse.ledger_row(name.name)
    # While the ledger says `landed`, the kept original is the landed version; after a failed
    # re-delivery it is the failed one, and good content must be put back.
    if (
        existing is not None
        and existing["status"] == "landed"
        and existing["sha256"] == seen.sha256
        and target.exists()
    ):
        return LandResult(name.name, "skipped", existing["record_count"] or 0)
    incoming = replace(incoming, seen=seen)
    try:
        keep_original(path, target, seen.sha256)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return warehouse.record_failure(
            incoming,
            f"{name.name}: cannot keep the original in the landing folder "
            f"{settings.landing_dir}: {reason}",
        )
    return incoming


def batches(files: list[Path]) -> Iterator[list[Path]]:
    """Groups of files landed in one transaction: bounded, and no name twice in a group."""
    batch: list[Path] = []
    names: set[str] = set()
    size = 0
    for path in files:
        name = path.name
        if batch and (len(batch) >= BATCH_FILES or size >= BATCH_BYTES or name in names):
            yield batch
            batch, names, size = [], set(), 0
        batch.append(path)
        names.add(name)
        size += path.stat().st_size
    if batch:
        yield batch


def ingest(settings: Settings, paths: list[Path]) -> RunSummary:
    """Land local gzip files (a download, the sample), with the same guarantees as `pull`."""
    summary = RunSummary()
    files = collect_local_files(paths)
    if not files:
        summary.errors.append(f"no .gz files found in {', '.join(str(p) for p in paths)}")
        return summary
    with (
        load_lock(settings.warehouse_path),
        Warehouse(settings.warehouse_path) as warehouse,
        progress(files, "file", "landing") as bar,
    ):
        for group in batches(files):
            to_land: list[Incoming] = []
            for path in group:
                try:
                    name = parse_file_name(path.name)
                except FileNameError as exc:
                    summary.errors.append(f"{path}: {exc}")
                    continue
                try:
                    prepared = prepare(
                        warehouse, settings, path, name, source="ingest", source_uri=path.as_uri()
                    )
                except WarehouseWriteError as exc:
                    summary.errors.append(str(exc))
                    return summary
                if isinstance(prepared, LandResult):
                    summary.add(prepared)
                else:
                    to_land.append(prepared)
            try:
                landed = warehouse.land_batch(to_land, settings.max_uncompressed_bytes)
            except WarehouseWriteError as exc:
                # The warehouse's disk is full: every further file would fail the same way.
                summary.errors.append(str(exc))
                return summary
            for result in landed:
                summary.add(result)
            for result in summary.results[-len(group) :]:
                log.debug("%s: %s (%d visits)", result.file_name, result.status, result.records)
            bar.update(len(group))
    return summary
