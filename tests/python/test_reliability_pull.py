"""`pull` under bad runs and bad networks, through the command line.

- The process is SIGKILLed at several points of a pull (while listing, mid-download, between
  keeping the original and committing it, between two files); a rerun must give exactly the
  warehouse and landing folder of an uninterrupted run. The loader runs in a subprocess against
  the fake server in this process; faults hold the run at each point, and each test proves that
  the partial state it aimed at really happened.
- A connection dropped mid-download that never recovers, and a server that stops answering:
  a message naming the request, exit 1, nothing half-landed, no `.part`/`.download` left.
- A list answer that is not JSON.
"""

from __future__ import annotations

import functools
import gzip
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from loader import pull
from loader.cli import main
from loader.client import DataAccessClient
from loader.manifest import MANIFEST_NAME
from tests.python.fake_data_access import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    ACCOUNT_ID,
    APP_KEY,
    APP_SECRET,
    FakeDataAccess,
    disconnect,
    drop_connection,
    hang,
    raw,
    slow,
)
from tests.python.gzfiles import BASE_HOUR_MS, HOUR_MS, file_name, lines, visit
from tests.python.landing_folder import landing_files

REPO = Path(__file__).resolve().parents[2]
WINDOW = ["--start", str(BASE_HOUR_MS), "--end", str(BASE_HOUR_MS + 26 * HOUR_MS)]
DEADLINE_S = 30.0  # no wait in this module is unbounded


def loader_env(server: FakeDataAccess, root: Path) -> dict[str, str]:
    """The environment of `python -m loader` pulling from `server` into `root`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LP_")}
    env.update(
        PYTHONPATH=str(REPO),
        LP_ENV_FILE=str(root / "no.env"),
        WAREHOUSE_PATH=str(root / "w.duckdb"),
        LANDING_DIR=str(root / "landing"),
        LP_ACCOUNT_ID=ACCOUNT_ID,
        LP_DATA_ACCESS_URL=server.url,
        LP_SENTINEL_URL=server.url,
        LP_APP_KEY=APP_KEY,
        LP_APP_SECRET=APP_SECRET,
        LP_ACCESS_TOKEN=ACCESS_TOKEN,
        LP_ACCESS_TOKEN_SECRET=ACCESS_TOKEN_SECRET,
    )
    return env


def run_pull(server: FakeDataAccess, root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loader", "pull", *WINDOW],
        env=loader_env(server, root),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def warehouse_content(path: Path) -> tuple[list, list]:
    """Everything in the warehouse except the times of landing."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select file_name, line_number, record from raw.web_sessions order by all"
        ).fetchall()
        ledger = con.execute(
            "select file_name, scope_start_at, scope_end_at, source, source_uri, size_bytes, "
            "uncompressed_bytes, sha256, record_count, status, error, replaced_count "
            "from raw.web_session_files order by all"
        ).fetchall()
    return rows, ledger


