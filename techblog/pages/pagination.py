"""Long listings in pages of ``techblog_posts_per_page`` posts (20), newest first.

Paginated are the ``blogposts`` listings with ``:paginate:`` (the all-posts
and legacy landing pages, :mod:`techblog.pages.listings`) and ABlog's tag,
category, author and year pages (:mod:`techblog.pages.collections`). Page 1
keeps its address; page N of the listing whose page 1 is ``X.html`` or
``X/index.html`` is ``X/page/N.html``::

    posts/index.html          posts/page/2.html
    legacy/index.html         legacy/page/2.html
    blog/tag/openstack.html   blog/tag/openstack/page/2.html
    blog/2016.html            blog/2016/page/2.html

Pages 2..N are generated at ``html-collect-pages``, as ABlog generates its
own pages, under these page names, so ``pathto`` and relative links work at
any depth. Every page carries the same navigation
(``_templates/techblog/pagination.html``: first, previous, "Page N of M",
next, last) and ``<link rel="prev|next">`` in its head.

A page is drawn from a :class:`Page` alone: its own posts and its place in
the sequence. A later build can thus skip pages whose posts did not change,
and splitting a listing is one pass over it, never pages x posts.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape
from sphinx.application import Sphinx

# Generated pages of a listing, paginated collections included.
LISTING_PAGE_TEMPLATE = "techblog/listing-page.html"
NAVIGATION_TEMPLATE = "techblog/pagination.html"
CONTEXT_KEY = "techblog_pagination"


def page_docname(first: str, number: int) -> str:
    """The page name of page ``number`` of the listing whose page 1 is ``first``."""
    if number == 1:
        return first
    folder = first[: -len("index")].rstrip("/") if first == "index" or first.endswith("/index") else first
    return f"{folder}/page/{number}" if folder else f"page/{number}"


@dataclass(frozen=True)
class Page:
    """One page of a listing: everything the page shows of the listing."""

    first: str  # page name of page 1
    number: int  # 1-based
    count: int  # pages in the listing
    posts: tuple  # ABlog posts on this page, newest first

    @property
    def docname(self) -> str:
        return page_docname(self.first, self.number)

    def _link(self, number: int) -> str | None:
        if number == self.number or not 1 <= number <= self.count:
            return None
        return page_docname(self.first, number)

    @property
    def prev(self) -> str | None:
        return self._link(self.number - 1)

    @property
    def next(self) -> str | None:
        return self._link(self.number + 1)

    @property
    def first_page(self) -> str | None:
        return self._link(1)

    @property
    def last_page(self) -> str | None:
        return self._link(self.count)

    def title(self, title: str) -> str:
        """``title`` as page 1 has it, with the page number on the others."""
        return title if self.number == 1 else f"{title}, page {self.number} of {self.count}"


def paginate(first: str, posts, per_page: int) -> list[Page]:
    """``posts`` (newest first) in pages of ``per_page``; one empty page when there are none."""
    posts = list(posts)
    count = max(1, -(-len(posts) // per_page))
    return [Page(first, n + 1, count, tuple(posts[n * per_page:(n + 1) * per_page])) for n in range(count)]


def per_page(app: Sphinx) -> int:
    return app.config.techblog_posts_per_page


def add_head_links(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """``<link rel="prev|next">`` for browsers and crawlers, on every page of a listing."""
    page: Page | None = context.get(CONTEXT_KEY)
    if page is None:
        return
    links = "".join(
        f'<link rel="{rel}" href="{escape(context["pathto"](target))}" />\n'
        for rel, target in [("prev", page.prev), ("next", page.next)]
        if target
    )
    context["metatags"] = context.get("metatags", "") + links
