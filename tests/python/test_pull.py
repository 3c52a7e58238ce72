"""`pull` against the local Data Access server: windows, lookback, exactly once, failures."""

from __future__ import annotations

import gzip
import itertools
import os
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from loader.cli import main
from loader.pull import pull
from tests.python.fake_data_access import ALL_SECRETS, error, with_headers
from tests.python.gzfiles import lines, visit

HOUR_MS = 3_600_000
NOW = datetime.now(UTC)
THIS_HOUR_MS = int(NOW.timestamp() * 1000) // HOUR_MS * HOUR_MS


def name_at(hours_ago: int, part: int = 0) -> str:
    start = THIS_HOUR_MS - hours_ago * HOUR_MS
    return f"WebSession.{start}.{start + HOUR_MS}.part-{part:05d}-0.gz"


def content(*visit_ids: str) -> bytes:
    return gzip.compress(lines([visit(v) for v in visit_ids]), mtime=0)


def query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def landed(settings) -> dict[str, int]:
    return dict(
        query(
            settings,
            "select file_name, record_count from raw.web_session_files where status = 'landed'",
        )
    )


def list_windows(server) -> list[tuple[int, int]]:
    spans = []
    for request in server.requests_to(server.list_path):
        spans.append((int(request.query["startTime"][0]), int(request.query["endTime"][0])))
    return spans


@pytest.fixture
def settings(fake_server, tmp_path):
    return fake_server.settings(tmp_path)


def test_first_pull_lists_30_days_in_day_windows_and_lands_everything(
    fake_server, settings, make_client
):
    fake_server.add_file(name_at(70), content("a", "b"))
    fake_server.add_file(name_at(3), content("c"))
    fake_server.add_file(name_at(3, part=1), content("d"))

    summary = pull(settings, client=make_client(settings))

    assert not summary.failed, summary.failures()
    assert landed(settings) == {name_at(70): 2, name_at(3): 1, name_at(3, part=1): 1}
    spans = list_windows(fake_server)
    assert len(spans) in (30, 31)  # 30 days, in windows of at most one day
    assert all(0 < end - start <= 24 * HOUR_MS for start, end in spans)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # no gaps
    assert spans[-1][1] - spans[0][0] == pytest.approx(30 * 24 * HOUR_MS, abs=60_000)
    # The originals are kept under their names in the landing folder.
    kept = settings.landing_dir / "webSession"
    assert sorted(p.name for p in kept.rglob("*.gz")) == sorted(landed(settings))


def test_the_next_pull_relists_the_lookback_and_picks_up_late_files_once(
    fake_server, settings, make_client
):
    fake_server.add_file(name_at(30), content("old"))
    fake_server.add_file(name_at(5), content("a"))
    pull(settings, client=make_client(settings))
    # A late file for an hour inside the lookback, one for an hour before it, and a new hour.
    fake_server.add_file(name_at(10, part=1), content("late"))
    fake_server.add_file(name_at(40, part=1), content("too-late"))
    fake_server.add_file(name_at(1), content("new"))
    fake_server.requests.clear()

    summary = pull(settings, client=make_client(settings))

    assert not summary.failed, summary.failures()
    assert [r.status for r in summary.results].count("skipped") == 1  # name_at(5) again
    assert name_at(10, part=1) in landed(settings) and name_at(1) in landed(settings)
    # Default start: the newest landed hour (5 h ago) minus LP_LOOKBACK_HOURS (24).
    first_start = list_windows(fake_server)[0][0]
    assert first_start == THIS_HOUR_MS - (5 + 24) * HOUR_MS
    assert name_at(40, part=1) not in landed(settings)
    assert query(settings, "select count(*) from raw.web_sessions") == [(4,)]


def test_a_file_redelivered_with_other_content_replaces_its_rows(
    fake_server, settings, make_client, caplog
):
    fake_server.add_file(name_at(2), content("a", "b", "c"))
    pull(settings, client=make_client(settings))
    fake_server.add_file(name_at(2), content("a", "b"))

    summary = pull(settings, client=make_client(settings))

    assert [r.status for r in summary.results] == ["replaced"]
    assert landed(settings) == {name_at(2): 2}
    assert query(settings, "select count(*) from raw.web_sessions") == [(2,)]
    assert "came back with different content" in caplog.text


def test_quirks_of_the_listing_still_land_the_right_files(fake_server, settings, make_client):
    fake_server.collapse_single = True  # one file: an object, not a list
    fake_server.add_file(name_at(4), content("a"), listed_name=name_at(4).removesuffix(".gz"))

    summary = pull(settings, client=make_client(settings))

    assert not summary.failed, summary.failures()
    assert landed(settings) == {name_at(4): 1}


def test_a_server_path_in_a_file_name_stays_inside_the_landing_folder(
    fake_server, settings, make_client
):
    fake_server.add_file(name_at(4), content("a"), listed_name="../../../etc/" + name_at(4))

    pull(settings, client=make_client(settings))

    files = [p for p in settings.warehouse_path.parent.rglob("*.gz")]
    assert files and all(p.is_relative_to(settings.landing_dir) for p in files)
    assert landed(settings) == {name_at(4): 1}


