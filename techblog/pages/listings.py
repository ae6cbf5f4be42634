"""Post listings inside pages: the ``blogposts`` directive.

The home page and the section landing pages list posts with their date,
authors, category, tags and excerpt. ABlog's ``postlist`` puts all of that in
one paragraph; ``blogposts`` draws each post with
``_templates/techblog/post-summary.html`` instead::

    ```{blogposts}
    :limit: 10
    :category: legacy
    ```

Options (all optional): ``limit`` (newest N), ``category``, ``tag``,
``author`` (keep posts that carry that label), ``paginate`` (pages of
``techblog_posts_per_page``: this page shows the first, pages 2..N are
generated at ``<folder>/page/N.html``, see :mod:`techblog.pages.pagination`; one
such listing per page, not with ``limit``).

Such a page shows other documents' data, but Sphinx only rewrites a page
when its own source changes: :mod:`techblog.incremental.rewrites` writes it again when a
post is added, removed or changed.
"""

from __future__ import annotations

import posixpath
from urllib.parse import urlsplit

from docutils import nodes
from sphinx import addnodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from techblog.ablog import bridge
from techblog.pages import autoescape, pagination, views
from techblog.incremental import build_cache, rewrites
from techblog.incremental.parallel_read import merge_entries
from techblog.ablog.drafts import is_unpublished
from techblog.pages.pagination import Page, paginate


logger = logging.getLogger(__name__)

TEMPLATE = "techblog/post-summaries.html"
SUMMARY_TEMPLATE = "techblog/post-summary.html"

FILTERS = {"category": "category", "tag": "tags", "author": "author"}


class blogposts_node(nodes.General, nodes.Element):
    """Placeholder, replaced by the rendered listing when the page is written."""


