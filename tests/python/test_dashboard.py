"""The dashboard, served as `make dashboard` serves it and used in a real browser.

The server is `python -m dashboard` on a free localhost port, on a copy of the small warehouse
conftest_build builds (so the builds here never touch the other tests' warehouse). Debian's
Chromium (/usr/bin/chromium, `make browser`) opens it through Playwright, which runs the page's
JavaScript: Streamlit draws the page over its websocket and Vega draws each chart as SVG. The
checks read what was drawn (the bars, their labels, the tables) and compare it with the marts
read straight from the DuckDB file.

Two warehouses: the small tidy sample of conftest_build (campaigns, devices), and the messy
one of test_metrics.py (orders without a total or a time, members' orders before
member_since, a segment without orders, no campaigns), which the page must show as the marts
count it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest

# Installed by `make dashboard-deps` (make test runs it): missing, the module fails to import.
from playwright.sync_api import Browser, Page, sync_playwright

from dashboard import queries
from dashboard.browser import IDLE, chromium, open_rendered, serve
from tests.python.test_metrics import messy_built_project

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]
pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
CENT = Decimal("0.01")
BAR = 'svg.marks path[aria-roledescription="bar"]'
LABEL = 'svg.marks text[aria-roledescription="text mark"]'
BUSY_NOTE = "The warehouse is being written or changed since these figures were read"


def cents(value: object) -> str:
    """A money value as the page prints it: two decimals, thousands separated."""
    return f"{Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP):,}"


def mart_headline(warehouse: Path) -> dict[str, tuple[int, str, str]]:
    """segment -> (orders, revenue, AOV) from the AOV mart, for segments with an AOV (orders
    with a total): those the chart has a bar for."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select customer_segment, order_count, revenue, average_order_value "
            "from marts.mart_aov_by_membership_segment where orders_with_total_count > 0"
        ).fetchall()
    return {segment: (orders, cents(revenue), cents(aov)) for segment, orders, revenue, aov in rows}


def mart_table(warehouse: Path) -> dict[str, list[str]]:
    """segment -> the headline table's row as the page should print it, from the AOV mart:
    orders, orders with a total, revenue, AOV, 95% interval, median (every segment)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select customer_segment, order_count, orders_with_total_count, revenue, "
            "average_order_value, average_order_value_lower_95, average_order_value_upper_95, "
            "median_order_value from marts.mart_aov_by_membership_segment"
        ).fetchall()
    return {
        segment: [
            str(orders),
            str(with_total),
            cents(revenue),
            "" if aov is None else cents(aov),
            "" if low is None else f"{cents(low)} to {cents(high)}",
            "" if median is None else cents(median),
        ]
        for segment, orders, with_total, revenue, aov, low, high, median in rows
    }


def aria_fields(label: str) -> dict[str, str]:
    """Vega's aria-label of a mark, `field: value; field: value`, as a dict."""
    return dict(part.split(": ", 1) for part in label.split("; "))


def drawn_headline(page: Page) -> dict[str, tuple[int, str, str, float]]:
    """segment -> (orders, revenue label, AOV label, AOV bar width) as drawn on the page."""
    chart = page.locator(".st-key-aov_chart")
    bars = {}
    for bar in chart.locator(BAR).all():
        fields = aria_fields(bar.get_attribute("aria-label") or "")
        box = bar.bounding_box()
        assert box and box["width"] > 0, fields
        bars[fields["customer_segment"]] = (int(fields["orders"]), box["width"])
    aov_labels = {
        aria_fields(text.get_attribute("aria-label") or "")["customer_segment"]: text.text_content()
        for text in chart.locator(LABEL).all()
    }
    revenue_labels = {
        aria_fields(text.get_attribute("aria-label") or "")["customer_segment"]: text.text_content()
        for text in page.locator(".st-key-revenue_chart").locator(LABEL).all()
    }
    return {
        segment: (orders, revenue_labels.get(segment), aov_labels.get(segment), width)
        for segment, (orders, width) in bars.items()
    }


def table_rows(page: Page, key: str) -> list[list[str]]:
    rows = page.locator(f".st-key-{key} table tbody tr").all()
    return [[cell.inner_text().strip() for cell in row.locator("th, td").all()] for row in rows]


