"""The raw layer of the DuckDB warehouse: landing files exactly once, and the ledger.

A file's rows in `raw.web_sessions` and its row in the ledger `raw.web_session_files` change
together in one DuckDB transaction, so a crash at any moment leaves either the whole file or
none of it. The ledger, keyed by file name, decides what is new: a file whose content (sha256)
is already landed is skipped; one that comes back with other content replaces its rows.

DuckDB's own JSON reader reads each gzip file; Python only streams the bytes to hash them and to
check the whole gzip stream (which DuckDB does not: a file truncated at a line boundary would
otherwise land silently short, and a CRC error or a decompression bomb would go unseen). Small
files are checked before DuckDB reads them (`ingest` does it in the background while the
previous batch lands) and land several per statement; a big file is checked while DuckDB
reads it.
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


# One file's rows: each JSON value of the file (newline-delimited or not) is a record, numbered
# from 1 in file order. The shape check runs inside the insert (one pass over the data): a
# record must be a JSON object with a recordCollection; error() aborts the statement, naming
# the record. Parameters: file name, landed_at, path, file name.
INSERT_FILE = f"""
insert into raw.web_sessions
select ?, ordinality, json, ?
from read_json_objects(
    ?, format = 'auto', compression = 'gzip', maximum_object_size = {MAX_RECORD_BYTES}
) with ordinality
where case
    when left(json, 1) = '{{' and contains(json, '"recordCollection"') then true
    else error(
        ? || ', record ' || ordinality
        || ': valid JSON but not a Data Access record (no recordCollection)'
    )
end
"""


# Several checked files in one statement. `with ordinality` numbers the values of all files
# in one sequence, in file order (the ordinality operator reads its input on one thread, file
# after file), so a value's number in its file is its ordinality minus its file's first, plus
# one. The window holds the statement's rows: _statement_groups bounds them by uncompressed
# size. Parameters: file names, landed_at, paths (same order as the names).
INSERT_FILES = f"""
insert into raw.web_sessions
select
    list_extract($1::varchar[], file_index::bigint + 1),
    ordinality - min(ordinality) over (partition by file_index) + 1,
    json,
    $2::timestamp
from read_json_objects(
    $3::varchar[], format = 'auto', compression = 'gzip',
    maximum_object_size = {MAX_RECORD_BYTES}
) with ordinality
where case
    when left(json, 1) = '{{' and contains(json, '"recordCollection"') then true
    else error(
        list_extract($1::varchar[], file_index::bigint + 1)
        || ': valid JSON but not a Data Access record (no recordCollection)'
    )
