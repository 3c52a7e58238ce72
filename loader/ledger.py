"""The ledger `raw.web_session_files`: one typed row per file name ever seen.

`sha256`, `size_bytes`, `uncompressed_bytes`, `record_count` and `landed_at` describe the
version whose rows are in `raw.web_sessions` (null while none is); `status`, `error` and
`attempted_at` describe the latest attempt. The ledger, not a timestamp, decides what is new.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from datetime import datetime

import duckdb

LANDED = "landed"
FAILED = "failed"

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
"""


@dataclass(frozen=True)
class LedgerRow:
    """One row of the ledger, in its column order. Timestamps are naive UTC."""

    file_name: str
    scope_start_at: datetime | None
    scope_end_at: datetime | None
    source: str  # pull | ingest
    source_uri: str | None
    size_bytes: int | None
    uncompressed_bytes: int | None
    sha256: str | None
    record_count: int | None
    landed_at: datetime | None
    status: str  # landed | failed
    error: str | None
    attempted_at: datetime
    replaced_count: int

    @property
    def has_rows(self) -> bool:
        """Whether rows of some version of the file are in raw.web_sessions."""
        return self.landed_at is not None


COLUMNS = tuple(field.name for field in fields(LedgerRow))
_SELECT = f"select {', '.join(COLUMNS)} from raw.web_session_files"


class Ledger:
    """Reads and writes of the ledger on one DuckDB connection (the caller's transaction)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def rows(self, file_names: list[str]) -> dict[str, LedgerRow]:
        """The rows of these files, by name, in one query (absent names are left out)."""
        if not file_names:
            return {}
        found = self.con.execute(
            f"{_SELECT} where file_name in (select unnest(?))", [list(file_names)]
        ).fetchall()
        return {row[0]: LedgerRow(*row) for row in found}

    def with_rows(self) -> list[LedgerRow]:
        """Every file whose rows are in raw.web_sessions, by name."""
        found = self.con.execute(f"{_SELECT} where landed_at is not null order by file_name")
        return [LedgerRow(*row) for row in found.fetchall()]

    def newest_landed_hour(self, not_after: datetime) -> datetime | None:
        """The latest scope start of a landed file that is not after `not_after`: a file
        dated in the future says nothing about where the next pull should start."""
        (newest,) = self.con.execute(
            "select max(scope_start_at) from raw.web_session_files "
            "where landed_at is not null and scope_start_at <= ?",
            [not_after],
        ).fetchone()
        return newest

    def write(self, rows: list[LedgerRow]) -> None:
        """Insert or replace whole rows, in one statement (one per row cost more than a small
        file's insert)."""
        if not rows:
            return
        one = f"({', '.join('?' * len(COLUMNS))})"
        self.con.execute(
            f"insert or replace into raw.web_session_files ({', '.join(COLUMNS)}) "
            f"values {', '.join([one] * len(rows))}",
            [value for row in rows for value in astuple(row)],
        )

    def record_failure(self, attempt: LedgerRow) -> None:
        """Record a failed attempt. Size and sha256 describe the landed rows; until there
        are any, the attempt. The rows of a version landed earlier stay."""
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
                size_bytes = case when landed_at is null then excluded.size_bytes
                    else size_bytes end,
                sha256 = case when landed_at is null then excluded.sha256 else sha256 end
            """,
            [
                attempt.file_name,
                attempt.scope_start_at,
                attempt.scope_end_at,
                attempt.source,
                attempt.source_uri,
                attempt.size_bytes,
                attempt.sha256,
                attempt.error,
                attempt.attempted_at,
            ],
        )

    def mark_landed(self, file_name: str, attempted_at: datetime) -> None:
        """The landed content came back after a failed attempt: the latest attempt is good."""
        self.con.execute(
            "update raw.web_session_files set status = 'landed', error = null, "
            "attempted_at = ? where file_name = ?",
            [attempted_at, file_name],
        )
