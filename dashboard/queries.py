"""Every SQL query the dashboard runs, one function per query: the one place to adapt when the
marts' columns change.

Each function takes an open DuckDB connection (read-only, see dashboard.warehouse) and the
page's filters, and returns a pandas DataFrame with the columns its docstring names; the page
(dashboard.app) only draws them. Values are bound parameters, never formatted into the SQL.

The headline follows marts.mart_aov_by_membership_segment's rules (and the metric layer's,
models/semantic): segments at order time, average order value = revenue / the orders that
carry a total, to the cent half away from zero, the median of the known totals, and the 95%
interval of the mean by Student's t. Over all dates and segments it equals the mart; the page
computes it from fct_orders so that the date filter applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
from scipy.stats import t as student_t

# The tables the page reads; a warehouse without them has not been built yet.
REQUIRED_TABLES = (
    ("marts", "fct_orders"),
    ("marts", "mart_aov_by_membership_segment"),
    ("marts", "fct_web_sessions"),
    ("marts", "fct_campaign_daily"),
    ("marts", "mart_campaign_control_group_lift"),
)


@dataclass(frozen=True)
class Filters:
    """The page's filters: a date range (inclusive, in the marts' reporting time zone), the
    segments shown, and whether orders and visits of unknown date (no known time) count."""

    start: date
    end: date
    segments: tuple[str, ...]
    include_undated: bool = True

    def params(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "segments": list(self.segments),
            "include_undated": self.include_undated,
        }


def missing_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The REQUIRED_TABLES that are not in the warehouse, as schema.table."""
    present = set(
        con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    )
    return [
        f"{schema}.{table}" for schema, table in REQUIRED_TABLES if (schema, table) not in present
    ]


