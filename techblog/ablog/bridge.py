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
"""

from __future__ import annotations

from collections.abc import Iterator

import ablog
from ablog.blog import Blog, Catalog, Collection, Post
from ablog.post import generate_archive_pages as _generate_archive_pages
from sphinx.application import Sphinx

from techblog.ablog.adapters import post_doctree
from techblog.ablog.metadata import posts_of
from techblog.posts.contract import PostMeta

__all__ = [
    "Blog", "Catalog", "Collection", "Post",
    "blog", "builder_support", "generate_archive_pages", "meta_of", "post_doctree", "published",
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


def published(app: Sphinx, docname: str) -> tuple[Post, PostMeta] | None:
    """The published post at ``docname``, both halves; None for a draft or a page."""
    meta = posts_of(app).get(docname)
    posts = Blog(app).posts
    if meta is None or docname not in posts:
        return None
    return posts[docname], meta
