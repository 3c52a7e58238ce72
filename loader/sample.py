"""Synthetic Web Session files, shaped like LivePerson's, for demos, tests and benchmarks.

`write_sample` writes hourly `WebSession.<startMs>.<endMs>.part-NNNNN-N.gz` files (gzip,
one visit per line in Avro's JSON encoding) plus `_sample_manifest.json`, which says how many
items of each kind were written so that tests can compare warehouse row counts to it.

Everything is fake and easy to spot: account 12345678, `example.com` e-mails, `+1-555-` phones,
IP addresses from the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32). Output depends only on the arguments: the same call with the same `end`
gives the same bytes.
"""

from __future__ import annotations

import base64
import bisect
import csv
import gzip
import json
import math
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from loader.files import FILE_PREFIX

NS = "com.liveperson.dataaccess."
ACCOUNT_ID = "12345678"
SCHEMA_VERSION = "1.0.0.22"
MANIFEST_NAME = "_sample_manifest.json"
# Real hours come in many parts; 2000 visits keeps a part at roughly 10-20 MB uncompressed.
MAX_VISITS_PER_PART = 2000

# LivePerson does not publish the GEO and session-info type names: these are guesses, kept here
# so that they can be corrected in one place once the real schema (/le/schema) is known.
GEO_BODY = NS + "WebSessionGeoData"
GEO_FIELD = "geo"
GEO_RECORD = NS + "Geo"
SESSION_INFO_BODY = NS + "WebSessionSessionInfoData"
SESSION_INFO_FIELD = "sessionInfo"
SESSION_INFO_RECORD = NS + "SessionInfo"
DEVICE_OS_ENUM = NS + "DeviceOSEnum"
DEVICE_FAMILY_ENUM = NS + "DeviceFamilyEnum"
CONTROL_GROUP_ENUM = NS + "ControlGroupEnum"
# Purchase.cart's record name is not published either; CartStatus is the documented one.
CART_RECORD = NS + "Cart"
CART_STATUS_RECORD = NS + "CartStatus"
PRODUCT_RECORD = NS + "Product"

NAVIGATION_BODY = NS + "WebSessionNavigationData"
ELIGIBILITY_BODY = NS + "WebSessionEligibilityData"
IMPRESSION_BODY = NS + "WebSessionImpressionData"
GOAL_BODY = NS + "WebSessionGoalAchievedData"
ATTRIBUTES_BODY = NS + "WebSessionEngAttrsData"

BODY_TYPES = tuple(
    name.rsplit(".", 1)[1]
    for name in (
        NAVIGATION_BODY,
        SESSION_INFO_BODY,
        GEO_BODY,
        ELIGIBILITY_BODY,
        IMPRESSION_BODY,
        ATTRIBUTES_BODY,
        GOAL_BODY,
    )
)
IMPRESSION_TYPES = ("Show", "Accept", "Close", "Timeout")
GOAL_METADATA_TYPES = (
    "UrlGoalMetadata",
    "PurchaseMetadata",
    "ReduceAbandonmentGoalMetadata",
    "IncreaseInteractionGoalMetadata",
    "LeadMetadata",
    "ServiceActivityMetadata",
)
ATTRIBUTE_TYPES = (
    "Purchase",
    "Lead",
    "CartStatus",
    "ViewedProduct",
    "CustomerInfo",
    "PersonalInfo",
    "ServiceActivity",
    "VisitorError",
    "MarketingCampaignInfo",
)
COUNT_KEYS = (
    *(f"bodies.{name}" for name in BODY_TYPES),
    "navigation",
    "eligibility_assessments",
    "eligible_campaigns",
    *(f"impressions.{name}" for name in IMPRESSION_TYPES),
    *(f"goals.{name}" for name in GOAL_METADATA_TYPES),
    *(f"attributes.{name}" for name in ATTRIBUTE_TYPES),
    "products.purchase",
    "products.cart",
    "products.viewed",
)

MEMBERSHIP_COUNT = 400
MEMBERSHIP_TIERS = ("premium", "gold", "standard")
# Mean order value per segment: the differences are what the AOV-by-membership mart should find.
MEAN_ORDER_VALUE = {"premium": 180.0, "gold": 120.0, "standard": 80.0, "non_member": 70.0}
ANONYMOUS_MEAN_ORDER_VALUE = 60.0
PURCHASE_RATE = {"premium": 0.16, "gold": 0.13, "standard": 0.10, "non_member": 0.09}
ANONYMOUS_PURCHASE_RATE = 0.04
CHECKOUT_ENGAGEMENT_LIFT = 0.2

# Relative traffic per UTC hour of day: quiet at night, busiest in the afternoon.
_HOURLY_WEIGHTS = (
    0.35, 0.25, 0.18, 0.14, 0.12, 0.13, 0.20, 0.35, 0.55, 0.75, 0.90, 1.00,
    1.05, 1.10, 1.15, 1.20, 1.20, 1.15, 1.10, 1.05, 0.95, 0.80, 0.62, 0.48,
)  # fmt: skip
_HOUR_MS = 3_600_000


@dataclass(frozen=True)
class SampleSummary:
    files: list[Path]
    visits: int
    bytes_compressed: int
    bytes_uncompressed: int
    counts: dict[str, int]


@dataclass(frozen=True)
class Membership:
    customer_id: str
    membership_tier: str
    member_since: date


def customer_memberships() -> list[Membership]:
    """The fixed membership list behind `seeds/customer_memberships.csv` (C000001..C000400).

    It never depends on the sample's seed, so every sample joins to the same seed file.
    """
    rng = random.Random(20_160_601)
    first_day = date(2018, 1, 1).toordinal()
    last_day = date(2025, 12, 31).toordinal()
    members = []
    for number in range(1, MEMBERSHIP_COUNT + 1):
        tier = rng.choices(MEMBERSHIP_TIERS, weights=(15, 30, 55))[0]
        since = date.fromordinal(rng.randint(first_day, last_day))
        members.append(Membership(f"C{number:06d}", tier, since))
    return members


