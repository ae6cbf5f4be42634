"""No inline scripts: the site's Content-Security-Policy (``deploy/nginx/``)
runs scripts from files only, so what would be written inline comes from a
file of ours, ``_static/techblog-page.js``.

pydata-sphinx-theme 0.24.0 adds two inline scripts to every page, per page,
through ``add_js_file`` (``DOCUMENTATION_OPTIONS.pagename = '...'`` and
``.search_as_you_type = ...``), and its ``layout.html`` a third, the colour
mode, which ``_templates/page.html`` leaves out. Here the theme's two are
taken out of the page's scripts and ``techblog-page.js`` takes their place,
with the three values as data attributes; being in the page's scripts, its
address carries Sphinx's checksum (``?v=``), which the web server caches for
a year. Any other inline script stays, and the tests find it.

The other inline scripts of the site's templates are files too: the search
page's focus (``_templates/search.html``, ``_static/techblog-search.js``)
and the old blog's redirect pages (``techblog/legacy/redirects.py``).
"""

from __future__ import annotations

import re

from sphinx.application import Sphinx

SCRIPT = "techblog-page.js"
# The bodies the theme writes (pydata_sphinx_theme.update_and_remove_templates) -> our data attribute.
THEME_OPTIONS = {
    "data-pagename": re.compile(r"DOCUMENTATION_OPTIONS\.pagename = '(?P<value>[^'\\]*)';"),
    "data-search-as-you-type": re.compile(r"DOCUMENTATION_OPTIONS\.search_as_you_type = (?P<value>true|false);"),
}


def theme_option(script) -> tuple[str, str] | None:
    """(attribute, value) when ``script`` is one of the theme's inline settings."""
    if getattr(script, "filename", "x") or not isinstance(getattr(script, "attributes", None), dict):
        return None
    body = script.attributes.get("body", "")
    for attribute, pattern in THEME_OPTIONS.items():
        if found := pattern.fullmatch(body):
            return attribute, found["value"]
    return None


def move_theme_options(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if scripts is None:
        return
    # The theme's default_mode (html_context) is unset unless a site sets it,
    # and its layout.html then writes "" as the mode of a first visit: the
    # theme's script logs "Got invalid theme mode: ." and falls back to
    # "auto" (the reader's system setting). That fallback is the default here.
    values = {"data-default-mode": str(context.get("default_mode") or "auto"), "data-pagename": pagename,
              "data-search-as-you-type": "false"}
    kept = []
    for script in scripts:
        if option := theme_option(script):
            values[option[0]] = option[1]
        else:
            kept.append(script)
    scripts[:] = kept
    # In their place, after documentation_options.js, which defines DOCUMENTATION_OPTIONS.
    app.add_js_file(SCRIPT, **values)
