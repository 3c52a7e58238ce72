"""The one landing path: what a file is, checked once, its original kept once, landed.

`pull` and `ingest` both hand files to a `Lander`, a batch at a time. For each file it
decides, with the file's ledger row (read once per batch) and the file's SHA-256:

- the same content is already landed: skipped (its original put back if it went missing);
- the file is bad (not gzip, truncated, corrupt, a bomb): failed, its original kept for
  inspection;
- no version has landed yet: new, kept at its landing path and landed;
- another version has landed: a re-delivery, kept beside the landed original and landed;
  only then does it take the original's place, so what the landing folder shows is always
  what the warehouse holds (loader/originals.py).

Batches overlap: while DuckDB lands one batch (main thread), a worker thread hashes and
checks the next one (one read of each file) and keeps its originals. A batch lands in one
transaction; if DuckDB refuses it, its files land one by one, so the bad one fails alone,
named with its line. Every failure of one file, whatever raised it, fails that file alone,
in the ledger and in the summary; only a warehouse that cannot be written stops the run. At
the end, whatever happened, the manifest is rewritten from the ledger.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from tqdm import tqdm

from loader import checks, originals
from loader.checks import FileProblem, Inspection
from loader.config import Settings
from loader.files import FileName
from loader.ledger import LedgerRow
from loader.lock import LoadLock, load_lock
from loader.manifest import manifest_path, write_manifest
from loader.redact import REDACTOR
from loader.warehouse import (
    Refused,
    ToLand,
    Warehouse,
    WarehouseError,
    WarehouseWriteError,
    utc_now,
)

log = logging.getLogger(__name__)

# Files landed per transaction: one commit (a WAL sync) per file dominated small files. The
# first batches are smaller (8, then doubling): the first batch is checked before any landing
# starts, and each later one while the one before lands.
BATCH_FILES = 64
BATCH_BYTES = 64 * 1024 * 1024
FIRST_BATCH_FILES = 8

# The files a stopped run did not land, named in its summary (then a count).
SHOWN_NOT_LANDED = 50

LANDED, REPLACED, SKIPPED, FAILED, REFUSED = "landed", "replaced", "skipped", "failed", "refused"


class StopRun(Exception):
    """Raised by a feeder when no further file can land (rejected credentials): the message
    says why; the files not landed are listed in the summary."""


@dataclass(frozen=True)
class Candidate:
    """A file handed to the lander: where its bytes are, and what it is."""

    path: Path
    name: FileName
    source: str  # pull | ingest
    source_uri: str  # shown and stored: no secret in it (loader/client.py display_url)
    owned: bool = False  # a download of ours: moved into place rather than copied


@dataclass(frozen=True)
class FileResult:
    file_name: str
    status: str  # landed | replaced | skipped | failed | refused (a name that is not valid)
    records: int = 0
    uncompressed_bytes: int = 0
    error: str | None = None


@dataclass
class RunSummary:
    results: list[FileResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # failures that are not one file's
    # Files the run did not land because it stopped (a full warehouse disk, rejected
    # credentials): not recorded as failed, landed by the next run.
    not_landed: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def add(self, result: FileResult) -> None:
        self.results.append(result)

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.not_landed) or any(
            r.status in (FAILED, REFUSED) for r in self.results
        )

    def counts(self) -> dict[str, int]:
        return dict(Counter(result.status for result in self.results))

    def line(self) -> str:
        counts = Counter(result.status for result in self.results)
        records = sum(r.records for r in self.results if r.status in (LANDED, REPLACED))
        megabytes = sum(r.uncompressed_bytes for r in self.results) / 1e6
        seconds = time.monotonic() - self.started
        parts = [f"{counts[status]} {status}" for status in (LANDED, REPLACED, SKIPPED, FAILED)]
        if counts[REFUSED]:
            parts.append(f"{counts[REFUSED]} refused")
        if self.not_landed:
            parts.append(f"{len(self.not_landed)} not landed as the run stopped")
        rate = f", {records / seconds:,.0f} visits/s" if records and seconds > 0 else ""
        total = len(self.results) + len(self.not_landed)
        return (
            f"{total} files: {', '.join(parts)}; {records:,} visits "
            f"({megabytes:,.1f} MB uncompressed) in {seconds:.1f}s{rate}"
        )

    def failures(self) -> list[str]:
        lines = list(self.errors)
        lines += [r.error or r.file_name for r in self.results if r.status in (FAILED, REFUSED)]
        if self.not_landed:
            shown = ", ".join(self.not_landed[:SHOWN_NOT_LANDED])
            more = len(self.not_landed) - SHOWN_NOT_LANDED
            lines.append(
                f"{len(self.not_landed)} files not landed, as the run stopped: {shown}"
                + (f" and {more} more" if more > 0 else "")
                + "; run again to land them"
            )
        return [REDACTOR.scrub(line) for line in lines]


def batches(items: list, size_of: Callable[[object], int]) -> Iterator[list]:
    """Groups landed in one transaction: bounded by count and bytes (8, 16, 32, then 64)."""
    batch: list = []
    size = 0
    limit = min(FIRST_BATCH_FILES, BATCH_FILES)
    for item in items:
        if batch and (len(batch) >= limit or size >= BATCH_BYTES):
            yield batch
            batch, size = [], 0
            limit = min(limit * 2, BATCH_FILES)
        batch.append(item)
        size += size_of(item)
    if batch:
        yield batch


def progress(total: int, unit: str, description: str) -> tqdm:
    """A progress bar on a terminal, nothing otherwise (CI logs stay readable)."""
    return tqdm(total=total, unit=unit, desc=description, disable=None, leave=False)


# ---- one file, in the worker thread ----------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A file after the worker: to land, or already settled (skipped, failed)."""

    candidate: Candidate
    to_land: ToLand | None = None
    result: FileResult | None = None
    failure: LedgerRow | None = None  # the ledger row of a failed attempt
    mark_landed: bool = False  # the landed content came back after a failed attempt
    original: Path | None = None  # where the landed original goes
    kept_at: Path | None = None  # where the file was kept (the original, or beside it)
    previous_sha256: str | None = None