def freshness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: newest_landed_at (the newest file the loader landed, raw ledger),
    marts_landed_at (the newest landing the marts were built from: fct_web_sessions'
    changed_at), last_visit_started_at, visit_count and order_count (in the marts),
    undated_visit_count and undated_order_count (without a known time, hence without a date),
    and currency (the amounts' label, the dbt var `currency`)."""
    return con.execute(
        """
        select
            (select max(landed_at) from raw.web_session_files where status = 'landed')
                as newest_landed_at,
            (select max(changed_at) from marts.fct_web_sessions) as marts_landed_at,
            (select max(started_at) from marts.fct_web_sessions) as last_visit_started_at,
            (select count(*) from marts.fct_web_sessions) as visit_count,
            (select count(*) from marts.fct_orders) as order_count,
            (select count(*) from marts.fct_web_sessions where started_date is null)
                as undated_visit_count,
            (select count(*) from marts.fct_orders where ordered_date is null)
                as undated_order_count,
            (select max(currency) from marts.mart_aov_by_membership_segment) as currency
        """
    ).df()


def date_bounds(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: first_date and last_date of the visits and orders in the marts (null when
    none has a date)."""
    return con.execute(
        """
        select
            least(
                (select min(started_date) from marts.fct_web_sessions),
                (select min(ordered_date) from marts.fct_orders)
            ) as first_date,
            greatest(
                (select max(started_date) from marts.fct_web_sessions),
                (select max(ordered_date) from marts.fct_orders)
            ) as last_date
        """
    ).df()


def segments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """customer_segment, in the AOV mart's display order (tiers highest first)."""
    return con.execute(
        """
        select customer_segment
        from marts.mart_aov_by_membership_segment
        order by segment_sort_order
        """
    ).df()


def aov_by_segment(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """The headline, per segment at order time in display order: customer_segment,
    order_count, orders_with_total_count, customer_count, revenue, average_order_value
    (revenue / orders_with_total_count, to the cent half away from zero), median_order_value
    (of the known totals, to the cent), order_value_stddev, average_order_value_lower_95 and
    _upper_95 (the unrounded mean +- Student's t(0.975, n - 1) standard errors; null below
    two totals), share_of_orders and share_of_revenue (of the segments shown). Every selected
    segment has a row, with zeros when it has no orders."""
    frame = con.execute(
        """
        with

        orders as (
            select customer_segment, customer_id, order_total, has_order_total
            from marts.fct_orders
            where
                ordered_date between $start and $end
                or ($include_undated and ordered_date is null)
        ),

        measured as (
            select
                segments.customer_segment,
                segments.segment_sort_order,
                count(orders.customer_segment) as order_count,
                count(*) filter (where orders.has_order_total) as orders_with_total_count,
                count(distinct orders.customer_id) as customer_count,
                coalesce(sum(orders.order_total), 0) as revenue,
                avg(cast(orders.order_total as double)) as mean_order_total,
                stddev_samp(cast(orders.order_total as double)) as order_value_stddev,
                percentile_cont(0.5) within group (order by orders.order_total)
                    as median_order_total
            from marts.mart_aov_by_membership_segment as segments
            left join orders
                on segments.customer_segment = orders.customer_segment
            where list_contains($segments, segments.customer_segment)
            group by segments.customer_segment, segments.segment_sort_order
        )

        select
            customer_segment,
            order_count,
            orders_with_total_count,
            customer_count,
            cast(revenue as double) as revenue,
            -- Exact cents, half away from zero, as the mart: whole ten-thousandths divided
            -- as integers (dividing decimals gives a double, which can miss a cent).
            cast(
                case when orders_with_total_count > 0 then
                    (cast(revenue * 10000 as hugeint) + 50 * orders_with_total_count)
                    // (100 * orders_with_total_count)
                end as double
            ) / 100 as average_order_value,
            cast(round(median_order_total, 2) as double) as median_order_value,
            mean_order_total,
            order_value_stddev,
            cast(order_count as double) / nullif(sum(order_count) over (), 0)
                as share_of_orders,
            cast(revenue as double) / nullif(sum(revenue) over (), 0) as share_of_revenue
        from measured
        order by segment_sort_order
        """,
        filters.params(),
    ).df()
    n = frame["orders_with_total_count"]
    margin = pd.Series(
        [
            student_t.ppf(0.975, count - 1) * stddev / count**0.5 if count >= 2 else None
            for count, stddev in zip(n, frame["order_value_stddev"], strict=True)
        ],
        index=frame.index,
        dtype="float64",
    )
    frame["average_order_value_lower_95"] = frame["mean_order_total"] - margin
    frame["average_order_value_upper_95"] = frame["mean_order_total"] + margin
    return frame.drop(columns="mean_order_total")


def orders_over_time(
    con: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "day"
) -> pd.DataFrame:
    """Per period (`grain`: day, week or month, from date_trunc) and segment at order time:
    period, customer_segment, order_count, revenue, average_order_value (revenue / orders
    with a total). Orders without a date have no period and are not here."""
    if grain not in {"day", "week", "month"}:
        raise ValueError(f"grain must be day, week or month, not {grain!r}")
    return con.execute(
        """
        select
            cast(date_trunc($grain, ordered_date) as date) as period,
            customer_segment,
            count(*) as order_count,
            cast(coalesce(sum(order_total), 0) as double) as revenue,
            cast(sum(order_total) as double)
            / nullif(count(*) filter (where has_order_total), 0) as average_order_value
        from marts.fct_orders
        where
            ordered_date between $start and $end
            and list_contains($segments, customer_segment)
        group by all
        order by period, customer_segment
        """,
        {
            "grain": grain,
            "start": filters.start,
            "end": filters.end,
            "segments": list(filters.segments),
        },
    ).df()


def campaign_funnel(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """From marts.fct_campaign_daily, per campaign and control group (TEST, CONTROL, or NA for
    campaigns without one), over the visits that started in the date range:
    eligible_visit_count (visits assessed eligible), shown_visit_count (shown one of its
    engagements), accepted_visit_count (accepted one), goal_achieved_visit_count and
    ordered_visit_count (achieved a goal, ordered, from the first assessment on). A visit
    counts once per campaign. Campaigns are not segmented: the segment filter does not
    apply."""
    return con.execute(
        """
        select
            campaign_id,
            control_group,
            cast(sum(eligible_visit_count) as bigint) as eligible_visit_count,
            cast(sum(shown_visit_count) as bigint) as shown_visit_count,
            cast(sum(accepted_visit_count) as bigint) as accepted_visit_count,
            cast(sum(goal_achieved_visit_count) as bigint) as goal_achieved_visit_count,
            cast(sum(ordered_visit_count) as bigint) as ordered_visit_count
        from marts.fct_campaign_daily
        where
            visit_date between $start and $end
            or ($include_undated and visit_date is null)
        group by all
        order by campaign_id, control_group
        """,
        {"start": filters.start, "end": filters.end, "include_undated": filters.include_undated},
    ).df()


def control_group_lift(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """From the lift mart (all dates; the filters do not apply), order conversion per
    campaign with the visitor as the unit: campaign_id, test_visitor_count,
    control_visitor_count, visitors_in_both_groups_count, test_conversion_rate,
    control_conversion_rate, absolute_lift, absolute_lift_lower_95 and _upper_95 (its 95%
    interval), is_significant_at_95."""
    return con.execute(
        """
        select
            campaign_id,
            test_visitor_count,
            control_visitor_count,
            visitors_in_both_groups_count,
            test_conversion_rate,
            control_conversion_rate,
            absolute_lift,
            absolute_lift_lower_95,
            absolute_lift_upper_95,
            is_significant_at_95
        from marts.mart_campaign_control_group_lift
        where conversion_type = 'order'
        order by campaign_id
        """
    ).df()


def sessions_by_device_and_country(
    con: duckdb.DuckDBPyConnection, filters: Filters
) -> pd.DataFrame:
    """Visits that started in the date range, of the selected segments (the segment of the
    visit's customer today: fct_web_sessions has no segment at visit time), per
    device_family and country: visit_count, order_count, conversion_rate (orders per visit).
    Unknown values are shown as 'unknown'."""
    return con.execute(
        """
        select
            coalesce(device_family, 'unknown') as device_family,
            coalesce(country, 'unknown') as country,
            count(*) as visit_count,
            cast(sum(order_count) as bigint) as order_count,
            cast(sum(order_count) as double) / count(*) as conversion_rate
        from marts.fct_web_sessions
        where
            (
                started_date between $start and $end
                or ($include_undated and started_date is null)
            )
            and list_contains($segments, current_customer_segment)
        group by all
        order by visit_count desc, device_family, country
        """,
        filters.params(),
    ).df()