end
"""
# The loader's connection, measured on 2 cores (docs/reliability.md, "Speed"):
# - one DuckDB thread: a landing statement reads its files on one thread anyway (ordinality),
#   and the other core checks gzip streams and keeps originals; a second DuckDB thread only
#   competed with that (about 40% more CPU for the same work);
# - a checkpoint every 512 MB of WAL instead of 16 MB: each checkpoint rewrites the table's
#   last, growing row group, so frequent ones cost more than the landing (3x slower at 200k
#   visits);
# - a memory limit, so that DuckDB's cache of the growing table does not grow with it.
WRITER_SETTINGS = (
    "set threads = 1",
    "set checkpoint_threshold = '512MB'",
    "set memory_limit = '1500MB'",
)
# A file up to this size (compressed) has its gzip stream checked before DuckDB reads it, and
# lands together with others in one statement; a bigger one is checked while DuckDB reads it
# (one decompression on each core), by a statement of its own.
CHECK_FIRST_BYTES = 8 * 1024 * 1024
# Files checked beforehand are landed by one statement per group of at most this much
# uncompressed data (the statement's window holds a group's rows); a bigger file streams
# through a statement of its own.
GROUP_UNCOMPRESSED_BYTES = 64 * 1024 * 1024


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
    # The uncompressed size, filled in when the caller already checked the whole gzip stream
    # (`check_gzip`): DuckDB then reads the file without a second decompression beside it.
    verified: int | None = None


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
            for setting in WRITER_SETTINGS:
                self.con.execute(setting)
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

    def ledger_rows(self, file_names: list[str]) -> dict[str, dict]:
        """The ledger rows of several files, by name, in one query (absent names are left out)."""
        if not file_names:
            return {}
        cursor = self.con.execute(
            "select * from raw.web_session_files where file_name in (select unnest(?))",
            [list(file_names)],
        )
        columns = [column[0] for column in cursor.description]
        return {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}

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
        ledger = self.ledger_rows([item.name.name for item in items])
        for index, item in enumerate(items):
            try:
                seen = item.seen or fingerprint(item.path)
            except OSError as exc:
                results[index] = self.record_failure(item, f"{item.name.name}: cannot read: {exc}")
                continue
            item = replace(item, seen=seen)
            existing = ledger.get(item.name.name)
            if existing and existing["landed_at"] and existing["sha256"] == seen.sha256:
                results[index] = self._skip(item, existing)
            else:
                pending.append((index, item, existing))

        if len(pending) > 1:
            # Check every gzip stream before DuckDB reads any file of the batch (ingest has
            # done so already, in the background): a bad file fails alone, and at once.
            pending = [
                (index, checked, existing)
                for index, item, existing in pending
                if not isinstance(
                    checked := self._checked(item, max_uncompressed, results, index), LandResult
                )
            ]
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

    def _checked(
        self, item: Incoming, max_uncompressed: int, results: dict[int, LandResult], index: int
    ) -> Incoming | LandResult:
        """`item` with its gzip stream checked, or the recorded failure when it is bad."""
        if item.verified is not None:
            return item
        try:
            if not check_first(item):
                return item  # checked while DuckDB reads it
            return replace(item, verified=check_gzip(item.path, max_uncompressed))
        except LandingError as exc:
            problem = str(exc)
        except OSError as exc:
            problem = f"{item.name.name}: cannot read: {exc}"
        results[index] = self.record_failure(item, problem)
        return results[index]

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
        ledger_rows: list[list] = []
        # One stamp per transaction, on the rows and on their ledger rows alike.
        landed_at = utc_now()
        self.con.execute("begin transaction")
        try:
            for group in _statement_groups(pending):
                if len(group) == 1:
                    _index, item, existing = group[0]
                    replacing = existing is not None and existing["landed_at"] is not None
                    counts = {
                        item.name.name: self._insert(item, max_uncompressed, replacing, landed_at)
                    }
                else:
                    counts = self._insert_files(group, landed_at)
                for index, item, existing in group:
                    replacing = existing is not None and existing["landed_at"] is not None
                    records, uncompressed = counts[item.name.name]
                    ledger_rows.append(
                        self._ledger_values(
                            item, existing, records, uncompressed, replacing, landed_at
                        )
                    )
                    status = "replaced" if replacing else "landed"
                    results[index] = LandResult(item.name.name, status, records, uncompressed)
            self._write_ledger_rows(ledger_rows)
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

    @staticmethod
    def _ledger_values(
        item: Incoming,
        existing: dict | None,
        records: int,
        uncompressed: int,
        replacing: bool,
        landed_at: datetime,
    ) -> list:
        return [
            item.name.name,
            _naive(item.name.scope_start),
            _naive(item.name.scope_end),
            item.source,
            item.source_uri,
            item.seen.size_bytes,
            uncompressed,
            item.seen.sha256,
            records,
            landed_at,
            landed_at,
            (existing["replaced_count"] + 1) if replacing else 0,
        ]

    def _write_ledger_rows(self, rows: list[list]) -> None:
        """The batch's ledger rows in one statement (one per row cost more than a small file's
        insert)."""
        one = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'landed', null, ?, ?)"
        self.con.execute(
            f"insert or replace into raw.web_session_files values {', '.join([one] * len(rows))}",
            [value for row in rows for value in row],
        )

    def _insert(
        self, item: Incoming, max_uncompressed: int, replacing: bool, landed_at: datetime
    ) -> tuple[int, int]:
        """Inside the open transaction, put one file's rows in place (or raise LandingError).

        Unless the caller checked the gzip stream already (`item.verified`), it is checked on
        the other core while DuckDB reads the same file, and a bad stream stops DuckDB early.
        """
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

        checker = None
        if item.verified is None:
            checker = threading.Thread(target=verify, name=f"check-{name}", daemon=True)
            checker.start()
        else:
            outcome["bytes"] = item.verified
        try:
            if replacing:
                self.con.execute("delete from raw.web_sessions where file_name = ?", [name])
            (records,) = self.con.execute(
                INSERT_FILE, [name, landed_at, str(local_path), name]
            ).fetchone()
        except duckdb.Error as exc:
            stop.set()
            if checker is not None:
                checker.join()
            if "error" in outcome:
                raise outcome["error"] from exc  # type: ignore[misc]
            if _is_out_of_space(exc):
                # The warehouse's disk, not the file: every other file would fail the same way.
                raise self._write_failure(exc, [name]) from exc
            raise LandingError(_explain_duckdb_error(local_path, exc)) from exc
        if checker is not None:
            checker.join()
        if "error" in outcome:
            raise outcome["error"]  # type: ignore[misc]
        if records == 0:
            raise LandingError(f"{name} contains no records")
        return records, int(outcome["bytes"])  # type: ignore[arg-type]

    def _insert_files(
        self, group: list[tuple[int, Incoming, dict | None]], landed_at: datetime
    ) -> dict[str, tuple[int, int]]:
        """Inside the open transaction, put several checked files' rows in place with one
        statement (one plan instead of one per file: planning cost more than reading a small
        file). Raises LandingError if any file is refused; the caller then lands them one by
        one, which names the bad file and its record."""
        items = [item for _, item, _ in group]
        names = [item.name.name for item in items]
        replaced = [
            item.name.name
            for _, item, existing in group
            if existing is not None and existing["landed_at"] is not None
        ]
        try:
            if replaced:
                self.con.execute(
                    "delete from raw.web_sessions where file_name in (select unnest(?))",
                    [replaced],
                )
            self.con.execute(INSERT_FILES, [names, landed_at, [str(item.path) for item in items]])
            counted = dict(
                self.con.execute(
                    "select file_name, count(*) from raw.web_sessions "
                    "where landed_at = ? and file_name in (select unnest(?)) group by file_name",
                    [landed_at, names],
                ).fetchall()
            )
        except duckdb.Error as exc:
            if _is_out_of_space(exc):
                raise self._write_failure(exc, names) from exc
            raise LandingError(f"{len(items)} files landed together: {exc}") from exc
        empty = [name for name in names if not counted.get(name)]
        if empty:
            raise LandingError(f"{empty[0]} contains no records")
        return {item.name.name: (counted[item.name.name], item.verified) for item in items}

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


def check_first(item: Incoming) -> bool:
    """Whether to check `item`'s gzip stream before DuckDB reads it (see CHECK_FIRST_BYTES)."""
    size = item.seen.size_bytes if item.seen else item.path.stat().st_size
    return size <= CHECK_FIRST_BYTES


def _statement_groups(
    pending: list[tuple[int, Incoming, dict | None]],
) -> list[list[tuple[int, Incoming, dict | None]]]:
    """Split a batch into the groups landed by one statement each, in order: checked files
    together up to GROUP_UNCOMPRESSED_BYTES, any other file alone."""
    groups: list[list[tuple[int, Incoming, dict | None]]] = []
    group: list[tuple[int, Incoming, dict | None]] = []
    size = 0
    for entry in pending:
        verified = entry[1].verified
        if verified is None or verified > GROUP_UNCOMPRESSED_BYTES:
            groups.extend([group, [entry]] if group else [[entry]])
            group, size = [], 0
            continue
        if group and size + verified > GROUP_UNCOMPRESSED_BYTES:
            groups.append(group)
            group, size = [], 0
        group.append(entry)
        size += verified
    if group:
        groups.append(group)
    return groups


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
