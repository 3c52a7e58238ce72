"""Incremental builds give the same warehouse as a full refresh.

A sample of a few days is landed and built from scratch; then one more hour is landed, with
an old visit landed again in a new file (changed) and an old file landed again with changed
content (one visit dropped, another changed, so the loader replaces its rows), and the
warehouse is built incrementally. The same hour also brings what only the models downstream
of staging see: an old, anonymous visit landed again with a customer id (the visitor's later,
unchanged visits now carry it forward), a new later visit of another visitor that identifies
them, a visitor's identified first visit landed again under another visitor id (the
visitor's next, unchanged visit loses the customer it carried), an old visit landed again
with a copy of another visit's order reported earlier (the order moves to it, so the other,
unchanged visit loses it), and a membership list with one tier changed and one member
removed. A copy of that warehouse is then rebuilt with `--full-refresh`: every staging,
intermediate and mart table must hold exactly the same rows in both (compared with EXCEPT
ALL both ways, so duplicates count).
"""

from __future__ import annotations

import csv
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
        or key == "LP_PSEUDONYM_KEY_FILE"
    }
    env.update(
        WAREHOUSE_PATH=str(root / f"{name}.duckdb"),
        LANDING_DIR=str(root / "landing"),
        DBT_PROFILES_DIR=str(root / "project"),
        LP_ENV_FILE=str(root / "no-such.env"),
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
    )
    return env


