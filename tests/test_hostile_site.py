"""Hostile data reaches no page or feed as markup (tests/roots/test-hostile).

Every textual field of that site (titles, tags, category and author display
names, descriptions, the site's and the old blog's names, addresses) carries
``<script>``, ``"><img onerror=...>`` and quotes. The build must succeed with
-W, no page or feed may hold a script-capable element or attribute made of
that data, and each value must still be there, shown as the text it is.
"""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from hostile import feed_problems, html_problems

PAYLOAD = """<script>alert("XSS")</script>"><img src=x onerror=alert('XSS')>"""
TITLE = """Lazy-loading <iframe> embeds <script>alert("XSS")</script> and "><img src=x onerror=alert('XSS')>"""
POST = "posts/2024/iframe-embeds.html"


@pytest.fixture(scope="module")
def hostile(hostile_site):
    return hostile_site


def pages(build) -> list[Path]:
    return sorted(build.outdir.rglob("*.html"))


def test_no_page_holds_markup_from_data(hostile):
    assert len(pages(hostile)) > 20  # posts, listings, tag/category/author/year pages, catalogs, 404
    found = [problem for page in pages(hostile) for problem in html_problems(page, hostile.outdir)]
    assert found == []


def test_no_feed_holds_markup_from_data(hostile):
    feeds = sorted(hostile.outdir.rglob("atom.xml"))
    assert len(feeds) > 5  # the site's, and one per tag, category, author and year
    found = [problem for feed in feeds for problem in feed_problems(feed, hostile.outdir)]
    assert found == []


def text_of(build, page: str, selector: str) -> list[str]:
    return [element.get_text(" ", strip=True) for element in build.html(page).select(selector)]


def test_values_are_shown_as_the_text_they_are(hostile):
    """Escaped, not dropped or mangled: a reader sees exactly what the author wrote."""
    assert TITLE in text_of(hostile, "index.html", ".post-summary-title a")
    assert TITLE in text_of(hostile, "posts/2024/second.html", ".techblog-section-nav a")
    assert "Mallory " + PAYLOAD in text_of(hostile, POST, ".post-authors a")
    assert "Evil " + PAYLOAD in text_of(hostile, POST, ".post-categories a")
    tags = text_of(hostile, POST, ".post-tags a")
    assert """<script>alert('XSS')</script>""" in tags
    assert """"><img src=x onerror=alert('XSS')>""" in tags
    assert "Nav " + PAYLOAD in text_of(hostile, "index.html", "nav[aria-label=Site] a")
    legacy = hostile.html("legacy/2014/03/old.html")
    banner = legacy.select_one(".legacy-banner a.legacy-original")
    assert banner["href"] == "https://openstack-in-production.blogspot.com/2014/03/old.html?a=1&b=2"
    assert banner.get_text() == "Old blog " + PAYLOAD
    assert "<script>alert('XSS')</script>" in text_of(hostile, "legacy/2014/03/old.html", ".comment-author")


def test_feeds_carry_the_values_as_text(hostile):
    feed = feedparser.parse((hostile.outdir / "blog" / "atom.xml").read_bytes())
    assert feed.feed.title.startswith("Blog " + PAYLOAD)
    assert feed.feed.subtitle == "Subtitle " + PAYLOAD
    titles = [entry.title for entry in feed.entries]
    assert TITLE in titles
    entry = feed.entries[titles.index(TITLE)]
    assert {author.name for author in entry.authors} == {"Mallory " + PAYLOAD}
    assert {tag.term for tag in entry.tags} >= {"<script>alert('XSS')</script>", "openstack"}


def test_series_and_related_posts_show_the_values_as_text(hostile):
    """The series' title and description (conf.py) and the titles of related
    posts and parts, on the post, the series' pages and its feed."""
    series = "Series " + PAYLOAD
    description = "Series description " + PAYLOAD
    second = "posts/2024/second.html"
    assert text_of(hostile, second, ".techblog-series-box h2 a") == [series]
    assert TITLE in text_of(hostile, second, ".techblog-series-parts a")
    assert TITLE in text_of(hostile, "legacy/2014/03/old.html", ".techblog-related a")
    assert text_of(hostile, "blog/series/evil.html", ".techblog-series-page h1") == ["Series: " + series]
    assert text_of(hostile, "blog/series/evil.html", ".techblog-series-description") == [description]
    assert text_of(hostile, "blog/series.html", ".techblog-series-entry h2 a") == [series]
    feed = feedparser.parse((hostile.outdir / "blog/series/evil/atom.xml").read_bytes())
    assert feed.feed.title.endswith("Series: " + series) and feed.feed.subtitle == description
    assert TITLE in [entry.title for entry in feed.entries]


