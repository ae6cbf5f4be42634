"""Future-dated posts and `draft: true` posts stay out of the published site."""

from __future__ import annotations

import feedparser
import pytest
from bs4 import BeautifulSoup

DRAFTS = ["Future post", "Marked draft"]


def page(app, name: str) -> str:
    return (app.outdir / name).read_text(encoding="utf-8")


@pytest.mark.sphinx("html", testroot="drafts")
def test_drafts_are_absent_from_listings_feeds_and_navigation(app, warning):
    app.build()
    assert warning.getvalue() == ""
    home = page(app, "index.html")
    assert "Published post" in home
    listed = [page(app, p) for p in ["index.html", "blog.html", "blog/tag/openstack.html",
                                     "blog/archive.html", "blog/category/operations.html",
                                     "posts/2023/published.html"]]
    feeds = [feedparser.parse(page(app, f)) for f in ["blog/atom.xml", "blog/tag/openstack/atom.xml"]]
    for feed in feeds:
        assert [e.title for e in feed.entries] == ["Published post"]
    for title in DRAFTS:
        assert all(title not in html for html in listed), title
    assert not (app.outdir / "posts/2999/future.html").exists()
    assert not (app.outdir / "posts/2023/marked-draft.html").exists()
    nav = BeautifulSoup(page(app, "posts/2023/published.html"), "html.parser").select(
        "nav.bd-docs-nav ul.bd-sidenav a.reference")
    assert [a.get_text(strip=True) for a in nav] == ["Published post"]


@pytest.mark.sphinx("html", testroot="drafts", confoverrides={"techblog_show_drafts": True})
def test_drafts_are_built_for_a_preview(app, warning):
    app.build()
    assert (app.outdir / "posts/2999/future.html").exists()
    assert (app.outdir / "posts/2023/marked-draft.html").exists()
