"""A messy sample: Web Session files that break each assumption the marts could make.

`loader sample` (loader/sample.py) writes tidy data that shares the models' assumptions (every
purchase has a total, names are the full ones, values are in range). This one does not (issue
13). `python -m loader sample --messy --out DIR [--visits N] [--days D] [--seed S]
[--large-record-bytes B]` writes:

DIR/landing-1/  land first, in one run (`python -m loader ingest DIR/landing-1`):
  WebSession.<hour>.<hour+1h>.part-00000-0.gz  report combinations: purchase attributes and
      purchase goals alone and together, with and without order ids and totals, cart and
      cart-status fallbacks, id-less re-sends, two id-less purchases of different amounts,
      one order id in two visits; full type names, union-wrapped top level.
  ...part-00001-0.gz  the same kinds of visits under short and odd-case type names
      (`Purchase`, `purchasemetadata`, `WEBSESSIONENGATTRSDATA`), with a bare top level
      (`metaData` and `recordCollection` as the reference prints them).
  ...part-00002-0.gz  bad values: PGP-armored text, 1e400, negative amounts, 10^14, non-numeric
      strings, a bare `"total": 50`, a boolean total, out-of-range item counts, unknown event
      times, and a visit whose `metaData.startTime` is 1e400.
  ...part-00003-0.gz  missing fields (no header on the first body, no `orderId`, no cart, no
      timestamps), unknown fields, unknown body, attribute and goal-metadata types (with
      order-like fields), other attributes and goals (Lead, CartStatus with a total, URL
      goals), repeated reports, padded and mixed-case customer ids and order ids, and the
      same visit twice in the file (the later line wins).
  ...part-00004-0.gz and on  N random visits (default 2000) mixing all of the above.
  ...part-00099-0.gz  only with --large-record-bytes B: one visit (navigation only) larger
      than B bytes uncompressed; the loader may refuse the file, so it holds nothing else.
DIR/landing-2/  land after landing-1, in a second run (re-deliveries):
  ...part-00000-0.gz  the first file again under the same name with changed content (one
      visit dropped, totals changed): it replaces the first landing of that file.
  ...part-00100-0.gz  changed copies of visits landed in landing-1 (another total, a lost
      purchase, a new customer id): the latest landing of a visit wins.
  ...part-00101-0.gz, and one random file again under its own name: changed copies of
      random visits, and a random file with some visits gone and some changed.
DIR/customer_memberships.csv  the membership list (customer_id, membership_tier,
  member_since): padded and mixed-case ids and tiers, a customer on two or three rows,
  rows without a tier or without a customer id, unknown member_since, unlisted tiers
  ("platinum", "bronze"), members since after some of their orders; every tier also wins
  for an `anchor-<tier>` customer of its own.
DIR/_messy_manifest.json  the files in landing order, with what each breaks.

Output depends only on the arguments. What the order rules leave open (see the report on
issue 13) is not generated, so that a disagreement with the reference is a real one: float
order or customer ids, decimal strings with exponents or blanks, times as digit strings or
as floats, ISO times outside 2000-2100, tiny negative amounts, a CustomerInfo without an id
beside one with an id, body type names that disagree with their fields, headers with
different visit ids in one record, duplicate JSON keys, non-ASCII ids, missing visitor ids,
a tier found only on rows that lose to another row of their customer, and customer ids or
tiers that dbt's seed loader reads as null ("null", "NULL").

`random_landings` alone gives random data sets for the tests (loader-independent bytes, a
membership CSV), their mess set by `Messiness`: all zero is tidy data.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import re
from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from loader.files import FILE_PREFIX

NS = "com.liveperson.dataaccess."
ACCOUNT_ID = "12345678"
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# A fixed end: the output depends only on the arguments.
DEFAULT_END = datetime(2026, 3, 1, tzinfo=UTC)
VISITS_PER_FILE = 500
MANIFEST_NAME = "_messy_manifest.json"
MEMBERSHIP_FILE = "customer_memberships.csv"
PGP_TEXT = (
    "-----BEGIN PGP MESSAGE-----\n\nhQEMA5gW0nMqbK3dAQf/Y2F0IGdvdCB0aGUgY3JlYW0=\n=q1Xz\n"
    "-----END PGP MESSAGE-----\n"
)
RAW_MARKER = re.compile(r'"\\u0000raw:([^"\\]*)\\u0000"')
MISSING = object()  # a field left out of the record entirely (null is None)

# --- JSON values -------------------------------------------------------------------------


class Bare:
    """A value written without the union wrapper the encoding puts around it."""

    def __init__(self, value: object):
        self.value = value


class RawNumber(str):
    """A JSON number written as given (`1e400`), which Python's json cannot write: a marker
    string that `to_json` turns back into the number."""

    __slots__ = ()


def raw(number_text: str) -> RawNumber:
    return RawNumber(f"\x00raw:{number_text}\x00")


def to_json(record: object) -> str:
    """One line of JSON, raw numbers written as given."""
    line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    return RAW_MARKER.sub(lambda match: match.group(1), line)


def value(given: object, branch: str) -> object:
    """A field's JSON: None is null, a dict is already encoded, `Bare` drops the wrapper,
    anything else is wrapped in `branch` (a str in "string")."""
    if given is None or isinstance(given, dict):
        return given
    if isinstance(given, Bare):
        return given.value
    if isinstance(given, str) and not isinstance(given, RawNumber):
        return {"string": given}
    return {branch: given}


def fields(**given: object) -> dict:
    """A record's fields from (name, (value, branch)) pairs, leaving MISSING ones out."""
    return {
        name: value(found, branch)
        for name, (found, branch) in given.items()
        if found is not MISSING
    }


