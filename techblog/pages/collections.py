"""ABlog's tag, category, author and year pages, in pages of 20; one all-posts page.

ABlog's page generator (``ablog.post.generate_archive_pages``) is taken out
of ``html-collect-pages`` (``ablog_adapters.replace_archive_pages``) and run
from :func:`archive_pages` instead, which keeps everything it decides: which
collections get a page, their addresses, titles and feed links, the catalog
pages (``blog/tag.html``...). Only two of its pages change:

- a collection page (``blog/tag/openstack.html``) becomes pages of
  ``techblog_posts_per_page`` posts (:mod:`techblog.pages.pagination`), each post
  drawn like on the home page (``post-summary.html``);
- its second all-posts page, ``blog.html``, becomes a redirect to
  ``techblog_all_posts_page`` (``posts/index``), the one listing of every
  post. A site without that page keeps ABlog's.
"""

from __future__ import annotations

from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.util import logging

from techblog.ablog import bridge
from techblog.pages import pagination, talks, views
from techblog.incremental import rewrites
from techblog.pages.listings import summary_context

logger = logging.getLogger(__name__)

ABLOG_COLLECTION_TEMPLATE = "ablog/collection.html"
ABLOG_CATALOG_TEMPLATE = "ablog/catalog.html"  # every tag (...) with its posts' dates and titles
REDIRECT_TEMPLATE = "techblog/moved.html"


def all_posts_page(app: Sphinx) -> str:
    """The page listing every post: ours when the site has it, else ABlog's ``blog``."""
    page = app.config.techblog_all_posts_page
    return page if page and page in app.env.found_docs else bridge.blog(app).blog_path


def collection_pages(app: Sphinx, first: str, context: dict):
    """The pages of one collection; ``context`` is what ABlog gives its page."""
    for page in pagination.paginate(first, context["collection"], pagination.per_page(app)):
        if page.number > 1 and page.docname in app.env.found_docs:
            logger.warning("%s: page %d of the collection would replace the document %s; not written",
                           first, page.number, page.docname)
            continue
        page_context = {**context, **summary_context(app, page.docname), "posts": page.posts,
                        "title": page.title(context["title"]), pagination.CONTEXT_KEY: page}
        if page.number == 1:  # a tag's or an author's talks, an author's photo and bio
            page_context.update(talks.collection_context(app, context["collection"]))
        yield page.docname, page_context, pagination.LISTING_PAGE_TEMPLATE


def archive_pages(app: Sphinx):
    """ABlog's pages and ours, each drawn only when what it shows changed."""
    if not bridge.builder_support(app):
        return
    yield from rewrites.changed_only(app, all_archive_pages(app), {
        pagination.LISTING_PAGE_TEMPLATE: rewrites.NAMES, ABLOG_CATALOG_TEMPLATE: views.HEADLINE})


def all_archive_pages(app: Sphinx):
    blog = bridge.blog(app)
    for pagename, context, template in bridge.generate_archive_pages(app):
        # ABlog gives the page title as text ("Posts tagged <name>"); a page's
        # title is HTML to Sphinx and the theme (breadcrumbs print it as is).
        context = {**context, "title": escape(context.get("title") or "")}
        collection = context.get("collection")
        if template != ABLOG_COLLECTION_TEMPLATE or collection is None or collection is blog.drafts:
            yield pagename, context, template
        elif collection is blog.posts:
            target = all_posts_page(app)
            if target == pagename:
                yield pagename, context, template
            else:
                yield pagename, {"title": context["title"], "target": target}, REDIRECT_TEMPLATE
        else:
            yield from collection_pages(app, pagename, context)


def add_all_posts_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """For ``techblog/recent-posts.html``: its heading links to the all-posts page."""
    if bridge.builder_support(app):
        context["techblog_all_posts_page"] = all_posts_page(app)


def point_blog_posts_reference(app: Sphinx, env) -> list[str]:
    """``{ref}`blog-posts``` (ABlog: ``blog.html``) leads to the all-posts page too."""
    bridge.blog(app).references["blog-posts"] = (all_posts_page(app), "Posts")
    return []
