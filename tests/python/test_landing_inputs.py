"""Inputs that used to stop an ingest or lose a file: each fails (or is refused) alone, named,
and the run goes on; the manifest is rewritten at the end whatever happened."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from loader import checks
from loader.cli import main
from loader.config import DEFAULT_MAX_RECORD_BYTES, REPO_ROOT
from tests.python.gzfiles import file_name, lines, visit, write_gz, write_visits

DEEP = b"[" * 100_000 + b"]" * 100_000 + b'\n{"broken": \n'


def query(env: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(env / "w.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def ledger(env: Path) -> dict[str, tuple]:
    rows = query(env, "select file_name, status, error, record_count from raw.web_session_files")
    return {name: rest for name, *rest in rows}


def manifest(env: Path) -> dict[str, dict[str, str]]:
    with (env / "landing" / "landed_files.csv").open(newline="", encoding="utf-8") as handle:
        return {row["file_name"]: row for row in csv.DictReader(handle)}


def failures(err: str) -> list[str]:
    assert "\nFailed:\n" in err, err
    return [line for line in err.split("\nFailed:\n", 1)[1].splitlines() if line.startswith("  - ")]


@pytest.mark.parametrize("where", ["first", "last"])
def test_a_deeply_nested_invalid_file_fails_alone_and_the_manifest_is_whole(env, capsys, where):
    # It used to end the run with a RecursionError: sorting first, no good file ever landed;
    # sorting last, the manifest was not rewritten.
    folder = env / "in"
    bad_hour = 0 if where == "first" else 11
    good = [hour for hour in range(12) if hour != bad_hour]
    for hour in good:
        write_visits(folder, file_name(hour), [f"v{hour}"])
    write_gz(folder / file_name(bad_hour), DEEP)

    assert main(["ingest", str(folder)]) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err and "RecursionError" not in err
    (line,) = failures(err)
    assert file_name(bad_hour) in line and "line 1" in line
    status, error, _ = ledger(env)[file_name(bad_hour)]
    assert status == "failed" and "line 1" in error
    assert sorted(manifest(env)) == sorted(file_name(hour) for hour in good)


def test_a_name_a_sanitiser_would_merge_is_refused_and_loses_nothing(env, capsys):
    # `X copy.gz` used to land as `X_copy.gz`, replacing that file's rows.
    folder = env / "in"
    base = file_name(0).removesuffix(".gz")
    underscore = write_visits(folder, f"{base}_copy.gz", ["u1", "u2"])
    spaced = write_visits(folder, f"{base} copy.gz", ["s1"])
    write_visits(folder, file_name(1), ["other"])

    assert main(["ingest", str(folder)]) == 1
    assert main(["ingest", str(spaced)]) == 1  # and in an ingest of its own

    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{spaced}: not landed" in err and "not named like a Data Access file" in err
    assert sorted(ledger(env)) == [underscore.name, file_name(1)]
    counted = f"select count(*) from raw.web_sessions where file_name = '{underscore.name}'"
    assert query(env, counted) == [(2,)]


def test_two_links_named_data_are_refused_not_merged(env, capsys):
    targets = [
        write_visits(env / "a", file_name(0), ["a1", "a2"]),
        write_visits(env / "b", file_name(1), ["b1"]),
    ]
    links = []
    for folder, target in zip(("x", "y"), targets, strict=True):
        (env / folder).mkdir()
        link = env / folder / "data"
        link.symlink_to(target)
        links.append(link)

    assert main(["ingest", *map(str, links)]) == 1

    err = capsys.readouterr().err
    assert all(f"{link}: not landed" in err for link in links)
    assert "does not end in .gz" in err
    assert not (env / "w.duckdb").exists()  # nothing to land: nothing written


def test_epochs_of_15_and_16_digits_are_refused_and_the_rest_lands(env, capsys):
    folder = env / "in"
    write_visits(folder, file_name(0), ["good"])
    for name in (
        "WebSession.1764460800000000.1764464400000000.part-00000-0.gz",
        "WebSession.176446080000000.176446440000000.part-00000-0.gz",
    ):
        write_visits(folder, name, ["odd"])

    assert main(["ingest", str(folder)]) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err
    refused = [line for line in failures(err) if "is not a time from 2000 to 2100" in line]
    assert len(refused) == 2
    assert "1 landed" in err and "2 refused" in err
    assert sorted(manifest(env)) == [file_name(0)]


def test_upper_case_gz_and_dangling_links_are_reported_not_skipped(env, capsys):
    folder = env / "in"
    write_visits(folder, file_name(0), ["good"])
    upper = write_visits(folder, file_name(1).replace(".gz", ".GZ"), ["upper"])
    dangling = folder / file_name(2)
    dangling.symlink_to(env / "gone.gz")

    assert main(["ingest", str(folder)]) == 1

    lines_ = failures(capsys.readouterr().err)
    assert any(str(upper) in line and "rename it to" in line for line in lines_)
    assert any(str(dangling) in line and "which does not exist" in line for line in lines_)
    assert sorted(ledger(env)) == [file_name(0)]


def test_a_gzip_with_trailing_zero_padding_lands_as_gzip_accepts_it(env, capsys):
    records = [visit("p1"), visit("p2")]
    padded = write_gz(env / "in" / file_name(0), lines(records))
    gzip_data = padded.read_bytes()
    padded.write_bytes(gzip_data + b"\0" * 4096)
    if shutil.which("gzip"):
        assert subprocess.run(["gzip", "-t", str(padded)], check=False).returncode == 0

    assert main(["ingest", str(padded)]) == 0

    rows = query(env, "select record from raw.web_sessions order by line_number")
    assert [json.loads(r) for (r,) in rows] == records
    # Kept without the padding, which Spark's gzip reader refuses: the manifest's size and
    # sha256 are those of the gzip data, and the same data, padded or not, is the same file.
    kept = env / "landing" / manifest(env)[file_name(0)]["landing_path"]
    assert kept.read_bytes() == gzip_data
    assert hashlib.sha256(gzip_data).hexdigest() == manifest(env)[file_name(0)]["sha256"]
    assert [p.name for p in kept.parent.iterdir()] == [file_name(0)]
    padded.write_bytes(gzip_data)
    capsys.readouterr()
    assert main(["ingest", str(padded)]) == 0
    assert "1 skipped" in capsys.readouterr().err


def test_bytes_other_than_zeros_after_the_gzip_data_are_corrupt(env, capsys):
    source = write_gz(env / "in" / file_name(0), lines([visit("g")]))
    source.write_bytes(source.read_bytes() + b"\0\0junk")
    assert main(["ingest", str(source)]) == 1
    assert "is corrupt gzip" in capsys.readouterr().err


def test_the_same_name_twice_in_one_run_lands_once_or_not_at_all(env, capsys):
    same_a = write_visits(env / "a", file_name(0), ["s1"])
    same_b = env / "b" / file_name(0)
    same_b.parent.mkdir()
    same_b.write_bytes(same_a.read_bytes())
    differs_a = write_visits(env / "a", file_name(1), ["d1"])
    differs_b = write_visits(env / "b", file_name(1), ["d2", "d3"])

    assert main(["ingest", str(env / "a"), str(env / "b")]) == 1

    (line,) = failures(capsys.readouterr().err)
    assert file_name(1) in line and str(differs_a) in line and str(differs_b) in line
    assert ledger(env)[file_name(0)][0] == "landed"
    assert ledger(env)[file_name(1)][0] == "failed"
    assert query(env, "select distinct file_name from raw.web_sessions") == [(file_name(0),)]


# ---- the largest record: LP_MAX_RECORD_BYTES --------------------------------------------------


def record_of(size: int, visit_id: str) -> bytes:
    """One line (without its newline) of exactly `size` bytes."""
    record = visit(visit_id)
    record["padding"] = ""
    text = json.dumps(record)
    record["padding"] = "x" * (size - len(text))
    line = json.dumps(record).encode()
    assert len(line) == size
    return line


def test_the_loader_default_is_16_mib_and_agrees_with_dbt():
    assert DEFAULT_MAX_RECORD_BYTES == 16 * 1024 * 1024
    project = yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())
    dbt_default = (project.get("vars") or {}).get("max_record_bytes")
    # dbt reads the same environment variable; its default must be the loader's.
    assert str(dbt_default) == (
        f"{{{{ env_var('LP_MAX_RECORD_BYTES', '{DEFAULT_MAX_RECORD_BYTES}') }}}}"
    ), dbt_default


def test_a_record_at_the_limit_lands_and_one_byte_more_fails_naming_file_line_and_size(
    env, capsys, monkeypatch
):
    limit = 4096
    monkeypatch.setenv("LP_MAX_RECORD_BYTES", str(limit))
    folder = env / "in"
    write_gz(folder / file_name(0), record_of(limit, "fits") + b"\n")
    write_gz(folder / file_name(1), lines([visit("ok")]) + record_of(limit + 1, "big") + b"\n")
    # Far beyond the limit: DuckDB itself refuses it before the statement's own check.
    write_gz(folder / file_name(2), lines([visit("ok")]) * 2 + record_of(20 * limit, "huge"))

    assert main(["ingest", str(folder)]) == 1

    found = failures(capsys.readouterr().err)
    assert len(found) == 2, found
    assert (
        f"{file_name(1)}, line 2: a record of 4,097 bytes, larger than LP_MAX_RECORD_BYTES"
        in (found[0])
    )
    assert f"{file_name(2)}, line 3: a record of 81,920 bytes" in found[1]
    assert ledger(env)[file_name(0)][0] == "landed"


def test_the_explanation_of_a_refusal_never_raises(tmp_path):
    # A file cut short (the race of issue 12: DuckDB's refusal, then the scan of a truncated
    # download), one that is not gzip, and one that is gone.
    truncated = tmp_path / file_name(0)
    truncated.write_bytes(gzip.compress(lines([visit("a")]) * 50, mtime=0)[:-20])
    assert isinstance(checks.explain(truncated, truncated.name, "DuckDB's words", 1024), str)
    not_gzip = tmp_path / file_name(1)
    not_gzip.write_bytes(b"<html>")
    assert checks.explain(not_gzip, not_gzip.name, "DuckDB's words", 1024) == "DuckDB's words"
    missing = tmp_path / "missing.gz"
    assert checks.explain(missing, missing.name, "DuckDB's words", 1024) == "DuckDB's words"


def test_a_file_whose_check_runs_out_of_memory_fails_alone(env, capsys, monkeypatch):
    # Memory is the machine's: stand in for it running out while one file is checked.
    folder = env / "in"
    for hour in range(3):
        write_visits(folder, file_name(hour), [f"m{hour}"])
    real = checks.inspect

    def inspect(path, name, limit):
        if name == file_name(1):
            raise MemoryError
        return real(path, name, limit)

    monkeypatch.setattr(checks, "inspect", inspect)

    assert main(["ingest", str(folder)]) == 1

    (line,) = failures(capsys.readouterr().err)
    assert file_name(1) in line and "MemoryError" in line
    assert ledger(env)[file_name(1)][0] == "failed"
    assert sorted(manifest(env)) == [file_name(0), file_name(2)]


def test_a_redelivery_landed_before_a_kill_takes_its_place_on_the_next_run(env, monkeypatch):
    # Killed between the commit of a re-delivery and putting its original in place: the
    # next run finishes the move before anything else.
    name = file_name(0)
    first = write_visits(env / "v1", name, ["a"])
    assert main(["ingest", str(first)]) == 0
    second = write_visits(env / "v2", name, ["a", "b"])
    from loader import originals

    with monkeypatch.context() as patched:
        patched.setattr(originals, "promote", lambda *args: None)  # the kill
        assert main(["ingest", str(second)]) == 0
    kept = env / "landing" / "webSession" / "2025-11-30" / name
    assert kept.read_bytes() == first.read_bytes()
    assert manifest(env) == {}  # the original in place is not the landed content

    assert main(["manifest"]) == 0  # any run of the loader finishes the move first

    assert kept.read_bytes() == second.read_bytes()
    sha = hashlib.sha256(first.read_bytes()).hexdigest()[:12]
    assert kept.with_name(f"{name}.replaced-{sha}").read_bytes() == first.read_bytes()
    assert manifest(env)[name]["record_count"] == "2"
    assert not [p for p in kept.parent.iterdir() if ".incoming-" in p.name]
