"""The dashboard, served as `make dashboard` serves it and used in a real browser.

The server is `python -m dashboard` on a free localhost port, on a copy of the small warehouse
conftest_build builds (so the builds here never touch the other tests' warehouse). Debian's
Chromium (/usr/bin/chromium, `make browser`) opens it through Playwright, which runs the page's
JavaScript: Streamlit draws the page over its websocket and Vega draws each chart as SVG. The
checks read what was drawn (the bars, their labels, the tables) and compare it with the marts
read straight from the DuckDB file.
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
import pytest

# Installed by `make dashboard-deps` (make test runs it): missing, the module fails to import.
from playwright.sync_api import Browser, Page, sync_playwright

from dashboard import queries
from dashboard.browser import IDLE, chromium, open_rendered, serve

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
    """segment -> (orders, revenue, AOV) from the AOV mart, for segments with orders."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select customer_segment, order_count, revenue, average_order_value "
            "from marts.mart_aov_by_membership_segment where order_count > 0"
        ).fetchall()
    return {segment: (orders, cents(revenue), cents(aov)) for segment, orders, revenue, aov in rows}


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
    # The table under the charts says the same, segment by segment, in the mart's order.
    table = {row[0]: row for row in table_rows(page, "headline_table")}
    for segment, (orders, revenue, aov) in expected.items():
        assert table[segment][1:4] == [str(orders), revenue, aov], table[segment]


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


@pytest.fixture
def warehouse_copy(built_project: BuiltProject, tmp_path: Path) -> Path:
    """A copy of the built warehouse, for one test to serve and rebuild."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy2(built_project.warehouse, copy)
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


def all_dates(con: duckdb.DuckDBPyConnection) -> queries.Filters:
    bounds = queries.date_bounds(con).iloc[0]
    segments = tuple(queries.segments(con)["customer_segment"])
    return queries.Filters(bounds["first_date"].date(), bounds["last_date"].date(), segments)


def test_funnel_converted_visits_equal_the_lift_mart(con: duckdb.DuckDBPyConnection) -> None:
    funnel = queries.campaign_funnel(con, all_dates(con)).set_index(
        ["campaign_id", "control_group"]
    )
    lift = con.execute(
        "select campaign_id, test_visit_count, control_visit_count, "
        "test_converted_visit_count, control_converted_visit_count "
        "from marts.mart_campaign_control_group_lift where conversion_type = 'order'"
    ).fetchall()
    assert lift
    for campaign, test, control, test_converted, control_converted in lift:
        assert funnel.loc[(campaign, "TEST"), "eligible_visit_count"] == test
        assert funnel.loc[(campaign, "CONTROL"), "eligible_visit_count"] == control
        assert funnel.loc[(campaign, "TEST"), "converted_visit_count"] == test_converted
        assert funnel.loc[(campaign, "CONTROL"), "converted_visit_count"] == control_converted
        # CONTROL visits are held out: never shown an engagement.
        assert funnel.loc[(campaign, "CONTROL"), "shown_visit_count"] == 0
    stages = funnel[["eligible_visit_count", "shown_visit_count", "accepted_visit_count"]]
    assert (stages.diff(axis=1).iloc[:, 1:] <= 0).all().all(), "a later stage has more visits"


def test_date_and_segment_filters_partition_the_orders(con: duckdb.DuckDBPyConnection) -> None:
    everything = all_dates(con)
    whole = queries.aov_by_segment(con, everything).set_index("customer_segment")
    days = con.execute("select distinct ordered_date from marts.fct_orders order by 1").fetchall()
    assert len(days) >= 1
    # Day by day, the orders and revenue add up to the whole range's.
    by_day = [
        queries.aov_by_segment(con, queries.Filters(day, day, everything.segments))
        for (day,) in days
    ]
    for segment in whole.index:
        orders = sum(
            int(frame.set_index("customer_segment").loc[segment, "order_count"]) for frame in by_day
        )
        assert orders == whole.loc[segment, "order_count"], segment
    # A segment filter keeps exactly the chosen segments, with the same figures.
    chosen = everything.segments[:2]
    some = queries.aov_by_segment(
        con, queries.Filters(everything.start, everything.end, chosen)
    ).set_index("customer_segment")
    assert tuple(some.index) == chosen
    assert (some["revenue"] == whole.loc[list(chosen), "revenue"]).all()
    # A range with no orders gives every segment a row of zeros and no average.
    empty = queries.aov_by_segment(
        con, queries.Filters(date(2001, 1, 1), date(2001, 1, 2), everything.segments)
    )
    assert (empty["order_count"] == 0).all() and empty["average_order_value"].isna().all()


def test_sessions_by_device_and_country_count_every_visit(con: duckdb.DuckDBPyConnection) -> None:
    sessions = queries.sessions_by_device_and_country(con, all_dates(con))
    (visits, orders) = con.execute(
        "select count(*), sum(order_count) from marts.fct_web_sessions"
    ).fetchone()
    assert sessions["visit_count"].sum() == visits
    assert sessions["order_count"].sum() == orders
    assert not re.search(r"\bNone\b", " ".join(sessions["country"].astype(str)))
