"""The series' own pages and feeds.

- ``blog/series.html``: every series with its description and parts count;
- ``blog/series/<key>.html``: one series, its description and its parts in
  order, each drawn as in a listing (``post-summary.html``);
- ``blog/series/<key>/atom.xml``: its feed, written by the same
  :class:`~techblog.pages.feeds.FeedWriter` as the tag feeds (ids, dates,
  entries alike; written again only when what it shows changed).

Only a series with a published part has them (as a tag has a page only
when a post carries it). What a series is and its order:
:mod:`techblog.pages.next_reading`. Pages are drawn through
:func:`techblog.incremental.rewrites.changed_only`: only when what they show changed.
"""

from __future__ import annotations

from pathlib import Path

from markupsafe import escape
from sphinx.application import Sphinx

from techblog.ablog import bridge
from techblog.incremental import rewrites, stale_output
from techblog.pages import feeds
from techblog.pages.listings import summary_context
from techblog.pages.next_reading import SERIES_FOLDER, series_page, series_parts

PAGE_TEMPLATE = "techblog/series-page.html"
INDEX_TEMPLATE = "techblog/series-index.html"


def index_page(app: Sphinx) -> str:
    return f"{app.config.blog_path}/{SERIES_FOLDER}"


def published_series(app: Sphinx) -> list[tuple[str, str, str, list[bridge.BlogPost]]]:
    """(key, title, description, parts oldest first) of each series with a part, in conf.py's order."""
    parts = series_parts(app)
    return [(key, title, description, parts[key])
            for key, (title, description) in app.config.techblog_series.items() if parts.get(key)]


def series_feeds(app: Sphinx) -> list[feeds.Feed]:
    blog_title = app.config.blog_title
    return [feeds.Feed(f"{series_page(app, key)}/{feeds.FEED_FILE}", series_page(app, key),
                       f"{blog_title} - Series: {title}", description, list(reversed(parts)))
            for key, title, description, parts in published_series(app)]


def all_pages(app: Sphinx):
    found = published_series(app)
    if not found:
        return
    index = index_page(app)
    yield index, {
        "title": "Series",
        "techblog_series_index": [
            {"key": key, "title": title, "description": description, "docname": series_page(app, key),
             "count": len(parts), "first": parts[0].meta.site_date, "last": parts[-1].meta.site_date}
            for key, title, description, parts in found],
        "date_format": app.config.post_date_format,
    }, INDEX_TEMPLATE
    for key, title, description, parts in found:
        page = series_page(app, key)
        yield page, {
            **summary_context(app, page),
            # A page's title is HTML to Sphinx and the theme (collections.py).
            "title": escape(f"Series: {title}"),
            "techblog_series_page": {"key": key, "title": title, "description": description, "index": index,
                                     "feed": f"{page}/{feeds.FEED_FILE}"},
            "posts": parts,
            # page.html advertises the series' feed in the head.
            "feed_path": page,
            "feed_title": f"{app.config.blog_title} - Series: {title}",
        }, PAGE_TEMPLATE


def write_series(app: Sphinx):
    """``html-collect-pages``: the feeds (written here), then the pages that changed."""
    if not bridge.builder_support(app):
        return
    if app.config.blog_baseurl:  # absolute links in feeds need it (feeds.write_feeds)
        found = series_feeds(app)
        for feed in found:  # before writing: a build stopped halfway still knows them (stale_output.py)
            stale_output.produced(app, Path(feed.path).as_posix())
        feeds.FeedWriter(app).write(Path(app.outdir), found)
    yield from rewrites.changed_only(app, all_pages(app))
