"""The team's talks on the site: the Talks page, the talks of a tag or an
author on their pages, the talks feed, and the author's profile.

The data is ``techblog_talks`` (``talks/talks.yaml``), checked when the
configuration is read (:func:`check_talks`, :mod:`techblog.posts.talks`):
bad data stops the build with the contract's ``file:line: field: ...``
errors, as bad posts do.

- ``talks.html`` (:data:`TALKS_PAGE`): every talk by year, newest first,
  with its speakers (linked to their author pages), tags (linked to tag
  pages), abstract, slides and video (the click-to-load facade of posts,
  ``_static/techblog-video.js``: nothing is loaded from the video host
  before a click);
- a "Talks" section on page 1 of a tag's and of an author's page
  (:func:`collection_context`, called by :mod:`techblog.pages.collections`),
  and the author's photo and bio (``techblog_author_profiles``) on theirs;
  a tag or speaker with talks but no post has such a page too, with its
  talks only (:func:`talk_pages`);
- ``talks/atom.xml``: one entry per talk (:func:`write_talks_feed`);
- local slides are copied into the output at their path in the site.

Every page here is drawn through :func:`techblog.incremental.rewrites.changed_only`:
the talks are in its context, so editing the data rewrites exactly the
pages that show the talks that changed.
"""

from __future__ import annotations

import itertools
import posixpath
from pathlib import Path
from urllib.parse import urljoin

from lxml import etree
from markupsafe import escape
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from techblog import __version__, atomic
from techblog.ablog import bridge
from techblog.ablog.metadata import InvalidPosts, posts_of, rules_of
from techblog.config import InvalidSetting
from techblog.incremental import rewrites, stale_output
from techblog.pages import feeds
from techblog.posts.contract import slugify
from techblog.posts.dates import rfc3339
from techblog.posts.talks import TALKS_EXPECTED, Talk, check_talks as check_data
from techblog.state import state_of

logger = logging.getLogger(__name__)

TALKS_PAGE = "talks"
FEED = "talks/atom.xml"
PAGE_TEMPLATE = "techblog/talks.html"
COLLECTION_TEMPLATE = "techblog/talks-collection.html"


def check_talks(app: Sphinx, config: Config) -> None:
    """The talks, checked against the posts (after them: tags are spelt as posts spell them)."""
    state = state_of(app)
    try:
        report = check_data(config.techblog_talks, rules_of(app), posts_of(app))
    except ValueError as err:
        raise InvalidSetting("techblog_talks", config.techblog_talks, str(err), "expected " + TALKS_EXPECTED) from None
    for problem in report.problems:
        logger.error(problem.message, location=problem.location, type="techblog", subtype="talks")
    if report.problems:
        stop = InvalidPosts(report.problems)
        logger.error(stop.summary.replace("front-matter", "talk data"))
        raise stop
    state.talks, state.talks_file = report.talks, report.path


def note_talks(app: Sphinx, env) -> list[str]:
    """The talks file is no Sphinx source, and the author profiles are kept out
    of the configuration's hash (which rewrites every page): an edit to either
    alone must still reach the pages that show them (rewrites.py compares
    their digests, and each such page has them in its context)."""
    state = state_of(app)
    rewrites.note_data(app, "data:talks", (state.talks_file, state.talks))
    rewrites.note_data(app, "data:author-profiles", sorted(app.config.techblog_author_profiles.items()))
    return []


def talks_of(app: Sphinx) -> tuple[Talk, ...]:
    return state_of(app).talks


# -- Where a talk's labels lead ---------------------------------------------------------


def tag_page(app: Sphinx, tag: str) -> str:
    """The page of a tag (ABlog's, ``blog/tag/<slug>``), whether posts or only talks carry it."""
    return posixpath.join(bridge.blog(app).tags.path, slugify(tag))


def author_page(app: Sphinx, key: str) -> str:
    """The page of a registered author (ABlog names it after the display name)."""
    return bridge.blog(app).author[key].docname


