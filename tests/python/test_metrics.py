"""The semantic layer: MetricFlow's metrics (models/semantic) agree with the marts.

Every check runs the real `mf` CLI of this venv, as `make metrics` and the README run it
(through metrics/profiles.yml, read-only), and compares what it prints (`--csv`) with the
marts read straight from the DuckDB file. The two are computed independently: the marts in
SQL models, the metrics by MetricFlow's own SQL from the YAML definitions.

Two warehouses: the small tidy sample of conftest_build (campaigns, devices, every order
with a total and every member's order after member_since), and a messy one
(`loader sample --messy`, its membership list, both landings) where orders lack totals or
times and members ordered before member_since, so that the AOV's denominator and the
segment at order time are exercised. The messy one is built once per test session
(messy_built_project), and test_dashboard.py reads it too.
"""

from __future__ import annotations

import csv
import re
import shutil
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
# The messy sample's hand-written visits (every kind of mess) and a few random ones.
MESSY_VISITS = 20


def messy_built_project(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    """The messy sample landed (landing-1, then landing-2) and built with its own membership
    list, without dbt's tests (test_order_reference_against_dbt.py runs them on it). Built
    once per session in a folder of the session's temporary root; callers must not write it
    (copy the warehouse first)."""
    # Imported here: pytest loads conftest_build as a plugin (pytest_plugins) first.
    from tests.python.conftest_build import BuiltProject, copy_project, project_env

    root = tmp_path_factory.getbasetemp() / "messy-built"
    project_dir = root / "project"
    env = project_env(root, project_dir)
    built = BuiltProject(project_dir, root / "warehouse.duckdb", project_dir / "target", env)
    done = root / "built"
    if done.exists():
        return built
    if root.exists():
        pytest.fail(f"an earlier build of the messy warehouse in {root} did not finish")
    copy_project(project_dir)
    sample = root / "sample"
    built.python(
        "-m", "loader", "sample", "--messy", "--out", sample,
        "--visits", str(MESSY_VISITS), "--seed", "5",
    )  # fmt: skip
    shutil.copy2(sample / "customer_memberships.csv", project_dir / "seeds")
    built.python("-m", "loader", "ingest", sample / "landing-1")
    built.python("-m", "loader", "ingest", sample / "landing-2")
    built.python(
        "-m", "loader.dbt_runner", "build",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    )  # fmt: skip
    done.touch()
    return built


@pytest.fixture(scope="session")
def messy_project(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    return messy_built_project(tmp_path_factory)


@pytest.fixture(params=["sample", "messy"])
def any_project(request: pytest.FixtureRequest) -> BuiltProject:
    """Each of the two warehouses in turn."""
    return request.getfixturevalue(
        "built_project" if request.param == "sample" else "messy_project"
    )


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


def test_headline_by_segment_equals_the_aov_mart(any_project: BuiltProject, tmp_path: Path) -> None:
    rows = mf_rows(any_project, tmp_path, "--saved-query", "aov_by_membership_segment")
    metrics = {row["order__customer_segment"]: row for row in rows}
    expected = mart(
        any_project,
        "select customer_segment, order_count, orders_with_total_count, revenue, "
        "average_order_value, median_order_value from marts.mart_aov_by_membership_segment",
    )
    with_orders = {row[0]: row for row in expected if row[1] > 0}
    # The data must exercise the comparison: orders in several segments, and the metrics
    # leave out exactly the segments without orders (the mart lists them with zeros).
    assert len(with_orders) >= 3, expected
    assert set(metrics) == set(with_orders)
    for segment, (_, orders, with_total, revenue, aov, median) in with_orders.items():
        row = metrics[segment]
        assert int(row["order_count"]) == orders, segment
        assert int(row["orders_with_total_count"]) == with_total, segment
        assert Decimal(row["revenue"]) == revenue, segment
        # The mart rounds to cents (half away from zero); MetricFlow returns the unrounded
        # ratio and median. Without a known total both are null.
        if aov is None:
            assert row["average_order_value"] == row["median_order_value"] == "", segment
        else:
            assert cents(row["average_order_value"]) == aov, segment
            assert cents(row["median_order_value"]) == median, segment


def test_messy_data_tells_the_rules_apart(messy_project: BuiltProject, tmp_path: Path) -> None:
    """On the messy warehouse, revenue / all orders is not the AOV, and the segment today is
    not the segment at order time: the metrics follow the mart's rules, not the others."""
    (without_total, moved) = mart(
        messy_project,
        "select count(*) filter (where not has_order_total), "
        "count(*) filter (where customer_segment <> current_customer_segment) "
        "from marts.fct_orders",
    )[0]
    assert without_total > 0 and moved > 0
    segments = mart(
        messy_project,
        "select customer_segment, revenue / order_count, average_order_value "
        "from marts.mart_aov_by_membership_segment where order_count > orders_with_total_count",
    )
    assert any(cents(str(per_order)) != aov for _, per_order, aov in segments), segments

    # order__current_customer_segment: fct_orders grouped by today's segment.
    rows = mf_rows(
        messy_project, tmp_path,
        "--metrics", "order_count,orders_with_total_count,revenue",
        "--group-by", "order__current_customer_segment",
    )  # fmt: skip
    metrics = {
        row["order__current_customer_segment"]: (
            int(row["order_count"]),
            int(row["orders_with_total_count"]),
            Decimal(row["revenue"] or "0"),
        )
        for row in rows
    }
    today = mart(
        messy_project,
        "select current_customer_segment, count(*), count(*) filter (where has_order_total), "
        "coalesce(sum(order_total), 0) from marts.fct_orders group by all",
    )
    assert metrics == {segment: tuple(values) for segment, *values in today}
    at_order_time = mart(
        messy_project,
        "select customer_segment, count(*) from marts.fct_orders group by all",
    )
    assert {s: m[0] for s, m in metrics.items()} != dict(at_order_time)


def test_control_group_lift_equals_the_lift_mart(
    built_project: BuiltProject, tmp_path: Path
) -> None:
    counts = (
        "test_visitor_count,control_visitor_count,test_converted_visitor_count,"
        "control_converted_visitor_count,visitors_in_both_groups_count"
    )
    rows = mf_rows(
        built_project, tmp_path,
        "--metrics",
        f"control_group_lift,control_group_lift_standard_error,control_group_lift_lower_95,"
        f"control_group_lift_upper_95,{counts}",
        "--group-by", "campaign",
    )  # fmt: skip
    expected = mart(
        built_project,
        f"select campaign_id, {counts}, absolute_lift, difference_standard_error, "
        "absolute_lift_lower_95, absolute_lift_upper_95 "
        "from marts.mart_campaign_control_group_lift where conversion_type = 'order'",
    )
    assert expected, "the sample has no campaign with a control group"
    metrics = {int(row["campaign"]): row for row in rows}
    for campaign, *values in expected:
        row = metrics[campaign]
        assert [int(row[name]) for name in counts.split(",")] == values[:5], campaign
        for name, value in zip(
            (
                "control_group_lift",
                "control_group_lift_standard_error",
                "control_group_lift_lower_95",
                "control_group_lift_upper_95",
            ),
            values[5:],
            strict=True,
        ):
            if value is None:
                assert row[name] == "", (campaign, name)
            else:
                assert float(row[name]) == pytest.approx(value, abs=1e-12), (campaign, name)
    # Campaigns the mart leaves out have no TEST and CONTROL visitors, hence no lift.
    for campaign, row in metrics.items():
        if campaign not in {row[0] for row in expected}:
            assert row["control_group_lift"] == "", campaign

    # The unit is the visitor: the sample has visitors seen in both groups and visitors with
    # several eligible visits, so counting visits (fct_campaign_daily) gives other numbers.
    visits = dict(
        mart(
            built_project,
            "select campaign_id, sum(eligible_visit_count) from marts.fct_campaign_daily "
            "where control_group = 'TEST' group by all",
        )
    )
    assert any(visits[campaign] != values[0] for campaign, *values in expected), visits
    assert any(values[4] > 0 for _, *values in expected)

    # Dated by the day of assignment, each visitor counts on one day: the days add up.
    by_day = mf_rows(
        built_project, tmp_path,
        "--metrics", "test_visitor_count,control_visitor_count",
        "--group-by", "campaign,metric_time__day",
    )  # fmt: skip
    for campaign, test_visitors, control_visitors, *_ in expected:
        days = [row for row in by_day if int(row["campaign"]) == campaign]
        assert len(days) >= 1
        assert sum(int(row["test_visitor_count"]) for row in days) == test_visitors
        assert sum(int(row["control_visitor_count"]) for row in days) == control_visitors


def test_campaign_funnel_equals_fct_campaign_daily(
    built_project: BuiltProject, tmp_path: Path
) -> None:
    stages = ("eligible", "shown", "accepted", "goal", "ordered")
    rows = mf_rows(
        built_project, tmp_path,
        "--metrics", ",".join(f"campaign_{stage}_visit_count" for stage in stages),
        "--group-by", "campaign,campaign_day__control_group",
    )  # fmt: skip
    metrics = {
        (int(row["campaign"]), row["campaign_day__control_group"]): tuple(
            int(row[f"campaign_{stage}_visit_count"]) for stage in stages
        )
        for row in rows
    }
    expected = mart(
        built_project,
        "select campaign_id, control_group, sum(eligible_visit_count), "
        "sum(shown_visit_count), sum(accepted_visit_count), sum(goal_achieved_visit_count), "
        "sum(ordered_visit_count) from marts.fct_campaign_daily group by all",
    )
    assert len(expected) >= 3
    assert metrics == {(campaign, group): tuple(v) for campaign, group, *v in expected}


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
