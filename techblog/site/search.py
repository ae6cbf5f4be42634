"""The search page shows each post's date next to its title.

Sphinx's search page draws results in the browser; ``_static/techblog-search.js``
adds the date there (it explains how). It is loaded on the search page only,
deferred, so it runs after Sphinx's ``searchtools.js`` and before the search.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

from techblog.incremental import rewrites
from techblog.state import state_of

SCRIPT = "techblog-search.js"


def add_search_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename == "search":
        # Sphinx adds a script to this page only when asked from this event.
        app.add_js_file(SCRIPT, loading_method="defer")


def drop_emptied_search_terms(app: Sphinx):
    """Sphinx 9.0.4's IndexBuilder.prune keeps a word whose last document was
    deleted, with no documents, so the index of an incremental build differs
    from a clean build's (``"api": []``). Drop those words before the index is
    written (this event comes first)."""
    indexer = getattr(app.builder, "indexer", None)
    for mapping in (getattr(indexer, "_mapping", {}), getattr(indexer, "_title_mapping", {})):
        for word in [word for word, docnames in mapping.items() if not docnames]:
            del mapping[word]
    return []


def note_document_touched(app: Sphinx, *args) -> None:
    state_of(app).touched = True


def keep_unchanged_search_index(app: Sphinx):
    """When no document was written or removed in this build, the search index
    on disk is already this build's: Sphinx 9.0.4 would still load, prune and
    write it again (about a tenth of a build with nothing to do at 1,000
    posts). Every document written is resolved first (``doctree-resolved``,
    in the main process even with ``-j``); a removed one is purged. Not after
    a build that was stopped before it finished (``rewrites.PageDigests``):
    the index on disk may be older than the documents it read."""
    if (state_of(app).touched or rewrites.digests(app).interrupted
            or not Path(app.outdir, app.builder.searchindex_filename).is_file()):
        return []
    app.builder.indexer = None  # dump_search_index then returns at once
    return []
