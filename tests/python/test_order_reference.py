"""The order reference against the truth table, in pure Python (fast: no dbt, no DuckDB).

Each row of tests/python/order_truth_table.py is run through the reference on its own and
must give exactly the orders written by hand; the whole table at once must give the same
(rows never meet). The messy sample command is checked here too: it writes what the dbt
comparison lands.
"""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tests.python.order_reference import money, parse_time, reference
from tests.python.order_truth_table import (
    AOV_EXPECTED,
    AOV_ROW,
    CURRENCY,
    MEMBERSHIP_TIERS,
    REPORTING_TIMEZONE,
    ROWS,
    Order,
    Row,
    memberships_csv,
    row_runs,
    row_visit_lines,
    table_runs,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def expected_value(column: str, given: object) -> object:
    """A hand-written expectation in the reference's types."""
    if column == "ordered_at" and isinstance(given, str):
        return datetime.fromisoformat(given)
    return given


def check_orders(row: Row, orders: list[dict]) -> list[str]:
    """What differs between a row's expected orders and `orders` (its rows only)."""
    mine = [o for o in orders if o["visit_id"].startswith(f"{row.prefix}-")]
    by_id = {o["order_id"]: o for o in mine}
    problems = []
    if len(by_id) != len(mine):
        problems.append(f"order ids twice: {sorted(o['order_id'] for o in mine)}")
    expected_ids = {order.order_id for order in row.orders}
    if set(by_id) != expected_ids:
        problems.append(f"order ids {sorted(by_id)}, expected {sorted(expected_ids)}")
    for order in row.orders:
        found = by_id.get(order.order_id)
        if found is not None:
            problems += [f"{order.order_id}: {p}" for p in differences(order, found)]
    return problems


def differences(order: Order, found: dict) -> list[str]:
    total = None if order.total is None else Decimal(order.total)
    wanted = {
        "order_total": total,
        "has_order_total": total is not None,
        "customer_segment": order.segment,
        "visit_id": order.visit_id,
        **order.also,
    }
    return [
        f"{column} is {found[column]!r}, expected {expected_value(column, value)!r}"
        for column, value in wanted.items()
        if found[column] != expected_value(column, value)
    ]


def test_the_rows_follow_the_conventions():
    """Guards on the table itself: unique prefixes, every visit id under its row's prefix,
    a description for the docs."""
    assert len({row.prefix for row in ROWS}) == len(ROWS)
    for row in ROWS:
        assert row.description.endswith("."), row.prefix
        for line in row_visit_lines(row):
            bodies = json.loads(line)["recordCollection"]
            bodies = bodies["array"] if isinstance(bodies, dict) else bodies
            for body in bodies:
                header = next(iter(body["body"].values()))["header"]
                if header is not None:
                    visit_id = next(iter(header.values()))["visitId"]["string"]
                    assert visit_id == "" or visit_id.startswith(f"{row.prefix}-")


@pytest.mark.parametrize("row", ROWS, ids=[row.prefix for row in ROWS])
def test_reference_gives_the_rows_orders(row: Row):
    result = reference(
        row_runs(row),
        memberships_csv([row]),
        membership_tiers=MEMBERSHIP_TIERS,
        reporting_timezone=REPORTING_TIMEZONE,
        currency=CURRENCY,
    )
    problems = check_orders(row, result.orders)
    visits = "\n".join(row_visit_lines(row))
    assert not problems, (
        f"{row.prefix}: {row.description}\n" + "\n".join(problems) + (f"\nvisits:\n{visits}")
    )


def test_reference_gives_every_rows_orders_with_all_rows_landed_together():
    result = reference(
        table_runs(ROWS),
        memberships_csv(ROWS),
        membership_tiers=MEMBERSHIP_TIERS,
        reporting_timezone=REPORTING_TIMEZONE,
        currency=CURRENCY,
    )
    problems = [f"{row.prefix}: {p}" for row in ROWS for p in check_orders(row, result.orders)]
    assert not problems, "\n".join(problems)
    assert len(result.orders) == sum(len(row.orders) for row in ROWS)
    segments = [segment["customer_segment"] for segment in result.segments]
    # Listed tiers in their order, unlisted ones alphabetically, then the two others.
    assert segments == [
        "premium", "gold", "standard", "bronze", "platinum", "identified non-member", "anonymous",
    ]  # fmt: skip


def test_reference_aov_by_segment_matches_the_hand_worked_example():
    result = reference(row_runs(AOV_ROW), memberships_csv([AOV_ROW]), currency=CURRENCY)
    assert [row["customer_segment"] for row in result.segments] == [
        row["customer_segment"] for row in AOV_EXPECTED
    ]
    for found, expected in zip(result.segments, AOV_EXPECTED, strict=True):
        assert found["currency"] == CURRENCY
        for column, value in expected.items():
            got = found[column]
            if column in ("revenue", "average_order_value", "median_order_value"):
                assert got == (None if value is None else Decimal(value)), (column, found)
                if column != "revenue" and value is not None:
                    assert str(got) == value, (column, found)  # two places
            elif isinstance(value, float):
                assert math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-12), (column, found)
            else:
                assert got == value, (column, found)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"double": 1.00005}, "1.0001"),
        ({"double": 2.00005}, "2.0001"),
        ({"string": "12"}, "12.0000"),
        ({"double": 0}, "0.0000"),
        ({"double": -0.0}, "0.0000"),
        ({"long": 99_999_999_999_999}, "99999999999999.0000"),
        ({"long": 100_000_000_000_000}, None),
        ({"double": float("inf")}, None),
        ({"string": "1e3"}, None),  # no exponent
        ({"string": " 5"}, "5.0000"),
        ({"string": "5 0"}, None),
        ({"string": "NaN"}, None),
        ({"double": None}, None),
        (None, None),
        (50, None),  # bare
    ],
)
def test_money_reads_the_printed_number_and_rounds_half_away_from_zero(given, expected):
    assert money(given) == (None if expected is None else Decimal(expected))
    if expected is not None:
        assert str(money(given)) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (946_684_800_000, "2000-01-01T00:00:00"),
        (4_102_444_799_999, "2099-12-31T23:59:59.999000"),
        (4_102_444_800_000, "2100-01-01T00:00:00"),
        (946_684_799_999, "1999-12-31T23:59:59.999000"),
        (99_999_999_999, None),
        ("2026-02-20T12:00:00Z", "2026-02-20T12:00:00"),
        ("2026-02-20T12:00:00.1234567-01:30", "2026-02-20T13:30:00.123456"),
        ("2026-02-30T12:00:00", None),
        ("2026-02-20 12:00:00", "2026-02-20T12:00:00"),
        ("1771588800000", "2026-02-20T12:00:00"),
        (1.7715888e12, None),  # a JSON float prints with a point: not epoch digits
        (True, None),
    ],
)
def test_times(given, expected):
    assert parse_time(given) == (None if expected is None else datetime.fromisoformat(expected))