class BlogPostsDirective(SphinxDirective):
    has_content = False
    option_spec = {
        "limit": directives.positive_int,
        "category": directives.unchanged_required,
        "tag": directives.unchanged_required,
        "author": directives.unchanged_required,
        "paginate": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        if "paginate" in self.options and "limit" in self.options:
            raise self.error(
                "blogposts: use either :limit: (the newest N) or :paginate: (all, in pages), not both")
        node = blogposts_node()
        self.set_source_info(node)
        node["limit"] = self.options.get("limit")
        node["paginate"] = "paginate" in self.options
        node["filters"] = {attr: self.options[opt] for opt, attr in FILTERS.items() if opt in self.options}
        return [node]


def select_posts(posts, filters: dict, limit: int | None) -> list:
    """Published posts, newest first, that carry every label in ``filters``."""
    chosen = [
        post
        for post in posts
        if all(label in [coll.label for coll in post.labels(attr)] for attr, label in filters.items())
    ]
    return chosen[:limit] if limit else chosen


def is_page_relative(node: nodes.Node) -> bool:
    """Whether the node's HTML depends on the folder of the page showing it."""
    if isinstance(node, (nodes.image, nodes.raw, addnodes.download_reference)):
        return True
    if isinstance(node, nodes.reference):
        return "refid" in node or not urlsplit(node.get("refuri", "")).scheme
    return False


def where_drawn(post, pagename: str) -> str | None:
    """Where a post's excerpt is drawn the same: on every page (None), in one
    folder (``"dir/"``: it has images or relative links), or on one page (it
    has cross-references: a link to the very page it is shown on is drawn
    differently)."""
    if any(node.next_node(addnodes.pending_xref, include_self=True) for node in post.excerpt):
        return pagename
    if any(node.next_node(is_page_relative, include_self=True) for node in post.excerpt):
        return posixpath.dirname(pagename) + "/"
    return None


def excerpt_html(app: Sphinx, post: bridge.BlogPost, pagename: str) -> str:
    """The excerpt (:func:`bridge.excerpt_html`), drawn once per build wherever it is the same.

    A post is listed on many pages (home, all posts, each of its tags...), and
    ABlog draws its excerpt for each (``Post.to_html``, ablog 0.11.13).
    """
    key = ("excerpt", post.docname, post.section, where_drawn(post, pagename))
    return build_cache.once(app, key, lambda: bridge.excerpt_html(app, post, pagename))


def summary_html(app: Sphinx, post: bridge.BlogPost, pagename: str, context: dict) -> str:
    """A post as listings show it (``post-summary.html``), on page ``pagename``.

    Kept from one build to the next (:func:`build_cache.kept`): adding a post
    moves the others to other pages of the same listings, where they look
    the same. The links in it are relative to the page's folder.
    """
    unpublished = is_unpublished(app, post.docname)
    # Its links to its own tags (authors, category) are drawn differently on those very pages.
    own_pages = {label.docname for label in (*post.tags, *post.authors, *post.categories)}
    where = pagename if pagename in own_pages else where_drawn(post, pagename) or posixpath.dirname(pagename) + "/"
    group = summary_group(app, post)
    level = context["heading_level"]
    return build_cache.kept(app, "summary", group, rewrites.digest_of((group, unpublished, where, level)),
                            lambda: app.builder.templates.render(SUMMARY_TEMPLATE, {**context, "post": post}))


def summary_group(app: Sphinx, post: bridge.BlogPost) -> str:
    """The post as it is now, and what every page shows alike."""
    return rewrites.digest_of((rewrites.build_inputs(app), views.full(app, post)))


def keep_current_summaries(app: Sphinx, exception: Exception | None) -> None:
    """Drawn posts stay kept while the post and what every page shows are unchanged."""
    if exception is not None or app.builder.format != "html":
        return
    build_cache.keep_only(app, "summary", lambda: {summary_group(app, post)
                                                   for post in [*bridge.posts(app), *bridge.drafts(app)]})


def summary_context(app: Sphinx, docname: str, heading_level: int = 2) -> dict:
    """What ``post-summary.html`` needs to draw a post on page ``docname``.

    Shared by every listing (here and :mod:`techblog.pages.collections`), so
    that a post looks the same wherever it is listed. A post's title is a
    heading one level below the heading the listing stands under (screen
    readers navigate by heading level; axe: heading-order): ``h2`` on a
    generated page, whose only heading is its ``h1``.
    """
    context = {
        "heading_level": heading_level,
        "url": lambda target: app.builder.get_relative_uri(docname, target),
        "excerpt": lambda post: autoescape.html(excerpt_html(app, post, docname)),  # Sphinx's HTML
        "is_unpublished": lambda post: is_unpublished(app, post.docname),
        "date_format": app.config.post_date_format,
    }
    # A collection's pages list ABlog's posts (its page generator's context): made ours here.
    context["summary"] = lambda post: autoescape.html(
        summary_html(app, bridge.model(app, post), docname, context))  # our template's
    return context


def listing_heading_level(node: nodes.Node) -> int:
    """One below the section the listing is in: the page's title is ``h1``
    (one section), a ``##`` heading ``h2`` (two)..."""
    depth = 0
    while node is not None:
        depth += isinstance(node, nodes.section)
        node = node.parent
    return min(max(depth, 1) + 1, 6)


def listing_pages_of(app: Sphinx, docname: str, filters: dict) -> list[Page]:
    return paginate(docname, select_posts(bridge.posts(app), filters, None), pagination.per_page(app))


def render_listings(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    found = list(doctree.findall(blogposts_node))
    if not found:
        return
    for node in found:
        context = summary_context(app, docname, listing_heading_level(node))
        templates = [TEMPLATE]
        if node.get("paginate"):
            page = listing_pages_of(app, docname, node["filters"])[0]
            context.update(posts=page.posts, **{pagination.CONTEXT_KEY: page})
            templates.append(pagination.NAVIGATION_TEMPLATE)
        else:
            context["posts"] = select_posts(bridge.posts(app), node["filters"], node["limit"])
        html = "".join(app.builder.templates.render(name, context) for name in templates)
        node.replace_self(nodes.raw("", html, format="html"))


def paginated_listings(env: BuildEnvironment) -> dict[str, dict]:
    """Documents with a paginated listing -> its filters (kept in the pickled env,
    owned by :class:`ListingDocs`)."""
    if not hasattr(env, "techblog_paginated_listings"):
        env.techblog_paginated_listings = {}
    return env.techblog_paginated_listings


def listing_pages(app: Sphinx):
    """Pages 2..N of every paginated listing (page 1 is the document itself),
    each drawn only when what it shows changed."""
    if app.builder.format != "html":
        return
    yield from rewrites.changed_only(app, all_listing_pages(app), {pagination.LISTING_PAGE_TEMPLATE: rewrites.NAMES})


def all_listing_pages(app: Sphinx):
    env = app.env
    for docname, filters in sorted(paginated_listings(env).items()):
        if docname not in env.all_docs:
            continue
        title = env.titles[docname].astext() if docname in env.titles else ""
        for page in listing_pages_of(app, docname, filters)[1:]:
            if page.docname in env.found_docs:
                logger.warning("%s: page %d of its listing would replace the document %s; not written",
                               docname, page.number, page.docname, location=docname)
                continue
            context = summary_context(app, page.docname)
            context.update(title=page.title(title), listing_title=title, posts=page.posts,
                           **{pagination.CONTEXT_KEY: page})
            yield page.docname, context, pagination.LISTING_PAGE_TEMPLATE


def add_first_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Page 1 of a paginated listing is a document: tell the head links where it stands."""
    filters = paginated_listings(app.env).get(pagename)
    if filters is not None:
        context[pagination.CONTEXT_KEY] = listing_pages_of(app, pagename, filters)[0]


def listing_docs(env: BuildEnvironment) -> set[str]:
    """Documents that contain a ``blogposts`` listing (kept in the pickled env,
    owned by :class:`ListingDocs`)."""
    if not hasattr(env, "techblog_listing_docs"):
        env.techblog_listing_docs = set()
    return env.techblog_listing_docs


class ListingDocs(EnvironmentCollector):
    """Owner of :func:`listing_docs` and :func:`paginated_listings`, kept with
    the environment: noted when a document is read, dropped when it is
    purged, merged from the processes of a parallel read (in reading order,
    ``techblog.incremental.parallel_read``)."""

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        docname = app.env.docname
        found = list(doctree.findall(blogposts_node))
        docs = listing_docs(app.env)
        if found:
            docs.add(docname)
        else:
            docs.discard(docname)
        paginated = [node for node in found if node["paginate"]]
        paginated_listings(app.env).pop(docname, None)
        if len(paginated) > 1:
            # Their pages 2..N would share one address.
            logger.warning("blogposts: only one listing per page can have :paginate:", location=paginated[1])
        if paginated:
            paginated_listings(app.env)[docname] = paginated[0]["filters"]

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        listing_docs(env).discard(docname)
        paginated_listings(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
        docs, their_docs = listing_docs(env), listing_docs(other)
        for docname in docnames:
            if docname in their_docs:
                docs.add(docname)
            else:
                docs.discard(docname)
        merge_entries(app, paginated_listings(env), paginated_listings(other), docnames)
