"""Incremental staging gives the same warehouse as a full refresh.

A sample of a few days is landed and built from scratch; then one more hour is landed, with
an old visit landed again in a new file (changed) and an old file landed again with changed
content (one visit dropped, another changed, so the loader replaces its rows), and the
warehouse is built incrementally. A copy of that warehouse is then rebuilt with
`--full-refresh`: every staging, intermediate and mart table must hold exactly the same rows
in both (compared with EXCEPT ALL both ways, so duplicates count).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from loader.sample import write_sample
from tests.python.conftest_build import copy_project

VISITS = 1000
DAYS = 5
END = datetime(2026, 3, 1, tzinfo=UTC)
SCHEMAS = ("staging", "intermediate", "marts")
UNTESTED = ("--exclude-resource-type", "test", "unit_test")


def _env(root: Path, name: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LP_", "WAREHOUSE", "LANDING", "DBT_"))
    }
    env.update(
        WAREHOUSE_PATH=str(root / f"{name}.duckdb"),
        LANDING_DIR=str(root / "landing"),
        DBT_PROFILES_DIR=str(root / "project"),
        LP_ENV_FILE=str(root / "no-such.env"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def _run(root: Path, name: str, *args: str | Path) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=root / "project",
        env=_env(root, name),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _ingest(root: Path, *paths: Path) -> None:
    _run(root, "incremental", sys.executable, "-m", "loader", "ingest", *paths)


def _dbt(root: Path, name: str, *args: str) -> str:
    dbt = Path(sys.executable).with_name("dbt")
    target = root / f"target-{name}"
    return _run(root, name, dbt, "build", "--target-path", target, *args)


def _read(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [line for line in lines.read().splitlines() if line.strip()]


def _write(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def _changed(line: str) -> str:
    """The same visit with other data: other URLs and account id, and its last record body
    gone (so some models lose rows of the visit)."""
    record = json.loads(line.replace("http", "hxxp"))
    bodies = record["recordCollection"]
    bodies = bodies["array"] if isinstance(bodies, dict) else bodies
    assert len(bodies) > 1
    bodies.pop()
    changed = json.dumps(record, separators=(",", ":"))
    assert changed != line
    return changed


def _next_hour(root: Path, sample: Path) -> list[Path]:
    """One more hour of files, an old visit landed again in a new file, and one old file
    landed again with one visit dropped and another changed."""
    scratch = root / "next-day"
    hour = root / "next-hour"
    hour.mkdir()
    summary = write_sample(
        scratch, visits=VISITS // DAYS, days=1, seed=8, end=END + timedelta(hours=1)
    )
    start_ms = int(END.timestamp() * 1000)
    files = [
        path.replace(hour / path.name)
        for path in summary.files
        if path.name.startswith(f"WebSession.{start_ms}.")
    ]
    assert files
    # The old file to replace: one with at least three visits.
    old = next(path for path in sorted(sample.glob("*.gz")) if len(_read(path)) >= 3)
    lines = _read(old)
    # Its first visit lands again, changed, in a new file of the new hour: it wins.
    relanded = hour / f"WebSession.{start_ms}.{start_ms + 3_600_000}.part-00099-0.gz"
    _write(relanded, [_changed(lines[0])])
    # The old file comes back without its second visit and with its third changed.
    replaced = hour / old.name
    _write(replaced, [lines[0], _changed(lines[2]), *lines[3:]])
    return [*files, relanded, replaced]


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_catalog = current_database()"
    ).fetchall()
    return sorted(f'"{schema}"."{table}"' for schema, table in rows if schema in SCHEMAS)


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(incremental), read_only=True)
    con.execute(f"attach '{full}' as full_build (read_only)")
    tables = _tables(con)
    assert len(tables) > 30, tables
    differences = {}
    for table in tables:
        mine = f"(select * from {table})"
        theirs = f"(select * from full_build.{table})"
        only_mine, only_theirs = (
            con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
            for a, b in ((mine, theirs), (theirs, mine))
        )
        if only_mine or only_theirs:
            differences[table] = (only_mine, only_theirs)
    con.close()
    return differences


def _value(path: Path, sql: str, *parameters: object) -> object:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(parameters)).fetchone()[0]
    finally:
        con.close()


def test_incremental_build_equals_full_refresh(tmp_path: Path) -> None:
    copy_project(tmp_path / "project")
    sample = tmp_path / "sample"
    write_sample(sample, visits=VISITS, days=DAYS, seed=7, end=END)
    _ingest(tmp_path, sample)
    # Tests run once, on the incremental build; the other two builds only build.
    _dbt(tmp_path, "incremental", *UNTESTED)
    incremental = tmp_path / "incremental.duckdb"

    new_files = _next_hour(tmp_path, sample)
    replaced_name = new_files[-1].name
    landings = "select count(*) from staging.base_liveperson__landed_records where visit_id = ({})"
    dropped = (
        "select visit_id from staging.base_liveperson__landed_records "
        f"where file_name = '{replaced_name}' and line_number = 2"
    )
    dropped_id = _value(incremental, dropped)
    assert dropped_id is not None
    assert _value(incremental, landings.format(dropped)) == 1, (
        "the dropped visit must have no other landing"
    )
    _ingest(tmp_path, *new_files)
    replaced = "select count(*) from raw.web_session_files where replaced_count > 0"
    assert _value(incremental, replaced) == 1
    _dbt(tmp_path, "incremental")

    # The visit dropped from the replaced file, in no other file, is gone.
    kept = "select count(*) from staging.stg_liveperson__web_sessions where visit_id = ?"
    assert _value(incremental, kept, dropped_id) == 0
    full = tmp_path / "full.duckdb"
    shutil.copy(incremental, full)
    _dbt(tmp_path, "full", "--full-refresh", *UNTESTED)
    assert _differences(incremental, full) == {}
