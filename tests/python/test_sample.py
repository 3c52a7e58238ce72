"""The sample generator: real file shapes, exact manifest counts, determinism, AOV by tier.

Counts are recomputed here by reading the files back, independently of the generator's counters.
"""

from __future__ import annotations

import csv
import gzip
import ipaddress
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loader.files import parse_file_name
from loader.sample import MANIFEST_NAME, customer_memberships, write_sample

END = datetime(2026, 11, 29, 10, tzinfo=UTC)
HOUR_MS = 3_600_000
SEED_CSV = Path(__file__).resolve().parents[2] / "seeds" / "customer_memberships.csv"

BODY_TYPES = {
    "WebSessionNavigationData",
    "WebSessionSessionInfoData",
    "WebSessionGeoData",
    "WebSessionEligibilityData",
    "WebSessionImpressionData",
    "WebSessionEngAttrsData",
    "WebSessionGoalAchievedData",
}
ATTRIBUTE_TYPES = {
    "Purchase",
    "Lead",
    "CartStatus",
    "ViewedProduct",
    "CustomerInfo",
    "PersonalInfo",
    "ServiceActivity",
    "VisitorError",
    "MarketingCampaignInfo",
}
GOAL_METADATA_TYPES = {
    "UrlGoalMetadata",
    "PurchaseMetadata",
    "ReduceAbandonmentGoalMetadata",
    "IncreaseInteractionGoalMetadata",
    "LeadMetadata",
    "ServiceActivityMetadata",
}
IMPRESSION_TYPES = {"Show", "Accept", "Close", "Timeout"}
COUNT_KEYS = {
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
}


# --- reading the files back -------------------------------------------------------------------


def only(wrapped: dict) -> tuple[str, object]:
    """The branch name (short, after the last dot) and value of a one-key union object."""
    ((name, value),) = wrapped.items()
    return name.rsplit(".", 1)[-1], value


def read_visits(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="ascii") as handle:
        return [json.loads(line) for line in handle]


def meta_of(visit: dict) -> dict:
    meta = visit["metaData"]
    return meta["com.liveperson.dataaccess.MetaData"] if "accountId" not in meta else meta


def bodies_of(visit: dict) -> list[tuple[str, dict]]:
    collection = visit["recordCollection"]
    if isinstance(collection, dict):
        collection = collection["array"]
    return [only(item["body"]) for item in collection]


def visitor_id(body: dict) -> str:
    return body["header"]["com.liveperson.dataaccess.VisitorHeader"]["visitorId"]["string"]


def recount(visits: list[dict]) -> Counter:
    counts: Counter = Counter()
    for visit in visits:
        for body_type, body in bodies_of(visit):
            counts[f"bodies.{body_type}"] += 1
            if body_type == "WebSessionNavigationData":
                counts["navigation"] += len(body["navigationData"]["array"])
            elif body_type == "WebSessionEligibilityData":
                for assessment in body["eligibilityData"]["array"]:
                    counts["eligibility_assessments"] += 1
                    counts["eligible_campaigns"] += len(assessment["eligibleCampaigns"]["array"])
            elif body_type == "WebSessionImpressionData":
                for impression in body["impressions"]["array"]:
                    counts[f"impressions.{impression['impressionType']['string']}"] += 1
            elif body_type == "WebSessionGoalAchievedData":
                for goal in body["achievedGoals"]["array"]:
                    counts[f"goals.{only(goal['goalMetaData'])[0]}"] += 1
            elif body_type == "WebSessionEngAttrsData":
                for attribute in body["engagementAttributes"]["array"]:
                    kind, data = only(attribute["data"])
                    counts[f"attributes.{kind}"] += 1
                    if kind == "Purchase":
                        cart = only(data["cart"])[1]
                        counts["products.purchase"] += len(cart["products"]["array"])
                    elif kind == "CartStatus":
                        counts["products.cart"] += len(data["products"]["array"])
                    elif kind == "ViewedProduct":
                        counts["products.viewed"] += len(data["products"]["array"])
    return counts


def attributes_of(visit: dict) -> list[tuple[str, dict]]:
    return [
        only(attribute["data"])
        for body_type, body in bodies_of(visit)
        if body_type == "WebSessionEngAttrsData"
        for attribute in body["engagementAttributes"]["array"]
    ]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("sample")
    summary = write_sample(out_dir, visits=500, end=END)
    visits_by_file = {path: read_visits(path) for path in summary.files}
    return out_dir, summary, visits_by_file


# --- tests --------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    def files(name: str, seed: int) -> dict[str, bytes]:
        out_dir = tmp_path / name
        write_sample(out_dir, visits=300, days=2, seed=seed, end=END)
        return {path.name: path.read_bytes() for path in sorted(out_dir.iterdir())}

    first, again, other = files("a", 7), files("b", 7), files("c", 8)
    assert first == again
    gz_files = {name: data for name, data in first.items() if name.endswith(".gz")}
    assert gz_files
    assert gz_files != {name: data for name, data in other.items() if name.endswith(".gz")}