def assert_headline_equals_mart(page: Page, warehouse: Path) -> None:
    expected = mart_headline(warehouse)
    drawn = drawn_headline(page)
    assert set(drawn) == set(expected), (drawn, expected)
    for segment, (orders, revenue, aov) in expected.items():
        assert drawn[segment][:3] == (orders, revenue, aov), segment
    # The bars are drawn to scale: width / AOV is the same for every bar (to a pixel).
    scale = {s: drawn[s][3] / float(expected[s][2].replace(",", "")) for s in expected}
    widest = max(drawn, key=lambda s: drawn[s][3])
    for segment, width_per_unit in scale.items():
        value = float(expected[segment][2].replace(",", ""))
        assert abs(width_per_unit - scale[widest]) * value < 1.0, (segment, scale)
    # The table under the charts says what the mart says, segment by segment, interval too.
    table = {row[0]: row[1:7] for row in table_rows(page, "headline_table")}
    assert table == mart_table(warehouse)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture(scope="session")
def messy_project(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    return messy_built_project(tmp_path_factory)


@pytest.fixture
def warehouse_copy(built_project: BuiltProject, tmp_path: Path) -> Path:
    """A copy of the built warehouse, for one test to serve and rebuild."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(built_project.warehouse, copy)
    return copy


@pytest.fixture
def messy_copy(messy_project: BuiltProject, tmp_path: Path) -> Path:
    copy = tmp_path / "messy.duckdb"
    shutil.copy2(messy_project.warehouse, copy)
    return copy


def server_env(tmp_path: Path) -> dict[str, str]:
    # Streamlit keeps its own settings under HOME: a fresh one per server.
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**os.environ, "HOME": str(home)}


def test_headline_chart_and_numbers_equal_the_mart(
    page: Page, warehouse_copy: Path, tmp_path: Path
) -> None:
    with serve(warehouse_copy, tmp_path / "dashboard.log", server_env(tmp_path)) as served:
        open_rendered(page, served.url)
        assert_headline_equals_mart(page, warehouse_copy)
        text = page.locator("[data-testid=stMain]").inner_text()
        # How fresh: the newest landed file, as the loader's ledger has it.
        with duckdb.connect(str(warehouse_copy), read_only=True) as con:
            (newest,) = con.execute(
                "select max(landed_at) from raw.web_session_files where status = 'landed'"
            ).fetchone()
        assert f"Newest landed file: {newest:%Y-%m-%d %H:%M:%S} UTC" in text
        assert "Figures read" in text
        # Every section is drawn, none is an error.
        for key in ("over_time", "campaigns", "sessions", "funnel_chart", "lift_chart"):
            assert page.locator(f".st-key-{key} svg.marks").count() >= 1, key
        assert page.locator("[data-testid=stException]").count() == 0
        # The lift table is the lift mart's order rows: visitors, lift and its interval.
        with duckdb.connect(str(warehouse_copy), read_only=True) as con:
            lift = con.execute(
                "select campaign_id, test_visitor_count, control_visitor_count, "
                "visitors_in_both_groups_count, absolute_lift, absolute_lift_lower_95, "
                "absolute_lift_upper_95, is_significant_at_95 "
                "from marts.mart_campaign_control_group_lift where conversion_type = 'order' "
                "and absolute_lift is not null"
            ).fetchall()
        assert lift
        shown = {row[0]: row for row in table_rows(page, "lift_table")}
        for campaign, test, control, both, value, low, high, significant in lift:
            row = shown[str(campaign)]
            assert row[1:4] == [str(test), str(control), str(both)], row
            assert row[6:9] == [
                f"{value:+.2%}",
                f"{low:+.2%} to {high:+.2%}",
                "yes" if significant else "no",
            ], row
        assert len(shown) == len(lift)


def test_messy_warehouse_shows_what_the_marts_count(
    page: Page, messy_copy: Path, tmp_path: Path
) -> None:
    """Orders without a total are out of the average but in the order counts; orders without
    a time count until the page is told to leave them out; no campaigns is said, not a
    traceback."""
    with serve(messy_copy, tmp_path / "dashboard.log", server_env(tmp_path)) as served:
        open_rendered(page, served.url)
        assert_headline_equals_mart(page, messy_copy)
        with duckdb.connect(str(messy_copy), read_only=True) as con:
            dated = dict(
                con.execute(
                    "select customer_segment, count(*) from marts.fct_orders "
                    "where ordered_date is not null group by all"
                ).fetchall()
            )
            (undated,) = con.execute(
                "select count(*) from marts.fct_orders where ordered_date is null"
            ).fetchone()
        assert undated > 0
        main = page.locator("[data-testid=stMain]").inner_text()
        assert "No visit was eligible for a campaign in these dates." in main
        assert f"The {undated:,} orders without a known time are in the headline" in main

        # Leave out what has no date: the counts become those of the dated orders.
        box = page.locator('[data-testid="stCheckbox"]').filter(has_text="Include what has no date")
        assert f"{undated:,} orders" in box.inner_text()
        box.locator("label").click()
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=stMain]').innerText"
            ".includes('without a known time are in the headline')",
            timeout=30_000,
        )
        page.wait_for_selector(IDLE, state="attached")
        table = {row[0]: row for row in table_rows(page, "headline_table")}
        assert {segment: int(row[1]) for segment, row in table.items() if int(row[1])} == dated
        assert page.locator("[data-testid=stException]").count() == 0


def test_filters_change_the_figures(page: Page, warehouse_copy: Path, tmp_path: Path) -> None:
    """Taking a segment out of the filter removes its bar; the others keep the mart's figures."""
    with serve(warehouse_copy, tmp_path / "dashboard.log", server_env(tmp_path)) as served:
        open_rendered(page, served.url)
        before = drawn_headline(page)
        assert "anonymous" in before
        page.locator(
            '[data-testid="stMultiSelect"] button[aria-label="Remove anonymous"]:visible'
        ).click()
        page.wait_for_function(
            "() => ![...document.querySelectorAll('.st-key-aov_chart path[aria-label]')]"
            ".some(p => p.getAttribute('aria-label').includes('customer_segment: anonymous'))",
            timeout=30_000,
        )
        page.wait_for_selector(IDLE, state="attached")
        after = drawn_headline(page)
        assert set(after) == set(before) - {"anonymous"}
        for segment, drawn in after.items():
            assert drawn[:3] == before[segment][:3]


def test_builds_and_loads_run_while_the_dashboard_is_open(
    page: Page, warehouse_copy: Path, built_project: BuiltProject, tmp_path: Path
) -> None:
    with serve(warehouse_copy, tmp_path / "dashboard.log", server_env(tmp_path)) as served:
        open_rendered(page, served.url)
        assert_headline_equals_mart(page, warehouse_copy)
        before = mart_headline(warehouse_copy)

        # A writer holds the file: the page still opens, with the figures it read before and
        # a note saying so; nothing fails.
        writer = duckdb.connect(str(warehouse_copy))
        try:
            writer.execute("create table main.dashboard_test_writer as select 1 as x")
            open_rendered(page, served.url)
            assert BUSY_NOTE in page.locator("[data-testid=stMain]").inner_text()
            assert drawn_headline(page).keys() == before.keys()
            assert page.locator("[data-testid=stException]").count() == 0
        finally:
            writer.close()

        # With the page open in the browser, land more visits and build the marts (what
        # `make hourly` does after a pull): both need the file read-write, and both succeed.
        env = {
            **built_project.env,
            "WAREHOUSE_PATH": str(warehouse_copy),
            "LANDING_DIR": str(tmp_path / "landing"),
        }

        def run(*args: str | Path) -> None:
            result = subprocess.run(
                [sys.executable, *map(str, args)],
                cwd=built_project.project_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

        sample = tmp_path / "more"
        run("-m", "loader", "sample", "--out", sample, "--visits", "120", "--days", "1",
            "--seed", "12")  # fmt: skip
        run("-m", "loader", "ingest", sample)
        run(
            "-m", "loader.dbt_runner", "build",
            "--select", "+path:models/marts", "--exclude-resource-type", "test",
            "--exclude-resource-type", "unit_test",
            "--target-path", tmp_path / "target", "--log-path", tmp_path / "logs",
        )  # fmt: skip

        # The next page load reads the new figures.
        after = mart_headline(warehouse_copy)
        assert after != before, "the new visits changed no figure"
        open_rendered(page, served.url)
        assert_headline_equals_mart(page, warehouse_copy)
        assert BUSY_NOTE not in page.locator("[data-testid=stMain]").inner_text()


def test_missing_then_empty_warehouse_say_what_to_run(page: Page, tmp_path: Path) -> None:
    warehouse = tmp_path / "none" / "warehouse.duckdb"
    with serve(warehouse, tmp_path / "dashboard.log", server_env(tmp_path)) as served:
        alert = '[data-testid="stAlert"]'
        open_rendered(page, served.url, selector=alert)
        text = page.locator(alert).inner_text()
        assert f"No warehouse at {warehouse}" in text
        assert "make build" in text
        assert page.locator("[data-testid=stException]").count() == 0
        assert "Traceback" not in page.content()

        # The loader's first open creates the file with the raw schema only: no marts yet.
        from loader.warehouse import Warehouse

        with Warehouse(warehouse):
            pass
        open_rendered(page, served.url, selector=alert)
        text = page.locator(alert).inner_text()
        assert f"The warehouse {warehouse} has no marts yet" in text
        assert "make build" in text
        assert page.locator("[data-testid=stException]").count() == 0


def test_a_warehouse_built_without_data_says_what_to_run(
    page: Page, warehouse_copy: Path, tmp_path: Path
) -> None:
    """Marts built before anything was landed: empty tables, and a page that says so."""
    with duckdb.connect(str(warehouse_copy)) as con:
        for table in ("fct_orders", "fct_web_sessions"):
            con.execute(f"delete from marts.{table}")
    with serve(warehouse_copy, tmp_path / "dashboard.log", server_env(tmp_path)) as served:
        alert = '[data-testid="stAlert"]'
        open_rendered(page, served.url, selector=alert)
        text = page.locator(alert).inner_text()
        assert f"The warehouse {warehouse_copy} is built but holds no visits" in text
        assert "make build" in text
        assert page.locator(".st-key-headline").count() == 0


# The queries module on its own (no browser): each query against what the marts say.


@pytest.fixture
def con(built_project: BuiltProject) -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect(str(built_project.warehouse), read_only=True) as connection:
        yield connection


@pytest.fixture(params=["sample", "messy"])
def any_con(request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to each of the two warehouses in turn."""
    built = request.getfixturevalue(
        "built_project" if request.param == "sample" else "messy_project"
    )
    with duckdb.connect(str(built.warehouse), read_only=True) as connection:
        yield connection


def all_dates(con: duckdb.DuckDBPyConnection) -> queries.Filters:
    bounds = queries.date_bounds(con).iloc[0]
    segments = tuple(queries.segments(con)["customer_segment"])
    return queries.Filters(bounds["first_date"].date(), bounds["last_date"].date(), segments)


def test_headline_over_all_dates_equals_the_aov_mart(any_con: duckdb.DuckDBPyConnection) -> None:
    """Every figure of the headline, computed from fct_orders for the page's filters, equals
    the mart's when nothing is filtered out (orders of unknown date included)."""
    got = queries.aov_by_segment(any_con, all_dates(any_con))
    expected = any_con.execute(
        "select * from marts.mart_aov_by_membership_segment order by segment_sort_order"
    ).df()
    assert list(got["customer_segment"]) == list(expected["customer_segment"])
    for column in ("order_count", "orders_with_total_count", "customer_count"):
        assert list(got[column]) == list(expected[column]), column
    for column in ("revenue", "average_order_value", "median_order_value"):
        # Money to the cent as the mart has it (the page prints two decimals).
        assert [None if pd.isna(v) else cents(v) for v in got[column]] == [
            None if pd.isna(v) else cents(v) for v in expected[column]
        ], column
    for column in (
        "order_value_stddev",
        "average_order_value_lower_95",
        "average_order_value_upper_95",
        "share_of_orders",
        "share_of_revenue",
    ):
        pd.testing.assert_series_equal(
            got[column].astype(float), expected[column].astype(float), rtol=1e-9, check_names=False
        )


def test_messy_headline_counts_orders_without_a_total_or_a_date(
    messy_project: BuiltProject,
) -> None:
    """The messy warehouse breaks what the tidy sample never does: orders without a total
    (out of the average, in the counts) and orders without a date (in or out by the filter)."""
    with duckdb.connect(str(messy_project.warehouse), read_only=True) as con:
        everything = all_dates(con)
        got = queries.aov_by_segment(con, everything).set_index("customer_segment")
        short = got[got["orders_with_total_count"] < got["order_count"]]
        assert len(short) >= 1
        per_order = short["revenue"] / short["order_count"]
        assert (per_order.map(cents) != short["average_order_value"].map(cents)).any()
        dated = queries.aov_by_segment(
            con,
            queries.Filters(everything.start, everything.end, everything.segments, False),
        ).set_index("customer_segment")
        expected = dict(
            con.execute(
                "select customer_segment, count(*) from marts.fct_orders "
                "where ordered_date is not null group by all"
            ).fetchall()
        )
        assert {s: n for s, n in dated["order_count"].items() if n} == expected
        assert dated["order_count"].sum() < got["order_count"].sum()


def test_funnel_equals_fct_campaign_daily(con: duckdb.DuckDBPyConnection) -> None:
    everything = all_dates(con)
    funnel = queries.campaign_funnel(con, everything).set_index(["campaign_id", "control_group"])
    stages = [
        "eligible_visit_count",
        "shown_visit_count",
        "accepted_visit_count",
        "goal_achieved_visit_count",
        "ordered_visit_count",
    ]
    expected = (
        con.execute("select * from marts.fct_campaign_daily")
        .df()
        .groupby(["campaign_id", "control_group"])[stages]
        .sum()
    )
    assert len(expected) >= 3
    pd.testing.assert_frame_equal(funnel[stages], expected, check_dtype=False)
    # CONTROL visits are held out: never shown an engagement; stages only narrow.
    control = funnel.xs("CONTROL", level="control_group")
    assert len(control) >= 1 and (control["shown_visit_count"] == 0).all()
    narrowing = funnel[stages[:3]]
    assert (narrowing.diff(axis=1).iloc[:, 1:] <= 0).all().all(), "a later stage has more visits"
    # Day by day, the funnel adds up to the whole range's.
    days = con.execute("select distinct visit_date from marts.fct_campaign_daily").fetchall()
    by_day = sum(
        queries.campaign_funnel(
            con, queries.Filters(day, day, everything.segments, include_undated=False)
        )
        .set_index(["campaign_id", "control_group"])[stages]
        .reindex(funnel.index, fill_value=0)
        for (day,) in days
    )
    pd.testing.assert_frame_equal(by_day, funnel[stages], check_dtype=False)


def test_date_and_segment_filters_partition_the_orders(any_con: duckdb.DuckDBPyConnection) -> None:
    everything = all_dates(any_con)
    whole = queries.aov_by_segment(any_con, everything).set_index("customer_segment")
    days = any_con.execute(
        "select distinct ordered_date from marts.fct_orders where ordered_date is not null"
    ).fetchall()
    assert len(days) >= 1
    # Day by day, and the orders of no date, the orders and revenue add up to the whole's.
    parts = [
        queries.aov_by_segment(any_con, queries.Filters(day, day, everything.segments, False))
        for (day,) in days
    ]
    parts.append(
        queries.aov_by_segment(
            any_con, queries.Filters(date(2001, 1, 1), date(2001, 1, 1), everything.segments)
        )
    )
    for segment in whole.index:
        orders = sum(
            int(frame.set_index("customer_segment").loc[segment, "order_count"]) for frame in parts
        )
        assert orders == whole.loc[segment, "order_count"], segment
    # A segment filter keeps exactly the chosen segments, with the same figures.
    chosen = everything.segments[:2]
    some = queries.aov_by_segment(
        any_con, queries.Filters(everything.start, everything.end, chosen)
    ).set_index("customer_segment")
    assert tuple(some.index) == chosen
    assert (some["revenue"] == whole.loc[list(chosen), "revenue"]).all()
    # A range with no orders (and none of unknown date) gives every segment a row of zeros
    # and no average.
    empty = queries.aov_by_segment(
        any_con, queries.Filters(date(2001, 1, 1), date(2001, 1, 2), everything.segments, False)
    )
    assert (empty["order_count"] == 0).all() and empty["average_order_value"].isna().all()


def test_sessions_by_device_and_country_count_every_visit(
    any_con: duckdb.DuckDBPyConnection,
) -> None:
    sessions = queries.sessions_by_device_and_country(any_con, all_dates(any_con))
    (visits, orders) = any_con.execute(
        "select count(*), sum(order_count) from marts.fct_web_sessions"
    ).fetchone()
    assert sessions["visit_count"].sum() == visits
    assert sessions["order_count"].sum() == orders
    assert not re.search(r"\bNone\b", " ".join(sessions["country"].astype(str)))
