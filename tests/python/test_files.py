"""File names: a file's identity and hour come from a valid Data Access name, or it is refused
with the reason; two different names never land as one; nothing escapes the landing folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loader.files import FileNameError, parse_file_name

LANDING = Path("/srv/landing")
VALID = "WebSession.1464778800000.1464782400000.part-00044-0.gz"


def test_a_liveperson_name_gives_its_scope_hour_and_day_folder():
    name = parse_file_name(VALID)
    assert name.name == VALID
    assert name.scope_start == datetime(2016, 6, 1, 11, tzinfo=UTC)
    assert name.scope_end == datetime(2016, 6, 1, 12, tzinfo=UTC)
    assert name.landing_path(LANDING) == LANDING / "webSession" / "2016-06-01" / VALID


def test_a_listed_name_without_gz_is_the_same_file_as_its_href():
    listed = parse_file_name(VALID.removesuffix(".gz"), listed=True)
    assert listed == parse_file_name(VALID)


def test_a_local_name_must_be_the_whole_name():
    with pytest.raises(FileNameError, match=r"does not end in \.gz"):
        parse_file_name(VALID.removesuffix(".gz"))


@pytest.mark.parametrize(
    "raw", [f"../../etc/{VALID}", f"/etc/cron.d/{VALID}", f"..\\..\\windows\\{VALID}"]
)
def test_a_listed_name_with_a_path_is_reduced_to_its_base_name(raw):
    assert parse_file_name(raw, listed=True).name == VALID


REFUSED = {
    # what a user or a server might give: the words the refusal must hold
    "": "empty",
    "data": r"does not end in \.gz",
    "data.gz": "not named like a Data Access file",
    VALID.replace(".gz", ".GZ"): "rename it to",
    VALID.replace("part-00044-0", "part-00044-0 copy"): "not named like a Data Access file",
    VALID.replace("WebSession", "websession"): "not named like a Data Access file",
    "WebSession.1464778800000000.1464782400000000.part-00000-0.gz": "from 2000 to 2100",
    "WebSession.146477880000000.146478240000000.part-00000-0.gz": "from 2000 to 2100",
    "WebSession.1464778800.1464782400.part-00000-0.gz": "from 2000 to 2100",
    "WebSession.1464782400000.1464778800000.part-00000-0.gz": "is not after its start",
    "WebSession.1464778800000.1464951600000.part-00000-0.gz": "by at most a day",
    "WebSession.1464778800000.1464782400000.part-" + "0" * 200 + ".gz": "longer than 200",
}


@pytest.mark.parametrize("raw", sorted(REFUSED))
def test_a_name_that_is_not_a_data_access_name_is_refused_with_the_reason(raw):
    with pytest.raises(FileNameError, match=REFUSED[raw]):
        parse_file_name(raw)


def test_names_that_a_sanitiser_would_merge_stay_apart():
    # `X copy.gz` used to become `X_copy.gz`, the name of another file.
    other = VALID.replace("part-00044-0", "part-00044-0_copy")
    assert parse_file_name(other).name == other
    with pytest.raises(FileNameError):
        parse_file_name(VALID.replace("part-00044-0", "part-00044-0 copy"))


NAME_TEXT = st.text(alphabet=st.sampled_from("WebSsion.0123456789-_ gzGZ/\\"), max_size=60)


@given(st.lists(NAME_TEXT, min_size=2, max_size=2, unique=True))
def test_two_different_accepted_names_never_share_a_landing_path(raws):
    paths = []
    for raw in raws:
        try:
            paths.append(parse_file_name(raw).landing_path(LANDING))
        except FileNameError:
            return
    assert paths[0] != paths[1]


@given(st.text(min_size=1, max_size=300), st.booleans())
def test_any_name_lands_inside_the_landing_folder_or_is_refused(raw, listed):
    try:
        name = parse_file_name(raw, listed=listed)
    except FileNameError:
        return
    path = name.landing_path(LANDING)
    assert path.resolve().is_relative_to(LANDING)
    assert path.parent.parent == LANDING / "webSession"
    assert "/" not in name.name and "\\" not in name.name and not name.name.startswith(".")
    assert name.name.endswith(".gz") and len(name.name) <= 200


@given(
    st.integers(min_value=10**12, max_value=4 * 10**12),
    st.integers(min_value=0, max_value=99_999),
)
def test_scope_epochs_round_trip_through_the_name(start_ms, part):
    end_ms = start_ms + 3_600_000
    name = parse_file_name(f"WebSession.{start_ms}.{end_ms}.part-{part:05d}-0.gz")
    assert (name.scope_start_ms, name.scope_end_ms) == (start_ms, end_ms)