def test_talks_and_profiles_show_their_values_as_text(hostile):
    """Talk data (tests/roots/test-hostile/talks/talks.yaml) and an author's bio
    (techblog_author_profiles) are escaped wherever they are shown."""
    talk = "Talk " + PAYLOAD
    assert text_of(hostile, "talks.html", ".techblog-talk-title") == [talk]
    for selector, value in [(".techblog-talk-event", "Event "), (".techblog-talk-place", "Place "),
                            (".techblog-talk-guest", "Guest "), (".techblog-talk-abstract", "Abstract ")]:
        assert text_of(hostile, "talks.html", selector) == [value + PAYLOAD], selector
    box = hostile.html("talks.html").select_one(".video-embed")
    assert box["data-embed-title"] == talk
    assert box["data-embed-src"] == "https://www.youtube-nocookie.com/embed/abcdef12345"
    slides = hostile.html("talks.html").select_one(".techblog-talk-slides a")
    assert slides["href"] == "https://example.org/slides.pdf?a=1&b=2"
    tags = text_of(hostile, "talks.html", ".techblog-talk-tag")
    assert tags == ["<script>alert('XSS')</script>", "<svg onload=alert('XSS')>talk"]
    # The talk-only tag's page, and Mallory's page with the bio and the talk.
    assert text_of(hostile, "blog/tag/svg-onloadalertxsstalk.html", "h1") == [
        "Talks tagged <svg onload=alert('XSS')>talk"]
    mallory = next(hostile.outdir.glob("blog/author/mallory*.html")).relative_to(hostile.outdir).as_posix()
    assert text_of(hostile, mallory, ".techblog-author-bio") == ["Bio " + PAYLOAD]
    assert hostile.html(mallory).select_one(".techblog-author-photo")["alt"] == "Mallory " + PAYLOAD
    assert text_of(hostile, mallory, ".techblog-talks-section .techblog-talk-title") == [talk]


def test_the_talks_feed_carries_the_values_as_text(hostile):
    feed = feedparser.parse((hostile.outdir / "talks" / "atom.xml").read_bytes())
    (entry,) = feed.entries
    assert entry.title == "Talk " + PAYLOAD
    assert [author.name for author in entry.authors] == ["Mallory " + PAYLOAD, "Guest " + PAYLOAD]
    assert entry.summary == f"Event {PAYLOAD}, Place {PAYLOAD}\n\nAbstract {PAYLOAD}"


def test_search_values_are_text_in_the_page_and_in_the_index(hostile):
    """What Pagefind reads (_templates/techblog/search-fields.html) and the
    search page's filters are escaped like the rest, and the index keeps the
    values as the text they are."""
    page = hostile.html(POST)
    assert [e.get_text() for e in page.select("[data-pagefind-meta=title]")] == [TITLE]
    assert [e.get_text() for e in page.select("[data-pagefind-meta=authors]")] == ["Mallory " + PAYLOAD]
    # Filters by the names of the pages of the tag, category, author (search.py: filter_value).
    assert [e.get_text() for e in page.select("[data-pagefind-filter=category]")] == [
        "evil-scriptalertxssscriptimg-srcx-onerroralertxss"]
    search = hostile.html("search.html")
    labels = {label.get_text() for label in search.select(".techblog-search-choices label")}
    assert {"Evil " + PAYLOAD, "Mallory " + PAYLOAD, "<script>alert('XSS')</script>",
            """"><img src=x onerror=alert('XSS')>"""} <= labels
    from test_search import fragments

    found = fragments(hostile.outdir)["/" + POST]
    assert found["meta"]["title"] == TITLE and found["meta"]["authors"] == "Mallory " + PAYLOAD
    assert found["filters"]["author"] == ["mallory-scriptalertxssscriptimg-srcx-onerroralertxss"]