def attempt_row(
    candidate: Candidate,
    previous: LedgerRow | None,
    *,
    sha256: str | None,
    size: int | None,
    uncompressed: int | None,
    status: str,
    error: str | None,
) -> LedgerRow:
    name = candidate.name
    return LedgerRow(
        file_name=name.name,
        scope_start_at=name.scope_start.replace(tzinfo=None),
        scope_end_at=name.scope_end.replace(tzinfo=None),
        source=candidate.source,
        source_uri=REDACTOR.scrub(candidate.source_uri),
        size_bytes=size,
        uncompressed_bytes=uncompressed,
        sha256=sha256,
        record_count=None,
        landed_at=None,
        status=status,
        error=REDACTOR.scrub(error) if error else None,
        attempted_at=utc_now(),
        replaced_count=previous.replaced_count if previous else 0,
    )


def to_land(candidate: Candidate, inspection: Inspection) -> ToLand:
    """`candidate`, checked, as the warehouse lands it (a new file, read where it is)."""
    row = attempt_row(
        candidate,
        None,
        sha256=inspection.sha256,
        size=inspection.gzip_bytes,
        uncompressed=inspection.uncompressed_bytes,
        status=LANDED,
        error=None,
    )
    return ToLand(candidate.path, row, replacing=False)


def prepare(settings: Settings, candidate: Candidate, previous: LedgerRow | None) -> Prepared:
    """Decide what `candidate` is, check it and keep its original. Never raises for one
    file's sake: whatever goes wrong is that file's failure."""
    name = candidate.name.name
    original = candidate.name.landing_path(settings.landing_dir)
    try:
        inspection = checks.inspect(candidate.path, name, settings.max_uncompressed_bytes)
    except FileProblem as exc:
        return _bad(settings, candidate, previous, original, str(exc))
    except OSError as exc:
        return _bad(settings, candidate, previous, original, f"{name}: cannot read: {_os(exc)}")
    except Exception as exc:  # memory, or anything else: this file's failure alone
        return _bad(settings, candidate, previous, original, f"{name}: cannot be checked: {exc!r}")
    try:
        return _decide(settings, candidate, previous, original, inspection)
    except OSError as exc:
        problem = (
            f"{name}: cannot keep the original in the landing folder {settings.landing_dir}: "
            f"{_os(exc)}"
        )
    except Exception as exc:
        problem = f"{name}: {exc!r}"
    return Prepared(
        candidate,
        result=FileResult(name, FAILED, error=problem),
        failure=attempt_row(
            candidate,
            previous,
            sha256=inspection.sha256,
            size=inspection.size_bytes,
            uncompressed=None,
            status=FAILED,
            error=problem,
        ),
    )


