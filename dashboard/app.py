"""The dashboard page (Streamlit): `make dashboard` serves it.

It draws what dashboard.queries returns, read through dashboard.warehouse (read-only,
short-lived connections, re-read only when the warehouse file changed). Charts are Vega-Lite
(Altair) drawn as SVG, so their labels are text in the page.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

if __package__ in (None, ""):  # `streamlit run dashboard/app.py` runs this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import queries
from dashboard.warehouse import Reader, Reading, WarehouseUnavailable, warehouse_path

SVG = {"embedOptions": {"renderer": "svg"}}
SEGMENT_AXIS = alt.Axis(labelLimit=220, labelFontSize=12)
GROUP_COLOURS = {"TEST": "#1f6feb", "CONTROL": "#fb8500", "NA": "#8c959f"}
FUNNEL_STAGES = {
    "eligible_visit_count": "eligible",
    "shown_visit_count": "shown",
    "accepted_visit_count": "accepted",
    "ordered_visit_count": "ordered",
}


@st.cache_resource
def reader(path: str) -> Reader:
    """One Reader per warehouse for the server's life: its cache outlives page loads."""
    return Reader(Path(path))


def when(value: object) -> str:
    if value is None or pd.isna(value):
        return "none"
    if isinstance(value, datetime | pd.Timestamp):
        # Aware times (when read, file changes) carry their zone; the warehouse's are UTC.
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()
    return str(value)


