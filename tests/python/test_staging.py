"""The staging models end to end: real loader ingest, real `dbt build`, a temporary warehouse.

One build serves every test (session fixture): the reference's verbatim JSON example, landed
twice under two file names (a re-delivery: it must count once), plus a small sample from
`loader.sample`. Then:
  1. the example comes out with exactly its values;
  2. on the sample, nothing of a known type is unrecognised and every count matches the
     generator's manifest.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
import yaml

from loader.pseudonym_key import pseudonym

pytestmark = pytest.mark.slow  # one loader run and one dbt build for the whole module

REPO = Path(__file__).resolve().parents[2]
# The "Data Structure / JSON Example" block of LivePerson's Web Session reference page,
# copied verbatim (pretty-printed, bare top level) so the repo tests it without the page.
REFERENCE_EXAMPLE = Path(__file__).parent / "fixtures" / "reference_example.json"
EXAMPLE_FILE = "WebSession.1467291600000.1467295200000.part-00000-0.gz"
# The same visit delivered again an hour later: only this later landing may count.
REDELIVERED_FILE = "WebSession.1467295200000.1467298800000.part-00000-0.gz"
SAMPLE_VISITS = 300
# What this file tests (staging and the macro tests), apart from other layers' work.
STAGING_ONLY = (
    "--select",
    "path:models/staging",
    "path:tests/dbt/macros",
    "--indirect-selection",
    "cautious",
)
SAMPLE_ACCOUNT = "12345678"

VISIT_ID = "AjvT6hLKTEi3AXgGnYu_mQ.606c99c686cbe0d422d558a5005b3ec2275dc20a"
VISITOR_ID = "pKytlMTwSPCwpJS-RQqtlQ"
SURNAME = "BrookeR@blinds.com"


def ms(epoch_ms: int) -> datetime:
    """Epoch milliseconds as the naive UTC timestamp DuckDB returns."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).replace(tzinfo=None)


def reference_example() -> str:
    """The "Data Structure / JSON Example" block of the reference page, verbatim."""
    example = REFERENCE_EXAMPLE.read_text(encoding="utf-8")
    json.loads(example)  # it is one JSON document
    return example


def dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    found = str(beside_python) if beside_python.exists() else shutil.which("dbt")
    assert found, "dbt is not installed in this environment"
    return found


class Warehouse:
    """A temporary warehouse, built once: run the loader and dbt against it, query it."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "warehouse.duckdb"
        self.env = {
            **os.environ,
            "WAREHOUSE_PATH": str(self.path),
            "LANDING_DIR": str(root / "landing"),
            "DBT_PROFILES_DIR": str(REPO),
        }
        self.manifest: dict = {}
        self.build_log = ""

    def run(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            args, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, f"{args[:3]} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def loader(self, *args: str) -> None:
        self.run(sys.executable, "-m", "loader", *args)

    def dbt(self, *args: str) -> subprocess.CompletedProcess:
        # One thread: on small data dbt's own overhead dominates, and threads only contend.
        options = (
            "--threads",
            "1",
            "--target-path",
            str(self.root / "target"),
            "--log-path",
            str(self.root / "logs"),
        )
        return self.run(dbt_executable(), *args, *options)

    def records(self, model: str, order_by: str = "1") -> list[dict]:
        """The example visit's rows of a staging model, as {column: value}."""
        with duckdb.connect(str(self.path), read_only=True) as connection:
            cursor = connection.execute(
                f"select * from staging.{model} where visit_id = ? order by {order_by}",
                [VISIT_ID],
            )
            columns = [column[0] for column in cursor.description]
            records = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        for record in records:
            # Every incremental staging model carries when its visit last changed (the
            # watermark, checked by test_incremental.py); the examples compare the read
            # columns. The example is read whole: no value of it is unreadable.
            assert isinstance(record.pop("changed_at"), datetime)
            assert record.pop("unreadable_values", []) == []
        return records

    def rows(self, sql: str, *params: object) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, params).fetchall()

    def one(self, sql: str, *params: object) -> object:
        return self.rows(sql, *params)[0][0]


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    root = tmp_path_factory.mktemp("staging")
    built = Warehouse(root)
    example = reference_example().encode("utf-8")
    for name in (EXAMPLE_FILE, REDELIVERED_FILE):
        folder = root / "incoming" / name
        folder.mkdir(parents=True)
        (folder / name).write_bytes(gzip.compress(example))
        built.loader("ingest", str(folder / name))  # one run each: the second lands later
    built.loader(
        "sample",
        "--out",
        str(root / "sample"),
        "--visits",
        str(SAMPLE_VISITS),
        "--days",
        "2",
        "--seed",
        "7",
    )
    built.loader("ingest", str(root / "sample"))
    built.manifest = json.loads((root / "sample" / "_sample_manifest.json").read_text())
    built.build_log = built.dbt("build", *STAGING_ONLY).stdout
    yield built


