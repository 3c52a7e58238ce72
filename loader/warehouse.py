"""The raw layer of the DuckDB warehouse: the connection, the tables, and the landing statements.

A file's rows in `raw.web_sessions` and its row in the ledger `raw.web_session_files` change
together in one DuckDB transaction, so a crash at any moment leaves either the whole file or
none of it. DuckDB's own JSON reader reads each gzip file (checked beforehand by
loader/checks.py); the statement also checks every record's size and shape, and error()
aborts it naming the file. Several small files land by one statement.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from loader.ledger import DDL as LEDGER_DDL
from loader.ledger import Ledger, LedgerRow

# duckdb's Python client tries `import pandas` several times per parameterised query; when
# pandas is not installed each failed import walks sys.path, which cost a third of the
# landing time on small files. Marking it absent makes those imports fail at once.
if importlib.util.find_spec("pandas") is None:
    sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]

DDL = (
    LEDGER_DDL
    + """
create table if not exists raw.web_sessions (
    file_name varchar not null,
    line_number bigint not null,
    record json not null,
    landed_at timestamp not null
);
"""
)

# Every record of every file, in both statements below: at most LP_MAX_RECORD_BYTES (DuckDB's
# maximum_object_size is not exact, so the size is checked again), and a JSON object with a
# top-level `recordCollection` (bare or union-wrapped), checked by parsing it.
_RECORD_CHECK = """
case
    when strlen(json) > {limit} then error(
        {name} || ', record ' || {number} || ': a record of ' || format('{{:,}}', strlen(json))
        || ' bytes, larger than LP_MAX_RECORD_BYTES ({limit_text} bytes)'
    )
    when json_exists(json, '$.recordCollection') then true
    else error(
        {name} || ', record ' || {number}
        || ': valid JSON but not a Data Access record (not an object with a recordCollection)'
    )
end
"""

# One file's rows: each JSON value of the file (newline-delimited or not) is a record,
# numbered from 1 in file order. Parameters: file name, landed_at, path.
INSERT_FILE = """
insert into raw.web_sessions
select $1, ordinality, json, $2::timestamp
from read_json_objects(
    $3, format = 'auto', compression = 'gzip', maximum_object_size = {limit}
) with ordinality
where {check}
"""

# Several files in one statement. `with ordinality` numbers the values of all files in one
# sequence, in file order (the ordinality operator reads its input on one thread, file after
# file), so a value's number in its file is its ordinality minus its file's first, plus one.
# The window holds the statement's rows: statement_groups bounds them by uncompressed size.
# A refused record is named by its file only; the caller then lands the files one by one,
# which names the record. Parameters: file names, landed_at, paths (same order as the names).
INSERT_FILES = """
insert into raw.web_sessions
select
    list_extract($1::varchar[], file_index::bigint + 1),
    ordinality - min(ordinality) over (partition by file_index) + 1,
    json,
    $2::timestamp
from read_json_objects(
    $3::varchar[], format = 'auto', compression = 'gzip', maximum_object_size = {limit}
) with ordinality
where {check}
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
# Checked files are landed by one statement per group of at most this much uncompressed data
# (the statement's window holds a group's rows); a bigger file lands by a statement of its own.
GROUP_UNCOMPRESSED_BYTES = 64 * 1024 * 1024


class WarehouseError(Exception):
    """The warehouse cannot be used; the message says what to do."""


class WarehouseWriteError(WarehouseError):
    """The warehouse file cannot be written (a full disk): the run stops, nothing is half-landed."""


class Refused(Exception):
    """DuckDB refused a file's content (or, for several files, one of them): the message is
    DuckDB's, with paths replaced by file names."""


@dataclass(frozen=True)
class ToLand:
    """A checked file, and the ledger row it will have once its rows are in."""

    read_from: Path  # what DuckDB reads: the kept original
    row: LedgerRow  # status landed, landed_at to be stamped
    replacing: bool  # rows of an earlier version are in raw.web_sessions

    @property
    def name(self) -> str:
        return self.row.file_name


