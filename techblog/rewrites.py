"""Which pages an incremental build writes again.

Every page carries parts that show the whole site: the left navigation (the
toctrees, with every post's title), the blog sidebars (recent posts, tags,
categories, archives) and the date-ordered previous/next links. Sphinx
rewrites only the documents whose sources changed, so those parts would go
stale elsewhere. When what they show changes (a post added, removed,
retitled, re-dated, re-tagged, given another category or author, or any
page's title or place in a toctree), every page is written again. An edit
inside a post's body rewrites that post, and the listings that show its
excerpt (``listings.py``); generated pages and feeds are redone on every build.
"""

from __future__ import annotations

import hashlib

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def site_fingerprint(env: BuildEnvironment) -> str:
    """A digest of everything the site-wide parts of a page show."""
    digest = hashlib.sha256()

    def add(*values) -> None:
        digest.update(repr(values).encode("utf-8"))

    for docname, infos in sorted(getattr(env, "ablog_posts", {}).items()):
        for info in infos:
            add(docname, str(info["date"]), info["title"], tuple(info["tags"]), tuple(info["author"]),
                tuple(info["category"]))
    for docname in sorted(env.found_docs):
        title = env.titles.get(docname)
        add(docname, title.astext() if title is not None else None, tuple(env.toctree_includes.get(docname, ())))
    return digest.hexdigest()


def rewrite_all_when_the_site_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    fingerprint = site_fingerprint(env)
    if getattr(env, "techblog_site_fingerprint", None) == fingerprint:
        return []
    env.techblog_site_fingerprint = fingerprint  # pickled with the environment, after this event
    return sorted(env.found_docs)


def setup(app: Sphinx) -> None:
    app.connect("env-updated", rewrite_all_when_the_site_changed)