# --- 1. The reference's example, value for value ----------------------------------------------


def test_build_passes_without_warnings(warehouse: Warehouse) -> None:
    summary = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+)", warehouse.build_log)
    assert summary, warehouse.build_log[-2000:]
    assert summary.group(2) == "0" and summary.group(3) == "0", warehouse.build_log[-4000:]


def test_example_visit_counts_once_from_its_latest_landing(warehouse: Warehouse) -> None:
    sessions = warehouse.records("stg_liveperson__web_sessions")
    assert isinstance(sessions[0].pop("landed_at"), datetime)
    assert sessions == [
        {
            "visit_id": VISIT_ID,
            "visitor_id": VISITOR_ID,
            "context_id": None,
            "account_id": "75555851",
            "data_type": "WebSession",
            "schema_version": "1.0.0.22",
            "source_file_name": REDELIVERED_FILE,
            "source_line_number": 1,
            "started_at": ms(1467291704468),
            "ended_at": None,
        }
    ]
    (found,) = warehouse.rows(
        "select count(*) from raw.base_liveperson__records where visit_id = ?", VISIT_ID
    )
    assert found == (2,), "both landings are read; staging keeps the later one"


def test_example_page_views(warehouse: Warehouse) -> None:
    page = {"visit_id": VISIT_ID, "visitor_id": VISITOR_ID}
    assert warehouse.records("stg_liveperson__page_views", order_by="page_view_number") == [
        {
            **page,
            "page_view_number": 1,
            "page_url": "https://authentication.liveperson.net/login.html",
            "referrer_url": "",
            "page_sections": ["loginPages"],
            "viewed_at": ms(1467291704525),
        },
        {
            **page,
            "page_view_number": 2,
            # The fragment is gone (lp_scrub_url: it may carry tokens).
            "page_url": "https://z1.le.liveperson.net/a/89995382/",
            "referrer_url": "https://authentication.liveperson.net/login.html",
            "page_sections": [],
            "viewed_at": ms(1467291714765),
        },
        {
            **page,
            "page_view_number": 3,
            "page_url": "https://authentication.liveperson.net/login.html?lpservice=liveEngage"
            "&servicepath=a%2F%7E%7Eaccountid%7E%7E%2F%23%2C%7E%7Essokey%7E%7E",
            "referrer_url": "https://z1.le.liveperson.net/a/89995382/",
            "page_sections": ["loginPages"],
            "viewed_at": ms(1467308703041),
        },
    ]


def test_example_achieved_goal(warehouse: Warehouse) -> None:
    (goal,) = warehouse.records("stg_liveperson__goals_achieved")
    assert {key: value for key, value in goal.items() if value is not None} == {
        "visit_id": VISIT_ID,
        "visitor_id": VISITOR_ID,
        "goal_achieved_number": 1,
        "achieved_goal_id": "0b5f9655-7bcb-4143-960b-7a5b08195167",
        "goal_metadata_type": "reduce_abandonment",
        "goal_metadata_type_name": "com.liveperson.dataaccess.ReduceAbandonmentGoalMetadata",
        "campaign_goal_id": 153250510,
        "campaign_goal_revision": 13,
        "campaign_goal_type": 1,
        "number_of_pages": 2,
        "achieved_at": ms(1467291714594),
    }


