"""Column-level lineage (lineage/): JSON paths, hashes and scrubs, and the personal-data rule.

Three parts: single queries in DuckDB's and Spark's SQL pin how each construct of the typed
parse is read (struct fields, union maps, lists, structs built in SQL, JSON path functions);
small hand-written manifests, the same project in each engine's SQL, pin the chaining of
models and the personal-data rule (the dialect comes from the manifest's adapter, never
assumed); then the real project is checked: every mart column traced to the raw field it
reads, and none carrying personal data in clear, while marts added on purpose to a copy of
the project, which read personal fields in clear, are caught.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from lineage.__main__ import DEFAULT_DOC_PATH
from lineage.__main__ import main as lineage_main
from lineage.column_lineage import (
    EVERY_ELEMENT,
    ColumnRef,
    Leaf,
    LineageError,
    Project,
    extend_steps,
    is_personal,
    origins,
    personal_data_violations,
    render_json_path,
    trace_query,
)

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]

PROJECT = "liveperson_warehouse"
SOURCE = "source.demo.app.events"
BASE = "model.demo.base_events"
STAGING = "model.demo.stg_events"
ORDERS = "model.demo.stg_orders"
MART = "model.demo.fct_events"
RECORD = "raw.events.record"

# --- one query: what each construct adds to the path -------------------------------------------

# The typed parse of a record, as base models start (the structure's text is not read: the
# field accesses that follow name the fields).
PARSED = {
    "duckdb": """
        with parsed as (
            select
                event_id,
                record,
                json_transform(record, '{"person": "MAP(VARCHAR, STRUCT(\\"name\\" '
                    || 'MAP(VARCHAR, VARCHAR)))", "visits": "MAP(VARCHAR, JSON[])"}') as doc
            from raw.events
        )
    """,
    "spark": """
        with parsed as (
            select
                event_id,
                record,
                from_json(record, 'struct<person: map<string, struct<name: '
                    || 'map<string, string>>>, visits: map<string, array<string>>>') as doc
            from raw.events
        )
    """,
}

# (dialect, query after PARSED, {column: {"<input column> <path>[ (hashed|scrubbed)]"}})
QUERY_CASES = [
    pytest.param(
        "duckdb",
        """
        select
            lp_text(lp_value(doc.person).name) as name,
            lp_pseudonym(lp_text(lp_value(doc.person).name)) as name_key,
            lp_value(doc.person)."e.mail" as quoted,
            lp_value(doc.person)['Full Name'] as bracketed,
            lp_branch(doc.recordCollection) as type_name,
            max_by(lp_text(lp_value(doc.person).name), lp_time(doc.at)) as latest_name,
            generate_subscripts(lp_value(doc.visits), 1) as visit_number
        from parsed
        """,
        {
            "name": {"record $.person.name"},
            "name_key": {"record $.person.name (hashed)"},
            "quoted": {'record $.person."e.mail"'},
            "bracketed": {'record $.person."Full Name"'},
            "type_name": {"record $.recordCollection"},  # spelled as written, not lower-cased
            "latest_name": {"record $.person.name"},  # max_by's key only orders
            "visit_number": set(),  # a position
        },
        id="duckdb-fields",
    ),
    pytest.param(
        "duckdb",
        """
        , pages as (
            select
                event_id,
                list_transform(lp_value(doc.visits), lambda lp_item: {
                    'url': lp_text(lp_value(lp_item.body)."pageUrl"),
                    'referrer': lp_text(lp_value(lp_item.body)."referrerUrl")
                }) as pages,
                flatten(list_transform(
                    lp_value(doc.visits),
                    lambda lp_item: lp_value(json_transform(
                        lp_value(lp_item.body)."orders", '"MAP(VARCHAR, JSON[])"'
                    ))
                )) as orders,
                list_filter(
                    list_transform(lp_value(doc.visits), lambda v: lp_value(v.body).header),
                    lambda h: lp_text(h.visitId) <> ''
                ) as headers
            from parsed
        ),
        rows as (
            select unnest(orders) as purchase, pages, headers from pages
        )
        select
            lp_scrub_url((pages[1]).url) as landing_page,
            (pages[1]).referrer as referrer,
            [(pages[1]).url, (pages[2]).referrer][1] as either,
            lp_amount(purchase.total) as total,
            lp_text(headers[1].visitId) as visit_id,
            len(headers) as header_count
        from rows
        """,
        {
            "landing_page": {"record $.visits[*].body.pageUrl (scrubbed)"},
            "referrer": {"record $.visits[*].body.referrerUrl"},  # the struct's own field
            "either": {"record $.visits[*].body.pageUrl", "record $.visits[*].body.referrerUrl"},
            "total": {"record $.visits[*].body.orders[*].total"},  # flattened, then exploded
            "visit_id": {"record $.visits[*].body.header.visitId"},
            "header_count": {"record $.visits[*].body.header"},
        },
        id="duckdb-lists-and-structs",
    ),
    pytest.param(
        "duckdb",
        """
        select
            json_extract_string(record, '$.person.name') as name,
            sha256(json_extract_string(record, '$."person"."e.mail"')) as mail_hash,
            json_extract(json_extract(record, '$.person'), '$.*') as person,
            len(json_extract(record, '$.items[*]')) as item_count,
            unnest(json_extract(record, '$.items[*].sku')) as sku,
            json_extract(record, '$.items[2]') as second_item
        from parsed
        """,
        {
            "name": {"record $.person.name"},
            "mail_hash": {'record $.person."e.mail" (hashed)'},
            "person": {"record $.person"},  # `$.*` reads through a union wrapper
            "item_count": {"record $.items[*]"},
            "sku": {"record $.items[*].sku"},  # a list of matches, exploded once
            "second_item": {"record $.items[*]"},
        },
        id="duckdb-json-path-functions",
    ),
    pytest.param(
        "spark",
        """
        , pages as (
            select
                event_id,
                transform(map_values(doc.visits)[0], lp_item -> named_struct(
                    'url', lp_text(map_values(lp_item.body)[0].pageUrl),
                    'referrer', lp_text(map_values(lp_item.body)[0].referrerUrl)
                )) as pages,
                flatten(filter(
                    transform(
                        map_values(doc.visits)[0],
                        lp_item -> map_values(from_json(
                            map_values(lp_item.body)[0].orders,
                            'map<string, array<string>>'
                        ))[0]
                    ),
                    lp_inner -> lp_inner is not null
                )) as orders,
                lp_pseudonym(lp_text(map_values(doc.person)[0].name)) as name_key,
                map_keys(doc.recordCollection)[0] as type_name
            from parsed
        ),
        rows as (
            select
                name_key,
                type_name,
                pages,
                inline(transform(
                    orders,
                    (lp_element, lp_index) -> named_struct(
                        'purchase', lp_element,
                        'purchase_number', cast(lp_index + 1 as bigint)
                    )
                ))
            from pages
        )
        select
            name_key,
            type_name,
            lp_scrub_url(element_at(pages, 1).url) as landing_page,
            try_element_at(pages, 1).referrer as referrer,
            lp_amount(purchase.total) as total,
            purchase_number
        from rows
        """,
        {
            "name_key": {"record $.person.name (hashed)"},
            "type_name": {"record $.recordCollection"},
            "landing_page": {"record $.visits[*].body.pageUrl (scrubbed)"},
            "referrer": {"record $.visits[*].body.referrerUrl"},
            "total": {"record $.visits[*].body.orders[*].total"},
            "purchase_number": set(),  # the index of transform's lambda: a position
        },
        id="spark-lists-structs-and-inline",
    ),
    pytest.param(
        "spark",
        """
        select
            get_json_object(record, '$.person.name') as name,
            sha2(get_json_object(record, '$.person[\\'e.mail\\']'), 256) as mail_hash,
            explode(map_values(doc.visits)[0]) as visit
        from parsed
        """,
        {
            "name": {"record $.person.name"},
            "mail_hash": {'record $.person."e.mail" (hashed)'},
            "visit": {"record $.visits[*]"},
        },
        id="spark-json-path-functions",
    ),
]


def traced(sql: str, dialect: str) -> dict[str, set[str]]:
    schema = {"raw": {"events": {"event_id": "unknown", "record": "unknown"}}}
    found = trace_query(sql, schema, dialect, {("raw", "events"): SOURCE})
    assert found.unresolved == []
    return {
        column: {
            f"{flow.upstream.column} {render_json_path(flow.json_steps)}"
            + (" (hashed)" if flow.hashed else " (scrubbed)" if flow.scrubbed else "")
            for flow in flows
        }
        for column, flows in found.columns.items()
    }


@pytest.mark.parametrize(("dialect", "query", "expected"), QUERY_CASES)
def test_each_construct_of_the_typed_parse_is_traced(
    dialect: str, query: str, expected: dict[str, set[str]]
) -> None:
    assert traced(PARSED[dialect] + query, dialect) == expected


TOKENS = st.sampled_from([EVERY_ELEMENT, "a", "B", "*", "\0list", "\0key:a", "\0key:b"])


@given(st.lists(TOKENS, max_size=12), st.lists(TOKENS, max_size=12))
def test_steps_joined_model_by_model_as_at_once(first: list[str], second: list[str]) -> None:
    # A query's steps are reduced on their own, then joined to the steps of the model they
    # read: that must give what reducing all of them at once gives.
    at_once = extend_steps((), first + second)
    alone = extend_steps((), second)
    if alone is None:
        assert at_once is None
    else:
        assert extend_steps(extend_steps((), first), alone) == at_once


def test_render_json_path_quotes_keys_that_need_it() -> None:
    steps = ("recordCollection", "[*]", "body", "*", "com.liveperson.X", "a-b", "\0list")
    assert render_json_path(steps) == '$.recordCollection[*].body.*."com.liveperson.X"."a-b"'


# --- a small project in each engine's SQL: models chained, personal data ---------------------

# The same three models in each engine's SQL, shaped as the engine macros render them: a base
# model parses the record once (a payload kept as JSON text, pages as structs), a staging
# model reads the person and the first page, another types the orders and explodes them.
DEMO_SQL = {
    "duckdb": {
        "base": """
            with parsed as (
                select event_id, json_transform(record, '{}') as doc from {events}
            )
            select
                event_id,
                lp_value(doc.person) as person,
                list_transform(
                    lp_value(doc.visits), lambda lp_item: lp_value(lp_item.body)."orders"
                ) as orders_json,
                list_transform(lp_value(doc.visits), lambda lp_item: {
                    'url': lp_text(lp_value(lp_item.body)."pageUrl"),
                    'referrer': lp_text(lp_value(lp_item.body)."referrerUrl")
                }) as pages
            from parsed
        """,
        "staging": """
            select
                event_id,
                lp_pseudonym(lp_text(person.name)) as name_hash,
                lp_text(person.name) as display_name,
                lp_text(person."e.mail") as email,
                lp_scrub_url((pages[1]).url) as landing_page,
                (pages[1]).referrer as referrer
            from {base}
        """,
        "orders": """
            with typed as (
                select
                    event_id,
                    flatten(list_transform(orders_json, lambda lp_json: lp_value(
                        json_transform(lp_json, '"MAP(VARCHAR, STRUCT(\\"total\\" VARCHAR)[])"')
                    ))) as orders
                from {base}
            ),
            exploded as (
                select
                    event_id,
                    unnest(orders) as purchase,
                    generate_subscripts(orders, 1) as order_number
                from typed
            )
            select event_id, order_number, lp_amount(purchase.total) as order_total
            from exploded
        """,
        "raw_page": "(base.pages[1]).url",
    },
    "spark": {
        "base": """
            with parsed as (
                select event_id, from_json(record, 'struct<>') as doc from {events}
            )
            select
                event_id,
                map_values(doc.person)[0] as person,
                transform(
                    map_values(doc.visits)[0],
                    lp_item -> map_values(lp_item.body)[0].orders
                ) as orders_json,
                transform(map_values(doc.visits)[0], lp_item -> named_struct(
                    'url', lp_text(map_values(lp_item.body)[0].pageUrl),
                    'referrer', lp_text(map_values(lp_item.body)[0].referrerUrl)
                )) as pages
            from parsed
        """,
        "staging": """
            select
                event_id,
                lp_pseudonym(lp_text(person.name)) as name_hash,
                lp_text(person.name) as display_name,
                lp_text(person.`e.mail`) as email,
                lp_scrub_url(try_element_at(pages, 1).url) as landing_page,
                try_element_at(pages, 1).referrer as referrer
            from {base}
        """,
        "orders": """
            with typed as (
                select
                    event_id,
                    flatten(filter(
                        transform(orders_json, lp_json -> map_values(
                            from_json(lp_json, 'map<string, array<struct<total: string>>>')
                        )[0]),
                        lp_inner -> lp_inner is not null
                    )) as orders
                from {base}
            ),
            exploded as (
                select
                    event_id,
                    inline(transform(orders, (lp_element, lp_index) -> named_struct(
                        'purchase', lp_element,
                        'order_number', cast(lp_index + 1 as bigint)
                    )))
                from typed
            )
            select event_id, order_number, lp_amount(purchase.total) as order_total
            from exploded
        """,
        "raw_page": "try_element_at(base.pages, 1).url",
    },
}

MART_SQL = """
    with events as (
        select event_id, name_hash, display_name, email, landing_page, referrer
        from {staging}
    ),
    amounts as (
        select event_id, order_total as amount from {orders}
        union all
        select event_id, 0 as amount from events
    ),
    joined as (
        select
            events.event_id,
            events.name_hash as person_key,
            upper(events.display_name) as shouting_name,
            events.email as contact,
            events.landing_page,
            events.referrer,
            {raw_page} as raw_landing_page,
            amounts.amount,
            count(*) over () as event_count
        from events
        inner join amounts on events.event_id = amounts.event_id
        inner join {base} as base on events.event_id = base.event_id
    )
    select * from joined
