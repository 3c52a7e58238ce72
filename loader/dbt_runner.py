"""Run dbt on the warehouse; a warehouse held open elsewhere gets one sentence, not a traceback.

dbt-duckdb opens the warehouse file read-write for the whole run. When another program holds
it (a `make shell` session left open, a notebook, a load), dbt stops with a Python stack trace
ending in "IO Error: Could not set lock on file". This wrapper first opens the file the way
the loader does (loader.warehouse.Warehouse, whose error says what to close), then runs dbt
with its output passed through.

    python -m loader.dbt_runner build [more dbt arguments]

Exit status: dbt's own, or 2 when the warehouse is held open or the configuration is bad.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from loader.config import ConfigError, load_settings
from loader.pseudonym_key import ENV_NAME as PSEUDONYM_KEY_ENV
from loader.pseudonym_key import ensure_key
from loader.warehouse import Warehouse, WarehouseError

EXIT_HELD = 2
# What DuckDB says when another process holds the file (dbt prints it in its traceback).
LOCK_MESSAGE = "Could not set lock on file"


def warehouse_problem(path: Path) -> str | None:
    """The loader's one-sentence explanation when `path` cannot be opened for writing, else None.

    Opening creates the file and the raw schema when they are missing, as a load would: dbt's
    sources then exist even before the first load.
    """
    try:
        with Warehouse(path):
            return None
    except WarehouseError as exc:
        return str(exc)


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    return shutil.which("dbt") or "dbt"


def run_dbt(
    args: Sequence[str],
    warehouse: Path,
    dbt: Sequence[str] | None = None,
    env: dict[str, str] | None = None,
) -> int:
    """Run dbt, streaming its output; if it still hit a lock, say what to close."""
    command = [*(dbt or [dbt_executable()]), *args]
    hit_lock = False
    # The venv's own dbt with the caller's arguments, no shell: nothing untrusted is run.
    with subprocess.Popen(  # noqa: S603
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env=env,
    ) as process:
        assert process.stdout is not None
        try:
            for line in process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                hit_lock = hit_lock or LOCK_MESSAGE in line
        except KeyboardInterrupt:
            process.wait()
            return 130
        status = process.wait()
    if status != 0 and hit_lock:
        # Another program took the file between the check and dbt's own open.
        problem = warehouse_problem(warehouse)
        if problem:
            print(problem, file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_HELD
    problem = warehouse_problem(settings.warehouse_path)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_HELD
    # dbt reads the paths the loader read (a `.env` read with its quoting rules); no
    # credential is passed on.
    try:
        # The key of the keyed hashes (lp_pseudonym), created on first use, outside the
        # warehouse and the repository (loader/pseudonym_key.py).
        key = ensure_key()
    except (OSError, ValueError) as exc:
        print(f"The pseudonym key cannot be used: {exc}", file=sys.stderr)
        return EXIT_HELD
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(settings.warehouse_path),
        "LANDING_DIR": str(settings.landing_dir),
        PSEUDONYM_KEY_ENV: str(key),
    }
    return run_dbt(args, settings.warehouse_path, env=env)


if __name__ == "__main__":
    sys.exit(main())
