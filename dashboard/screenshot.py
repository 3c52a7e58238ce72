"""A screenshot of the dashboard, whole page, as the README shows it (docs/dashboard.png).

    python -m dashboard.screenshot [--warehouse warehouse.duckdb] [--out docs/dashboard.png]

Serves the dashboard on a free localhost port, opens it in Debian's Chromium (make browser)
and saves the page once every chart is drawn.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from dashboard.browser import chromium, open_rendered, serve
from dashboard.warehouse import warehouse_path

WIDTH = 1400


def take(warehouse: Path, out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as work,
        serve(warehouse, Path(work) / "dashboard.log") as served,
        sync_playwright() as pw,
    ):
        browser = chromium(pw)
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
        open_rendered(page, served.url)
        # Streamlit scrolls inside its main block: grow the window to the content.
        height = page.evaluate(
            "() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
        )
        page.set_viewport_size({"width": WIDTH, "height": int(height) + 40})
        open_rendered(page, served.url)
        page.screenshot(path=str(out))
        browser.close()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard.screenshot", description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("docs/dashboard.png"))
    args = parser.parse_args(argv)
    print(take((args.warehouse or warehouse_path()).resolve(), args.out))


if __name__ == "__main__":
    main()
