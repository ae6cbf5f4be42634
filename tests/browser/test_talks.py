"""The Talks page and an author page of the real site, in Chromium: axe finds
nothing serious at desktop width and at 390 px, nothing is loaded from a
video host until the reader asks, and the slides link leads to the PDF."""

from __future__ import annotations

import re

import pytest

from .accessibility import axe_violations
from .test_reader import settle

PAGES = {"talks": "talks.html", "author": "blog/author/alice-martin.html"}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def origin(site, serve_dir):
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


@pytest.mark.a11y
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violations(origin, new_page, name, viewport, scheme):
    page, watch = new_page(origin, color_scheme=scheme, viewport=VIEWPORTS[viewport])
    page.goto(f"{origin}/{PAGES[name]}")
    settle(page)
    assert page.locator(".techblog-talk").count() >= 3  # the page shows talks
    violations = axe_violations(page)
    assert violations == []
    assert watch.errors == [] and watch.foreign_requests == []
    width = VIEWPORTS[viewport]["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_the_author_page_shows_the_photo(origin, new_page):
    page, watch = new_page(origin)
    page.goto(f"{origin}/{PAGES['author']}")
    settle(page)
    photo = page.get_by_role("img", name="Alice Martin")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert photo.bounding_box()["width"] == 96
    assert watch.foreign_requests == []


def test_a_talks_video_loads_its_player_only_when_the_reader_asks(origin, new_page):
    page, watch = new_page(origin)
    asked = []
    for host in ("https://www.youtube-nocookie.com/**", "https://player.vimeo.com/**"):
        page.route(host, lambda route: (asked.append(route.request.url), route.abort()))
    page.goto(f"{origin}/talks.html")
    settle(page)
    assert page.locator(".techblog-talk .video-embed").count() >= 4
    assert page.query_selector("iframe") is None
    assert watch.foreign_requests == [] and asked == []
    talk = page.locator("#talk-2016-05-12-what-a-thousand-osds-taught-us")
    talk.get_by_role("button", name=re.compile("^Play here")).click()
    frame = page.wait_for_selector("#talk-2016-05-12-what-a-thousand-osds-taught-us iframe", state="attached")
    assert frame.get_attribute("src").startswith("https://player.vimeo.com/video/")
    page.wait_for_timeout(300)
    assert asked and all(url.startswith("https://player.vimeo.com/video/") for url in asked)
    assert page.locator("iframe").count() == 1  # the other talks' players are still not loaded
    assert watch.errors == []


def test_the_slides_link_leads_to_the_pdf(origin, new_page):
    page, watch = new_page(origin)
    page.goto(f"{origin}/talks.html")
    link = page.locator("#talk-2019-02-02-bare-metal-as-a-service-for-physicists .techblog-talk-slides a")
    assert link.get_attribute("href") == "talks/slides/2019-fosdem-bare-metal.pdf"
    answer = page.request.get(link.evaluate("a => a.href"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF-1.4") and answer.body().rstrip().endswith(b"%%EOF")
    assert watch.foreign_requests == []
