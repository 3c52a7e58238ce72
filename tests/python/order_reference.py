"""The order and AOV rules of issue 13 again, in plain Python: the independent reference.

Written from the specification's text alone (docs: the lead's "Order and AOV rules"; its
sections are numbered 0-5 and each has one function group here), never from the dbt models,
so that the two implementations share no assumption: where they disagree one of them departs
from the text. Input is what the loader lands (gzip files of newline-delimited JSON, landed in
a known order) and the membership CSV dbt seeds; output is the rows of `marts.fct_orders` and
`marts.mart_aov_by_membership_segment`.

Where the text left a choice, the most literal reading is taken and marked "Reading:" below;
the same list is in the report on issue 13.

Standard library only, plus SciPy for Student's t quantile.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext
from zoneinfo import ZoneInfo

from scipy.stats import t as student_t

DEFAULT_TIERS = ("premium", "gold", "standard")
NON_MEMBER = "identified non-member"
ANONYMOUS = "anonymous"
PURCHASE_ATTRIBUTE = "purchase_attribute"
PURCHASE_GOAL = "purchase_goal"
# Trimmed from order ids, customer ids and tiers: spaces, tabs, carriage returns, line feeds.
BLANKS = " \t\r\n"
MONEY_PLACES = Decimal("0.0001")
CENTS = Decimal("0.01")
MONEY_LIMIT = Decimal(10) ** 14
EPOCH = datetime(1970, 1, 1)
EPOCH_MILLISECONDS = re.compile(r"\d{12,13}")
ISO_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|[+-]\d{2}:?\d{2})?"
)
# A decimal number: optional sign, digits, optional point and digits; blanks around ignored;
# no exponent (a printed double that needs one is out of any amount's range).
DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
WHOLE_NUMBER = re.compile(r"-?\d{1,10}")
INT32 = 2_147_483_647

ORDER_COLUMNS = (
    "order_id",
    "visit_id",
    "visitor_id",
    "customer_id",
    "customer_segment",
    "current_customer_segment",
    "identity_source",
    "order_total",
    "has_order_total",
    "order_total_source",
    "item_count",
    "report_count",
    "has_reported_order_id",
    "is_reported_as_purchase_attribute",
    "is_reported_as_purchase_goal",
    "ordered_at",
)
SEGMENT_COLUMNS = (
    "customer_segment",
    "order_count",
    "orders_with_total_count",
    "revenue",
    "average_order_value",
    "median_order_value",
    "order_value_stddev",
    "average_order_value_lower_95",
    "average_order_value_upper_95",
    "customer_count",
    "visitor_count",
    "share_of_orders",
    "share_of_revenue",
    "currency",
)


@dataclass(frozen=True)
class Result:
    """The two marts: one dict per row, keyed by the column names above."""

    orders: list[dict]
    segments: list[dict]


def reference(
    runs: Sequence[Sequence[tuple[str, bytes]]],
    memberships_csv: str,
    *,
    membership_tiers: Sequence[str] = DEFAULT_TIERS,
    reporting_timezone: str = "UTC",
    currency: str,
) -> Result:
    """Both marts from landed files and a membership list.

    `runs` are the `loader ingest` runs in the order they ran, each a list of (file name,
    gzip bytes); `memberships_csv` is the text of seeds/customer_memberships.csv.
    """
    visits = latest_landings(land(runs))
    reports = [report for visit in visits.values() for report in visit_reports(visit)]
    orders = numbered([describe_order(key, found) for key, found in group_reports(reports)])
    customers = visit_customers(visits)
    members = membership_list(memberships_csv, membership_tiers)
    rows = [
        order_row(order, visits, customers, members.by_key, reporting_timezone) for order in orders
    ]
    return Result(rows, aov_by_segment(rows, members.tiers, currency))


# --- Section 0: input -------------------------------------------------------------------


@dataclass(frozen=True)
class Landing:
    """One landed record: ranked by (ingest run, file name, line number), later wins."""

    rank: tuple[int, str, int]
    record: object


def land(runs: Sequence[Sequence[tuple[str, bytes]]]) -> list[Landing]:
    """What `raw.web_sessions` holds after these ingest runs.

    The loader's own rules, not the specification's: a file name landed again with other
    bytes replaces every row of the earlier landing (with the new run's landed_at); the same
    bytes again are skipped (the earlier landing stays). One ingest run lands its files in
    name order, in transactions that never go back in time, so within a run a greater file
    name never has an earlier landed_at: ranking by (run, name, line) is the specification's
    (landed_at, file name, line number).
    """
    landed: dict[str, tuple[int, bytes]] = {}
    for run_index, run in enumerate(runs):
        names = [name for name, _ in run]
        assert len(names) == len(set(names)), f"one file name twice in one run: {names}"
        for name, data in run:
            earlier = landed.get(name)
            if earlier is None or earlier[1] != data:
                landed[name] = (run_index, data)
    return [
        Landing((run_index, name, line_number), record)
        for name, (run_index, data) in landed.items()
        for line_number, record in enumerate(json_values(gzip.decompress(data)), start=1)
    ]


def json_values(data: bytes) -> Iterator[object]:
    """Every JSON value of a file, in order: one a line, or pretty-printed, or concatenated."""
    text = data.decode("utf-8")
    decoder = json.JSONDecoder()
    position = 0
    while True:
        while position < len(text) and text[position] in BLANKS:
            position += 1
        if position == len(text):
            return
        value, position = decoder.raw_decode(text, position)
        yield value


def branch(value: object) -> tuple[str, object] | None:
    """An Avro union: a one-key object naming its branch (several keys: the first one).

    JSON null is no value; so is a bare value where the encoding puts a wrapper.
    """
    if isinstance(value, dict) and value:
        name = next(iter(value))
        return name, value[name]
    return None


def short_name(type_name: str) -> str:
    """Type recognition: the name after the last dot, case-insensitively."""
    return type_name.rsplit(".", 1)[-1].lower()


def scalar(value: object) -> str | int | float | bool | None:
    """A nullable scalar under any branch name (`{"long": 50}`, `{"string": "50"}`)."""
    wrapped = branch(value)
    if wrapped is None or isinstance(wrapped[1], dict | list):
        return None
    return wrapped[1]


def record(value: object) -> tuple[str, dict] | None:
    """A record-typed union: (short type name, lower case; its fields).

    Reading: only the members (Purchase, PurchaseMetadata, CustomerInfo) are told apart by
    name; a header, cart or body is read whatever its type name.
    """
    wrapped = branch(value)
    if wrapped is None or not isinstance(wrapped[1], dict):
        return None
    return short_name(wrapped[0]), wrapped[1]


def array(value: object) -> list:
    """A nullable array: `{"array": [...]}`. Reading: a bare list is a bare value where the
    encoding puts a wrapper, so no value (only the top level may be bare)."""
    wrapped = branch(value)
    return wrapped[1] if wrapped is not None and isinstance(wrapped[1], list) else []


def text(value: object) -> str | None:
    """The text of a scalar. Reading: an integer's text is its digits; a JSON float has no
    original text left after parsing, so Python's shortest form is used (test data sends
    order and customer ids as strings or integers only)."""
    found = scalar(value)
    if found is None or isinstance(found, bool):
        return None
    return found if isinstance(found, str) else str(found)


def meta_data(top: dict) -> dict:
    """`metaData`, bare or wrapped in its type name (`MetaData`, any namespace or case).

    Reading: it is wrapped when it is a one-key object whose key's short name is `metadata`;
    otherwise it is the bare record (whose first key would be a field such as accountId).
    """
    value = top.get("metaData")
    if isinstance(value, dict) and len(value) == 1:
        name, inner = next(iter(value.items()))
        if short_name(name) == "metadata" and isinstance(inner, dict):
            return inner
    return value if isinstance(value, dict) else {}


def record_bodies(top: dict) -> list[tuple[str, dict]]:
    """The record's bodies in document order: (short body type name, body fields).
    `recordCollection` is a bare list or wrapped (`{"array": [...]}`)."""
    collection = top.get("recordCollection")
    if isinstance(collection, dict):
        collection = branch(collection)[1] if collection else None
    bodies = []
    for item in collection if isinstance(collection, list) else []:
        body = record(item.get("body")) if isinstance(item, dict) else None
        if body is not None:
            bodies.append(body)
    return bodies


@dataclass
class Visit:
    visit_id: str
    visitor_id: str | None
    started_at: datetime | None
    bodies: list[tuple[str, dict]] = field(repr=False)


def read_visit(top: object) -> Visit | None:
    """A landed record as a visit; None when no body's header has a non-empty visitId.

    Reading: the visitor is the `visitorId` of the same header as the visit id (the text
    does not say which header); every body of the record belongs to the visit, whatever
    visit id its own header carries. The start time follows the Time rule of section 1.
    """
    if not isinstance(top, dict):
        return None
    bodies = record_bodies(top)
    for _, fields in bodies:
        header = record(fields.get("header"))
        visit_id = text(header[1].get("visitId")) if header else None
        if visit_id:
            visitor_id = text(header[1].get("visitorId")) or None
            started_at = parse_time(scalar(meta_data(top).get("startTime")))
            return Visit(visit_id, visitor_id, started_at, bodies)
    return None


def latest_landings(landings: Iterable[Landing]) -> dict[str, Visit]:
    """Latest landing wins: one visit per visit id, from its greatest-ranked landing."""
    kept: dict[str, tuple[tuple[int, str, int], Visit]] = {}
    for landing in landings:
        visit = read_visit(landing.record)
        if visit is None:
            continue
        earlier = kept.get(visit.visit_id)
        if earlier is None or landing.rank > earlier[0]:
            kept[visit.visit_id] = (landing.rank, visit)
    return {visit_id: visit for visit_id, (_, visit) in kept.items()}


# --- Section 1: reports and values --------------------------------------------------------


def order_id(value: object) -> str | None:
    found = text(value)
    found = found.strip(BLANKS) if found is not None else None
    return found or None


def value_text(found: object) -> str | None:
    """A scalar's text as the spec reads it: a string as it is, an integer's digits, a
    float as a JSON writer prints the double (its shortest round-trip form; an overflowed
    number is no number), true/false."""
    if found is None:
        return None
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, float):
        return repr(found) if math.isfinite(found) else "overflow"
    return str(found)


def money(value: object) -> Decimal | None:
    """The value's text read as a decimal number, rounded to 4 places half away from zero
    (`2.00005` is 2.0001), valid from 0 to below 10^14 (-0.00001 rounds to 0: valid)."""
    found = value_text(scalar(value))
    if found is None or not DECIMAL_TEXT.fullmatch(found.strip()):
        return None
    number = Decimal(found.strip())
    if not -MONEY_LIMIT < number < MONEY_LIMIT:  # 1e400 and the like: out of range
        return None
    rounded = number.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
    if rounded < 0 or rounded >= MONEY_LIMIT:
        return None
    return rounded if rounded else Decimal("0.0000")


def item_count(value: object) -> int | None:
    """The value's text when it is 1 to 10 digits (a JSON integer or a string of digits;
    `3.0` is no value) from 0 to 2147483647."""
    found = value_text(scalar(value))
    if found is None or not WHOLE_NUMBER.fullmatch(found):
        return None
    number = int(found)
    return number if 0 <= number <= INT32 else None


def parse_time(found: object) -> datetime | None:
    """12 or 13 digits (a JSON integer or a string) are epoch milliseconds; else ISO-8601
    text with `T` or a space, an optional fraction (cut to microseconds) and an optional
    `Z` or offset; naive UTC; else unknown."""
    found = value_text(found) if not isinstance(found, bool) else None
    if found is None:
        return None
    if EPOCH_MILLISECONDS.fullmatch(found):
        return EPOCH + timedelta(milliseconds=int(found))
    match = ISO_TIME.fullmatch(found)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC if zone in (None, "Z") else _offset(zone),
        )
        return moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None


def _offset(zone: str) -> timezone:
    sign = -1 if zone[0] == "-" else 1
    minutes = zone[-2:]
    return timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(minutes)))


@dataclass(frozen=True)
class Report:
    visit_id: str
    source: str  # purchase_attribute | purchase_goal
    number: int  # among all engagement-attribute events / all achieved goals of the visit
    time: datetime | None
    order_id: str | None
    total: Decimal | None
    cart_total: Decimal | None
    num_items: int | None

    @property
    def amount(self) -> Decimal | None:
        """The report amount: its total, else its cart's total (the cart fallback)."""
        return self.total if self.total is not None else self.cart_total

    @property
    def order_key(self) -> tuple:
        """Report order: time ascending (unknown last), attributes before goals, number,
        visit id."""
        return (
            self.time is None,
            self.time or EPOCH,
            self.source != PURCHASE_ATTRIBUTE,
            self.number,
            self.visit_id,
        )


