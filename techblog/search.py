"""The search page shows each post's date next to its title.

Sphinx's search page draws results in the browser; ``_static/techblog-search.js``
adds the date there (it explains how). It is loaded on the search page only,
deferred, so it runs after Sphinx's ``searchtools.js`` and before the search.
"""

from __future__ import annotations

from sphinx.application import Sphinx

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


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", add_search_script)
    app.connect("html-collect-pages", drop_emptied_search_terms)
