"""Column-level lineage (lineage/): JSON paths, hashing, and the personal-data rule.

Two parts: small hand-written manifests, the same project in DuckDB's and Spark's SQL, pin
what the lineage reads (the dialect comes from the manifest's adapter, never assumed); then
the real project, built once for the session, is checked: every mart column traced, and none
carrying personal data that was not hashed on the way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lineage.__main__ import DEFAULT_DOC_PATH
from lineage.__main__ import main as lineage_main
from lineage.column_lineage import (
    ColumnRef,
    LineageError,
    Project,
    is_personal,
    origins,
    personal_data_violations,
    render_json_path,
)

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]

PROJECT = "liveperson_warehouse"
SOURCE = "source.demo.app.events"
STAGING = "model.demo.stg_events"
MART = "model.demo.fct_events"

# The same staging model in each engine's SQL, as the engine macros would render it.
STAGING_SQL = {
    "duckdb": """
        with source as (select event_id, record from {events}),
        extracted as (
            select
                event_id,
                sha256(cast(json_extract_string(record, '$.person.name') as varchar))
                    as name_hash,
                json_extract_string(record, '$.person.name') as display_name,
                json_extract_string(record, '$."person"."e.mail"') as email,
                cast(list_transform(
                    [json_extract(record, '$.order')],
                    lambda lp_v: json_extract_string(lp_v, '$.total')
                )[1] as decimal(18, 4)) as order_total,
                len(json_extract(record, '$.items[*]')) as item_count
            from source
        )
        select * from extracted
    """,
    "spark": """
        with source as (select event_id, record from {events}),
        extracted as (
            select
                event_id,
                sha2(cast(get_json_object(record, '$.person.name') as string), 256)
                    as name_hash,
                get_json_object(record, '$.person.name') as display_name,
                get_json_object(record, '$.person[\\'e.mail\\']') as email,
                cast(transform(
                    array(get_json_object(record, '$.order')),
                    lp_v -> get_json_object(lp_v, '$.total')
                )[0] as decimal(18, 4)) as order_total,
                size(from_json(get_json_object(record, '$.items'), 'array<string>'))
                    as item_count
            from source
        )
        select * from extracted
    """,
}

MART_SQL = """
    with events as (
        select event_id, name_hash, display_name, email, order_total
        from {staging}
    ),
    amounts as (
        select event_id, order_total as amount from events
        union all
        select event_id, 0 as amount from events
    ),
    joined as (
        select
            events.event_id,
            events.name_hash as person_key,
            upper(events.display_name) as shouting_name,
            events.email as contact,
            amounts.amount,
            count(*) over () as event_count
        from events
        inner join amounts on events.event_id = amounts.event_id
    )
    select * from joined
"""


def demo_manifest(adapter: str) -> dict:
    """A source, a staging model with tagged columns, a mart: dbt's manifest, trimmed."""
    spark = adapter == "spark"
    database = None if spark else "demo"
    events = "raw.events" if spark else "demo.raw.events"
    staging = "staging.stg_events" if spark else "demo.staging.stg_events"

    def model(name: str, layer: str, sql: str, depends: list[str], columns: dict) -> dict:
        return {
            "resource_type": "model",
            "name": name,
            "database": database,
            "schema": layer,
            "alias": name,
            "fqn": ["demo", layer, name],
            "depends_on": {"nodes": depends},
            "compiled_code": sql,
            "columns": columns,
        }

    personal = {"config": {"meta": {"personal_data": True}}}
    return {
        "metadata": {"adapter_type": adapter, "project_name": "demo"},
        "nodes": {
            STAGING: model(
                "stg_events",
                "staging",
                STAGING_SQL[adapter].format(events=events),
                [SOURCE],
                {"name_hash": personal, "email": personal, "display_name": {}},
            ),
            MART: model("fct_events", "marts", MART_SQL.format(staging=staging), [STAGING], {}),
        },
        "sources": {
            SOURCE: {
                "resource_type": "source",
                "name": "events",
                "identifier": "events",
                "database": database,
                "schema": "raw",
                "columns": {"event_id": {}, "record": {}},
            }
        },
    }


def leaves(project: Project, node_id: str, column: str) -> set[tuple[str, str, bool]]:
    found = origins(project, ColumnRef(node_id, column))
    return {(project.label(leaf), path, hashed) for leaf, path, hashed in found.leaves}


@pytest.mark.parametrize("adapter", ["duckdb", "spark"])
def test_json_paths_and_hashes_are_traced_in_each_dialect(adapter: str) -> None:
    project = Project(demo_manifest(adapter))
    assert project.dialect == adapter
    assert leaves(project, MART, "amount") == {
        ("raw.events.record", "$.order.total", False)
    }  # the literal branch of the union adds nothing
    assert leaves(project, MART, "person_key") == {("raw.events.record", "$.person.name", True)}
    assert leaves(project, MART, "shouting_name") == {("raw.events.record", "$.person.name", False)}
    assert leaves(project, MART, "contact") == {("raw.events.record", '$.person."e.mail"', False)}
    assert leaves(project, MART, "event_id") == {("raw.events.event_id", "$", False)}
    assert leaves(project, MART, "event_count") == set()  # counts rows: no input column
    assert origins(project, ColumnRef(MART, "amount")).staging == (
        ColumnRef(STAGING, "order_total"),
    )


