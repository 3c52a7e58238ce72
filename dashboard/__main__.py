"""Serve the dashboard on 127.0.0.1: `python -m dashboard [--port 8501] [--warehouse PATH]`.

Replaces itself with `streamlit run dashboard/app.py` and the settings below, so that the
server is this process (Ctrl-C, or a signal to its pid, stops it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        # No usage statistics, no file watching or reruns on save: a served page, not a
        # development server.
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--server.runOnSave", "false",
        "--client.toolbarMode", "viewer",
        "--theme.base", "light",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("DASHBOARD_PORT", "8501")))
    parser.add_argument(
        "--warehouse",
        type=Path,
        help="the DuckDB file (default: WAREHOUSE_PATH, else warehouse.duckdb)",
    )
    args = parser.parse_args(argv)
    if args.warehouse:
        os.environ["WAREHOUSE_PATH"] = str(args.warehouse.resolve())
    # The page imports the dashboard package from the repository.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
    )
    command = streamlit_command(args.port)
    print(f"Dashboard on http://127.0.0.1:{args.port}/ (Ctrl-C stops it)", flush=True)
    os.execv(command[0], command)  # noqa: S606 - this venv's Python, fixed arguments


if __name__ == "__main__":
    main()
