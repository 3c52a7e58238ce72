"""File names from a server or a disk never escape the landing folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loader.files import FileNameError, parse_file_name

LANDING = Path("/srv/landing")


def test_a_liveperson_name_gives_its_scope_hour_and_day_folder():
    name = parse_file_name("WebSession.1464778800000.1464782400000.part-00044-0.gz")
    assert name.name == "WebSession.1464778800000.1464782400000.part-00044-0.gz"
    assert name.scope_start == datetime(2016, 6, 1, 11, tzinfo=UTC)
    assert name.scope_end == datetime(2016, 6, 1, 12, tzinfo=UTC)
    assert name.landing_path(LANDING) == LANDING / "webSession" / "2016-06-01" / name.name


def test_a_name_without_gz_is_the_same_file_as_its_href():
    listed = parse_file_name("WebSession.1464778800000.1464782400000.part-00000-0")
    linked = parse_file_name("WebSession.1464778800000.1464782400000.part-00000-0.gz")
    assert listed == linked


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd.gz"),
        ("/etc/cron.d/evil.gz", "evil.gz"),
        ("..\\..\\windows\\evil.gz", "evil.gz"),
        ("a b;rm -rf.gz", "a_b_rm_-rf.gz"),
    ],
)
def test_paths_and_odd_characters_are_reduced_to_a_safe_base_name(raw, expected):
    assert parse_file_name(raw).name == expected


@pytest.mark.parametrize("raw", ["", "   ", "../", "/", "..", "..gz", ".gz"])
def test_a_name_with_nothing_usable_is_refused(raw):
    with pytest.raises(FileNameError):
        parse_file_name(raw)


def test_an_unscoped_name_still_lands_in_its_own_folder():
    name = parse_file_name("my-download.gz")
    assert name.scope_start_ms is None
    assert name.landing_path(LANDING) == LANDING / "webSession" / "unscoped" / "my-download.gz"


@given(st.text(min_size=1, max_size=300))
def test_any_name_lands_inside_the_landing_folder_or_is_refused(raw):
    try:
        name = parse_file_name(raw)
    except FileNameError:
        return
    path = name.landing_path(LANDING)
    assert path.resolve().is_relative_to(LANDING)
    assert path.parent.parent == LANDING / "webSession"
    assert "/" not in name.name and "\\" not in name.name and not name.name.startswith(".")
    assert name.name.endswith(".gz") and len(name.name) <= 203


@given(
    st.integers(min_value=10**12, max_value=4 * 10**12),
    st.integers(min_value=0, max_value=99_999),
)
def test_scope_epochs_round_trip_through_the_name(start_ms, part):
    end_ms = start_ms + 3_600_000
    name = parse_file_name(f"WebSession.{start_ms}.{end_ms}.part-{part:05d}-0.gz")
    assert (name.scope_start_ms, name.scope_end_ms) == (start_ms, end_ms)