def test_one_failing_download_fails_alone_and_a_rerun_lands_it(fake_server, settings, make_client):
    fake_server.add_file(name_at(6), content("a"))
    fake_server.add_file(name_at(5), content("b"))
    fake_server.inject(fake_server.file_path(name_at(6)), error(404, "Not found"))

    summary = pull(settings, client=make_client(settings))

    assert summary.failed and len(summary.failures()) == 1
    assert name_at(6) in summary.failures()[0] or "404" in summary.failures()[0]
    assert landed(settings) == {name_at(5): 1}
    statuses = query(settings, "select file_name, status from raw.web_session_files")
    assert dict(statuses)[name_at(6)] == "failed"
    assert not list(settings.landing_dir.rglob("*.download*"))

    rerun = pull(settings, client=make_client(settings))
    assert not rerun.failed, rerun.failures()
    assert landed(settings) == {name_at(6): 1, name_at(5): 1}


def test_rejected_credentials_stop_the_run_with_what_to_check(fake_server, settings, make_client):
    fake_server.add_file(name_at(3), content("a"))
    fake_server.inject(fake_server.list_path, error(401, "Unauthorized request", code=10), times=40)

    summary = pull(settings, client=make_client(settings))

    assert summary.failed
    message = " ".join(summary.failures())
    assert "Unauthorized request" in message and "LP_APP_KEY" in message
    assert not landed(settings)


def test_a_link_to_another_host_is_refused_and_gets_nothing(
    fake_server, evil_server, settings, make_client
):
    evil_href = evil_server.url + evil_server.file_path(name_at(3))
    fake_server.add_file(name_at(3), content("a"), href=evil_href)
    fake_server.add_file(name_at(2), content("b"))

    summary = pull(settings, client=make_client(settings))

    assert summary.failed
    assert "refusing to send credentials" in " ".join(summary.failures())
    assert evil_server.requests == []
    assert landed(settings) == {name_at(2): 1}


def test_pull_from_the_command_line_reads_the_environment_and_keeps_secrets_out(
    fake_server, tmp_path, monkeypatch, capsys
):
    fake_server.add_file(name_at(30), content("a"))
    fake_server.add_file(name_at(2), content("b"))
    configured = fake_server.settings(tmp_path)
    environment = {
        "LP_ENV_FILE": str(tmp_path / "none.env"),
        "WAREHOUSE_PATH": str(configured.warehouse_path),
        "LANDING_DIR": str(configured.landing_dir),
        "LP_ACCOUNT_ID": configured.account_id,
        "LP_DATA_ACCESS_URL": configured.data_access_url,
        "LP_APP_KEY": configured.app_key,
        "LP_APP_SECRET": configured.app_secret,
        "LP_ACCESS_TOKEN": configured.access_token,
        "LP_ACCESS_TOKEN_SECRET": configured.access_token_secret,
    }
    for name in list(os.environ):
        if name.startswith("LP_"):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    start = datetime.fromtimestamp((THIS_HOUR_MS - 6 * HOUR_MS) / 1000, UTC)

    code = main(["pull", "--verbose", "--start", start.isoformat(), "--end", str(THIS_HOUR_MS)])

    output = capsys.readouterr()
    assert code == 0, output.err
    assert landed(configured) == {name_at(2): 1}  # 30 h ago is outside --start
    everything = output.out + output.err
    assert not [secret for secret in ALL_SECRETS if secret in everything]


def test_a_start_beyond_the_30_day_retention_is_warned_about(
    fake_server, settings, make_client, caplog
):
    pull(settings, start=NOW - timedelta(days=40), end=NOW, client=make_client(settings))
    assert "more than 30 days ago" in caplog.text


def test_a_gz_file_served_with_content_encoding_gzip_is_kept_as_the_gzip_file(
    fake_server, settings, make_client
):
    data = content("a", "b")
    fake_server.add_file(name_at(2), data)
    # Storage services often label .gz objects this way; the file is still the gzip bytes.
    fake_server.inject(fake_server.file_path(name_at(2)), with_headers(Content_Encoding="gzip"))

    summary = pull(settings, client=make_client(settings))

    assert not summary.failed, summary.failures()
    assert landed(settings) == {name_at(2): 2}
    (kept,) = settings.landing_dir.rglob("*.gz")
    assert kept.read_bytes() == data


# ---- inputs that used to block or stop a pull ---------------------------------------------


