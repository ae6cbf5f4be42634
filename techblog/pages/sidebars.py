"""The left sidebars, and what each one shows from elsewhere in the site.

A post page's left navigation used to be the theme's toctree of its section:
every post of the section on every post page. With 1,000 posts that made
each page about 110 kB larger, took most of the build's time (the theme
parses and rewrites that HTML for every page), and meant a new post changed
every page. Now each sidebar shows a bounded part of the site:

- ``techblog/section-nav.html`` (post pages and section landing pages): the
  section (a top folder that ``blog_post_pattern`` puts posts in: Posts or
  Legacy), the posts just newer and just older than this
  one in that section (``techblog_nearby_posts`` on each side), the current
  one marked, and a link to all of the section's posts;
- ``techblog/collection-nav.html`` (a tag, category, author or year page):
  the other tags (categories, ...) by name, this one marked;
- the full blog sidebars (recent posts, tag cloud, categories, archives)
  stay on the home, about and catalog pages (``conf.py``).

:func:`sidebar_inputs` says what a page's sidebars show, for
:mod:`techblog.incremental.rewrites`, which writes a page again only when that changed.
The templates draw exactly the items computed here, so the two cannot
disagree.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from techblog.ablog import bridge
from techblog.incremental import build_cache
from techblog.pages import views

SECTION_NAV = "techblog/section-nav.html"
COLLECTION_NAV = "techblog/collection-nav.html"
# Sidebars that show nothing from other pages.
STATIC_SIDEBARS = {"techblog/feed-link.html"}


# -- Section navigation ---------------------------------------------------------------


def sections(app: Sphinx) -> set[str]:
    """The top folders that conf.py's ``blog_post_pattern`` puts posts in
    (``posts/*/*.md``, ``legacy/*/*/*.md``: posts, legacy)."""
    patterns = app.config.blog_post_pattern
    tops = (pattern.split("/", 1) for pattern in ([patterns] if isinstance(patterns, str) else patterns))
    return {top for top, *below in tops if below and top and not set("*?[") & set(top)}


def section_of(docname: str, sections: set[str]) -> str | None:
    top = docname.split("/", 1)[0]
    return top if top in sections and "/" in docname else None


def section_posts(app: Sphinx, section: str) -> list:
    """The section's published posts, newest first."""
    prefix = section + "/"
    return build_cache.once(app, ("section-posts", section),
                            lambda: [post for post in bridge.posts(app)
                                     if post.docname.startswith(prefix)])


def nearby(posts: list, where: dict[str, int], docname: str, around: int) -> list:
    """``around`` posts on each side of ``docname`` (more on one side at an end
    of the list); the newest ``2 * around + 1`` when it is not a listed post.
    ``where`` gives each post's place in ``posts``."""
    if docname not in where:
        return posts[: 2 * around + 1]
    here = where[docname]
    start = max(0, min(here - around, len(posts) - (2 * around + 1)))
    return posts[start: start + 2 * around + 1]


def section_nav(app: Sphinx, pagename: str) -> dict | None:
    """What ``section-nav.html`` draws on ``pagename``; None outside a section.
    Worked out once a build: for the page's digest, then to draw it."""
    return build_cache.once(app, ("section-nav", pagename), lambda: _section_nav(app, pagename))


def _section_nav(app: Sphinx, pagename: str) -> dict | None:
    section = section_of(pagename, sections(app))
    if section is None:
        return None
    landing = section + "/index"
    env = app.env
    posts = section_posts(app, section)
    where = build_cache.once(app, ("section-places", section),
                             lambda: {post.docname: place for place, post in enumerate(posts)})
    current = bridge.post(app, pagename)
    if current is not None and not current.published:
        # A draft shown in a preview: placed among the others by date (ABlog's order).
        posts = sorted([*posts, current], key=lambda post: post.order, reverse=True)
        where = {post.docname: place for place, post in enumerate(posts)}
    title = env.titles[landing].astext() if landing in env.titles else section.title()
    return {
        "section": {"docname": landing, "title": title},
        "posts": [
            {"docname": post.docname, "title": post.title, "current": post.docname == pagename}
            for post in nearby(posts, where, pagename, app.config.techblog_nearby_posts)
        ],
    }


# -- Collection navigation ---------------------------------------------------------------


def collection_page_of(pagename: str) -> str:
    """``blog/tag/ceph`` for ``blog/tag/ceph`` and its pages ``blog/tag/ceph/page/N``."""
    first, sep, number = pagename.rpartition("/page/")
    return first if sep and number.isdigit() else pagename


def catalogs_by_page(app: Sphinx) -> dict:
    """Collection page -> (its catalog, that catalog's collections with posts)."""
    blog = bridge.blog(app)
    found = {}
    for catalog in [blog.tags, blog.category, blog.author, blog.archive]:
        collections = [coll for coll in catalog if coll]
        for coll in collections:
            found[coll.docname] = (catalog, collections)
    return found


CATALOG_TITLES = {"tags": "Tags", "category": "Categories", "author": "Authors", "archive": "Years"}


def collection_nav(app: Sphinx, pagename: str) -> dict | None:
    page = collection_page_of(pagename)
    found = build_cache.once(app, "catalogs-by-page", lambda: catalogs_by_page(app)).get(page)
    if found is None:
        return None
    catalog, collections = found
    return {
        "catalog": {"docname": catalog.docname, "title": CATALOG_TITLES.get(catalog.name, str(catalog))},
        "items": [{"docname": coll.docname, "title": str(coll), "current": coll.docname == page}
                  for coll in collections],
    }


# -- What a page's sidebars show ------------------------------------------------------


def page_sidebars(app: Sphinx, pagename: str) -> list[str]:
    """The sidebar templates ``html_sidebars`` gives ``pagename``."""
    context: dict = {}
    app.builder.add_sidebars(pagename, context)
    return list(context.get("sidebars") or [])


def _collections(catalog, with_size: bool) -> tuple:
    return tuple((coll.docname, str(coll), len(coll), coll.relsize(5, 1) if with_size else None)
                 for coll in catalog if coll)


def sidebar_inputs(app: Sphinx, pagename: str, everything) -> tuple:
    """What the sidebars of ``pagename`` show from other pages, comparable
    between builds. ``everything()`` stands for a sidebar this module does not
    know: the whole site, to be safe."""
    blog = bridge.blog(app)
    shown = []
    for name in page_sidebars(app, pagename):
        if name in STATIC_SIDEBARS:
            continue
        if name == SECTION_NAV:
            shown.append(repr(section_nav(app, pagename)))
        elif name == COLLECTION_NAV:
            shown.append(repr(collection_nav(app, pagename)))
        elif name == "techblog/recent-posts.html":
            shown.append(tuple(views.link(post) for post in bridge.recent(app, 5, pagename)))
        elif name == "ablog/tagcloud.html":
            shown.append(_collections(blog.tags, with_size=True))
        elif name == "ablog/categories.html":
            shown.append(_collections(blog.category, with_size=False))
        elif name == "ablog/archives.html":
            shown.append(_collections(blog.archive, with_size=False))
        else:
            shown.append(everything())
    return tuple(shown)


def add_sidebar_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    sidebars = context.get("sidebars") or []
    if SECTION_NAV in sidebars:
        context["techblog_section_nav"] = section_nav(app, pagename)
    if COLLECTION_NAV in sidebars:
        context["techblog_collection_nav"] = collection_nav(app, pagename)
