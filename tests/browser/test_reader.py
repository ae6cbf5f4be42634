"""The real site as readers get it, in Chromium: accessibility (axe-core),
phones, and no requests to other hosts (search: test_search.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from sources import conf

from .conftest import PageWatch

from .accessibility import axe_violations

# The pages the issue names: home, a post, a tag page, the legacy landing
# page and a legacy post (one with archived comments).
PAGES = {
    "home": "index.html",
    "post": "posts/2021/collectd-to-grafana.html",
    "tag": "blog/tag/openstack.html",
    "legacy landing": "legacy/index.html",
    "legacy post": "legacy/2013/11/keystone-and-active-directory.html",
}
# And every other kind of page a reader meets (axe, the console).
PAGE_TYPES = {
    **PAGES,
    "category": "blog/category/operations.html",
    "author": "blog/author/alice-martin.html",
    "year": "blog/2021.html",
    "all posts": "posts/index.html",
    "all posts, page 2": "posts/page/2.html",
    "talks": "talks.html",
    "series": "blog/series/observability.html",
    "search results": "search.html?q=keystone",
    "about": "about.html",
    "tags": "blog/tag.html",  # ABlog's catalog pages (categories, authors alike)
    "archive": "blog/archive.html",
    # As the web server sends it for a missing page; its links are absolute (notfound_urls_prefix).
    "404": "404.html",
}
# What the site's own address puts before its pages, /techblog (the 404 page's links start with it).
PREFIX = urlsplit(conf()["blog_baseurl"]).path.rstrip("/")


@pytest.fixture(scope="module")
def origin(site, serve_dir, tmp_path_factory):
    """The site served under its own path, as in production."""
    assert site.returncode == 0, site.output
    root = tmp_path_factory.mktemp("served")
    (root / PREFIX.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / PREFIX.lstrip("/")).symlink_to(site.outdir, target_is_directory=True)
    return serve_dir(root) + PREFIX


def own(origin: str) -> str:
    """The server's origin, where the pages' requests may go (the comment server's /comments/ too)."""
    return origin.removesuffix(PREFIX)


def settle(page) -> None:
    """Wait until the comment thread (if any) has given up or loaded, and a search has answered."""
    page.wait_for_load_state("networkidle")
    if page.query_selector(".techblog-live-comments"):
        page.wait_for_selector(".techblog-live-comments[data-comments-state]", state="attached")
    if page.query_selector("#techblog-search-results"):
        page.wait_for_selector("#techblog-search-results[aria-busy=false] > li", state="attached")


# -- accessibility -----------------------------------------------------------------

@pytest.mark.a11y
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_no_serious_or_critical_accessibility_violations(origin, new_page, name, scheme, width):
    page, watch = new_page(own(origin), color_scheme=scheme, viewport={"width": width, "height": 900})
    page.goto(f"{origin}/{PAGE_TYPES[name]}")
    settle(page)
    assert page.get_attribute("html", "data-theme") == scheme
    assert axe_violations(page) == []
    assert watch.errors == []


@pytest.mark.a11y
@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", ["post", "legacy post"])
def test_no_accessibility_violations_with_the_comment_thread_drawn(production, browser, name, width):
    """As production serves a post: with the comment server's thread in it
    (its Content-Security-Policy set aside for axe's script only)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        watch = PageWatch(page, (production.origin,))
        page.goto(f"{production.origin}{PREFIX}/{PAGES[name]}")
        page.wait_for_selector(".techblog-live-comments[data-comments-state=ready]")
        page.wait_for_selector("#isso-thread .isso-thread-heading:not(:empty)")
        assert axe_violations(page) == []
        assert watch.errors == [] and watch.foreign_requests == []
    finally:
        context.close()


# -- the console ---------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_a_first_visit_logs_no_error_nor_warning(production, new_page, name):
    """Each kind of page, as production serves it (nginx, the comment server),
    to a reader who never came before (nothing stored): nothing of ours, the
    theme's or the browser's (a missing icon, a refused request) complains."""
    page, watch = new_page(production.origin)
    logged = []
    page.on("console", lambda message: logged.append((message.type, message.text, message.location.get("url")))
            if message.type in ("error", "warning") else None)
    path = "no/such/page" if name == "404" else PAGE_TYPES[name]
    url = f"{production.origin}{PREFIX}/{path}"
    response = page.goto(url)
    assert response.status == (404 if name == "404" else 200)
    settle(page)
    if page.query_selector("#isso-thread"):
        page.wait_for_selector(".techblog-live-comments[data-comments-state=ready]")
    page.wait_for_timeout(200)  # the icon is asked for after the load
    if name == "404":
        # Chromium reports the page's own status, which is the point of that page.
        own_status = ("error", "Failed to load resource: the server responded with a status of 404 (Not Found)", url)
        assert own_status in logged
        logged.remove(own_status)
    assert logged == []
    assert watch.errors == []
    # The theme's colour mode of a first visit: the reader's system setting.
    assert page.get_attribute("html", "data-mode") == "auto"


# -- phones -----------------------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_scrolling_at_390_px(origin, new_page, name):
    page, _ = new_page(own(origin), viewport={"width": 390, "height": 844})
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
    page, _ = new_page(own(origin), viewport={"width": 390, "height": 844})
    page.goto(f"{origin}/{PAGES['legacy post']}")
    block = page.query_selector("article pre")
    assert block is not None
    assert block.evaluate("el => el.scrollWidth > el.clientWidth"), "the sample code block fits; pick a wider one"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


# -- nothing from other hosts -------------------------------------------------------

@pytest.mark.parametrize("name", list(PAGES))
def test_every_request_goes_to_the_site_itself(origin, new_page, name):
    page, watch = new_page(own(origin))
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
    page, watch = new_page(own(origin))
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
