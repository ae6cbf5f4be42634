"""The README's pictures: the home page and a post, light and dark, taken
with the browser tests' tooling (Playwright driving Debian's chromium).

    .venv/bin/python tests/browser/screenshots.py   # make screenshots

Builds the site into a scratch folder, serves it on 127.0.0.1 and writes
screenshots/{home,post}-{light,dark}.png.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

from browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from browser.servers import static_server  # noqa: E402

PAGES = {"home": "index.html", "post": "posts/2021/collectd-to-grafana.html"}
OUT = REPO / "screenshots"


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "html"
        subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(REPO), str(site)], check=True)
        with static_server(site) as origin, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for scheme in ("light", "dark"):
                context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme=scheme)
                page = context.new_page()
                for name, path in PAGES.items():
                    page.goto(f"{origin}/{path}", wait_until="networkidle")
                    target = OUT / f"{name}-{scheme}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(REPO))
                context.close()
            browser.close()


if __name__ == "__main__":
    main()
