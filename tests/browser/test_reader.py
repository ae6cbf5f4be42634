"""The real site as readers get it, in Chromium: search, accessibility (axe-core),
phones, and no requests to other hosts."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO
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


# -- search ----------------------------------------------------------------------

def post_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted((REPO / "posts").glob("*/*.md"))}


def word_only_in(path: Path) -> str:
    """A word of this post's text that no other post uses."""
    def words(text: str) -> set[str]:
        body = text.split("---", 2)[2]
        return {w.lower() for w in re.findall(r"[A-Za-z]{7,}", body)}

    others = Counter(w for p, text in post_sources().items() if p != path for w in words(text))
    mine = sorted(w for w in words(post_sources()[path]) if w not in others)
    assert mine, f"{path} has no word of its own"
    return mine[0]


def test_the_search_box_finds_a_post_by_a_word_of_its_text_and_shows_its_date(site, origin, new_page):
    source = REPO / "posts" / "2021" / "elastic-log-pipeline.md"
    word = word_only_in(source)
    built = site.html("posts/2021/elastic-log-pipeline.html")
    title = built.select_one("article h1").get_text().strip("#¶ \n")
    date = built.select_one(".techblog-post-header time.post-date").get_text()

    page, watch = new_page(origin)
    page.goto(f"{origin}/index.html")
    page.keyboard.press("Control+k")  # the theme's search dialog, as its button says
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    result = page.locator("#search-results li", has_text=title).first
    result.wait_for()
    result.locator(".search-result-date").wait_for()
    assert result.locator(".search-result-date").inner_text() == date
    assert result.locator("a").first.get_attribute("href").endswith("posts/2021/elastic-log-pipeline.html")
    assert watch.errors == []


def test_search_finds_a_post_by_its_title(site, origin, new_page):
    built = site.html("posts/2020/puppet-6-migration.html")
    title = built.select_one("article h1").get_text().strip("#¶ \n")
    page, watch = new_page(origin)
    page.goto(f"{origin}/search.html?q=Puppet")
    page.locator("#search-results li a", has_text=title).first.wait_for()
    assert watch.errors == []


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
