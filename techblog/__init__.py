"""The team blog's own Sphinx extension.

ABlog collects the posts; this extension adds what our blog needs on top:
the navbar defined in ``conf.py``, the post header and legacy banner, date
ordered previous/next links, drafts kept out of the build, and small adapters
around ABlog behaviour (each one names what it works around).
"""

from __future__ import annotations

from sphinx.application import Sphinx

from . import ablog_adapters, drafts, feeds, listings, navigation, postheader

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict:
    app.setup_extension("ablog")

    app.add_config_value("techblog_categories", {}, "env", types=[dict])
    app.add_config_value("techblog_navbar", [], "html", types=[list])
    app.add_config_value("techblog_legacy_name", "", "html", types=[str])
    app.add_config_value("techblog_legacy_url", "", "html", types=[str])
    app.add_config_value("techblog_show_drafts", False, "env", types=[bool])

    ablog_adapters.setup(app)
    drafts.setup(app)
    feeds.setup(app)
    listings.setup(app)
    navigation.setup(app)
    postheader.setup(app)

    return {
        "version": __version__,
        # ABlog declares itself unsafe for parallel reading; so are we until
        # the blog data is merged across processes.
        "parallel_read_safe": False,
        "parallel_write_safe": True,
    }