# --- Record builders ---------------------------------------------------------------------

Header = dict
BodyBuilder = Callable[[Header | None], dict]


def visitor_header(visit_id: object, visitor_id: object, type_name: str = NS + "VisitorHeader"):
    """The union-wrapped VisitorHeader every body repeats."""
    return {
        type_name: fields(
            visitId=(visit_id, "string"), visitorId=(visitor_id, "string"), contextId=(None, "")
        )
    }


def _body(type_name: str, list_field: str, items: Sequence[dict], extra: dict) -> BodyBuilder:
    def build(header: Header | None) -> dict:
        content = {"header": header, list_field: {"array": list(items)}, **extra}
        return {"body": {type_name: content}}

    return build


def attributes(*events: dict, type_name: str = NS + "WebSessionEngAttrsData", **extra):
    """An engagement-attributes body holding `events`."""
    return _body(type_name, "engagementAttributes", events, extra)


def goals(*achieved: dict, type_name: str = NS + "WebSessionGoalAchievedData", **extra):
    """An achieved-goals body."""
    return _body(type_name, "achievedGoals", achieved, extra)


def navigation(*urls: str, timestamp: object = MISSING):
    """A navigation body (pages only: nothing here is an order)."""
    pages = [
        fields(timestamp=(timestamp, "long"), url=(url, "string"), referrerUrl=("", "string"))
        | {"sections": {"array": []}}
        for url in urls
    ]
    return _body(NS + "WebSessionNavigationData", "navigationData", pages, {})


def other_body(type_name: str, list_field: str, *items: dict):
    """A body of a type the rules do not know."""
    return _body(type_name, list_field, items, {})


def event(type_name: str, data: dict, timestamp: object = MISSING) -> dict:
    """An engagement-attribute event: `{"timestamp": ..., "data": {type_name: data}}`."""
    found = fields(timestamp=(timestamp, "long"))
    found["data"] = {type_name: data} if type_name else None
    return found


def cart(total: object = MISSING, num_items: object = MISSING, type_name: str = NS + "Cart"):
    """A union-wrapped cart (Purchase.cart) or cart status (PurchaseMetadata.cartStatus)."""
    return {type_name: fields(total=(total, "double"), numItems=(num_items, "int"))}


def purchase(
    order_id: object = MISSING,
    total: object = MISSING,
    cart: object = MISSING,
    timestamp: object = MISSING,
    type_name: str = NS + "Purchase",
    **extra: object,
) -> dict:
    """A Purchase engagement attribute (the purchase attribute report)."""
    data = fields(orderId=(order_id, "string"), total=(total, "double"))
    if cart is not MISSING:
        data["cart"] = cart
    return event(type_name, data | extra, timestamp)


def achieved_goal(
    meta_type: str | None, meta: dict | None, timestamp: object = MISSING, goal_id: int = 1
) -> dict:
    found = fields(
        id=(f"goal-{goal_id}", "string"),
        timestamp=(timestamp, "long"),
        campaignGoalRevision=(1, "long"),
        campaignGoalId=(goal_id, "long"),
        campaignGoalType=(1, "int"),
    )
    found["goalMetaData"] = {meta_type: meta} if meta_type else None
    return found


def purchase_goal(
    order_id: object = MISSING,
    total: object = MISSING,
    cart_status: object = MISSING,
    timestamp: object = MISSING,
    type_name: str = NS + "PurchaseMetadata",
    **extra: object,
) -> dict:
    """An achieved goal whose goalMetaData is PurchaseMetadata (the purchase goal report)."""
    meta = fields(orderId=(order_id, "string"), total=(total, "double"))
    if cart_status is not MISSING:
        meta["cartStatus"] = cart_status
    return achieved_goal(type_name, meta | extra, timestamp)


def customer_info(
    customer_id: object, timestamp: object = MISSING, type_name: str = NS + "CustomerInfo"
) -> dict:
    """A CustomerInfo engagement attribute carrying the brand's customer id."""
    data = fields(customerStatus=(None, ""), customerId=(customer_id, "string"))
    return event(type_name, data, timestamp)


def visit(
    visit_id: object,
    visitor_id: object,
    *,
    start: object,
    bodies: Sequence[BodyBuilder],
    wrapped: bool = True,
    header_on_first_body: bool = True,
    header_type: str = NS + "VisitorHeader",
    **extra: object,
) -> dict:
    """A whole visit record. `wrapped`: the top level union-wrapped (as in real files) or
    bare (as the reference prints it). `header_on_first_body=False`: the first body's header
    is null, so the visit id comes from the second."""
    header = visitor_header(visit_id, visitor_id, header_type)
    built = [
        builder(header if index or header_on_first_body else None)
        for index, builder in enumerate(bodies)
    ]
    meta = fields(
        accountId=(ACCOUNT_ID, "string"),
        schemaVersion=(Bare("1.0.0.22"), ""),
        startTime=(start, "long"),
        endTime=(None, ""),
    )
    return {
        "dataType": {NS + "DataTypeEnum": "WebSession"},
        "metaData": {NS + "MetaData": meta} if wrapped else meta,
        "recordCollection": {"array": built} if wrapped else built,
        **extra,
    }


