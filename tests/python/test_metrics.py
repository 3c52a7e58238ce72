"""The semantic layer: MetricFlow's metrics (models/semantic) agree with the marts.

Every check runs the real `mf` CLI of this venv, as `make metrics` and the README run it
(through metrics/profiles.yml, read-only), on the small warehouse of conftest_build, and
compares what it prints (`--csv`) with the marts read straight from the DuckDB file. The two
are computed independently: the marts in SQL models, the metrics by MetricFlow's own SQL
from the YAML definitions.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]
pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
MF = Path(sys.executable).with_name("mf")
CENT = Decimal("0.01")


def cents(value: str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def mf(built_project: BuiltProject, *args: str | Path) -> subprocess.CompletedProcess:
    env = {**built_project.env, "DBT_PROFILES_DIR": str(built_project.project_dir / "metrics")}
    return subprocess.run(
        [str(MF), *map(str, args)],
        cwd=built_project.project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def mf_rows(built_project: BuiltProject, tmp_path: Path, *args: str) -> list[dict[str, str]]:
    """`mf query ARGS --csv`: the result's rows (values as printed, '' for null)."""
    out = tmp_path / "result.csv"
    result = mf(built_project, "query", *args, "--csv", out, "--quiet")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def mart(built_project: BuiltProject, sql: str) -> list[tuple]:
    with duckdb.connect(str(built_project.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_validate_configs_passes(built_project: BuiltProject) -> None:
    result = mf(built_project, "validate-configs")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    # The YAML's semantics, then semantic models, dimensions, entities, measures and metrics
    # against the warehouse: every step reports no errors.
    assert len(re.findall(r"Successfully validated", output)) == 6, output[-4000:]
    assert "ERRORS: 0, FUTURE_ERRORS: 0, WARNINGS: 0" in output
    assert not re.search(r"ERRORS: [1-9]", output), output[-4000:]


def test_headline_by_segment_equals_the_aov_mart(
    built_project: BuiltProject, tmp_path: Path
) -> None:
    rows = mf_rows(built_project, tmp_path, "--saved-query", "aov_by_membership_segment")
    metrics = {row["order__customer_segment"]: row for row in rows}
    expected = mart(
        built_project,
        "select customer_segment, order_count, revenue, average_order_value, "
        "median_order_value from marts.mart_aov_by_membership_segment",
    )
    with_orders = {row[0]: row for row in expected if row[1] > 0}
    # The sample must exercise the comparison: orders in several segments, and the metrics
    # leave out exactly the segments without orders (the mart lists them with zeros).
    assert len(with_orders) >= 3, expected
    assert set(metrics) == set(with_orders)
    for segment, (_, orders, revenue, aov, median) in with_orders.items():
        row = metrics[segment]
        assert int(row["order_count"]) == orders, segment
        assert Decimal(row["revenue"]) == revenue, segment
        # The mart rounds to cents (half away from zero, as DuckDB's round); MetricFlow
        # returns the unrounded ratio and median.
        assert cents(row["average_order_value"]) == aov, segment
        assert cents(row["median_order_value"]) == median, segment
    # On the sample every order has a total, so revenue / orders-with-a-total (the metric)
    # and revenue / orders (today's mart) are the same number.
    no_total = "select count(*) from marts.fct_orders where order_total is null"
    assert mart(built_project, no_total) == [(0,)]


def test_control_group_lift_equals_the_lift_mart(
    built_project: BuiltProject, tmp_path: Path
) -> None:
    rows = mf_rows(
        built_project, tmp_path,
        "--metrics",
        "control_group_lift,control_group_lift_standard_error,test_visit_count,"
        "control_visit_count",
        "--group-by", "campaign",
    )  # fmt: skip
    expected = mart(
        built_project,
        "select campaign_id, test_visit_count, control_visit_count, absolute_lift, "
        "difference_standard_error from marts.mart_campaign_control_group_lift "
        "where conversion_type = 'order'",
    )
    assert expected, "the sample has no campaign with a control group"
    metrics = {int(row["campaign"]): row for row in rows}
    for campaign, test_visits, control_visits, lift, error in expected:
        row = metrics[campaign]
        assert int(row["test_visit_count"]) == test_visits
        assert int(row["control_visit_count"]) == control_visits
        if lift is None:
            assert row["control_group_lift"] == ""
        else:
            assert float(row["control_group_lift"]) == pytest.approx(lift, abs=1e-12)
            assert float(row["control_group_lift_standard_error"]) == pytest.approx(
                error, abs=1e-12
            )
    # Campaigns the mart leaves out have no TEST and CONTROL visits, hence no lift.
    for campaign, row in metrics.items():
        if campaign not in {row[0] for row in expected}:
            assert row["control_group_lift"] == "", campaign


def test_conversion_rate_by_device_counts_every_order(
    built_project: BuiltProject, tmp_path: Path
) -> None:
    rows = mf_rows(
        built_project, tmp_path,
        "--metrics", "conversion_rate,visit_count,visit_order_count,order_count",
        "--group-by", "visit__device_family",
    )  # fmt: skip
    expected = dict(
        (device, (visits, orders))
        for device, visits, orders in mart(
            built_project,
            "select device_family, count(*), sum(order_count) from marts.fct_web_sessions "
            "group by device_family",
        )
    )
    metrics = {row["visit__device_family"]: row for row in rows}
    assert set(metrics) == set(expected)
    for device, (visits, orders) in expected.items():
        row = metrics[device]
        assert int(row["visit_count"]) == visits
        assert float(row["conversion_rate"]) == pytest.approx(orders / visits, abs=1e-12)
        # Orders joined to their visit's device (orders -> visit entity) count the same.
        assert int(row["order_count"] or 0) == int(row["visit_order_count"]) == orders
    (all_orders,) = mart(built_project, "select count(*) from marts.fct_orders")[0]
    assert sum(int(row["visit_order_count"]) for row in rows) == all_orders > 0


def test_make_metrics_query_prints_the_headline(built_project: BuiltProject) -> None:
    """The query `make metrics` runs (its METRICS_QUERY), with the mart's AOVs in cents."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    query = re.search(r"^METRICS_QUERY \?= (.+)$", makefile, flags=re.M)
    assert query, "Makefile has no METRICS_QUERY"
    result = mf(built_project, "query", *query.group(1).split(), "--quiet")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["order__customer_segment", "average_order_value"]
    printed = {}
    for line in lines[2:]:
        segment, aov = re.match(r"(.+?)\s{2,}([0-9.]+)\s", line).groups()
        printed[segment] = Decimal(aov)
    expected = mart(
        built_project,
        "select customer_segment, average_order_value from marts.mart_aov_by_membership_segment "
        "where order_count > 0",
    )
    assert printed == dict(expected)
    # Highest average first.
    assert list(printed.values()) == sorted(printed.values(), reverse=True)
