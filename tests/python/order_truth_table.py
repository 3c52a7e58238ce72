"""The truth table of the order rules: hand-written visits and the orders they must give.

Every row is one case of the specification ("Order and AOV rules", issue 13): a few visits
written by hand (Python dicts, landed as JSON lines in the files and runs given), the
membership rows it needs, and the orders expected, worked out by hand from the text (never
computed by the reference). `test_order_reference.py` checks the reference against every row;
`test_order_reference_against_dbt.py` lands all rows together and checks dbt's fct_orders
against the same expectations. The docs turn the rows' descriptions into their table of rules.

Conventions: row `tNN` uses visit ids `tNN-...`, order ids `TNN-...`, customer ids
`cust-NN...`, so rows never meet. Times are minutes after T0 = 2026-02-20T12:00:00Z (07:00
in New York: the same date). The whole table uses reporting_timezone America/New_York,
membership_tiers premium, gold, standard (the default) and currency EUR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from loader.messy_sample import (
    MISSING,
    NS,
    PGP_TEXT,
    Bare,
    achieved_goal,
    attributes,
    cart,
    customer_info,
    event,
    fields,
    goals,
    gzip_lines,
    membership_csv,
    navigation,
    other_body,
    purchase,
    purchase_goal,
    raw,
    to_json,
    visit,
)

T0 = 1_771_588_800_000  # 2026-02-20T12:00:00Z in epoch milliseconds
REPORTING_TIMEZONE = "America/New_York"
CURRENCY = "EUR"
MEMBERSHIP_TIERS = ("premium", "gold", "standard")
ANON, NON_MEMBER = "anonymous", "identified non-member"


def at(minutes: float) -> int:
    """Epoch milliseconds, `minutes` after T0."""
    return T0 + round(minutes * 60_000)


def clock(minutes: float) -> str:
    """The same moment as fct_orders.ordered_at holds it (naive UTC), in ISO text."""
    seconds = round(minutes * 60)
    return f"2026-02-20T{12 + seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@dataclass(frozen=True)
class Order:
    """An expected order: id, order_total (4 places, or None), customer_segment, visit_id;
    `also` holds other fct_orders columns this row checks (ordered_at as ISO text)."""

    order_id: str
    total: str | None
    segment: str
    visit_id: str
    also: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One case: its visits in files landed run by run, memberships, expected orders."""

    prefix: str
    description: str
    runs: list[list[tuple[int, list]]]  # runs of (file label, records or JSON lines)
    orders: list[Order]
    members: list[tuple[str, str, str]] = field(default_factory=list)


def one_file(*records: dict | str) -> list[list[tuple[int, list]]]:
    """One file, landed in one run."""
    return [[(0, list(records))]]


def single(prefix: str, *bodies, start: object = MISSING, **options) -> dict:
    """Visit `<prefix>-v1` of visitor `<prefix>-p1`, starting at T0."""
    start = at(0) if start is MISSING else start
    return visit(f"{prefix}-v1", f"{prefix}-p1", start=start, bodies=bodies, **options)


def buy(order_id: object = MISSING, total: object = MISSING, minute: float | None = 1, **kw):
    """A purchase attribute at `minute` (None: no timestamp)."""
    return purchase(order_id, total, timestamp=MISSING if minute is None else at(minute), **kw)


def goal(order_id: object = MISSING, total: object = MISSING, minute: float | None = 2, **kw):
    """A purchase goal at `minute` (None: no timestamp)."""
    when = MISSING if minute is None else at(minute)
    return purchase_goal(order_id, total, timestamp=when, **kw)


def status(total: object = MISSING, items: object = MISSING) -> dict:
    """A cart status (PurchaseMetadata.cartStatus)."""
    return cart(total, items, type_name=NS + "CartStatus")


def lead(minute: float = 0) -> dict:
    """An engagement-attribute event that is not an order report."""
    return event(NS + "Lead", {}, at(minute))


BOTH = {"is_reported_as_purchase_attribute": True, "is_reported_as_purchase_goal": True}

