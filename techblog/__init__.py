"""The team blog's own Sphinx extension, and its author tools.

ABlog collects the posts; this extension adds what our blog needs on top,
in folders named for the stages a post passes through:

- ``posts/``: front matter to ``PostMeta`` (the metadata contract); no Sphinx;
- ``ablog/``: the bridge to ABlog, and the adapters around it;
- ``pages/``: what a reader sees (listings, collections, pagination, feeds,
  the post header, navigation, sidebars, comments);
- ``site/``: around the pages (sitemap, link previews, the 404 page, search);
- ``incremental/``: what a build writes again and what it keeps;
- ``legacy/``: the old blog (the Blogger importer, archived comments,
  redirects, video facades);
- ``tools/``: ``python -m techblog new|check|import-blogger|comments|serve``;
- ``config.py`` declares every ``techblog_*`` setting, and ``pipeline.py``
  connects every hook, in the order a build runs them.

The modules are imported inside :func:`setup`, so ``python -m techblog check``
runs without loading Sphinx.
"""

from __future__ import annotations

__version__ = "0.2.0"


def setup(app) -> dict:
    from techblog import pipeline

    pipeline.register(app)
    return {
        "version": __version__,
        # The blog data (ABlog's and ours) is merged across the processes of a
        # parallel read by its EnvironmentCollectors (incremental/parallel_read.py
        # says which), and ABlog is marked safe there.
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
