"""Sidebars show what is near a page, not the whole site (techblog/pages/sidebars.py).

On the generated 200-post site (generated_site.py): a post's left navigation
lists the posts around it in its own section, a tag (category, author, year)
page lists the others of its kind, and the lists of the whole site (recent
posts, tag cloud, categories, archives) stay on the home, about and catalog
pages. The expected lists come from the generated sources.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

import pytest

from sources import author_name

AROUND = 5  # conf.py keeps the default techblog_nearby_posts
SITE_WIDE = ".ablog__recentposts, .ablog__tagcloud, .ablog__categories, .ablog__archives"


def resolve(page: str, href: str) -> str:
    return str(PurePosixPath(urlsplit(urljoin("/" + page, href)).path).relative_to("/"))


def section(posts, name: str) -> list:
    return [post for post in posts if post.path.startswith(name + "/")]


def nav_links(build, page: str) -> list[tuple[str, bool]]:
    """(page linked, is it marked current) for each post the left navigation lists."""
    links = build.html(page).select("#pst-primary-sidebar nav.bd-docs-nav ul.bd-sidenav a.reference")
    return [(resolve(page, a["href"]) if a["href"] != "#" else page, a.get("aria-current") == "page")
            for a in links]


@pytest.mark.parametrize("name", ["posts", "legacy"])
@pytest.mark.parametrize("where", ["newest", "second", "middle", "oldest"])
def test_a_post_lists_the_posts_around_it_in_its_section(paged, posts, name, where):
    own = section(posts, name)  # newest first
    assert len(own) > 2 * AROUND + 1
    index = {"newest": 0, "second": 1, "middle": len(own) // 2, "oldest": len(own) - 1}[where]
    post = own[index]
    page = post.path + ".html"
    # Eleven consecutive posts of the section with this one in the middle, or
    # at an end of the section the eleven nearest to that end.
    start = min(max(index - AROUND, 0), len(own) - (2 * AROUND + 1))
    expected = [(p.path + ".html", p is post) for p in own[start: start + 2 * AROUND + 1]]
    assert nav_links(paged, page) == expected
    # The section's heading and the way to all of its posts.
    nav = paged.html(page).select_one("#pst-primary-sidebar nav.bd-docs-nav")
    assert resolve(page, nav.select_one(".caption a")["href"]) == f"{name}/index.html"
    assert resolve(page, nav.select_one(".techblog-section-all a")["href"]) == f"{name}/index.html"


def test_section_landing_pages_list_their_newest_posts(paged, posts):
    for name in ["posts", "legacy"]:
        page = f"{name}/index.html"
        expected = [(p.path + ".html", False) for p in section(posts, name)[: 2 * AROUND + 1]]
        assert nav_links(paged, page) == expected


def test_post_pages_show_nothing_of_the_whole_site(paged, posts):
    for post in [posts[0], posts[len(posts) // 2], posts[-1]]:
        soup = paged.html(post.path + ".html")
        assert not soup.select(SITE_WIDE), post.path
        assert soup.select_one("#pst-primary-sidebar .techblog-feeds a[href$='atom.xml']")


@pytest.mark.parametrize("page, catalog, current", [
    ("blog/tag/openstack.html", "blog/tag.html", "blog/tag/openstack.html"),
    ("blog/tag/openstack/page/2.html", "blog/tag.html", "blog/tag/openstack.html"),
    ("blog/category/upstream.html", "blog/category.html", "blog/category/upstream.html"),
    ("blog/author/alice-martin/page/3.html", "blog/author.html", "blog/author/alice-martin.html"),
    ("blog/2021/page/2.html", "blog/archive.html", "blog/2021.html"),
])
def test_a_collection_page_lists_the_others_of_its_kind(paged, posts, page, catalog, current):
    soup = paged.html(page)
    assert not soup.select(SITE_WIDE)
    nav = soup.select_one("#pst-primary-sidebar nav.techblog-collection-nav")
    assert resolve(page, nav.select_one(".bd-links__title a")["href"]) == catalog
    links = [(resolve(page, a["href"]), a.get("aria-current") == "page") for a in nav.select("ul a")]
    # Every one of its kind that has posts, each once, this one marked.
    kind = catalog.removesuffix(".html").removeprefix("blog/")
    if kind == "tag":
        names = {tag for p in posts for tag in p.tags}
    elif kind == "category":
        names = {c.strip() for p in posts for c in p.category.split(",")}
    elif kind == "author":
        names = {author_name(a).lower().replace(" ", "-") for p in posts for a in p.authors}
    else:
        names = {str(p.date.year) for p in posts}
    prefix = "blog/" if kind == "archive" else f"blog/{kind}/"
    assert sorted(link for link, _ in links) == sorted(f"{prefix}{name}.html" for name in names)
    assert [link for link, marked in links if marked] == [current]


@pytest.mark.parametrize("page", ["index.html", "about.html", "blog/tag.html", "blog/category.html",
                                  "blog/author.html", "blog/archive.html"])
def test_home_about_and_catalog_pages_keep_the_blog_sidebars(paged, posts, page):
    soup = paged.html(page)
    assert len(soup.select(SITE_WIDE)) == 4, page
    recent = [resolve(page, a["href"]) for a in soup.select(".ablog__recentposts li a")]
    assert recent == [p.path + ".html" for p in posts[:5]]


@pytest.mark.sphinx("html", testroot="drafts", confoverrides={"html_sidebars": {"**": ["sidebar-nav-bs.html"]}})
def test_a_sidebar_of_unknown_content_makes_a_page_depend_on_the_whole_site(app):
    """A sidebar sidebars.py does not know (here the theme's full toctree)
    could show anything: the page is written again whenever the site changes."""
    from techblog.incremental import rewrites

    app.build()
    assert "WHOLE SITE" in rewrites.document_inputs(app, "index", lambda: "WHOLE SITE")[0]