def attribute_events(visit: Visit) -> Iterator[tuple[int, dict]]:
    """Every engagement-attribute event of a visit with its number (1-based, bodies in
    order, items in order).

    Reading: an engagement-attribute event is an item of a body's `engagementAttributes`
    array (the text does not say whether the body type name must also be recognised;
    test data keeps them consistent).
    """
    number = 0
    for _, fields in visit.bodies:
        for item in array(fields.get("engagementAttributes")):
            number += 1
            yield number, item if isinstance(item, dict) else {}


def achieved_goals(visit: Visit) -> Iterator[tuple[int, dict]]:
    """Every achieved goal of a visit with its number (items of `achievedGoals` arrays)."""
    number = 0
    for _, fields in visit.bodies:
        for item in array(fields.get("achievedGoals")):
            number += 1
            yield number, item if isinstance(item, dict) else {}


def visit_reports(visit: Visit) -> list[Report]:
    """The purchase attributes (data `Purchase`) and purchase goals (goalMetaData
    `PurchaseMetadata`) of a visit."""
    reports = []
    members = (
        (PURCHASE_ATTRIBUTE, attribute_events(visit), "data", "purchase", "cart"),
        (PURCHASE_GOAL, achieved_goals(visit), "goalMetaData", "purchasemetadata", "cartStatus"),
    )
    for source, events, member_field, member_name, cart_field in members:
        for number, event in events:
            member = record(event.get(member_field))
            if member is None or member[0] != member_name:
                continue
            fields = member[1]
            cart = record(fields.get(cart_field))
            cart_fields = cart[1] if cart else {}
            reports.append(
                Report(
                    visit_id=visit.visit_id,
                    source=source,
                    number=number,
                    time=parse_time(scalar(event.get("timestamp"))),
                    order_id=order_id(fields.get("orderId")),
                    total=money(fields.get("total")),
                    cart_total=money(cart_fields.get("total")),
                    num_items=item_count(cart_fields.get("numItems")),
                )
            )
    return reports