def test_messy_sample_command_writes_both_landings_and_a_membership_list(tmp_path: Path):
    """`loader sample --messy` (the flag is wired into the CLI) writes landing-1, landing-2
    and the membership CSV, the same bytes for the same seed, every line a record, and with
    --large-record-bytes one record larger than asked for."""

    def sample(out: Path, *extra: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "loader", "sample", "--messy", "--out", str(out),
             "--visits", "120", "--seed", "5", *extra],
            cwd=REPO_ROOT, check=True, capture_output=True,
        )  # fmt: skip

    sample(tmp_path / "a")
    sample(tmp_path / "b", "--large-record-bytes", "300000")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.gz"))
    assert [str(p.parent) for p in files_a].count("landing-2") >= 2
    for relative in files_a:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
        for line in gzip.decompress((tmp_path / "a" / relative).read_bytes()).splitlines():
            assert b'"recordCollection"' in line
    large = [p for p in (tmp_path / "b").rglob("*.gz") if p.name.endswith("part-00099-0.gz")]
    assert len(large) == 1
    assert len(gzip.decompress(large[0].read_bytes())) > 300_000
    header = (tmp_path / "a" / "customer_memberships.csv").read_text().splitlines()[0]
    assert header == "customer_id,membership_tier,member_since"
    manifest = json.loads((tmp_path / "a" / "_messy_manifest.json").read_text())
    assert [run["folder"] for run in manifest["land_in_order"]] == ["landing-1", "landing-2"]