# The example's two campaigns, each with its one engagement, as staging shows them.
FIRST_CAMPAIGN = {
    "campaign_id": 129082910,
    "visitor_profile_ids": [156579410],
    "visitor_profile_revisions": [111],
    "engagement_id": None,
    "engagement_channel": "1",
    "engagement_type": "5",
    "engagement_skill_id": 11,
    "engagement_skill_name": "Tier1",
    "engagement_availability_policy": "1",
    "engagement_interaction_type": 5,
    "engagement_rendering_type": None,
    "engagement_visitor_behavior_ids": [126225110],
    "engagement_visitor_behavior_revisions": [33],
    "engagement_survey_skill_ids": None,
    "engagement_survey_skill_names": None,
    "is_offsite_engagement": False,
    "goal_id": 126222610,
    "goal_type": 4,
    "goal_indicator_type": 3,
}
SECOND_CAMPAIGN = {
    **FIRST_CAMPAIGN,
    "campaign_id": 626105510,
    "visitor_profile_ids": [286374810],
    "engagement_channel": "100",
    "engagement_type": "1",
    "engagement_skill_id": -1,
    "engagement_skill_name": None,
    "engagement_availability_policy": None,
    "engagement_interaction_type": 1,
}


def test_example_eligibility_assessments(warehouse: Warehouse) -> None:
    visit = {"visit_id": VISIT_ID, "visitor_id": VISITOR_ID}
    rows = warehouse.records("stg_liveperson__campaign_eligibility", order_by="assessment_number")
    assert rows == [
        {
            **visit,
            "assessment_number": 1,
            "eligible_campaign_number": 1,
            "engagement_number": 1,
            **FIRST_CAMPAIGN,
            "control_group_type": "NA",
            "assessed_at": ms(1467291704571),
        },
        {
            **visit,
            "assessment_number": 2,
            "eligible_campaign_number": 1,
            "engagement_number": 1,
            **SECOND_CAMPAIGN,
            "control_group_type": "NA",
            "assessed_at": ms(1467291718265),
        },
    ]


def test_example_impressions(warehouse: Warehouse) -> None:
    impression = {"visit_id": VISIT_ID, "visitor_id": VISITOR_ID}
    absent = {"control_group_type": None, "impressed_at": None}
    rows = warehouse.records("stg_liveperson__impressions", order_by="impression_number")
    assert rows == [
        {
            **impression,
            "impression_number": 1,
            "engagement_instance_id": "1",
            "impression_type": "show",
            "impression_state": "1",
            **FIRST_CAMPAIGN,
            **absent,
        },
        {
            **impression,
            "impression_number": 2,
            "engagement_instance_id": "2",
            "impression_type": "show",
            "impression_state": "0",
            **SECOND_CAMPAIGN,
            **absent,
        },
        {
            **impression,
            "impression_number": 3,
            "engagement_instance_id": "2",
            "impression_type": "close",
            "impression_state": "0",
            **SECOND_CAMPAIGN,
            **absent,
        },
    ]


def test_example_engagement_attributes(warehouse: Warehouse) -> None:
    visit = {"visit_id": VISIT_ID, "visitor_id": VISITOR_ID}
    rows = warehouse.records("stg_liveperson__engagement_attributes", order_by="attribute_number")
    assert rows == [
        {
            **visit,
            "attribute_number": 1,
            "attribute_type": "customer_info",
            "attribute_type_name": "com.liveperson.dataaccess.CustomerInfo",
            "reported_at": ms(1467291718263),
        },
        {
            **visit,
            "attribute_number": 2,
            "attribute_type": "personal_info",
            "attribute_type_name": "com.liveperson.dataaccess.PersonalInfo",
            "reported_at": ms(1467291718494),
        },
    ]
    (customer,) = warehouse.records("stg_liveperson__customer_info")
    assert {key: value for key, value in customer.items() if value is not None} == {
        **visit,
        "attribute_number": 1,
        "customer_id": "Account: 89995382",
        "customer_status": "agentManager",
        "reported_at": ms(1467291718263),
    }


def test_example_surname_is_a_keyed_hash_in_staging_and_clear_only_in_raw(
    warehouse: Warehouse,
) -> None:
    (person,) = warehouse.records("stg_liveperson__personal_info")
    assert {key: value for key, value in person.items() if value is not None} == {
        "visit_id": VISIT_ID,
        "visitor_id": VISITOR_ID,
        "attribute_number": 2,
        # HMAC-SHA256 with the key of LP_PSEUDONYM_KEY_FILE, not a bare SHA-256 that a
        # dictionary of e-mail addresses would reverse.
        "surname": pseudonym(SURNAME),
        "contact_count": 1,
        "reported_at": ms(1467291718494),
    }
    assert pseudonym(SURNAME) != hashlib.sha256(SURNAME.encode()).hexdigest()
    landed = warehouse.one(
        "select count(*) from raw.web_sessions where contains(cast(record as varchar), ?)",
        SURNAME,
    )
    assert landed == 2, "the clear value stays in raw (both landings, as landed)"
    parsed = warehouse.one(
        "select count(*) from raw.base_liveperson__engagement_attributes"
        " where visit_id = ? and contains(cast(attribute_json as varchar), ?)",
        VISIT_ID,
        SURNAME,
    )
    assert parsed == 1, "the kept landing's attribute, parsed, in raw"
    assert warehouse.records("stg_liveperson__personal_info_contacts") == [
        {
            "visit_id": VISIT_ID,
            "visitor_id": VISITOR_ID,
            "attribute_number": 2,
            "contact_number": 1,
            "email": None,
            "phone": None,
        }
    ]


