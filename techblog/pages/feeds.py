"""Atom feeds (RFC 4287): the site's, and one per tag, category, author and year.

Written by us instead of ABlog (see ``techblog.ablog.adapters.replace_atom_feeds``),
at the same paths: ``blog/atom.xml`` and ``<collection page>/atom.xml``.

- Every feed and every entry has its own permanent ``<id>``, a tag URI built
  from ``techblog_feed_id`` in conf.py, so ids survive a move of the site.
- Every entry lists all the post's authors, its tags and categories, its
  ``published`` date as the author wrote it (the site's zone when no offset
  was given) and its ``updated`` date (front matter ``updated``, else the
  date).
- A feed's ``<updated>`` is its newest entry's, never the build time, so two
  builds of one commit give the same bytes.
- Entry content is rendered once per post, for the post's own page, and
  every ``href``/``src`` in it is made absolute: a feed reader resolves
  relative links against the feed, not the post. It is kept from one build
  to the next until the post is read again (:func:`content_group`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from sphinx.application import Sphinx

from techblog import __version__
from techblog.posts.contract import PostMeta
from techblog.posts.dates import rfc3339
from techblog.ablog import bridge
from techblog import atomic
from techblog.incremental import build_cache, rewrites, stale_output
from techblog.pages import views
from techblog.ablog.metadata import rules_of

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEED_FILE = "atom.xml"


@dataclass
class Feed:
    path: str  # of the feed, relative to the site root: blog/tag/ceph/atom.xml
    page: str  # docname of the HTML page the feed follows
    title: str
    subtitle: str | None
    posts: list  # BlogPosts (techblog.ablog.bridge), newest first


def absolutize(html: str, base_url: str) -> str:
    """``html`` with every link and image source made absolute against ``base_url``."""
    out = []
    for fragment in lxml.html.fragments_fromstring(html):
        if isinstance(fragment, str):
            out.append(fragment)
            continue
        fragment.make_links_absolute(base_url, resolve_base_href=False)
        out.append(lxml.html.tostring(fragment, encoding="unicode"))
    return "".join(out)


def site_url(app: Sphinx) -> str:
    base = app.config.blog_baseurl
    return base if base.endswith("/") else base + "/"


def absolute_url(app: Sphinx, docname: str) -> str:
    """The published page of a docname, as an absolute URL under ``blog_baseurl``."""
    return urljoin(site_url(app), app.builder.get_target_uri(docname))


def collect_feeds(app: Sphinx, blog: bridge.Blog) -> list[Feed]:
    title = app.config.blog_title
    categories = app.config.techblog_categories
    feeds = [Feed(f"{blog.blog_path}/{FEED_FILE}", app.config.root_doc, title,
                  app.config.blog_feed_subtitle, bridge.posts(app))]
    if app.config.blog_feed_archives:
        for header, catalog in [
            ("Posts by", blog.author),
            ("Posts in", blog.category),
            ("Posted in", blog.archive),
            ("Posts tagged", blog.tags),
        ]:
            for coll in catalog:
                posts = bridge.models(app, coll)  # ABlog sorts collections newest first
                if not posts:
                    continue
                subtitle = categories.get(coll.label, (None, None))[1] if catalog is blog.category else None
                feeds.append(Feed(f"{coll.path}/{FEED_FILE}", coll.docname, f"{title} - {header} {coll}",
                                  subtitle, posts))
    return feeds


class FeedWriter:
    def __init__(self, app: Sphinx):
        self.app = app
        self.id_base = app.config.techblog_feed_id
        self.length = app.config.blog_feed_length
        self.fulltext = app.config.blog_feed_fulltext
        self._content: dict[str, str] = {}  # by docname: each post is rendered once per build

    def entry_posts(self, feed: Feed) -> list:
        posts = sorted(feed.posts, key=lambda p: (p.meta.date, p.docname), reverse=True)
        return posts[: self.length] if self.length else posts

    def content(self, post: bridge.BlogPost) -> str:
        if post.docname not in self._content:
            # Kept between builds (build_cache.kept): a new post rewrites the feeds
            # it is in, and drawing each of their other entries again (its doctree
            # loaded from disk, resolved, written) was a third of those feeds' time.
            app, docname = self.app, post.docname
            group = content_group(app, docname)
            key = rewrites.digest_of((group, self.fulltext, rewrites.referred(app, docname)))
            self._content[docname] = build_cache.kept(
                app, CONTENT, group, key,
                lambda: absolutize(bridge.body_html(app, post, fulltext=self.fulltext),
                                   absolute_url(app, docname)))
        return self._content[post.docname]

    def feed_xml(self, feed: Feed) -> bytes:
        app, config = self.app, self.app.config
        entries = self.entry_posts(feed)
        root = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
        root.set(XML_LANG, config.language or "en")
        sub(root, "id", self.id_base + feed.path)
        sub(root, "title", feed.title)
        if feed.subtitle:
            sub(root, "subtitle", feed.subtitle)
        sub(root, "link", rel="self", type="application/atom+xml", href=urljoin(site_url(app), feed.path))
        alternate = site_url(app) if feed.page == config.root_doc else absolute_url(app, feed.page)
        sub(root, "link", rel="alternate", type="text/html", href=alternate)
        newest = max((self.updated(p.meta) for p in entries),
                     default=rules_of(app).now)
        sub(root, "updated", rfc3339(newest))
        person(root, config.author, None)
        sub(root, "generator", "techblog", uri="https://www.sphinx-doc.org/", version=__version__)
        if config.copyright:
            sub(root, "rights", f"© {config.copyright}")
        for post in entries:
            root.append(self.entry(post))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    @staticmethod
    def updated(meta: PostMeta):
        return meta.updated or meta.date

    def entry(self, post: bridge.BlogPost) -> etree._Element:
        app, config = self.app, self.app.config
        meta = post.meta
        entry = etree.Element(f"{{{ATOM_NS}}}entry")
        sub(entry, "id", self.id_base + post.docname)
        sub(entry, "title", post.title)
        sub(entry, "link", rel="alternate", type="text/html", href=absolute_url(app, post.docname))
        sub(entry, "published", rfc3339(meta.date))
        sub(entry, "updated", rfc3339(self.updated(meta)))
        for key in meta.authors:
            name, link = config.blog_authors[key]
            person(entry, name, link)
        category_scheme = urljoin(site_url(app), f"{config.blog_path}/category/")
        for key in meta.categories:
            sub(entry, "category", term=key, scheme=category_scheme, label=config.techblog_categories[key][0])
        tag_scheme = urljoin(site_url(app), f"{config.blog_path}/tag/")
        for tag in meta.tags:
            sub(entry, "category", term=tag, scheme=tag_scheme)
        if meta.description:
            sub(entry, "summary", meta.description, type="text")
        sub(entry, "content", self.content(post), type="html")
        return entry

    def inputs(self, feed: Feed) -> tuple:
        """All a feed shows: it is drawn again only when this changed (rewrites.py)."""
        return (rewrites.build_inputs(self.app), feed.path, feed.page, feed.title, feed.subtitle,
                tuple((views.full(self.app, post), repr(post.meta))
                      for post in self.entry_posts(feed)))

    def write(self, outdir: Path, feeds: Iterable[Feed]) -> None:
        generated = rewrites.digests(self.app)
        for feed in feeds:
            target = outdir / feed.path
            if generated.unchanged("feed:" + feed.path, lambda: rewrites.digest_of(self.inputs(feed)), target):
                continue
            data = self.feed_xml(feed)
            if target.is_file() and target.read_bytes() == data:
                continue  # unchanged: keep the file (and its mtime) as it is
            atomic.write_bytes(target, data)  # a reader never fetches half a feed


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def person(parent: etree._Element, name: str, uri: str | None) -> None:
    author = sub(parent, "author")
    sub(author, "name", name)
    if uri:
        sub(author, "uri", uri)


CONTENT = "feed-content"


def content_group(app: Sphinx, docname: str) -> str:
    """A post's entry content is drawn from its doctree (the same until it is read
    again: Sphinx notes when, ``env.all_docs``), for its own page, with the
    titles of what it links to (:func:`rewrites.referred`, in the key) and what
    every page depends on alike."""
    return rewrites.digest_of((rewrites.build_inputs(app), docname, app.env.all_docs.get(docname)))


def keep_current_content(app: Sphinx, exception: Exception | None) -> None:
    """Entry contents stay kept while their post is neither read again nor gone."""
    if exception is not None or app.builder.format != "html":
        return
    build_cache.keep_only(app, CONTENT,
                          lambda: {content_group(app, post.docname) for post in bridge.posts(app)})


def write_feeds(app: Sphinx):
    if app.builder.format != "html" or not app.config.blog_baseurl:
        return
    blog = bridge.blog(app)
    feeds = collect_feeds(app, blog)
    for feed in feeds:  # before writing: a build stopped halfway still knows them (stale_output.py)
        stale_output.produced(app, Path(feed.path).as_posix())
    FeedWriter(app).write(Path(app.outdir), feeds)
    yield from ()  # html-collect-pages wants an iterable of pages; feeds are not pages