def landed_files(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(
            con.execute(
                "select f.file_name, count(r.file_name) from raw.web_session_files as f "
                "left join raw.web_sessions as r using (file_name) "
                "where f.landed_at is not null group by all"
            ).fetchall()
        )


# ---- SIGKILL during a pull -------------------------------------------------------------------

# 25 files: three batches of the lander (8, 16, then 1), so that a kill can fall after one
# batch landed and before the next. The third is large: over a MiB compressed (a slow
# download leaves a partial `.part` on disk) and a few MB to land (so a kill can fall
# between keeping its original and committing its rows).
NAMES = [file_name(hour) for hour in range(25)]
BIG = 2
FIRST_BATCH = 8
NEXT_BATCH_STARTS = 24


def big_records() -> list[dict]:
    rng = random.Random(3)
    records = []
    for i in range(2500):
        record = visit(f"big-{i}", pages=3)
        record["noise"] = f"{rng.getrandbits(8192):02048x}"
        records.append(record)
    return records


@pytest.fixture(scope="module")
def kill_server(tmp_path_factory) -> Iterator[tuple[FakeDataAccess, tuple, dict]]:
    """One server for the module, and what an uninterrupted pull from it produces."""
    data = {
        name: gzip.compress(
            lines(big_records() if hour == BIG else [visit(f"{hour}-{i}") for i in range(30)]),
            mtime=0,
        )
        for hour, name in enumerate(NAMES)
    }
    assert len(data[NAMES[BIG]]) > 2 * 1024 * 1024
    with FakeDataAccess() as server:
        for name, content in data.items():
            server.add_file(name, content)
        root = tmp_path_factory.mktemp("reference")
        done = run_pull(server, root)
        assert done.returncode == 0, done.stderr
        yield server, warehouse_content(root / "w.duckdb"), landing_files(root / "landing")


def kept(root: Path, name: str) -> Path:
    return root / "landing" / "webSession" / "2025-11-30" / name


def asked_for(server: FakeDataAccess, path: str, since: int) -> bool:
    """Whether `path` was requested after the first `since` recorded requests."""
    return any(request.path == path for request in list(server.requests)[since:])


def wait_for(condition: Callable[[], bool], process: subprocess.Popen) -> bool:
    """Poll (about every millisecond) until `condition` holds; False if the run ended first."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.001)
    raise AssertionError("the run never reached the point to kill it at")


# Each kill point: `arm` queues the faults that hold the run there and returns the moment to
# kill; `check` proves, from what the kill left, that it fell where it was meant to.
def _listing(server, root, since):
    server.inject(server.list_path, hang(5))
    return lambda: asked_for(server, server.list_path, since)


def _listing_check(server, root, since, landed):
    assert landed == {} and not (root / "landing").exists()
    assert not any(asked_for(server, server.file_path(name), since) for name in NAMES)


def _mid_download(server, root, since):
    server.inject(server.file_path(NAMES[BIG]), slow(0.005, chunk_size=16 * 1024))
    part = kept(root, NAMES[BIG] + ".download.part")
    return lambda: part.exists() and part.stat().st_size > 0


def _mid_download_check(server, root, since, landed):
    assert landed == {}  # the first batch lands once all of it is downloaded
    part = kept(root, NAMES[BIG] + ".download.part")
    assert 0 < part.stat().st_size < len(server._file(server.file_path(NAMES[BIG])).data)


def _mid_landing(server, root, since):
    return lambda: kept(root, NAMES[BIG]).exists()


def _mid_landing_check(server, root, since, landed):
    # The original was kept, but its batch's rows were never committed.
    assert landed == {} and kept(root, NAMES[BIG]).exists()


def _between_batches(server, root, since):
    server.inject(server.file_path(NAMES[NEXT_BATCH_STARTS]), hang(5))
    return lambda: asked_for(server, server.file_path(NAMES[NEXT_BATCH_STARTS]), since)


def _between_batches_check(server, root, since, landed):
    # The first batch landed while the second was checked; the second had not landed.
    assert set(landed) == set(NAMES[:FIRST_BATCH])


KILL_POINTS = {
    "while listing": (_listing, _listing_check),
    "mid-download": (_mid_download, _mid_download_check),
    "between keeping the original and committing it": (_mid_landing, _mid_landing_check),
    "after a batch landed, before the next download": (_between_batches, _between_batches_check),
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_pull_killed_then_rerun_equals_an_uninterrupted_pull(kill_server, tmp_path, point):
    server, expected_warehouse, expected_landing = kill_server
    arm, check = KILL_POINTS[point]
    misses = []
    for attempt in range(3):  # a kill can miss a short window on a busy machine: try again
        root = tmp_path / f"run{attempt}"
        since = len(server.requests)
        moment = arm(server, root, since)
        process = subprocess.Popen(
            [sys.executable, "-m", "loader", "pull", *WINDOW],
            env=loader_env(server, root),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        reached = wait_for(moment, process)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=DEADLINE_S) in (-signal.SIGKILL, 0)
        landed = landed_files(root / "w.duckdb") if (root / "w.duckdb").exists() else {}
        try:
            assert reached
            check(server, root, since, landed)
            break
        except AssertionError as exc:
            misses.append(f"attempt {attempt}: reached={reached}, landed={sorted(landed)}: {exc}")
    else:
        pytest.fail(f"never killed the pull {point}: " + "\n".join(misses))

    rerun = run_pull(server, root)

    assert rerun.returncode == 0, rerun.stderr
    assert warehouse_content(root / "w.duckdb") == expected_warehouse
    assert landing_files(root / "landing") == expected_landing


def test_a_second_load_while_a_pull_runs_is_told_and_stops_and_nothing_is_corrupted(
    kill_server, tmp_path
):
    server, expected_warehouse, expected_landing = kill_server
    since = len(server.requests)
    server.inject(server.list_path, hang(4))  # holds the first pull, lock taken, for 4 s
    first = subprocess.Popen(
        [sys.executable, "-m", "loader", "pull", *WINDOW],
        env=loader_env(server, tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: asked_for(server, server.list_path, since), first)

        second = run_pull(server, tmp_path)

        assert second.returncode == 1
        assert f"Another load into {tmp_path / 'w.duckdb'} is running (`pull`, process " in (
            second.stderr
        )
        assert f"process {first.pid}, since" in second.stderr
        assert "Traceback" not in second.stderr
        assert len([r for r in list(server.requests)[since:] if r.path == server.list_path]) == 1
    finally:
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert warehouse_content(tmp_path / "w.duckdb") == expected_warehouse
    assert landing_files(tmp_path / "landing") == expected_landing


# ---- bad networks, through the command line --------------------------------------------------


@pytest.fixture
def cli_pull(fake_server, tmp_path, monkeypatch) -> Callable[[], int]:
    """`python -m loader pull` in this process, with short timeouts and no real pauses."""
    for name in list(os.environ):
        if name.startswith("LP_"):
            monkeypatch.delenv(name)
    for name, value in loader_env(fake_server, tmp_path).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        pull,
        "DataAccessClient",
        functools.partial(DataAccessClient, sleep=lambda s: None, timeout=(1, 0.3)),
    )
    return lambda: main(["pull", *WINDOW])


def serve_three(server: FakeDataAccess) -> list[str]:
    names = [file_name(hour) for hour in range(3)]
    for hour, name in enumerate(names):
        records = [visit(f"{hour}-{i}", pages=20) for i in range(20)]
        server.add_file(name, gzip.compress(lines(records), mtime=0))
    return names


def failure_lines(err: str) -> list[str]:
    assert "\nFailed:\n" in err, err
    return [line for line in err.split("\nFailed:\n", 1)[1].splitlines() if line.startswith("  - ")]


def assert_nothing_half_landed(root: Path, landed: set[str]) -> None:
    files = landed_files(root / "w.duckdb")
    assert set(files) == landed
    with duckdb.connect(str(root / "w.duckdb"), read_only=True) as con:
        counts = dict(
            con.execute(
                "select file_name, record_count from raw.web_session_files "
                "where landed_at is not null"
            ).fetchall()
        )
        orphans = con.execute(
            "select count(*) from raw.web_sessions where file_name not in "
            "(select file_name from raw.web_session_files where landed_at is not null)"
        ).fetchone()[0]
    assert files == counts and orphans == 0
    leftovers = [
        p
        for p in (root / "landing").rglob("*")
        if p.is_file() and p.suffix != ".gz" and p.name != MANIFEST_NAME
    ]
    assert leftovers == []
    assert {p.name for p in (root / "landing").rglob("*.gz")} == landed


def test_a_connection_dropped_mid_download_that_never_recovers(
    fake_server, cli_pull, tmp_path, capsys
):
    names = serve_three(fake_server)
    broken = fake_server.file_path(names[1])
    assert len(fake_server._file(broken).data) > 1000
    fake_server.inject(broken, drop_connection(after_bytes=700), times=4)

    assert cli_pull() == 1

    (line,) = failure_lines(capsys.readouterr().err)
    assert f"GET {fake_server.url}{broken}" in line
    assert "connection lost" in line and "gave up after 4 attempts" in line
    assert "Traceback" not in line
    assert len(fake_server.requests_to(broken)) == 4
    assert_nothing_half_landed(tmp_path, {names[0], names[2]})

    assert cli_pull() == 0
    assert_nothing_half_landed(tmp_path, set(names))


STOPS_ANSWERING = {
    # where: (which request, the fault repeated for every attempt, words of the message)
    "before answering the file list": ("list", hang(1), "timed out"),
    "before answering a download": ("file", hang(1), "timed out"),
    "in the middle of a download's body": ("file", slow(1.0, chunk_size=512), "timed out"),
    "by closing the connection without an answer": ("file", disconnect(), "connection failed"),
}


@pytest.mark.parametrize("case", list(STOPS_ANSWERING))
def test_a_server_that_stops_answering(fake_server, cli_pull, tmp_path, capsys, case):
    names = serve_three(fake_server)
    which, fault, words = STOPS_ANSWERING[case]
    path = fake_server.list_path if which == "list" else fake_server.file_path(names[1])
    fake_server.inject(path, fault, times=4)

    started = time.monotonic()
    assert cli_pull() == 1
    assert time.monotonic() - started < 15

    (line,) = failure_lines(capsys.readouterr().err)
    assert f"GET {fake_server.url}{path}" in line and words in line
    assert "gave up after 4 attempts" in line
    assert len(fake_server.requests_to(path)) == 4
    assert_nothing_half_landed(tmp_path, set() if which == "list" else {names[0], names[2]})


def test_a_list_answer_that_is_not_json_fails_the_pull_clearly(
    fake_server, cli_pull, tmp_path, capsys
):
    serve_three(fake_server)
    page = b"<html><body><h1>502 Bad Gateway</h1> upstream is down</body></html>"
    fake_server.inject(fake_server.list_path, raw(200, page))

    assert cli_pull() == 1

    err = capsys.readouterr().err
    (line,) = failure_lines(err)
    assert f"GET {fake_server.url}{fake_server.list_path}" in line
    assert "expected a JSON file list" in line and "502 Bad Gateway" in line
    assert "Traceback" not in err
    assert len(fake_server.requests_to(fake_server.list_path)) == 1
    assert landed_files(tmp_path / "w.duckdb") == {}
    assert not (tmp_path / "landing").exists()


@pytest.mark.parametrize("where", ["absolute", "parent", "windows"])
def test_a_listed_name_with_a_path_stays_inside_the_landing_folder(
    fake_server, cli_pull, tmp_path, where
):
    name = file_name(0)
    outside = tmp_path / "outside"
    listed = {
        "absolute": f"{outside}/{name}",
        "parent": f"../../../outside/{name}",
        "windows": f"C:\\outside\\..\\{name}",
    }[where]
    fake_server.add_file(name, gzip.compress(lines([visit("a")]), mtime=0), listed_name=listed)

    assert cli_pull() == 0

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert not outside.exists()
    assert {p.name for p in written if p.is_relative_to(tmp_path / "landing")} == {
        name,
        MANIFEST_NAME,
    }
    assert all(
        p.is_relative_to(tmp_path / "landing") or p.name.startswith("w.duckdb") for p in written
    ), written
