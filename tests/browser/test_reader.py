"""The real site as readers get it, in Chromium: accessibility (axe-core),
phones, and no requests to other hosts (search: test_search.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sources import conf

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"

# The pages the issue names: home, a post, a tag page, the legacy landing
# page and a legacy post (one with archived comments).
PAGES = {
    "home": "index.html",
    "post": "posts/2021/collectd-to-grafana.html",
    "tag": "blog/tag/openstack.html",
    "legacy landing": "legacy/index.html",
    "legacy post": "legacy/2013/11/keystone-and-active-directory.html",
}


@pytest.fixture(scope="module")
def origin(site, serve_dir):
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


def settle(page) -> None:
    """Wait until the comment thread (if any) has given up or loaded."""
    page.wait_for_load_state("networkidle")
    if page.query_selector(".techblog-live-comments"):
        page.wait_for_selector(".techblog-live-comments[data-comments-state]", state="attached")


# -- accessibility -----------------------------------------------------------------

@pytest.mark.a11y
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violations(origin, new_page, name, scheme):
    assert AXE.is_file(), "axe-core is missing: make test installs it (npm ci --prefix tests/browser)"
    page, watch = new_page(origin, color_scheme=scheme)
    page.goto(f"{origin}/{PAGES[name]}")
    settle(page)
    assert page.get_attribute("html", "data-theme") == scheme
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
    }""")
    assert violations == []
    assert watch.errors == []


# -- phones -----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_scrolling_at_390_px(origin, new_page, name):
    page, _ = new_page(origin, viewport={"width": 390, "height": 844})
    page.goto(f"{origin}/{PAGES[name]}")
    settle(page)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 390
    # Code blocks scroll inside themselves instead of widening the page.
    for block in page.query_selector_all("article pre"):
        box = block.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert block.evaluate("el => getComputedStyle(el).overflowX") in ("auto", "scroll")


def test_a_wide_code_block_scrolls_inside_itself(origin, new_page):
    page, _ = new_page(origin, viewport={"width": 390, "height": 844})
    page.goto(f"{origin}/{PAGES['legacy post']}")
    block = page.query_selector("article pre")
    assert block is not None
    assert block.evaluate("el => el.scrollWidth > el.clientWidth"), "the sample code block fits; pick a wider one"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


# -- nothing from other hosts -------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGES))
def test_every_request_goes_to_the_site_itself(origin, new_page, name):
    page, watch = new_page(origin)
    page.goto(f"{origin}/{PAGES[name]}")
    settle(page)
    assert watch.requests, "no requests recorded"
    assert watch.foreign_requests == []
    assert all(url.startswith("http://127.0.0.1:") for url in watch.requests)


def test_the_published_address_is_not_where_assets_come_from(site):
    """Pages load their CSS, scripts and images by relative address, so a
    mirror or a preview never fetches them from the published site."""
    base = conf()["blog_baseurl"]
    for name, path in PAGES.items():
        html = site.html(path)
        for tag, attr in (("script", "src"), ("link[rel=stylesheet]", "href"), ("img", "src")):
            for element in html.select(tag):
                assert not element.get(attr, "").startswith(("http:", "https:", "//")), (name, element)
        assert base  # the site does have an absolute address, used for canonical links and feeds


def test_a_video_loads_its_player_only_when_the_reader_asks(origin, new_page):
    page, watch = new_page(origin)
    asked = []
    # The player's host is never really contacted: the request is recorded and refused.
    page.route("https://www.youtube-nocookie.com/**", lambda route: (asked.append(route.request.url), route.abort()))
    page.goto(f"{origin}/legacy/2014/12/paris-summit-report.html")
    settle(page)
    assert page.query_selector("iframe") is None
    assert watch.foreign_requests == [] and asked == []
    link = page.locator(".video-embed a.video-link")
    assert link.get_attribute("href").startswith("https://www.youtube.com/watch?v=")
    page.get_by_role("button", name=re.compile("^Play here")).click()
    frame = page.wait_for_selector(".video-embed iframe", state="attached")
    assert frame.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/")
    page.wait_for_timeout(300)
    assert asked and all(url.startswith("https://www.youtube-nocookie.com/embed/") for url in asked)
    assert watch.errors == []
