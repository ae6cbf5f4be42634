"""What to read next, as readers get it in Chromium: the series box and the
related posts under a post, the series' pages; on the real site and on the
generated 200-post site (tests/generated_site.py), with axe-core at desktop
width and at 390 px, and no request leaving the site."""

from __future__ import annotations

import re

import pytest

from conftest import REPO
from generated_site import SERIES
from sources import conf, published_posts, read_source

from .accessibility import axe_violations
from .test_reader import settle

# The real site's series (conf.py) and a post of it that also has related posts.
POST = "posts/2021/collectd-to-grafana.html"
SERIES_PAGE = "blog/series/observability.html"
PAGES = {"post with both": POST, "series page": SERIES_PAGE, "series index": "blog/series.html"}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def origin(site, serve_dir):
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


def series_sources(root, key: str) -> list:
    """The published parts of series ``key``, from the sources, oldest first."""
    parts = [post for post in published_posts(root) if post.front_matter.get("series") == key]
    return sorted(parts, key=lambda post: (post.date, post.path))


def test_a_post_of_the_real_site_shows_its_series_and_related_posts(origin, new_page):
    parts = series_sources(REPO, "observability")
    title = conf()["techblog_series"]["observability"][0]
    here = read_source(REPO, REPO / (POST.removesuffix(".html") + ".md"))
    number = [part.path for part in parts].index(here.path) + 1

    page, watch = new_page(origin)
    page.goto(f"{origin}/{POST}")
    box = page.get_by_role("navigation", name=f"Part {number} of {len(parts)}: {title}")
    assert box.is_visible()
    links = box.locator("ol li a")
    assert links.all_inner_texts() == [part.title for part in parts]
    assert box.locator("[aria-current=page]").inner_text() == here.title
    related = page.get_by_role("region", name="Related posts")
    assert related.is_visible()
    shown = related.locator("li a").all_inner_texts()
    assert 1 <= len(shown) <= 3
    sharing = {post.title for post in published_posts(REPO) if set(post.tags) & set(here.tags)} - {here.title}
    assert set(shown) <= sharing - {part.title for part in parts}
    # The series' page, from the box.
    box.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(re.escape(SERIES_PAGE) + "$"))
    assert page.locator("ol.techblog-series-list .post-summary-title a").all_inner_texts() == [
        part.title for part in parts]
    assert watch.errors == [] and watch.foreign_requests == []


@pytest.mark.a11y
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violations_nor_sideways_scrolling(origin, new_page, name, width):
    page, watch = new_page(origin, viewport=WIDTHS[width])
    page.goto(f"{origin}/{PAGES[name]}")
    settle(page)
    violations = axe_violations(page)
    assert violations == []
    scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client
    assert watch.errors == [] and watch.foreign_requests == []


# -- The generated site -------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(paged, serve_dir):
    assert paged.returncode == 0, paged.output
    return serve_dir(paged.outdir)


def test_a_post_of_the_generated_site_shows_its_series_and_related_posts(paged, generated, new_page):
    [(key, numbers)] = SERIES.items()
    parts = series_sources(paged.srcdir, key)
    assert len(parts) == len(numbers)
    here = parts[1]
    everyone = published_posts(paged.srcdir)

    page, watch = new_page(generated, viewport=WIDTHS["phone"])
    page.goto(f"{generated}/{here.path}.html")
    box = page.get_by_role("navigation", name=re.compile(rf"^Part 2 of {len(parts)}: "))
    box.scroll_into_view_if_needed()
    assert box.is_visible()
    assert box.locator("ol li a").all_inner_texts() == [part.title for part in parts]
    related = page.get_by_role("region", name="Related posts")
    shown = related.locator("li a").all_inner_texts()
    assert len(shown) == 3
    by_title = {post.title: post for post in everyone}
    for title in shown:  # each shares a tag, and none is a part of the series (the box lists those)
        assert set(by_title[title].tags) & set(here.tags), title
        assert title not in {part.title for part in parts}
    assert watch.errors == [] and watch.foreign_requests == []