def test_files_are_hourly_parts_in_the_window_and_visits_start_in_their_hour(sample):
    out_dir, summary, visits_by_file = sample
    names = sorted(path.name for path in out_dir.iterdir() if path.name != MANIFEST_NAME)
    assert names == sorted(path.name for path in summary.files)
    window_start = int((END - timedelta(days=7)).timestamp() * 1000)
    window_end = int(END.timestamp() * 1000)
    parts_per_hour: Counter = Counter()
    for path, visits in visits_by_file.items():
        parsed = parse_file_name(path.name)
        assert parsed.name == path.name
        assert re.fullmatch(r"WebSession\.\d{13}\.\d{13}\.part-\d{5}-0\.gz", path.name)
        start, end = parsed.scope_start_ms, parsed.scope_end_ms
        assert start % HOUR_MS == 0 and end - start == HOUR_MS
        assert window_start <= start < window_end
        assert visits, "hours without visits must have no file"
        for visit in visits:
            assert start <= meta_of(visit)["startTime"]["long"] < end
        parts_per_hour[start] += 1
    assert max(parts_per_hour.values()) >= 2
    assert sum(len(visits) for visits in visits_by_file.values()) == summary.visits == 500


def test_traffic_follows_a_daily_curve(sample):
    _, _, visits_by_file = sample
    by_hour: Counter = Counter()
    for visits in visits_by_file.values():
        for visit in visits:
            by_hour[
                datetime.fromtimestamp(meta_of(visit)["startTime"]["long"] / 1000, UTC).hour
            ] += 1
    night = sum(by_hour[hour] for hour in range(1, 7))
    afternoon = sum(by_hour[hour] for hour in range(13, 19))
    assert afternoon > 3 * night


def test_every_record_type_and_both_top_level_shapes_appear(sample):
    _, summary, visits_by_file = sample
    visits = [visit for visits in visits_by_file.values() for visit in visits]
    counts = recount(visits)
    for name in BODY_TYPES:
        assert counts[f"bodies.{name}"] > 0, name
    for name in ATTRIBUTE_TYPES:
        assert counts[f"attributes.{name}"] > 0, name
    for name in GOAL_METADATA_TYPES:
        assert counts[f"goals.{name}"] > 0, name
    for name in IMPRESSION_TYPES:
        assert counts[f"impressions.{name}"] > 0, name
    # Every visit has navigation, session info and geo.
    for name in ("WebSessionNavigationData", "WebSessionSessionInfoData", "WebSessionGeoData"):
        assert counts[f"bodies.{name}"] == summary.visits

    shapes = set()
    for visits_in_file in visits_by_file.values():
        file_shapes = {
            (
                "com.liveperson.dataaccess.MetaData" in visit["metaData"],
                isinstance(visit["recordCollection"], dict),
            )
            for visit in visits_in_file
        }
        assert len(file_shapes) == 1, "the top-level shape is chosen per file"
        shapes |= file_shapes
    assert shapes == {(True, True), (False, False)}


def test_manifest_counts_equal_counts_read_back_from_the_files(sample):
    out_dir, summary, visits_by_file = sample
    manifest = json.loads((out_dir / MANIFEST_NAME).read_text())
    visits = [visit for visits in visits_by_file.values() for visit in visits]
    counts = recount(visits)
    assert set(manifest["counts"]) == COUNT_KEYS
    assert manifest["counts"] == {key: counts[key] for key in COUNT_KEYS}
    assert summary.counts == manifest["counts"]
    assert manifest["files"] == [path.name for path in summary.files]
    assert manifest["visits"] == len(visits)
    raw_sizes = [len(gzip.decompress(path.read_bytes())) for path in summary.files]
    assert manifest["bytes_uncompressed"] == summary.bytes_uncompressed == sum(raw_sizes)
    on_disk = sum(path.stat().st_size for path in summary.files)
    assert manifest["bytes_compressed"] == summary.bytes_compressed == on_disk


def test_values_are_avro_wrapped_and_impressions_show_first(sample):
    _, _, visits_by_file = sample
    string_stamps = long_stamps = 0
    for visits in visits_by_file.values():
        for visit in visits:
            meta = meta_of(visit)
            assert only(visit["dataType"]) == ("DataTypeEnum", "WebSession")
            assert meta["accountId"] == {"string": "12345678"}
            assert meta["schemaVersion"] == "1.0.0.22"
            assert meta["endTime"] is None or set(meta["endTime"]) == {"long"}
            for body_type, body in bodies_of(visit):
                if body_type == "WebSessionNavigationData":
                    for page in body["navigationData"]["array"]:
                        string_stamps += "string" in page["timestamp"]
                        long_stamps += "long" in page["timestamp"]
                if body_type == "WebSessionImpressionData":
                    seen: dict[str, list[str]] = defaultdict(list)
                    for impression in body["impressions"]["array"]:
                        instance = impression["engagementInstanceId"]["string"]
                        seen[instance].append(impression["impressionType"]["string"])
                    for types in seen.values():
                        assert types[0] == "Show" and "Show" not in types[1:]
    assert string_stamps and long_stamps


