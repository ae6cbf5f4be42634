"""The blog data, merged when Sphinx reads in parallel (``sphinx-build -j N``).

Written against ablog 0.11.13 and Sphinx 9.0.4. ABlog declares
``parallel_read_safe: False`` (upstream: sunpy/ablog#264, "the ablog
extension does not declare if it is safe for parallel reading", closed by
declaring it unsafe, sunpy/ablog#297 according to that thread), so ``-j``
fell back to a serial read with a warning, which ``-W`` made an error.

Reading in parallel, Sphinx forks processes that each read some documents
into their own copy of the environment, and merges every copy back into the
main one with ``env-merge-info``: what an extension keeps on the environment
is lost unless it is merged there. Each piece the blog keeps while reading
is owned by an ``EnvironmentCollector``, whose ``merge_other`` Sphinx calls
for it:

- ``env.ablog_posts`` (ABlog's ``process_posts``, at ``doctree-read``, and
  ``ablog_adapters.keep_post_doctrees_on_disk`` after it): ABlog reads and
  purges them itself, but has no merge; :class:`AblogPosts` merges a read
  document's posts;
- the ``std`` labels and anonymous labels ABlog adds for a post (``post-001``):
  the std domain merges them (their docname is the post's);
- ``env.metadata[docname]["orphan"]`` (only with ``post_auto_orphan``):
  Sphinx's metadata collector merges it;
- ``ablog.blog.Blog``, ABlog's shared state: the collections and references
  ``process_posts`` creates while reading stay in the reading process, but
  nothing uses them before ``env-updated``, where
  ``ablog_adapters.register_posts_before_writing`` registers every post of
  ``env.ablog_posts`` in the main process, creating the same collections;
- ``env.techblog_listing_docs`` and ``env.techblog_paginated_listings``:
  :class:`techblog.pages.listings.ListingDocs`;
- ``env.techblog_references``: :class:`techblog.incremental.rewrites.References`;
- the checked posts and rules (:mod:`techblog.state`): made at
  ``config-inited``, before the processes are forked, and only read while
  reading.

Order: a serial read purges and reads the documents one after the other, so
a document read again moves to the end of ``env.ablog_posts``, in the order
Sphinx reads them. A parallel read purges them all first, then merges chunks
as they finish, in no fixed order; each merge puts the entries back in the
order a serial read gives (:func:`put_in_read_order`: ABlog registers posts
in that order, and a collection keeps it between posts of the same date and
title).
"""

from __future__ import annotations

from collections.abc import Set

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector

from techblog.state import state_of


def note_read_order(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """The documents this read goes through, in order (the list Sphinx reads from)."""
    # The list itself: a listener may still reorder it in place.
    state_of(app).read_order = docnames


def put_in_read_order(entries: dict, app: Sphinx, merged: Set[str]) -> None:
    """Entries of documents read in this build after the others, in reading order,
    as a serial read leaves them."""
    order = state_of(app).read_order or sorted(merged)
    rank = {docname: n for n, docname in enumerate(order)}
    kept = [(key, value) for key, value in entries.items() if key not in rank]
    read = sorted(((key, value) for key, value in entries.items() if key in rank),
                  key=lambda item: rank[item[0]])
    entries.clear()
    entries.update(kept + read)


def merge_entries(app: Sphinx, ours: dict, theirs: dict, docnames: Set[str]) -> None:
    """A reading process's entries for ``docnames`` in place of ours, in reading order."""
    for docname in docnames:
        if docname in theirs:
            ours[docname] = theirs[docname]
        else:
            ours.pop(docname, None)
    put_in_read_order(ours, app, docnames)


class AblogPosts(EnvironmentCollector):
    """The merge ABlog lacks for ``env.ablog_posts`` (ABlog reads and purges them itself)."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        pass  # ABlog's purge_posts

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        pass  # ABlog's process_posts

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames: Set[str],
                    other: BuildEnvironment) -> None:
        theirs = getattr(other, "ablog_posts", None)
        if theirs is None:
            return
        if not hasattr(env, "ablog_posts"):
            env.ablog_posts = {}
        for docname in docnames:
            if docname in theirs:
                env.ablog_posts[docname] = theirs[docname]
        put_in_read_order(env.ablog_posts, app, docnames)


def mark_ablog_safe(app: Sphinx) -> None:
    """ABlog declares itself unsafe for parallel reading; with :class:`AblogPosts` it is safe."""
    app.extensions["ablog"].parallel_read_safe = True
