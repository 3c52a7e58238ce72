"""Plain sentences where there used to be tracebacks or wrong blame."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from loader import dbt_runner
from loader.cli import main
from tests.python.fake_data_access import FakeDataAccess, hang
from tests.python.gzfiles import BASE_HOUR_MS, HOUR_MS, file_name, write_visits
from tests.python.test_reliability_pull import loader_env

REPO = Path(__file__).resolve().parents[2]


def test_a_lock_file_that_cannot_be_created_is_a_sentence(env, capsys):
    source = write_visits(env / "in", file_name(0), ["a"])
    (env / "w.duckdb.load-lock").mkdir()  # what stands in the lock file's way

    assert main(["ingest", str(source)]) == 1

    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert f"Cannot create the lock file {env / 'w.duckdb.load-lock'}" in err
    assert "write access" in err


@pytest.fixture
def running_pull(tmp_path):
    """A real `pull` holding the lock and the warehouse, its list request hanging."""
    with FakeDataAccess() as server:
        server.inject(server.list_path, hang(5))
        write = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "loader",
                "pull",
                "--start",
                str(BASE_HOUR_MS),
                "--end",
                str(BASE_HOUR_MS + HOUR_MS),
            ],
            env=loader_env(server, tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not server.requests_to(server.list_path):
            assert write.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        try:
            yield write, tmp_path
        finally:
            write.wait(timeout=30)


def test_status_during_a_load_names_the_load_and_exits_0(running_pull, monkeypatch, capsys):
    process, root = running_pull
    monkeypatch.setenv("LP_ENV_FILE", str(root / "no.env"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(root / "w.duckdb"))
    monkeypatch.setenv("LANDING_DIR", str(root / "landing"))

    assert main(["status"]) == 0

    out = capsys.readouterr().out
    assert f"A load is running: `pull`, process {process.pid}" in out
    assert "make shell" not in out and "notebook" not in out


def test_dbt_during_a_load_is_told_it_is_the_loader(running_pull):
    process, root = running_pull
    problem = dbt_runner.warehouse_problem(root / "w.duckdb")
    assert problem is not None
    assert f"a load of this loader is writing to it (`pull`, process {process.pid}" in problem
    assert "make shell" not in problem


def test_status_reads_without_writing(env, capsys):
    # A warehouse dbt created before anything landed: status must not add the raw schema.
    with duckdb.connect(str(env / "w.duckdb")) as con:
        con.execute("create table t as select 1 as x")
    before = (env / "w.duckdb").read_bytes()

    assert main(["status"]) == 0

    assert "Nothing landed yet" in capsys.readouterr().out
    assert (env / "w.duckdb").read_bytes() == before


def test_verbose_before_the_subcommand_is_heeded(env, capsys):
    assert main(["--verbose", "status"]) == 0
    assert "DEBUG loader: settings:" in capsys.readouterr().err
    assert main(["status"]) == 0
    assert "DEBUG" not in capsys.readouterr().err


@pytest.mark.parametrize("stem", ["main", "system", "temp", "Main"])
def test_a_warehouse_named_like_a_duckdb_catalog_is_refused_with_the_reason(
    env, capsys, monkeypatch, stem
):
    # dbt could not find such a database: `Catalog "main" does not exist!`.
    monkeypatch.setenv("WAREHOUSE_PATH", str(env / f"{stem}.duckdb"))
    source = write_visits(env / "in", file_name(0), ["a"])

    assert main(["ingest", str(source)]) == 2

    err = capsys.readouterr().err
    assert f"{stem}.duckdb" in err and "DuckDB's own catalogs" in err
    assert not (env / f"{stem}.duckdb").exists()


def test_quoted_paths_in_dotenv_are_read_alike_by_the_loader_and_make(tmp_path):
    warehouse = tmp_path / "my data" / "w.duckdb"
    landing = tmp_path / "landing folder"
    dotenv = tmp_path / "quoted.env"
    dotenv.write_text(f"WAREHOUSE_PATH=\"{warehouse}\"\nLANDING_DIR='{landing}'\n")
    env = {k: v for k, v in os.environ.items() if k not in ("WAREHOUSE_PATH", "LANDING_DIR")}
    env["LP_ENV_FILE"] = str(dotenv)
    env["PYTHONPATH"] = str(REPO)

    printed = subprocess.run(
        [sys.executable, "-m", "loader.config", "WAREHOUSE_PATH", "LANDING_DIR"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert printed.stdout.splitlines() == [str(warehouse), str(landing)]

    dry_run = subprocess.run(
        ["make", "-n", "clean"], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert f'rm -rf "{warehouse}" "{warehouse}.wal"' in dry_run.stdout, dry_run.stdout