def by_year(talks) -> list[tuple[int, list[Talk]]]:
    return [(year, list(group)) for year, group in itertools.groupby(talks, key=lambda talk: talk.year)]


def talk_context(app: Sphinx, talks) -> dict:
    """What ``techblog/talk.html`` needs to draw ``talks``: where their speakers
    and tags lead. Plain values (docnames), so that a page's digest sees them,
    and only those of the talks shown: a page changes only with its own talks."""
    keys = sorted({speaker.key for talk in talks for speaker in talk.speakers if speaker.key})
    tags = sorted({tag for talk in talks for tag in talk.tags})
    return {
        "techblog_author_pages": {key: author_page(app, key) for key in keys},
        "techblog_tag_pages": {tag: tag_page(app, tag) for tag in tags},
        "techblog_talks_page": TALKS_PAGE,
        "techblog_talk_date_format": app.config.post_date_format,
    }


def profile_of(app: Sphinx, key: str) -> dict | None:
    profile = app.config.techblog_author_profiles.get(key)
    if not profile:
        return None
    name = app.config.blog_authors[key][0]
    return {"name": name, "bio": profile.get("bio"),
            "photo": f"_static/{profile['photo']}" if profile.get("photo") else None}


def collection_context(app: Sphinx, collection) -> dict:
    """On page 1 of a tag's or an author's page: its talks, and an author's profile."""
    blog = bridge.blog(app)
    if collection.catalog is blog.tags:
        talks = [talk for talk in talks_of(app) if slugify(collection.label) in map(slugify, talk.tags)]
        return {"techblog_talks": talks, **(talk_context(app, talks) if talks else {})}
    if collection.catalog is blog.author:
        key = collection.label
        talks = [talk for talk in talks_of(app) if key in (speaker.key for speaker in talk.speakers)]
        return {"techblog_talks": talks, "techblog_profile": profile_of(app, key),
                **(talk_context(app, talks) if talks else {})}
    return {}


# -- Pages ------------------------------------------------------------------------------


def talk_pages(app: Sphinx):
    """The Talks page, and the pages of tags and speakers that only talks carry;
    each drawn only when what it shows changed."""
    if not bridge.builder_support(app):
        return
    yield from rewrites.changed_only(app, all_talk_pages(app))


def all_talk_pages(app: Sphinx):
    talks = talks_of(app)
    feed = has_feed(app)
    yield TALKS_PAGE, {
        "title": "Talks",
        "techblog_talk_years": by_year(talks),
        "techblog_talks_feed": FEED if feed else None,
        # page.html advertises the page's feed (ABlog's feed_path: <path>/atom.xml)
        "feed_path": posixpath.dirname(FEED) if feed else None,
        "feed_title": f"{app.config.blog_title}: talks",
        **talk_context(app, talks),
    }, PAGE_TEMPLATE
    blog = bridge.blog(app)
    with_posts = {coll.docname for catalog in (blog.tags, blog.author) for coll in catalog if coll}
    tags = {}
    for talk in talks:
        for tag in talk.tags:
            tags.setdefault(tag_page(app, tag), tag)
    for docname, tag in sorted(tags.items()):
        if docname in with_posts or docname in app.env.found_docs:
            continue
        shown = [talk for talk in talks if tag in talk.tags]
        yield docname, {"title": escape(f"Talks tagged {tag}"), "header": "Talks tagged", "label": tag,
                        "techblog_talks": shown, **talk_context(app, shown)}, COLLECTION_TEMPLATE
    keys = sorted({speaker.key for talk in talks for speaker in talk.speakers if speaker.key})
    for key in keys:
        docname = author_page(app, key)
        if docname in with_posts or docname in app.env.found_docs:
            continue
        name = app.config.blog_authors[key][0]
        shown = [talk for talk in talks if key in (speaker.key for speaker in talk.speakers)]
        yield docname, {"title": escape(f"Talks by {name}"), "header": "Talks by", "label": name,
                        "techblog_profile": profile_of(app, key), "techblog_talks": shown,
                        **talk_context(app, shown)}, COLLECTION_TEMPLATE


