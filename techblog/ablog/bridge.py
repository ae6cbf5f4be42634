"""The one way the rest of techblog reaches the blog ABlog keeps.

Only ``techblog/ablog/`` imports ``ablog`` (tests/test_layout.py checks it).
Everything else asks here: for the blog (:func:`blog`), whether the builder
can draw its pages (:func:`builder_support`), ABlog's own archive pages
(:func:`generate_archive_pages`), and a post's metadata as the contract read
it (:func:`meta_of`, :func:`published`), so that a post's two halves, our
``PostMeta`` and ABlog's ``Post``, are joined in this one place.

ABlog's types are re-exported for annotations and ``isinstance`` checks;
what they carry is ABlog 0.11.13's (``Post.title``, ``.excerpt``,
``.docname``, ``.section``, ``.tags``/``.category``/``.author`` collections,
``.prev``/``.next``).

Consumers outside ``techblog/ablog/`` see a post as one read-only
:class:`BlogPost` (:func:`post`, :func:`posts`, :func:`drafts`,
:func:`model`): both halves, made once per build per post. What must still
hand ABlog's ``Post`` to ABlog stays here: drawing an excerpt
(:func:`excerpt_html`) or a feed body (:func:`body_html`), ABlog's
``Post.to_html``. ABlog's own templates (``ablog/*.html``: catalog,
collection, tag cloud..., drawn by ABlog's page generator through
:func:`generate_archive_pages`) keep receiving ABlog's objects, and so do
the ``ablog`` object ABlog puts in every page's context.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import ablog
from ablog.blog import Blog, Catalog, Collection, Post
from ablog.post import generate_archive_pages as _generate_archive_pages
from sphinx.application import Sphinx

from techblog.ablog.adapters import post_doctree
from techblog.ablog.metadata import posts_of
from techblog.posts.contract import PostMeta
from techblog.state import state_of

__all__ = [
    "Blog", "BlogPost", "Catalog", "Collection", "Label", "Post",
    "blog", "body_html", "builder_support", "drafts", "excerpt_html", "generate_archive_pages", "is_post",
    "meta_of", "model", "models", "neighbours", "post", "post_doctree", "posts", "published", "recent",
]


def blog(app: Sphinx) -> Blog:
    """ABlog's blog of this build (posts, drafts, catalogs, references)."""
    return Blog(app)


def builder_support(app: Sphinx) -> bool:
    """Whether ABlog draws its pages with this builder (html, not json/pickle)."""
    return ablog.builder_support(app)


def generate_archive_pages(app: Sphinx) -> Iterator[tuple[str, dict, str]]:
    """ABlog's tag, category, author, year and catalog pages: (pagename, context, template)."""
    return _generate_archive_pages(app)


def meta_of(app: Sphinx, post: Post | str) -> PostMeta:
    """The contract's metadata of an ABlog post (or of a post's docname).

    Every post ABlog knows passed the contract (:mod:`techblog.ablog.metadata`
    hands it over), so a ``KeyError`` here means a document that is no post.
    """
    return posts_of(app)[post if isinstance(post, str) else post.docname]


def published(app: Sphinx, docname: str) -> BlogPost | None:
    """The published post at ``docname``; None for a draft or a page."""
    found = Blog(app).posts
    if docname not in posts_of(app) or docname not in found:
        return None
    return model(app, found[docname])


# -- One post model for consumers ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Label:
    """One of a post's tags, authors or categories: its name as shown, its
    key (``label``) and the page that lists its posts."""

    name: str
    label: str
    docname: str

    def __str__(self) -> str:
        return self.name


@dataclasses.dataclass(frozen=True, eq=False)
class BlogPost:
    """A post as the rest of techblog sees it: ABlog's ``Post`` and our
    ``PostMeta`` joined, read-only. Made by :func:`model`, once per build per post."""

    docname: str
    title: str
    date: dt.datetime | None
    update: dt.datetime | None
    section: str | None
    published: bool
    external_link: Any
    image: Any  #: the ``image`` option ABlog kept (not ``meta.image``)
    meta: PostMeta
    tags: tuple[Label, ...]
    authors: tuple[Label, ...]
    categories: tuple[Label, ...]
    #: ABlog's order of posts: (date, title); a draft without a date comes last.
    order: tuple
    _post: Post = dataclasses.field(repr=False)

    @property
    def excerpt(self) -> tuple:
        """The excerpt's docutils nodes (as ABlog keeps them)."""
        return tuple(self._post.excerpt)

    def labels(self, kind: str) -> tuple[Label, ...]:
        """``tags``, ``authors`` or ``categories`` (ABlog's ``author``/``category`` too)."""
        return getattr(self, KINDS.get(kind, kind))


KINDS = {"author": "authors", "category": "categories"}


def _labels(collections) -> tuple[Label, ...]:
    return tuple(Label(str(coll), coll.label, coll.docname) for coll in collections or ())


def _make(app: Sphinx, post: Post) -> BlogPost:
    return BlogPost(
        docname=post.docname, title=post.title, date=post.date, update=post.update, section=post.section,
        published=post.published, external_link=post.external_link, image=post.options.get("image"),
        meta=meta_of(app, post), tags=_labels(post.tags), authors=_labels(post.author),
        categories=_labels(post.category), order=(post._computed_date, post.title), _post=post)


def is_post(value: object) -> bool:
    """Whether ``value`` is a post (ours or ABlog's, as ABlog's page contexts hold them)."""
    return isinstance(value, (BlogPost, Post))


def model(app: Sphinx, post: Post | BlogPost) -> BlogPost:
    """The :class:`BlogPost` of an ABlog post (one per build per post)."""
    if isinstance(post, BlogPost):
        return post
    store = state_of(app).once  # emptied when a build starts and when reading is done
    key = ("blog-post", post.docname)
    found = store.get(key)
    if found is None or found._post is not post:  # new, or ABlog made the post again
        found = store[key] = _make(app, post)
    return found


def models(app: Sphinx, found: Iterable[Post]) -> list[BlogPost]:
    """The :class:`BlogPost` of each ABlog post (of a collection, say), in order."""
    return [model(app, p) for p in found]


def posts(app: Sphinx) -> list[BlogPost]:
    """The published posts, newest first (ABlog's ``blog.posts``)."""
    return models(app, Blog(app).posts)


def drafts(app: Sphinx) -> list[BlogPost]:
    """The drafts ABlog knows (shown in previews only)."""
    return models(app, Blog(app).drafts)


def post(app: Sphinx, docname: str) -> BlogPost | None:
    """The post (published or draft) at ``docname``; None for a page."""
    the_blog = Blog(app)
    return model(app, the_blog[docname]) if docname in the_blog else None


def neighbours(app: Sphinx, post: BlogPost) -> tuple[BlogPost | None, BlogPost | None]:
    """The older and the newer post (ABlog's ``prev``, ``next``)."""
    return tuple(model(app, p) if p else None for p in (post._post.prev, post._post.next))


def recent(app: Sphinx, count: int, pagename: str | None = None) -> list[BlogPost]:
    """ABlog's ``blog.recent(count, pagename)``."""
    return models(app, Blog(app).recent(count, pagename))


def excerpt_html(app: Sphinx, post: BlogPost, pagename: str) -> str:
    """The excerpt drawn for page ``pagename`` (ABlog's ``Post.to_html``)."""
    return post._post.to_html(pagename)


def body_html(app: Sphinx, post: BlogPost, fulltext: bool) -> str:
    """The post for a feed: whole (``fulltext``) or its excerpt, drawn for its own page."""
    post_doctree(app, post._post)
    return post._post.to_html(post.docname, fulltext=fulltext)
