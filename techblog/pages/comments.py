"""Live reader comments: an Isso thread under every post, counts in listings.

``techblog_comments_server`` in ``conf.py`` is the address of the Isso server
(``comments/isso.cfg``; ``python -m techblog comments`` runs it). It is
either a path on the site's own host (``/comments/``, the web server proxies
it to Isso), an ``http(s)://`` URL of another host, or ``""`` to switch
comments off everywhere. ``-D techblog_comments_server=...`` or the
environment variable ``TECHBLOG_COMMENTS_SERVER`` override it for one build.

A post's page gets ``_templates/techblog/comments.html`` after its body,
unless its front matter says ``comments: false``; other pages never do.
The page itself never waits for the server: ``_static/techblog-comments.js``
asks the server first and only then loads Isso's script, or says that
comments are unavailable, in a box whose height is reserved up front.

Each thread is keyed by the post's path on the published site (the path of
``blog_baseurl`` plus the page's file name), so a thread stays the same
wherever a preview is served; listings ask the server for counts by the same
key through the ``comment_thread(docname)`` template function.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sphinx.application import Sphinx

from techblog.pages.feeds import absolute_url
from techblog.ablog.metadata import posts_of

SETTING = "techblog_comments_server"
SCRIPT = "techblog-comments.js"


def thread_key(app: Sphinx, docname: str) -> str:
    """The Isso thread of a post: its path on the published site."""
    return urlsplit(absolute_url(app, docname)).path


def comments_open(app: Sphinx, docname: str) -> bool:
    meta = posts_of(app).get(docname)
    return bool(app.config[SETTING]) and meta is not None and meta.comments


def add_thread(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give a post's page what ``comments.html`` draws (``page.html`` includes it)."""
    if not comments_open(app, pagename):
        return
    meta = posts_of(app)[pagename]
    context["techblog_comments"] = {
        "thread": thread_key(app, pagename),
        "title": context.get("title", ""),
        "legacy": bool(meta.original_url),
    }


def add_template_functions(app: Sphinx) -> None:
    if app.builder.format != "html":
        return

    def comment_thread(docname: str) -> str | None:
        """A listed post's thread key, or None when it takes no comments."""
        return thread_key(app, docname) if comments_open(app, docname) else None

    app.builder.templates.environment.globals["comment_thread"] = comment_thread
    if app.config[SETTING]:
        # Small and deferred; it does nothing on a page without a thread or counts.
        app.add_js_file(SCRIPT, loading_method="defer", **{"data-comments-server": app.config[SETTING]})