def shown_path(path: Path) -> str:
    """The warehouse path, relative to the working folder when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def money(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.2f}"


def show_unavailable(problem: WarehouseUnavailable) -> None:
    st.title("LivePerson warehouse")
    st.warning(str(problem), icon=":material/database:")
    st.markdown(
        "From the repository:\n\n"
        "```sh\nmake build       # land the sample (or pull) and build the marts\n"
        "make dashboard   # then serve this page again, or just reload it\n```"
    )
    st.stop()


def overview(con) -> dict[str, pd.DataFrame]:
    return {
        "freshness": queries.freshness(con),
        "bounds": queries.date_bounds(con),
        "segments": queries.segments(con),
    }


def figures(con, filters: queries.Filters, grain: str) -> dict[str, pd.DataFrame]:
    return {
        "aov": queries.aov_by_segment(con, filters),
        "over_time": queries.orders_over_time(con, filters, grain),
        "funnel": queries.campaign_funnel(con, filters),
        "lift": queries.control_group_lift(con),
        "sessions": queries.sessions_by_device_and_country(con, filters),
    }


def show_freshness(path: Path, fresh: pd.Series, reading: Reading) -> None:
    stale = reading.signature != reading_signature_now(path)
    lines = [
        f"**Figures read** {when(reading.read_at)} from `{shown_path(path)}` "
        f"(file last changed {when(reading.signature.modified_at)}).",
        f"**Newest landed file:** {when(fresh['newest_landed_at'])} UTC · "
        f"**marts built from landings up to:** {when(fresh['marts_landed_at'])} UTC · "
        f"**last visit started:** {when(fresh['last_visit_started_at'])} UTC.",
        f"Dates are in the marts' reporting time zone (dbt var `reporting_timezone`); "
        f"amounts in `{fresh['currency']}` (dbt var `currency`).",
    ]
    st.caption("  \n".join(lines))
    newest, built = fresh["newest_landed_at"], fresh["marts_landed_at"]
    if pd.notna(newest) and pd.notna(built) and newest > built:
        st.info("Files landed after the last build: run `make dbt` to bring the marts up to date.")
    if stale:
        st.info(
            "The warehouse is being written or changed since these figures were read "
            "(a build or a load): reload the page when it has finished."
        )


def reading_signature_now(path: Path):
    try:
        return reader(str(path)).signature()
    except WarehouseUnavailable:
        return None


def headline_chart(aov: pd.DataFrame, order: list[str]) -> alt.LayerChart:
    data = aov.assign(label=aov["average_order_value"].map(money))
    # The axis shows the averages: an interval reaching beyond twice the largest (a segment
    # with two or three totals) is cut at the axis's end; the table gives its bounds.
    largest = data["average_order_value"].max()
    reach = data["average_order_value_upper_95"].max()
    if pd.isna(largest) or largest <= 0:
        largest = 1.0
    end = largest * 2 if pd.isna(reach) or reach > largest * 2 else max(reach, largest) * 1.1
    scale = alt.Scale(domain=[0, end], clamp=False, nice=False)
    base = alt.Chart(data).encode(
        y=alt.Y("customer_segment:N", sort=order, title=None, axis=SEGMENT_AXIS)
    )
    tooltip = [
        alt.Tooltip("customer_segment:N", title="segment"),
        alt.Tooltip("average_order_value:Q", title="average order value", format=",.2f"),
        alt.Tooltip("average_order_value_lower_95:Q", title="95% low", format=",.2f"),
        alt.Tooltip("average_order_value_upper_95:Q", title="95% high", format=",.2f"),
        alt.Tooltip("order_count:Q", title="orders"),
        alt.Tooltip("orders_with_total_count:Q", title="orders with a total"),
    ]
    bars = base.mark_bar(color="#1f6feb").encode(
        x=alt.X("average_order_value:Q", title="Average order value", scale=scale),
        tooltip=tooltip,
    )
    interval = base.mark_rule(color="#57606a", clip=True).encode(
        x=alt.X("average_order_value_lower_95:Q", scale=scale),
        x2="average_order_value_upper_95:Q",
    )
    # Above the interval's line, at the end of the bar.
    labels = base.mark_text(align="left", baseline="bottom", dx=4, dy=-3, fontSize=13).encode(
        x=alt.X("average_order_value:Q", scale=scale), text="label:N"
    )
    return (bars + interval + labels).properties(height=44 * len(order) + 30, usermeta=SVG)


def revenue_chart(aov: pd.DataFrame, order: list[str]) -> alt.LayerChart:
    data = aov.assign(label=aov["revenue"].map(money))
    base = alt.Chart(data).encode(
        y=alt.Y("customer_segment:N", sort=order, title=None, axis=SEGMENT_AXIS)
    )
    bars = base.mark_bar(color="#8250df").encode(x=alt.X("revenue:Q", title="Revenue"))
    labels = base.mark_text(align="left", dx=4, fontSize=13).encode(x="revenue:Q", text="label:N")
    return (bars + labels).properties(height=40 * len(order) + 30, usermeta=SVG)


def over_time_chart(data: pd.DataFrame, measure: str, title: str, order: list[str]) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title=None),
            y=alt.Y(f"{measure}:Q", title=title),
            color=alt.Color("customer_segment:N", sort=order, title="segment"),
            tooltip=["period:T", "customer_segment:N", alt.Tooltip(f"{measure}:Q", format=",.2f")],
        )
        .properties(height=260, usermeta=SVG)
    )


def funnel_chart(funnel: pd.DataFrame) -> alt.LayerChart:
    """One campaign's funnel: visits at each stage, a bar per control group."""
    long = funnel.melt(
        id_vars=["control_group"],
        value_vars=list(FUNNEL_STAGES),
        var_name="stage",
        value_name="visits",
    )
    long["stage"] = long["stage"].map(FUNNEL_STAGES)
    eligible = long[long["stage"] == "eligible"].set_index("control_group")["visits"]
    long["share"] = long["visits"] / long["control_group"].map(eligible)
    long["label"] = [
        f"{visits:,} ({share:.1%})" if stage != "eligible" else f"{visits:,}"
        for visits, share, stage in zip(long["visits"], long["share"], long["stage"], strict=True)
    ]
    groups = [g for g in GROUP_COLOURS if g in set(long["control_group"])]
    base = alt.Chart(long).encode(
        y=alt.Y("stage:N", sort=list(FUNNEL_STAGES.values()), title=None),
        yOffset=alt.YOffset("control_group:N", sort=groups),
    )
    bars = base.mark_bar().encode(
        x=alt.X("visits:Q", title="Visits"),
        color=alt.Color(
            "control_group:N",
            title="group",
            scale=alt.Scale(domain=groups, range=[GROUP_COLOURS[g] for g in groups]),
        ),
        tooltip=["control_group:N", "stage:N", "visits:Q", alt.Tooltip("share:Q", format=".1%")],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(x="visits:Q", text="label:N")
    return (bars + labels).properties(height=80 * len(FUNNEL_STAGES), usermeta=SVG)


def lift_chart(lift: pd.DataFrame) -> alt.LayerChart:
    data = lift.assign(campaign=lift["campaign_id"].astype(str))
    base = alt.Chart(data).encode(y=alt.Y("campaign:N", title="campaign"))
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X(
            "absolute_lift_lower_95:Q",
            title="Lift in order conversion (TEST - CONTROL)",
            axis=alt.Axis(format="+.0%"),
        ),
        x2="absolute_lift_upper_95:Q",
    )
    point = base.mark_point(filled=True, size=80, color="#cf222e").encode(
        x="absolute_lift:Q",
        tooltip=[
            "campaign:N",
            alt.Tooltip("absolute_lift:Q", format="+.2%"),
            alt.Tooltip("absolute_lift_lower_95:Q", format="+.2%"),
            alt.Tooltip("absolute_lift_upper_95:Q", format="+.2%"),
        ],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (interval + point + zero).properties(height=60 * len(data) + 40, usermeta=SVG)


def device_chart(sessions: pd.DataFrame) -> alt.Chart:
    devices = sessions.groupby("device_family", as_index=False)["visit_count"].sum()
    return (
        alt.Chart(devices)
        .mark_bar(color="#1a7f37")
        .encode(
            x=alt.X("visit_count:Q", title="Visits"),
            y=alt.Y("device_family:N", sort="-x", title=None),
            tooltip=["device_family:N", "visit_count:Q"],
        )
        .properties(height=200, usermeta=SVG)
    )


def country_chart(sessions: pd.DataFrame) -> alt.Chart:
    countries = (
        sessions.groupby("country", as_index=False)["visit_count"].sum().nlargest(10, "visit_count")
    )
    return (
        alt.Chart(countries)
        .mark_bar(color="#9a6700")
        .encode(
            x=alt.X("visit_count:Q", title="Visits"),
            y=alt.Y("country:N", sort="-x", title=None),
            tooltip=["country:N", "visit_count:Q"],
        )
        .properties(height=260, usermeta=SVG)
    )


def sidebar_filters(
    bounds: pd.Series, all_segments: list[str], fresh: pd.Series
) -> tuple[queries.Filters, str]:
    first, last = bounds["first_date"], bounds["last_date"]
    if pd.isna(first) or pd.isna(last):  # nothing has a date: any range will do
        first = last = date.today()
    first = first.date() if hasattr(first, "date") else first
    last = last.date() if hasattr(last, "date") else last
    st.sidebar.header("Filters")
    picked = st.sidebar.date_input(
        "Dates", value=(first, last), min_value=first, max_value=last, key="dates"
    )
    # While a range is being picked the widget holds its first day alone.
    days = picked if isinstance(picked, tuple) else (picked,)
    start, end = days[0], days[-1]
    chosen = st.sidebar.multiselect(
        "Membership segments", all_segments, default=all_segments, key="segments"
    )
    undated_orders, undated_visits = fresh["undated_order_count"], fresh["undated_visit_count"]
    include_undated = True
    if undated_orders or undated_visits:
        # No known time, hence no date: in no range, so counted (or not) by this choice.
        include_undated = st.sidebar.checkbox(
            f"Include what has no date ({undated_orders:,} orders, {undated_visits:,} visits "
            "without a known time)",
            value=True,
            key="undated",
        )
    grain = st.sidebar.radio("Orders over time by", ["day", "week", "month"], key="grain")
    st.sidebar.caption(
        "Dates apply to every chart but the lift (all dates, from the lift mart); segments to "
        "everything but the campaign charts (campaigns are not segmented). Orders are in "
        "their segment when placed; visits in their customer's segment today."
    )
    return queries.Filters(start, end, tuple(chosen or all_segments), include_undated), grain


def main() -> None:
    st.set_page_config(page_title="LivePerson warehouse", layout="wide")
    path = warehouse_path()
    warehouse = reader(str(path))
    try:
        summary, reading = warehouse.read("overview", overview)
    except WarehouseUnavailable as problem:
        show_unavailable(problem)
        return
    fresh = summary["freshness"].iloc[0]
    if not fresh["visit_count"]:
        show_unavailable(
            WarehouseUnavailable(
                f"The warehouse {path} is built but holds no visits: no data has been "
                "landed. Run `make build` (it lands the built-in sample without LivePerson "
                "credentials), or `make load` then `make dbt`."
            )
        )
        return
    all_segments = summary["segments"]["customer_segment"].tolist()
    filters, grain = sidebar_filters(summary["bounds"].iloc[0], all_segments, fresh)
    try:
        shown, reading = warehouse.read(
            ("figures", filters, grain), lambda con: figures(con, filters, grain)
        )
    except WarehouseUnavailable as problem:
        show_unavailable(problem)
        return
    order = [s for s in all_segments if s in filters.segments]

    st.title("Average order value by membership segment")
    show_freshness(path, fresh, reading)
    dates = f"{filters.start:%Y-%m-%d} to {filters.end:%Y-%m-%d}"

    aov = shown["aov"]
    with st.container(key="headline"):
        st.subheader(f"The headline: {dates}")
        # At most five cards a row: narrower ones cut their figures.
        per_row = min(len(aov), 5)
        cards = [card for start in range(0, len(aov), per_row) for card in st.columns(per_row)]
        for card, row in zip(cards, aov.itertuples(), strict=False):
            with_total = (
                f", {row.orders_with_total_count} with a total"
                if row.orders_with_total_count != row.order_count
                else ""
            )
            card.metric(
                row.customer_segment,
                money(row.average_order_value) or "none",
                f"{row.order_count} orders{with_total}",
                delta_color="off",
                delta_arrow="off",
                border=True,
            )
        left, right = st.columns(2)
        with left:
            st.markdown("**Average order value** (bar) with its 95% interval (line)")
            with st.container(key="aov_chart"):
                st.altair_chart(headline_chart(aov, order), width="stretch")
        with right:
            st.markdown("**Revenue**")
            with st.container(key="revenue_chart"):
                st.altair_chart(revenue_chart(aov, order), width="stretch")
        table = pd.DataFrame(
            {
                "segment": aov["customer_segment"],
                "orders": aov["order_count"].astype(int),
                "orders with a total": aov["orders_with_total_count"].astype(int),
                "revenue": aov["revenue"].map(money),
                "average order value": aov["average_order_value"].map(money),
                "95% interval": [
                    f"{money(low)} to {money(high)}" if pd.notna(low) else ""
                    for low, high in zip(
                        aov["average_order_value_lower_95"],
                        aov["average_order_value_upper_95"],
                        strict=True,
                    )
                ],
                "median order value": aov["median_order_value"].map(money),
                "share of revenue": aov["share_of_revenue"].map(
                    lambda v: "" if pd.isna(v) else f"{v:.1%}"
                ),
            }
        )
        with st.container(key="headline_table"):
            st.table(table, hide_index=True)
        st.caption(
            "Segment: the buyer's membership segment when the order was placed (a member's "
            "order before member_since is a non-member's). Average order value = revenue / "
            "orders that carry a total, to the cent (as `marts.mart_aov_by_membership_segment` "
            "and the metric `average_order_value`); the median is of the known totals. The "
            "95% interval of the mean is Student's t: a segment with few orders has a wide "
            "one, and below two totals none."
        )

    with st.container(key="over_time"):
        st.subheader(f"Orders and average order value by {grain}")
        left, right = st.columns(2)
        over_time = shown["over_time"]
        with left:
            st.altair_chart(
                over_time_chart(over_time, "order_count", "Orders", order), width="stretch"
            )
        with right:
            st.altair_chart(
                over_time_chart(over_time, "average_order_value", "Average order value", order),
                width="stretch",
            )
        if filters.include_undated and fresh["undated_order_count"]:
            st.caption(
                f"The {fresh['undated_order_count']:,} orders without a known time are in the "
                "headline but on no day here."
            )

    with st.container(key="campaigns"):
        st.subheader("Campaigns: funnel and control-group lift")
        funnel = shown["funnel"]
        if funnel.empty:
            st.info("No visit was eligible for a campaign in these dates.")
        else:
            campaigns = funnel.groupby("campaign_id")["eligible_visit_count"].sum()
            tested = set(funnel.loc[funnel["control_group"] == "CONTROL", "campaign_id"])
            # Campaigns with a control group first, then by eligible visits.
            choices = sorted(campaigns.index, key=lambda c: (c not in tested, -campaigns[c]))
            campaign = st.selectbox("Campaign", choices, format_func=str, key="campaign")
            st.markdown(
                f"**Funnel** of campaign {campaign} ({dates}, `marts.fct_campaign_daily`): "
                "visits eligible for it, shown one of its engagements, accepted one, and "
                "ordered (from the first assessment on), by control group; in brackets the "
                "share of the eligible. CONTROL visits are never shown an engagement."
            )
            with st.container(key="funnel_chart"):
                st.altair_chart(
                    funnel_chart(funnel[funnel["campaign_id"] == campaign]), width="stretch"
                )
        lift = shown["lift"].dropna(subset=["absolute_lift"])
        if lift.empty:
            st.info("No campaign has both TEST and CONTROL visitors.")
        else:
            st.markdown(
                "**Control-group lift** (all dates, `marts.mart_campaign_control_group_lift`): "
                "TEST minus CONTROL order conversion of the campaign's visitors (each in the "
                "group of their first assessment), with its 95% interval. An interval "
                "crossing zero is no evidence of an effect."
            )
            with st.container(key="lift_chart"):
                st.altair_chart(lift_chart(lift), width="stretch")
            with st.container(key="lift_table"):
                st.table(
                    pd.DataFrame(
                        {
                            "campaign": lift["campaign_id"].astype(str),
                            "TEST visitors": lift["test_visitor_count"],
                            "CONTROL visitors": lift["control_visitor_count"],
                            "in both groups": lift["visitors_in_both_groups_count"],
                            "TEST conversion": lift["test_conversion_rate"].map("{:.2%}".format),
                            "CONTROL conversion": lift["control_conversion_rate"].map(
                                "{:.2%}".format
                            ),
                            "lift": lift["absolute_lift"].map("{:+.2%}".format),
                            "95% interval": [
                                f"{low:+.2%} to {high:+.2%}"
                                for low, high in zip(
                                    lift["absolute_lift_lower_95"],
                                    lift["absolute_lift_upper_95"],
                                    strict=True,
                                )
                            ],
                            "significant at 95%": lift["is_significant_at_95"].map(
                                {True: "yes", False: "no"}
                            ),
                        }
                    ),
                    hide_index=True,
                )

    with st.container(key="sessions"):
        st.subheader(f"Visits by device and country: {dates}")
        sessions = shown["sessions"]
        if sessions.empty:
            st.info("No visits in these dates and segments.")
        else:
            left, right = st.columns(2)
            with left:
                st.altair_chart(device_chart(sessions), width="stretch")
            with right:
                st.altair_chart(country_chart(sessions), width="stretch")


# Streamlit runs this file as __main__ on every page load and interaction.
if __name__ == "__main__":
    main()