def utc_now() -> datetime:
    """Naive UTC: every timestamp in the warehouse is UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def holder_hint(path: Path) -> str:
    """Who holds the warehouse file: a load of this loader (its lock file says), or another
    program."""
    from loader.lock import running_load  # the lock module reads files only

    load = running_load(path)
    if load is not None and load.pid != os.getpid():  # our own lock says nothing of others
        return f"a load of this loader is writing to it ({load.describe()})"
    return "it is open in another program (a `make shell` DuckDB session, a dbt run or a notebook)"


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection (status), or a WarehouseError saying who holds the file."""
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(
                f"The warehouse {path} cannot be read now: {holder_hint(path)}."
            ) from exc
        raise WarehouseError(f"Cannot open the warehouse {path}: {exc}") from exc


class Warehouse:
    """A read-write connection to the warehouse file, with the raw schema in place."""

    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(path))
        except OSError as exc:
            raise WarehouseError(
                f"Cannot create the warehouse {path} ({exc.strerror or exc})."
            ) from exc
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                hint = holder_hint(path)
                raise WarehouseError(
                    f"The warehouse {path} is busy: {hint}; "
                    + (
                        "wait for it to finish, then run this again."
                        if hint.startswith("a load")
                        else "close it and run this again."
                    )
                ) from exc
            if is_out_of_space(exc):
                raise WarehouseError(
                    f"Cannot write to the warehouse {path} ({reason(exc)}); free space on "
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
                f"Cannot write to the warehouse {path} ({reason(exc)}); free space on its disk "
                "and run again."
            ) from exc
        self.ledger = Ledger(self.con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def writing(self, names: list[str]) -> Iterator[None]:
        """A write outside `land` (a failure, a status): a full disk is a WarehouseWriteError."""
        try:
            yield
        except duckdb.Error as exc:
            self._rollback_quietly()
            raise self._write_failure(exc, names) from exc

    # landing

    def land(self, items: list[ToLand], max_record_bytes: int) -> dict[str, int]:
        """Land whole files in one transaction: their rows (an earlier version's replaced)
        and their ledger rows, stamped with one landed_at. Returns records per file.

        Raises Refused when DuckDB refuses any file's content (nothing is landed), and
        WarehouseWriteError when the warehouse cannot be written.
        """
        names = [item.name for item in items]
        landed_at = utc_now()
        counts: dict[str, int] = {}
        try:
            self.con.execute("begin transaction")
            replaced = [item.name for item in items if item.replacing]
            if replaced:
                self.con.execute(
                    "delete from raw.web_sessions where file_name in (select unnest(?))",
                    [replaced],
                )
            for group in statement_groups(items):
                counts.update(self._insert(group, landed_at, max_record_bytes))
            empty = [name for name in names if not counts.get(name)]
            if empty:
                raise Refused(f"{empty[0]} contains no records")
            self.ledger.write(
                [
                    _landed_row(item.row, counts[item.name], landed_at, item.replacing)
                    for item in items
                ]
            )
            self.con.execute("commit")
        except duckdb.Error as exc:
            self._rollback_quietly()
            if is_out_of_space(exc) or isinstance(exc, duckdb.FatalException):
                raise self._write_failure(exc, names) from exc
            raise Refused(_plain(exc, items)) from exc
        except BaseException:
            self._rollback_quietly()
            raise
        return counts

    def _insert(
        self, group: list[ToLand], landed_at: datetime, max_record_bytes: int
    ) -> dict[str, int]:
        limit = max_record_bytes
        if len(group) == 1:
            check = _RECORD_CHECK.format(
                limit=limit, limit_text=f"{limit:,}", name="$1", number="ordinality"
            )
            (item,) = group
            self.con.execute(
                INSERT_FILE.format(limit=limit, check=check),
                [item.name, landed_at, str(item.read_from)],
            )
            (count,) = self.con.fetchone()
            return {item.name: count}
        name = "list_extract($1::varchar[], file_index::bigint + 1)"
        check = _RECORD_CHECK.format(limit=limit, limit_text=f"{limit:,}", name=name, number="'?'")
        names = [item.name for item in group]
        self.con.execute(
            INSERT_FILES.format(limit=limit, check=check),
            [names, landed_at, [str(item.read_from) for item in group]],
        )
        # One count over the rows just inserted (landed_at zone maps skip the rest).
        return dict(
            self.con.execute(
                "select file_name, count(*) from raw.web_sessions "
                "where landed_at = ? and file_name in (select unnest(?)) group by file_name",
                [landed_at, names],
            ).fetchall()
        )

    def _rollback_quietly(self) -> None:
        with contextlib.suppress(duckdb.Error):  # when no transaction is left open
            self.con.execute("rollback")

    def _write_failure(self, exc: duckdb.Error, names: list[str]) -> WarehouseWriteError:
        others = len(names) - 1
        files = names[0] + (f" and {others} other file{'s' * (others > 1)}" if others else "")
        one = len(names) == 1
        return WarehouseWriteError(
            f"Cannot write to the warehouse {self.path} ({reason(exc)}) while landing {files}: "
            f"{'it was' if one else 'they were'} not landed, nothing of "
            f"{'it' if one else 'them'} is in the warehouse. Free space on that disk and run "
            "again."
        )


def _landed_row(row: LedgerRow, records: int, landed_at: datetime, replacing: bool) -> LedgerRow:
    return LedgerRow(
        file_name=row.file_name,
        scope_start_at=row.scope_start_at,
        scope_end_at=row.scope_end_at,
        source=row.source,
        source_uri=row.source_uri,
        size_bytes=row.size_bytes,
        uncompressed_bytes=row.uncompressed_bytes,
        sha256=row.sha256,
        record_count=records,
        landed_at=landed_at,
        status="landed",
        error=None,
        attempted_at=landed_at,
        replaced_count=row.replaced_count + (1 if replacing else 0),
    )


def statement_groups(items: list[ToLand]) -> list[list[ToLand]]:
    """Split a batch into the groups landed by one statement each, in order: files together
    up to GROUP_UNCOMPRESSED_BYTES, a bigger file alone."""
    groups: list[list[ToLand]] = []
    group: list[ToLand] = []
    size = 0
    for item in items:
        uncompressed = item.row.uncompressed_bytes or 0
        if uncompressed > GROUP_UNCOMPRESSED_BYTES:
            groups.extend([group, [item]] if group else [[item]])
            group, size = [], 0
            continue
        if group and size + uncompressed > GROUP_UNCOMPRESSED_BYTES:
            groups.append(group)
            group, size = [], 0
        group.append(item)
        size += uncompressed
    if group:
        groups.append(group)
    return groups


# How the OS says a disk is full (ENOSPC, EDQUOT), as DuckDB passes it on.
_OUT_OF_SPACE = ("No space left on device", "Disk quota exceeded")


def is_out_of_space(exc: BaseException) -> bool:
    return any(words in str(exc) for words in _OUT_OF_SPACE)


def reason(exc: BaseException) -> str:
    """The plain reason for a failed write: the OS's words when the disk is full."""
    for words in _OUT_OF_SPACE:
        if words in str(exc):
            return words
    return str(exc)


def _plain(exc: duckdb.Error, items: list[ToLand]) -> str:
    """DuckDB's message with each path replaced by its file's name."""
    message = str(exc)
    for item in items:
        message = message.replace(str(item.read_from), item.name)
    message = message.removeprefix("Invalid Input Error: ").removeprefix("Invalid Error: ")
    if len(items) == 1 and not message.startswith(items[0].name):
        if isinstance(exc, duckdb.IOException) and "gzip" in message.lower():
            return f"{items[0].name} is not gzip"
        return f"{items[0].name}: {message}"
    return message
