"""Search: which pages a reader can find, what Pagefind reads from them, and
the search page.

The index itself is Pagefind's, written at the end of the build
(:mod:`techblog.site.pagefind_index`); this module decides, for both the
page and the index, what is searchable (:func:`indexable`):

- every published post, new and legacy: its body, title, date and authors
  (shown in results), its tags, category, author and year (filters, by
  the name of their pages: :func:`filter_value`) and its date (the
  "newest first" order);
- every other document that is a page of its own (``about``): its body and
  title, no filters;
- never a draft or a future post (not even in a ``make serve`` preview,
  which builds them), a redirect page, the 404 page, the search page, or a
  listing: the home page, the all-posts and legacy pages, tag, category,
  author and year pages and their pages 2..N only repeat the excerpts of
  posts that are results themselves, and the filters narrow a search the
  way those pages do.

A searchable page carries ``data-pagefind-body`` around its body and a
hidden block of ``data-pagefind-meta``/``-filter``/``-sort`` values
(``_templates/page.html``, ``_templates/techblog/search-fields.html``,
autoescaped: the values come from front matter). Pagefind indexes only
pages with ``data-pagefind-body`` and, beyond that, is handed only the
pages :func:`indexable` names.

Sphinx's own index (``searchindex.js``, loaded whole by its search page: 1.3
MB at 1,000 posts) is no longer written: the builder is told there is no
search (:func:`leave_out_sphinx_index`) and the search page is drawn here
(:func:`search_page`) from ``_templates/search.html``, with
``_static/techblog-search.js`` over Pagefind's ``pagefind.js``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterator

from sphinx.application import Sphinx

from techblog.ablog import bridge
from techblog.ablog.drafts import is_unpublished
from techblog.incremental import rewrites
from techblog.pages.listings import listing_docs
from techblog.site.sitemap import NOT_LISTED

SCRIPT = "techblog-search.js"
PAGE = "search"
# The filters of the search page, in its order: Pagefind's filter name -> the page's heading.
FILTERS = {"tag": "Tags", "category": "Categories", "author": "Authors", "year": "Years"}
KINDS = {"tag": "tags", "category": "categories", "author": "authors"}


def leave_out_sphinx_index(app: Sphinx) -> None:
    """No ``searchindex.js``: the builder collects no words, writes no index,
    and draws no search page of its own (:func:`search_page` does)."""
    if app.builder.format == "html" and hasattr(app.builder, "search"):
        app.builder.search = False


def search_page(app: Sphinx) -> Iterator[tuple[str, dict, str]]:
    """The search page, with the filters it offers: written when they (or what
    every page shows) changed, like the other generated pages."""
    if app.builder.format == "html":
        context = {"techblog_search_filters": filter_choices(app),
                   "techblog_all_posts_page": app.config.techblog_all_posts_page}
        yield from rewrites.changed_only(app, [(PAGE, context, "search.html")])


def indexable(app: Sphinx, docname: str) -> bool:
    """Whether a reader should find this document with the search (see the module's docstring)."""
    env = app.env
    return (docname in env.all_docs
            and docname not in NOT_LISTED
            and docname not in listing_docs(env)
            and not is_unpublished(app, docname))


def sort_key(date: dt.datetime) -> str:
    """A post's instant as text that sorts as the instants do (UTC, to the second)."""
    return date.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def filter_value(label: bridge.Label) -> str:
    """What Pagefind files a tag (category, author) under: its page's name
    (``blog/tag/high-availability`` -> ``high-availability``), not its
    display name: Pagefind 1.5.2 finds no page for a filter value holding
    ``"`` or ``\\`` (its query is JSON, whose escapes it does not undo). The
    search page shows the display names (:func:`filter_choices`)."""
    return posixpath.basename(label.docname)


def post_filters(post: bridge.BlogPost) -> dict[str, list[str]]:
    filters = {name: [filter_value(label) for label in post.labels(kind)] for name, kind in KINDS.items()}
    return {**filters, "year": [str(post.meta.site_date.year)]}


def filter_choices(app: Sphinx) -> list[dict]:
    """The search page's filters: each with its heading and its (value, display name) choices,
    from the published posts; tags, categories and authors by name, years newest first."""
    found: dict[str, dict[str, str]] = {name: {} for name in FILTERS}
    for post in bridge.posts(app):
        for name, kind in KINDS.items():
            for label in post.labels(kind):
                found[name].setdefault(filter_value(label), label.name)
        year = str(post.meta.site_date.year)
        found["year"].setdefault(year, year)
    return [{"name": name, "heading": heading,
             "choices": sorted(found[name].items(), reverse=True) if name == "year"
             else sorted(found[name].items(), key=lambda choice: (choice[1].casefold(), choice[0]))}
            for name, heading in FILTERS.items()]


def search_fields(app: Sphinx, docname: str) -> dict | None:
    """What Pagefind reads from a searchable page (plain text; the template escapes it)."""
    if not indexable(app, docname):
        return None
    post = bridge.published(app, docname)
    if post is None:
        title = app.env.titles.get(docname)
        return {"title": title.astext() if title is not None else docname}
    meta = post.meta
    return {
        "title": meta.title,
        "date": meta.site_date.strftime(app.config.post_date_format),
        "sort_date": sort_key(meta.date),
        "authors": [author.name for author in post.authors],
        "filters": post_filters(post),
    }


def add_search_fields(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """A document's page: its search fields (``techblog_search``), or None when it is not searchable.
    The search page: its script, and the filters it offers."""
    if pagename == PAGE:
        # Sphinx adds a script to this page only when asked from this event.
        app.add_js_file(SCRIPT, loading_method="defer")
    context["techblog_search"] = search_fields(app, pagename) if doctree is not None else None