def test_a_future_dated_landed_file_does_not_block_later_pulls(
    fake_server, settings, make_client, tmp_path, monkeypatch
):
    # It used to move the default start to 2029-12-31, after now: "--start ... is not before
    # --end" on every pull without --start, while LivePerson deleted the month.
    future = "WebSession.1893456000000.1893459600000.part-00000-0.gz"  # 2030-01-01
    source = tmp_path / "in" / future
    source.parent.mkdir()
    source.write_bytes(content("f"))
    monkeypatch.setenv("LP_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(settings.warehouse_path))
    monkeypatch.setenv("LANDING_DIR", str(settings.landing_dir))
    assert main(["ingest", str(source)]) == 0
    fake_server.add_file(name_at(3), content("a"))

    summary = pull(settings, client=make_client(settings))

    assert not summary.failed, summary.failures()
    assert name_at(3) in landed(settings)
    # No landed hour is in the past: the window is the retention's, and ends now.
    first_start, last_end = list_windows(fake_server)[0][0], list_windows(fake_server)[-1][1]
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    assert abs(first_start - (now_ms - 30 * 24 * HOUR_MS)) < 120_000
    assert abs(last_end - now_ms) < 120_000


def test_a_start_given_in_epoch_seconds_is_read_as_seconds(
    fake_server, tmp_path, monkeypatch, capsys
):
    configured = fake_server.settings(tmp_path)
    fake_server.add_file(name_at(2), content("a"))
    for name in list(os.environ):
        if name.startswith("LP_"):
            monkeypatch.delenv(name)
    for name, value in {
        "LP_ENV_FILE": str(tmp_path / "none.env"),
        "WAREHOUSE_PATH": str(configured.warehouse_path),
        "LANDING_DIR": str(configured.landing_dir),
        "LP_ACCOUNT_ID": configured.account_id,
        "LP_DATA_ACCESS_URL": configured.data_access_url,
        "LP_APP_KEY": configured.app_key,
        "LP_APP_SECRET": configured.app_secret,
        "LP_ACCESS_TOKEN": configured.access_token,
        "LP_ACCESS_TOKEN_SECRET": configured.access_token_secret,
    }.items():
        monkeypatch.setenv(name, value)
    start_s = (THIS_HOUR_MS - 6 * HOUR_MS) // 1000

    assert main(["pull", "--start", str(start_s), "--end", str(THIS_HOUR_MS)]) == 0

    assert list_windows(fake_server) == [(start_s * 1000, THIS_HOUR_MS)]
    assert landed(configured) == {name_at(2): 1}


def test_an_unusable_listed_name_is_refused_and_the_others_land(fake_server, settings, make_client):
    fake_server.add_file(name_at(3), content("a"))
    odd = "WebSession.1764460800000000.1764464400000000.part-00000-0.gz"
    fake_server.add_file(
        name_at(4), content("b"), listed_name=odd, scope_start_ms=THIS_HOUR_MS - 4 * HOUR_MS
    )

    summary = pull(settings, client=make_client(settings))

    assert summary.failed
    (failure,) = summary.failures()
    assert odd in failure and "is not a time from 2000 to 2100" in failure
    assert landed(settings) == {name_at(3): 1}
    manifest = (settings.landing_dir / "landed_files.csv").read_text()
    assert name_at(3) in manifest


@pytest.mark.parametrize("run", range(3))
def test_a_truncated_download_fails_alone_as_truncated_every_time(
    fake_server, settings, make_client, run
):
    # DuckDB's refusal used to race the line-finder, which then died of EOFError on the cut
    # gzip: the run stopped, the good files after it unlanded, no manifest.
    names = [name_at(hours) for hours in (6, 5, 4)]
    for name in names:
        fake_server.add_file(name, content(*[f"{name}-{i}" for i in range(300)]))
    whole = content(*[f"cut-{i}" for i in range(3000)])
    fake_server.add_file(names[1], whole[: len(whole) // 2])

    summary = pull(settings, client=make_client(settings))

    (failure,) = summary.failures()
    assert names[1] in failure and "is truncated" in failure
    assert landed(settings) == {names[0]: 300, names[2]: 300}
    statuses = dict(query(settings, "select file_name, status from raw.web_session_files"))
    assert statuses[names[1]] == "failed"
    manifest = (settings.landing_dir / "landed_files.csv").read_text()
    assert names[0] in manifest and names[2] in manifest and names[1] not in manifest


def test_one_name_listed_with_two_different_links_lands_one_and_names_the_other(
    fake_server, settings, make_client
):
    # Both entries say they are name_at(3): the second is not silently taken for the first.
    fake_server.add_file(name_at(3, part=1), content("a"), listed_name=name_at(3))
    fake_server.add_file(name_at(3, part=2), content("b", "c"), listed_name=name_at(3))

    summary = pull(settings, client=make_client(settings))

    (failure,) = summary.failures()
    assert f"{name_at(3)} is listed twice with different links" in failure
    assert list(landed(settings)) == [name_at(3)]


def test_credentials_rejected_mid_batch_stop_the_run_and_leave_no_download(
    fake_server, settings, make_client
):
    for hours in (6, 5, 4):
        fake_server.add_file(name_at(hours), content(f"v{hours}"))
    fake_server.inject(
        fake_server.file_path(name_at(5)), error(401, "Unauthorized request", code=10)
    )

    summary = pull(settings, client=make_client(settings))

    failures = summary.failures()
    assert any("Unauthorized request" in line for line in failures)
    # The run stopped: all three listed files are named as not landed (the first was
    # downloaded, then removed with the batch it belonged to).
    (pending,) = [line for line in failures if "not landed, as the run stopped" in line]
    assert all(name_at(hours) in pending for hours in (6, 5, 4))
    assert not [p for p in settings.landing_dir.rglob("*") if p.is_file() and p.suffix != ".csv"]
