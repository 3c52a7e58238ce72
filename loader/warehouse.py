"""The raw layer of the DuckDB warehouse: landing files exactly once, and the ledger.

A file's rows in `raw.web_sessions` and its row in the ledger `raw.web_session_files` change
together in one DuckDB transaction, so a crash at any moment leaves either the whole file or
none of it. The ledger, keyed by file name, decides what is new: a file whose content (sha256)
is already landed is skipped; one that comes back with other content replaces its rows.

DuckDB's own JSON reader reads each gzip file; Python only streams the compressed bytes once to
hash them and to check the gzip stream (which DuckDB does not: a file truncated at a line
boundary would otherwise land silently short).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import sys
import threading
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from loader.files import FileName

# duckdb's Python client tries `import pandas` several times per parameterised query; when
# pandas is not installed each failed import walks sys.path, which cost a third of the
# landing time on small files. Marking it absent makes those imports fail at once.
if importlib.util.find_spec("pandas") is None:
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# One visit is one JSON value; DuckDB's default limit (16 MB) is too tight for a busy visit
# with a long navigation list, and a single record beyond this is not a real visit.
MAX_RECORD_BYTES = 256 * 1024 * 1024

DDL = """
create schema if not exists raw;
create table if not exists raw.web_session_files (
    file_name varchar primary key,
    scope_start_at timestamp,
    scope_end_at timestamp,
    source varchar not null,
    source_uri varchar,
    size_bytes bigint,
    uncompressed_bytes bigint,
    sha256 varchar,
    record_count bigint,
    landed_at timestamp,
    status varchar not null,
    error varchar,
    attempted_at timestamp not null,
    replaced_count integer not null default 0
);
create table if not exists raw.web_sessions (
    file_name varchar not null,
    line_number bigint not null,
    record json not null,
    landed_at timestamp not null
);
"""


class WarehouseError(Exception):
    """The warehouse cannot be used; the message says what to do."""


class WarehouseWriteError(WarehouseError):
    """The warehouse file cannot be written (a full disk): the run stops, nothing is half-landed."""


class LandingError(Exception):
    """One file cannot be landed; the message names the file and the problem."""


@dataclass(frozen=True)
class LandResult:
    file_name: str
    status: str  # landed | replaced | skipped | failed
    records: int = 0
    uncompressed_bytes: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class Incoming:
    """A local file about to be landed, and where it came from."""

    path: Path
    name: FileName
    source: str  # pull | ingest
    source_uri: str | None
    seen: Fingerprint | None = None  # filled in when the caller already hashed the file


def utc_now() -> datetime:
    """Naive UTC: every timestamp in the warehouse is UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def fingerprint(path: Path) -> Fingerprint:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return Fingerprint(digest.hexdigest(), size)


def check_gzip(path: Path, max_uncompressed: int, stop: threading.Event | None = None) -> int:
    """Decompress `path` without keeping it, returning its uncompressed size.

    Raises LandingError when the file is not gzip, is truncated, fails its CRC, or expands
    beyond `max_uncompressed` (a decompression bomb: checked as the bytes come, never held).
    Several concatenated gzip members are one valid file, as gzip itself treats them.
    """
    total = 0
    with path.open("rb") as handle:
        first = handle.read(2)
        if first != b"\x1f\x8b":
            what = "is empty" if not first else "is not gzip (it does not start with 1f 8b)"
            raise LandingError(f"{path.name} {what}")
        handle.seek(0)
        inflater = zlib.decompressobj(wbits=31)
        while chunk := handle.read(CHUNK):
            while chunk:
                try:
                    # Bounded output per call, so a bomb never expands in memory.
                    out = inflater.decompress(chunk, CHUNK)
                except zlib.error as exc:
                    raise LandingError(f"{path.name} is corrupt gzip: {exc}") from exc
                total += len(out)
                if total > max_uncompressed:
                    raise LandingError(
                        f"{path.name} expands beyond {max_uncompressed // (1024 * 1024)} MB "
                        "uncompressed (LP_MAX_UNCOMPRESSED_MB); rejected as a decompression bomb"
                    )
                if stop is not None and stop.is_set():
                    return total
                if inflater.eof:
                    # Another gzip member may follow this one.
                    chunk = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31) if chunk else inflater
                else:
                    chunk = inflater.unconsumed_tail
    if not inflater.eof:
        raise LandingError(f"{path.name} is truncated: the gzip stream ends early")
    return total