"""


def demo_manifest(adapter: str) -> dict:
    """A source, a base, two staging models with tagged columns, a mart: dbt's manifest,
    trimmed."""
    spark = adapter == "spark"
    database = None if spark else "demo"

    def relation(schema: str, name: str) -> str:
        return f"{schema}.{name}" if spark else f"demo.{schema}.{name}"

    sql = DEMO_SQL[adapter]
    names = {
        "events": relation("raw", "events"),
        "base": relation("raw", "base_events"),
        "staging": relation("staging", "stg_events"),
        "orders": relation("staging", "stg_orders"),
    }

    def model(name: str, layer: str, code: str, depends: list[str], columns: dict) -> dict:
        return {
            "resource_type": "model",
            "name": name,
            "database": database,
            "schema": "raw" if name.startswith("base") else layer,
            "alias": name,
            "fqn": ["demo", layer, name],
            "depends_on": {"nodes": depends},
            # str.format would trip on the SQL's braces: only the relations are filled in.
            "compiled_code": _fill(code, {**names, "raw_page": sql["raw_page"]}),
            "columns": columns,
        }

    personal = {"config": {"meta": {"personal_data": True}}}
    return {
        "metadata": {"adapter_type": adapter, "project_name": "demo"},
        "nodes": {
            BASE: model("base_events", "staging", sql["base"], [SOURCE], {}),
            STAGING: model(
                "stg_events",
                "staging",
                sql["staging"],
                [BASE],
                {"name_hash": personal, "email": personal, "display_name": {}},
            ),
            ORDERS: model("stg_orders", "staging", sql["orders"], [BASE], {}),
            MART: model("fct_events", "marts", MART_SQL, [STAGING, ORDERS, BASE], {}),
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


def _fill(code: str, names: dict[str, str]) -> str:
    for name, value in names.items():
        code = code.replace("{" + name + "}", value)
    return code


def leaves(project: Project, node_id: str, column: str) -> set[Leaf]:
    return set(origins(project, ColumnRef(node_id, column)).leaves)


def record(path: str, hashed: bool = False, scrubbed: bool = False) -> Leaf:
    return Leaf(ColumnRef(SOURCE, "record"), path, hashed, scrubbed)


@pytest.mark.parametrize("adapter", ["duckdb", "spark"])
def test_paths_hashes_and_scrubs_are_traced_across_models(adapter: str) -> None:
    project = Project(demo_manifest(adapter))
    assert project.dialect == adapter
    assert leaves(project, MART, "amount") == {
        record("$.visits[*].body.orders[*].total")
    }  # the literal branch of the union adds nothing
    assert leaves(project, MART, "person_key") == {record("$.person.name", hashed=True)}
    assert leaves(project, MART, "shouting_name") == {record("$.person.name")}
    assert leaves(project, MART, "contact") == {record('$.person."e.mail"')}
    assert leaves(project, MART, "landing_page") == {
        record("$.visits[*].body.pageUrl", scrubbed=True)
    }
    # A field of a struct built in the base model: that field's path only.
    assert leaves(project, MART, "referrer") == {record("$.visits[*].body.referrerUrl")}
    assert leaves(project, MART, "raw_landing_page") == {record("$.visits[*].body.pageUrl")}
    assert leaves(project, MART, "event_id") == {Leaf(ColumnRef(SOURCE, "event_id"), "$")}
    assert leaves(project, MART, "event_count") == set()  # counts rows: no input column
    assert leaves(project, ORDERS, "order_number") == set()  # a position
    assert origins(project, ColumnRef(MART, "amount")).staging == (
        ColumnRef(ORDERS, "order_total"),
    )


@pytest.mark.parametrize("adapter", ["duckdb", "spark"])
def test_personal_data_reaching_a_mart_in_clear_is_reported(adapter: str) -> None:
    project = Project(demo_manifest(adapter))
    assert personal_data_violations(project, "marts") == [
        # a tagged column (left in clear by its staging model)
        "fct_events.contact comes from the personal column stg_events.email "
        "without a hash or a scrub",
        # the raw field behind a scrubbed column, read again by another route
        f"fct_events.raw_landing_page reads the personal field {RECORD} "
        "$.visits[*].body.pageUrl without a hash or a scrub "
        "(personal: stg_events.landing_page)",
        # the raw field behind a tagged, hashed column, read again by another route
        f"fct_events.shouting_name reads the personal field {RECORD} $.person.name "
        "without a hash or a scrub (personal: stg_events.name_hash)",
    ]


def test_an_unknown_adapter_is_refused() -> None:
    manifest = demo_manifest("duckdb")
    manifest["metadata"]["adapter_type"] = "oracle"
    with pytest.raises(LineageError, match="oracle"):
        Project(manifest)


def test_sql_sqlglot_cannot_read_names_the_model() -> None:
    manifest = demo_manifest("duckdb")
    manifest["nodes"][MART]["compiled_code"] = "select nonsense from from"
    with pytest.raises(LineageError, match="fct_events"):
        Project(manifest).model_lineage  # noqa: B018


# --- the real project -------------------------------------------------------------------------

# The staging columns that hold a keyed hash of personal data: the staging YAML tags each
# `meta: {personal_data: true}`. Where no YAML describes a model, the test project below
# tags them itself, so these tests do not wait for the YAML; where one does, its tags count.
PERSONAL_COLUMNS = {
    "stg_liveperson__personal_info": ["first_name", "surname"],
    "stg_liveperson__personal_info_contacts": ["email", "phone"],
    "stg_liveperson__geo": ["ipv4_address", "ipv6_address"],
    "stg_liveperson__customer_info": ["social_id", "imei", "user_name", "account_name"],
}

# Models that read personal raw fields, added to a copy of the project on purpose (layer
# `leaks`): the check must catch the clear ones and let the hashed and scrubbed ones pass.
LEAK_MODELS = {
    "leak_people": """
        with people as (
            select {{ lp_parse_member('attribute_json', 'PersonalInfo') }} as person
            from {{ ref('base_liveperson__engagement_attributes') }}
            where attribute_type = 'personal_info'
        ),
        contacts as (
            select
                person,
                {{ lp_unnest(lp_union_value('person.contacts'), 'contact', 'contact_number') }}
            from people
        )
        select
            lp_text(person.name) as clear_name,
            lp_pseudonym(lp_text(person.name)) as name_key,
            lower(lp_text(contact.email)) as clear_email,
            contact_number
        from contacts
    """,
    "leak_pages": """
        with pages as (
            select {{ lp_parse_payloads('navigation_json', 'navigation') }} as pages
            from {{ ref('base_liveperson__kept_records') }}
        ),
        rows as (
            select {{ lp_unnest('pages', 'page', 'page_number') }}
            from pages
        )
        select
            lp_text(page.url) as clear_url,
            lp_scrub_url(lp_text(page.url)) as scrubbed_url,
            lp_time(page.timestamp) as viewed_at
        from rows
    """,
}
LEAK_PROBLEMS = [
    "leak_pages.clear_url reads the personal field raw.web_sessions.record "
    "$.recordCollection[*].body.navigationData[*].url without a hash or a scrub "
    "(personal: stg_liveperson__page_views.page_url)",
    "leak_people.clear_email reads the personal field raw.web_sessions.record "
    "$.recordCollection[*].body.engagementAttributes[*].data.contacts[*].email without a hash "
    "or a scrub (personal: stg_liveperson__personal_info_contacts.email)",
    "leak_people.clear_name reads the personal field raw.web_sessions.record "
    "$.recordCollection[*].body.engagementAttributes[*].data.name without a hash or a scrub "
    "(personal: stg_liveperson__personal_info.first_name)",
]


def described_models(models_dir: Path) -> set[str]:
    """The models some YAML file under `models_dir` describes (dbt allows one each)."""
    found = set()
    for path in models_dir.rglob("*.yml"):
        document = yaml.safe_load(path.read_text()) or {}
        found |= {model["name"] for model in document.get("models") or []}
    return found


@pytest.fixture(scope="module")
def tagged_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The project, compiled (no data needed), with its personal columns tagged and the leak
    models added: a copy, so the working tree is untouched."""
    # A plugin: imported once pytest runs.
    from tests.python.conftest_build import copy_project, project_env

    root = tmp_path_factory.mktemp("lineage")
    project_dir = root / "project"
    copy_project(project_dir)
    models = project_dir / "models"
    untagged = {
        name: columns
        for name, columns in PERSONAL_COLUMNS.items()
        if name not in described_models(models)
    }
    if untagged:
        tags = {
            "version": 2,
            "models": [
                {
                    "name": name,
                    "columns": [
                        {"name": column, "config": {"meta": {"personal_data": True}}}
                        for column in columns
                    ],
                }
                for name, columns in untagged.items()
            ],
        }
        (models / "staging" / "_lineage_test__personal_data.yml").write_text(yaml.dump(tags))
    (models / "leaks").mkdir()
    for name, sql in LEAK_MODELS.items():
        (models / "leaks" / f"{name}.sql").write_text(textwrap.dedent(sql).lstrip())
    env = project_env(root, project_dir)
    result = subprocess.run(
        [sys.executable, "-m", "loader.dbt_runner", "compile", "--quiet"],
        cwd=project_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return Project.load(project_dir / "target")


@pytest.fixture(scope="module")
def project(built_project: BuiltProject) -> Project:
    return Project.load(built_project.target)


def model(name: str) -> str:
    return f"model.{PROJECT}.{name}"


RAW_RECORD = ColumnRef(f"source.{PROJECT}.liveperson.web_sessions", "record")


def raw(path: str, hashed: bool = False, scrubbed: bool = False) -> Leaf:
    return Leaf(RAW_RECORD, path, hashed, scrubbed)


@pytest.mark.slow
def test_the_project_dialect_comes_from_the_manifest(tagged_project: Project) -> None:
    assert tagged_project.adapter_type == "duckdb"
    assert tagged_project.dialect == "duckdb"


@pytest.mark.slow
def test_sqlglot_resolves_every_column_of_every_model(tagged_project: Project) -> None:
    unresolved = {
        tagged_project.nodes[uid]["name"]: traced.unresolved
        for uid, traced in tagged_project.model_lineage.items()
        if traced.unresolved
    }
    assert unresolved == {}
    marts = tagged_project.models_in("marts")
    assert len(marts) >= 6
    for uid in marts:
        assert tagged_project.columns_of(uid)


@pytest.mark.slow
def test_order_total_comes_from_the_purchase_goal_and_cart_fields(
    tagged_project: Project,
) -> None:
    found = origins(tagged_project, ColumnRef(model("fct_orders"), "order_total"))
    assert ColumnRef(model("stg_liveperson__purchases"), "purchase_total") in found.staging
    body = "$.recordCollection[*].body"
    assert set(found.leaves) == {
        raw(f"{body}.engagementAttributes[*].data.total"),
        raw(f"{body}.engagementAttributes[*].data.cart.total"),
        raw(f"{body}.achievedGoals[*].goalMetaData.total"),
        raw(f"{body}.achievedGoals[*].goalMetaData.cartStatus.total"),
    }


@pytest.mark.slow
def test_segments_come_from_the_membership_seed(tagged_project: Project) -> None:
    found = origins(
        tagged_project,
        ColumnRef(model("mart_aov_by_membership_segment"), "customer_segment"),
    )
    assert set(found.leaves) == {
        Leaf(ColumnRef(f"seed.{PROJECT}.customer_memberships", "membership_tier"), "$")
    }


@pytest.mark.slow
def test_page_urls_are_scrubbed_navigation_urls(tagged_project: Project) -> None:
    found = origins(tagged_project, ColumnRef(model("fct_web_sessions"), "entry_page_url"))
    assert found.staging == (ColumnRef(model("stg_liveperson__page_views"), "page_url"),)
    assert set(found.leaves) == {
        raw("$.recordCollection[*].body.navigationData[*].url", scrubbed=True)
    }


@pytest.mark.slow
def test_fields_of_inline_payloads_keep_their_own_path(tagged_project: Project) -> None:
    # GEO comes as a payload or inline (base_liveperson__records builds a struct of it).
    found = origins(tagged_project, ColumnRef(model("stg_liveperson__geo"), "ipv4_address"))
    assert set(found.leaves) == {
        raw("$.recordCollection[*].body.geo.iPV4", hashed=True),
        raw("$.recordCollection[*].body.iPV4", hashed=True),
    }
    found = origins(tagged_project, ColumnRef(model("fct_web_sessions"), "visit_id"))
    assert set(found.leaves) == {raw("$.recordCollection[*].body.header.visitId")}


@pytest.mark.slow
def test_tagged_staging_columns_are_hashed(tagged_project: Project) -> None:
    tagged = [
        ColumnRef(uid, column)
        for uid in tagged_project.models_in("staging")
        for column in tagged_project.columns_of(uid)
        if is_personal(tagged_project, ColumnRef(uid, column))
    ]
    expected = [
        ColumnRef(model(name), column)
        for name, columns in PERSONAL_COLUMNS.items()
        for column in columns
    ]
    untagged = sorted(tagged_project.label(ref) for ref in set(expected) - set(tagged))
    assert not untagged, f"the staging YAML does not tag these personal_data: {untagged}"
    for ref in tagged:
        traces = tagged_project.traces(ref)
        assert traces
        assert all(trace.hashed for trace in traces), tagged_project.label(ref)


@pytest.mark.slow
def test_no_mart_column_carries_personal_data_in_clear(tagged_project: Project) -> None:
    assert personal_data_violations(tagged_project, "marts") == []


@pytest.mark.slow
def test_marts_reading_personal_fields_in_clear_are_caught(tagged_project: Project) -> None:
    assert personal_data_violations(tagged_project, "leaks") == LEAK_PROBLEMS


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
    assert lineage_main([*args, "--model", "fct_web_sessions", "--column", "referrer_url"]) == 0
    assert (
        "raw.web_sessions.record $.recordCollection[*].body.navigationData[*].referrerUrl "
        "(scrubbed)\n"
    ) in capsys.readouterr().out


@pytest.mark.slow
def test_docs_page_lists_every_mart_column(built_project: BuiltProject, project: Project) -> None:
    page = Path(built_project.project_dir / DEFAULT_DOC_PATH).read_text()
    assert f"{{% docs __{PROJECT}__ %}}" in page
    for uid in project.models_in("marts"):
        assert f"## {project.nodes[uid]['name']}\n" in page
        for column in project.columns_of(uid):
            assert f"\n- **{column}**\n" in page
    assert (
        "from `raw.web_sessions.record` at "
        "`$.recordCollection[*].body.navigationData[*].url` *(scrubbed)*"
    ) in page
