"""The team blog's own Sphinx extension, and its author tools.

ABlog collects the posts; this extension adds what our blog needs on top:
the metadata contract (every post checked before ABlog sees it), drafts kept
out of the build, valid Atom feeds, the navbar defined in ``conf.py``, the
post header (with reading time) and legacy banner, date-ordered
previous/next links, link previews, sitemap, robots.txt and the 404 page,
listings in pages of 20, click-to-load videos, and small adapters around
ABlog behaviour (each one names what it works around).

The modules are imported inside :func:`setup`, so ``python -m techblog check``
runs without loading Sphinx.
"""

from __future__ import annotations

__version__ = "0.2.0"


def setup(app) -> dict:
    from . import (ablog_adapters, archived_comments, autoescape, build_cache, collection_pages, comments,
                   drafts, feeds, interrupts, linkpreviews, listings, metadata, navigation, notfound_page,
                   pagination, parallel_read, postheader, redirects, rewrites, search, sidebars, sitemap,
                   stale_output, template_cache, video_embeds)

    app.setup_extension("ablog")

    app.add_config_value("techblog_categories", {}, "env", types=[dict])
    app.add_config_value("techblog_navbar", [], "html", types=[list])
    app.add_config_value("techblog_legacy_name", "", "html", types=[str])
    app.add_config_value("techblog_legacy_url", "", "html", types=[str])

    autoescape.setup(app)
    build_cache.setup(app)
    interrupts.setup(app)
    metadata.setup(app)
    drafts.setup(app)
    ablog_adapters.setup(app)
    feeds.setup(app)
    listings.setup(app)
    pagination.setup(app)
    collection_pages.setup(app)
    navigation.setup(app)
    postheader.setup(app)
    archived_comments.setup(app)
    comments.setup(app)
    search.setup(app)
    sidebars.setup(app)
    redirects.setup(app)
    stale_output.setup(app)
    rewrites.setup(app)
    linkpreviews.setup(app)
    sitemap.setup(app)
    notfound_page.setup(app)
    video_embeds.setup(app)
    template_cache.setup(app)
    parallel_read.setup(app)
    app.setup_extension("techblog.warnings_record")  # each warning once, and on every build until fixed

    return {
        "version": __version__,
        # The blog data (ABlog's and ours) is merged across the processes of a
        # parallel read by parallel_read.py, which also marks ABlog safe.
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
