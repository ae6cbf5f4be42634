"""Post listings inside pages: the ``blogposts`` directive.

The home page and the section landing pages list posts with their date,
authors, category, tags and excerpt. ABlog's ``postlist`` puts all of that in
one paragraph; ``blogposts`` draws each post with
``_templates/techblog/post-summary.html`` instead::

    ```{blogposts}
    :limit: 10
    :category: legacy
    ```

Options (all optional): ``limit`` (newest N), ``category``, ``tag``,
``author`` (keep posts that carry that label).

Such a page shows other documents' data, but Sphinx only rewrites a page
when its own source changes. When any post's listed data changes, or a post
is added or removed, the listing pages are handed back to Sphinx to be
written again.
"""

from __future__ import annotations

from ablog.blog import Blog
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

from .drafts import is_unpublished
from .metadata import posts_of


TEMPLATE = "techblog/post-summaries.html"
FILTERS = {"category": "category", "tag": "tags", "author": "author"}


class blogposts_node(nodes.General, nodes.Element):
    """Placeholder, replaced by the rendered listing when the page is written."""


class BlogPostsDirective(SphinxDirective):
    has_content = False
    option_spec = {
        "limit": directives.positive_int,
        "category": directives.unchanged_required,
        "tag": directives.unchanged_required,
        "author": directives.unchanged_required,
    }

    def run(self) -> list[nodes.Node]:
        node = blogposts_node()
        self.set_source_info(node)
        node["limit"] = self.options.get("limit")
        node["filters"] = {attr: self.options[opt] for opt, attr in FILTERS.items() if opt in self.options}
        return [node]


def select_posts(posts, filters: dict, limit: int | None) -> list:
    """Published posts, newest first, that carry every label in ``filters``."""
    chosen = [
        post
        for post in posts
        if all(label in [coll.label for coll in getattr(post, attr)] for attr, label in filters.items())
    ]
    return chosen[:limit] if limit else chosen


def render_listings(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    found = list(doctree.findall(blogposts_node))
    if not found:
        return
    blog = Blog(app)
    metas = posts_of(app.config)
    for node in found:
        posts = select_posts(blog.posts, node["filters"], node["limit"])
        html = app.builder.templates.render(
            TEMPLATE,
            {
                "posts": posts,
                "url": lambda target: app.builder.get_relative_uri(docname, target),
                "excerpt": lambda post: post.to_html(docname),
                "meta_of": lambda post: metas[post.docname],
                "is_unpublished": lambda post: is_unpublished(app, post.docname),
                "date_format": app.config.post_date_format,
            },
        )
        node.replace_self(nodes.raw("", html, format="html"))


def listing_docs(env: BuildEnvironment) -> set[str]:
    """Documents that contain a ``blogposts`` listing (kept in the pickled env)."""
    if not hasattr(env, "techblog_listing_docs"):
        env.techblog_listing_docs = set()
    return env.techblog_listing_docs


def note_listing_doc(app: Sphinx, doctree: nodes.document) -> None:
    docs = listing_docs(app.env)
    if any(True for _ in doctree.findall(blogposts_node)):
        docs.add(app.env.docname)
    else:
        docs.discard(app.env.docname)


def purge_listing_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    listing_docs(env).discard(docname)


def posts_fingerprint(env: BuildEnvironment) -> tuple:
    """What listings show of every post, in a comparable form."""
    rows = []
    for docname, infos in sorted(getattr(env, "ablog_posts", {}).items()):
        for info in infos:
            rows.append(
                (
                    docname,
                    str(info["date"]),
                    info["title"],
                    tuple(info["tags"]),
                    tuple(info["author"]),
                    tuple(info["category"]),
                    tuple(node.astext() for node in info["excerpt"]),
                )
            )
    return tuple(rows)


def outdated_listings(app: Sphinx, env: BuildEnvironment) -> list[str]:
    fingerprint = posts_fingerprint(env)
    if getattr(env, "techblog_posts_fingerprint", None) == fingerprint:
        return []
    env.techblog_posts_fingerprint = fingerprint
    return sorted(listing_docs(env) & env.found_docs)


def setup(app: Sphinx) -> None:
    app.add_node(blogposts_node)
    app.add_directive("blogposts", BlogPostsDirective)
    app.connect("doctree-resolved", render_listings)
    app.connect("doctree-read", note_listing_doc)
    app.connect("env-purge-doc", purge_listing_doc)
    app.connect("env-updated", outdated_listings)