def _decide(
    settings: Settings,
    candidate: Candidate,
    previous: LedgerRow | None,
    original: Path,
    inspection: Inspection,
) -> Prepared:
    name = candidate.name.name
    landed = previous is not None and previous.has_rows
    if landed and previous.sha256 == inspection.sha256:
        # The same content: nothing to land. Put the original back if it went missing (by
        # its size, as the manifest checks it: a rerun of the same files reads each once).
        if not _holds(original, inspection, by_size=True):
            if original.exists():
                originals.set_aside(original, originals.sha256_of(original))
            originals.place(
                candidate.path, original, move=candidate.owned, size=inspection.gzip_bytes
            )
        elif candidate.owned:
            candidate.path.unlink(missing_ok=True)
        log.debug("%s: already landed with the same content, skipped", name)
        return Prepared(
            candidate,
            result=FileResult(name, SKIPPED, previous.record_count or 0),
            mark_landed=previous.status != LANDED,
        )
    if landed:
        kept_at = originals.incoming_path(original, inspection.sha256)
    else:
        kept_at = original
        if original.exists() and candidate.path.resolve() != original.resolve():
            if _holds(original, inspection):
                kept_at = None  # an interrupted run kept it already
            else:
                originals.set_aside(original, originals.sha256_of(original))
    if kept_at is not None and candidate.path.resolve() != kept_at.resolve():
        # Without trailing zero padding, which DuckDB's and Spark's gzip readers refuse.
        originals.place(candidate.path, kept_at, move=candidate.owned, size=inspection.gzip_bytes)
    elif candidate.owned and candidate.path.exists():
        candidate.path.unlink()
    kept_at = kept_at or original
    row = attempt_row(
        candidate,
        previous,
        sha256=inspection.sha256,
        size=inspection.gzip_bytes,
        uncompressed=inspection.uncompressed_bytes,
        status=LANDED,
        error=None,
    )
    return Prepared(
        candidate,
        to_land=ToLand(kept_at, row, replacing=landed),
        original=original,
        kept_at=kept_at,
        previous_sha256=previous.sha256 if landed else None,
    )


def _holds(path: Path, inspection: Inspection, *, by_size: bool = False) -> bool:
    """Whether `path` is this content: its size, then (unless `by_size`) its hash."""
    try:
        if path.stat().st_size != inspection.gzip_bytes:
            return False
    except OSError:
        return False
    return by_size or originals.sha256_of(path) == inspection.sha256


def _bad(
    settings: Settings,
    candidate: Candidate,
    previous: LedgerRow | None,
    original: Path,
    problem: str,
) -> Prepared:
    """A file that failed its checks: recorded, and kept for inspection where it harms
    nothing (beside a landed original, never over it)."""
    sha256 = size = None
    try:
        sha256 = originals.sha256_of(candidate.path)
        size = candidate.path.stat().st_size
        if previous is not None and previous.has_rows:
            if sha256 != previous.sha256:
                originals.place(
                    candidate.path, originals.failed_path(original, sha256), move=candidate.owned
                )
        elif candidate.path.resolve() != original.resolve():
            if original.exists():
                originals.set_aside(original, originals.sha256_of(original))
            originals.place(candidate.path, original, move=candidate.owned)
    except Exception as exc:
        log.debug("%s: cannot keep the failed original: %r", candidate.name.name, exc)
    finally:
        if candidate.owned:
            candidate.path.unlink(missing_ok=True)
    return Prepared(
        candidate,
        result=FileResult(candidate.name.name, FAILED, error=problem),
        failure=attempt_row(
            candidate,
            previous,
            sha256=sha256,
            size=size,
            uncompressed=None,
            status=FAILED,
            error=problem,
        ),
    )


def _os(exc: OSError) -> str:
    return exc.strerror or str(exc)


# ---- batches, on the main thread --------------------------------------------------------------


@dataclass
class _Staged:
    candidates: list[Candidate]
    prepared: Future[list[Prepared]]


