"""Reading the warehouse without ever blocking it.

The loader and dbt open the DuckDB file read-write, and DuckDB lets one process write only
while no other process has the file open. So the dashboard opens it read-only, runs its
queries, and closes it at once (tens of milliseconds per page), and only when the file has
changed since the figures it holds were read. While a writer holds the file, opening fails at
once (it never waits): the page keeps the figures it last read and says so.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from dashboard import queries

T = TypeVar("T")
# Small: the dashboard reads small marts and must not compete with a build beside it.
READER_CONFIG = {"memory_limit": "256MB", "threads": "1"}


class WarehouseUnavailable(Exception):
    """The page cannot show figures; the message says what to run."""


class WarehouseMissing(WarehouseUnavailable):
    pass


class WarehouseEmpty(WarehouseUnavailable):
    pass


class WarehouseBusy(WarehouseUnavailable):
    """Another program holds the file for writing (a build or a load)."""


@dataclass(frozen=True)
class Signature:
    """What changes when the warehouse is written: the file's and its WAL's mtime and size."""

    parts: tuple[tuple[int, int], ...]
    modified_at: datetime

    @classmethod
    def of(cls, path: Path) -> Signature | None:
        stats = []
        for candidate in (path, path.with_name(path.name + ".wal")):
            try:
                stat = candidate.stat()
            except FileNotFoundError:
                stats.append((0, 0))
                continue
            stats.append((stat.st_mtime_ns, stat.st_size))
        if stats[0] == (0, 0):
            return None
        newest = max(mtime for mtime, _ in stats)
        return cls(tuple(stats), datetime.fromtimestamp(newest / 1e9).astimezone())


@dataclass
class Reading:
    """A result and when it was read, with the warehouse file's state at that time."""

    value: object
    signature: Signature
    read_at: datetime


@dataclass
class Reader:
    """Reads the warehouse at `path`, caching each result until the file changes."""

    path: Path
    _cache: dict[object, Reading] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def signature(self) -> Signature:
        signature = Signature.of(self.path)
        if signature is None or self.path.stat().st_size == 0:
            raise WarehouseMissing(
                f"No warehouse at {self.path}. Run `make build` (it lands the built-in sample "
                "when no LivePerson credentials are set, then builds the marts), then reload "
                "this page."
            )
        return signature

    def read(
        self, key: object, query: Callable[[duckdb.DuckDBPyConnection], T]
    ) -> tuple[T, Reading]:
        """`query(con)` on a fresh read-only connection, or the cached result when the file has
        not changed. While a writer holds the file, the last result for `key` is returned with
        its older Reading (read_at tells how old); with none cached, WarehouseBusy."""
        signature = self.signature()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.signature == signature:
                return cached.value, cached  # type: ignore[return-value]
            try:
                value = self._query(query)
            except WarehouseBusy:
                if cached is not None:
                    return cached.value, cached  # type: ignore[return-value]
                raise
            reading = Reading(value, signature, datetime.now().astimezone())
            self._cache[key] = reading
            # Results of older file states are no use: keep the cache to the current one.
            for stale in [k for k, r in self._cache.items() if r.signature != signature]:
                del self._cache[stale]
            return value, reading

    def _query(self, query: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        try:
            con = duckdb.connect(str(self.path), read_only=True, config=READER_CONFIG)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseBusy(
                    "A build or load is writing the warehouse right now; these figures are "
                    "from before it. Reload the page when it has finished."
                ) from exc
            raise WarehouseUnavailable(f"Cannot open the warehouse {self.path}: {exc}") from exc
        except duckdb.Error as exc:
            raise WarehouseUnavailable(
                f"{self.path} is not a DuckDB warehouse this version can read ({exc}). "
                "Run `make build`."
            ) from exc
        try:
            missing = queries.missing_tables(con)
            if missing:
                raise WarehouseEmpty(
                    f"The warehouse {self.path} has no marts yet (missing: "
                    f"{', '.join(missing)}). Run `make build` (or `make dbt` when data is "
                    "already landed), then reload this page."
                )
            return query(con)
        finally:
            con.close()


def warehouse_path() -> Path:
    """WAREHOUSE_PATH, as the loader and dbt read it (default warehouse.duckdb here)."""
    return Path(os.environ.get("WAREHOUSE_PATH", "warehouse.duckdb")).resolve()
