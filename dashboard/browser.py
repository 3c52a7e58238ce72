"""The dashboard served and opened in a real browser: for its tests and its screenshot.

`serve()` runs `python -m dashboard` on a free localhost port and waits until Streamlit
answers; `chromium()` launches Debian's Chromium (`make browser` installs /usr/bin/chromium)
through Playwright, which never downloads a browser of its own here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# What this machine needs: no sandbox (root), no GPU, nothing fetched but the dashboard.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# Every chart's SVG marks, drawn: what "the page has rendered" means here.
RENDERED = ".st-key-headline svg.marks"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
SKELETON = '[data-testid="stSkeleton"]'


@dataclass(frozen=True)
class Served:
    url: str
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(warehouse: Path, log: Path, env: dict[str, str] | None = None) -> Iterator[Served]:
    """The dashboard on the DuckDB file `warehouse`, on a free port; stopped on exit."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - this venv's Python, fixed arguments
            [sys.executable, "-m", "dashboard", "--port", str(port), "--warehouse", warehouse],
            cwd=REPO_ROOT,
            env={**(env or os.environ), "WAREHOUSE_PATH": str(warehouse)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield Served(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def chromium(playwright: Playwright) -> Browser:
    if not CHROMIUM.exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: run `make browser`")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=list(CHROMIUM_FLAGS), headless=True
    )


def open_rendered(page: Page, url: str, selector: str = RENDERED, timeout_ms: int = 60_000) -> None:
    """Load `url` and wait until `selector` is drawn and Streamlit has finished running.

    A page that shows an exception instead fails at once, with the exception's text."""
    page.goto(url)
    page.wait_for_selector(f"{selector}, {EXCEPTION}", timeout=timeout_ms)
    # The app's root says whether the page's script is still running; Streamlit shows an
    # element it has not drawn yet (a table, a select box) as a grey skeleton.
    page.wait_for_selector(IDLE, state="attached", timeout=timeout_ms)
    page.wait_for_selector(SKELETON, state="detached", timeout=timeout_ms)
    if page.locator(EXCEPTION).count():
        raise AssertionError(
            f"{url} shows an exception:\n{page.locator(EXCEPTION).first.inner_text()}"
        )