class Lander:
    """Lands batches of candidates; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        warehouse: Warehouse,
        summary: RunSummary,
        lock: LoadLock,
        worker: ThreadPoolExecutor,
        bar: tqdm,
    ) -> None:
        self.settings = settings
        self.warehouse = warehouse
        self.summary = summary
        self._lock = lock
        self._worker = worker
        self._bar = bar
        self._staged: _Staged | None = None
        self._seen: set[str] = set()
        self._expected: list[str] = []

    def expect(self, names: list[str]) -> None:
        """The files this run means to land (for progress, and for the summary if it stops)."""
        self._expected = list(names)
        self._bar.reset(total=len(names))
        self._lock.update(total=len(names))

    # what the feeders call

    def submit(self, candidates: list[Candidate]) -> None:
        """Start on a batch (distinct names, not seen before in this run), and land the
        batch before it."""
        fresh = []
        for candidate in candidates:
            if candidate.name.name in self._seen:
                raise ValueError(f"{candidate.name.name} was handed to the lander twice")
            self._seen.add(candidate.name.name)
            fresh.append(candidate)
        staged = self._stage(fresh) if fresh else None
        self._finish()
        self._staged = staged

    def close(self) -> None:
        """Land the last batch."""
        self._finish()

    def fail(self, candidate: Candidate, problem: str) -> None:
        """Record a file that failed before the lander saw it (a download)."""
        self._seen.add(candidate.name.name)
        previous = self.warehouse.ledger.rows([candidate.name.name]).get(candidate.name.name)
        row = attempt_row(
            candidate,
            previous,
            sha256=None,
            size=None,
            uncompressed=None,
            status=FAILED,
            error=problem,
        )
        self._record_failure(row)
        self.summary.add(FileResult(candidate.name.name, FAILED, error=REDACTOR.scrub(problem)))
        self._tick(1)

    def refuse(self, shown: str, problem: str) -> None:
        """A file that cannot be landed at all (its name): in the summary, not the ledger."""
        log.error("%s", problem)
        self.summary.add(FileResult(shown, REFUSED, error=problem))

    def abandon(self) -> list[str]:
        """The run stops: the expected files that have no outcome, which will not land."""
        staged, self._staged = self._staged, None
        if staged is not None:
            # Let the worker finish keeping (each placement is atomic), then let go.
            try:
                staged.prepared.result()
            except Exception as exc:
                log.debug("abandoned batch: %r", exc)
        settled = {result.file_name for result in self.summary.results}
        return [name for name in self._expected if name not in settled]

    # inside

    def _stage(self, candidates: list[Candidate]) -> _Staged:
        ledger = self.warehouse.ledger.rows([c.name.name for c in candidates])
        settings = self.settings

        def work() -> list[Prepared]:
            return [prepare(settings, c, ledger.get(c.name.name)) for c in candidates]

        return _Staged(candidates, self._worker.submit(work))

    def _finish(self) -> None:
        staged, self._staged = self._staged, None
        if staged is None:
            return
        try:
            prepared = staged.prepared.result()
        except Exception as exc:  # the worker itself broke: every file of the batch fails
            prepared = [
                Prepared(
                    candidate,
                    result=FileResult(candidate.name.name, FAILED, error=f"{exc!r}"),
                )
                for candidate in staged.candidates
            ]
        to_land: list[Prepared] = []
        for item in prepared:
            if item.to_land is not None:
                to_land.append(item)
                continue
            if item.failure is not None:
                self._record_failure(item.failure)
            elif item.mark_landed:
                name = item.candidate.name.name
                with self.warehouse.writing([name]):
                    self.warehouse.ledger.mark_landed(name, utc_now())
            assert item.result is not None
            self.summary.add(item.result)
        self._land(to_land)
        self._tick(len(prepared))

    def _land(self, items: list[Prepared]) -> None:
        if not items:
            return
        try:
            counts = self.warehouse.land([i.to_land for i in items], self.settings.max_record_bytes)
        except Refused as exc:
            if len(items) == 1:
                self._refused(items[0], str(exc))
                return
            for item in items:  # one by one: the good ones land, the bad one is named
                self._land([item])
            return
        except WarehouseWriteError:
            for item in items:
                self._discard(item)
            raise
        for item in items:
            self._landed(item, counts[item.candidate.name.name])

    def _landed(self, item: Prepared, records: int) -> None:
        assert item.to_land is not None and item.original is not None
        name = item.to_land.name
        replacing = item.to_land.replacing
        if replacing:
            assert item.kept_at is not None
            try:
                originals.promote(item.original, item.kept_at, item.previous_sha256)
            except OSError as exc:
                self.summary.errors.append(
                    f"{name} landed, but its original could not take the earlier one's place "
                    f"in {item.original.parent}: {_os(exc)}; the next run will do it"
                )
            log.warning(
                "%s came back with different content (sha256 %s, was %s): its earlier rows "
                "were replaced by %d",
                name,
                (item.to_land.row.sha256 or "")[:12],
                (item.previous_sha256 or "")[:12],
                records,
            )
        status = REPLACED if replacing else LANDED
        uncompressed = item.to_land.row.uncompressed_bytes or 0
        self.summary.add(FileResult(name, status, records, uncompressed))
        log.debug("%s: %s (%d visits)", name, status, records)

    def _refused(self, item: Prepared, refusal: str) -> None:
        """DuckDB refused this file: say where, record it, keep its original aside."""
        assert item.to_land is not None
        name = item.to_land.name
        problem = checks.explain(
            item.to_land.read_from, name, refusal, self.settings.max_record_bytes
        )
        if item.to_land.replacing and item.kept_at is not None:
            try:
                sha256 = item.to_land.row.sha256 or ""
                item.kept_at.replace(originals.failed_path(item.original, sha256))
            except OSError as exc:
                log.debug("%s: cannot set the failed re-delivery aside: %r", name, exc)
        row = item.to_land.row
        failure = attempt_row(
            item.candidate,
            None,
            sha256=row.sha256,
            size=row.size_bytes,
            uncompressed=None,
            status=FAILED,
            error=problem,
        )
        self._record_failure(failure)
        self.summary.add(FileResult(name, FAILED, error=failure.error))

    def _discard(self, item: Prepared) -> None:
        """A file that did not land because the warehouse cannot be written."""
        if item.to_land is not None and item.to_land.replacing and item.kept_at is not None:
            item.kept_at.unlink(missing_ok=True)

    def _record_failure(self, row: LedgerRow) -> None:
        log.error("%s", row.error)
        with self.warehouse.writing([row.file_name]):
            self.warehouse.ledger.record_failure(row)

    def _tick(self, files: int) -> None:
        self._bar.update(files)
        self._lock.update(done=self.summary.counts())


# ---- a run ------------------------------------------------------------------------------------


def land_run(
    settings: Settings,
    command: str,
    feed: Callable[[Lander], None],
) -> RunSummary:
    """Run `feed` (which submits batches) under the load lock, then write the manifest.

    Whatever happens in `feed`, the manifest is rewritten from the ledger; a warehouse that
    cannot be written stops the run, and the files not yet landed are listed in the summary.
    """
    summary = RunSummary()
    with (
        load_lock(settings.warehouse_path, command) as lock,
        Warehouse(settings.warehouse_path) as warehouse,
    ):
        try:
            originals.recover(settings.landing_dir, warehouse.ledger)
        except (OSError, duckdb.Error) as exc:
            summary.errors.append(f"Cannot tidy the landing folder {settings.landing_dir}: {exc}")
        try:
            with (
                progress(0, "file", command) as bar,
                # Exits first: no copy is left running once the run (or its lock) ends.
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="check") as worker,
            ):
                lander = Lander(settings, warehouse, summary, lock, worker, bar)
                try:
                    feed(lander)
                    lander.close()
                except (WarehouseError, StopRun) as exc:
                    # Such as a full warehouse disk: every further file would fail too.
                    summary.errors.append(str(exc))
                    summary.not_landed[:0] = lander.abandon()
                except Exception as exc:
                    log.debug("unexpected error", exc_info=True)
                    summary.errors.append(
                        f"The run stopped on an unexpected error: {exc!r} (run with "
                        "--verbose for the details)"
                    )
                    summary.not_landed[:0] = lander.abandon()
        finally:
            _rewrite_manifest(settings, warehouse, summary)
    return summary


def _rewrite_manifest(settings: Settings, warehouse: Warehouse, summary: RunSummary) -> None:
    target = manifest_path(settings.landing_dir)
    try:
        files = write_manifest(warehouse.ledger, settings.landing_dir)
    except (OSError, duckdb.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        summary.errors.append(
            f"Cannot write the landing manifest {target}: {reason}. The landed data is safe; "
            "free space and run `python -m loader manifest`."
        )
        return
    log.debug("manifest %s: %d landed files", target, files)
