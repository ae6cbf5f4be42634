"""Every feed of the real site is valid Atom (RFC 4287) and says what the
sources say: ids, authors, dates, links."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import feedparser
import pytest

from atom import A, parse, violations
from conftest import REPO
from sources import author_name, conf, published_posts

BASEURL = conf()["blog_baseurl"]  # conf.py's, which TECHBLOG_BASEURL sets
POSTS = {p.path: p for p in published_posts(REPO)}


@pytest.fixture(scope="module")
def feeds(site) -> dict:
    """Feed path (relative to the site) -> parsed XML root: the posts' feeds
    (the talks feed, talks/atom.xml, is tests/test_talks.py's)."""
    assert site.returncode == 0, site.output
    found = {p.relative_to(site.outdir).as_posix(): parse(p.read_bytes()) for p in site.outdir.rglob("atom.xml")
             if p.relative_to(site.outdir).as_posix() != "talks/atom.xml"}
    assert len(found) > 20  # site, every tag, category, author and year
    return found


def entry_post(entry):
    href = entry.find(A + "link[@rel='alternate']").get("href")
    assert href.startswith(BASEURL) and href.endswith(".html"), href
    return POSTS[href[len(BASEURL):-len(".html")]]


def test_every_feed_conforms_to_rfc_4287(site, feeds):
    for path, root in feeds.items():
        assert violations(root) == [], path
        parsed = feedparser.parse((site.outdir / path).read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))


def test_feed_ids_are_unique_and_an_entry_keeps_its_id_in_every_feed(feeds):
    feed_ids = [root.findtext(A + "id") for root in feeds.values()]
    assert len(feed_ids) == len(set(feed_ids))
    ids_of_post = defaultdict(set)
    for root in feeds.values():
        for entry in root.findall(A + "entry"):
            ids_of_post[entry_post(entry).path].add(entry.findtext(A + "id"))
    assert all(len(ids) == 1 for ids in ids_of_post.values()), ids_of_post
    every_id = [next(iter(ids)) for ids in ids_of_post.values()]
    assert len(every_id) == len(set(every_id)), "two posts share an entry id"
    assert not set(every_id) & set(feed_ids)


def test_each_feed_names_its_own_address(feeds):
    for path, root in feeds.items():
        (self_link,) = root.findall(A + "link[@rel='self']")
        assert self_link.get("href") == BASEURL + path


def test_every_entry_lists_all_the_authors_of_its_post(feeds):
    multi = 0
    for root in feeds.values():
        for entry in root.findall(A + "entry"):
            post = entry_post(entry)
            names = [a.findtext(A + "name") for a in entry.findall(A + "author")]
            assert names == [author_name(key) for key in post.authors], post.path
            multi += len(names) > 1
    assert multi, "the sample posts include multi-author ones"


def when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_entry_dates_are_the_posts_dates_with_an_explicit_offset(feeds):
    for root in feeds.values():
        for entry in root.findall(A + "entry"):
            post = entry_post(entry)
            published = entry.findtext(A + "published")
            assert when(published) == post.date, post.path  # the same instant
            written = post.front_matter["date"]
            if isinstance(written, dt.datetime) and written.tzinfo:
                assert when(published).utcoffset() == written.utcoffset()  # the author's offset is kept
            else:
                assert when(published).utcoffset() == post.date.utcoffset()  # the site's zone, not TZ


def test_feed_updated_is_its_newest_entry_not_the_build_time(feeds):
    for path, root in feeds.items():
        newest = max(when(e.findtext(A + "updated")) for e in root.findall(A + "entry"))
        assert when(root.findtext(A + "updated")) == newest, path


def test_links_and_images_inside_entries_are_absolute_and_lead_to_built_files(site, feeds):
    internal = images = 0
    for path, root in feeds.items():
        for content in root.iter(A + "content"):
            for attr, url in re.findall(r'\b(href|src)="([^"]+)"', content.text or ""):
                assert re.match(r"https?://", url), (path, url)
                if url.startswith(BASEURL):
                    assert (site.outdir / url[len(BASEURL):].split("#")[0]).is_file(), (path, url)
                    internal += 1
                    images += attr == "src"
    assert internal and images, "the sample posts link to each other and show an image"
