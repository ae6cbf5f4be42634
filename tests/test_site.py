"""The real site: built once with -W, checked as a reader and a feed reader see it."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urljoin

import feedparser
import pytest

from conftest import REPO, sphinx_build
from sources import conf, published_posts

BASEURL = conf()["blog_baseurl"]  # conf.py's, which TECHBLOG_BASEURL sets
POSTS = published_posts(REPO)
SITE_FEED = "blog/atom.xml"


def resolve(page: str, href: str) -> str:
    """The output path a relative link on ``page`` points to."""
    return str(PurePosixPath(urljoin("/" + page, href.split("#")[0])).relative_to("/"))


def titles(soup, selector: str) -> list[str]:
    return [a.get_text(" ", strip=True) for a in soup.select(selector)]


def listed_titles(site, page: str) -> list[str]:
    """Post titles on a listing page and the pages after it (pages of 20)."""
    found = []
    while page:
        soup = site.html(page)
        found += titles(soup, "article.bd-article .post-summary-title a")
        following = soup.select_one("nav.techblog-pagination a[rel=next]")
        page = resolve(page, following["href"]) if following else None
    return found


def catalog_links(site, catalog_page: str) -> dict[str, str]:
    """Collection name -> page, as linked from an ABlog catalog page."""
    soup = site.html(catalog_page)
    return {
        a.get_text(strip=True): resolve(catalog_page, a["href"])
        for a in soup.select(".ablog__catalog_header h2 a")
    }


def test_builds_with_zero_warnings(site):
    assert site.returncode == 0, site.output
    assert "WARNING" not in site.output
    assert "build succeeded" in site.output


def test_sample_content_covers_what_authors_use(site):
    assert len([p for p in POSTS if p.path.startswith("posts/")]) >= 8
    assert len({a for p in POSTS for a in p.authors}) >= 3
    assert len({p.category for p in POSTS if p.path.startswith("posts/")}) >= 2
    assert len({p.date.year for p in POSTS if p.path.startswith("posts/")}) >= 2
    communities = {"openstack", "rdo", "centos", "puppet", "foreman", "elastic", "grafana",
                   "collectd", "kubernetes", "ceph"}
    assert len(communities & {t for p in POSTS for t in p.tags}) >= 6
    bodies = [site.html(p.path + ".html").select_one("article.bd-article") for p in POSTS
              if p.path.startswith("posts/")]
    for feature in ["div.highlight pre", "img", "table", "div.admonition", "aside.footnote",
                    "a.reference.internal[href$='.html']"]:
        assert any(b.select(feature) for b in bodies), feature


def test_navbar_has_every_section_and_each_link_works(site):
    for page in ["index.html", POSTS[0].path + ".html", "blog/tag/openstack.html"]:
        nav = site.html(page).select("#pst-header nav[aria-label=Site] a.nav-link")
        assert [a.get_text(strip=True) for a in nav] == [
            "Home", "Posts", "Tags", "Categories", "Archive", "Talks", "Legacy", "About"]
        for a in nav:
            target = resolve(page, a["href"]) if a["href"] != "#" else page
            assert (site.outdir / target).is_file(), (page, a["href"])


def test_every_page_advertises_the_site_feed(site):
    pages = [p for p in site.outdir.rglob("*.html")
             # 404.html links from the site's path, for any depth (test_discovery.py checks it)
             if p.name not in {"search.html", "genindex.html", "404.html"} and "_static" not in p.parts
             and "This page has moved" not in p.read_text()]  # redirects from the old blog's addresses
    assert len(pages) > 40
    for path in pages:
        page = path.relative_to(site.outdir).as_posix()
        feeds = [resolve(page, link["href"]) for link in site.html(page).select(
            "link[rel=alternate][type='application/atom+xml']")]
        assert SITE_FEED in feeds, page
    # and a visible link to it in the navbar
    link = site.html("index.html").select_one("a.techblog-feed-link")
    assert resolve("index.html", link["href"]) == SITE_FEED


def test_home_lists_the_ten_newest_posts_newest_first(site):
    soup = site.html("index.html")
    items = soup.select(".techblog-post-list article.post-summary")
    assert titles(soup, ".post-summary-title a") == [p.title for p in POSTS[:10]]
    for item, post in zip(items, POSTS):
        assert item.select_one("time.post-date")["datetime"] == post.date.isoformat()
        assert len(item.select("a.post-author")) == len(post.authors)
        assert [a.get_text() for a in item.select("a.post-tag")] == list(post.tags)
        assert item.select_one(".post-excerpt").get_text(strip=True)


def test_post_page_header_links_authors_category_and_tags(site):
    post = next(p for p in POSTS if len(p.authors) > 1 and p.path.startswith("posts/"))
    page = post.path + ".html"
    header = site.html(page).select_one("article .techblog-post-header")
    assert header.find_previous("h1").get_text(strip=True).startswith(post.title)
    authors = header.select("a.post-author")
    assert len(authors) == len(post.authors)
    for a in authors:
        assert post.title in listed_titles(site, resolve(page, a["href"]))
    for a in header.select("a.post-tag, a.post-category"):
        assert post.title in listed_titles(site, resolve(page, a["href"]))


def test_posts_have_one_prev_next_bar_in_date_order(site):
    chronological = list(reversed(POSTS))
    for i, post in enumerate(chronological):
        page = post.path + ".html"
        soup = site.html(page)
        assert not soup.select(".ablog__prev-next"), "ABlog's bar is off"
        assert len(soup.select(".prev-next-area")) == 1
        prev, nxt = soup.select_one("a.left-prev"), soup.select_one("a.right-next")
        expected_prev = chronological[i - 1] if i > 0 else None
        expected_next = chronological[i + 1] if i + 1 < len(chronological) else None
        assert (resolve(page, prev["href"]) if prev else None) == (
            expected_prev.path + ".html" if expected_prev else None)
        assert (resolve(page, nxt["href"]) if nxt else None) == (
            expected_next.path + ".html" if expected_next else None)
    assert not site.html("about.html").select("a.left-prev, a.right-next")


def test_left_navigation_stays_on_post_pages(site):
    for post in POSTS:
        soup = site.html(post.path + ".html")
        assert soup.select("#pst-primary-sidebar nav.bd-docs-nav a.reference"), post.path


def test_legacy_toctree_is_separate_from_the_posts_toctree(site):
    new = next(p for p in POSTS if p.path.startswith("posts/"))
    old = next(p for p in POSTS if p.path.startswith("legacy/"))
    for post, own, other in [(new, "posts/", "legacy/"), (old, "legacy/", "posts/")]:
        page = post.path + ".html"
        links = [resolve(page, a["href"]) for a in
                 site.html(page).select("#pst-primary-sidebar nav.bd-docs-nav a.reference")]
        assert links and all(link.startswith(own) for link in links), links
        assert not any(link.startswith(other) for link in links)
    # the navbar shows Legacy as its own section, active on legacy posts
    active = site.html(old.path + ".html").select_one("#pst-header nav[aria-label=Site] li.active a")
    assert active.get_text(strip=True) == "Legacy"


def test_legacy_landing_lists_every_legacy_post_newest_first(site):
    soup = site.html("legacy/index.html")
    assert soup.select_one("a[href='https://openstack-in-production.blogspot.com/']")
    legacy = [p.title for p in POSTS if p.path.startswith("legacy/")]
    assert len(legacy) >= 3
    assert listed_titles(site, "legacy/index.html") == legacy


def test_legacy_posts_show_where_they_were_first_published(site):
    for post in [p for p in POSTS if p.path.startswith("legacy/")]:
        banner = site.html(post.path + ".html").select_one(".legacy-banner")
        text = banner.get_text(" ", strip=True)
        assert text.startswith("Originally published on OpenStack in Production on")
        assert post.date.strftime("%d %B %Y") in text
        assert banner.select_one("a.legacy-original")["href"] == post.front_matter["original_url"]
    new = next(p for p in POSTS if p.path.startswith("posts/"))
    assert not site.html(new.path + ".html").select(".legacy-banner")


@pytest.mark.parametrize("catalog, attr", [
    ("blog/tag.html", "tags"), ("blog/category.html", "category"), ("blog/archive.html", "year"),
])
def test_each_collection_page_lists_exactly_its_posts_newest_first(site, catalog, attr):
    pages = catalog_links(site, catalog)
    # The catalog links one page per collection the published posts make, no
    # more and no fewer: the names come from the sources, not from the catalog.
    assert sorted(pages) == sorted(_collections(attr))
    for name, page in pages.items():
        expected = [p.title for p in POSTS if _belongs(p, attr, name)]
        assert expected, name
        assert listed_titles(site, page) == expected, page


def _collections(attr) -> set[str]:
    """Collection names (as the catalog shows them) of the published posts."""
    if attr == "tags":
        return {t for p in POSTS for t in p.tags}
    if attr == "year":
        return {str(p.date.year) for p in POSTS}
    return {conf()["techblog_categories"][p.category][0] for p in POSTS}


def _belongs(post, attr, name) -> bool:
    if attr == "tags":
        return name in post.tags
    if attr == "year":
        return str(post.date.year) == name
    return post.category.lower() == name.lower()


def test_author_pages_list_exactly_their_posts(site):
    soup = site.html("blog/author.html")
    pages = {a.get_text(strip=True): resolve("blog/author.html", a["href"])
             for a in soup.select(".ablog__catalog_header h2 a")}
    names = {"Alice Martin": "alice", "Bruno Keller": "bruno", "Chiara Rossi": "chiara",
             "Daniel Okafor": "daniel", "Tomás Ortega": "tomas"}
    assert set(pages) == set(names)
    for name, page in pages.items():
        expected = [p.title for p in POSTS if names[name] in p.authors]
        assert listed_titles(site, page) == expected


def test_each_tag_feed_holds_exactly_the_tagged_posts_with_absolute_links(site):
    for name, page in catalog_links(site, "blog/tag.html").items():
        soup = site.html(page)
        feeds = [resolve(page, link["href"]) for link in soup.select(
            "link[rel=alternate][type='application/atom+xml']")]
        own = [f for f in feeds if f != SITE_FEED]
        assert len(own) == 1 and SITE_FEED in feeds, page
        feed = feedparser.parse((site.outdir / own[0]).read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        expected = [p for p in POSTS if name in p.tags][:20]
        assert [e.title for e in feed.entries] == [p.title for p in expected]
        assert [e.link for e in feed.entries] == [BASEURL + p.path + ".html" for p in expected]


def test_site_feed_has_every_post_with_absolute_links(site):
    feed = feedparser.parse((site.outdir / SITE_FEED).read_bytes())
    assert [e.link for e in feed.entries] == [BASEURL + p.path + ".html" for p in POSTS[:20]]


def test_second_build_with_nothing_changed_reads_no_source(site):
    again = sphinx_build(REPO, site.outdir, site.doctreedir)
    assert again.returncode == 0, again.output
    assert "0 added, 0 changed, 0 removed" in again.output, again.output
