"""The marts on the built-in sample: the headline answer, complete segments, every order once,
and no personal data in clear.

One build for the module (session fixture): `python -m loader sample`, `python -m loader ingest`
and `dbt build` as subprocesses, into a temporary warehouse, with dbt's target and logs in the
temporary folder too so that runs never collide. What the checks compare against is read from
the raw JSON the loader landed (SQL over `raw.web_sessions`), never from dbt's own output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow  # one loader run and one dbt build for the whole module

REPO = Path(__file__).resolve().parents[2]
# 1,000 visits of seed 259 give every segment at least five orders in ~30 s of dbt on two
# cores: the seed makes two of the most loyal (most frequent) visitors premium members, so
# premium has enough orders for its average to be stable at this size. The generator's
# means are premium 180 > gold 120 > standard 80 > non-member 70 > anonymous 60.
SAMPLE_VISITS = 1000
SAMPLE_SEED = 259
TIERS = ("premium", "gold", "standard")
SEGMENTS = {*TIERS, "identified non-member", "anonymous"}
# The marts and everything they need, with the marts' tests, the invariants in
# tests/dbt/marts and the unit tests. The tests declared on staging and intermediate views
# (each re-reads the raw JSON) run in `make dbt` and staging's own test file instead.
DBT_BUILD = (
    "build",
    "--select",
    "+path:models/marts",
    "path:tests/dbt/marts",
    "--exclude",
    "path:models/staging,resource_type:test",
    "path:models/staging,resource_type:unit_test",
    "path:models/intermediate,resource_type:test",
)
# The generator's personal values, read back from the landed JSON: e-mails, phones, names,
# user names and IP addresses (each in its Avro string wrapper; a person's `name` is the one
# followed by `surname`, not a product's or a skill's).
PERSONAL_VALUES_SQL = r"""
with records as (
    select cast(record as varchar) as record_text from raw.web_sessions
),
patterns(kind, pattern) as (
    values
        ('email', '"email":\{"string":"([^"]+)"'),
        ('phone', '"phone":\{"string":"([^"]+)"'),
        ('name', '"name":\{"string":"([^"]+)"\},"surname"'),
        ('surname', '"surname":\{"string":"([^"]+)"'),
        ('user_name', '"userName":\{"string":"([^"]+)"'),
        ('ipv4', '"iPV4":\{"string":"([^"]+)"'),
        ('ipv6', '"iPV6":\{"string":"([^"]+)"')
)
select distinct patterns.kind, found.value
from records
cross join patterns
cross join unnest(regexp_extract_all(records.record_text, patterns.pattern, 1)) as found(value)
"""


def run(command: list[str], env: dict[str, str], cwd: Path) -> None:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{result.stdout[-8000:]}\n{result.stderr}")


@pytest.fixture(scope="session")
def marts_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with the sample landed and the marts built; its path."""
    root = tmp_path_factory.mktemp("marts")
    warehouse = root / "warehouse.duckdb"
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "LANDING_DIR": str(root / "landing"),
        "DBT_PROFILES_DIR": str(REPO),
        "LP_ENV_FILE": str(root / "no.env"),  # never a developer's .env or credentials
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    sample = root / "sample"
    python = sys.executable
    dbt = str(Path(python).with_name("dbt"))
    started = time.monotonic()
    run(
        [python, "-m", "loader", "sample", "--out", str(sample), "--visits", str(SAMPLE_VISITS),
         "--days", "7", "--seed", str(SAMPLE_SEED)],
        env, REPO,
    )  # fmt: skip
    run([python, "-m", "loader", "ingest", str(sample)], env, REPO)
    run(
        [dbt, *DBT_BUILD, "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        env, REPO,
    )  # fmt: skip
    print(f"sample, ingest and dbt build: {time.monotonic() - started:.0f} s")
    return warehouse


@pytest.fixture
def con(marts_warehouse: Path):
    connection = duckdb.connect(str(marts_warehouse), read_only=True)
    yield connection
    connection.close()


def test_premium_members_have_the_highest_average_order_value(con) -> None:
    rows = con.execute(
        "select customer_segment, order_count, average_order_value "
        "from marts.mart_aov_by_membership_segment"
    ).fetchall()
    aov = {segment: value for segment, _, value in rows}
    orders = {segment: count for segment, count, _ in rows}
    assert {segment for segment, _, _ in rows} == SEGMENTS
    assert all(orders[tier] > 0 for tier in TIERS), orders
    assert aov["premium"] > aov["gold"] > aov["standard"], aov


def test_no_segment_is_null_or_unknown(con) -> None:
    for table, column in (
        ("fct_orders", "customer_segment"),
        ("fct_orders", "current_customer_segment"),
        ("fct_web_sessions", "current_customer_segment"),
        ("dim_visitors", "current_customer_segment"),
    ):
        segments = dict(
            con.execute(
                f"select coalesce({column}, '<null>'), count(*) from marts.{table} group by 1"
            ).fetchall()
        )
        assert set(segments) <= SEGMENTS, (table, column, segments)
    # Every order is placed in exactly one segment, and the mart's rows add up to all of them.
    (orders, mart_orders) = con.execute(
        "select (select count(*) from marts.fct_orders), "
        "(select sum(order_count) from marts.mart_aov_by_membership_segment)"
    ).fetchone()
    assert orders == mart_orders


def test_every_order_the_generator_wrote_is_one_row(con) -> None:
    # Order ids as the generator writes them (`SO-` and 16 hex digits), anywhere in a visit.
    (generated,) = con.execute(
        "select count(distinct order_id) from raw.web_sessions, "
        "unnest(regexp_extract_all(cast(record as varchar), 'SO-[0-9A-F]{16}')) as t(order_id)"
    ).fetchone()
    total, distinct, with_reported_id = con.execute(
        "select count(*), count(distinct order_id), count(*) filter (where has_reported_order_id)"
        " from marts.fct_orders"
    ).fetchone()
    assert generated > 0
    assert total == distinct == with_reported_id == generated
    # The sample repeats reports (attribute and goal, repeated attributes): they were merged.
    (merged,) = con.execute(
        "select count(*) from marts.fct_orders where report_count > 1"
    ).fetchone()
    assert merged > 0


def test_no_clear_personal_data_outside_raw(con) -> None:
    """The privacy boundary: clear personal values of the sample (e-mails, phones, names,
    IP addresses) are in no table of staging, intermediate or marts; marts hold no hashes
    of them either (staging holds keyed hashes, which a mart never passes on)."""
    personal = con.execute(PERSONAL_VALUES_SQL).fetchall()
    kinds = {kind for kind, _ in personal}
    assert {"email", "phone", "name", "surname", "ipv4", "ipv6"} <= kinds, kinds
    con.execute("create temporary table personal_values (kind varchar, value varchar)")
    con.executemany("insert into personal_values values (?, ?)", personal)
    text_columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts') "
        "and data_type = 'VARCHAR' order by all"
    ).fetchall()
    marts = {table for schema, table, _ in text_columns if schema == "marts"}
    assert len(marts) >= 7, marts
    assert len({table for schema, table, _ in text_columns if schema == "staging"}) >= 10
    leaks = []
    for schema, table, column in text_columns:
        leaks += con.execute(
            f"select distinct ?, ?, personal_values.kind, personal_values.value "
            f'from {schema}."{table}" as kept '
            f'inner join personal_values on contains(kept."{column}", personal_values.value)',
            [table, column],
        ).fetchall()
        if schema == "marts":
            # Hashed personal data is no better in a mart: no 64-hex digests either.
            leaks += con.execute(
                f"select distinct ?, ?, 'digest', kept.\"{column}\" "
                f'from marts."{table}" as kept '
                f"where regexp_full_match(kept.\"{column}\", '[0-9a-f]{{64}}')",
                [table, column],
            ).fetchall()
    assert leaks == []