def iso(ms: int, zone: str = "Z") -> str:
    """ISO-8601 text of epoch milliseconds, in UTC (`Z`, or no zone with "") or at an
    offset such as "+02:00" (the same instant)."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)
    if zone not in ("Z", ""):
        sign = -1 if zone[0] == "-" else 1
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        moment = (moment + sign * offset).replace(tzinfo=None)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}" + zone
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}" + zone


def gzip_lines(records: Sequence[dict | str]) -> bytes:
    """A file's bytes: one visit a line (records, or lines already written), gzip."""
    lines = [item if isinstance(item, str) else to_json(item) for item in records]
    return gzip.compress(("\n".join(lines) + "\n").encode("utf-8"), mtime=0)


def file_name(hour_ms: int, part: int) -> str:
    return f"{FILE_PREFIX}.{hour_ms}.{hour_ms + HOUR_MS}.part-{part:05d}-0.gz"


def membership_csv(rows: Sequence[tuple[str, str, str]]) -> str:
    """The seed's CSV text (customer_id, membership_tier, member_since)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("customer_id", "membership_tier", "member_since"))
    writer.writerows(rows)
    return out.getvalue()


# --- Random messy visits -------------------------------------------------------------------


@dataclass(frozen=True)
class Messiness:
    """How often each kind of mess occurs in random visits (0: never, 1: always)."""

    bare_top_level: float = 0.3
    short_names: float = 0.3  # a type name given by its short name
    odd_case: float = 0.2  # a type name in other letter case
    unknown_start: float = 0.05
    unknown_time: float = 0.1
    idless: float = 0.35  # a purchase reported without an order id
    shared_order_id: float = 0.1  # an order id also reported in another visit
    resend: float = 0.2  # a report sent again
    missing_total: float = 0.3
    bad_value: float = 0.1
    padded_id: float = 0.3
    identified: float = 0.6  # a visit with a CustomerInfo
    noise: float = 0.3  # unknown types and fields, other attributes and goals
    redelivered: float = 0.1  # visits landed again, changed, in a later run
    odd_branches: float = 0.3  # money as text, long or int, another branch, several keys
    # Branch names for money besides double, string, long and int (any name is a scalar's).
    branch_names: tuple[str, ...] = ("float", "Double", "com.example.Money")


@dataclass
class Landings:
    """Files to land, run by run, and the membership list's CSV text."""

    runs: list[list[tuple[str, bytes]]]
    membership_rows: list[tuple[str, str, str]] = field(default_factory=list)
    described: dict[str, str] = field(default_factory=dict)  # file name: what it breaks

    @property
    def memberships_csv(self) -> str:
        return membership_csv(with_anchors(self.membership_rows))


AMOUNTS = (50, 70, 19.99, 120.5, 35.25)
# Rare: zero, doubles just above and below a half (1.00005 is 1.0001, 2.00005 is 2.0000),
# four places, and the largest doubles below 10^14.
EDGE_AMOUNTS = (0, 1.00005, 2.00005, 1234.5678, 99999999999999.98)
BAD_AMOUNTS = (
    PGP_TEXT,
    raw("1e400"),
    -5.5,
    "-7",
    100_000_000_000_000,
    "abc",
    "1e400",
    Bare(50),
    True,
)
BAD_TIMES = (None, MISSING, raw("1e400"), 12, "yesterday", Bare(1_767_225_600_000))
TIERS = ("premium", "Gold ", " STANDARD", "platinum", "bronze", "gold", "Premium\t")
OTHER_ATTRIBUTES = ("Lead", "CartStatus", "ViewedProduct", "PersonalInfo", "Refund")
OTHER_GOALS = ("UrlGoalMetadata", "LeadMetadata", "ReduceAbandonmentGoalMetadata", "Refund")


