"""The 404 page, served by the web server for any missing address.

sphinx-notfound-page writes ``404.html`` from ``_templates/techblog/404.html``
with every link, stylesheet and script made absolute from
``notfound_urls_prefix`` (the path of ``blog_baseurl``), so the page works
at any depth: ``/techblog/a/b/missing.html`` gets the same navbar and styles
as the home page. Here: the one relative address the extension misses, no
indexing of the page itself, and no drawing it again when nothing it shows
changed (:func:`techblog.incremental.rewrites.changed_only`).
"""

from __future__ import annotations

from notfound.extension import html_collect_pages  # taken over (pipeline.py)
from sphinx.application import Sphinx

from techblog.incremental import rewrites


def absolute_content_root(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename != app.config.notfound_pagename:
        return
    # Sphinx's scripts (search, highlighting) find the site from data-content_root.
    context["content_root"] = app.config.notfound_urls_prefix or "/"
    context["metatags"] = context.get("metatags", "") + '<meta name="robots" content="noindex" />\n'


def notfound_page_when_changed(app: Sphinx):
    yield from rewrites.changed_only(app, html_collect_pages(app) or [])