# -- The feed ---------------------------------------------------------------------------


def has_feed(app: Sphinx) -> bool:
    """A feed needs the site's address, and a talk: an empty feed would have no
    date to give as its own but the build's (as ABlog's empty collections, none)."""
    return bool(app.config.blog_baseurl and talks_of(app))


def feed_xml(app: Sphinx, talks) -> bytes:
    config = app.config
    site = feeds.site_url(app)
    page = feeds.absolute_url(app, TALKS_PAGE)
    A = feeds.sub
    root = etree.Element(f"{{{feeds.ATOM_NS}}}feed", nsmap={None: feeds.ATOM_NS})
    root.set(feeds.XML_LANG, config.language or "en")
    A(root, "id", config.techblog_feed_id + FEED)
    A(root, "title", f"{config.blog_title}: talks")
    A(root, "subtitle", "Talks given by the team, newest first.")
    A(root, "link", rel="self", type="application/atom+xml", href=urljoin(site, FEED))
    A(root, "link", rel="alternate", type="text/html", href=page)
    # The newest talk's day, never the build time: two builds give the same bytes.
    A(root, "updated", rfc3339(max(talk.date for talk in talks)))
    feeds.person(root, config.author, None)
    A(root, "generator", "techblog", uri="https://www.sphinx-doc.org/", version=__version__)
    if config.copyright:
        A(root, "rights", f"© {config.copyright}")
    tag_scheme = urljoin(site, f"{config.blog_path}/tag/")
    for talk in talks[: config.blog_feed_length or None]:
        entry = etree.SubElement(root, f"{{{feeds.ATOM_NS}}}entry")
        A(entry, "id", f"{config.techblog_feed_id}{TALKS_PAGE}/{talk.anchor}")
        A(entry, "title", talk.title)
        A(entry, "link", rel="alternate", type="text/html", href=f"{page}#{talk.anchor}")
        A(entry, "published", rfc3339(talk.date))
        A(entry, "updated", rfc3339(talk.date))
        for speaker in talk.speakers:
            feeds.person(entry, speaker.name,
                         feeds.absolute_url(app, author_page(app, speaker.key)) if speaker.key else None)
        for tag in talk.tags:
            A(entry, "category", term=tag, scheme=tag_scheme)
        where = ", ".join(filter(None, [talk.event, talk.place]))
        A(entry, "summary", "\n\n".join([where, *talk.abstract]), type="text")
        if talk.slides:
            A(entry, "link", rel="related", title="Slides",
              href=urljoin(site, talk.slides) if talk.slides_local else talk.slides)
        if talk.video:
            A(entry, "link", rel="related", title=f"Video on {talk.video.host}", href=talk.video.page)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write_talks_feed(app: Sphinx):
    """``talks/atom.xml``, and the local slides copied into the output (html-collect-pages)."""
    if app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    talks = talks_of(app)
    for talk in talks:
        if talk.slides_local:
            copy_into_output(app, talk.slides)
    if has_feed(app):
        stale_output.produced(app, FEED)
        target = outdir / FEED
        inputs = (rewrites.build_inputs(app), talks, talk_context(app, talks))
        if not rewrites.digests(app).unchanged("feed:" + FEED, lambda: rewrites.digest_of(inputs), target):
            data = feed_xml(app, talks)
            if not (target.is_file() and target.read_bytes() == data):
                atomic.write_bytes(target, data)
    yield from ()  # html-collect-pages wants an iterable of pages


def copy_into_output(app: Sphinx, relpath: str) -> None:
    """A file of the site at the same path in the output, written only when it differs."""
    stale_output.produced(app, relpath)
    source, target = Path(app.srcdir, relpath), Path(app.outdir, relpath)
    data = source.read_bytes()
    if not (target.is_file() and target.read_bytes() == data):
        atomic.write_bytes(target, data)
