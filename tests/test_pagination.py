"""Long listings in pages of 20, on the generated 200-post site (generated_site.py).

The expected answers come from the generated sources (tests/sources.py),
never from the build; links are followed as a reader would follow them.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import REPO, sphinx_build
from generated_site import PUBLISHED

PER_PAGE = 20


def resolve(page: str, href: str) -> str:
    """The output file a relative link on ``page`` points to."""
    return str(PurePosixPath(urlsplit(urljoin("/" + page, href)).path).relative_to("/"))


def html(post) -> str:
    return post.path + ".html"


def listed(soup) -> list[str]:
    """The pages of the posts a listing page shows, in order."""
    return [a["href"] for a in soup.select("article.bd-article .post-summary-title a")]


def walk(build, first: str, rel: str = "next") -> list[str]:
    """Pages visited from ``first`` following ``rel`` links, ``first`` included."""
    pages = [first]
    while link := build.html(pages[-1]).select_one(f"nav.techblog-pagination a[rel={rel}]"):
        target = resolve(pages[-1], link["href"])
        assert target not in pages, f"{pages[-1]} leads back to {target}"
        pages.append(target)
    return pages


def listing(build, first: str) -> tuple[list[str], list[str]]:
    """(pages of the listing, posts on them in order) from page 1 on."""
    pages = walk(build, first)
    shown = [resolve(page, href) for page in pages for href in listed(build.html(page))]
    return pages, shown


def check_listing(build, first: str, expected: list) -> list[str]:
    """Every expected post exactly once, newest first, 20 a page, numbered, and back again."""
    pages, shown = listing(build, first)
    assert shown == [html(p) for p in expected], first
    count = math.ceil(len(expected) / PER_PAGE)
    assert len(pages) == count, first
    for number, page in enumerate(pages, start=1):
        soup = build.html(page)
        assert len(listed(soup)) == (PER_PAGE if number < count else len(expected) - PER_PAGE * (count - 1))
        if count > 1:
            nav = soup.select_one("nav.techblog-pagination[aria-label=Pages]")
            assert nav.select_one("[aria-current=page]").get_text(strip=True) == f"Page {number} of {count}"
            first_link = nav.find("a", string=re.compile("First"))
            last_link = nav.find("a", string=re.compile("Last"))
            assert (resolve(page, first_link["href"]) if first_link else page) == pages[0]
            assert (resolve(page, last_link["href"]) if last_link else page) == pages[-1]
        else:
            assert not soup.select("nav.techblog-pagination")
    assert walk(build, pages[-1], rel="prev") == pages[::-1], first
    return pages


def test_the_200_post_site_builds_cleanly(paged, posts):
    # How long it takes is for bench/build_speed.py, not for a test.
    assert paged.returncode == 0, paged.output
    assert "WARNING" not in paged.output


def test_all_posts_pages_visit_every_published_post_once_newest_first(paged, posts):
    pages = check_listing(paged, "posts/index.html", posts)
    assert len(pages) == math.ceil(PUBLISHED / PER_PAGE) == 10
    assert pages[1] == "posts/page/2.html" and pages[-1] == "posts/page/10.html"
    # Page 1 is still the document, with its title and table of contents.
    assert paged.html("posts/index.html").title.get_text().startswith("Posts")
    assert paged.html("posts/page/2.html").title.get_text().startswith("Posts, page 2 of 10")


def test_head_links_match_the_page_navigation(paged, posts):
    pages = ["posts/index.html", "posts/page/2.html", "posts/page/10.html", "blog/tag/openstack/page/2.html"]
    for page in pages:
        soup = paged.html(page)
        for rel in ["prev", "next"]:
            head = soup.select_one(f"head link[rel={rel}]")
            nav = soup.select_one(f"nav.techblog-pagination a[rel={rel}]")
            assert (head and resolve(page, head["href"])) == (nav and resolve(page, nav["href"])), (page, rel)
    assert not paged.html("posts/index.html").select("head link[rel=prev]")


def collections(posts, kind: str) -> dict[str, list]:
    """Collection name as ABlog shows it -> its posts, newest first, from the sources."""
    names = {"alice": "Alice Martin", "bruno": "Bruno Keller", "chiara": "Chiara Rossi",
             "daniel": "Daniel Okafor"}
    categories = {"legacy": "Legacy", "operations": "Operations", "upstream": "Upstream"}
    found: dict[str, list] = {}
    for post in posts:
        if kind == "tag":
            labels = post.tags
        elif kind == "author":
            labels = [names[a] for a in post.authors]
        elif kind == "category":
            labels = [categories[c.strip()] for c in post.category.split(",")]
        else:
            labels = [str(post.date.year)]
        for label in labels:
            found.setdefault(label, []).append(post)
    return found


@pytest.mark.parametrize("catalog, kind", [
    ("blog/tag.html", "tag"), ("blog/category.html", "category"), ("blog/author.html", "author"),
    ("blog/archive.html", "year"),
])
def test_each_collection_lists_exactly_its_posts_in_pages(paged, posts, catalog, kind):
    expected = collections(posts, kind)
    soup = paged.html(catalog)
    firsts = {a.get_text(strip=True): resolve(catalog, a["href"])
              for a in soup.select(".ablog__catalog_header h2 a")}
    assert set(firsts) == set(expected)
    assert any(len(p) > 2 * PER_PAGE for p in expected.values()), "some collection needs three pages or more"
    for name, first in firsts.items():
        pages = check_listing(paged, first, expected[name])
        stem = first.removesuffix(".html")
        assert pages == [first] + [f"{stem}/page/{n}.html" for n in range(2, len(pages) + 1)]


def test_a_tag_page_2_keeps_page_1s_title_feeds_and_sidebars(paged, posts):
    first, second = paged.html("blog/tag/openstack.html"), paged.html("blog/tag/openstack/page/2.html")
    count = math.ceil(len([p for p in posts if "openstack" in p.tags]) / PER_PAGE)
    assert first.title.get_text().startswith("Posts tagged openstack —")
    assert second.title.get_text().startswith(f"Posts tagged openstack, page 2 of {count} —")

    def feeds(soup, page):
        links = soup.select("link[rel=alternate][type='application/atom+xml']")
        return sorted(resolve(page, link["href"]) for link in links)

    assert feeds(first, "blog/tag/openstack.html") == feeds(second, "blog/tag/openstack/page/2.html") == [
        "blog/atom.xml", "blog/tag/openstack/atom.xml"]
    assert [h.get_text(strip=True) for h in second.select("#pst-primary-sidebar h3")] == [
        h.get_text(strip=True) for h in first.select("#pst-primary-sidebar h3")]
    assert "Feed: openstack" in second.select_one(".techblog-feeds").get_text()


def test_legacy_landing_lists_the_legacy_posts_in_pages(paged, posts):
    legacy = [p for p in posts if "legacy" in p.category]
    assert len(legacy) > PER_PAGE * 2
    pages = check_listing(paged, "legacy/index.html", legacy)
    assert pages[1:] == [f"legacy/page/{n}.html" for n in range(2, len(pages) + 1)]


def test_home_shows_the_ten_newest_and_links_to_all_posts(paged, posts):
    soup = paged.html("index.html")
    assert [resolve("index.html", h) for h in listed(soup)] == [html(p) for p in posts[:10]]
    assert not soup.select("nav.techblog-pagination")
    links = {resolve("index.html", a["href"]) for a in soup.select("article.bd-article a")}
    assert "posts/index.html" in links


def internal_links(soup) -> list[str]:
    links = [tag.get("href") for tag in soup.select("a[href], link[href]")] + [
        tag.get("src") for tag in soup.select("script[src], img[src]")]
    return [link for link in links if link and not urlsplit(link).scheme and not link.startswith("#")]


def test_every_link_on_paginated_pages_leads_to_a_built_file(paged, posts):
    out = paged.outdir
    generated = sorted(p.relative_to(out).as_posix() for p in out.rglob("page/*.html"))
    assert "blog/tag/openstack/page/2.html" in generated and "blog/2021/page/3.html" in generated
    for page in ["posts/index.html", "legacy/index.html", "blog/tag/openstack.html", *generated]:
        for href in internal_links(paged.html(page)):
            assert (out / resolve(page, href)).is_file(), (page, href)


def test_each_listed_posts_labels_lead_to_their_own_pages(paged, posts):
    """A listed post's tag, author and category links lead to the page of that
    label, wherever the post is listed (the same post is drawn once per folder
    and kept between builds: its link to the page it is shown on differs)."""
    out = paged.outdir
    pages = ["index.html", "posts/index.html", "blog/tag/openstack.html", "blog/tag/ceph.html",
             "blog/category/upstream.html", "blog/author/alice-martin.html", "blog/2021.html",
             *sorted(p.relative_to(out).as_posix() for p in out.rglob("blog/tag/*/page/*.html"))]
    titles = {}  # a label's page, parsed once (it is linked hundreds of times)
    checked = 0
    for page in pages:
        for summary in paged.html(page).select("article.post-summary"):
            for link in summary.select("a.post-tag, a.post-author, a.post-category"):
                target = resolve(page, link["href"])
                if target not in titles:
                    titles[target] = paged.html(target).select_one("article.bd-article h1").get_text(" ", strip=True)
                title = titles[target]
                assert link.get_text(strip=True) in title, (page, link["href"], title)
                checked += 1
    assert checked > 500


def test_excerpt_links_resolve_from_deep_pages(paged, posts):
    page = "blog/tag/openstack/page/2.html"
    hrefs = [a["href"] for a in paged.html(page).select(".post-excerpt a")]
    assert hrefs and {resolve(page, h) for h in hrefs} == {"blog/tag/openstack.html"}


def test_blog_html_is_no_second_listing(paged, posts):
    soup = paged.html("blog.html")
    assert not soup.select(".post-summary, .ablog-post")
    refresh = soup.select_one("meta[http-equiv=refresh]")["content"]
    assert resolve("blog.html", refresh.split("url=", 1)[1]) == "posts/index.html"
    # ABlog's "Recent Posts" heading leads to the one listing, not to blog.html.
    for page in ["index.html", "blog/tag.html"]:
        heading = paged.html(page).select_one(".ablog__recentposts h3 a")
        assert resolve(page, heading["href"]) == "posts/index.html"


def test_unpublished_posts_are_on_no_page(paged, posts):
    for page in paged.outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "Post 300" not in text and "Post 301" not in text, page


@pytest.mark.parametrize("first, number, expected", [
    ("posts/index", 1, "posts/index"), ("posts/index", 2, "posts/page/2"), ("index", 3, "page/3"),
    ("blog/tag/openstack", 2, "blog/tag/openstack/page/2"), ("blog/2021", 12, "blog/2021/page/12"),
])
def test_page_n_of_x_html_is_x_page_n_html(first, number, expected):
    from techblog.pages.pagination import page_docname

    assert page_docname(first, number) == expected


def test_a_listing_is_either_limited_or_paginated(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests/roots/test-listings", src)
    index = src / "index.md"
    index.write_text(index.read_text().replace("```{blogposts}\n", "```{blogposts}\n:limit: 3\n:paginate:\n"))
    build = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode != 0
    assert "index.md:5: ERROR: blogposts: use either :limit: (the newest N) or :paginate:" in build.output


@pytest.mark.parametrize("page, above, level", [
    ("index.html", "h1", 2),  # the home page's listing, right under its title
    ("legacy/index.html", "h2", 3),  # under "## All legacy posts"
    ("legacy/page/2.html", "h1", 2),  # its page 2: a generated page, one h1
    ("posts/page/2.html", "h1", 2),
    ("blog/tag/openstack.html", "h1", 2),
    ("blog/tag/openstack/page/2.html", "h1", 2),
    ("blog/2021.html", "h1", 2),
])
def test_a_listed_posts_title_is_one_level_below_the_listings_heading(paged, page, above, level):
    """Headings skip no level (axe: heading-order): screen reader users move
    by heading level. The post titles of a listing are all of one level, and
    the nearest heading before the first is one level up."""
    article = paged.html(page).select_one("article.bd-article")
    titles = article.select(".post-summary-title")
    assert titles and {t.name for t in titles} == {f"h{level}"}
    headings = article.find_all(re.compile(r"^h[1-6]$"))
    before = headings[headings.index(titles[0]) - 1]
    assert before.name == above
