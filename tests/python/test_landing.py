"""Landing local files: exactly once, every accepted shape, every bad file named and isolated."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from loader.cli import main
from loader.lock import load_lock
from tests.python.gzfiles import file_name, lines, visit, write_gz, write_visits

REPO = Path(__file__).resolve().parents[2]


def query(env: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def snapshot(env: Path) -> tuple[list, list]:
    """The warehouse's content, minus timestamps that differ from run to run."""
    rows = query(env, "select file_name, line_number, record from raw.web_sessions order by all")
    ledger = query(
        env,
        "select file_name, sha256, record_count, status, size_bytes from raw.web_session_files "
        "order by all",
    )
    return rows, ledger


def test_lands_each_record_unchanged_with_its_line_and_ledger_row(env, capsys):
    name = file_name(0)
    records = [visit("v1"), visit("v2", pages=3), visit("v3", wrapped=False)]
    source = write_gz(env / "in" / name, lines(records))

    assert main(["ingest", str(source)]) == 0

    rows = query(env, "select line_number, record from raw.web_sessions order by line_number")
    assert [(n, json.loads(r)) for n, r in rows] == [(i + 1, rec) for i, rec in enumerate(records)]
    (ledger,) = query(
        env,
        "select file_name, scope_start_at, scope_end_at, source, size_bytes, sha256, "
        "record_count, status, error, uncompressed_bytes from raw.web_session_files",
    )
    import hashlib

    data = source.read_bytes()
    assert ledger[0] == name
    assert str(ledger[1]) == "2025-11-30 00:00:00" and str(ledger[2]) == "2025-11-30 01:00:00"
    assert ledger[3:] == (
        "ingest",
        len(data),
        hashlib.sha256(data).hexdigest(),
        3,
        "landed",
        None,
        len(gzip.decompress(data)),
    )
    # The original is kept in the landing folder under its own name, by scope day.
    kept = env / "landing" / "webSession" / "2025-11-30" / name
    assert kept.read_bytes() == data
    assert "1 landed" in capsys.readouterr().err


def test_accepts_pretty_printed_and_concatenated_documents(env):
    pretty = "".join(json.dumps(visit(v), indent=2) + "\n" for v in ("p1", "p2"))
    source = write_gz(env / "in" / file_name(1), pretty.encode())
    assert main(["ingest", str(source)]) == 0
    rows = query(env, "select line_number, record from raw.web_sessions order by 1")
    assert [json.loads(r)["recordCollection"]["array"][0] for _, r in rows] == [
        visit(v)["recordCollection"]["array"][0] for v in ("p1", "p2")
    ]


def test_landing_the_same_files_twice_changes_nothing(env, capsys):
    folder = env / "in"
    write_visits(folder, file_name(0), ["a", "b"])
    write_visits(folder, file_name(1), ["c"])
    assert main(["ingest", str(folder)]) == 0
    before = snapshot(env)
    landed_at = query(env, "select landed_at from raw.web_session_files order by all")
    capsys.readouterr()

    assert main(["ingest", str(folder)]) == 0

    assert snapshot(env) == before
    assert query(env, "select landed_at from raw.web_session_files order by all") == landed_at
    assert "2 skipped" in capsys.readouterr().err


def test_a_redelivered_file_replaces_its_rows_and_says_so(env, capsys):
    name = file_name(0)
    first = write_visits(env / "v1", name, ["a", "b", "c"])
    assert main(["ingest", str(first)]) == 0
    second = write_visits(env / "v2", name, ["a", "d"])

    assert main(["ingest", str(second)]) == 0

    records = query(env, "select record from raw.web_sessions order by line_number")
    assert [json.loads(r) for (r,) in records] == [visit("a"), visit("d")]
    assert query(env, "select record_count, replaced_count from raw.web_session_files") == [(2, 1)]
    assert "came back with different content" in capsys.readouterr().err
    kept = sorted(p.name for p in (env / "landing" / "webSession" / "2025-11-30").iterdir())
    assert kept[0] == name and kept[1].startswith(name + ".replaced-")
    assert (env / "landing" / "webSession" / "2025-11-30" / kept[1]).read_bytes() == (
        first.read_bytes()
    )


