"""Property tests (hypothesis) of the SQL functions that read LivePerson values
(macros/engine/functions.sql, macros/privacy.sql), against Python written apart from them.

The functions are compiled by dbt once (`{{ lp_create_functions() }}`), created in an in-memory
DuckDB, and every generated batch of values is read by one query. The reference for amounts and
times is the order rules' reference (tests/python/order_reference.py, written from the rules'
text, not from the SQL); the others are written here from the functions' documented contract:

- lp_text: the value's text, whatever the union's branch name;
- lp_amount: a decimal number (sign, digits, point, blanks around; no exponent) rounded half
  away from zero to 4 places, kept when 0 <= value < 10^14; lp_decimal the same, any sign;
- lp_integer / lp_bigint: an optional minus and digits that fit 32 / 64 bits;
- lp_boolean: the texts `true` and `false`;
- lp_time: 12 or 13 digits of epoch milliseconds, else ISO-8601 text (a zone converted to UTC);
- lp_problem: null when the value reads (or there is none), else `encrypted` for a PGP message,
  `out of range` for a number that does not fit, `not a(n) <kind>` otherwise;
- lp_pseudonym: HMAC-SHA256 with the key file's key (Python's hmac module);
- lp_scrub_url: no e-mail address, no value of a personal parameter, no user info and no
  fragment survive; the scheme, host and path do.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loader.pseudonym_key import ENV_NAME, ensure_key, key_path, read_pads
from tests.python.order_reference import money, parse_time

REPO = Path(__file__).resolve().parents[2]
BRANCHES = ("string", "long", "int", "double", "float", "boolean", "bytes", "com.example.Enum")
KINDS = ("amount", "decimal", "integer", "bigint", "boolean", "time")
PERSONAL_PARAMETERS = ("email", "token", "phone", "name", "session", "sid", "key", "password")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def functions_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQL that creates the lp_* functions before every run, as dbt compiles it."""
    work = tmp_path_factory.mktemp("functions")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "WAREHOUSE_PATH": str(work / "compile.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    compiled = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--quiet",
            "--inline",
            "{{ lp_create_functions() }}",
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
        check=True,
    ).stdout
    return compiled


@pytest.fixture(scope="module")
def con(functions_sql: str) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(functions_sql)
    return connection


def read_all(con: duckdb.DuckDBPyConnection, values: list[tuple[str, str | None]]) -> list[dict]:
    """Every function on every (branch, text) union, as one row per value."""
    con.execute("create or replace temporary table examples (id int, branch varchar, v varchar)")
    con.executemany(
        "insert into examples values (?, ?, ?)",
        [(index, branch, text) for index, (branch, text) in enumerate(values)],
    )
    problems = ", ".join(f"lp_problem(u, '{kind}') as problem_{kind}" for kind in KINDS)
    cursor = con.execute(
        f"""
        with unions as (
            select id, map([branch], [v]) as u from examples
        )
        select
            lp_text(u) as text, lp_amount(u) as amount, lp_decimal(u) as decimal,
            lp_integer(u) as integer, lp_bigint(u) as bigint, lp_boolean(u) as boolean,
            lp_time(u) as time, {problems}
        from unions order by id
        """
    )
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def expected_decimal(text: str | None) -> Decimal | None:
    """lp_decimal: an amount of any sign (money() keeps 0 <= value < 10^14 only)."""
    if text is None:
        return None
    stripped = text.strip()
    if stripped.startswith("-"):
        positive = expected_decimal(stripped[1:])
        return None if positive is None else -positive
    return money({"string": stripped})


def expected_whole(text: str | None, bits: int) -> int | None:
    if text is None or not re.fullmatch(r"-?[0-9]+", text):
        return None
    number = int(text)
    return number if -(2 ** (bits - 1)) <= number < 2 ** (bits - 1) else None


def expected_problem(text: str | None, kind: str, read: object) -> str | None:
    if text is None or read is not None:
        return None
    if text.startswith("-----BEGIN PGP"):
        return "encrypted"
    if re.fullmatch(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", text):
        return "out of range"
    return f"not an {kind}" if kind in ("amount", "integer") else f"not a {kind}"


digits = st.text("0123456789", min_size=1, max_size=22)
decimals = st.builds(
    lambda sign, whole, point, fraction, exponent, pad: (
        f"{pad}{sign}{whole}{point}{fraction}{exponent}{pad}"
    ),
    st.sampled_from(["", "-", "+"]),
    digits,
    st.sampled_from(["", "."]),
    st.text("0123456789", max_size=6),
    st.sampled_from(["", "e2", "E-3", "e400"]),
    st.sampled_from(["", " "]),
)
times = st.one_of(
    st.integers(0, 9_999_999_999_999).map(str),
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)).map(
        lambda moment: moment.isoformat(timespec="milliseconds")
    ),
    st.builds(
        lambda moment, zone: moment.isoformat(timespec="seconds") + zone,
        st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)),
        st.sampled_from(["Z", "+02:00", "-05:30", "+0100"]),
    ),
)
texts = st.one_of(
    decimals,
    digits,
    times,
    st.sampled_from(["true", "false", "True", "yes", "", "NaN", "Infinity", "1,5"]),
    st.just("-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----"),
    st.text(max_size=12),
    st.none(),
)
batches = st.lists(st.tuples(st.sampled_from(BRANCHES), texts), min_size=1, max_size=60)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches)
def test_value_functions_agree_with_the_reference(con, values) -> None:
    for (branch, text), row in zip(values, read_all(con, values), strict=True):
        case = f"{branch}: {text!r}"
        assert row["text"] == text, case
        assert row["amount"] == money({branch: text}) if text is not None else True, case
        assert row["decimal"] == expected_decimal(text), case
        assert row["integer"] == expected_whole(text, 32), case
        assert row["bigint"] == expected_whole(text, 64), case
        assert row["boolean"] == {"true": True, "false": False}.get(text), case
        reference_time = parse_time(text)
        assert row["time"] == reference_time, case
        for kind in KINDS:
            assert row[f"problem_{kind}"] == expected_problem(text, kind, row[kind]), (
                case,
                kind,
            )