# fmt: off
ROWS: list[Row] = [
    # --- One report ------------------------------------------------------------------------
    Row("t01", "A purchase attribute with an order id and a total is one order of that total.",
        one_file(single("t01", attributes(buy("T01-A", 50)))),
        [Order("T01-A", "50.0000", ANON, "t01-v1", {
            "order_total_source": "purchase_total", "report_count": 1,
            "has_reported_order_id": True, "is_reported_as_purchase_attribute": True,
            "is_reported_as_purchase_goal": False, "ordered_at": clock(1),
            "identity_source": "anonymous", "visitor_id": "t01-p1", "customer_id": None,
            "current_customer_segment": ANON})]),
    Row("t02", "A purchase goal with an order id and a total is one order of that total.",
        one_file(single("t02", goals(goal("T02-A", 60)))),
        [Order("T02-A", "60.0000", ANON, "t02-v1", {
            "order_total_source": "goal_total", "is_reported_as_purchase_attribute": False,
            "is_reported_as_purchase_goal": True, "ordered_at": clock(2)})]),
    Row("t03", "A purchase attribute without a total takes its cart's total (cart fallback).",
        one_file(single("t03", attributes(buy("T03-A", cart=cart(45.5, 3))))),
        [Order("T03-A", "45.5000", ANON, "t03-v1",
               {"order_total_source": "purchase_cart_total", "item_count": 3})]),
    Row("t04", "A purchase goal without a total takes its cart status's total.",
        one_file(single("t04", goals(goal("T04-A", cart_status=status(30, 2))))),
        [Order("T04-A", "30.0000", ANON, "t04-v1",
               {"order_total_source": "goal_cart_total", "item_count": 2})]),
    Row("t05", "A purchase with neither a total nor a cart total is an order without a total.",
        one_file(single("t05", attributes(buy("T05-A")))),
        [Order("T05-A", None, ANON, "t05-v1", {
            "has_order_total": False, "order_total_source": None, "item_count": None})]),

    # --- The findings of issue 13 ------------------------------------------------------------
    Row("t06", "Finding 1: a purchase without a total beside a purchase goal with one (same "
               "order id) is one order with the goal's total.",
        one_file(single("t06", attributes(buy("T06-A")), goals(goal("T06-A", 75)))),
        [Order("T06-A", "75.0000", ANON, "t06-v1",
               {"order_total_source": "goal_total", "report_count": 2, **BOTH})]),
    Row("t07", "Finding 2: a purchase with an order id and a purchase goal without one, same "
               "total, same visit, are one order.",
        one_file(single("t07", attributes(buy("T07-A", 80)), goals(goal(total=80)))),
        [Order("T07-A", "80.0000", ANON, "t07-v1",
               {"order_total_source": "purchase_total", "report_count": 2, **BOTH})]),
    Row("t08", "Finding 3: two purchases without ids in one visit, 50 then 70, are two orders.",
        one_file(single("t08", attributes(buy(total=50, minute=1), buy(total=70, minute=2)))),
        [Order("unidentified:t08-v1:1", "50.0000", ANON, "t08-v1",
               {"has_reported_order_id": False, "report_count": 1}),
         Order("unidentified:t08-v1:2", "70.0000", ANON, "t08-v1",
               {"has_reported_order_id": False, "report_count": 1})]),
    Row("t09", "Finding 4: unions under their short names (body, header, Purchase, Cart) are "
               "unwrapped like full names, also on the first body.",
        one_file(single("t09", attributes(
            buy("T09-A", 55, cart=cart(55, 1, type_name="Cart"), type_name="Purchase"),
            type_name="WebSessionEngAttrsData"), header_type="VisitorHeader")),
        [Order("T09-A", "55.0000", ANON, "t09-v1", {"item_count": 1})]),
    Row("t10", "Finding 5: a visit whose metaData.startTime is 1e400 keeps its orders; its start "
               "is unknown, so it gets no customer from the visitor's earlier visit (a later "
               "visit with a known start still does).",
        one_file(
            visit("t10-v1", "t10-p1", start=at(0),
                  bodies=[attributes(customer_info("cust-10", at(0)))]),
            visit("t10-v2", "t10-p1", start=raw("1e400"),
                  bodies=[attributes(buy("T10-A", 42, minute=30))]),
            visit("t10-v3", "t10-p1", start=at(60),
                  bodies=[attributes(buy("T10-B", 43, minute=61))])),
        [Order("T10-A", "42.0000", ANON, "t10-v2",
               {"identity_source": "anonymous", "customer_id": None}),
         Order("T10-B", "43.0000", "gold", "t10-v3",
               {"identity_source": "earlier_visit", "customer_id": "cust-10"})],
        [("cust-10", "gold", "2020-01-01")]),

    # --- Reports without order ids -----------------------------------------------------------
    Row("t11", "An id-less purchase attribute and an id-less purchase goal of the same amount "
               "in one visit are one order.",
        one_file(single("t11", attributes(buy(total=33)), goals(goal(total=33)))),
        [Order("unidentified:t11-v1:1", "33.0000", ANON, "t11-v1",
               {"report_count": 2, "order_total_source": "purchase_total", **BOTH})]),
    Row("t12", "An id-less report sent twice is one order.",
        one_file(single("t12", attributes(buy(total=12), buy(total=12)))),
        [Order("unidentified:t12-v1:1", "12.0000", ANON, "t12-v1", {"report_count": 2})]),
    Row("t13", "Id-less reports without any amount are one order of unknown amount.",
        one_file(single("t13", attributes(buy()), goals(goal()))),
        [Order("unidentified:t13-v1:1", None, ANON, "t13-v1",
               {"report_count": 2, "has_order_total": False})]),
    Row("t14", "An id-less report without an amount joins the visit's only id-less order "
               "with one.",
        one_file(single("t14", attributes(buy(total=50)), goals(goal()))),
        [Order("unidentified:t14-v1:1", "50.0000", ANON, "t14-v1",
               {"report_count": 2, **BOTH})]),
    Row("t15", "With two id-less amounts (50, 70), the id-less reports without an amount form "
               "a third order; the visit's orders are numbered by their earliest report.",
        one_file(single("t15",
                        attributes(buy(total=50, minute=2), buy(total=70, minute=3)),
                        goals(goal(minute=1), goal(minute=4)))),
        [Order("unidentified:t15-v1:1", None, ANON, "t15-v1",
               {"report_count": 2, "ordered_at": clock(1)}),
         Order("unidentified:t15-v1:2", "50.0000", ANON, "t15-v1"),
         Order("unidentified:t15-v1:3", "70.0000", ANON, "t15-v1")]),
    Row("t16", "One order id reported in two visits is one order, in the visit of its earliest "
               "report (not the visit that started first).",
        one_file(
            visit("t16-v1", "t16-p1", start=at(0), bodies=[attributes(buy("T16-A", 20, 15))]),
            visit("t16-v2", "t16-p1", start=at(10), bodies=[goals(goal("T16-A", 20, 12))])),
        [Order("T16-A", "20.0000", ANON, "t16-v2", {
            "report_count": 2, "ordered_at": clock(12), "order_total_source": "purchase_total",
            **BOTH})]),
    Row("t17", "One order id sent twice in a visit is one order of two reports.",
        one_file(single("t17", attributes(buy("T17-A", 25, 1), buy("T17-A", 25, 3)))),
        [Order("T17-A", "25.0000", ANON, "t17-v1",
               {"report_count": 2, "ordered_at": clock(1)})]),
    Row("t18", "An id-less report whose amount differs from the visit's only identified order "
               "is an order of its own.",
        one_file(single("t18", attributes(buy("T18-A", 100)), goals(goal(total=90)))),
        [Order("T18-A", "100.0000", ANON, "t18-v1", {"report_count": 1}),
         Order("unidentified:t18-v1:1", "90.0000", ANON, "t18-v1", {"report_count": 1})]),
    Row("t19", "An id-less report joins the visit's only identified order when that order has "
               "no amount, and gives it its total.",
        one_file(single("t19", attributes(buy("T19-A")), goals(goal(total=90)))),
        [Order("T19-A", "90.0000", ANON, "t19-v1",
               {"report_count": 2, "order_total_source": "goal_total"})]),
    Row("t20", "An id-less report without an amount joins the visit's only identified order.",
        one_file(single("t20", attributes(buy("T20-A", 15, 2)), goals(goal(minute=1)))),
        [Order("T20-A", "15.0000", ANON, "t20-v1",
               {"report_count": 2, "ordered_at": clock(1)})]),
    Row("t21", "With two identified orders in the visit, an id-less report joins the one of "
               "equal amount.",
        one_file(single("t21", attributes(buy("T21-A", 10, 1), buy("T21-B", 20, 2)),
                        goals(goal(total=20, minute=3)))),
        [Order("T21-A", "10.0000", ANON, "t21-v1", {"report_count": 1}),
         Order("T21-B", "20.0000", ANON, "t21-v1", {"report_count": 2})]),
    Row("t22", "With two identified orders of the same amount, an id-less report of that "
               "amount joins neither: it is an order of its own.",
        one_file(single("t22", attributes(buy("T22-A", 10), buy("T22-B", 10)),
                        goals(goal(total=10)))),
        [Order("T22-A", "10.0000", ANON, "t22-v1", {"report_count": 1}),
         Order("T22-B", "10.0000", ANON, "t22-v1", {"report_count": 1}),
         Order("unidentified:t22-v1:1", "10.0000", ANON, "t22-v1", {"report_count": 1})]),
    Row("t23", "With two identified orders, an id-less report without an amount joins neither.",
        one_file(single("t23", attributes(buy("T23-A", 10), buy("T23-B", 20)), goals(goal()))),
        [Order("T23-A", "10.0000", ANON, "t23-v1"),
         Order("T23-B", "20.0000", ANON, "t23-v1"),
         Order("unidentified:t23-v1:1", None, ANON, "t23-v1")]),
    Row("t24", "The amount of an identified order, which id-less reports are matched against, "
               "comes from its reports in every visit.",
        one_file(
            visit("t24-v1", "t24-p1", start=at(0), bodies=[attributes(buy("T24-A", 30, 1))]),
            visit("t24-v2", "t24-p1", start=at(10), bodies=[
                goals(goal("T24-A", minute=11)), attributes(buy(total=35, minute=12))])),
        [Order("T24-A", "30.0000", ANON, "t24-v1", {"report_count": 2}),
         Order("unidentified:t24-v2:1", "35.0000", ANON, "t24-v2", {"report_count": 1})]),

    Row("t66", "The cart fallback gives an id-less report its amount: a cart total of 40 makes "
               "it the same order as an id-less total of 40 (not an order of unknown amount).",
        one_file(single("t66", attributes(buy(total=40, minute=1), buy(total=70, minute=2),
                                          buy(cart=cart(40), minute=3)))),
        [Order("unidentified:t66-v1:1", "40.0000", ANON, "t66-v1", {"report_count": 2}),
         Order("unidentified:t66-v1:2", "70.0000", ANON, "t66-v1", {"report_count": 1})]),
    Row("t67", "An id-less report whose cart total differs from the visit's only identified "
               "order is an order of its own.",
        one_file(single("t67", attributes(buy("T67-A", 40, 1)),
                        goals(goal(cart_status=status(45), minute=2)))),
        [Order("T67-A", "40.0000", ANON, "t67-v1", {"report_count": 1}),
         Order("unidentified:t67-v1:1", "45.0000", ANON, "t67-v1",
               {"order_total_source": "goal_cart_total"})]),

    # --- What an order is ----------------------------------------------------------------------
    Row("t25", "A purchase attribute's total wins over a purchase goal's, even an earlier "
               "goal's.",
        one_file(single("t25", attributes(buy("T25-A", 10, 2)), goals(goal("T25-A", 12, 1)))),
        [Order("T25-A", "10.0000", ANON, "t25-v1",
               {"order_total_source": "purchase_total", "ordered_at": clock(1)})]),
    Row("t26", "Among purchase attributes the earliest total wins; a report with an unknown "
               "time is later than any known time.",
        one_file(single("t26", attributes(buy("T26-A", 11, None), buy("T26-A", 13, 5)))),
        [Order("T26-A", "13.0000", ANON, "t26-v1",
               {"ordered_at": clock(5), "report_count": 2})]),
    Row("t27", "A purchase goal's total wins over a purchase attribute's cart total.",
        one_file(single("t27", attributes(buy("T27-A", cart=cart(40, 4))),
                        goals(goal("T27-A", 41)))),
        [Order("T27-A", "41.0000", ANON, "t27-v1",
               {"order_total_source": "goal_total", "item_count": 4})]),
    Row("t28", "A purchase attribute's cart total wins over a purchase goal's cart-status total.",
        one_file(single("t28", attributes(buy("T28-A", cart=cart(40))),
                        goals(goal("T28-A", cart_status=status(41))))),
        [Order("T28-A", "40.0000", ANON, "t28-v1",
               {"order_total_source": "purchase_cart_total"})]),
    Row("t29", "The item count is the first valid numItems (0 to 2147483647), attribute carts "
               "before goal cart statuses.",
        one_file(single("t29",
                        attributes(buy("T29-A", 10, 1, cart=cart(num_items=-1)),
                                   buy("T29-A", 10, 2, cart=cart(num_items=2_147_483_648))),
                        goals(goal("T29-A", minute=0, cart_status=status(items=5))))),
        [Order("T29-A", "10.0000", ANON, "t29-v1", {"item_count": 5, "report_count": 3})]),

    # --- Values --------------------------------------------------------------------------------
    Row("t30", "Order ids are trimmed of spaces, tabs, CR and LF; an id of blanks only is no "
               "id.",
        one_file(single("t30", attributes(buy(" T30-A\t", 10, 1), buy("T30-A\r\n", 10, 2),
                                          buy(" \t\n", 20, 3)))),
        [Order("T30-A", "10.0000", ANON, "t30-v1", {"report_count": 2}),
         Order("unidentified:t30-v1:1", "20.0000", ANON, "t30-v1")]),
    Row("t31", "Order ids are compared case-sensitively: t31-a and T31-A are two orders.",
        one_file(single("t31", attributes(buy("t31-a", 5), buy("T31-A", 6)))),
        [Order("t31-a", "5.0000", ANON, "t31-v1"),
         Order("T31-A", "6.0000", ANON, "t31-v1")]),
    Row("t32", 'An order id sent under another branch ({"long": 3132}) is its text, 3132.',
        one_file(single("t32", attributes(buy({"long": 3132}, 7)))),
        [Order("3132", "7.0000", ANON, "t32-v1")]),
    Row("t33", 'Money under any branch name is read: {"long": 50}, {"int": 51}, '
               '{"string": "52.5"}, {"com.example.Money": 53}.',
        one_file(single("t33", attributes(
            buy("T33-A", {"long": 50}), buy("T33-B", {"int": 51}),
            buy("T33-C", {"string": "52.5"}), buy("T33-D", {"com.example.Money": 53})))),
        [Order("T33-A", "50.0000", ANON, "t33-v1"),
         Order("T33-B", "51.0000", ANON, "t33-v1"),
         Order("T33-C", "52.5000", ANON, "t33-v1"),
         Order("T33-D", "53.0000", ANON, "t33-v1")]),
    Row("t34", 'A bare total ("total": 50, without its union wrapper) is no value: the cart '
               "total counts.",
        one_file(single("t34", attributes(buy("T34-A", Bare(50), cart=cart(20))))),
        [Order("T34-A", "20.0000", ANON, "t34-v1",
               {"order_total_source": "purchase_cart_total"})]),
    Row("t35", "A wrapper object with several keys is read by its first key.",
        one_file(single("t35", attributes(buy("T35-A", {"double": 50, "string": "60"})))),
        [Order("T35-A", "50.0000", ANON, "t35-v1")]),
    Row("t36", "An encrypted (PGP-armored) total is no value: the cart total counts.",
        one_file(single("t36", attributes(buy("T36-A", PGP_TEXT, cart=cart(12.5))))),
        [Order("T36-A", "12.5000", ANON, "t36-v1",
               {"order_total_source": "purchase_cart_total"})]),
    Row("t37", "A total of 1e400 is no value: the goal's total counts.",
        one_file(single("t37", attributes(buy("T37-A", raw("1e400"))),
                        goals(goal("T37-A", 9)))),
        [Order("T37-A", "9.0000", ANON, "t37-v1", {"order_total_source": "goal_total"})]),
    Row("t38", "A negative total is no value (as a number or as text).",
        one_file(single("t38", attributes(buy("T38-A", -5), buy("T38-B", {"string": "-7"})))),
        [Order("T38-A", None, ANON, "t38-v1"), Order("T38-B", None, ANON, "t38-v1")]),
    Row("t39", "A total of 10^14 or more is no value; just below it is a value, as a "
               "number (99999999999999.98, as printed) or as text (99999999999999.9999).",
        one_file(single("t39", attributes(
            buy("T39-A", 100_000_000_000_000), buy("T39-B", 99_999_999_999_999.98),
            buy("T39-C", {"string": "99999999999999.9999"})))),
        [Order("T39-A", None, ANON, "t39-v1"),
         Order("T39-B", "99999999999999.9800", ANON, "t39-v1"),
         Order("T39-C", "99999999999999.9999", ANON, "t39-v1")]),
    Row("t40", "A total that is not a number (text, a boolean) is no value.",
        one_file(single("t40", attributes(buy("T40-A", "fifty"),
                                          buy("T40-B", {"double": True})))),
        [Order("T40-A", None, ANON, "t40-v1"), Order("T40-B", None, ANON, "t40-v1")]),
    Row("t41", "Money is the number as printed rounded to 4 places, half away from zero: "
               "1.00005 is 1.0001, 2.00005 is 2.0001, 19.99999 is 20.0000, 0.12345 is 0.1235, "
               "and 0.03125 is 0.0313.",
        one_file(single("t41", attributes(
            buy("T41-A", 1.00005), buy("T41-B", 2.00005), buy("T41-C", 19.99999),
            buy("T41-D", {"string": "0.12345"}), buy("T41-E", 0.03125)))),
        [Order("T41-A", "1.0001", ANON, "t41-v1"),
         Order("T41-B", "2.0001", ANON, "t41-v1"),
         Order("T41-C", "20.0000", ANON, "t41-v1"),
         Order("T41-D", "0.1235", ANON, "t41-v1"),
         Order("T41-E", "0.0313", ANON, "t41-v1")]),
    Row("t42", "Times: ISO-8601 text with an offset, or without a zone (UTC); epoch "
               "milliseconds of 12 or 13 digits, 1999 as well as 2000.",
        one_file(single("t42", attributes(
            purchase("T42-A", 1, timestamp="2026-02-20T14:30:00+02:00"),
            purchase("T42-B", 2, timestamp=946_684_799_999),
            purchase("T42-C", 3, timestamp=946_684_800_000),
            purchase("T42-D", 4, timestamp="2026-02-20T12:00:00.250")))),
        [Order("T42-A", "1.0000", ANON, "t42-v1", {"ordered_at": "2026-02-20T12:30:00"}),
         Order("T42-B", "2.0000", ANON, "t42-v1",
               {"ordered_at": "1999-12-31T23:59:59.999000"}),
         Order("T42-C", "3.0000", ANON, "t42-v1", {"ordered_at": "2000-01-01T00:00:00"}),
         Order("T42-D", "4.0000", ANON, "t42-v1", {"ordered_at": "2026-02-20T12:00:00.250"})]),

    # --- Type names and shapes -----------------------------------------------------------------
    Row("t43", "Type names are recognised by their short name in any letter case, given in "
               "full or short.",
        one_file(single("t43",
                        attributes(buy("T43-A", 1, type_name=NS + "PURCHASE"),
                                   buy("T43-B", 2, type_name="purchase",
                                       cart=cart(2, 7, type_name="CART")),
                                   type_name="webSessionEngAttrsData"),
                        goals(goal("T43-C", 3, type_name=NS + "purchaseMetaData"),
                              goal("T43-D", 4, type_name="PurchaseMetadata"),
                              type_name="WEBSESSIONGOALACHIEVEDDATA"),
                        header_type="visitorheader")),
        [Order("T43-A", "1.0000", ANON, "t43-v1"),
         Order("T43-B", "2.0000", ANON, "t43-v1", {"item_count": 7}),
         Order("T43-C", "3.0000", ANON, "t43-v1"),
         Order("T43-D", "4.0000", ANON, "t43-v1")]),
    Row("t44", "A bare top level (metaData and recordCollection as the reference prints them) "
               "reads like the wrapped one.",
        one_file(single("t44", attributes(buy("T44-A", 5)), wrapped=False)),
        [Order("T44-A", "5.0000", ANON, "t44-v1")]),
    Row("t45", "The visit id is the first non-empty one (here the second body's); a record "
               "without any visit id is not a visit, and its purchases are not orders.",
        one_file(
            single("t45", navigation("https://shop.example.com/"), attributes(buy("T45-A", 5)),
                   header_on_first_body=False),
            visit("", "t45-p2", start=at(0), bodies=[attributes(buy("T45-B", 6))])),
        [Order("T45-A", "5.0000", ANON, "t45-v1")]),
    Row("t46", "Other and unknown attribute and goal types are not orders, even with order "
               "fields (Refund, CartStatus, LeadMetadata, an unknown goal metadata, an "
               "unknown body).",
        one_file(single("t46",
                        attributes(event(NS + "Refund", fields(orderId=("T46-A", "string"),
                                                               total=(25, "double"))),
                                   event(NS + "CartStatus", fields(total=(60, "double"))),
                                   event("", {})),
                        goals(achieved_goal(NS + "LeadMetadata", fields(value=(70, "double"))),
                              achieved_goal("RefundMetadata",
                                            fields(orderId=("T46-B", "string")))),
                        other_body(NS + "WebSessionWeatherData", "weather",
                                   {"rain": {"double": 1}}))),
        []),
    Row("t47", "A report's number counts every engagement-attribute event of its visit: with "
               "equal times, an order is in the visit where its report has the lower number.",
        one_file(
            visit("t47-a", "t47-p1", start=at(0),
                  bodies=[attributes(lead(), lead(), buy("T47-A", 5, 1))]),
            visit("t47-b", "t47-p2", start=at(0),
                  bodies=[attributes(lead(), buy("T47-A", 5, 1))])),
        [Order("T47-A", "5.0000", ANON, "t47-b", {"visitor_id": "t47-p2", "report_count": 2})]),
    Row("t48", "Id-less orders at the same time are numbered in report order: attributes by "
               "number, then goals.",
        one_file(single("t48", goals(goal(total=60, minute=1)),
                        attributes(buy(total=70, minute=1), buy(total=50, minute=1)))),
        [Order("unidentified:t48-v1:1", "70.0000", ANON, "t48-v1"),
         Order("unidentified:t48-v1:2", "50.0000", ANON, "t48-v1"),
         Order("unidentified:t48-v1:3", "60.0000", ANON, "t48-v1")]),

    # --- Landings ------------------------------------------------------------------------------
    Row("t50", "A visit landed again later replaces its earlier landing: the new total counts, "
               "and a purchase gone from the new landing is no order.",
        [[(0, [single("t50", attributes(buy("T50-A", 10))),
               visit("t50-v2", "t50-p2", start=at(0), bodies=[attributes(buy("T50-B", 5))])])],
         [(1, [single("t50", attributes(buy("T50-A", 12))),
               visit("t50-v2", "t50-p2", start=at(0), bodies=[navigation("https://x/")])])]],
        [Order("T50-A", "12.0000", ANON, "t50-v1")]),
    Row("t51", "The same visit twice in one file: the later line wins.",
        one_file(single("t51", attributes(buy("T51-A", 10))),
                 single("t51", attributes(buy("T51-A", 11)))),
        [Order("T51-A", "11.0000", ANON, "t51-v1")]),
    Row("t52", "The same visit in two files landed in one run: the greater file name wins.",
        [[(1, [single("t52", attributes(buy("T52-A", 11)))]),
          (0, [single("t52", attributes(buy("T52-A", 10)))])]],
        [Order("T52-A", "11.0000", ANON, "t52-v1")]),
    Row("t53", "A file landed again under the same name replaces all of the earlier file's "
               "visits.",
        [[(0, [single("t53", attributes(buy("T53-A", 10))),
               visit("t53-v2", "t53-p2", start=at(0),
                     bodies=[attributes(buy("T53-B", 20))])])],
         [(0, [single("t53", attributes(buy("T53-A", 15)))])]],
        [Order("T53-A", "15.0000", ANON, "t53-v1")]),
    Row("t54", "A later landing wins even from a file with a smaller name.",
        [[(1, [single("t54", attributes(buy("T54-A", 10)))])],
         [(0, [single("t54", attributes(buy("T54-A", 9)))])]],
        [Order("T54-A", "9.0000", ANON, "t54-v1")]),

    # --- Who ordered ---------------------------------------------------------------------------
    Row("t55", "Customer ids are trimmed and lower-cased on both sides (visit and membership "
               "list); fct_orders shows that key.",
        one_file(single("t55", attributes(customer_info("  Cust-55\t", at(0)),
                                          buy("T55-A", 5)))),
        [Order("T55-A", "5.0000", "gold", "t55-v1", {
            "customer_id": "cust-55", "identity_source": "same_visit",
            "current_customer_segment": "gold"})],
        [("CUST-55 ", "Gold", "2020-01-01")]),
    Row("t56", "A visit without a customer takes the one of the visitor's latest earlier visit "
               "that had one; never one from a later visit.",
        one_file(
            visit("t56-v1", "t56-p1", start=at(0), bodies=[attributes(buy("T56-A", 1, 1))]),
            visit("t56-v2", "t56-p1", start=at(10),
                  bodies=[attributes(customer_info("cust-56a", at(10)))]),
            visit("t56-v3", "t56-p1", start=at(20), bodies=[attributes(buy("T56-B", 2, 21))]),
            visit("t56-v4", "t56-p1", start=at(30),
                  bodies=[attributes(customer_info("cust-56b", at(30)))]),
            visit("t56-v5", "t56-p1", start=at(40), bodies=[attributes(buy("T56-C", 3, 41))])),
        [Order("T56-A", "1.0000", ANON, "t56-v1", {"identity_source": "anonymous"}),
         Order("T56-B", "2.0000", "gold", "t56-v3",
               {"identity_source": "earlier_visit", "customer_id": "cust-56a"}),
         Order("T56-C", "3.0000", "premium", "t56-v5",
               {"identity_source": "earlier_visit", "customer_id": "cust-56b"})],
        [("cust-56a", "gold", "2020-01-01"), ("cust-56b", "premium", "2020-01-01")]),
    Row("t57", "A visit's customer is its last reported CustomerInfo: the latest time, unknown "
               "times last, then the higher attribute number.",
        one_file(
            visit("t57-v1", "t57-p1", start=at(0), bodies=[attributes(
                customer_info("cust-57a", at(5)), customer_info("cust-57b", at(3)),
                customer_info("cust-57c"), buy("T57-A", 1))]),
            visit("t57-v2", "t57-p2", start=at(0), bodies=[attributes(
                customer_info("cust-57b"), customer_info("cust-57c"), buy("T57-B", 2))])),
        [Order("T57-A", "1.0000", "premium", "t57-v1", {"customer_id": "cust-57a"}),
         Order("T57-B", "2.0000", "standard", "t57-v2", {"customer_id": "cust-57c"})],
        [("cust-57a", "premium", "2020-01-01"), ("cust-57b", "gold", "2020-01-01"),
         ("cust-57c", "standard", "2020-01-01")]),
    Row("t58", "Several membership rows of one customer: the highest tier wins (listed tiers "
               "first, then unlisted ones alphabetically), then the earliest member_since; "
               "rows without a tier are ignored.",
        one_file(*(
            visit(f"t58-v{n}", f"t58-p{n}", start=at(0), bodies=[
                attributes(customer_info(f"cust-58{n}", at(0)), buy(f"T58-{n}", n))])
            for n in (1, 2, 3, 4))),
        [Order("T58-1", "1.0000", "premium", "t58-v1", {"current_customer_segment": "premium"}),
         Order("T58-2", "2.0000", "standard", "t58-v2"),
         Order("T58-3", "3.0000", NON_MEMBER, "t58-v3",
               {"current_customer_segment": NON_MEMBER, "customer_id": "cust-583"}),
         Order("T58-4", "4.0000", "bronze", "t58-v4")],
        [("cust-581", "gold", "2020-01-01"), ("cust-581", "premium", "2020-06-01"),
         ("cust-582", "standard", "2026-03-01"), ("cust-582", "standard", "2020-01-01"),
         ("cust-583", "", "2020-01-01"),
         ("cust-584", "platinum", "2020-01-01"), ("cust-584", "bronze", "2020-01-01")]),
    Row("t59", "An order placed before the customer's member_since is an identified non-member's "
               "at order time (customer_segment), the tier's today (current_customer_segment); "
               "an order on the member_since day is a member's.",
        one_file(
            single("t59", attributes(customer_info("cust-59", at(0)), buy("T59-A", 8))),
            visit("t59-v2", "t59-p2", start=at(0), bodies=[
                attributes(customer_info("cust-59b", at(0)), buy("T59-B", 9))])),
        [Order("T59-A", "8.0000", NON_MEMBER, "t59-v1", {"current_customer_segment": "gold"}),
         Order("T59-B", "9.0000", "gold", "t59-v2", {"current_customer_segment": "gold"})],
        [("cust-59", "gold", "2026-02-21"), ("cust-59b", "gold", "2026-02-20")]),
    Row("t60", "Order dates are taken in the reporting time zone: 2026-02-21T03:00Z is "
               "2026-02-20 in New York, before a member_since of 2026-02-21.",
        one_file(single("t60", attributes(customer_info("cust-60", at(0)),
                                          buy("T60-A", 6, 900)))),
        [Order("T60-A", "6.0000", NON_MEMBER, "t60-v1", {
            "current_customer_segment": "platinum", "ordered_at": "2026-02-21T03:00:00"})],
        [("cust-60", "platinum", "2026-02-21")]),
    Row("t61", "An order with an unknown time, or of a member with an unknown member_since, "
               "counts as a member's order.",
        one_file(
            single("t61", attributes(customer_info("cust-61a", at(0)), buy("T61-A", 1, None))),
            visit("t61-v2", "t61-p2", start=at(0), bodies=[
                attributes(customer_info("cust-61b", at(0)), buy("T61-B", 2))])),
        [Order("T61-A", "1.0000", "gold", "t61-v1", {"ordered_at": None}),
         Order("T61-B", "2.0000", "gold", "t61-v2")],
        [("cust-61a", "gold", "2026-03-15"), ("cust-61b", "gold", "")]),
    Row("t62", "A customer not on the membership list is an identified non-member.",
        one_file(single("t62", attributes(customer_info("cust-62", at(0)), buy("T62-A", 3)))),
        [Order("T62-A", "3.0000", NON_MEMBER, "t62-v1",
               {"current_customer_segment": NON_MEMBER, "customer_id": "cust-62"})]),
    Row("t63", "A visit with an unknown start time keeps its own customer but passes none on.",
        one_file(
            visit("t63-v1", "t63-p1", start=None, bodies=[
                attributes(customer_info("cust-63", at(0)), buy("T63-A", 1, 1))]),
            visit("t63-v2", "t63-p1", start=at(10), bodies=[attributes(buy("T63-B", 2, 11))])),
        [Order("T63-A", "1.0000", "gold", "t63-v1", {"identity_source": "same_visit"}),
         Order("T63-B", "2.0000", ANON, "t63-v2", {"identity_source": "anonymous"})],
        [("cust-63", "gold", "2020-01-01")]),
    Row("t64", "A visit whose only CustomerInfo has no customer id (or only blanks) is "
               "anonymous.",
        one_file(
            single("t64", attributes(customer_info(None, at(0)), buy("T64-A", 4))),
            visit("t64-v2", "t64-p2", start=at(0), bodies=[
                attributes(customer_info(" \t", at(0)), buy("T64-B", 5))])),
        [Order("T64-A", "4.0000", ANON, "t64-v1"), Order("T64-B", "5.0000", ANON, "t64-v2")]),
    Row("t65", "The latest landing decides the customer too: a re-delivery that adds a "
               "CustomerInfo makes the order a member's.",
        [[(0, [single("t65", attributes(buy("T65-A", 5)))])],
         [(1, [single("t65", attributes(customer_info("cust-65", at(0)), buy("T65-A", 5)))])]],
        [Order("T65-A", "5.0000", "gold", "t65-v1", {"identity_source": "same_visit"})],
        [("cust-65", "gold", "2020-01-01")]),
]