def first_bad_json_line(path: Path) -> tuple[int, str] | None:
    """Slow path, only after DuckDB refused a file: find the line a user should look at.

    Newline-delimited files get the exact line; a file of pretty-printed documents (which has
    no one-line records) returns None and DuckDB's own message stands.
    """
    import gzip
    import json

    decoder = json.JSONDecoder()
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="strict") as handle:
            for number, line in enumerate(handle, start=1):
                text = line.strip()
                if not text:
                    continue
                if number == 1 and text in ("{", "["):
                    return None
                try:
                    decoder.decode(text)
                except json.JSONDecodeError as exc:
                    return number, exc.msg
    except UnicodeDecodeError as exc:
        return 0, f"text is not UTF-8 ({exc.reason} at byte {exc.start})"
    return None


class Warehouse:
    """A read-write connection to the warehouse file, with the raw schema in place."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseError(
                    f"The warehouse {path} is open in another program (a `make shell` DuckDB "
                    "session, a dbt run or a notebook); close it and run this again."
                ) from exc
            if _is_out_of_space(exc):
                raise WarehouseError(
                    f"Cannot write to the warehouse {path} ({_reason(exc)}); free space on "
                    "its disk and run again."
                ) from exc
            raise WarehouseError(f"Cannot open the warehouse {path}: {exc}") from exc
        try:
            self.con.execute(DDL)
        except duckdb.Error as exc:
            self.con.close()
            raise WarehouseError(
                f"Cannot write to the warehouse {path} ({_reason(exc)}); free space on its disk "
                "and run again."
            ) from exc

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ledger queries

    def ledger_row(self, file_name: str) -> dict | None:
        cursor = self.con.execute(
            "select * from raw.web_session_files where file_name = ?", [file_name]
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([column[0] for column in cursor.description], row, strict=True))

    def newest_landed_scope_start(self) -> datetime | None:
        row = self.con.execute(
            "select max(scope_start_at) from raw.web_session_files where landed_at is not null"
        ).fetchone()
        return row[0] if row else None

    def status(self) -> dict:
        files = self.con.execute(
            """
            select
                count(*) filter (where landed_at is not null),
                count(*) filter (where status = 'failed'),
                coalesce(sum(record_count), 0),
                coalesce(sum(size_bytes) filter (where landed_at is not null), 0),
                min(scope_start_at) filter (where landed_at is not null),
                max(scope_end_at) filter (where landed_at is not null),
                max(landed_at)
            from raw.web_session_files
            """
        ).fetchone()
        failures = self.con.execute(
            """
            select file_name, error, attempted_at from raw.web_session_files
            where status = 'failed' order by attempted_at desc, file_name
            """
        ).fetchall()
        return {
            "files_landed": files[0],
            "files_failed": files[1],
            "visits": files[2],
            "bytes_compressed": files[3],
            "scope_start": files[4],
            "scope_end": files[5],
            "last_landed_at": files[6],
            "failures": failures,
        }

    # landing

    def land(self, item: Incoming, max_uncompressed: int) -> LandResult:
        """Land one local gzip file: skip, insert, or replace; never half."""
        return self.land_batch([item], max_uncompressed)[0]

    def land_batch(self, items: list[Incoming], max_uncompressed: int) -> list[LandResult]:
        """Land several files (distinct names) in one transaction, each whole with its
        ledger row; one commit is far cheaper than one per file. If any file fails, the
        batch is rolled back and each file is landed on its own, so the good ones land and
        the bad one is recorded as failed.
        """
        if len({item.name.name for item in items}) != len(items):
            raise ValueError("a batch must not hold two files of the same name")
        results: dict[int, LandResult] = {}
        pending: list[tuple[int, Incoming, dict | None]] = []
        for index, item in enumerate(items):
            try:
                seen = item.seen or fingerprint(item.path)
            except OSError as exc:
                results[index] = self.record_failure(item, f"{item.name.name}: cannot read: {exc}")
                continue
            item = replace(item, seen=seen)
            existing = self.ledger_row(item.name.name)
            if existing and existing["landed_at"] and existing["sha256"] == seen.sha256:
                results[index] = self._skip(item, existing)
            else:
                pending.append((index, item, existing))

        if len(pending) > 1:
            try:
                loaded = self._load_in_one_transaction(pending, max_uncompressed)
            except LandingError:
                loaded = {index: self.land(item, max_uncompressed) for index, item, _ in pending}
            results.update(loaded)
        elif pending:
            index, item, _existing = pending[0]
            try:
                results.update(self._load_in_one_transaction(pending, max_uncompressed))
            except LandingError as exc:
                results[index] = self.record_failure(item, str(exc))
        return [results[index] for index in range(len(items))]

    def _skip(self, item: Incoming, existing: dict) -> LandResult:
        name = item.name.name
        if existing["status"] != "landed":
            # The same good content came back after a failed re-delivery: nothing to load.
            try:
                self.con.execute(
                    "update raw.web_session_files set status = 'landed', error = null, "
                    "attempted_at = ? where file_name = ?",
                    [utc_now(), name],
                )
            except duckdb.Error as exc:
                self._rollback_quietly()
                raise self._write_failure(exc, [name]) from exc
        log.debug("%s: already landed with the same content, skipped", name)
        return LandResult(name, "skipped", existing["record_count"] or 0)

    def _load_in_one_transaction(
        self, pending: list[tuple[int, Incoming, dict | None]], max_uncompressed: int
    ) -> dict[int, LandResult]:
        results: dict[int, LandResult] = {}
        self.con.execute("begin transaction")
        try:
            for index, item, existing in pending:
                replacing = existing is not None and existing["landed_at"] is not None
                records, uncompressed = self._insert(item, max_uncompressed, replacing)
                self._write_ledger_row(item, existing, records, uncompressed, replacing)
                status = "replaced" if replacing else "landed"
                results[index] = LandResult(item.name.name, status, records, uncompressed)
        except BaseException:
            self.con.execute("rollback")
            raise
        try:
            self.con.execute("commit")
        except duckdb.Error as exc:
            # DuckDB has rolled back: the ledger and the rows are as before this batch.
            self._rollback_quietly()
            raise self._write_failure(exc, [item.name.name for _, item, _ in pending]) from exc
        for _index, item, existing in pending:
            if existing is not None and existing["landed_at"] is not None:
                log.warning(
                    "%s came back with different content (sha256 %s, was %s): its %d earlier "
                    "rows were replaced by %d",
                    item.name.name,
                    item.seen.sha256[:12],
                    existing["sha256"][:12],
                    existing["record_count"],
                    results[_index].records,
                )
        return results

    def _write_ledger_row(
        self,
        item: Incoming,
        existing: dict | None,
        records: int,
        uncompressed: int,
        replacing: bool,
    ) -> None:
        now = utc_now()
        self.con.execute(
            """
            insert or replace into raw.web_session_files values
                (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'landed', null, ?, ?)
            """,
            [
                item.name.name,
                _naive(item.name.scope_start),
                _naive(item.name.scope_end),
                item.source,
                item.source_uri,
                item.seen.size_bytes,
                uncompressed,
                item.seen.sha256,
                records,
                now,
                now,
                (existing["replaced_count"] + 1) if replacing else 0,
            ],
        )

    def _insert(self, item: Incoming, max_uncompressed: int, replacing: bool) -> tuple[int, int]:
        """Inside the open transaction, put one file's rows in place (or raise LandingError)."""
        name = item.name.name
        local_path = item.path
        outcome: dict[str, object] = {}
        stop = threading.Event()

        def verify() -> None:
            try:
                outcome["bytes"] = check_gzip(local_path, max_uncompressed, stop)
            except LandingError as exc:
                outcome["error"] = exc
                # Stop DuckDB early: a bomb must not be read to its end.
                self.con.interrupt()
            except OSError as exc:
                outcome["error"] = LandingError(f"{name}: cannot read: {exc}")
                self.con.interrupt()

        # Check the gzip stream on the other core while DuckDB reads the same file.
        checker = threading.Thread(target=verify, name=f"check-{name}", daemon=True)
        checker.start()
        try:
            if replacing:
                self.con.execute("delete from raw.web_sessions where file_name = ?", [name])
            # The shape check runs inside the insert (one pass over the data): a record must
            # be a JSON object with a recordCollection. error() aborts the statement, naming
            # the record.
            (records,) = self.con.execute(
                f"""
                insert into raw.web_sessions
                select ?, ordinality, json, ?
                from read_json_objects(
                    ?, format = 'auto', compression = 'gzip',
                    maximum_object_size = {MAX_RECORD_BYTES}
                ) with ordinality
                where case
                    when left(json, 1) = '{{' and contains(json, '"recordCollection"') then true
                    else error(
                        ? || ', record ' || ordinality
                        || ': valid JSON but not a Data Access record (no recordCollection)'
                    )
                end
                """,
                [name, utc_now(), str(local_path), name],
            ).fetchone()
        except duckdb.Error as exc:
            stop.set()
            checker.join()
            if "error" in outcome:
                raise outcome["error"] from exc  # type: ignore[misc]
            if _is_out_of_space(exc):
                # The warehouse's disk, not the file: every other file would fail the same way.
                raise self._write_failure(exc, [name]) from exc
            raise LandingError(_explain_duckdb_error(local_path, exc)) from exc
        checker.join()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        if records == 0:
            raise LandingError(f"{name} contains no records")
        return records, int(outcome["bytes"])  # type: ignore[arg-type]

    def _rollback_quietly(self) -> None:
        with contextlib.suppress(duckdb.Error):  # when no transaction is left open
            self.con.execute("rollback")

    def _write_failure(self, exc: duckdb.Error, names: list[str]) -> WarehouseWriteError:
        others = len(names) - 1
        files = names[0] + (f" and {others} other file{'s' * (others > 1)}" if others else "")
        return WarehouseWriteError(
            f"Cannot write to the warehouse {self.path} ({_reason(exc)}) while landing {files}: "
            f"{'it was' if len(names) == 1 else 'they were'} not landed, nothing of "
            f"{'it' if len(names) == 1 else 'them'} is in the warehouse. Free space on that disk "
            "and run again."
        )

    def record_failure(self, item: Incoming, error: str) -> LandResult:
        """Record a failed attempt; the rows of an earlier good version (if any) stay."""
        try:
            return self._record_failure(item, error)
        except duckdb.Error as exc:
            self._rollback_quietly()
            raise self._write_failure(exc, [item.name.name]) from exc

    def _record_failure(self, item: Incoming, error: str) -> LandResult:
        now = utc_now()
        self.con.execute(
            """
            insert into raw.web_session_files
                (file_name, scope_start_at, scope_end_at, source, source_uri, size_bytes,
                 sha256, status, error, attempted_at)
            values (?, ?, ?, ?, ?, ?, ?, 'failed', ?, ?)
            on conflict (file_name) do update set
                status = 'failed',
                error = excluded.error,
                attempted_at = excluded.attempted_at,
                -- size and sha256 describe the landed rows; until there are any, the attempt.
                size_bytes = case when landed_at is null then excluded.size_bytes
                    else size_bytes end,
                sha256 = case when landed_at is null then excluded.sha256 else sha256 end
            """,
            [
                item.name.name,
                _naive(item.name.scope_start),
                _naive(item.name.scope_end),
                item.source,
                item.source_uri,
                item.seen.size_bytes if item.seen else None,
                item.seen.sha256 if item.seen else None,
                error,
                now,
            ],
        )
        log.error("%s", error)
        return LandResult(item.name.name, "failed", error=error)


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=None)


# How the OS says a disk is full (ENOSPC, EDQUOT), as DuckDB passes it on.
_OUT_OF_SPACE = ("No space left on device", "Disk quota exceeded")


def _is_out_of_space(exc: BaseException) -> bool:
    return any(words in str(exc) for words in _OUT_OF_SPACE)


def _reason(exc: BaseException) -> str:
    """The plain reason for a failed write: the OS's words when the disk is full."""
    for words in _OUT_OF_SPACE:
        if words in str(exc):
            return words
    return str(exc)


def _explain_duckdb_error(path: Path, exc: duckdb.Error) -> str:
    message = str(exc).replace(str(path), path.name).removeprefix("Invalid Input Error: ")
    if isinstance(exc, duckdb.IOException) and "gzip" in message.lower():
        return f"{path.name} is not gzip"
    if "Malformed JSON" in message:
        found = first_bad_json_line(path)
        if found is not None:
            line, problem = found
            if line == 0:
                return f"{path.name}: {problem}"
            return f"{path.name}, line {line}: invalid JSON ({problem})"
    if "maximum_object_size" in message:
        return f"{path.name}: one record is larger than {MAX_RECORD_BYTES // 2**20} MB"
    if message.startswith(path.name):
        return message
    return f"{path.name}: {message}"