def test_example_has_nothing_unrecognised_and_no_geo_or_session_info(
    warehouse: Warehouse,
) -> None:
    for model in ("unrecognized_records", "geo", "session_info"):
        count = warehouse.one(
            f"select count(*) from staging.stg_liveperson__{model} where visit_id = ?",
            VISIT_ID,
        )
        assert count == 0, model


# --- 2. The sample: every count as the generator wrote it ------------------------------------

SAMPLE_ONLY = (
    "visit_id in (select visit_id from staging.stg_liveperson__web_sessions"
    f" where account_id = '{SAMPLE_ACCOUNT}')"
)


def by_short_name(warehouse: Warehouse, sql: str) -> dict[str, int]:
    """{short type name: count} from a query returning (full type name, count)."""
    return {name.rsplit(".", 1)[-1]: count for name, count in warehouse.rows(sql)}


def manifest_group(warehouse: Warehouse, prefix: str) -> dict[str, int]:
    counts = warehouse.manifest["counts"]
    return {
        key[len(prefix) :]: value
        for key, value in counts.items()
        if key.startswith(prefix) and value
    }


def test_nothing_is_unrecognised(warehouse: Warehouse) -> None:
    assert (
        warehouse.rows(
            "select member_kind, type_name, count(*)"
            " from staging.stg_liveperson__unrecognized_records group by all"
        )
        == []
    )


def test_sample_visits_and_bodies_match_the_manifest(warehouse: Warehouse) -> None:
    assert (
        warehouse.one(
            f"select count(*) from staging.stg_liveperson__web_sessions where {SAMPLE_ONLY}"
        )
        == warehouse.manifest["visits"]
        == SAMPLE_VISITS
    )
    bodies = by_short_name(
        warehouse,
        "select body_type_name, count(*) from (select unnest(body_type_names)"
        " as body_type_name from raw.base_liveperson__kept_records"
        f" where {SAMPLE_ONLY}) group by all",
    )
    assert bodies == manifest_group(warehouse, "bodies.")
    counts = warehouse.manifest["counts"]
    per_visit = {"geo": "WebSessionGeoData", "session_info": "WebSessionSessionInfoData"}
    for model, body in per_visit.items():
        assert (
            warehouse.one(
                f"select count(*) from staging.stg_liveperson__{model} where {SAMPLE_ONLY}"
            )
            == counts[f"bodies.{body}"]
        ), model


def test_sample_navigation_and_campaigns_match_the_manifest(warehouse: Warehouse) -> None:
    counts = warehouse.manifest["counts"]
    assert (
        warehouse.one(
            f"select count(*) from staging.stg_liveperson__page_views where {SAMPLE_ONLY}"
        )
        == counts["navigation"]
    )
    assessments, eligible_campaigns = warehouse.rows(
        "select count(distinct (visit_id, assessment_number)),"
        " count(distinct (visit_id, assessment_number, eligible_campaign_number))"
        f" from staging.stg_liveperson__campaign_eligibility where {SAMPLE_ONLY}"
    )[0]
    assert assessments == counts["eligibility_assessments"]
    assert eligible_campaigns == counts["eligible_campaigns"]
    impressions = dict(
        warehouse.rows(
            "select impression_type, count(*) from staging.stg_liveperson__impressions"
            f" where {SAMPLE_ONLY} group by all"
        )
    )
    expected = {
        name.lower(): count for name, count in manifest_group(warehouse, "impressions.").items()
    }
    assert impressions == expected


def test_sample_goals_match_the_manifest(warehouse: Warehouse) -> None:
    goals = by_short_name(
        warehouse,
        "select goal_metadata_type_name, count(*) from staging.stg_liveperson__goals_achieved"
        f" where {SAMPLE_ONLY} and goal_metadata_type is not null group by all",
    )
    assert goals == manifest_group(warehouse, "goals.")