# --- Section 2: which reports are one order -----------------------------------------------


def group_reports(reports: list[Report]) -> list[tuple[str | None, list[Report]]]:
    """Rules 1-3: reports with an order id by id; id-less ones join an identified order of
    their visit or form the visit's own orders by amount (returned without an id)."""
    identified: dict[str, list[Report]] = defaultdict(list)
    idless: dict[str, list[Report]] = defaultdict(list)
    for report in reports:
        if report.order_id is not None:
            identified[report.order_id].append(report)
        else:
            idless[report.visit_id].append(report)
    # Rule 2 compares with the amount of an order's identified reports only.
    amounts = {key: order_total(found)[0] for key, found in identified.items()}
    orders_in_visit: dict[str, set[str]] = defaultdict(set)
    for key, found in identified.items():
        for report in found:
            orders_in_visit[report.visit_id].add(key)

    joined: dict[str, list[Report]] = defaultdict(list)
    unidentified: list[list[Report]] = []
    for visit_id, found in idless.items():
        remaining = []
        for report in found:
            target = joined_order(report, sorted(orders_in_visit[visit_id]), amounts)
            if target is None:
                remaining.append(report)
            else:
                joined[target].append(report)
        unidentified.extend(orders_by_amount(remaining))
    return [(key, found + joined[key]) for key, found in identified.items()] + [
        (None, found) for found in unidentified
    ]