BAD_FILES = {
    "truncated at a line boundary": (
        lambda: gzip.compress(lines([visit("t1"), visit("t2")]), mtime=0)[:-8],
        "truncated",
    ),
    "an XML error page saved as .gz": (
        lambda: b"<error><message>Unauthorized request</message></error>",
        "is not gzip",
    ),
    "invalid JSON on line 2": (
        lambda: gzip.compress(
            lines([visit("j1")]) + b'{"broken": \n' + lines([visit("j3")]), mtime=0
        ),
        "line 2: invalid JSON",
    ),
    "JSON that is not a record": (
        lambda: gzip.compress(lines([visit("n1"), {"hello": "world"}]), mtime=0),
        "line 2: valid JSON but not a Data Access record",
    ),
    # The shape check parses the record: a mention of recordCollection is not one.
    "recordCollection only mentioned in a value": (
        lambda: gzip.compress(lines([visit("m1"), {"note": "recordCollection"}]), mtime=0),
        "line 2: valid JSON but not a Data Access record",
    ),
    "recordCollection only in a nested object": (
        lambda: gzip.compress(lines([visit("m1"), {"x": {"recordCollection": []}}]), mtime=0),
        "line 2: valid JSON but not a Data Access record",
    ),
    "an array holding a record": (
        lambda: gzip.compress(lines([visit("a1"), [visit("a2")]]), mtime=0),
        "line 2: valid JSON but not a Data Access record",
    ),
    # Python's JSON parser raised RecursionError on this line when looking for the bad one.
    "a line nesting 100,000 arrays, then invalid JSON": (
        lambda: gzip.compress(b"[" * 100_000 + b"]" * 100_000 + b'\n{"broken": \n', mtime=0),
        "line 1: valid JSON but not a Data Access record",
    ),
    "invalid JSON after a line nesting 100,000 levels inside a record": (
        lambda: gzip.compress(
            b'{"recordCollection": ' + b"[" * 100_000 + b"]" * 100_000 + b'}\n{"broken": \n',
            mtime=0,
        ),
        "line 2: invalid JSON",
    ),
    "text that is not UTF-8": (
        lambda: gzip.compress(
            lines([visit("u1")]) + b'{"recordCollection": "\xff\xfe"}\n', mtime=0
        ),
        "line 2: text is not UTF-8",
    ),
    "an empty gzip": (lambda: gzip.compress(b"", mtime=0), "contains no records"),
    "a zero-byte file": (lambda: b"", "is empty"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_fails_alone_with_its_name_and_problem(env, capsys, case):
    make, expected = BAD_FILES[case]
    folder = env / "in"
    write_visits(folder, file_name(0), ["good-before"])
    bad_name = file_name(1)
    (folder / bad_name).write_bytes(make())
    write_visits(folder, file_name(2), ["good-after"])

    assert main(["ingest", str(folder)]) == 1

    err = capsys.readouterr().err
    assert f"{bad_name}" in err and expected in err
    assert "2 landed" in err and "1 failed" in err
    assert query(env, "select distinct file_name from raw.web_sessions order by 1") == [
        (file_name(0),),
        (file_name(2),),
    ]
    status, error = query(
        env, f"select status, error from raw.web_session_files where file_name = '{bad_name}'"
    )[0]
    assert status == "failed" and expected in error


def test_a_decompression_bomb_is_rejected_by_the_configured_limit(env, capsys, monkeypatch):
    monkeypatch.setenv("LP_MAX_UNCOMPRESSED_MB", "1")
    # 3 MB of one JSON record's padding: compresses to a few KB.
    record = visit("bomb")
    record["padding"] = "x" * (3 * 1024 * 1024)
    source = write_gz(env / "in" / file_name(0), lines([record]))
    assert source.stat().st_size < 100_000

    assert main(["ingest", str(source)]) == 1

    assert "rejected as a decompression bomb" in capsys.readouterr().err
    assert query(env, "select count(*) from raw.web_sessions") == [(0,)]


def test_a_record_of_several_megabytes_lands(env):
    record = visit("big", pages=20_000)  # about 3 MB of JSON on one line
    source = write_gz(env / "in" / file_name(0), lines([record]))
    assert main(["ingest", str(source)]) == 0
    assert query(env, "select length(record::varchar) > 2000000 from raw.web_sessions") == [(True,)]


def test_a_failed_redelivery_keeps_the_landed_rows_until_good_content_returns(env):
    name = file_name(0)
    good = write_visits(env / "v1", name, ["a", "b"])
    assert main(["ingest", str(good)]) == 0
    broken = env / "v2" / name
    broken.parent.mkdir()
    broken.write_bytes(good.read_bytes()[:-8])

    assert main(["ingest", str(broken)]) == 1
    assert query(env, "select count(*) from raw.web_sessions") == [(2,)]
    assert query(env, "select status, record_count from raw.web_session_files") == [("failed", 2)]

    assert main(["ingest", str(good)]) == 0
    assert query(env, "select status, error from raw.web_session_files") == [("landed", None)]
    assert query(env, "select count(*) from raw.web_sessions") == [(2,)]


def test_a_crash_between_insert_and_commit_leaves_nothing_and_a_rerun_completes(env):
    source = write_visits(env / "in", file_name(0), ["a", "b", "c"])
    # A real process that inserts the file's rows inside the landing transaction, then dies
    # (SIGKILL) before committing: the worst moment for a crash.
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from loader.checks import inspect
        from loader.files import parse_file_name
        from loader.land import Candidate, to_land
        from loader.warehouse import Warehouse, utc_now
        w = Warehouse(Path({str(env / "w.duckdb")!r}))
        path = Path({str(source)!r})
        candidate = Candidate(path, parse_file_name(path.name), "ingest", path.as_uri())
        item = to_land(candidate, inspect(path, path.name, 2**30))
        w.con.execute("begin transaction")
        w._insert([item], utc_now(), 2**24)
        assert w.con.execute("select count(*) from raw.web_sessions").fetchone() == (3,)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    crashed = subprocess.run([sys.executable, "-c", script], cwd=REPO, check=False)
    assert crashed.returncode == -signal.SIGKILL

    assert query(env, "select count(*) from raw.web_sessions") == [(0,)]
    assert main(["ingest", str(source)]) == 0
    assert query(env, "select count(*), count(distinct line_number) from raw.web_sessions") == [
        (3, 3)
    ]


def test_killing_an_ingest_midway_then_rerunning_equals_an_uninterrupted_run(env, tmp_path):
    folder = env / "in"
    # Enough files for several landing batches (64 files each), so a kill can fall between.
    hours = 200
    for hour in range(hours):
        write_visits(folder, file_name(hour), [f"h{hour}-{i}" for i in range(40)], pages=5)
    reference = tmp_path / "reference"
    reference.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "loader", "ingest", str(folder)]

    started = time.monotonic()
    subprocess.run(
        command,
        env={
            **environment,
            "WAREHOUSE_PATH": str(reference / "w.duckdb"),
            "LANDING_DIR": str(reference / "landing"),
        },
        check=True,
        capture_output=True,
    )
    duration = time.monotonic() - started
    # Kill at several moments of a run (fractions of this machine's own uninterrupted run);
    # whatever the moment, a rerun must finish the job exactly.
    partial_states = []
    for fraction in (0.35, 0.5, 0.65, 0.8):
        process = subprocess.Popen(command, env=environment, stderr=subprocess.DEVNULL)
        try:
            process.wait(timeout=duration * fraction)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            # A kill before the loader created the warehouse leaves none (nothing landed).
            if (env / "w.duckdb").exists():
                (landed,) = query(env, "select count(*) from raw.web_session_files")[0]
            else:
                landed = 0
            partial_states.append(landed)
    subprocess.run(command, env=environment, check=True, capture_output=True)

    def content(path: Path) -> tuple:
        with duckdb.connect(str(path), read_only=True) as con:
            return (
                con.execute(
                    "select file_name, line_number, record from raw.web_sessions order by all"
                ).fetchall(),
                con.execute(
                    "select file_name, sha256, record_count, status from raw.web_session_files "
                    "order by all"
                ).fetchall(),
            )

    assert content(env / "w.duckdb") == content(reference / "w.duckdb")
    # The test proves something only if some kill really landed in the middle of the work.
    assert any(0 < landed < hours for landed in partial_states), partial_states


def test_a_second_load_at_the_same_time_is_told_and_stops(env, capsys):
    source = write_visits(env / "in", file_name(0), ["a"])
    with load_lock(env / "w.duckdb", "ingest"):
        assert main(["ingest", str(source)]) == 1
    err = capsys.readouterr().err
    assert "Another load into" in err and f"process {os.getpid()}" in err
    assert not (env / "w.duckdb").exists() or query(
        env, "select count(*) from raw.web_sessions"
    ) == [(0,)]


def test_a_warehouse_held_open_by_another_program_gets_a_plain_explanation(env, capsys):
    source = write_visits(env / "in", file_name(0), ["a"])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " time.sleep(60)",
            str(env / "w.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        assert main(["ingest", str(source)]) == 1
    finally:
        holder.kill()
        holder.wait()
    err = capsys.readouterr().err
    assert "is open in another program" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LP_LOOKBACK_HOURS", "a day"),
        ("LP_DATA_ACCESS_URL", "va.da.liveperson.net"),
        ("LP_MAX_UNCOMPRESSED_MB", "0"),
        ("LP_APP_KEY", "only-one-of-four"),
    ],
)
def test_bad_configuration_names_the_variable_exits_2_and_writes_nothing(
    env, capsys, monkeypatch, variable, value
):
    monkeypatch.setenv(variable, value)
    source = write_visits(env / "in", file_name(0), ["a"])
    assert main(["ingest", str(source)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Configuration error:") and len(err.splitlines()) == 1
    assert (variable in err) or ("LP_APP_SECRET" in err)
    assert not (env / "w.duckdb").exists() and not (env / "landing").exists()


def test_pull_without_credentials_is_a_configuration_error(env, capsys):
    assert main(["pull"]) == 2
    assert "No LivePerson credentials are set" in capsys.readouterr().err
    assert not (env / "w.duckdb").exists()


def test_ingest_of_a_missing_path_fails_clearly(env, capsys):
    assert main(["ingest", str(env / "nowhere")]) == 1
    assert "nowhere does not exist" in capsys.readouterr().err


def test_status_reports_files_visits_range_and_failures(env, capsys):
    folder = env / "in"
    write_visits(folder, file_name(0), ["a", "b"])
    write_visits(folder, file_name(5), ["c"])
    (folder / file_name(7)).write_bytes(b"not gzip")
    main(["ingest", str(folder)])
    capsys.readouterr()

    assert main(["status"]) == 0

    out = capsys.readouterr().out
    assert "files landed:  2" in out and "visits:        3" in out
    assert "2025-11-30 00:00:00 to 2025-11-30 06:00:00" in out
    assert "files failed:  1" in out and f"{file_name(7)}" in out
