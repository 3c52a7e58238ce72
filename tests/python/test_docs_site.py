"""The docs site: served by `dbt docs serve` as `make docs` does, rendered in headless Chromium.

dbt docs is an Angular app that draws every page from manifest.json and catalog.json in the
browser, so fetching the HTML proves nothing: Chromium runs its JavaScript and the test reads
the rendered DOM (`--dump-dom` once the virtual clock has run out). `make test` installs
Debian's chromium first (`make browser`).
"""

from __future__ import annotations

import html
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.python.conftest_build import BuiltProject

pytest_plugins = ["tests.python.conftest_build"]
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
PROJECT = "liveperson_warehouse"
AOV_MART = f"model.{PROJECT}.mart_aov_by_membership_segment"
# The flags this machine needs (no sandbox as root, no network beyond localhost).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=15000",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chromium() -> Path:
    found = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is not installed: run `make browser` (make test does)")
    return Path(found)


def page_text(dom: str) -> str:
    """The text of the page's main column (the sidebar lists every model on every page)."""
    main = dom.split('class="app-content', 1)[-1]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


@pytest.fixture(scope="module")
def site(built_project: BuiltProject) -> Iterator[str]:
    """`dbt docs serve` on a free localhost port; its base URL."""
    port = free_port()
    dbt = Path(sys.executable).with_name("dbt")
    server = subprocess.Popen(
        [dbt, "docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"],
        cwd=built_project.project_dir,
        env=built_project.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "index.html", timeout=2) as response:
                    assert response.status == 200
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("dbt docs serve did not start")
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


PAGES = {
    "overview": "index.html#!/overview",
    "aov_mart": f"index.html#!/model/{AOV_MART}",
    "column_lineage": f"index.html#!/overview/{PROJECT}",
}


@pytest.fixture(scope="module")
def pages(
    site: str, built_project: BuiltProject, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The main column's text of each page, rendered in parallel Chromium processes.

    `static_aov_mart` is the single-file site opened from disk, no server involved.
    """
    browser = chromium()
    urls = {name: site + path for name, path in PAGES.items()}
    urls["static_aov_mart"] = (built_project.target / "static_index.html").as_uri() + (
        f"#!/model/{AOV_MART}"
    )

    def render(url: str) -> str:
        profile = tmp_path_factory.mktemp("chromium-profile")
        result = subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        return page_text(result.stdout)

    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        rendered = dict(zip(urls, pool.map(render, urls.values()), strict=True))
    return rendered


def test_overview_page_renders(pages: dict[str, str]) -> None:
    text = pages["overview"]
    assert "LivePerson web-session warehouse" in text
    for heading in ("The layers", "Reading lineage", "Personal data"):
        assert heading in text
    assert "lp_pseudonym" in text


def test_aov_mart_page_renders(pages: dict[str, str], built_project: BuiltProject) -> None:
    text = pages["aov_mart"]
    assert "mart_aov_by_membership_segment" in text
    assert "This model is not currently documented" not in text
    # The catalog's columns, as the page's column table lists them.
    columns = built_project.catalog["nodes"][AOV_MART]["columns"]
    assert columns
    for column in columns.values():
        assert column["name"] in text


def test_column_lineage_page_renders(pages: dict[str, str]) -> None:
    text = pages["column_lineage"]
    assert "Column lineage" in text
    assert "fct_orders" in text
    assert "stg_liveperson__purchases.purchase_total" in text
    assert "$.recordCollection[*].body.engagementAttributes[*].data.total" in text
    assert "$.recordCollection[*].body.navigationData[*].url (scrubbed)" in text


def test_static_page_renders_from_file(pages: dict[str, str]) -> None:
    text = pages["static_aov_mart"]
    assert "mart_aov_by_membership_segment" in text
    assert "This model is not currently documented" not in text


def _undocumented(built_project: BuiltProject) -> list[str]:
    manifest, catalog = built_project.manifest, built_project.catalog
    missing = []
    nodes = {**manifest["nodes"], **manifest["sources"]}
    for uid, node in sorted(nodes.items()):
        if node["resource_type"] not in {"model", "seed", "source", "snapshot"}:
            continue
        if node["package_name"] != PROJECT:
            continue
        if not (node.get("description") or "").strip():
            missing.append(f"{uid}: no description")
        documented = {
            name.lower(): (column.get("description") or "").strip()
            for name, column in node["columns"].items()
        }
        actual = catalog["nodes"].get(uid) or catalog["sources"].get(uid) or {"columns": {}}
        for name in sorted(set(documented) | {c.lower() for c in actual["columns"]}):
            if not documented.get(name):
                missing.append(f"{uid}.{name}: no description")
    return missing


def test_every_model_and_column_is_documented(built_project: BuiltProject) -> None:
    missing = _undocumented(built_project)
    assert not missing, "undocumented:\n" + "\n".join(missing)
