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


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", add_search_script)
