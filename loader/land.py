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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

from loader.config import Settings
from loader.files import FileName, FileNameError, parse_file_name
from loader.warehouse import (
    Incoming,
    LandingError,
    LandResult,
    Warehouse,
    WarehouseError,
    WarehouseWriteError,
    check_first,
    check_gzip,
    fingerprint,
)

log = logging.getLogger(__name__)

# Files landed per transaction: one commit (a WAL sync) per file dominated small files.
BATCH_FILES = 64
BATCH_BYTES = 64 * 1024 * 1024
FIRST_BATCH_FILES = 8


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


def decide(
    settings: Settings,
    path: Path,
    name: FileName,
    existing: dict | None,
    *,
    source: str,
    source_uri: str | None,
) -> Incoming | LandResult | str:
    """The first, quick step of landing a file: hash it and compare with its ledger row.

    Returns what to keep and land (`Incoming`, whose `path` is where the original goes), the
    result when the same content is already landed and kept, or an error message when the
    file cannot be read.
    """
    target = name.landing_path(settings.landing_dir)
    incoming = Incoming(target, name, source, source_uri)
    if path.resolve() == target.resolve():
        return incoming
    try:
        seen = fingerprint(path)
    except OSError as exc:
        return f"{path}: cannot read: {exc}"
    # While the ledger says `landed`, the kept original is the landed version; after a failed
    # re-delivery it is the failed one, and good content must be put back.
    if (
        existing is not None
        and existing["status"] == "landed"
        and existing["sha256"] == seen.sha256
        and target.exists()
    ):
        return LandResult(name.name, "skipped", existing["record_count"] or 0)
    return replace(incoming, seen=seen)


def keep(settings: Settings, path: Path, incoming: Incoming) -> str | None:
    """Keep the original of `path` at `incoming.path`; an error message if it cannot be."""
    if path.resolve() == incoming.path.resolve():
        return None
    try:
        keep_original(path, incoming.path, incoming.seen.sha256 if incoming.seen else None)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return (
            f"{incoming.name.name}: cannot keep the original in the landing folder "
            f"{settings.landing_dir}: {reason}"
        )
    return None


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
    decided = decide(
        settings,
        path,
        name,
        warehouse.ledger_row(name.name),
        source=source,
        source_uri=source_uri,
    )
    if isinstance(decided, str):
        incoming = Incoming(name.landing_path(settings.landing_dir), name, source, source_uri)
        return warehouse.record_failure(incoming, decided)
    if isinstance(decided, LandResult):
        return decided
    problem = keep(settings, path, decided)
    if problem is not None:
        return warehouse.record_failure(decided, problem)
    return decided


def batches(files: list[Path]) -> Iterator[list[Path]]:
    """Groups of files landed in one transaction: bounded, and no name twice in a group.

    The first groups are smaller (FIRST_BATCH_FILES, then doubling): the first group's files
    are checked before any landing starts, and later ones while the one before lands.
    """
    batch: list[Path] = []
    names: set[str] = set()
    size = 0
    limit = min(FIRST_BATCH_FILES, BATCH_FILES)
    for path in files:
        name = path.name
        if batch and (len(batch) >= limit or size >= BATCH_BYTES or name in names):
            yield batch
            batch, names, size = [], set(), 0
            limit = min(limit * 2, BATCH_FILES)
        batch.append(path)
        names.add(name)
        size += path.stat().st_size
    if batch:
        yield batch


@dataclass
class Staged:
    """A batch on its way: decided on the main thread, kept and checked in the background."""

    results: list[LandResult]  # known at once: skipped, or unreadable
    checked: Future[list[Incoming | tuple[Incoming, str]]]  # checked, or with its problem
    names: set[str]
    size: int


