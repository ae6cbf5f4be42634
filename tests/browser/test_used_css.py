"""Nothing a reader sees changes when only the used CSS, icons and Bootstrap
components are shipped (techblog/site/used_css.py, theme_assets.py): the tiny site (tests/roots/test-page-weight)
built with ``techblog_trim_assets`` off and on, and each page type (home, a
post with code, a table and a note, a tag page, a legacy post, search, a
post with a diagram)
photographed in both, light and dark, at desktop and at 390 px, whole
pages; then what a reader opens: the phone menu, the theme switcher, the
search dialog (Ctrl+K), the search button's tooltip. The pictures must be
the same to the pixel, within :data:`TOLERANCE` levels of colour and
but for what differs between two photographs of the same page (:func:`difference`)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from conftest import REPO, sphinx_build

ROOT = REPO / "tests" / "roots" / "test-page-weight"
PAGES = {"home": "index.html", "post": "posts/2023/ceph-volumes.html", "tag": "blog/tag/ceph.html",
         "legacy": "legacy/2014/05/old-ceph.html", "search": "search.html",
         "diagram": "posts/2024/upgrade-steps.html"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Chromium's compositing of a translucent layer (the search dialog's backdrop)
# varies by a level now and then between two loads of the same page.
TOLERANCE = 2  # levels of 255, per channel


@pytest.fixture(scope="module")
def origins(tmp_path_factory, serve_dir):
    """(origin of the site built with the theme's whole CSS, origin of the one with the used CSS)"""
    found = []
    for purge in ("0", "1"):
        out = tmp_path_factory.mktemp(f"purge-{purge}")
        build = sphinx_build(ROOT, out / "html", out / "doctrees", "-D", f"techblog_trim_assets={purge}")
        assert build.returncode == 0, build.output
        assert ("pydata-sphinx-theme.used.css" in (build.outdir / "index.html").read_text(encoding="utf-8")) == (
            purge == "1")
        found.append(serve_dir(build.outdir))
    return found


def changed(before: bytes, after: bytes):
    """The pixels where two screenshots differ by more than TOLERANCE (a mask), or their two sizes."""
    first, second = Image.open(io.BytesIO(before)).convert("RGB"), Image.open(io.BytesIO(after)).convert("RGB")
    if first.size != second.size:
        return (first.size, second.size)
    return ImageChops.difference(first, second).point(lambda level: 255 if level > TOLERANCE else 0).convert("L")


def difference(shoot) -> tuple | None:
    """Where the used CSS changed a picture: ``shoot(0)`` photographs the site
    with the theme's whole CSS, ``shoot(1)`` the other. Chromium does not
    always draw the same page the same (the anti-aliasing of a focus ring's
    corner, a translucent backdrop), so where the two differ each is
    photographed again, both, and only what differs more than two photographs
    of the same page do counts. None: nothing."""
    before, after = shoot(0), shoot(1)
    mask = changed(before, after)
    if isinstance(mask, tuple) or mask.getbbox() is None:
        return None if not isinstance(mask, tuple) else mask
    noise = [changed(before, shoot(0)), changed(after, shoot(1))]
    for found in noise:
        if isinstance(found, tuple):
            return found
    return ImageChops.subtract(mask, ImageChops.lighter(*noise)).getbbox()


def photograph(new_page, origin: str, path: str, scheme: str, viewport: dict, action=None) -> bytes:
    page, watch = new_page(origin, color_scheme=scheme, viewport=viewport)
    page.goto(f"{origin}/{path}", wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    if action:
        action(page)
    else:
        # The search page's field takes the focus as it loads: Chromium draws the corners of its
        # ring differently from one load to the next (seen with the same site twice).
        page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_timeout(600)  # the transitions are over (a focus ring's, the menu's, the dialog's)
    shot = page.screenshot(full_page=action is None, animations="disabled")
    assert watch.errors == []
    return shot


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "390px"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_looks_the_same_with_the_used_css_only(origins, new_page, name, scheme, viewport):
    assert difference(lambda site: photograph(new_page, origins[site], PAGES[name], scheme, viewport)) is None


def open_menu(page) -> None:
    page.locator("button.primary-toggle").click()
    page.locator("#pst-primary-sidebar-modal[open]").wait_for()


def open_theme_switcher(page) -> None:
    if page.viewport_size["width"] < 960:  # in the phone menu
        open_menu(page)
        page.locator("#pst-primary-sidebar-modal .theme-switch-button").click()
    else:
        page.locator(".theme-switch-button:visible").first.click()
    page.locator(".dropdown-menu.show").first.wait_for()


def open_search(page) -> None:
    page.keyboard.press("Control+k")
    page.locator("#pst-search-dialog[open]").wait_for()


def hover_search_button(page) -> None:
    page.locator(".search-button__button:visible").first.hover()
    page.locator(".tooltip.show").wait_for()


@pytest.mark.parametrize("action, viewport", [(open_menu, PHONE), (open_theme_switcher, PHONE),
                                              (open_theme_switcher, DESKTOP), (open_search, PHONE),
                                              (open_search, DESKTOP), (hover_search_button, DESKTOP)],
                         ids=["menu-390px", "theme-switcher-390px", "theme-switcher-desktop", "search-390px",
                              "search-desktop", "tooltip-desktop"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_what_a_reader_opens_looks_the_same_with_the_used_css_only(origins, new_page, action, viewport, scheme):
    assert difference(lambda site: photograph(new_page, origins[site], PAGES["post"], scheme, viewport, action)) is None
