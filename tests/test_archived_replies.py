"""Answers to archived comments, at the HTML level: what the build gives the
script (tests/roots/test-archived-replies), where it does not, and that the
archive itself is the same HTML as without the feature. (The browser tests in
tests/browser/test_archived_replies.py answer comments through a real Isso.)"""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import lxml.html
import pytest

from conftest import REPO, sphinx_build
from sources import conf

ROOT = REPO / "tests" / "roots" / "test-archived-replies"
OPEN = "legacy/2015/06/old-thread.html"
CLOSED = "legacy/2015/06/closed-thread.html"
SCRIPT = "//script[contains(@src, 'techblog-archived-replies.js')]"
ARCHIVE = "//section[contains(@class, 'techblog-archived-comments')]"
FEATURE_ATTRIBUTES = ("data-replies-thread", "data-replies-title")


def build(tmp_path, *options):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    result = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees", *options)
    assert result.returncode == 0, result.output
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build(tmp_path_factory.mktemp("replies"))


@pytest.fixture(scope="module")
def site_without_comments(tmp_path_factory):
    """The same site with comments off: the archive as it was before readers could answer it."""
    return build(tmp_path_factory.mktemp("replies-off"), "-D", "techblog_comments_server=")


def page(build, name: str):
    return lxml.html.parse(str(build.outdir / name)).getroot()


def thread_key(name: str) -> str:
    return urlsplit(conf()["blog_baseurl"]).path.rstrip("/") + "/" + name


def test_an_answerable_archive_names_its_thread_and_title(site):
    html = page(site, OPEN)
    (section,) = html.xpath(ARCHIVE)
    assert section.get("data-replies-thread") == thread_key(OPEN)
    # The same key as the post's own Isso thread: the script adds "#c<id>" to it.
    assert html.get_element_by_id("isso-thread").get("data-isso-id") == section.get("data-replies-thread")
    assert section.get("data-replies-title") == "A legacy post with archived comments"
    # Every archived comment keeps its old anchor, nested replies and deleted ones too.
    assert section.xpath(".//article[contains(@class, 'comment')]/@id") == ["c1001", "c1002", "c1004", "c1003"]


def test_the_script_is_on_answerable_archives_only(site):
    (script,) = page(site, OPEN).xpath(SCRIPT)
    assert script.get("data-comments-server") == "/comments"
    assert script.get("defer") is not None
    assert (site.outdir / "_static" / "techblog-archived-replies.js").is_file()
    for name in [CLOSED, "posts/2024/open-thread.html", "index.html", "legacy/index.html", "about.html"]:
        assert page(site, name).xpath(SCRIPT) == [], name


def test_a_post_that_takes_no_comments_keeps_a_read_only_archive(site):
    html = page(site, CLOSED)
    (section,) = html.xpath(ARCHIVE)
    assert [name for name in FEATURE_ATTRIBUTES if section.get(name) is not None] == []
    assert section.xpath(".//article/@id") == ["c2001"]


def test_without_comments_nothing_is_answerable(site_without_comments):
    for name in [OPEN, CLOSED]:
        html = page(site_without_comments, name)
        (section,) = html.xpath(ARCHIVE)
        assert [a for a in FEATURE_ATTRIBUTES if section.get(a) is not None] == [], name
        assert html.xpath(SCRIPT) == [], name


def archive_html(build, name: str, drop=()) -> str:
    (section,) = page(build, name).xpath(ARCHIVE)
    for attribute in drop:
        section.attrib.pop(attribute, None)
    return lxml.html.tostring(section, encoding="unicode")


@pytest.mark.parametrize("name", [OPEN, CLOSED])
def test_the_archive_is_the_same_html_as_without_the_feature(site, site_without_comments, name):
    """Only the two attributes are new: without JavaScript the archive reads as before."""
    assert archive_html(site, name, drop=FEATURE_ATTRIBUTES) == archive_html(site_without_comments, name)
    assert "<button" not in archive_html(site, name) and "<form" not in archive_html(site, name)


def test_a_hostile_title_stays_text_in_the_attribute(hostile_site):
    html = page(hostile_site, "legacy/2014/03/old.html")
    (section,) = html.xpath(ARCHIVE)
    assert section.get("data-replies-title") == """An old post <script>alert("XSS")</script>"""
    assert section.get("data-replies-thread") == thread_key("legacy/2014/03/old.html")
