"""Property tests (hypothesis) of the Avro union-unwrapping macros (macros/avro.sql and
macros/engine/json.sql), against a reference implementation in Python.

The macros are compiled ONCE by dbt into one SQL query over a table `examples (id, v, w)`;
hypothesis then generates batches of Avro-JSON values, the query runs over each batch in DuckDB,
and every row is compared with the reference:

- lp_unwrap(v): JSON null is SQL null; a one-key object whose key is a primitive branch name
  (string, long, int, double, float, boolean, bytes, array, map) or a dotted (namespaced) type
  name is a union wrapper and gives its value (null inside gives SQL null); anything else (bare
  scalars, arrays, records, and one-field records such as {"url": ...}) is itself.
- lp_wrapper_name(v): the key of a one-key object, else null.
- lp_text(v): the unwrapped scalar as text (strings unquoted), JSON text for arrays and objects.
- lp_field(w, 'a.b') / lp_text(w, 'a.b'): the value at a.b, whatever was wrapped on the way.

Generated values follow Avro's rules: record field names are Avro names (no dots) and are not
branch names (a one-field record named like a branch, {"array": ...}, cannot be told from a
wrapper by its JSON, so the macros treat it as one); long is 64-bit, int 32-bit; doubles are
finite. Map keys are any text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
BRANCHES = ("string", "long", "int", "double", "float", "boolean", "bytes", "array", "map")

INLINE = """
select
    id,
    {{ lp_unwrap('v') }} as unwrapped,
    {{ lp_wrapper_name('v') }} as wrapper_name,
    {{ lp_text('v') }} as as_text,
    {{ lp_field('w', 'a.b') }} as field_a_b,
    {{ lp_text('w', 'a.b') }} as text_a_b
from examples
order by id
"""


@pytest.fixture(scope="module")
def compiled_sql(tmp_path_factory) -> str:
    """The macros compiled by dbt, once for the module."""
    work = tmp_path_factory.mktemp("dbt")
    dbt = Path(sys.executable).with_name("dbt")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "WAREHOUSE_PATH": str(work / "compile.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(
        [
            str(dbt),
            "compile",
            "--quiet",
            "--inline",
            INLINE,
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sql = done.stdout.strip()
    assert sql.lower().startswith("select") and "{{" not in sql, sql
    return sql


# ---- generators ------------------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
AVRO_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True)
FIELD = AVRO_NAME.filter(lambda name: name not in BRANCHES)
TYPE_NAME = st.lists(AVRO_NAME, min_size=2, max_size=4).map(".".join)  # com.x.Y
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
INT32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)
DOUBLE = st.floats(allow_nan=False, allow_infinity=False)
BARE_SCALAR = st.none() | st.booleans() | INT64 | DOUBLE | TEXT


def _wrapped_primitive(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(lambda v: {"string": v}, TEXT),
        st.builds(lambda v: {"bytes": v}, TEXT),
        st.builds(lambda v: {"long": v}, INT64),
        st.builds(lambda v: {"int": v}, INT32),
        st.builds(lambda v: {"double": v}, DOUBLE),
        st.builds(lambda v: {"float": v}, DOUBLE),
        st.builds(lambda v: {"boolean": v}, st.booleans()),
        st.builds(lambda v: {"array": v}, st.lists(values, max_size=3)),
        st.builds(lambda v: {"map": v}, st.dictionaries(TEXT, values, max_size=3)),
        # Not valid Avro, but seen as a way of writing "no value": null inside a wrapper.
        st.sampled_from(BRANCHES).map(lambda branch: {branch: None}),
    )


def _extend(values: st.SearchStrategy) -> st.SearchStrategy:
    record = st.dictionaries(FIELD, values, max_size=4)
    return st.one_of(
        _wrapped_primitive(values),
        st.builds(lambda name, v: {name: v}, TYPE_NAME, record | TEXT),  # records and enums
        record,  # bare records, one-field records ({"url": ...}) and {}
        st.builds(lambda name, v: {name: v}, FIELD, values),  # one-field records, explicitly
        st.lists(values, max_size=3),  # bare arrays
    )


AVRO = st.recursive(BARE_SCALAR, _extend, max_leaves=8)


@st.composite
def field_path_case(draw: st.DrawFn) -> tuple[object, object]:
    """A record with a value at a.b; every step bare or wrapped, with siblings in any order."""
    value = draw(AVRO)

    def record_holding(key: str, inner: object) -> object:
        siblings = draw(st.dictionaries(FIELD.filter(lambda k: k != key), AVRO, max_size=3))
        items = [*siblings.items(), (key, inner)]
        order = draw(st.permutations(range(len(items))))
        record = dict(items[i] for i in order)
        return {draw(TYPE_NAME): record} if draw(st.booleans()) else record

    inner = None if draw(st.integers(0, 9)) == 0 else record_holding("b", value)
    return record_holding("a", inner), (None if inner is None else value)


# ---- the reference -----------------------------------------------------------------------------


def unwrap(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        if key in BRANCHES or "." in key:
            return inner
    return value


def wrapper_name(value: object) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return next(iter(value))
    return None


def text_matches(text: str | None, expected: object) -> bool:
    """lp_text's result against the unwrapped value it should show."""
    if expected is None:
        return text is None
    if text is None:
        return False
    if isinstance(expected, str):
        return text == expected
    if isinstance(expected, bool):
        return text == ("true" if expected else "false")
    if isinstance(expected, int):
        return text == str(expected)
    if isinstance(expected, float):
        try:
            return float(text) == expected
        except ValueError:
            return False
    try:
        return json.loads(text) == expected
    except ValueError:
        return False