# The AOV mart on a small data set, worked out by hand (pure-Python test only: the dbt
# comparison checks the mart on the whole table against the reference). Student's t: for
# one degree of freedom t(0.975) = tan(0.475 pi); for two, 0.95 * sqrt(2 / 0.0975).
T_1 = math.tan(0.475 * math.pi)
T_2 = 0.95 * math.sqrt(2 / 0.0975)
AOV_ROW = Row(
    "t90",
    "Average order value by segment (tier at order time), with median, sample standard "
    "deviation, a 95% interval for the mean, counts and shares.",
    one_file(
        visit("t90-v1", "t90-p1", start=at(0), bodies=[attributes(
            customer_info("cust-90a", at(0)), buy("T90-1", 10), buy("T90-2", 20))]),
        visit("t90-v2", "t90-p2", start=at(0), bodies=[attributes(
            customer_info("cust-90b", at(0)), buy("T90-3", 40), buy("T90-4"))]),
        visit("t90-v3", "t90-p3", start=at(0), bodies=[attributes(
            customer_info("cust-90c", at(0)), buy("T90-5", 0.125))]),
        visit("t90-v4", "t90-p4", start=at(0), bodies=[attributes(
            customer_info("cust-90e", at(0)), buy("T90-6", 7.5), buy("T90-7", 2.5))]),
        visit("t90-v5", "t90-p5", start=at(0), bodies=[attributes(
            buy("T90-8", 1), buy("T90-9", 3))]),
        visit("t90-v6", "t90-p6", start=at(0), bodies=[attributes(buy("T90-10", 2))]),
    ),
    [],
    [("cust-90a", "gold", "2020-01-01"), ("cust-90b", "gold", "2020-01-01"),
     ("cust-90c", "standard", "2020-01-01"), ("cust-90d", "premium", "2020-01-01")],
)
AOV_EXPECTED = [
    # gold: 10, 20, 40 and one order without a total; mean 70/3, variance 700/3.
    {"customer_segment": "premium", "order_count": 0, "orders_with_total_count": 0,
     "revenue": "0", "average_order_value": None, "median_order_value": None,
     "order_value_stddev": None, "average_order_value_lower_95": None,
     "average_order_value_upper_95": None, "customer_count": 0, "visitor_count": 0,
     "share_of_orders": 0.0, "share_of_revenue": 0.0},
    {"customer_segment": "gold", "order_count": 4, "orders_with_total_count": 3,
     "revenue": "70", "average_order_value": "23.33", "median_order_value": "20.00",
     "order_value_stddev": math.sqrt(700 / 3),
     "average_order_value_lower_95": 70 / 3 - T_2 * math.sqrt(700 / 3) / math.sqrt(3),
     "average_order_value_upper_95": 70 / 3 + T_2 * math.sqrt(700 / 3) / math.sqrt(3),
     "customer_count": 2, "visitor_count": 2, "share_of_orders": 0.4,
     "share_of_revenue": 70 / 86.125},
    # standard: one order of 0.125, so 0.13 (half away from zero), no spread.
    {"customer_segment": "standard", "order_count": 1, "orders_with_total_count": 1,
     "revenue": "0.125", "average_order_value": "0.13", "median_order_value": "0.13",
     "order_value_stddev": None, "average_order_value_lower_95": None,
     "average_order_value_upper_95": None, "customer_count": 1, "visitor_count": 1,
     "share_of_orders": 0.1, "share_of_revenue": 0.125 / 86.125},
    # identified non-member: 7.5 and 2.5, median the mean of the two, sd sqrt(12.5).
    {"customer_segment": "identified non-member", "order_count": 2,
     "orders_with_total_count": 2, "revenue": "10", "average_order_value": "5.00",
     "median_order_value": "5.00", "order_value_stddev": math.sqrt(12.5),
     "average_order_value_lower_95": 5 - T_1 * math.sqrt(12.5) / math.sqrt(2),
     "average_order_value_upper_95": 5 + T_1 * math.sqrt(12.5) / math.sqrt(2),
     "customer_count": 1, "visitor_count": 1, "share_of_orders": 0.2,
     "share_of_revenue": 10 / 86.125},
    # anonymous: 1, 3 (one visitor) and 2 (another): mean 2, sd 1.
    {"customer_segment": "anonymous", "order_count": 3, "orders_with_total_count": 3,
     "revenue": "6", "average_order_value": "2.00", "median_order_value": "2.00",
     "order_value_stddev": 1.0, "average_order_value_lower_95": 2 - T_2 / math.sqrt(3),
     "average_order_value_upper_95": 2 + T_2 / math.sqrt(3), "customer_count": 0,
     "visitor_count": 2, "share_of_orders": 0.3, "share_of_revenue": 6 / 86.125},
]
# fmt: on