def joined_order(
    report: Report, candidates: list[str], amounts: dict[str, Decimal | None]
) -> str | None:
    """Rule 2: the identified order of the visit that an id-less report joins, if any."""
    if len(candidates) == 1:
        amount = amounts[candidates[0]]
        differ = report.amount is not None and amount is not None and report.amount != amount
        return None if differ else candidates[0]
    matches = [
        key for key in candidates if report.amount is not None and amounts[key] == report.amount
    ]
    return matches[0] if len(matches) == 1 else None


def orders_by_amount(reports: list[Report]) -> list[list[Report]]:
    """Rule 3 for one visit: one order per known amount; unknown amounts join the only
    known-amount order, or else form one order together."""
    by_amount: dict[Decimal, list[Report]] = defaultdict(list)
    unknown = []
    for report in reports:
        if report.amount is None:
            unknown.append(report)
        else:
            by_amount[report.amount].append(report)
    orders = list(by_amount.values())
    if unknown and len(orders) == 1:
        orders[0].extend(unknown)
    elif unknown:
        orders.append(unknown)
    return orders


# --- Section 3: what an order is ----------------------------------------------------------


@dataclass(frozen=True)
class Order:
    order_id: str | None  # None until `numbered` names a rule-3 order
    has_reported_order_id: bool
    visit_id: str
    reports: list[Report]
    order_total: Decimal | None
    order_total_source: str | None
    item_count: int | None
    ordered_at: datetime | None


