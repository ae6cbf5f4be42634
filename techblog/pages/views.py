"""What a page shows of a post: four named views, one function each.

- ``LINK``: a post in a sidebar or a previous/next link: its address, title
  and date.
- ``HEADLINE``: a line of a catalog (every tag with its posts): the link,
  its section and whether it is published.
- ``SUMMARY``: a post in a listing: the headline, its labels (tags, authors,
  categories), its excerpt, not the rest of its body, and whether it takes
  comments (its count is linked).
- ``FULL``: a post in a feed, whole: the summary, when its source was last
  read (standing for its body), its image and the titles of what it links to.

Each page type says which view it draws of the posts it shows (a template
through :func:`techblog.incremental.rewrites.changed_only`, a sidebar, a
feed), and :func:`of` is then both what the page shows and what decides
that it must be written again: a page is rewritten when the view of a post
it shows has changed, and only then.
"""

from __future__ import annotations

import hashlib

from sphinx.application import Sphinx

from techblog.ablog.bridge import BlogPost
from techblog.incremental import build_cache, rewrites

LINK, HEADLINE, SUMMARY, FULL = "link", "headline", "summary", "full"


def link(post: BlogPost) -> tuple:
    return (post.docname, post.title, str(post.date))


def headline(post: BlogPost) -> tuple:
    return (post.docname, post.section, post.title, str(post.date), post.published, str(post.external_link))


def labels_of(post: BlogPost) -> tuple:
    """The names of a post's tags, authors and categories."""
    return tuple(tuple(label.name for label in labels) for labels in (post.tags, post.authors, post.categories))


def summary(post: BlogPost) -> tuple:
    excerpt = hashlib.sha256("".join(node.pformat() for node in post.excerpt).encode("utf-8")).hexdigest()
    # comments: whether the summary links the post's comment count (post-summary.html)
    return (post.docname, post.section, post.title, str(post.date), labels_of(post), excerpt,
            post.meta.comments)


def full(app: Sphinx, post: BlogPost) -> str:
    """Worked out once per build: every listing, feed and catalog of the post asks."""
    return build_cache.once(app, ("post-key", post.docname, post.section), lambda: _full(app, post))


def _full(app: Sphinx, post: BlogPost) -> str:
    # The time its source was last read stands for all of it (excerpt, body);
    # then what it links to, and the labels' names, which come from conf.py.
    return rewrites.digest_of((post.docname, post.section, post.title, str(post.date), str(post.update),
                               labels_of(post), post.image,
                               str(app.env.all_docs.get(post.docname)), rewrites.referred(app, post.docname)))


def of(app: Sphinx, post: BlogPost, view: str):
    """The ``view`` of ``post``: what a page showing it that way shows."""
    if view == LINK:
        return link(post)
    if view == HEADLINE:
        return headline(post)
    if view == SUMMARY:
        return summary(post)
    return full(app, post)
