"""The landing manifest: the ledger's landed files, as an engine reading the folder needs them."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb

from loader.cli import main
from loader.manifest import COLUMNS
from tests.python.gzfiles import file_name, write_visits


def manifest(env: Path) -> dict[str, dict[str, str]]:
    with (env / "landing" / "landed_files.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        return {row["file_name"]: row for row in reader}


def landed_at(env: Path, name: str) -> str:
    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        (value,) = con.execute(
            "select distinct strftime(landed_at, '%Y-%m-%d %H:%M:%S.%f') "
            "from raw.web_sessions where file_name = ?",
            [name],
        ).fetchall()
    return value[0]


def test_lists_each_landed_file_where_its_original_is_kept(env):
    folder = env / "in"
    write_visits(folder, file_name(0), ["a", "b"])
    write_visits(folder, file_name(30), ["c"])

    assert main(["ingest", str(folder)]) == 0

    rows = manifest(env)
    assert sorted(rows) == [file_name(0), file_name(30)]
    for name, row in rows.items():
        kept = env / "landing" / row["landing_path"]
        assert kept.read_bytes() == (folder / name).read_bytes()
        assert row["sha256"] == hashlib.sha256(kept.read_bytes()).hexdigest()
        # The warehouse rows' landed_at, to the microsecond: both engines agree on it.
        assert row["landed_at"] == landed_at(env, name)
    assert rows[file_name(0)]["record_count"] == "2"
    assert rows[file_name(30)]["landing_path"] == f"webSession/2025-12-01/{file_name(30)}"


def test_a_file_that_failed_is_left_out_though_its_original_is_kept(env):
    folder = env / "in"
    write_visits(folder, file_name(0), ["good"])
    (folder / file_name(1)).write_bytes(b"not gzip at all")

    assert main(["ingest", str(folder)]) == 1

    assert (env / "landing" / "webSession" / "2025-11-30" / file_name(1)).exists()
    assert sorted(manifest(env)) == [file_name(0)]


def test_a_failed_redelivery_leaves_the_landed_original_listed_and_in_place(env):
    # The warehouse keeps the earlier rows after a broken re-delivery; so must an engine that
    # reads the folder through the manifest: the landed original stays where it is, listed,
    # and the broken one is kept beside it as `.failed-<sha12>`.
    name = file_name(0)
    good = write_visits(env / "v1", name, ["a", "b"])
    assert main(["ingest", str(good)]) == 0
    listed = manifest(env)
    broken = env / "v2" / name
    broken.parent.mkdir()
    broken.write_bytes(good.read_bytes()[:-8])

    assert main(["ingest", str(broken)]) == 1

    assert manifest(env) == listed
    kept = env / "landing" / listed[name]["landing_path"]
    assert kept.read_bytes() == good.read_bytes()
    sha = hashlib.sha256(broken.read_bytes()).hexdigest()
    assert kept.with_name(f"{name}.failed-{sha[:12]}").read_bytes() == broken.read_bytes()

    assert main(["ingest", str(good)]) == 0
    assert manifest(env) == {name: {**listed[name], "landed_at": listed[name]["landed_at"]}}


def test_a_redelivery_kept_but_not_yet_landed_is_left_out(env):
    # An interrupted run can leave a re-delivered original in place before its rows land.
    name = file_name(0)
    assert main(["ingest", str(write_visits(env / "in", name, ["a"]))]) == 0
    (kept,) = (env / "landing").rglob(name)
    kept.write_bytes(write_visits(env / "next", name, ["a", "b"]).read_bytes())

    assert main(["manifest"]) == 0

    assert manifest(env) == {}


def test_a_redelivery_points_at_the_new_content_only(env):
    name = file_name(0)
    assert main(["ingest", str(write_visits(env / "v1", name, ["a"]))]) == 0
    first = manifest(env)[name]
    second = write_visits(env / "v2", name, ["a", "b", "c"])

    assert main(["ingest", str(second)]) == 0

    row = manifest(env)[name]
    assert len(manifest(env)) == 1
    assert row["record_count"] == "3" and row["sha256"] != first["sha256"]
    assert (env / "landing" / row["landing_path"]).read_bytes() == second.read_bytes()
    assert row["landed_at"] == landed_at(env, name) > first["landed_at"]


def test_the_manifest_command_rewrites_it_from_the_ledger(env):
    write_visits(env / "in", file_name(0), ["a"])
    assert main(["ingest", str(env / "in")]) == 0
    written = (env / "landing" / "landed_files.csv").read_bytes()
    (env / "landing" / "landed_files.csv").unlink()

    assert main(["manifest"]) == 0

    assert (env / "landing" / "landed_files.csv").read_bytes() == written


def test_a_manifest_that_cannot_be_written_fails_the_run_but_keeps_the_landed_data(env, capsys):
    write_visits(env / "in", file_name(0), ["a"])
    # A directory where the temporary file must go: the write fails like a full disk would.
    (env / "landing" / "landed_files.csv.tmp").mkdir(parents=True)

    assert main(["ingest", str(env / "in")]) == 1

    err = capsys.readouterr().err
    assert "Cannot write the landing manifest" in err and "landed_files.csv" in err
    assert "1 landed" in err
    assert not (env / "landing" / "landed_files.csv").exists()
    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.web_sessions").fetchall() == [(1,)]