def order_total(reports: list[Report]) -> tuple[Decimal | None, str | None]:
    """Attribute totals, goal totals, attribute cart totals, goal cart totals: the first
    value, earliest report first."""
    attributes = sorted((r for r in reports if r.source == PURCHASE_ATTRIBUTE), key=_order)
    goals = sorted((r for r in reports if r.source == PURCHASE_GOAL), key=_order)
    candidates = (
        ("purchase_total", [r.total for r in attributes]),
        ("goal_total", [r.total for r in goals]),
        ("purchase_cart_total", [r.cart_total for r in attributes]),
        ("goal_cart_total", [r.cart_total for r in goals]),
    )
    for source, values in candidates:
        for value in values:
            if value is not None:
                return value, source
    return None, None


def _order(report: Report) -> tuple:
    return report.order_key


def describe_order(key: str | None, reports: list[Report]) -> Order:
    """One order from its reports; id-less orders are named by `numbered` afterwards."""
    reports = sorted(reports, key=_order)
    total, source = order_total(reports)
    counts = [r.num_items for r in reports if r.source == PURCHASE_ATTRIBUTE]
    counts += [r.num_items for r in reports if r.source == PURCHASE_GOAL]
    times = [r.time for r in reports if r.time is not None]
    return Order(
        order_id=key,
        has_reported_order_id=key is not None,
        visit_id=reports[0].visit_id,
        reports=reports,
        order_total=total,
        order_total_source=source,
        item_count=next((count for count in counts if count is not None), None),
        ordered_at=min(times) if times else None,
    )


def numbered(orders: list[Order]) -> list[Order]:
    """`unidentified:<visit_id>:<k>` for rule-3 orders, k by earliest report in the visit."""
    by_visit: dict[str, list[Order]] = defaultdict(list)
    named = []
    for order in orders:
        if order.has_reported_order_id:
            named.append(order)
        else:
            by_visit[order.visit_id].append(order)
    for visit_id, found in by_visit.items():
        for k, order in enumerate(sorted(found, key=lambda o: o.reports[0].order_key), 1):
            named.append(_renamed(order, f"unidentified:{visit_id}:{k}"))
    return named


def _renamed(order: Order, name: str) -> Order:
    return replace(order, order_id=name)


# --- Section 4: who ordered -----------------------------------------------------------------


def customer_key(value: str | None) -> str | None:
    """Trimmed, then ASCII letters lower-cased (Reading: the text allows Unicode lower case
    of ASCII letters only; test ids are ASCII); empty is no customer."""
    if value is None:
        return None
    key = _ascii_lower(value.strip(BLANKS))
    return key or None