def json_matches(got: str | None, expected: object) -> bool:
    if expected is None:
        return got is None
    return got is not None and json.loads(got) == expected


# ---- the property ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db():
    with duckdb.connect() as con:
        yield con


# No shrinking: a failure already lists the first wrong values one by one, and shrinking
# batches of values would take minutes.
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    plain=st.lists(AVRO, min_size=1, max_size=25),
    paths=st.lists(field_path_case(), min_size=1, max_size=25),
    indent=st.sampled_from([None, 2]),
)
def test_the_unwrapping_macros_agree_with_the_reference(compiled_sql, db, plain, paths, indent):
    rows = max(len(plain), len(paths))
    plain = plain + [None] * (rows - len(plain))
    paths = paths + [(None, None)] * (rows - len(paths))
    # A root value may be pretty-printed (a file of pretty-printed records).
    db.execute(
        "create or replace temp table examples as "
        "select unnest(?) as id, unnest(?)::json as v, unnest(?)::json as w",
        [
            list(range(rows)),
            [json.dumps(v, indent=indent) for v in plain],
            [json.dumps(w, indent=indent) for w, _ in paths],
        ],
    )
    results = db.execute(compiled_sql).fetchall()
    assert [row[0] for row in results] == list(range(rows))

    wrong = []
    for (_, unwrapped, name, text, field, field_text), v, (w, at_ab) in zip(
        results, plain, paths, strict=True
    ):
        expected = unwrap(v)
        checks = {
            # macro: (agrees, input, what it gave, what the reference says)
            "lp_unwrap(v)": (json_matches(unwrapped, expected), v, unwrapped, expected),
            "lp_wrapper_name(v)": (name == wrapper_name(v), v, name, wrapper_name(v)),
            "lp_text(v)": (text_matches(text, expected), v, text, expected),
            "lp_field(w, 'a.b')": (json_matches(field, unwrap(at_ab)), w, field, unwrap(at_ab)),
            "lp_text(w, 'a.b')": (
                text_matches(field_text, unwrap(at_ab)),
                w,
                field_text,
                unwrap(at_ab),
            ),
        }
        wrong += [
            {"macro": macro, "input": value, "gave": gave, "reference": reference}
            for macro, (agrees, value, gave, reference) in checks.items()
            if not agrees
        ]
    assert wrong == [], wrong[:3]


def test_the_reference_follows_the_documented_examples():
    # The reference itself, on the examples the macros' documentation gives.
    assert unwrap({"string": "x"}) == "x"
    assert unwrap({"com.liveperson.dataaccess.Goal": {"id": {"long": 7}}}) == {"id": {"long": 7}}
    assert unwrap({"url": "https://a"}) == {"url": "https://a"}
    assert unwrap({"array": [1], "other": 2}) == {"array": [1], "other": 2}
    assert unwrap({"string": None}) is None and unwrap(None) is None
    assert wrapper_name({"com.liveperson.dataaccess.Goal": {}}) == "com.liveperson.dataaccess.Goal"
    assert wrapper_name({"a": 1, "b": 2}) is None
