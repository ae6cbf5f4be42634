"""The search page in Chromium (Pagefind: techblog/site/search.py,
_static/techblog-search.js): on the real site, a word finds its post, each
filter narrows the results and filters combine, the order by date, the
keyboard alone, axe at desktop and phone widths, no request to another host;
on the tiny search site (tests/roots/test-search) built as a preview, drafts
and redirect pages are never found.

What a result should be is read from the built pages (their post header),
never from the index."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from conftest import REPO, sphinx_build

from .accessibility import axe_violations

FILTER_CLASSES = {"tag": ".post-tag", "category": ".post-category", "author": ".post-author"}


@pytest.fixture(scope="module")
def origin(site, serve_dir):
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


def searched(page) -> str:
    """Wait for the search to answer and its results to be drawn; the status line it says."""
    page.locator("#techblog-search-results[aria-busy=false]").wait_for(state="attached")
    return page.locator("#techblog-search-status").inner_text()


def all_results(page) -> list[str]:
    """The pages found, as paths of the site, every page of results."""
    count = searched(page)
    more = page.locator("#techblog-search-more")
    while more.is_visible():
        shown = page.locator("#techblog-search-results > li").count()
        more.click()
        page.locator(f"#techblog-search-results > li:nth-child({shown + 1})").wait_for()
        searched(page)
    paths = [urlsplit(href).path.lstrip("/")
             for href in page.locator("#techblog-search-results > li h2 a").evaluate_all(
                 "links => links.map(a => a.href)")]
    total = int(count.split()[0]) if count[0].isdigit() else 0
    assert len(paths) == total, count
    return paths


def values(site, path: str, name: str) -> set[str]:
    """A post's tags (categories, authors) or year, from its page's header."""
    html = site.html(path)
    if name == "year":
        return {html.select_one(".techblog-post-header time.post-date")["datetime"][:4]}
    return {element.get_text(strip=True) for element in html.select(f".techblog-post-header {FILTER_CLASSES[name]}")}


def date_of(site, path: str) -> str:
    return site.html(path).select_one(".techblog-post-header time.post-date")["datetime"]


def results_for(page, origin: str, query: str = "", **filters: str | list[str]) -> list[str]:
    params = [("q", query)] + [(name, value) for name, chosen in filters.items()
                               for value in ([chosen] if isinstance(chosen, str) else chosen)]
    page.goto(f"{origin}/search.html?{urlencode(params)}")
    return all_results(page)


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


def test_a_word_of_one_post_finds_it_from_the_navbar_and_ctrl_k(site, origin, new_page):
    source = REPO / "posts" / "2021" / "elastic-log-pipeline.md"
    word = word_only_in(source)
    built = site.html("posts/2021/elastic-log-pipeline.html")
    title = built.select_one("article h1").get_text().strip("#¶ \n")
    date = built.select_one(".techblog-post-header time.post-date").get_text()
    authors = [a.get_text() for a in built.select(".techblog-post-header .post-author")]

    page, watch = new_page(origin)
    page.goto(f"{origin}/index.html")
    page.keyboard.press("Control+k")  # the theme's search dialog, as its button says
    assert page.evaluate("document.activeElement.name") == "q"
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q="))
    assert searched(page) == f"1 result for “{word}”."
    result = page.locator("#techblog-search-results > li")
    assert result.locator("h2 a").inner_text() == title
    assert result.locator("h2 a").get_attribute("href").endswith("posts/2021/elastic-log-pipeline.html")
    assert result.locator(".search-result-date").inner_text() == date
    assert result.locator(".search-result-authors").inner_text() == " · by " + ", ".join(authors)
    assert word in result.locator(".techblog-search-excerpt mark").first.inner_text().lower()
    # On the search page, Ctrl+K goes to its own field.
    page.locator("#techblog-search-results a").first.focus()
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "techblog-search-q"
    assert watch.errors == [] and watch.foreign_requests == []


@pytest.mark.parametrize("name", ["tag", "category", "author", "year"])
def test_each_filter_narrows_the_results_to_the_posts_it_names(site, origin, new_page, name):
    page, watch = new_page(origin)
    everything = results_for(page, origin, "openstack")
    posts = [path for path in everything if site.html(path).select_one(".techblog-post-header")]
    # A value that some of the posts found have, not all.
    counts = {}
    for path in posts:
        for value in values(site, path, name):
            counts[value] = counts.get(value, 0) + 1
    value = max((v for v, n in counts.items() if n < len(everything)), key=lambda v: (counts[v], v))
    page.goto(f"{origin}/search.html?q=openstack")
    searched(page)
    group = page.locator(f"details[data-filter={name}]")
    group.locator("summary").click()
    box = group.get_by_label(re.compile(rf"^{re.escape(value)} \(\d+\)$"))
    box.check()
    narrowed = all_results(page)
    assert sorted(narrowed) == sorted(path for path in posts if value in values(site, path, name))
    assert 0 < len(narrowed) < len(everything)
    assert f"{name}={box.get_attribute('value')}" in page.url  # the address keeps the choice
    assert watch.errors == [] and watch.foreign_requests == []


def test_filters_combine_all_of_the_filters_and_any_value_of_one(site, origin, new_page):
    page, watch = new_page(origin)
    tag = set(results_for(page, origin, "", tag="ceph"))
    year = set(results_for(page, origin, "", year="2019"))
    both = set(results_for(page, origin, "", tag="ceph", year="2019"))
    assert both == tag & year and both and both != tag and both != year
    kubernetes = set(results_for(page, origin, "", tag="kubernetes"))
    either = set(results_for(page, origin, "", tag=["ceph", "kubernetes"]))
    assert either == tag | kubernetes and either != tag
    assert watch.errors == [] and watch.foreign_requests == []


def test_newest_first_orders_the_results_by_date(site, origin, new_page):
    page, watch = new_page(origin)
    best = results_for(page, origin, "openstack")
    page.get_by_label("Newest first").check()
    newest = all_results(page)
    assert "sort=date" in page.url
    dates = [date_of(site, path) for path in newest]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 3
    assert set(newest) <= set(best) and newest != best
    assert watch.errors == []


def test_the_keyboard_alone_searches_filters_and_opens_a_result(site, origin, new_page):
    page, watch = new_page(origin)
    page.goto(f"{origin}/search.html")
    searched(page)
    assert page.evaluate("document.activeElement.id") == "techblog-search-q"  # ready to type
    page.keyboard.type("ceph")
    page.keyboard.press("Enter")
    before = all_results(page)
    # Tab to the tag filter, open it, Tab to the tag "ceph" and tick it with the space bar.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('details[data-filter=tag]') !== null"):
            break
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "ceph":
            break
    page.keyboard.press("Space")
    after = all_results(page)
    assert after and set(after) < set(before)
    assert all("ceph" in values(site, path, "tag") for path in after)
    # On to the first result, and Enter opens it.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#techblog-search-results') !== null"):
            break
    target = page.evaluate("document.activeElement.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    assert urlsplit(target).path.lstrip("/") == after[0]
    assert watch.errors == [] and watch.foreign_requests == []


@pytest.mark.a11y
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_or_critical_accessibility_violations(origin, new_page, width):
    page, watch = new_page(origin, viewport={"width": width, "height": 900})
    page.goto(f"{origin}/search.html?q=openstack&tag=ceph")
    searched(page)
    page.locator("details[data-filter=author] summary").click()  # an open filter too
    violations = axe_violations(page)
    assert violations == []
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == width  # nothing scrolls sideways
    assert watch.errors == [] and watch.foreign_requests == []


@pytest.fixture(scope="module")
def preview_origin(tmp_path_factory, serve_dir):
    """The tiny search site built as ``make serve`` builds it: drafts and future posts shown."""
    out = tmp_path_factory.mktemp("search-preview")
    build = sphinx_build(REPO / "tests" / "roots" / "test-search", out / "html", out / "doctrees",
                         "-D", "techblog_show_drafts=1")
    assert build.returncode == 0, build.output
    assert (out / "html" / "posts" / "2024" / "marked-draft.html").is_file()
    assert (out / "html" / "moved-page.html").is_file()
    return serve_dir(out / "html")


def test_drafts_and_redirect_pages_are_never_found(preview_origin, new_page):
    page, watch = new_page(preview_origin)
    assert results_for(page, preview_origin, "platypus") == []  # the draft's and future post's word
    assert searched(page) == "Nothing found for “platypus”."
    everything = set(results_for(page, preview_origin, "", year=["2014", "2023", "2024", "2999"]))
    assert everything == {"posts/2023/ceph-volumes.html", "posts/2024/kubernetes-upgrade.html",
                          "legacy/2014/05/old-ceph.html"}
    # "moved" is the redirect page's word (_templates/redirect.html: "This page ... has moved")
    assert results_for(page, preview_origin, "moved") == []
    assert results_for(page, preview_origin, "echidna") == ["about.html"]
    assert watch.errors == [] and watch.foreign_requests == []