def keep_and_check(
    settings: Settings, work: list[tuple[Path, Incoming]]
) -> list[Incoming | tuple[Incoming, str]]:
    """Background work for a batch: keep each original, then check its whole gzip stream.

    Runs while DuckDB lands the previous batch, so the other core does the checking, and a
    bad file (truncated, corrupt, a bomb) is known before DuckDB reads a byte of it.
    """
    done: list[Incoming | tuple[Incoming, str]] = []
    for path, incoming in work:
        problem = keep(settings, path, incoming)
        if problem is None and not check_first(incoming):
            done.append(incoming)  # checked while DuckDB reads it
            continue
        if problem is None:
            try:
                size = check_gzip(incoming.path, settings.max_uncompressed_bytes)
            except LandingError as exc:
                problem = str(exc)
            except OSError as exc:
                problem = f"{incoming.name.name}: cannot read: {exc}"
            else:
                done.append(replace(incoming, verified=size))
                continue
        done.append((incoming, problem))
    return done


def ingest(settings: Settings, paths: list[Path]) -> RunSummary:
    """Land local gzip files (a download, the sample), with the same guarantees as `pull`.

    Batches overlap: while DuckDB lands one batch (main thread), the next one's originals
    are kept and their gzip streams checked (a worker thread).
    """
    summary = RunSummary()
    files = collect_local_files(paths)
    if not files:
        summary.errors.append(f"no .gz files found in {', '.join(str(p) for p in paths)}")
        return summary
    with (
        load_lock(settings.warehouse_path),
        Warehouse(settings.warehouse_path) as warehouse,
        progress(files, "file", "landing") as bar,
        # Exits first: no copy is left running once the run (or its lock) ends.
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep") as worker,
    ):
        staged: Staged | None = None
        try:
            for group in batches(files):
                named: list[tuple[Path, FileName]] = []
                for path in group:
                    try:
                        named.append((path, parse_file_name(path.name)))
                    except FileNameError as exc:
                        summary.errors.append(f"{path}: {exc}")
                if staged is not None and staged.names & {name.name for _, name in named}:
                    # The same name in two batches: the first lands before the second is kept.
                    finish(warehouse, settings, staged, summary, bar)
                    staged = None
                following = stage(warehouse, settings, named, worker, len(group))
                if staged is not None:
                    finish(warehouse, settings, staged, summary, bar)
                staged = following
            if staged is not None:
                finish(warehouse, settings, staged, summary, bar)
        except WarehouseWriteError as exc:
            # The warehouse's disk is full: every further file would fail the same way.
            summary.errors.append(str(exc))
    return summary


def stage(
    warehouse: Warehouse,
    settings: Settings,
    named: list[tuple[Path, FileName]],
    worker: ThreadPoolExecutor,
    size: int,
) -> Staged:
    """Decide what to do with each file of a batch, and start keeping and checking them."""
    ledger = warehouse.ledger_rows([name.name for _, name in named])
    results: list[LandResult] = []
    work: list[tuple[Path, Incoming]] = []
    for path, name in named:
        decided = decide(
            settings,
            path,
            name,
            ledger.get(name.name),
            source="ingest",
            source_uri=path.as_uri(),
        )
        if isinstance(decided, Incoming):
            work.append((path, decided))
        elif isinstance(decided, str):
            incoming = Incoming(
                name.landing_path(settings.landing_dir), name, "ingest", path.as_uri()
            )
            results.append(warehouse.record_failure(incoming, decided))
        else:
            results.append(decided)
    checked = worker.submit(keep_and_check, settings, work)
    return Staged(results, checked, {name.name for _, name in named}, size)


def finish(
    warehouse: Warehouse, settings: Settings, staged: Staged, summary: RunSummary, bar: tqdm
) -> None:
    """Land a staged batch once its originals are kept and checked."""
    for result in staged.results:
        summary.add(result)
    to_land: list[Incoming] = []
    for outcome in staged.checked.result():
        if isinstance(outcome, Incoming):
            to_land.append(outcome)
        else:
            summary.add(warehouse.record_failure(*outcome))
    for result in warehouse.land_batch(to_land, settings.max_uncompressed_bytes):
        summary.add(result)
        log.debug("%s: %s (%d visits)", result.file_name, result.status, result.records)
    bar.update(staged.size)
