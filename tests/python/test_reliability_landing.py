"""Landing keeps every record as it came: the same visit in two files, and any valid record.

- The same visit in two files lands twice in `raw`, by design: raw keeps exactly what each file
  held (one row per record, with its file and line), and staging keeps the latest landing of a
  visit (models/staging/liveperson/base/base_liveperson__web_session_records.sql).
- Property (hypothesis): any JSON object with a `recordCollection`, written newline-delimited
  or pretty-printed, with LF or CRLF line ends, escaped or raw UTF-8, comes back from
  `raw.web_sessions` identical, numbered 1..n in file order, with a ledger row counting n;
  one to three such files are landed together, in one transaction and (several small files)
  one statement, as `ingest` does.
"""

from __future__ import annotations

import gzip
import itertools
import json

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loader.checks import inspect
from loader.cli import main
from loader.files import parse_file_name
from loader.land import Candidate, to_land
from loader.warehouse import Warehouse
from tests.python.gzfiles import file_name, write_visits

VISIT_ID = (
    '$.recordCollection.array[0].body."com.liveperson.dataaccess.WebSessionNavigationData"'
    '.header."com.liveperson.dataaccess.VisitorHeader".visitId.string'
)


def test_the_same_visit_in_two_files_lands_once_per_file_in_raw(env):
    folder = env / "in"
    write_visits(folder, file_name(0), ["shared", "only-in-0"])
    write_visits(folder, file_name(5), ["only-in-5", "shared"])

    assert main(["ingest", str(folder)]) == 0
    assert main(["ingest", str(folder)]) == 0  # and a rerun adds nothing

    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        shared = con.execute(
            f"select file_name, line_number from raw.web_sessions "
            f"where json_extract_string(record, '{VISIT_ID}') = 'shared' order by all"
        ).fetchall()
        ledger = con.execute(
            "select file_name, record_count, status from raw.web_session_files order by all"
        ).fetchall()
        total = con.execute("select count(*) from raw.web_sessions").fetchone()[0]
    assert shared == [(file_name(0), 1), (file_name(5), 2)]
    assert ledger == [(file_name(0), 2, "landed"), (file_name(5), 2, "landed")]
    assert total == 4


# ---- property: any valid record lands unchanged -------------------------------------------

# Valid Unicode only (a lone surrogate cannot be UTF-8, so no real file holds one).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=15,
)
COLLECTION = st.lists(JSON, max_size=3)


@st.composite
def records(draw: st.DrawFn) -> dict:
    """A Data Access-like top-level record: a recordCollection (bare or union-wrapped), any
    other fields, in any order."""
    collection = draw(COLLECTION)
    if draw(st.booleans()):
        collection = {"array": collection}
    fields = draw(st.dictionaries(TEXT.filter(lambda k: k != "recordCollection"), JSON, max_size=4))
    items = [*fields.items(), ("recordCollection", collection)]
    order = draw(st.permutations(range(len(items))))
    return dict(items[i] for i in order)


@st.composite
def files(draw: st.DrawFn) -> tuple[list[dict], bytes]:
    found = draw(st.lists(records(), min_size=1, max_size=6))
    ascii_only = draw(st.booleans())
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    indent = draw(st.sampled_from([None, None, 2, 0]))  # newline-delimited, or pretty-printed
    texts = [json.dumps(r, ensure_ascii=ascii_only, indent=indent) for r in found]
    if indent is not None:
        texts = [text.replace("\n", newline) for text in texts]
    trailing = draw(st.sampled_from(["", newline]))
    return found, (newline.join(texts) + trailing).encode("utf-8")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("property")
    with Warehouse(folder / "w.duckdb") as opened:
        yield opened, folder


HOURS = itertools.count()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(files(), min_size=1, max_size=3))
def test_any_valid_record_lands_unchanged_numbered_in_file_order(warehouse, batch):
    # One to three files landed together: one transaction for the batch, as `ingest` does.
    opened, folder = warehouse
    items = []
    for _, text in batch:
        name = file_name(next(HOURS))
        path = folder / name
        path.write_bytes(gzip.compress(text, mtime=0))
        candidate = Candidate(path, parse_file_name(name), "ingest", path.as_uri())
        items.append(to_land(candidate, inspect(path, name, 2**30)))

    # Valid files land together, in one transaction and (small files) by one statement:
    # Warehouse.land has no per-file fallback (the lander's), which would hide a numbering
    # bug of that statement.
    counts = opened.land(items, 2**24)

    for item, (found, _) in zip(items, batch, strict=True):
        name = item.name
        assert counts[name] == len(found)
        rows = opened.con.execute(
            "select line_number, record from raw.web_sessions where file_name = ? order by 1",
            [name],
        ).fetchall()
        assert [number for number, _ in rows] == list(range(1, len(found) + 1))
        assert [json.loads(record) for _, record in rows] == found
        (count,) = opened.con.execute(
            "select record_count from raw.web_session_files where file_name = ?", [name]
        ).fetchone()
        assert count == len(found)
