"""The header under a post's title: date, authors, category, tags, and for
posts imported from the old blog, the "Originally published on" banner.

It is drawn by ``_templates/techblog/post-header.html`` and placed right
after the post's ``<h1>`` when the post's page is written. It is added at
write time (``doctree-resolved``), after ABlog has taken the excerpt, so
listings and feeds never show it.
"""

from __future__ import annotations

from ablog.blog import Blog
from docutils import nodes
from markupsafe import escape
from sphinx.application import Sphinx

from .contract import PostMeta
from .drafts import is_unpublished
from .metadata import posts_of


TEMPLATE = "techblog/post-header.html"


def legacy_origin(meta: PostMeta, config) -> dict | None:
    """Where and when a legacy post was first published, or None.

    The date is shown as the old blog showed it, in its own offset.
    """
    if not meta.original_url:
        return None
    return {
        "url": meta.original_url,
        "date": meta.original_date or meta.date,
        "blog_name": config.techblog_legacy_name,
        "blog_url": config.techblog_legacy_url,
    }


def insert_post_header(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    if not doctree.get("source"):
        return  # an excerpt being rendered for a listing, not the post's page
    blog = Blog(app)
    meta = posts_of(app.config).get(docname)
    if meta is None or docname not in blog.posts:
        return
    post = blog[docname]

    def url(target: str) -> str:
        return app.builder.get_relative_uri(docname, target)

    html = app.builder.templates.render(
        TEMPLATE,
        {
            "post": post,
            "meta": meta,
            "unpublished": is_unpublished(app, docname),
            "url": url,
            "date_format": app.config.post_date_format,
            "origin": legacy_origin(meta, app.config),
        },
    )
    section = doctree.next_node(nodes.section)
    if section is None:
        return
    section.insert(1, nodes.raw("", html, format="html"))


def add_description_meta(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """A post's ``description`` becomes its page's meta description."""
    meta = posts_of(app.config).get(pagename)
    description = meta.description if meta else None
    if description:
        context["metatags"] = context.get("metatags", "") + (
            f'<meta name="description" content="{escape(description)}" />\n'
        )


def setup(app: Sphinx) -> None:
    app.connect("doctree-resolved", insert_post_header)
    app.connect("html-page-context", add_description_meta)
