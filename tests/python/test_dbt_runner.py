"""loader.dbt_runner: a warehouse held open elsewhere gets one sentence, not dbt's traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from loader import dbt_runner

REPO_ROOT = Path(__file__).resolve().parents[2]
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
SENTENCE = "is open in another program"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as x")
    return path


@pytest.fixture(params=["duckdb-cli-readonly", "python-read-write"])
def held(request: pytest.FixtureRequest, warehouse: Path) -> Iterator[Path]:
    """The warehouse held open by another process: a `make shell` session, or a notebook.

    Each holder says "ready" once the file is open (probing from here would take the lock).
    """
    if request.param == "duckdb-cli-readonly":
        command = [str(DUCKDB_CLI), "-readonly", str(warehouse)]
        hello = ".print ready\n"
    else:
        command = [
            sys.executable, "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(warehouse),
        ]  # fmt: skip
        hello = ""
    holder = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        holder.stdin.write(hello)
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "ready", holder.stderr.read()  # type: ignore[union-attr]
        yield warehouse
    finally:
        holder.stdin.close()  # end of input: both programs exit
        holder.wait(timeout=30)


def run_wrapper(warehouse: Path, *dbt_args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(warehouse),
        "DBT_PROFILES_DIR": str(REPO_ROOT),
        "LP_ENV_FILE": str(warehouse.with_name("no.env")),
    }
    return subprocess.run(
        [sys.executable, "-m", "loader.dbt_runner", *dbt_args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_held_warehouse_gets_one_sentence(held: Path) -> None:
    result = run_wrapper(held, "build")
    assert result.returncode == dbt_runner.EXIT_HELD
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert SENTENCE in lines[0]
    assert str(held) in lines[0]
    assert "make shell" in lines[0]


@pytest.mark.parametrize("held", ["duckdb-cli-readonly"], indirect=True)
def test_dbt_itself_would_print_a_traceback(held: Path) -> None:
    """Why the wrapper exists: dbt's own answer to the same situation."""
    env = {**os.environ, "WAREHOUSE_PATH": str(held), "DBT_PROFILES_DIR": str(REPO_ROOT)}
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "debug"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert dbt_runner.LOCK_MESSAGE in result.stdout + result.stderr


def fake_dbt(tmp_path: Path, output: str, status: int) -> list[str]:
    script = tmp_path / "fake_dbt.py"
    script.write_text(f"import sys\nprint({output!r})\nsys.exit({status})\n")
    return [sys.executable, str(script)]


def test_lock_taken_during_the_run_is_explained(
    held: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The lock check passed, then another program took the file before dbt opened it."""
    dbt = fake_dbt(tmp_path, f'IO Error: Could not set lock on file "{held}"', 1)
    assert dbt_runner.run_dbt(["build"], held, dbt=dbt) == 1
    captured = capsys.readouterr()
    assert dbt_runner.LOCK_MESSAGE in captured.out  # dbt's own output is passed through
    assert SENTENCE in captured.err


def test_free_warehouse_runs_dbt_and_passes_its_status_through(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dbt = fake_dbt(tmp_path, "Done. PASS=1", 3)
    assert dbt_runner.run_dbt(["build"], warehouse, dbt=dbt) == 3
    captured = capsys.readouterr()
    assert "Done. PASS=1" in captured.out
    assert captured.err == ""


def test_main_checks_then_runs(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[list[str]] = []
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("LP_ENV_FILE", str(tmp_path / "no.env"))
    landing = tmp_path / "landing"
    monkeypatch.setenv("LANDING_DIR", str(landing))
    envs: list[dict[str, str]] = []

    def run(args, path, dbt=None, env=None):
        envs.append(env)
        return seen.append([*args, str(path)]) or 0

    monkeypatch.setattr(dbt_runner, "run_dbt", run)
    assert dbt_runner.main(["build", "--select", "fct_orders"]) == 0
    assert seen == [["build", "--select", "fct_orders", str(warehouse)]]
    # dbt gets the paths as the loader read them.
    assert envs[0]["WAREHOUSE_PATH"] == str(warehouse) and envs[0]["LANDING_DIR"] == str(landing)
