"""Render the app icon (web/static/groundswell/icon.svg) to the PNG sizes an installed
web app needs (Android asks for 192 and 512 px), with the Chromium the browser tests
use. Run after changing the SVG and commit the PNGs:

    .venv/bin/python scripts/make_icons.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parent.parent / "src/groundswell/web/static/groundswell"
SIZES = (192, 512)


def main() -> None:
    svg = (STATIC / "icon.svg").read_text()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium)
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content("<html><body style='margin:0;background:transparent'>"
                             f"{sized}</body></html>")
            page.screenshot(path=str(STATIC / f"icon-{size}.png"), omit_background=True,
                            clip={"x": 0, "y": 0, "width": size, "height": size})
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
