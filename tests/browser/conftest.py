"""Browser tests: Playwright (Python) driving Debian's chromium against built
sites served on 127.0.0.1. No browser is ever downloaded; CHROMIUM names
another binary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .servers import static_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root in a container Chromium needs --no-sandbox; the others keep it
# from calling Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def pytest_collection_modifyitems(items) -> None:
    """Every test under tests/browser/ is a browser test (``-m "not browser"`` skips them)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package (.ci/run does) or set CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """What a page did that a reader would not want: script errors, dialogs,
    requests to other hosts."""

    def __init__(self, page, allowed_origins: tuple[str, ...]) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.allowed = allowed_origins
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("dialog", self._dialog)
        page.on("request", lambda request: self.requests.append(request.url))

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests
                if not url.startswith(self.allowed) and not url.startswith(("data:", "blob:", "about:"))]


@pytest.fixture
def new_page(browser):
    """``new_page(*allowed_origins, color_scheme=...)`` -> (page, PageWatch)."""
    contexts = []

    def make(*allowed: str, color_scheme: str = "light", viewport=None):
        context = browser.new_context(color_scheme=color_scheme, viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page, PageWatch(page, tuple(allowed))

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def serve_dir():
    """``serve_dir(path)`` serves a built site until the session ends; returns its origin."""
    stack = []

    def serve(path: Path, port: int = 0) -> str:
        server = static_server(path, port)
        origin = server.__enter__()
        stack.append(server)
        return origin

    yield serve
    for server in reversed(stack):
        server.__exit__(None, None, None)

