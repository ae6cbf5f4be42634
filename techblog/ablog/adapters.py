"""Adapters around ABlog behaviour (written against ablog 0.11.13).

Each adapter is small and says what it works around, so it can be dropped
when ABlog changes.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools

import ablog.blog
import docutils.frontend
import docutils.utils
from ablog.blog import Blog, Collection
from ablog.post import generate_archive_pages, generate_atom_feeds, register_posts
from sphinx.application import Sphinx

from techblog import listeners


def reset_blog_state(app: Sphinx) -> None:
    """Give every Sphinx application a fresh ``ablog.blog.Blog``.

    ABlog keeps all blog data in a class attribute (``Blog._dict``, shared
    state), filled by the first application that asks for it. A second build
    in the same process (sphinx-autobuild, the test suite) would otherwise
    see the first build's posts and configuration.
    """
    Blog._dict.clear()


def register_categories(app: Sphinx) -> None:
    """Give categories display names, as ABlog does for authors.

    ABlog has ``blog_authors`` with display names but nothing for categories:
    a category's page title is the raw label from the post. Registering the
    collections up front makes ``category: operations`` display as
    "Operations" and gives its page a stable name.
    """
    blog = Blog(app)
    for label, (name, _description) in app.config.techblog_categories.items():
        blog.category[label] = Collection(blog.category, label, name)


def register_posts_before_writing(app: Sphinx, env) -> list[str]:
    """Register every post once per build, when reading is done.

    ABlog registers the posts lazily, from its first ``doctree-resolved``
    handler, but references to its pages (``tag-openstack``) are resolved
    before that event: in an incremental build where no post was re-read,
    the first page written warned "undefined label: 'tag-openstack'". Doing
    it here also lets our write-phase handlers use ``Blog(app)`` as is.
    """
    register_posts(app)
    return []


def publish_every_dated_post() -> None:
    """Let techblog alone decide what is published.

    ABlog treats a post dated after ``ablog.blog.TOMORROW`` as a draft, and
    computes that once, at import, from the build machine's local clock: a
    post dated this evening in the site's time zone could be published or
    not depending on the machine's ``TZ``. techblog leaves unpublished posts
    out before ABlog sees them (:mod:`techblog.ablog.drafts`), and a preview shows
    them on purpose, so every post ABlog sees is published.
    """
    ablog.blog.TOMORROW = dt.datetime.max


def replace_atom_feeds(app: Sphinx) -> None:
    """Take ABlog's feed writer out; :mod:`techblog.pages.feeds` writes the feeds.

    ABlog 0.11.13's feeds are not valid Atom: one ``<id>`` shared by every
    feed and entry, only the last author of a post, ``<updated>`` set to the
    build time, dates in the build machine's time zone, and entry links
    relative to the feed's page. Same paths, so templates and readers'
    subscriptions are unchanged.
    """
    listeners.take_out(app, "html-collect-pages", generate_atom_feeds)


def replace_archive_pages(app: Sphinx) -> None:
    """Take ABlog's page generator out; :mod:`techblog.pages.collections` runs it.

    ABlog 0.11.13's ``generate_archive_pages`` draws every tag, category,
    author and year page with all its posts (no pagination: about 1.4 kB per
    post, 1.4 MB for a tag of 1,000 posts), and always writes a second list of
    every post at ``blog.html`` beside ours, ``posts/index.html``. Our
    replacement calls ABlog's generator and keeps its other pages as they are.
    """
    listeners.take_out(app, "html-collect-pages", generate_archive_pages)


def keep_post_doctrees_on_disk(app: Sphinx, doctree) -> None:
    """Keep ABlog's copy of each post's doctree out of the environment.

    ABlog (0.11.13, ``process_posts``) stores a copy of every post's whole
    doctree in ``env.ablog_posts``, for full-text feeds: with 1,000 posts,
    85% of the pickled environment, which every build loads, even one with
    nothing to do. Sphinx keeps each document's doctree on disk anyway; a
    post's is read from there when a feed needs it (:func:`post_doctree`).
    Only for documents that are one post (ABlog copies a section otherwise).
    (No upstream issue found.)

    The excerpt's nodes are copies that still point at the document they
    came from (docutils ``Node.copy`` keeps ``_document``), which pickles
    that whole document with them; they are cut loose from it.
    """
    for info in getattr(app.env, "ablog_posts", {}).get(app.env.docname, ()):
        if not info["section"]:
            info["doctree"] = None
        for node in info["excerpt"]:
            for part in node.findall():
                part._document = None


def post_doctree(app: Sphinx, post: ablog.blog.Post):
    """The post's doctree as ABlog would have kept it: the whole document."""
    if post.doctree is None:
        post.doctree = app.env.get_doctree(post.docname)
    return post.doctree


@functools.cache
def default_settings():
    """docutils' default settings, made once (the same in every build)."""
    return docutils.frontend.get_default_settings()


def new_document_with_shared_settings(source_path: str, settings=None):
    """``docutils.utils.new_document``, with one set of default settings copied.

    ABlog (0.11.13) draws every excerpt and feed entry through
    ``Post.to_html``, which starts with ``new_document("")``: docutils then
    builds its default settings from scratch (an option parser of every
    component, about 1.5 ms), though ``html_builder_write_doc`` replaces
    them with the builder's before writing. With 1,000 posts that was about
    a fifth of a clean build. The defaults are made once and each document
    gets its own copy (Sphinx's transforms add to a document's settings).
    (No upstream issue found.)
    """
    if settings is None:
        settings = copy.copy(default_settings())
    return docutils.utils.new_document(source_path, settings)


_write_doc = ablog.blog.html_builder_write_doc


def write_doc_with_images(builder, docname, doctree, img_url=False):
    """``html_builder_write_doc`` that first tells the builder about the images.

    ABlog (0.11.13) draws an excerpt or a feed entry with part of Sphinx's
    ``write_doc``, leaving out ``post_process_images``: an image is given
    its ``_images/`` address only if the builder learnt it elsewhere, by
    writing the post's own page in the same build. An incremental build that
    does not write the post drew its images with their source path (a feed
    entry of a legacy post: ``legacy/2014/01/legacy/_images/x.png``, a 404).
    Registering them also copies them to ``_images/`` (unchanged files are
    left alone). (No upstream issue found.)
    """
    builder.post_process_images(doctree)
    return _write_doc(builder, docname, doctree, img_url=img_url)


def share_default_settings() -> None:
    ablog.blog.new_document = new_document_with_shared_settings


def register_images_when_drawing() -> None:
    ablog.blog.html_builder_write_doc = write_doc_with_images


def install(app: Sphinx) -> None:
    """The adapters that patch ABlog or take its listeners over (techblog.pipeline connects the rest)."""
    share_default_settings()
    register_images_when_drawing()
    publish_every_dated_post()
    replace_atom_feeds(app)
    replace_archive_pages(app)