def test_sample_attributes_and_their_models_match_the_manifest(warehouse: Warehouse) -> None:
    attributes = by_short_name(
        warehouse,
        "select attribute_type_name, count(*)"
        " from staging.stg_liveperson__engagement_attributes"
        f" where {SAMPLE_ONLY} and attribute_type is not null group by all",
    )
    assert attributes == manifest_group(warehouse, "attributes.")
    counts = warehouse.manifest["counts"]
    typed_models = {
        "purchases": "Purchase",
        "cart_updates": "CartStatus",
        "viewed_products": "ViewedProduct",
        "customer_info": "CustomerInfo",
        "personal_info": "PersonalInfo",
        "leads": "Lead",
        "service_activities": "ServiceActivity",
        "visitor_errors": "VisitorError",
        "marketing_sources": "MarketingCampaignInfo",
    }
    for model, attribute in typed_models.items():
        assert (
            warehouse.one(
                f"select count(*) from staging.stg_liveperson__{model} where {SAMPLE_ONLY}"
            )
            == counts[f"attributes.{attribute}"]
        ), model


def test_sample_product_lines_match_the_manifest(warehouse: Warehouse) -> None:
    lines = dict(
        warehouse.rows(
            "select product_list, count(*) from staging.stg_liveperson__product_lines"
            f" where {SAMPLE_ONLY} and product_list <> 'goal_purchase_cart' group by all"
        )
    )
    counts = warehouse.manifest["counts"]
    expected = {
        "purchase_cart": counts["products.purchase"],
        "cart_update": counts["products.cart"],
        "viewed_products": counts["products.viewed"],
    }
    assert lines == {name: count for name, count in expected.items() if count}


def test_sample_values_are_typed(warehouse: Warehouse) -> None:
    """Spot checks that the sample's typed values came through (not only the row counts)."""
    assert (
        warehouse.one(
            "select count(*) from staging.stg_liveperson__product_lines"
            " where product_price is null or product_sku is null"
        )
        == 0
    )
    assert (
        warehouse.one(
            f"select count(*) from staging.stg_liveperson__page_views where {SAMPLE_ONLY}"
            " and (viewed_at is null or page_url is null)"
        )
        == 0
    )
    ipv4 = warehouse.one(
        "select max(ipv4_address) from staging.stg_liveperson__geo where ipv4_address is not null"
    )
    assert re.fullmatch(r"[0-9a-f]{64}", ipv4), "IP addresses are keyed hashes"


# --- Source layout -----------------------------------------------------------------------------


def test_sql_source_lines_stay_under_88_characters() -> None:
    """sqlfluff's LT05 measures lines after templating (see .sqlfluff); this checks the source."""
    long_lines = [
        f"{path.relative_to(REPO)}:{number}"
        for folder in ("models/staging", "macros", "tests/dbt/macros")
        for path in sorted((REPO / folder).rglob("*.sql"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > 88
    ]
    assert long_lines == []


def test_every_macro_is_documented_once_with_its_arguments() -> None:
    """macros/_macros.yml lists every macro of macros/ once, with exactly its arguments: an
    engine's implementation (`duckdb__x`, `spark__x`) is documented by its macro `x`."""
    found = [
        (f"test_{name}" if kind == "test" else name, arguments)
        for path in (REPO / "macros").rglob("*.sql")
        for kind, name, arguments in re.findall(
            r"\{%-?\s*(macro|test)\s+(\w+)\((.*?)\)\s*-?%\}", path.read_text(encoding="utf-8")
        )
    ]
    names = {name for name, _ in found}
    # An engine's implementation of a project macro is documented by that macro; one of
    # dbt's own macros (spark__load_csv_rows) is documented as itself.
    defined = {
        name: [argument.split("=")[0].strip() for argument in arguments.split(",") if argument]
        for name, arguments in found
        if not (
            name.startswith(("duckdb__", "spark__", "default__"))
            and name.split("__", 1)[1] in names
        )
    }
    documented = yaml.safe_load((REPO / "macros" / "_macros.yml").read_text(encoding="utf-8"))
    described = {
        macro["name"]: [argument["name"] for argument in macro.get("arguments", [])]
        for macro in documented["macros"]
        if macro.get("description")
    }
    assert described == defined
