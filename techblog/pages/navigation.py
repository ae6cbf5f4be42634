"""Site navigation: the navbar from ``conf.py`` and date-ordered prev/next.

The navbar lists ABlog's generated pages (tags, categories, archive) next to
real documents, which a toctree cannot do, so it is drawn from
``techblog_navbar`` by ``_templates/navbar-nav.html``.

ABlog and the theme each draw a previous/next bar on posts. We keep the
theme's (ABlog's is turned off with ``post_show_prev_next = False``) and feed
it ABlog's date order instead of the toctree order; pages that are not posts
get no bar.
"""

from __future__ import annotations

from markupsafe import escape
from sphinx.application import Sphinx

from techblog.ablog import bridge


def is_active(pagename: str, docname: str, prefixes: list[str]) -> bool:
    return pagename == docname or any(pagename.startswith(p) for p in prefixes)


def navbar_items(pagename: str, navbar: list, pathto) -> list[dict]:
    return [
        {"title": title, "url": pathto(docname), "active": is_active(pagename, docname, prefixes)}
        for title, docname, prefixes in navbar
    ]


def page_link(post, pathto) -> dict | None:
    if post is None:
        return None
    return {"link": pathto(post.docname), "title": escape(post.title)}


def add_navigation(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    pathto = context["pathto"]
    context["techblog_nav"] = navbar_items(pagename, app.config.techblog_navbar, pathto)
    post = bridge.published(app, pagename)
    if post is None:
        context["prev"] = context["next"] = None
        return
    # ABlog's prev is the older post, next the newer one.
    older, newer = bridge.neighbours(app, post)
    context["prev"] = page_link(older, pathto)
    context["next"] = page_link(newer, pathto)