def _ascii_lower(value: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in value)


@dataclass(frozen=True)
class Identity:
    customer_key: str | None
    source: str  # same_visit | earlier_visit | anonymous


def own_customer(visit: Visit) -> str | None:
    """The visit's last reported CustomerInfo customer id: time descending with unknown
    times last, then attribute number descending.

    Reading: only CustomerInfo attributes that carry a customer id take part (a later one
    without an id does not erase an earlier id).
    """
    found = []
    for number, event in attribute_events(visit):
        member = record(event.get("data"))
        if member is None or member[0] != "customerinfo":
            continue
        key = customer_key(text(member[1].get("customerId")))
        if key is not None:
            time = parse_time(scalar(event.get("timestamp")))
            found.append(((time is not None, time or EPOCH, number), key))
    return max(found)[1] if found else None


def visit_customers(visits: dict[str, Visit]) -> dict[str, Identity]:
    """Each visit's customer: its own, else the one of the visitor's latest earlier visit
    that had one of its own (by start time, then visit id), else anonymous. A visit with an
    unknown start time keeps only its own. Reading: a visit without a visitor id has no
    other visits."""
    identities = {}
    timeline: dict[str, list[Visit]] = defaultdict(list)
    for visit in visits.values():
        own = own_customer(visit)
        identities[visit.visit_id] = Identity(own, "same_visit" if own else ANONYMOUS)
        if visit.started_at is not None and visit.visitor_id is not None:
            timeline[visit.visitor_id].append(visit)
    for found in timeline.values():
        latest_own = None
        for visit in sorted(found, key=lambda v: (v.started_at, v.visit_id)):
            identity = identities[visit.visit_id]
            if identity.customer_key is not None:
                latest_own = identity.customer_key
            elif latest_own is not None:
                identities[visit.visit_id] = Identity(latest_own, "earlier_visit")
    return identities


@dataclass(frozen=True)
class Member:
    tier: str
    member_since: date | None


@dataclass(frozen=True)
class Memberships:
    by_key: dict[str, Member]
    tiers: list[str]  # every tier on the list, highest first


def membership_list(csv_text: str, ranking: Sequence[str]) -> Memberships:
    """Rows by customer key: the highest tier (ranked by `membership_tiers`, unlisted ones
    after, alphabetically), then the earliest member_since (unknown last).

    Reading: "every tier present on the membership list" is every tier of a row that is not
    ignored, also when that row lost to another row of its key.
    """
    ranked = [_ascii_lower(tier) for tier in ranking]

    def tier_rank(tier: str) -> tuple[int, str]:
        return (ranked.index(tier), "") if tier in ranked else (len(ranked), tier)

    best: dict[str, tuple[tuple, Member]] = {}
    tiers = set()
    for row in csv.DictReader(io.StringIO(csv_text)):
        key = customer_key(row.get("customer_id") or None)
        tier = _ascii_lower((row.get("membership_tier") or "").strip(BLANKS))
        if key is None or not tier:
            continue
        since_text = (row.get("member_since") or "").strip()
        since = date.fromisoformat(since_text) if since_text else None
        rank = (tier_rank(tier), since is None, since or date.min)
        tiers.add(tier)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, Member(tier, since))
    return Memberships(
        {key: member for key, (_, member) in best.items()}, sorted(tiers, key=tier_rank)
    )