class MessyVisits:
    """Random visits for one data set: shared pools of visitors, customers and order ids."""

    def __init__(
        self, rng: random.Random, messiness: Messiness, count: int, start_ms: int, days: int
    ):
        self.rng = rng
        self.mess = messiness
        self.start_ms = start_ms
        self.span_ms = days * DAY_MS
        self.visitors = [f"visitor-{n:05d}" for n in range(max(1, count // 3))]
        self.customers = [f"C{n:05d}" for n in range(max(1, count // 4))]
        self.order_ids: list[str] = []
        self.count = 0

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def type_name(self, short: str) -> str:
        """A type name in full, short or odd-case form."""
        name = short if self.chance(self.mess.short_names) else NS + short
        if self.chance(self.mess.odd_case):
            name = self.rng.choice((name.upper(), name.lower(), name.swapcase()))
        return name

    def padded(self, text: str) -> str:
        if not self.chance(self.mess.padded_id):
            return text
        left, right = (
            self.rng.choice((" ", "\t", "\n", "\r\n", "  ", "")),
            self.rng.choice((" ", "\t", "\n", "")),
        )
        return left + text + right

    def time(self, ms: int) -> object:
        """An event time: epoch milliseconds, ISO text of the same instant, or unknown."""
        if self.chance(self.mess.unknown_time):
            return self.rng.choice(BAD_TIMES)
        if not self.chance(self.mess.odd_branches):
            return ms
        return iso(ms, self.rng.choice(("Z", "", "+02:00", "-05:30")))

    def amount(self) -> object:
        """A money value: often one of a few amounts (so id-less reports collide), a bad
        value, or under another branch name."""
        if self.chance(self.mess.bad_value):
            return self.rng.choice(BAD_AMOUNTS)
        if self.chance(self.mess.bad_value / 5):
            amount = self.rng.choice(EDGE_AMOUNTS)
        elif self.chance(0.5):
            amount = self.rng.choice(AMOUNTS)
        else:
            amount = round(self.rng.uniform(1, 400), 2)
        if not self.chance(self.mess.odd_branches):
            return amount  # {"double": amount}
        branch = self.rng.random()
        if branch < 0.35:
            return {"string": repr(amount) if isinstance(amount, float) else str(amount)}
        if branch < 0.7 and float(amount).is_integer():
            return {self.rng.choice(("long", "int")): int(amount)}
        if branch < 0.8:
            return {"double": amount, "string": "read by the first key"}
        return {self.rng.choice(self.mess.branch_names): amount}

    def order_id(self) -> str | dict:
        if self.order_ids and self.chance(self.mess.shared_order_id):
            return self.padded(self.rng.choice(self.order_ids))
        if self.chance(self.mess.odd_branches / 3):
            number = self.rng.randrange(10**6)
            self.order_ids.append(str(number))
            return {"long": number}
        order = f"O-{self.rng.randrange(10**6):06d}" if self.chance(0.98) else "o-000001"
        self.order_ids.append(order)
        return self.padded(order)

    def num_items(self) -> object:
        if self.chance(self.mess.bad_value):
            return self.rng.choice((-1, 2_147_483_648, Bare(3), None))
        return self.rng.randrange(0, 12) if self.chance(0.7) else MISSING

    def cart_record(self, total: object, status: bool) -> object:
        if total is MISSING and self.chance(self.mess.missing_total):
            return MISSING if self.chance(0.5) else None
        return cart(
            total=total,
            num_items=self.num_items(),
            type_name=self.type_name("CartStatus" if status else "Cart"),
        )

    def purchase_reports(self, start: int) -> tuple[list[dict], list[dict]]:
        """One purchase as the site reports it: an attribute, a goal or both, with or
        without an id and totals, sometimes sent twice."""
        order_id = MISSING if self.chance(self.mess.idless) else self.order_id()
        amount = self.amount()
        kind = self.rng.choices(("attribute", "goal", "both"), weights=(4, 2, 3))[0]
        found: tuple[list[dict], list[dict]] = ([], [])
        for as_goal in (False, True):
            if kind == ("attribute" if as_goal else "goal"):
                continue
            # Finding 2: one report with the id, the other without.
            this_id = MISSING if kind == "both" and as_goal and self.chance(0.3) else order_id
            total = MISSING if self.chance(self.mess.missing_total) else amount
            cart_total = amount if total is MISSING and self.chance(0.6) else MISSING
            if self.chance(0.1):
                cart_total = self.amount()
            when = self.time(start + self.rng.randrange(1, 3_600_000))
            build = purchase_goal if as_goal else purchase
            extra = {"couponCode": {"string": "SPRING"}} if self.chance(self.mess.noise) else {}
            report = build(
                order_id=this_id,
                total=total,
                timestamp=when,
                type_name=self.type_name("PurchaseMetadata" if as_goal else "Purchase"),
                **{("cart_status" if as_goal else "cart"): self.cart_record(cart_total, as_goal)},
                **extra,
            )
            found[as_goal].append(report)
            if self.chance(self.mess.resend):
                found[as_goal].append(deepcopy(report))
        return found

    def noise_events(self, start: int) -> tuple[list[dict], list[dict]]:
        events, achieved = [], []
        for _ in range(self.rng.randrange(0, 3)):
            kind = self.rng.choice(OTHER_ATTRIBUTES)
            data = fields(orderId=("R-1", "string"), total=(25, "double"), value=(9, "double"))
            events.append(event(self.type_name(kind), data, self.time(start + 5)))
        for number in range(self.rng.randrange(0, 2)):
            kind = self.rng.choice(OTHER_GOALS)
            meta = fields(url=("https://shop.example.com/", "string"), total=(25, "double"))
            achieved.append(achieved_goal(self.type_name(kind), meta, start + 7, number + 7))
        if self.chance(0.2):
            events.append(event("", {}, start + 9))  # an event with null data
        return events, achieved

    def customer_events(self, start: int) -> list[dict]:
        if self.chance(self.mess.identified):
            chosen = self.rng.sample(self.customers, k=min(len(self.customers), 2))
            count = 1 if self.chance(0.8) else 2
            return [
                customer_info(
                    self.padded(self.case(customer)),
                    self.time(start + self.rng.randrange(0, 3_600_000)),
                    self.type_name("CustomerInfo"),
                )
                for customer in chosen[:count]
            ]
        if self.chance(self.mess.noise):
            # The only CustomerInfo of the visit, without a usable id.
            return [customer_info(self.rng.choice((None, "  ", MISSING)), start + 1)]
        return []

    def case(self, text: str) -> str:
        if not self.chance(self.mess.padded_id):
            return text
        return self.rng.choice((text, text.lower(), text.upper()))

    def start(self) -> tuple[int, object]:
        ms = self.start_ms + self.rng.randrange(self.span_ms)
        if self.chance(self.mess.unknown_start):
            return ms, self.rng.choice((raw("1e400"), None, MISSING, Bare(ms), 5, "soon"))
        return ms, iso(ms) if self.chance(self.mess.odd_branches / 3) else ms

    def visit(self) -> dict:
        """A random visit."""
        self.count += 1
        visit_id = f"mv-{self.count:06d}-{self.rng.randrange(16**6):06x}"
        ms, start = self.start()
        events = self.customer_events(ms)
        achieved: list[dict] = []
        for _ in range(self.rng.choices((0, 1, 2, 3), weights=(3, 5, 2, 1))[0]):
            more_events, more_goals = self.purchase_reports(ms)
            events += more_events
            achieved += more_goals
        if self.chance(self.mess.noise):
            more_events, more_goals = self.noise_events(ms)
            events += more_events
            achieved += more_goals
        self.rng.shuffle(events)
        self.rng.shuffle(achieved)
        bodies = [navigation("https://shop.example.com/", timestamp=ms)]
        while events:
            cut = self.rng.randrange(1, len(events) + 1)
            bodies.append(attributes(*events[:cut], type_name=self.type_name(ENG)))
            events = events[cut:]
        while achieved:
            cut = self.rng.randrange(1, len(achieved) + 1)
            bodies.append(goals(*achieved[:cut], type_name=self.type_name(GOALS)))
            achieved = achieved[cut:]
        if self.chance(self.mess.noise):
            bodies.append(other_body(self.type_name("WebSessionWeatherData"), "weather"))
        self.rng.shuffle(bodies)
        return visit(
            visit_id,
            self.rng.choice(self.visitors),
            start=start,
            bodies=bodies,
            wrapped=not self.chance(self.mess.bare_top_level),
            header_on_first_body=len(bodies) == 1 or not self.chance(self.mess.noise / 3),
            header_type=self.type_name("VisitorHeader"),
            **({"unknownTopLevelField": {"string": "x"}} if self.chance(self.mess.noise) else {}),
        )

    def changed(self, record: dict) -> dict:
        """A re-delivered copy with other content: a body lost, a customer added, a total
        or an order id changed."""
        copy = deepcopy(record)
        bodies = copy["recordCollection"]
        bodies = bodies["array"] if isinstance(bodies, dict) else bodies
        how = self.rng.choice(("lose", "customer", "total", "orderId"))
        if how == "lose" and len(bodies) > 1:
            bodies.pop(self.rng.randrange(len(bodies)))
        elif how in ("total", "orderId") and _change_first(bodies, how):
            pass
        else:
            customer = customer_info(self.rng.choice(self.customers), None)
            bodies.append(attributes(customer)(_first_header(bodies)))
        return copy

    def memberships(self) -> list[tuple[str, str, str]]:
        """A messy membership list for this data set's customers."""
        epoch = datetime(1970, 1, 1)
        first = (epoch + timedelta(milliseconds=self.start_ms)).date().toordinal() - 20
        end = (epoch + timedelta(milliseconds=self.start_ms + self.span_ms)).date()
        rows = []
        for customer in self.customers:
            if not self.chance(0.7):
                continue
            for _ in range(self.rng.choices((1, 2, 3), weights=(8, 2, 1))[0]):
                since = date.fromordinal(self.rng.randint(first, end.toordinal() + 5))
                rows.append(
                    (
                        self.padded(self.case(customer)),
                        self.rng.choice(TIERS),
                        "" if self.chance(0.1) else since.isoformat(),
                    )
                )
        rows.append(("C99998", "", "2026-01-01"))  # no tier: ignored
        rows.append(("", "gold", "2026-01-01"))  # no customer: ignored
        self.rng.shuffle(rows)
        return rows


def with_anchors(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The rows plus, for every tier on them, a customer of its own for whom that tier wins:
    whether a tier that only ever loses to another row of its key is "present on the list"
    is left open by the rules, so it never happens here."""
    tiers = sorted({tier.strip(" \t\r\n").lower() for _, tier, _ in rows} - {""})
    return rows + [(f"anchor-{tier}", tier, "2020-01-01") for tier in tiers]


ENG = "WebSessionEngAttrsData"
GOALS = "WebSessionGoalAchievedData"


def _change_first(node: object, name: str) -> bool:
    """Change the first `name` field holding a wrapped number (+1) or text (+"-re")."""
    if isinstance(node, list):
        return any(_change_first(item, name) for item in node)
    if not isinstance(node, dict):
        return False
    found = node.get(name)
    if isinstance(found, dict) and len(found) == 1:
        branch_name, inner = next(iter(found.items()))
        if isinstance(inner, int | float) and not isinstance(inner, bool):
            node[name] = {branch_name: inner + 1}
            return True
        if isinstance(inner, str) and not isinstance(inner, RawNumber) and inner.strip():
            node[name] = {branch_name: inner.strip() + "-re"}
            return True
    return any(_change_first(item, name) for item in node.values())


def _first_header(bodies: list[dict]) -> dict | None:
    for body in bodies:
        content = next(iter(body["body"].values()))
        if content.get("header"):
            return content["header"]
    return None


def random_landings(
    seed: int,
    visits: int,
    *,
    days: int = 7,
    messiness: Messiness | None = None,
    end: datetime = DEFAULT_END,
    runs: int = 2,
    first_part: int = 4,
) -> Landings:
    """`visits` random visits in files of VISITS_PER_FILE, landed in `runs` runs: the first
    lands every file; each later one re-delivers changed copies of some visits (one file
    replacing an earlier file under the same name, one new file) and the same visit twice
    in a file."""
    rng = random.Random(seed)  # noqa: S311 (test data, not security)
    end_ms = int(end.timestamp()) * 1000
    start_ms = end_ms - days * DAY_MS
    mess = messiness or Messiness()
    generator = MessyVisits(rng, mess, visits, start_ms, days)
    records = [generator.visit() for _ in range(visits)]
    files: dict[str, list[dict]] = {}
    for index in range(0, max(visits, 1), VISITS_PER_FILE):
        chunk = records[index : index + VISITS_PER_FILE]
        if chunk and rng.random() < mess.redelivered:
            chunk.append(generator.changed(rng.choice(chunk)))  # the same visit again, later
        files[file_name(start_ms, first_part + index // VISITS_PER_FILE)] = chunk
    landings = Landings([[(name, gzip_lines(found)) for name, found in files.items()]])
    names = list(files)
    for run in range(1, runs):
        again = [generator.changed(r) for r in records if rng.random() < mess.redelivered]
        later = [(file_name(start_ms + run * HOUR_MS, 100 + run), gzip_lines(again or records[:1]))]
        replaced = rng.choice(names)
        kept = [
            r if rng.random() > mess.redelivered else generator.changed(r)
            for r in files[replaced]
            if rng.random() > mess.redelivered / 2
        ]
        later.append((replaced, gzip_lines(kept or files[replaced][:1])))
        landings.runs.append(later)
        landings.described[later[0][0]] = "changed copies of random visits landed before"
        landings.described[f"{run + 1}:{replaced}"] = (
            "re-delivery under the same name: some visits gone, some changed"
        )
    landings.membership_rows = generator.memberships()
    return landings


# --- The curated files ---------------------------------------------------------------------


def _names(style: str) -> Callable[[str], str]:
    """Type names in one style: full, short, or odd case (short names, letters mixed)."""
    if style == "full":
        return lambda short: NS + short
    if style == "short":
        return lambda short: short
    return lambda short: short.upper() if len(short) % 2 else short.lower()


def combination_visits(prefix: str, t0: int, style: str, wrapped: bool) -> list[dict]:
    """Every report combination, each in its own visit (visitor `<prefix>-p<n>`)."""
    name = _names(style)

    def one(n: int, *bodies: BodyBuilder, customer: str | None = None) -> dict:
        found = list(bodies)
        if customer is not None:
            found.append(attributes(customer_info(customer, t0 + n), type_name=name(ENG)))
        return visit(
            f"{prefix}-v{n:02d}",
            f"{prefix}-p{n:02d}",
            start=t0 + n * 60_000,
            bodies=found,
            wrapped=wrapped,
            header_type=name("VisitorHeader"),
        )

    def attr(*events: dict) -> BodyBuilder:
        return attributes(*events, type_name=name(ENG))

    def goal(*achieved: dict) -> BodyBuilder:
        return goals(*achieved, type_name=name(GOALS))

    def buy(n: int, **given: object) -> dict:
        return purchase(timestamp=t0 + n * 60_000 + 1000, type_name=name("Purchase"), **given)

    def met(n: int, **given: object) -> dict:
        return purchase_goal(
            timestamp=t0 + n * 60_000 + 2000, type_name=name("PurchaseMetadata"), **given
        )

    def basket(total: object = MISSING, items: object = MISSING, short: str = "Cart") -> dict:
        return cart(total, items, type_name=name(short))

    oid = f"{prefix.upper()}-O"
    return [
        one(1, attr(buy(1, order_id=f"{oid}1", total=50, cart=basket(50, 2))), customer="M0001"),
        one(2, goal(met(2, order_id=f"{oid}2", total=60)), customer=" m0002 "),
        # Finding 1: no total on the attribute, a total on the goal: the goal's counts.
        one(3, attr(buy(3, order_id=f"{oid}3")), goal(met(3, order_id=f"{oid}3", total=75))),
        # Finding 2: an id on the attribute, none on the goal, same total: one order.
        one(4, attr(buy(4, order_id=f"{oid}4", total=80)), goal(met(4, total=80))),
        # Finding 3: two purchases without ids, 50 then 70: two orders.
        one(5, attr(buy(5, total=50), buy(5, total=70)), customer="M0005"),
        # Cart fallbacks without ids, attribute and goal of the same amount: one order.
        one(6, attr(buy(6, cart=basket(33.5, 1))), goal(met(6, cart_status=basket(33.5)))),
        # An id-less report sent three times: one order.
        one(7, attr(buy(7, total=12), buy(7, total=12)), goal(met(7, total=12))),
        # Reports without any amount beside one with an amount: one order.
        one(8, attr(buy(8, total=99)), goal(met(8), met(8, cart_status=None))),
        # No total, no cart: an order without a total.
        one(9, attr(buy(9, order_id=f"{oid}9")), customer="M0009"),
        # The same order id in two visits of one visitor.
        one(10, attr(buy(10, order_id=f"{oid}10", total=41.25))),
        visit(
            f"{prefix}-v10b",
            f"{prefix}-p10",
            start=t0 + 10 * 60_000 + 30_000,
            bodies=[goal(met(10, order_id=f"{oid}10", total=41.25))],
            wrapped=wrapped,
        ),
        # Cart-status fallback on a goal with an id; items from the goal's cart status.
        one(11, goal(met(11, order_id=f"{oid}11", cart_status=basket(18, 3, "CartStatus")))),
    ]


def bad_value_visits(t0: int) -> list[dict]:
    """Values the rules read as no value, and a start time of 1e400."""
    bad = (PGP_TEXT, raw("1e400"), -5.5, 100_000_000_000_000, "not a number", Bare(50), True)
    found = [
        visit(
            f"bad-v{n}",
            f"bad-p{n}",
            start=t0 + n * 1000,
            bodies=[
                attributes(
                    purchase(f"BAD-{n}", value_, cart(12.5, -1), t0 + n * 1000 + 1),
                    customer_info("M0001", t0),
                )
            ],
        )
        for n, value_ in enumerate(bad)
    ]
    found.append(
        visit(
            "bad-start",
            "bad-p0",  # the visitor of bad-v0, earlier: a customer it neither gets nor gives
            start=raw("1e400"),
            bodies=[attributes(purchase("BAD-START", 42, timestamp="2026-02-25T10:00:00Z"))],
        )
    )
    found.append(
        visit(
            "bad-times",
            "bad-p9",
            start=t0,
            bodies=[
                attributes(
                    purchase("BAD-T", 10, timestamp=raw("1e400")),
                    purchase(total=20, timestamp=12),
                    purchase(total=30, timestamp="soon"),
                    purchase(total=40, timestamp=None),
                    purchase(total=50, cart=cart(num_items=2_147_483_648)),
                )
            ],
        )
    )
    return found


def missing_and_unknown_visits(t0: int) -> list[dict]:
    """Missing fields, unknown fields and types, repeats, padded ids, a visit twice."""
    refund = event(NS + "Refund", fields(orderId=("REF-1", "string"), total=(25, "double")), t0 + 1)
    cart_status = event(NS + "CartStatus", fields(total=(60, "double")), t0 + 2)
    lead_goal = achieved_goal(NS + "LeadMetadata", fields(value=(70, "double")), t0 + 3)
    unknown_goal = achieved_goal(
        "com.example.RefundMetadata", fields(orderId=("REF-2", "string")), t0 + 4
    )
    twice = visit(
        "odd-twice",
        "odd-p6",
        start=t0,
        bodies=[attributes(purchase("ODD-TWICE", 10, timestamp=t0 + 5))],
    )
    return [
        # No header on the first body: the visit id is the second body's.
        visit(
            "odd-v1",
            "odd-p1",
            start=t0,
            bodies=[navigation("https://shop.example.com/"), attributes(purchase("ODD-1", 5))],
            header_on_first_body=False,
        ),
        # No visit id anywhere: not a visit, its purchase not an order.
        visit("", "odd-p2", start=t0, bodies=[attributes(purchase("ODD-NOVISIT", 5))]),
        # Unknown types with order-like fields, other attributes and goals, an unknown body.
        visit(
            "odd-v3",
            "odd-p3",
            start=t0,
            bodies=[
                attributes(refund, cart_status, event("", {}, t0)),
                goals(lead_goal, unknown_goal),
                other_body(NS + "WebSessionWeatherData", "weather", {"rain": {"double": 1}}),
            ],
            unknownTopLevelField={"string": "x"},
        ),
        # Unknown fields inside a purchase; padded order and customer ids; a repeat.
        visit(
            "odd-v4",
            "odd-p4",
            start=t0,
            bodies=[
                attributes(
                    purchase(" ODD-4\t", 15, timestamp=t0 + 1, couponCode={"string": "X"}),
                    purchase("ODD-4", 15, timestamp=t0 + 2),
                    customer_info("\tM0004 \r\n", t0),
                )
            ],
        ),
        # Order ids differ by case: two orders. An order id of blanks: no id.
        visit(
            "odd-v5",
            "odd-p5",
            start=t0,
            bodies=[attributes(purchase("odd-5", 7), purchase("ODD-5", 8), purchase(" \t", 9))],
        ),
        twice,
        to_json(twice).replace('"double":10', '"double":11'),  # the same visit, later line
    ]


CURATED = {
    0: "report combinations; full type names; union-wrapped top level",
    1: "report combinations under short and odd-case type names; bare top level",
    2: "bad values (PGP text, 1e400, negative, 10^14, non-numeric, bare, boolean), unknown "
    "times, out-of-range item counts, a visit whose metaData.startTime is 1e400",
    3: "missing fields, unknown fields and types, repeated reports, padded and mixed-case "
    "ids, the same visit twice in the file",
}
CURATED_MEMBERS = [
    ("M0001", "premium", "2026-01-01"),
    ("m0001 ", "gold", "2025-06-01"),  # the same key, a lower tier: premium wins
    (" M0002", "Gold", ""),  # unknown member_since: every order is a member's
    ("M0005", "standard", "2026-02-27"),  # since after some of the window's orders
    ("M0005", "standard", "2026-02-26"),  # the same tier: the earliest date wins
    ("M0009", "platinum", "2024-01-01"),  # a tier not in membership_tiers
    ("m0004", "", "2024-01-01"),  # no tier: ignored (M0004 is no member)
]


def messy_landings(
    *, visits: int, days: int, seed: int, large_record_bytes: int | None = None
) -> Landings:
    """The whole messy sample: curated files, random visits, re-deliveries, memberships."""
    end_ms = int(DEFAULT_END.timestamp()) * 1000
    start_ms = end_ms - days * DAY_MS
    t0 = start_ms + HOUR_MS
    curated = {
        0: combination_visits("full", t0, "full", wrapped=True),
        1: [
            *combination_visits("short", t0, "short", wrapped=False),
            *combination_visits("case", t0, "odd", wrapped=False),
        ],
        2: bad_value_visits(t0),
        3: missing_and_unknown_visits(t0),
    }
    found = random_landings(seed, visits, days=days, first_part=len(curated))
    first_run = [(file_name(start_ms, part), gzip_lines(rows)) for part, rows in curated.items()]
    described = {file_name(start_ms, part): what for part, what in CURATED.items()}
    if large_record_bytes:
        large = visit(
            "large-v1",
            "large-p1",
            start=t0,
            bodies=[navigation("https://shop.example.com/" + "x" * large_record_bytes)],
        )
        first_run.append((file_name(start_ms, 99), gzip_lines([large])))
        described[file_name(start_ms, 99)] = f"one record larger than {large_record_bytes} bytes"
    # Re-deliveries: the first file again, same name, without one visit and with one total
    # changed; and changed copies of visits of the other curated files in a new file.
    redelivered = [record for record in curated[0] if record is not curated[0][4]]
    redelivered[0] = to_json(redelivered[0]).replace('"double":50', '"double":55')
    changed = [
        to_json(curated[1][2]).replace('"double":75', '"double":76'),
        visit("odd-v4", "odd-p4", start=t0, bodies=[attributes(customer_info("M0002"))]),
        to_json(curated[2][-2]).replace(":42}", ":43}"),
    ]
    second_run = [
        (file_name(start_ms, 0), gzip_lines(redelivered)),
        (file_name(start_ms, 100), gzip_lines(changed)),
    ]
    described[f"2:{file_name(start_ms, 0)}"] = (
        "re-delivery of the first file under the same name: one visit gone, one total changed"
    )
    described[file_name(start_ms, 100)] = "changed copies of visits landed before"
    runs = [first_run + found.runs[0], second_run + found.runs[1]]
    return Landings(runs, CURATED_MEMBERS + found.membership_rows, described)


@dataclass(frozen=True)
class MessySummary:
    files: list[Path]  # in landing order
    visits: int
    bytes_compressed: int


def write_messy_sample(
    out_dir: Path,
    *,
    visits: int = 2000,
    days: int = 7,
    seed: int = 42,
    large_record_bytes: int | None = None,
) -> MessySummary:
    """Write the messy sample under `out_dir` (see the module docstring)."""
    landings = messy_landings(
        visits=visits, days=days, seed=seed, large_record_bytes=large_record_bytes
    )
    out_dir = Path(out_dir)
    written: list[Path] = []
    manifest_runs = []
    for run_number, run in enumerate(landings.runs, start=1):
        folder = out_dir / f"landing-{run_number}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in run:
            (folder / name).write_bytes(data)
            written.append(folder / name)
        manifest_runs.append(
            {
                "folder": folder.name,
                "files": {
                    name: landings.described.get(f"{run_number}:{name}")
                    or landings.described.get(name, "random messy visits")
                    for name, _ in run
                },
            }
        )
    (out_dir / MEMBERSHIP_FILE).write_text(landings.memberships_csv, encoding="utf-8")
    manifest = {
        "generator": "loader.messy_sample",
        "seed": seed,
        "visits": visits,
        "days": days,
        "land_in_order": manifest_runs,
        "memberships": MEMBERSHIP_FILE,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return MessySummary(written, visits, sum(path.stat().st_size for path in written))