def test_pseudonym_is_hmac_sha256_with_the_key_file(con) -> None:
    inner, outer = read_pads(Path(os.environ[ENV_NAME]))
    key = bytes(b ^ 0x36 for b in inner).rstrip(b"\0")
    assert bytes(b ^ 0x5C for b in key.ljust(64, b"\0")) == outer
    for text in ("BrookeR@blinds.com", "", "名前", "+1 555 0100"):
        (hashed,) = con.execute("select lp_pseudonym(?)", [text]).fetchone()
        assert hashed == hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        assert hashed != hashlib.sha256(text.encode()).hexdigest()
    assert con.execute("select lp_pseudonym(null)").fetchone() == (None,)


@pytest.mark.parametrize("content", [None, "", "\n \n", "not a key\n", "ab12\n"])
def test_a_missing_empty_or_damaged_key_file_stops_the_run_naming_it(
    functions_sql: str, tmp_path: Path, content: str | None
) -> None:
    """DuckDB's read_text gives no rows for a missing file: without the check, every keyed
    hash would be null and the build would pass."""
    wanted = tmp_path / "pseudonym.key"
    if content is not None:
        wanted.write_text(content)
    key = os.environ[ENV_NAME]
    assert key in functions_sql
    with pytest.raises(duckdb.Error, match=f"{re.escape(str(wanted))} is missing, empty or not"):
        duckdb.connect().execute(functions_sql.replace(key, str(wanted)))


def test_pseudonym_key_file_is_read_from_dot_env_and_made_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LP_PSEUDONYM_KEY_FILE, like every setting, may be set in `.env`; the key made there
    is readable by its owner only, and a damaged file is refused with its name."""
    wanted = tmp_path / "keys" / "pseudonym.key"
    env_file = tmp_path / ".env"
    env_file.write_text(f'{ENV_NAME}="{wanted}"\n')
    monkeypatch.delenv(ENV_NAME, raising=False)
    monkeypatch.setenv("LP_ENV_FILE", str(env_file))
    assert key_path() == wanted
    assert ensure_key() == wanted
    assert wanted.stat().st_mode & 0o777 == 0o600
    assert ensure_key() == wanted and len(read_pads(wanted)[0]) == 64  # kept, not remade
    wanted.write_text("not a key\n")
    with pytest.raises(ValueError, match=re.escape(str(wanted))):
        ensure_key()


hosts = st.sampled_from(["shop.example.com", "a.b.example.org:8443"])
paths = st.lists(st.sampled_from(["p", "SKU-1", "cart", "a b", "x%20y"]), max_size=3).map(
    lambda parts: "/" + "/".join(parts)
)
parameters = st.lists(
    st.tuples(
        st.sampled_from([*PERSONAL_PARAMETERS, "Email", "utm_source", "q", "page"]),
        st.sampled_from(["jane.doe@example.com", "jane%40example.com", "abc123", "42", ""]),
    ),
    max_size=4,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["https://", "http://"]),
    st.sampled_from(["", "user:secret@", "jane@example.com:pw@"]),
    hosts,
    paths,
    parameters,
    st.sampled_from(["", "#token=abc", "#section"]),
)
def test_scrub_url_keeps_scheme_host_and_path_and_nothing_personal(
    con, scheme, userinfo, host, path, query, fragment
) -> None:
    url = f"{scheme}{userinfo}{host}{path}"
    if query:
        url += "?" + "&".join(f"{name}={value}" for name, value in query)
    url += fragment
    (scrubbed,) = con.execute("select lp_scrub_url(?)", [url]).fetchone()
    assert scrubbed.startswith(f"{scheme}{host}{path}"), (url, scrubbed)
    assert not EMAIL.search(scrubbed), (url, scrubbed)
    assert "secret" not in scrubbed and "#" not in scrubbed, (url, scrubbed)
    for name, value in query:
        if name.lower() in PERSONAL_PARAMETERS and value:
            assert f"{name}={value}" not in scrubbed, (url, scrubbed)
        elif value and not EMAIL.search(value):
            assert f"{name}={value}" in scrubbed, (url, scrubbed)
