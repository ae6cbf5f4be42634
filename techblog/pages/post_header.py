"""The header under a post's title: date, authors, category, tags, reading
time, the last update, and for posts imported from the old blog, the
"Originally published on" banner.

It is drawn by ``_templates/techblog/post-header.html`` and placed right
after the post's ``<h1>`` when the post's page is written. It is added at
write time (``doctree-resolved``), after ABlog has taken the excerpt, so
listings and feeds never show it.
"""

from __future__ import annotations

import datetime as dt

from docutils import nodes
from sphinx.application import Sphinx

from techblog.ablog import bridge
from techblog.legacy.archived_comments import archived_comments_node
from techblog.posts.contract import PostMeta
from techblog.ablog.drafts import is_unpublished
from techblog.ablog.metadata import rules_of


TEMPLATE = "techblog/post-header.html"
WORDS_PER_MINUTE = 230
# Not the post's own text: the old blog's comments (whatever the placeholder
# holds), raw HTML (the excerpt marker), comments in the source.
NOT_READ = (archived_comments_node, nodes.raw, nodes.comment, nodes.system_message)


def reading_minutes(section: nodes.section) -> int:
    """Minutes to read the post's body (the section under its title): its
    words at 230 a minute, rounded, at least 1."""
    words = 0
    for text in section.findall(nodes.Text):
        node = text.parent
        while node is not section and not isinstance(node, NOT_READ) and node is not section[0]:
            node = node.parent
        if node is section:
            words += len(text.split())
    return max(1, int(words / WORDS_PER_MINUTE + 0.5))


def last_update(meta: PostMeta, tz: dt.tzinfo) -> dt.datetime | None:
    """``updated`` in the site's zone, when it falls on a later day than the
    date shown (an edit the same day would only repeat the date)."""
    if meta.updated is None:
        return None
    updated = meta.updated.astimezone(tz)
    return updated if updated.date() > meta.site_date.date() else None


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
    post = bridge.published(app, docname)
    if post is None:
        return
    meta = post.meta
    section = doctree.next_node(nodes.section)
    if section is None:
        return

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
            "reading_minutes": reading_minutes(section),
            "updated": last_update(meta, rules_of(app).tz),
        },
    )
    section.insert(1, nodes.raw("", html, format="html"))