def test_duckdb_list_paths() -> None:
    project = Project(demo_manifest("duckdb"))
    assert leaves(project, STAGING, "item_count") == {("raw.events.record", "$.items[*]", False)}


@pytest.mark.parametrize("adapter", ["duckdb", "spark"])
def test_personal_data_reaching_a_mart_unhashed_is_reported(adapter: str) -> None:
    project = Project(demo_manifest(adapter))
    assert personal_data_violations(project, "marts") == [
        "fct_events.contact comes from the personal column stg_events.email without a hash",
        "fct_events.shouting_name reads the personal field raw.events.record $.person.name "
        "without a hash",
    ]


def test_an_unknown_adapter_is_refused() -> None:
    manifest = demo_manifest("duckdb")
    manifest["metadata"]["adapter_type"] = "oracle"
    with pytest.raises(LineageError, match="oracle"):
        Project(manifest)


def test_render_json_path_quotes_keys_that_need_it() -> None:
    steps = ("recordCollection", "[*]", "body", "*", "com.liveperson.X", "a-b")
    assert render_json_path(steps) == '$.recordCollection[*].body.*."com.liveperson.X"."a-b"'


# --- the real project -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(built_project: BuiltProject) -> Project:
    return Project.load(built_project.target)


def mart(name: str) -> str:
    return f"model.{PROJECT}.{name}"


@pytest.mark.slow
def test_the_project_dialect_comes_from_the_manifest(project: Project) -> None:
    assert project.adapter_type == "duckdb"
    assert project.dialect == "duckdb"


@pytest.mark.slow
def test_sqlglot_resolves_every_column_of_every_model(project: Project) -> None:
    unresolved = {
        project.nodes[uid]["name"]: traced.unresolved
        for uid, traced in project.model_lineage.items()
        if traced.unresolved
    }
    assert unresolved == {}
    marts = project.models_in("marts")
    assert len(marts) >= 6
    for uid in marts:
        assert project.columns_of(uid)


@pytest.mark.slow
def test_order_total_comes_from_the_purchase_json(project: Project) -> None:
    found = origins(project, ColumnRef(mart("fct_orders"), "order_total"))
    assert ColumnRef(f"model.{PROJECT}.stg_liveperson__purchases", "purchase_total") in (
        found.staging
    )
    assert (
        ColumnRef(f"source.{PROJECT}.liveperson.web_sessions", "record"),
        "$.recordCollection[*].body.engagementAttributes[*].data.total",
        False,
    ) in found.leaves


@pytest.mark.slow
def test_segments_come_from_the_membership_seed(project: Project) -> None:
    found = origins(project, ColumnRef(mart("mart_aov_by_membership_segment"), "customer_segment"))
    assert (
        ColumnRef(f"seed.{PROJECT}.customer_memberships", "membership_tier"),
        "$",
        False,
    ) in found.leaves


@pytest.mark.slow
def test_tagged_staging_columns_are_hashed(project: Project) -> None:
    tagged = [
        ColumnRef(uid, column)
        for uid in project.models_in("staging")
        for column in project.nodes[uid]["columns"]
        if is_personal(project, ColumnRef(uid, column))
    ]
    assert len(tagged) >= 5  # names, contacts, IP addresses, social and device ids
    for ref in tagged:
        traces = project.traces(ref)
        assert traces
        assert all(trace.hashed for trace in traces), project.label(ref)


@pytest.mark.slow
def test_no_mart_column_carries_unhashed_personal_data(project: Project) -> None:
    assert personal_data_violations(project, "marts") == []


@pytest.mark.slow
def test_make_lineage_prints_a_column(
    built_project: BuiltProject, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--target-path", str(built_project.target), "show"]
    assert lineage_main([*args, "--model", "fct_orders", "--column", "order_total"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fct_orders.order_total\n")
    assert "stg_liveperson__purchases.purchase_total" in out
    assert (
        "raw.web_sessions.record $.recordCollection[*].body.engagementAttributes[*].data.total"
        in out
    )


@pytest.mark.slow
def test_docs_page_lists_every_mart_column(built_project: BuiltProject, project: Project) -> None:
    page = Path(built_project.project_dir / DEFAULT_DOC_PATH).read_text()
    assert f"{{% docs __{PROJECT}__ %}}" in page
    for uid in project.models_in("marts"):
        assert f"## {project.nodes[uid]['name']}\n" in page
        for column in project.columns_of(uid):
            assert f"\n- **{column}**\n" in page
