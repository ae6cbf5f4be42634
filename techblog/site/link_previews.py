"""Link previews: OpenGraph and Twitter card tags on every page.

sphinxext-opengraph writes the tags (``ogp_*`` settings in ``conf.py``):
title, absolute ``og:url``, site name, the default image. What it cannot
know it takes from the page metadata it honours (``og:*`` fields), which is
filled in here just before it runs:

- a post: ``og:type`` article, its ``description`` (else its excerpt) as
  ``og:description``, its ``image`` made absolute (a relative image is copied
  into the output beside the post, so the address works even when the post's
  body does not show it);
- another page: its front matter ``description`` if any, else its first
  paragraph (the extension alone would run on into the next sections);
- pages without a doctree (ABlog's tag, category, archive and author pages,
  search, the 404 page), which the extension skips: the site's tagline (or the
  category's description), through the extension's own handler.

The same text is the page's ``<meta name="description">``.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
from html import escape
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import imagesize
from docutils import nodes
from docutils.utils import new_document
from sphinx.application import Sphinx
from sphinx.util.osutil import copyfile

from techblog.ablog import bridge
from techblog.ablog.metadata import posts_of

# sphinxext.opengraph prints a notice on import when matplotlib is missing;
# generated cards are off (ogp_social_cards), so the notice is noise.
with contextlib.redirect_stdout(io.StringIO()):
    from sphinxext import opengraph

# Longer descriptions are cut by the preview anyway; sphinxext-opengraph's default.
DESCRIPTION_LENGTH = 200


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """One line of at most ``limit`` characters, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def post_image(docname: str, image: str) -> str | None:
    """A post's ``image`` as a path from the site root, or None for an URL."""
    if urlsplit(image).scheme:
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(docname), image))


def size_fields(path: Path) -> dict[str, str]:
    """Width and height let a preview draw the image before fetching it."""
    width, height = imagesize.get(str(path)) if path.is_file() else (-1, -1)
    return {"og:image:width": str(width), "og:image:height": str(height)} if width > 0 and height > 0 else {}


def first_paragraph(doctree: nodes.document | None) -> str | None:
    """The first paragraph of the text itself (not of a note or a table)."""
    if doctree is None:
        return None
    for paragraph in doctree.findall(nodes.paragraph):
        if isinstance(paragraph.parent, (nodes.section, nodes.document)):
            return paragraph.astext()
    return None


def describe(app: Sphinx, pagename: str, context: dict, doctree) -> tuple[dict[str, str], str | None]:
    """``og:*`` fields for the page, and its description (None: let the extension find one)."""
    config = app.config
    post = bridge.published(app, pagename)
    if post is not None:
        meta = post.meta
        fields = {"og:type": "article"}
        excerpt = " ".join(node.astext() for node in post.excerpt)
        if meta.image:
            path = post_image(pagename, meta.image)
            fields["og:image"] = urljoin(config.html_baseurl, path) if path else meta.image
            fields["og:image:alt"] = meta.title
            if path:
                fields.update(size_fields(Path(app.srcdir, path)))
        return fields, meta.description or excerpt or None
    if pagename in app.env.found_docs:
        return {}, (app.env.metadata.get(pagename) or {}).get("description") or first_paragraph(doctree)
    # A generated page: a category says what it holds, the others get the tagline.
    collection = context.get("collection")
    categories = config.techblog_categories
    if getattr(collection, "catalog", None) is bridge.blog(app).category and collection.label in categories:
        return {}, categories[collection.label][1]
    return {}, config.blog_feed_subtitle


def add_preview_fields(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if app.builder.format != "html":
        return
    fields, description = describe(app, pagename, context, doctree)
    context.setdefault("metatags", "")
    if description:
        description = escape(shorten(description))
        fields["og:description"] = description
        context["metatags"] += f'<meta name="description" content="{description}" />\n'
    if "og:image" not in fields and app.config.ogp_image:
        fields.update(size_fields(Path(app.outdir, app.config.ogp_image)))  # _static is copied by now
    # A copy: the extension pops fields from it, and it may be the env's own metadata.
    context["meta"] = {**(context.get("meta") or {}), **fields}


def preview_without_doctree(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The extension only tags pages with a doctree; give it an empty one.
    (genindex has no title until its template sets one: no preview.)"""
    if doctree is None and "title" in context and app.builder.format == "html":
        opengraph.html_page_context(app, pagename, templatename, context, new_document(pagename))


def copy_post_images(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for docname, meta in posts_of(app).items():
        path = post_image(docname, meta.image) if meta.image else None
        if path and docname in app.env.found_docs:
            target = Path(app.outdir, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            copyfile(Path(app.srcdir, path), target)