def _run(
    root: Path,
    name: str,
    *args: str | Path,
    expect_failure: bool = False,
    env: dict[str, str] | None = None,
) -> str:
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=root / "project",
        env={**_env(root, name), **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if expect_failure:
        assert result.returncode != 0, result.stdout
        return result.stdout
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _ingest(root: Path, *paths: Path) -> None:
    _run(root, "incremental", sys.executable, "-m", "loader", "ingest", *paths)


def _dbt(root: Path, name: str, *args: str, expect_failure: bool = False) -> str:
    dbt = Path(sys.executable).with_name("dbt")
    target = root / f"target-{name}"
    command = (dbt, "build", "--target-path", target, *args)
    return _run(root, name, *command, expect_failure=expect_failure)


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


def _bodies(record: dict) -> list[dict]:
    bodies = record["recordCollection"]
    return bodies["array"] if isinstance(bodies, dict) else bodies


def _is_wrapped(line: str) -> bool:
    """Whether the record and its bodies are union-wrapped (the form the edits below use)."""
    record = json.loads(line)
    return isinstance(record["recordCollection"], dict) and all(
        len(body["body"]) == 1 and next(iter(body["body"])).startswith("com.liveperson.")
        for body in _bodies(record)
    )


def _attribute(line: str, short_name: str) -> dict:
    """The first engagement attribute of a (wrapped) record with that member name."""
    for body in _bodies(json.loads(line)):
        payload = next(iter(body["body"].values()))
        items = (payload.get("engagementAttributes") or {}).get("array") or []
        for item in items:
            if next(iter(item["data"])).endswith(f".{short_name}"):
                return item
    raise AssertionError(f"no {short_name} attribute in {line[:200]}")


def _with_attribute(line: str, item: dict) -> str:
    """The record with one more engagement-attributes body holding `item`."""
    record = json.loads(line)
    bodies = _bodies(record)
    header = next(iter(bodies[0]["body"].values()))["header"]
    bodies.append(
        {
            "body": {
                "com.liveperson.dataaccess.WebSessionEngAttrsData": {
                    "header": header,
                    "engagementAttributes": {"array": [item]},
                }
            }
        }
    )
    return json.dumps(record, separators=(",", ":"))


def _customer_info(template: dict, customer_id: str, timestamp_ms: int) -> dict:
    item = json.loads(json.dumps(template))
    item["timestamp"] = {"long": timestamp_ms}
    next(iter(item["data"].values()))["customerId"] = {"string": customer_id}
    return item


def _ms(moment: datetime) -> int:
    """Epoch milliseconds of a DuckDB timestamp (naive, UTC)."""
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _line(sample: Path, file_name: str, line_number: int) -> str:
    return _read(sample / file_name)[line_number - 1]


def _rows(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _memberships(project: Path) -> list[dict[str, str]]:
    with (project / "seeds" / "customer_memberships.csv").open(newline="") as rows:
        return list(csv.DictReader(rows))


def _downstream_changes(root: Path, sample: Path, warehouse: Path, avoid: str) -> dict:
    """Files and a membership list for what the models after staging must notice; what
    each change is expected to do. `avoid` is the file the test replaces."""
    start_ms = int(END.timestamp() * 1000)
    members = _memberships(root / "project")
    visits = _rows(
        warehouse,
        "select sessions.visit_id, sessions.visitor_id, sessions.source_file_name, "
        "sessions.source_line_number, customers.customer_id, sessions.started_at, "
        "customers.identity_source "
        "from staging.stg_liveperson__web_sessions as sessions "
        "inner join intermediate.int_liveperson__visit_customers as customers "
        "on sessions.visit_id = customers.visit_id "
        f"where sessions.source_file_name <> '{avoid}' "
        "order by sessions.visitor_id, sessions.started_at, sessions.visit_id",
    )
    lines = {visit[0]: _line(sample, visit[2], visit[3]) for visit in visits}
    wrapped = {visit_id for visit_id, line in lines.items() if _is_wrapped(line)}
    by_visitor: dict[str, list[tuple]] = {}
    for visit in visits:
        by_visitor.setdefault(visit[1], []).append(visit)
    template = next(
        _attribute(lines[v], "CustomerInfo")
        for v in sorted(wrapped)
        if '"customerId":{"string"' in lines[v].replace(" ", "")
    )
    used: set[str] = set()

    # An order reported in one visit, with the order counted after a campaign assessment.
    order_id, order_visit = next(
        order
        for order in _rows(
            warehouse,
            "select orders.order_id, orders.visit_id from marts.fct_orders as orders "
            "inner join intermediate.int_liveperson__visit_campaigns as campaigns "
            "on orders.visit_id = campaigns.visit_id and campaigns.order_count > 0 "
            "where orders.report_count = 1 and orders.is_reported_as_purchase_attribute "
            "order by orders.order_id",
        )
        if order[1] in wrapped
    )
    purchase = json.loads(json.dumps(_attribute(lines[order_visit], "Purchase")))
    purchase["timestamp"] = {"long": purchase["timestamp"]["long"] - 60_000}
    order_visitor = next(visit[1] for visit in visits if visit[0] == order_visit)
    thief = next(visit[0] for visit in visits if visit[0] in wrapped and visit[1] != order_visitor)
    used.update({order_visit, thief})

    # An anonymous visitor with two or more visits: its first visit gets a customer id.
    anonymous = next(
        rows
        for rows in by_visitor.values()
        if len(rows) >= 2
        and all(row[4] is None for row in rows)
        and rows[0][0] in wrapped
        and not used & {row[0] for row in rows}
    )
    used.update(row[0] for row in anonymous)
    carried = members[0]
    identified_first = _with_attribute(
        lines[anonymous[0][0]],
        _customer_info(template, carried["customer_id"], _ms(anonymous[0][5])),
    )

    # Another visitor: a new visit after the sample's end identifies them.
    later_rows = next(
        rows
        for rows in by_visitor.values()
        if rows[-1][0] in wrapped and not used & {row[0] for row in rows}
    )
    used.update(row[0] for row in later_rows)
    later_customer = members[1]
    new_visit_id = "zz-later-visit-" + later_rows[-1][0]
    later = json.loads(lines[later_rows[-1][0]].replace(later_rows[-1][0], new_visit_id))
    meta = next(iter(later["metaData"].values()))
    meta["startTime"] = {"long": start_ms + 600_000}
    meta["endTime"] = {"long": start_ms + 900_000}
    later_line = _with_attribute(
        json.dumps(later, separators=(",", ":")),
        _customer_info(template, later_customer["customer_id"], start_ms + 601_000),
    )

    # A visitor whose first visit identifies them and whose next visit carries that
    # customer: the first visit lands again under another visitor id, so the next visit,
    # unchanged and still the old visitor's, has no earlier visit to carry a customer from.
    moved_rows = next(
        rows
        for rows in by_visitor.values()
        if len(rows) >= 2
        and rows[0][4] is not None
        and rows[1][6] == "earlier_visit"
        and rows[0][0] in wrapped
        and not used & {row[0] for row in rows}
    )
    used.update(row[0] for row in moved_rows)
    old_visitor = moved_rows[0][1]
    moved_line = lines[moved_rows[0][0]].replace(old_visitor, "zz-moved-" + old_visitor)
    assert moved_line != lines[moved_rows[0][0]]

    # Membership list: a member with visits changes tier, another with visits leaves it.
    seen = {
        row[0]
        for row in _rows(
            warehouse,
            "select distinct customer_id from marts.fct_web_sessions where customer_id is not null",
        )
    }
    on_list = [m for m in members[2:] if m["customer_id"].lower() in seen]
    retiered, removed = on_list[0], on_list[1]
    new_tier = "premium" if retiered["membership_tier"] != "premium" else "standard"
    kept_members = []
    for member in members:
        if member["customer_id"] == removed["customer_id"]:
            continue
        if member["customer_id"] == retiered["customer_id"]:
            member = {**member, "membership_tier": new_tier}
        kept_members.append(member)
    with (root / "project" / "seeds" / "customer_memberships.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(members[0]))
        writer.writeheader()
        writer.writerows(kept_members)

    path = root / "next-hour" / f"WebSession.{start_ms}.{start_ms + 3_600_000}.part-00098-0.gz"
    _write(
        path,
        [_with_attribute(lines[thief], purchase), identified_first, later_line, moved_line],
    )
    return {
        "path": path,
        "order": (order_id, order_visit, thief),
        "carried": (anonymous[-1][0], carried["customer_id"], carried["membership_tier"]),
        "later": (later_rows[-1][1], later_customer["customer_id"]),
        "moved": (moved_rows[0][0], "zz-moved-" + old_visitor, moved_rows[1][0]),
        "retiered": (retiered["customer_id"], new_tier),
        "removed": removed["customer_id"],
    }


# Bookkeeping, not content: when each visit last changed, which a full refresh cannot know
# (it stamps every visit with the newest landing), and base_liveperson__visit_changes, which
# keeps a row for a visit whose every landing is gone so that its rows downstream are deleted.
BOOKKEEPING_COLUMNS = ("changed_at", "previous_visitor_id")
BOOKKEEPING_TABLES = ('"staging"."base_liveperson__visit_changes"',)


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_catalog = current_database()"
    ).fetchall()
    tables = (f'"{schema}"."{table}"' for schema, table in rows if schema in SCHEMAS)
    return sorted(table for table in tables if table not in BOOKKEEPING_TABLES)


def _content_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    schema, name = (part.strip('"') for part in table.split("."))
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? "
        "and table_name = ? and table_catalog = current_database() order by ordinal_position",
        [schema, name],
    ).fetchall()
    # Floating-point aggregates (a standard deviation) may differ in their last bits with
    # the order rows are summed in: compared to 9 significant digits.
    return ", ".join(
        f'round("{c}" / 10 ^ floor(log10(abs("{c}") + 1e-300)), 9)'
        if kind == "DOUBLE"
        else f'"{c}"'
        for c, kind in columns
        if c not in BOOKKEEPING_COLUMNS
    )


def _differences(incremental: Path, full: Path) -> dict[str, tuple[int, int]]:
    con = duckdb.connect(str(incremental), read_only=True)
    con.execute(f"attach '{full}' as full_build (read_only)")
    tables = _tables(con)
    assert len(tables) > 30, tables
    differences = {}
    for table in tables:
        columns = _content_columns(con, table)
        mine = f"(select {columns} from {table})"
        theirs = f"(select {columns} from full_build.{table})"
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
    changes = _downstream_changes(tmp_path, sample, incremental, replaced_name)
    landings = "select count(*) from raw.base_liveperson__records where visit_id = ({})"
    dropped = (
        "select visit_id from raw.base_liveperson__records "
        f"where file_name = '{replaced_name}' and line_number = 2"
    )
    dropped_id = _value(incremental, dropped)
    assert dropped_id is not None
    assert _value(incremental, landings.format(dropped)) == 1, (
        "the dropped visit must have no other landing"
    )
    _ingest(tmp_path, *new_files, changes["path"])
    replaced = "select count(*) from raw.web_session_files where replaced_count > 0"
    assert _value(incremental, replaced) == 1
    _dbt(tmp_path, "incremental")

    # The visit dropped from the replaced file, in no other file, is gone.
    kept = "select count(*) from staging.stg_liveperson__web_sessions where visit_id = ?"
    assert _value(incremental, kept, dropped_id) == 0
    # Each change did what it was made for (else the comparison below proves little).
    order_id, order_visit, thief = changes["order"]
    order_visit_sql = "select visit_id from marts.fct_orders where order_id = ?"
    assert _value(incremental, order_visit_sql, order_id) == thief
    orders_of = "select order_count from marts.fct_web_sessions where visit_id = ?"
    assert _value(incremental, orders_of, order_visit) == 0
    carried_visit, carried_customer, carried_tier = changes["carried"]
    assert _rows(
        incremental,
        "select customer_id, identity_source, current_customer_segment "
        "from marts.fct_web_sessions "
        f"where visit_id = '{carried_visit}'",
    ) == [(carried_customer.lower(), "earlier_visit", carried_tier)]
    later_visitor, later_customer = changes["later"]
    dim_customer = "select customer_id from marts.dim_visitors where visitor_id = ?"
    assert _value(incremental, dim_customer, later_visitor) == later_customer.lower()
    moved_visit, new_visitor, left_behind = changes["moved"]
    visitor_of = "select visitor_id from marts.fct_web_sessions where visit_id = ?"
    assert _value(incremental, visitor_of, moved_visit) == new_visitor
    assert _rows(
        incremental,
        "select customer_id, identity_source from marts.fct_web_sessions "
        f"where visit_id = '{left_behind}'",
    ) == [(None, "anonymous")]
    retiered, new_tier = changes["retiered"]
    segments = (
        "select distinct current_customer_segment from marts.fct_web_sessions "
        "where customer_id = '{}'"
    )
    assert _rows(incremental, segments.format(retiered.lower())) == [(new_tier,)]
    assert _rows(incremental, segments.format(changes["removed"].lower())) == [
        ("identified non-member",)
    ]

    full = tmp_path / "full.duckdb"
    shutil.copy(incremental, full)
    _dbt(tmp_path, "full", "--full-refresh", *UNTESTED)
    assert _differences(incremental, full) == {}

    # A table of an earlier version of the project (no changed_at) stops the incremental
    # run with what to do, not a binder error; --full-refresh rebuilds it.
    con = duckdb.connect(str(full))
    con.execute("alter table staging.stg_liveperson__geo drop column changed_at")
    con.close()
    select = ("--select", "stg_liveperson__geo", *UNTESTED)
    output = _dbt(tmp_path, "full", *select, expect_failure=True)
    assert (
        "was built by an earlier version of this project (it has no changed_at column): "
        "rebuild once with `dbt build --full-refresh`" in output
    ), output
    _dbt(tmp_path, "full", "--full-refresh", *select)

    # Hourly test scope: a broken row of an old visit (a duplicate key) fails the model's
    # data test on a whole-table run, and not on an hourly one (LP_DATA_TESTS_SCOPE=changed),
    # whose tests read only the rows of the newest change.
    con = duckdb.connect(str(incremental))
    con.execute(
        "insert into staging.stg_liveperson__page_views "
        "select * from staging.stg_liveperson__page_views "
        "where changed_at = (select min(changed_at) from staging.stg_liveperson__page_views) "
        "limit 1"
    )
    con.close()
    dbt = Path(sys.executable).with_name("dbt")
    tests = (dbt, "test", "--select", "stg_liveperson__page_views", "--exclude-resource-type")
    tests = (*tests, "unit_test", "--target-path", tmp_path / "target-scope")
    hourly = {"LP_DATA_TESTS_SCOPE": "changed"}
    _run(tmp_path, "incremental", *tests, env=hourly)
    output = _run(tmp_path, "incremental", *tests, expect_failure=True)
    assert "unique_combination_stg_liveperson__page_views" in output, output
