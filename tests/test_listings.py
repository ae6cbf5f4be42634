"""Pages that list posts stay right across incremental builds, and ABlog's
shared state does not leak from one build to the next."""

from __future__ import annotations

import shutil

import pytest
from bs4 import BeautifulSoup

POST = """---
date: {date}
author: alice
category: operations
tags: {tags}
---

# {title}

{body}
"""


def listed(app, page="index.html") -> list[str]:
    soup = BeautifulSoup((app.outdir / page).read_text(encoding="utf-8"), "html.parser")
    return [a.get_text(strip=True) for a in soup.select(".post-summary-title a")]


def rebuild(make_app, app):
    """A new application over the same source and output, as a second `make html`."""
    again = make_app("html", srcdir=app.srcdir)
    again.build()
    return again


@pytest.mark.sphinx("html", testroot="listings")
def test_listing_follows_added_edited_and_removed_posts(app, make_app, warning):
    app.build()
    assert listed(app) == ["Published post"]

    new = app.srcdir / "posts/2024/added.md"
    new.parent.mkdir()
    new.write_text(POST.format(date="2024-02-01", tags="ceph", title="Added post", body="New."))
    app = rebuild(make_app, app)
    assert listed(app) == ["Added post", "Published post"]

    new.write_text(POST.format(date="2024-02-01", tags="ceph", title="Renamed post", body="New."))
    app = rebuild(make_app, app)
    assert listed(app) == ["Renamed post", "Published post"]

    shutil.rmtree(new.parent)
    app = rebuild(make_app, app)
    assert listed(app) == ["Published post"]


@pytest.mark.sphinx("html", testroot="listings")
def test_noop_rebuild_reads_no_source(app, make_app, status):
    app.build()
    status.truncate(0)
    status.seek(0)
    again = make_app("html", srcdir=app.srcdir, status=status)
    again.build()
    assert "0 added, 0 changed, 0 removed" in status.getvalue()


@pytest.mark.sphinx("html", testroot="listings")
def test_links_to_tag_pages_resolve_when_no_post_is_reread(app, make_app, warning):
    app.build()
    (app.srcdir / "index.md").write_text((app.srcdir / "index.md").read_text() + "\nMore.\n")
    again = make_app("html", srcdir=app.srcdir, warning=warning)
    again.build()
    assert "undefined label" not in warning.getvalue()
    soup = BeautifulSoup((again.outdir / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.select_one("a[href='blog/tag/openstack.html']")


@pytest.mark.sphinx("html", testroot="drafts")
def test_a_second_site_does_not_see_the_first_sites_posts(app, make_app, rootdir, tmp_path):
    app.build()
    other_src = tmp_path / "other"
    shutil.copytree(rootdir / "test-listings", other_src)
    (other_src / "posts/2023/published.md").write_text(
        POST.format(date="2023-01-01", tags="kubernetes", title="Post of the other site", body="Hi."))
    other = make_app("html", srcdir=other_src)
    other.build()
    assert listed(other) == ["Post of the other site"]
    assert not (other.outdir / "blog/tag/openstack.html").exists()
