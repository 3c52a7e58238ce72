"""Every SQL query the dashboard runs, one function per query: the one place to adapt when the
marts' columns change.

Each function takes an open DuckDB connection (read-only, see dashboard.warehouse) and the
page's filters, and returns a pandas DataFrame with the columns its docstring names; the page
(dashboard.app) only draws them. Values are bound parameters, never formatted into the SQL.

The AOV follows the metric layer's rule (models/semantic, `average_order_value`): revenue over
the orders that carry a total. On data where every order has a total it is the AOV mart's
revenue / order_count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

# The tables the page reads; a warehouse without them has not been built yet.
REQUIRED_TABLES = (
    ("marts", "fct_orders"),
    ("marts", "mart_aov_by_membership_segment"),
    ("marts", "fct_web_sessions"),
    ("marts", "mart_campaign_control_group_lift"),
    ("intermediate", "int_liveperson__visit_campaigns"),
    ("intermediate", "int_liveperson__engagement_activities"),
)


@dataclass(frozen=True)
class Filters:
    """The page's filters: a date range (inclusive) and the segments shown."""

    start: date
    end: date
    segments: tuple[str, ...]


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
    marts_landed_at (the newest landing the marts were built from), last_visit_started_at,
    visit_count and order_count (in the marts)."""
    return con.execute(
        """
        select
            (select max(landed_at) from raw.web_session_files where status = 'landed')
                as newest_landed_at,
            (select max(landed_at) from marts.fct_web_sessions) as marts_landed_at,
            (select max(started_at) from marts.fct_web_sessions) as last_visit_started_at,
            (select count(*) from marts.fct_web_sessions) as visit_count,
            (select count(*) from marts.fct_orders) as order_count
        """
    ).df()


def date_bounds(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row: first_date and last_date of the visits and orders in the marts."""
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
    """The headline, per segment in display order: customer_segment, order_count,
    orders_with_total_count, revenue, average_order_value, median_order_value,
    average_order_value_lower_95 and _upper_95 (normal approximation of the mean), and
    share_of_revenue. Every selected segment has a row, with zeros when it has no orders."""
    return con.execute(
        """
        with

        orders as (
            select customer_segment, order_total
            from marts.fct_orders
            where ordered_date between $start and $end
        ),

        measured as (
            select
                segments.customer_segment,
                segments.segment_sort_order,
                count(orders.customer_segment) as order_count,
                count(orders.order_total) as orders_with_total_count,
                coalesce(sum(orders.order_total), 0) as revenue,
                sum(orders.order_total) / nullif(count(orders.order_total), 0)
                    as average_order_value,
                median(orders.order_total) as median_order_value,
                stddev_samp(orders.order_total) as order_value_stddev
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
            cast(revenue as double) as revenue,
            cast(average_order_value as double) as average_order_value,
            cast(median_order_value as double) as median_order_value,
            cast(
                average_order_value
                - 1.96 * order_value_stddev / sqrt(orders_with_total_count) as double
            ) as average_order_value_lower_95,
            cast(
                average_order_value
                + 1.96 * order_value_stddev / sqrt(orders_with_total_count) as double
            ) as average_order_value_upper_95,
            cast(revenue as double) / nullif(sum(revenue) over (), 0) as share_of_revenue
        from measured
        order by segment_sort_order
        """,
        {"start": filters.start, "end": filters.end, "segments": list(filters.segments)},
    ).df()


def orders_over_time(
    con: duckdb.DuckDBPyConnection, filters: Filters, grain: str = "day"
) -> pd.DataFrame:
    """Per period (`grain`: day, week or month, from date_trunc) and segment: period,
    customer_segment, order_count, revenue, average_order_value."""
    if grain not in {"day", "week", "month"}:
        raise ValueError(f"grain must be day, week or month, not {grain!r}")
    return con.execute(
        """
        select
            cast(date_trunc($grain, ordered_date) as date) as period,
            customer_segment,
            count(*) as order_count,
            cast(coalesce(sum(order_total), 0) as double) as revenue,
            cast(sum(order_total) / nullif(count(order_total), 0) as double)
                as average_order_value
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
    """Per campaign and control group (TEST, CONTROL, or NA for campaigns without one), over
    the visits that started in the date range: eligible_visit_count (visits assessed
    eligible), shown_visit_count (shown one of its engagements), accepted_visit_count
    (accepted one), converted_visit_count (ordered after the first assessment). Campaigns are
    not segmented: the segment filter does not apply.

    Counted by visit from the intermediate models until the marts carry a campaign-grain
    daily table; a visit counts once per campaign however many engagements it saw."""
    return con.execute(
        """
        with

        visit_campaigns as (
            select visit_id, campaign_id, control_group, has_ordered
            from intermediate.int_liveperson__visit_campaigns
            where visit_date between $start and $end
        ),

        engagement_activities as (
            select
                visit_id,
                campaign_id,
                bool_or(activity = 'show') as was_shown,
                bool_or(activity = 'accept') as has_accepted
            from intermediate.int_liveperson__engagement_activities
            where visit_date between $start and $end
            group by visit_id, campaign_id
        )

        select
            visit_campaigns.campaign_id,
            visit_campaigns.control_group,
            count(*) as eligible_visit_count,
            count(*) filter (where engagement_activities.was_shown) as shown_visit_count,
            count(*) filter (where engagement_activities.has_accepted) as accepted_visit_count,
            count(*) filter (where visit_campaigns.has_ordered) as converted_visit_count
        from visit_campaigns
        left join engagement_activities
            on
                visit_campaigns.visit_id = engagement_activities.visit_id
                and visit_campaigns.campaign_id = engagement_activities.campaign_id
        group by all
        order by visit_campaigns.campaign_id, visit_campaigns.control_group
        """,
        {"start": filters.start, "end": filters.end},
    ).df()


def control_group_lift(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """From the lift mart (all dates; the filters do not apply), order conversion per
    campaign: campaign_id, test_visit_count, control_visit_count, test_conversion_rate,
    control_conversion_rate, absolute_lift, absolute_lift_lower_95 and _upper_95 (the
    interval; the mart's is_significant_at_95 comes from a pooled test and can disagree with
    it, so the page shows the interval alone)."""
    return con.execute(
        """
        select
            campaign_id,
            test_visit_count,
            control_visit_count,
            test_conversion_rate,
            control_conversion_rate,
            absolute_lift,
            absolute_lift_lower_95,
            absolute_lift_upper_95
        from marts.mart_campaign_control_group_lift
        where conversion_type = 'order'
        order by campaign_id
        """
    ).df()


def sessions_by_device_and_country(
    con: duckdb.DuckDBPyConnection, filters: Filters
) -> pd.DataFrame:
    """Visits that started in the date range, of the selected segments (the visit's
    customer), per device_family and country: visit_count, order_count, conversion_rate
    (orders per visit). Unknown values are shown as 'unknown'."""
    return con.execute(
        """
        select
            coalesce(device_family, 'unknown') as device_family,
            coalesce(country, 'unknown') as country,
            count(*) as visit_count,
            sum(order_count) as order_count,
            cast(sum(order_count) as double) / count(*) as conversion_rate
        from marts.fct_web_sessions
        where
            started_date between $start and $end
            and list_contains($segments, customer_segment)
        group by all
        order by visit_count desc, device_family, country
        """,
        {"start": filters.start, "end": filters.end, "segments": list(filters.segments)},
    ).df()