def test_personal_data_is_clearly_synthetic(sample):
    _, _, visits_by_file = sample
    documentation_nets = [
        ipaddress.ip_network(net)
        for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
    ]
    emails = phones = addresses = 0
    for visits in visits_by_file.values():
        for visit in visits:
            for body_type, body in bodies_of(visit):
                if body_type == "WebSessionGeoData":
                    geo = only(body["geo"])[1]
                    for field in ("iPV4", "iPV6"):
                        if geo[field] is not None:
                            address = ipaddress.ip_address(geo[field]["string"])
                            assert any(address in net for net in documentation_nets)
                            addresses += 1
            for kind, data in attributes_of(visit):
                if kind == "PersonalInfo":
                    for contact in data["contacts"]["array"]:
                        assert contact["email"]["string"].endswith("@example.com")
                        emails += 1
                        if contact["phone"] is not None:
                            assert contact["phone"]["string"].startswith("+1-555-")
                            phones += 1
    assert emails and phones and addresses


def test_seed_csv_lists_the_generators_memberships():
    with open(SEED_CSV, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    expected = [
        {
            "customer_id": member.customer_id,
            "membership_tier": member.membership_tier,
            "member_since": member.member_since.isoformat(),
        }
        for member in customer_memberships()
    ]
    assert rows == expected
    assert len(rows) == 400
    assert {row["membership_tier"] for row in rows} == {"premium", "gold", "standard"}


def test_identified_visitors_include_non_members_and_visitors_return(sample):
    _, _, visits_by_file = sample
    members = {member.customer_id for member in customer_memberships()}
    customer_ids = set()
    visits_per_visitor: Counter = Counter()
    for visits in visits_by_file.values():
        for visit in visits:
            _, first_body = bodies_of(visit)[0]
            visits_per_visitor[visitor_id(first_body)] += 1
            for kind, data in attributes_of(visit):
                if kind == "CustomerInfo" and data["customerId"] is not None:
                    customer_ids.add(data["customerId"]["string"])
    assert customer_ids & members
    assert customer_ids - members
    assert all(re.fullmatch(r"C\d{6,}", customer_id) for customer_id in customer_ids)
    assert max(visits_per_visitor.values()) >= 3


def test_average_order_value_is_ordered_by_membership_tier(tmp_path):
    summary = write_sample(tmp_path, visits=3000, end=END)
    tiers = {member.customer_id: member.membership_tier for member in customer_memberships()}
    customer_of_visitor: dict[str, str] = {}
    order_totals: dict[str, tuple[str, float]] = {}  # order id -> (visitor id, total)
    for path in summary.files:
        for visit in read_visits(path):
            for body_type, body in bodies_of(visit):
                if body_type == "WebSessionEngAttrsData":
                    for attribute in body["engagementAttributes"]["array"]:
                        kind, data = only(attribute["data"])
                        if kind == "CustomerInfo" and data["customerId"] is not None:
                            customer_of_visitor[visitor_id(body)] = data["customerId"]["string"]
                        if kind == "Purchase":
                            order_totals[data["orderId"]["string"]] = (
                                visitor_id(body),
                                data["total"]["double"],
                            )
                elif body_type == "WebSessionGoalAchievedData":
                    for goal in body["achievedGoals"]["array"]:
                        kind, data = only(goal["goalMetaData"])
                        if kind == "PurchaseMetadata":
                            order_totals[data["orderId"]["string"]] = (
                                visitor_id(body),
                                data["total"]["double"],
                            )
    totals_by_segment: dict[str, list[float]] = defaultdict(list)
    for visitor, total in order_totals.values():
        customer = customer_of_visitor.get(visitor)
        segment = "anonymous" if customer is None else tiers.get(customer, "non_member")
        totals_by_segment[segment].append(total)
    aov = {segment: sum(totals) / len(totals) for segment, totals in totals_by_segment.items()}
    assert set(aov) == {"premium", "gold", "standard", "non_member", "anonymous"}
    assert aov["premium"] > aov["gold"] > aov["standard"]
    for totals in totals_by_segment.values():
        assert all(round(total, 2) == total for total in totals)


def test_no_visits_writes_no_files_but_a_manifest(tmp_path):
    summary = write_sample(tmp_path, visits=0, end=END)
    assert summary.files == []
    assert set(summary.counts) == COUNT_KEYS and not any(summary.counts.values())
    assert [path.name for path in tmp_path.iterdir()] == [MANIFEST_NAME]