def order_row(
    order: Order,
    visits: dict[str, Visit],
    customers: dict[str, Identity],
    members: dict[str, Member],
    reporting_timezone: str,
) -> dict:
    """A row of fct_orders: the order, its visit, its customer and segments."""
    identity = customers[order.visit_id]
    member = members.get(identity.customer_key) if identity.customer_key else None
    if identity.customer_key is None:
        current = segment = ANONYMOUS
    elif member is None:
        current = segment = NON_MEMBER
    else:
        current = segment = member.tier
        if order.ordered_at is not None and member.member_since is not None:
            local = order.ordered_at.replace(tzinfo=UTC).astimezone(ZoneInfo(reporting_timezone))
            if local.date() < member.member_since:
                segment = NON_MEMBER
    sources = {report.source for report in order.reports}
    return {
        "order_id": order.order_id,
        "visit_id": order.visit_id,
        "visitor_id": visits[order.visit_id].visitor_id,
        "customer_id": identity.customer_key,
        "customer_segment": segment,
        "current_customer_segment": current,
        "identity_source": identity.source,
        "order_total": order.order_total,
        "has_order_total": order.order_total is not None,
        "order_total_source": order.order_total_source,
        "item_count": order.item_count,
        "report_count": len(order.reports),
        "has_reported_order_id": order.has_reported_order_id,
        "is_reported_as_purchase_attribute": PURCHASE_ATTRIBUTE in sources,
        "is_reported_as_purchase_goal": PURCHASE_GOAL in sources,
        "ordered_at": order.ordered_at,
    }


# --- Section 5: average order value by segment ----------------------------------------------


def aov_by_segment(orders: list[dict], tiers: list[str], currency: str) -> list[dict]:
    """One row per segment (every tier on the list, identified non-member, anonymous), each
    also without orders. Reading: the median is rounded like the average, half away from
    zero."""
    all_orders = len(orders)
    all_revenue = sum((o["order_total"] for o in orders if o["has_order_total"]), Decimal(0))
    rows = []
    for segment in [*tiers, NON_MEMBER, ANONYMOUS]:
        found = [order for order in orders if order["customer_segment"] == segment]
        totals = sorted(o["order_total"] for o in found if o["order_total"] is not None)
        revenue = sum(totals, Decimal("0.0000"))
        stddev = sample_stddev(totals)
        low, high = confidence_interval(totals, stddev)
        rows.append(
            {
                "customer_segment": segment,
                "order_count": len(found),
                "orders_with_total_count": len(totals),
                "revenue": revenue,
                "average_order_value": _cents(revenue / len(totals)) if totals else None,
                "median_order_value": _cents(median(totals)) if totals else None,
                "order_value_stddev": stddev,
                "average_order_value_lower_95": low,
                "average_order_value_upper_95": high,
                "customer_count": len({o["customer_id"] for o in found} - {None}),
                "visitor_count": len({o["visitor_id"] for o in found} - {None}),
                "share_of_orders": len(found) / all_orders if all_orders else None,
                "share_of_revenue": float(revenue / all_revenue) if all_revenue else None,
                "currency": currency,
            }
        )
    return rows


def _cents(value: Decimal) -> Decimal:
    """Two places, half away from zero, of the exact value (50 digits hold any quotient of
    a 4-place amount by a count exactly enough to round it)."""
    with localcontext() as context:
        context.prec = 50
        return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def median(totals: list[Decimal]) -> Decimal:
    middle = len(totals) // 2
    if len(totals) % 2:
        return totals[middle]
    with localcontext() as context:
        context.prec = 50
        return (totals[middle - 1] + totals[middle]) / 2


def sample_stddev(totals: list[Decimal]) -> float | None:
    """Sample standard deviation (n - 1), computed exactly in decimal, then a double."""
    if len(totals) < 2:
        return None
    with localcontext() as context:
        context.prec = 60
        mean = sum(totals) / len(totals)
        squares = sum((value - mean) ** 2 for value in totals)
        return float((squares / (len(totals) - 1)).sqrt())


def confidence_interval(
    totals: list[Decimal], stddev: float | None
) -> tuple[float | None, float | None]:
    """mean +- t(0.975, n - 1) * stddev / sqrt(n). Reading: the mean is the exact one, not
    the AOV rounded to cents, and the bounds are not rounded."""
    if stddev is None:
        return None, None
    n = len(totals)
    with localcontext() as context:
        context.prec = 50
        mean = float(sum(totals) / n)
    half = float(student_t.ppf(0.975, n - 1)) * stddev / math.sqrt(n)
    return mean - half, mean + half


__all__ = [
    "ORDER_COLUMNS",
    "SEGMENT_COLUMNS",
    "Result",
    "money",
    "parse_time",
    "reference",
]
