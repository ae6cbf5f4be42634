"""The post header's reading time and "Last updated" line, against what the
sources say (tests/roots/test-discovery and the real site)."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO, Build
from sources import published_posts, site_timezone

ROOT = REPO / "tests" / "roots" / "test-discovery"
EPOCH = "1735689600"
WORDS_PER_MINUTE = 230
COMMENTS = re.compile(r"^```\{archived-comments\}\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """tests/roots/test-discovery built in this process (sphinx.testing), once
    for the module; any warning fails it, as -W would."""
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp

    out = tmp_path_factory.mktemp("post-header")
    status, warning = StringIO(), StringIO()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", EPOCH)
        app = SphinxTestApp("html", srcdir=ROOT, builddir=out, status=status, warning=warning)
        try:
            app.build()
        finally:
            app.cleanup()
    assert warning.getvalue() == "", warning.getvalue()
    return Build(ROOT, Path(app.outdir), Path(app.doctreedir), 0, status.getvalue())


def front_matter_and_body(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def body_words(path: Path, with_comments: bool = False) -> int:
    """Words a reader reads: the body after the title, without Markdown's
    fence and heading markers, and without the old blog's comments."""
    _, body = front_matter_and_body(path)
    comments = " ".join(text for block in COMMENTS.finditer(body)
                        for text in comment_bodies(yaml.safe_load(block[1])))
    body = COMMENTS.sub("", body).split("\n# ", 1)[1].split("\n", 1)[1]
    body = re.sub(r"<!--.*?-->", "", body)  # the excerpt marker
    lines = [re.sub(r"^#+ ", "", line) for line in body.splitlines() if not line.startswith("```")]
    return len(" ".join(lines).split()) + (len(comments.split()) if with_comments else 0)


def comment_bodies(comments: list[dict]):
    for comment in comments:
        yield comment.get("body", "")  # HTML: its tags are a few extra "words", enough here
        yield from comment_bodies(comment.get("replies") or [])


def minutes(words: int) -> int:
    return max(1, math.floor(words / WORDS_PER_MINUTE + 0.5))


def reading_time(build, page: str) -> str:
    header = build.html(page).select_one(".techblog-post-header p.post-meta")
    return header.select_one(".post-reading-time").get_text(strip=True)


def as_datetime(value) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=site_timezone()) if moment.tzinfo is None else moment


def test_reading_time_counts_the_body_at_230_words_a_minute(tiny):
    expected = minutes(body_words(ROOT / "posts/2023/long-read.md"))
    assert expected > 1
    assert reading_time(tiny, "posts/2023/long-read.html") == f"{expected} min read"
    assert reading_time(tiny, "posts/2023/with-image.html") == "1 min read"  # a few words: at least 1


def test_reading_time_counts_a_long_excerpt_once(tiny):
    """ABlog keeps a copy of the excerpt (the text before <!-- more -->) in the page's doctree."""
    source = ROOT / "posts/2023/jump-break.md"
    excerpt = front_matter_and_body(source)[1].split("<!-- more -->")[0].split("\n", 3)[3]
    assert minutes(body_words(source) + len(excerpt.split())) > minutes(body_words(source))
    assert reading_time(tiny, "posts/2023/jump-break.html") == f"{minutes(body_words(source))} min read"


def test_reading_time_leaves_out_archived_comments(tiny):
    source = ROOT / "legacy/2014/03/old.md"
    assert minutes(body_words(source, with_comments=True)) > 2  # the comments alone take minutes
    assert reading_time(tiny, "legacy/2014/03/old.html") == f"{minutes(body_words(source))} min read"


def test_last_updated_is_shown_in_the_site_zone_when_it_is_a_later_day(tiny):
    meta, _ = front_matter_and_body(ROOT / "posts/2023/with-image.md")
    updated = as_datetime(meta["updated"]).astimezone(site_timezone())
    assert updated.date() != as_datetime(meta["updated"]).date()  # the zone moves it to the next day
    line = tiny.html("posts/2023/with-image.html").select_one(".techblog-post-header .post-updated")
    assert line.get_text(" ", strip=True) == "Last updated " + updated.strftime("%d %B %Y")
    assert line.time["datetime"] == updated.isoformat()
    # updated later the same day: the date alone says it
    for page in ("posts/2023/long-read", "legacy/2014/03/old"):
        meta, _ = front_matter_and_body(ROOT / f"{page}.md")
        assert meta["updated"]
        assert not tiny.html(f"{page}.html").select(".post-updated"), page


def test_every_real_post_shows_its_reading_time_and_last_update(site):
    for post in published_posts(REPO):
        page = post.path + ".html"
        shown = re.fullmatch(r"(\d+) min read", reading_time(site, page))
        assert shown, page
        # Markdown syntax (links, tables) makes the source estimate a little high
        assert abs(int(shown[1]) - minutes(body_words(REPO / f"{post.path}.md"))) <= 1, page
        updated = post.front_matter.get("updated")
        later = updated and as_datetime(updated).astimezone(site_timezone()).date() > post.date.date()
        assert bool(site.html(page).select(".techblog-post-header .post-updated")) == bool(later), page
    assert any(p.front_matter.get("updated") for p in published_posts(REPO))


def test_listings_keep_their_post_meta(site):
    # post-meta.html is shared with listings: no reading time or update line there
    item = site.html("index.html").select_one("article.post-summary")
    assert item.select_one("time.post-date") and not item.select(".post-reading-time, .post-updated")