def write_membership_seed(path: Path) -> None:
    """Write the membership list as the dbt seed CSV."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("customer_id", "membership_tier", "member_since"))
        for member in customer_memberships():
            writer.writerow((member.customer_id, member.membership_tier, member.member_since))


def write_sample(
    out_dir: Path,
    *,
    visits: int = 2000,
    days: int = 7,
    seed: int = 42,
    end: datetime | None = None,
) -> SampleSummary:
    """Write `visits` synthetic visits spread over the `days` days before `end`.

    `end` defaults to the current UTC hour and is floored to an hour (a naive datetime is taken
    as UTC). Files are streamed one at a time; existing files of the same name are replaced,
    other files in `out_dir` are left alone.
    """
    if visits < 0:
        raise ValueError("visits must not be negative")
    if days < 1:
        raise ValueError("days must be at least 1")
    if end is None:
        end = datetime.now(UTC)
    elif end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    end = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    end_ms = int(end.timestamp()) * 1000
    hours = days * 24
    start_ms = end_ms - hours * _HOUR_MS

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    generator = _VisitGenerator(rng, seed=seed, visitors=max(1, visits // 3), end_ms=end_ms)

    files: list[Path] = []
    bytes_compressed = bytes_uncompressed = 0
    for hour_start, parts in _plan_files(rng, visits, start_ms, hours):
        for part_number, part_visits in enumerate(parts):
            name = f"{FILE_PREFIX}.{hour_start}.{hour_start + _HOUR_MS}.part-{part_number:05d}-0.gz"
            # One in five files uses the bare top level the reference prints, the rest the
            # union-wrapped one seen in real files; decided by position so both always occur.
            wrapped = len(files) % 5 != 4
            path = out_dir / name
            tmp = path.with_name(name + ".tmp")
            # filename="" and mtime=0 keep the gzip header free of anything run-specific.
            with (
                open(tmp, "wb") as raw,
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) as gz,
            ):
                for chunk in _chunks(generator, hour_start, part_visits, wrapped):
                    gz.write(chunk)
                    bytes_uncompressed += len(chunk)
            # Renamed only when complete, so an ingester never sees half a file.
            os.replace(tmp, path)
            bytes_compressed += path.stat().st_size
            files.append(path)

    summary = SampleSummary(
        files=files,
        visits=visits,
        bytes_compressed=bytes_compressed,
        bytes_uncompressed=bytes_uncompressed,
        counts=dict(generator.counts),
    )
    manifest = {
        "generator": "loader.sample",
        "seed": seed,
        "days": days,
        "start": datetime.fromtimestamp(start_ms / 1000, UTC).isoformat(),
        "end": end.isoformat(),
        "visits": visits,
        "files": [path.name for path in files],
        "bytes_compressed": bytes_compressed,
        "bytes_uncompressed": bytes_uncompressed,
        "counts": summary.counts,
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return summary


def _chunks(
    generator: _VisitGenerator, hour_start: int, count: int, wrapped: bool
) -> Iterator[bytes]:
    """`count` visits starting in the hour, as newline-terminated lines, ~200 at a time."""
    rng = generator.rng
    for first in range(0, count, 200):
        lines = [
            generator.visit(hour_start + rng.randrange(_HOUR_MS), wrapped)
            for _ in range(min(200, count - first))
        ]
        yield ("\n".join(lines) + "\n").encode("ascii")


def _plan_files(
    rng: random.Random, visits: int, start_ms: int, hours: int
) -> list[tuple[int, list[int]]]:
    """(hour start ms, visits per part) for every hour that has visits, in time order."""
    weights = []
    for hour in range(hours):
        moment = datetime.fromtimestamp((start_ms + hour * _HOUR_MS) / 1000, UTC)
        weekend = 0.85 if moment.weekday() >= 5 else 1.0
        weights.append(_HOURLY_WEIGHTS[moment.hour] * weekend * rng.uniform(0.9, 1.1))
    total = sum(weights)
    shares = [visits * weight / total for weight in weights]
    counts = [int(share) for share in shares]
    # Largest remainders get the leftover visits, so the counts add up exactly.
    by_remainder = sorted(range(hours), key=lambda hour: (counts[hour] - shares[hour], hour))
    for hour in by_remainder[: visits - sum(counts)]:
        counts[hour] += 1

    plan = []
    for hour, count in enumerate(counts):
        if count == 0:
            continue  # LivePerson writes no file for an hour without data
        needed = math.ceil(count / MAX_VISITS_PER_PART)
        if needed > 1:
            size, extra = divmod(count, needed)
            parts = [size + (index < extra) for index in range(needed)]
        elif count >= 2 and rng.random() < 0.15:
            parts = _uneven_split(rng, count, min(count, rng.choice((2, 3))))
        else:
            parts = [count]
        plan.append((start_ms + hour * _HOUR_MS, parts))
    # Small samples still get at least one hour in several parts, as real busy hours have.
    if not any(len(parts) > 1 for _, parts in plan):
        busiest = max(range(len(plan)), key=lambda index: sum(plan[index][1]), default=None)
        if busiest is not None and plan[busiest][1][0] >= 2:
            hour_start, parts = plan[busiest]
            plan[busiest] = (hour_start, _uneven_split(rng, parts[0], 2))
    return plan


def _uneven_split(rng: random.Random, count: int, parts: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, count), parts - 1))
    bounds = [0, *cuts, count]
    return [bounds[index + 1] - bounds[index] for index in range(parts)]


# --- Avro JSON union branches -----------------------------------------------------------------


def _s(value: str) -> dict:
    return {"string": value}


def _l(value: int) -> dict:
    return {"long": value}


def _i(value: int) -> dict:
    return {"int": value}


def _d(value: float) -> dict:
    return {"double": value}


def _b(value: bool) -> dict:
    return {"boolean": value}


def _a(items: list) -> dict:
    return {"array": items}


def _r(short_name: str, fields: dict) -> dict:
    return {NS + short_name: fields}


def _so(value: str | None) -> dict | None:
    return None if value is None else {"string": value}


# A visit line is assembled from JSON fragments so that what repeats is encoded once: the
# header once per visit (it is in every body), the campaign catalogue once per run.
_encode = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode


def _array_json(item_jsons: list[str]) -> str:
    return '{"array":[' + ",".join(item_jsons) + "]}"


def _body_json(body_type: str, field: str, header_json: str, value_json: str) -> str:
    return (
        '{"body":{"' + body_type + '":{"header":' + header_json + ',"' + field + '":'
        + value_json + "}}}"
    )  # fmt: skip


_LINE_START = '{"dataType":' + _encode({NS + "DataTypeEnum": "WebSession"}) + ',"metaData":'


# --- Fixed catalogues: site, products, campaigns, people -----------------------------------------

SITE = "https://shop.example.com"
_CATEGORIES = ("shoes", "outerwear", "accessories", "home", "electronics")
_PRODUCT_WORDS = ("Trail", "Canvas", "Harbor", "Summit", "Meadow", "Copper", "Nimbus", "Aspen")
_PRODUCT_NOUNS = {
    "shoes": "Sneaker",
    "outerwear": "Jacket",
    "accessories": "Scarf",
    "home": "Lamp",
    "electronics": "Speaker",
}


def _build_products() -> list[dict]:
    # A geometric price ladder from 8 to ~440 lets a cart be filled close to any target total.
    products = []
    for index in range(60):
        category = _CATEGORIES[index % len(_CATEGORIES)]
        word = _PRODUCT_WORDS[index % len(_PRODUCT_WORDS)]
        record = {
            "name": _s(f"Sample {word} {_PRODUCT_NOUNS[category]} {index + 1}"),
            "category": _s(category),
            "sku": _s(f"SKU-{10001 + index}"),
            "price": _d(round(8.0 * 1.07**index, 2)),
        }
        products.append(
            {
                "price": record["price"]["double"],
                "sku": f"SKU-{10001 + index}",
                "category": category,
                "record": record,
                "wrapped": {PRODUCT_RECORD: record},
            }
        )
    return products


_PRODUCTS = _build_products()
_PRICES = [product["price"] for product in _PRODUCTS]


def _engagement(
    channel: str,
    kind: str,
    behavior: int,
    skill_id: int,
    skill_name: str | None,
    interaction: int,
    *,
    engagement_id: int | None = None,
    survey: bool = False,
    availability: str | None = "1",
    rendering: int | None = None,
) -> dict:
    fields = {} if engagement_id is None else {"id": _l(engagement_id)}
    fields.update(
        {
            "channel": _s(channel),
            "type": _s(kind),
            "visitorBehaviors": _a([{"id": _l(behavior), "revision": _l(33)}]),
            "skillId": _i(skill_id),
            "skillName": _so(skill_name),
            "surveySkills": (
                _a([{"id": _l(4_410_001), "name": _s("Post-chat survey")}]) if survey else None
            ),
            "isOffsiteEngagement": _b(False),
            "availabilityPolicy": _so(availability),
            "interactionType": _i(interaction),
            "renderingType": None if rendering is None else _i(rendering),
        }
    )
    return fields


@dataclass(frozen=True)
class _Campaign:
    goal_type: str  # the goal-metadata short name this campaign's goal is achieved with
    has_control_group: bool
    campaign: dict  # wrapped Campaign
    engagements: list[dict]  # bare Engagement records
    wrapped_engagements: list[dict]
    goal_id: int
    goal_revision: int
    eligible_json: dict[str, str]  # control group -> one EligibleCampaign item, encoded
    impression_tail_json: list[str]  # per engagement: its engagement, campaign and goal fields


_CONTROL_GROUPS = {name: {CONTROL_GROUP_ENUM: name} for name in ("NA", "TEST", "CONTROL")}
_CONTROL_GROUP_JSON = {name: _encode(value) for name, value in _CONTROL_GROUPS.items()}
# campaignGoalType numbers are invented; the reference only says "int".
_GOAL_TYPE_NUMBERS = {name: number for number, name in enumerate(GOAL_METADATA_TYPES, start=1)}


def _build_campaigns() -> list[_Campaign]:
    specs = [
        # id, goal type, control group?, engagements
        (129_082_910, "PurchaseMetadata", True, [
            _engagement("1", "5", 126_225_110, 11, "Sales", 5, engagement_id=1_500_101),
            _engagement("1", "1", 126_225_111, 11, "Sales", 5, survey=True),
        ]),
        (626_105_510, "ReduceAbandonmentGoalMetadata", False, [
            _engagement("100", "1", 126_225_120, -1, None, 1, availability=None),
        ]),
        (733_200_110, "LeadMetadata", False, [
            _engagement("1", "2", 126_225_130, 12, "Leads", 5, engagement_id=1_500_301),
        ]),
        (733_200_210, "ServiceActivityMetadata", False, [
            _engagement("1", "6", 126_225_140, 13, "Support", 4, rendering=1, survey=True),
        ]),
        (733_200_310, "IncreaseInteractionGoalMetadata", True, [
            _engagement("1", "3", 126_225_150, 11, "Sales", 5, engagement_id=1_500_501),
            _engagement("100", "0", 126_225_151, -1, None, 1, rendering=0),
        ]),
        (733_200_410, "UrlGoalMetadata", False, [
            _engagement("1", "5", 126_225_160, 14, "Promotions", 5, engagement_id=1_500_601),
        ]),
    ]  # fmt: skip
    campaigns = []
    for index, (campaign_id, goal_type, control, engagements) in enumerate(specs):
        goal_id = 153_250_510 + index * 100
        campaign = {
            "id": _l(campaign_id),
            "visitorProfiles": _a([{"id": _l(156_579_410 + index), "revision": _l(111)}]),
        }
        goal = {
            "id": _l(goal_id),
            "type": _i(_GOAL_TYPE_NUMBERS[goal_type]),
            "indicatorType": _i(3 if goal_type == "PurchaseMetadata" else 1),
        }
        campaign, goal = _r("Campaign", campaign), _r("Goal", goal)
        wrapped_engagements = [_r("Engagement", item) for item in engagements]
        eligible_json = {
            group: _encode(
                {
                    "campaign": campaign,
                    "engagements": _a(engagements),
                    "goal": goal,
                    "controlGroupType": wrapped_group,
                }
            )
            for group, wrapped_group in _CONTROL_GROUPS.items()
        }
        impression_tail_json = [
            _encode({"engagement": engagement, "campaign": campaign, "goal": goal})[1:-1]
            for engagement in wrapped_engagements
        ]
        campaigns.append(
            _Campaign(
                goal_type=goal_type,
                has_control_group=control,
                campaign=campaign,
                engagements=engagements,
                wrapped_engagements=wrapped_engagements,
                goal_id=goal_id,
                goal_revision=10 + index,
                eligible_json=eligible_json,
                impression_tail_json=impression_tail_json,
            )
        )
    return campaigns


_CAMPAIGNS = _build_campaigns()
_CAMPAIGN_BY_GOAL = {campaign.goal_type: campaign for campaign in _CAMPAIGNS}

_FIRST_NAMES = (
    "Alex", "Blair", "Casey", "Dana", "Elliot", "Frankie", "Gale", "Harper", "Indy", "Jordan",
    "Kai", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Riley", "Sage", "Taylor",
)  # fmt: skip
_LAST_NAMES = (
    "Sampleton", "Testwell", "Mockford", "Fakely", "Dummett", "Stubbins", "Placeholder",
    "Synthson", "Demoran", "Fixturer", "Examplar", "Loremson",
)  # fmt: skip
_DESKTOP_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
_DESKTOP_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
_DESKTOP_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36"
)
_DEVICES = (
    # weight, user agent, deviceOS, deviceFamily
    (30, _DESKTOP_CHROME, "WINDOWS", "DESKTOP"),
    (14, _DESKTOP_SAFARI, "MAC_OS", "DESKTOP"),
    (3, _DESKTOP_FIREFOX, "LINUX", "DESKTOP"),
    (26, _IPHONE, "IOS", "MOBILE"),
    (6, _IPAD, "IOS", "TABLET"),
    (19, _ANDROID, "ANDROID", "MOBILE"),
    (2, "SyntheticBot/1.0 (+https://example.com/bot)", "NA", "NA"),
)
_DEVICE_WEIGHTS = [device[0] for device in _DEVICES]
_PLACES = (
    ("United States", "US", "New York", "New York"),
    ("United States", "US", "Austin", "Texas"),
    ("United States", "US", "Seattle", "Washington"),
    ("United States", "US", "Chicago", "Illinois"),
    ("Canada", "CA", "Toronto", "Ontario"),
    ("United Kingdom", "GB", "London", "England"),
    ("Germany", "DE", "Berlin", "Berlin"),
    ("Australia", "AU", "Sydney", "New South Wales"),
)
_PLACE_WEIGHTS = (22, 12, 10, 10, 10, 14, 10, 12)
_IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")
_ISPS = ("Example Broadband", "Example Mobile", "Sample Fiber Co", "Test Cable Networks")
_SEARCHES = (
    ("Google", "https://www.google.com/", ("winter jacket", "trail sneakers", "desk lamp")),
    ("Bing", "https://www.bing.com/", ("bluetooth speaker", "wool scarf")),
)
_OTHER_REFERRERS = ("https://news.example.org/gift-guide", "https://social.example.net/post/1")
_TOPICS = ("Billing", "Delivery", "Returns", "Warranty")


@dataclass(frozen=True)
class _Visitor:
    visitor_id: str
    customer_id: str | None
    segment: str | None  # membership tier, "non_member", or None for anonymous visitors
    person: tuple[str, str, str, str]  # first name, last name, e-mail, phone
    device: tuple
    place: tuple[str, str, str, str]
    ipv4: str
    ipv6: str
    isp: str


class _VisitGenerator:
    """Builds one visit record at a time and counts every item it emits."""

    def __init__(self, rng: random.Random, *, seed: int, visitors: int, end_ms: int) -> None:
        self.rng = rng
        self.seed = seed
        self.visitors = visitors
        self.end_ms = end_ms
        self.counts = dict.fromkeys(COUNT_KEYS, 0)
        self._visitor_cache: dict[int, _Visitor] = {}
        self.tiers = {
            member.customer_id: member.membership_tier for member in customer_memberships()
        }

    # -- visitors ----------------------------------------------------------------------------

    def visitor(self, index: int) -> _Visitor:
        """A returning visitor's stable traits: a pure function of the seed and the index."""
        cached = self._visitor_cache.get(index)
        if cached is not None:
            return cached
        visitor = self._new_visitor(index)
        # Frequent visitors are picked most and so cached first; the cap bounds memory.
        if len(self._visitor_cache) < 50_000:
            self._visitor_cache[index] = visitor
        return visitor

    def _new_visitor(self, index: int) -> _Visitor:
        rng = random.Random(f"visitor:{self.seed}:{index}")
        visitor_id = base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()
        customer_id = segment = None
        roll = rng.random()
        if roll < 0.22:
            customer_id = f"C{rng.randint(1, MEMBERSHIP_COUNT):06d}"
            segment = self.tiers[customer_id]
        elif roll < 0.35:
            customer_id = f"C9{index + 1:05d}"  # identified, but not in the membership seed
            segment = "non_member"
        # The person behind an identity belongs to the customer id, so every device of a
        # member shows the same name and e-mail.
        person_rng = random.Random(f"person:{customer_id or visitor_id}")
        first = person_rng.choice(_FIRST_NAMES)
        last = person_rng.choice(_LAST_NAMES)
        number = person_rng.randrange(1000)
        person = (
            first,
            last,
            f"{first.lower()}.{last.lower()}{number}@example.com",
            f"+1-555-{number:03d}-01{person_rng.randrange(100):02d}",
        )
        return _Visitor(
            visitor_id=visitor_id,
            customer_id=customer_id,
            segment=segment,
            person=person,
            device=rng.choices(_DEVICES, weights=_DEVICE_WEIGHTS)[0],
            place=rng.choices(_PLACES, weights=_PLACE_WEIGHTS)[0],
            ipv4=rng.choice(_IP_PREFIXES) + str(rng.randint(1, 254)),
            ipv6=f"2001:db8::{rng.getrandbits(16):x}:{rng.getrandbits(16):x}",
            isp=rng.choice(_ISPS),
        )

    # -- one visit ---------------------------------------------------------------------------

    def visit(self, start_ms: int, wrapped: bool) -> str:
        """One visit as one line of JSON (without the newline)."""
        rng = self.rng
        counts = self.counts
        # A skewed pick: low indexes are the loyal visitors who come back often.
        visitor = self.visitor(int(self.visitors * rng.random() ** 2.5))
        visit_id = (
            base64.urlsafe_b64encode(rng.randbytes(16)).rstrip(b"=").decode()
            + "."
            + rng.randbytes(20).hex()
        )
        context_id = f"ctx-{rng.getrandbits(32):08x}" if rng.random() < 0.1 else None
        header = _encode(
            _r(
                "VisitorHeader",
                {
                    "visitId": _s(visit_id),
                    "visitorId": _s(visitor.visitor_id),
                    "contextId": _so(context_id),
                },
            )
        )

        landing, referrer, search = self._landing(rng)
        pages = self._pages(rng, landing)
        times = self._page_times(rng, start_ms + rng.randint(20, 200), len(pages))
        goals: list[dict] = []
        eligibility, impressions, accepted_checkout = self._campaigns(rng, times, goals)
        segment = visitor.segment
        rate = PURCHASE_RATE[segment] if segment else ANONYMOUS_PURCHASE_RATE
        # Accepting the checkout campaign's engagement (only its TEST group is shown it) lifts
        # conversion, so the control-group lift mart has a real effect to find.
        buys = rng.random() < rate + (CHECKOUT_ENGAGEMENT_LIFT if accepted_checkout else 0.0)
        order_id = None
        if buys:
            order_id = f"SO-{rng.getrandbits(64):016X}"
            pages += _CHECKOUT_PAGES
            times += self._page_times(rng, times[-1] + 2_000, len(_CHECKOUT_PAGES))

        navigation = self._navigation(rng, pages, times, referrer, order_id)
        counts["navigation"] += len(navigation)
        counts["bodies.WebSessionNavigationData"] += 1
        counts["bodies.WebSessionSessionInfoData"] += 1
        counts["bodies.WebSessionGeoData"] += 1
        bodies = [
            _body_json(NAVIGATION_BODY, "navigationData", header, _encode(_a(navigation))),
            _body_json(
                SESSION_INFO_BODY,
                SESSION_INFO_FIELD,
                header,
                _encode(self._session_info(rng, start_ms, visitor, search)),
            ),
            _body_json(GEO_BODY, GEO_FIELD, header, _encode(self._geo(rng, visitor))),
        ]
        if eligibility:
            counts["bodies.WebSessionEligibilityData"] += 1
            bodies.append(
                _body_json(ELIGIBILITY_BODY, "eligibilityData", header, _array_json(eligibility))
            )
        if impressions:
            counts["bodies.WebSessionImpressionData"] += 1
            bodies.append(
                _body_json(IMPRESSION_BODY, "impressions", header, _array_json(impressions))
            )
        attributes = self._attributes_and_goals(rng, visitor, pages, times, order_id, goals)
        if attributes:
            counts["bodies.WebSessionEngAttrsData"] += 1
            bodies.append(
                _body_json(ATTRIBUTES_BODY, "engagementAttributes", header, _encode(_a(attributes)))
            )
        if goals:
            counts["bodies.WebSessionGoalAchievedData"] += 1
            bodies.append(_body_json(GOAL_BODY, "achievedGoals", header, _encode(_a(goals))))
        # Consumers must not rely on body order.
        rng.shuffle(bodies)

        end_time = times[-1] + int(rng.expovariate(1 / 20_000))
        meta = _encode(
            {
                "accountId": _s(ACCOUNT_ID),
                "schemaVersion": SCHEMA_VERSION,
                "startTime": _l(start_ms),
                # Open sessions (about 5%, and any still running at `end`) have no end time.
                "endTime": None if rng.random() < 0.05 or end_time >= self.end_ms else _l(end_time),
            }
        )
        if wrapped:
            return (
                _LINE_START + '{"' + NS + 'MetaData":' + meta + '},"recordCollection":'
                + _array_json(bodies) + "}"
            )  # fmt: skip
        return _LINE_START + meta + ',"recordCollection":[' + ",".join(bodies) + "]}"

    # -- navigation and session --------------------------------------------------------------

    @staticmethod
    def _landing(rng: random.Random) -> tuple[tuple, str, tuple[str, str] | None]:
        """Landing page, its referrer, and (engine, keywords) when it came from a search."""
        roll = rng.random()
        if roll < 0.3:
            engine, url, keywords = rng.choice(_SEARCHES)
            return _random_page(rng), url, (engine, rng.choice(keywords))
        if roll < 0.4:
            return _random_page(rng), rng.choice(_OTHER_REFERRERS), None
        if roll < 0.5:
            return ("promo", "/promo/winter-sale?utm_campaign=winter", ["promo"]), "", None
        return ("home", "/", ["home"]), "", None

    @staticmethod
    def _pages(rng: random.Random, landing: tuple) -> list[tuple]:
        count = min(1 + int(rng.expovariate(1 / 3.5)), 25)
        return [landing, *(_random_page(rng) for _ in range(count - 1))]

    def _page_times(self, rng: random.Random, first_ms: int, count: int) -> list[int]:
        # Page views of a visit still running at `end` are squeezed below it (so that with the
        # default `end` they are not in the future); events that follow a page view, such as
        # an impression's outcome, can still come up to two minutes after `end`.
        latest = self.end_ms - 1
        moment = first_ms
        times = []
        for _ in range(count):
            times.append(min(moment, latest))
            moment += 2_000 + int(rng.expovariate(1 / 40_000))
        return times

    @staticmethod
    def _navigation(
        rng: random.Random,
        pages: list[tuple],
        times: list[int],
        referrer: str,
        order_id: str | None,
    ) -> list[dict]:
        # The reference documents a UTC string and prints a long: about one visit in ten uses
        # the string, so that loaders handle both.
        as_text = rng.random() < 0.1
        items = []
        previous = referrer
        for page, moment in zip(pages, times, strict=True):
            kind, path, sections = page[:3]
            if kind == "confirmation":
                path = f"{path}?order={order_id}"
            url = SITE + path
            roll = rng.random()
            stamp = (
                _s(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment // 1000)))
                if as_text
                else _l(moment)
            )
            items.append(
                {
                    "timestamp": stamp,
                    "url": _s(url),
                    "referrerUrl": _s(previous),
                    "sections": None if roll < 0.05 else _a([] if roll < 0.15 else sections),
                }
            )
            previous = url
        return items

    @staticmethod
    def _session_info(
        rng: random.Random,
        start_ms: int,
        visitor: _Visitor,
        search: tuple[str, str] | None,
    ) -> dict:
        _, user_agent, device_os, device_family = visitor.device
        roll = rng.random()
        group = "NA" if roll < 0.8 else ("TEST" if roll < 0.95 else "CONTROL")
        info = {
            "sessionStartTime": _l(start_ms),
            "userAgent": _s(user_agent),
            "deviceOS": {DEVICE_OS_ENUM: device_os},
            "deviceFamily": {DEVICE_FAMILY_ENUM: device_family},
            "siteControlGroup": _CONTROL_GROUPS[group],
            "searchEngine": None if search is None else _s(search[0]),
            "searchEngineKey": None if search is None else _s(search[1]),
        }
        return {SESSION_INFO_RECORD: info}

    @staticmethod
    def _geo(rng: random.Random, visitor: _Visitor) -> dict:
        country, code, city, state = visitor.place
        roll = rng.random()
        # Mostly IPv4 only, some dual-stack, a few IPv6 only; a few lookups find no city.
        geo = {
            "iPV4": None if roll < 0.05 else _s(visitor.ipv4),
            "iPV6": _s(visitor.ipv6) if roll < 0.25 else None,
            "country": _s(country),
            "city": None if roll > 0.97 else _s(city),
            "state": None if roll > 0.97 else _s(state),
            "org": None if roll < 0.5 else _s(visitor.isp),
            "isp": _s(visitor.isp),
            "countryCode": _s(code),
        }
        return {GEO_RECORD: geo}

    # -- campaigns: eligibility, impressions, interaction goals ------------------------------

    def _campaigns(
        self, rng: random.Random, times: list[int], goals: list[dict]
    ) -> tuple[list[str], list[str], bool]:
        """Eligibility assessments and impressions as encoded array items, and whether the
        visitor accepted the checkout campaign's engagement."""
        if rng.random() >= 0.6:
            return [], [], False
        counts = self.counts
        assessments = min(len(times), rng.choice((1, 1, 1, 2, 2, 3)))
        groups: dict[int, str] = {}  # campaign index -> control group, fixed for the visit
        eligibility = []
        moments = sorted(rng.sample(times, assessments))
        for moment in moments:
            chosen = sorted(rng.sample(range(len(_CAMPAIGNS)), rng.choice((1, 1, 2, 3))))
            eligible = []
            for index in chosen:
                campaign = _CAMPAIGNS[index]
                if index not in groups:
                    groups[index] = (
                        rng.choice(("TEST", "TEST", "CONTROL"))
                        if campaign.has_control_group
                        else "NA"
                    )
                eligible.append(campaign.eligible_json[groups[index]])
            counts["eligible_campaigns"] += len(eligible)
            eligibility.append(
                '{"eligibleCampaigns":' + _array_json(eligible)
                + ',"timestamp":{"long":' + str(moment) + "}}"
            )  # fmt: skip
        counts["eligibility_assessments"] += len(eligibility)

        impressions = []
        instance = 0
        accepted_checkout = False
        for index, group in groups.items():
            # The control group is never shown the engagement: that is what makes lift measurable.
            if group == "CONTROL" or rng.random() >= 0.5:
                continue
            campaign = _CAMPAIGNS[index]
            choice = rng.randrange(len(campaign.engagements))
            instance += 1
            shown_at = moments[0] + rng.randint(500, 30_000)
            outcome = rng.choices(IMPRESSION_TYPES, weights=(30, 25, 30, 15))[0]
            events = [("Show", shown_at)]
            if outcome != "Show":
                events.append((outcome, shown_at + rng.randint(1_000, 60_000)))
            state = "1" if campaign.engagements[choice]["channel"]["string"] == "1" else "0"
            for impression_type, moment in events:
                # Older records lack the timestamp; only some carry the control group.
                stamp = "" if rng.random() < 0.1 else '"timestamp":{"long":' + str(moment) + "},"
                group_json = (
                    ',"controlGroupType":' + _CONTROL_GROUP_JSON[group]
                    if rng.random() < 0.3
                    else ""
                )
                impressions.append(
                    "{" + stamp
                    + '"engagementInstanceId":{"string":"' + str(instance)
                    + '"},"impressionType":{"string":"' + impression_type
                    + '"},"state":{"string":"' + state + '"},'
                    + campaign.impression_tail_json[choice] + group_json + "}"
                )  # fmt: skip
                counts["impressions." + impression_type] += 1
            if outcome == "Accept" and campaign.goal_type == "PurchaseMetadata":
                accepted_checkout = True
            if outcome == "Accept" and rng.random() < 0.6:
                metadata = {
                    "engagement": campaign.wrapped_engagements[choice],
                    "campaign": campaign.campaign,
                }
                goals.append(
                    self._goal(
                        rng, "IncreaseInteractionGoalMetadata", events[-1][1] + 5_000, metadata
                    )
                )
        return eligibility, impressions, accepted_checkout

    def _goal(self, rng: random.Random, metadata_type: str, moment: int, metadata: dict) -> dict:
        self.counts["goals." + metadata_type] += 1
        campaign = _CAMPAIGN_BY_GOAL[metadata_type]
        return {
            "id": _s(str(uuid.UUID(int=rng.getrandbits(128), version=4))),
            "timestamp": _l(moment),
            "campaignGoalRevision": _l(campaign.goal_revision),
            "campaignGoalId": _l(campaign.goal_id),
            "campaignGoalType": _i(_GOAL_TYPE_NUMBERS[metadata_type]),
            "goalMetaData": _r(metadata_type, metadata),
        }

    # -- engagement attributes and the goals that go with them -------------------------------

    def _attributes_and_goals(
        self,
        rng: random.Random,
        visitor: _Visitor,
        pages: list[tuple],
        times: list[int],
        order_id: str | None,
        goals: list[dict],
    ) -> list[dict]:
        """Engagement attributes of the visit; the goals that go with them join `goals`."""
        counts = self.counts
        attributes: list[dict] = []
        landing = pages[0]

        def add(short_name: str, moment: int, data: dict) -> None:
            attributes.append({"timestamp": _l(moment), "data": _r(short_name, data)})
            counts["attributes." + short_name] += 1

        first, last = times[0], times[-1]
        identified = visitor.customer_id is not None
        # Identified visitors send their identity on most visits, not all: the warehouse has
        # to carry identity across a visitor's visits.
        if identified and rng.random() < (0.9 if order_id else 0.75):
            add("CustomerInfo", first + 150, self._customer_info(rng, visitor))
        elif not identified and rng.random() < 0.03:
            add("CustomerInfo", first + 150, self._customer_info(rng, None))
        if identified and rng.random() < 0.4:
            add("PersonalInfo", first + 180, self._personal_info(rng, visitor))

        if landing[0] == "promo" and rng.random() < 0.6:
            add(
                "MarketingCampaignInfo",
                first + 120,
                {
                    "OriginatingChannel": _i(rng.choice((1, 2, 3))),
                    "affiliate": _so(rng.choice(("newsletter", "partner-blog", None))),
                    "campaignId": _s("winter-sale"),
                },
            )
        elif rng.random() < 0.05:
            add(
                "MarketingCampaignInfo",
                first + 120,
                {"OriginatingChannel": _i(0), "affiliate": None, "campaignId": _s("always-on")},
            )
        if landing[0] == "promo" and rng.random() < 0.5:
            goals.append(
                self._goal(rng, "UrlGoalMetadata", first + 60, {"url": _s(SITE + landing[1])})
            )

        viewed = [_PRODUCTS[page[3]] for page in pages if page[0] == "product"]
        if viewed and rng.random() < 0.6:
            add("ViewedProduct", times[-1], {"products": _a([p["record"] for p in viewed])})
            counts["products.viewed"] += len(viewed)

        if order_id is not None:
            self._purchase(rng, visitor, times, order_id, add, goals)
        elif rng.random() < 0.06:
            lines, total, items = self._cart(rng, 50.0)
            add("CartStatus", last, _cart_fields(total, items, lines))
            counts["products.cart"] += len(lines)
            if len(pages) >= 3 and rng.random() < 0.5:
                goals.append(
                    self._goal(
                        rng,
                        "ReduceAbandonmentGoalMetadata",
                        last + 1_000,
                        {"numberOfPages": _i(len(pages))},
                    )
                )
        elif len(pages) >= 4 and rng.random() < 0.03:
            goals.append(
                self._goal(
                    rng, "ReduceAbandonmentGoalMetadata", last, {"numberOfPages": _i(len(pages))}
                )
            )

        if rng.random() < 0.035:
            topic = rng.choice(("Bulk order", "Gift cards", "Corporate accounts"))
            lead_id = f"LEAD-{rng.getrandbits(48):012X}"
            value = round(rng.uniform(50, 2_000), 2)
            lead = {"topic": _s(topic), "leadId": _s(lead_id), "value": _d(value)}
            add("Lead", last, lead)
            if rng.random() < 0.6:
                goals.append(self._goal(rng, "LeadMetadata", last + 500, lead))
        if rng.random() < 0.04:
            service = {
                "topic": _s(rng.choice(_TOPICS)),
                "status": _i(rng.choice((0, 1, 2))),
                "category": _s(rng.choice(("support", "account", "orders"))),
                "serviceId": _s(f"SVC-{rng.getrandbits(32):08X}"),
            }
            add("ServiceActivity", last, service)
            if rng.random() < 0.6:
                goals.append(self._goal(rng, "ServiceActivityMetadata", last + 500, service))
        if rng.random() < 0.025:
            add(
                "VisitorError",
                last,
                {
                    "contextId": _s(f"checkout-{rng.randrange(10)}"),
                    "message": _s(rng.choice(("Card declined", "Address not found", "Timeout"))),
                    "code": _l(rng.choice((402, 404, 504))),
                    "level": _l(rng.choice((1, 2, 3))),
                    "resolved": _b(rng.random() < 0.4),
                },
            )
        return attributes

    def _purchase(
        self,
        rng: random.Random,
        visitor: _Visitor,
        times: list[int],
        order_id: str,
        add: Callable[[str, int, dict], None],
        goals: list[dict],
    ) -> None:
        counts = self.counts
        segment = visitor.segment
        mean = MEAN_ORDER_VALUE[segment] if segment else ANONYMOUS_MEAN_ORDER_VALUE
        lines, total, items = self._cart(rng, mean)
        cart_at, paid_at = times[-3], times[-1]
        if rng.random() < 0.5:
            add("CartStatus", cart_at, _cart_fields(total, items, lines))
            counts["products.cart"] += len(lines)
        # Orders arrive as a Purchase attribute, a PurchaseMetadata goal, or (mostly) both;
        # now and then the site reports the same Purchase twice.
        roll = rng.random()
        if roll < 0.85:
            purchase = {
                "total": _d(total),
                "orderId": _s(order_id),
                "cart": {CART_RECORD: _cart_fields(total, items, lines)},
            }
            copies = 2 if rng.random() < 0.1 else 1
            for copy in range(copies):
                add("Purchase", paid_at + copy * 2_000, purchase)
                counts["products.purchase"] += len(lines)
        if roll >= 0.6:
            metadata = {
                "total": _d(total),
                "orderId": _s(order_id),
                "cartStatus": (
                    {CART_STATUS_RECORD: _cart_fields(total, items, lines)}
                    if rng.random() < 0.6
                    else None
                ),
            }
            goals.append(self._goal(rng, "PurchaseMetadata", paid_at + 800, metadata))

    @staticmethod
    def _cart(rng: random.Random, mean: float) -> tuple[list[dict], float, int]:
        """Product lines filled close to a noisy target total; the total is their exact sum."""
        target = mean * rng.lognormvariate(-0.045, 0.3)
        line_count = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
        lines = []
        total = 0.0
        items = 0
        for _ in range(line_count):
            quantity = rng.choices((1, 2, 3), weights=(80, 15, 5))[0]
            wanted = target / line_count / quantity
            index = bisect.bisect_left(_PRICES, wanted) + rng.choice((-1, 0, 0, 1))
            product = _PRODUCTS[min(max(index, 0), len(_PRODUCTS) - 1)]
            lines.append({"quantity": _i(quantity), "product": product["wrapped"]})
            total += product["price"] * quantity
            items += quantity
        return lines, round(total, 2), items

    @staticmethod
    def _customer_info(rng: random.Random, visitor: _Visitor | None) -> dict:
        if visitor is None:
            # Anonymous visitors sometimes send a status without an identity.
            return {
                "isAuthenticated": _b(False),
                "authenticatedConversationId": None,
                "customerStatus": _s("guest"),
                "customerType": None,
                "balance": None,
                "customerId": None,
                "socialId": None,
                "imei": None,
                "userName": None,
                "companySize": None,
                "accountName": None,
                "role": None,
                "lastPaymentDate": None,
                "registrationDate": None,
                "storeNumber": None,
                "storeZipCode": None,
            }
        first, last, _, _ = visitor.person
        member = visitor.segment not in (None, "non_member")
        paid = rng.random() < 0.5
        return {
            "isAuthenticated": _b(True) if rng.random() < 0.7 else None,
            "authenticatedConversationId": (
                _s(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
                if rng.random() < 0.1
                else None
            ),
            "customerStatus": _s("active"),
            "customerType": _s(visitor.segment if member else "registered"),
            "balance": _d(round(rng.uniform(-50, 500), 2)) if rng.random() < 0.3 else None,
            "customerId": _s(visitor.customer_id),
            "socialId": None,
            "imei": None,
            "userName": _s(f"{first.lower()}{last[0].lower()}"),
            "companySize": _i(rng.choice((10, 50, 250))) if rng.random() < 0.1 else None,
            "accountName": None,
            "role": _s("buyer") if rng.random() < 0.1 else None,
            "lastPaymentDate": (
                _r("YMDDate", {"year": _i(2026), "month": _i(rng.randint(1, 10)), "day": _i(1)})
                if paid
                else None
            ),
            "registrationDate": (
                _r(
                    "YMDDate",
                    {
                        "year": _i(rng.randint(2015, 2025)),
                        "month": _i(rng.randint(1, 12)),
                        "day": _i(15),
                    },
                )
                if rng.random() < 0.6
                else None
            ),
            "storeNumber": _s(f"{rng.randint(1, 40):03d}") if rng.random() < 0.2 else None,
            "storeZipCode": _s(f"0{rng.randint(1000, 9999)}") if rng.random() < 0.2 else None,
        }

    @staticmethod
    def _personal_info(rng: random.Random, visitor: _Visitor) -> dict:
        first, last, email, phone = visitor.person
        age = 20 + sum(map(ord, email)) % 50  # stable per person
        return {
            "isAuthenticated": _b(True) if rng.random() < 0.5 else None,
            "authenticatedConversationId": None,
            "name": _s(first),
            "surname": _s(last),
            "gender": _so(rng.choice(("F", "M", None))),
            "company": _s("Example Corp") if rng.random() < 0.15 else None,
            "customerAge": (
                _r(
                    "CustomerAge",
                    {
                        "customerAgeInYears": _i(age),
                        "customerYearOfBirth": _i(2025 - age),
                        "customerMonthOfBirth": _i(1 + age % 12),
                        "customerDateOfBirth": _i(1 + age % 28),
                    },
                )
                if rng.random() < 0.5
                else None
            ),
            "contacts": _a(
                [{"email": _s(email), "phone": _so(phone if rng.random() < 0.6 else None)}]
            ),
        }


_CHECKOUT_PAGES = [
    ("cart", "/cart", ["cart"]),
    ("checkout", "/checkout", ["checkout"]),
    ("confirmation", "/checkout/confirmation", ["checkout", "confirmation"]),
]


def _random_page(rng: random.Random) -> tuple:
    roll = rng.random()
    if roll < 0.55:
        index = rng.randrange(len(_PRODUCTS))
        product = _PRODUCTS[index]
        return ("product", f"/p/{product['sku']}", ["product", product["category"]], index)
    if roll < 0.85:
        category = rng.choice(_CATEGORIES)
        return ("category", f"/c/{category}", ["category", category])
    if roll < 0.93:
        return ("help", f"/help/{rng.choice(_TOPICS).lower()}", ["support"])
    return ("account", "/account", ["account"])


def _cart_fields(total: float, items: int, lines: list[dict]) -> dict:
    return {"total": _d(total), "numItems": _i(items), "products": _a(lines)}