def file_name_of(row: Row, label: int) -> str:
    """A file name of the row's; within a row, names sort by label."""
    hour = T0 - T0 % 3_600_000
    part = f"{int(row.prefix[1:]):03d}{label:02d}"
    return f"WebSession.{hour}.{hour + 3_600_000}.part-{part}-0.gz"


def row_runs(row: Row) -> list[list[tuple[str, bytes]]]:
    """The row's landing runs as (file name, gzip bytes)."""
    return [
        [(file_name_of(row, label), gzip_lines(records)) for label, records in run]
        for run in row.runs
    ]


def table_runs(rows: list[Row]) -> list[list[tuple[str, bytes]]]:
    """All rows landed together: run k holds every row's run k."""
    runs: list[list[tuple[str, bytes]]] = []
    for row in rows:
        for index, run in enumerate(row_runs(row)):
            if index == len(runs):
                runs.append([])
            runs[index].extend(run)
    return runs


def memberships_csv(rows: list[Row]) -> str:
    """The membership list of the rows, as the seed's CSV."""
    return membership_csv([member for row in rows for member in row.members])


def row_visit_lines(row: Row) -> list[str]:
    """Every visit of a row as the JSON line it is landed as (for failure messages)."""
    return [
        item if isinstance(item, str) else to_json(item)
        for run in row.runs
        for _, records in run
        for item in records
    ]
