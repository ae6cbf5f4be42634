"""What every page loads from the theme and Sphinx, cut to what the blog uses.

pydata-sphinx-theme 0.24.0 and Sphinx 9 load, on every page:

- ``scripts/bootstrap.js``: all of Bootstrap 5.3.3 and Popper (81 KB, 23.7 KB
  gzipped), of which the pages use Tooltip and Dropdown. In its place
  ``_templates/page.html`` loads ``_static/vendor/bootstrap/`` (built from
  ``assets/bootstrap/``, which says how), 16.5 KB gzipped;
- ``doctools.js`` and ``sphinx_highlight.js`` (3.6 KB gzipped): helpers of
  Sphinx's search and its ``?highlight=`` words, neither of which the site
  has (search is Pagefind's, :mod:`techblog.site.search`). Left out;
- ``styles/theme.css``, which only ``@import``\\ s ``basic.css`` (two
  requests, one after the other, before the page can be drawn), then the
  theme's stylesheet and ``pygments.css``: :mod:`techblog.site.used_css`
  ships the three in one file, cut to the rules the pages can use, so
  the page links the theme's stylesheet alone (pointed at that file at the
  build's end).

What the theme and Sphinx copy into ``_static/`` that no trimmed page loads
(:data:`UNUSED`: 3 MB, source maps, the whole icon fonts...) is taken out of
the output at the build's end (:func:`leave_out_unused_files`); Sphinx copies
it again on the next build, where ``used_css.py`` reads the stylesheets.

``techblog_trim_assets = False`` loads the theme's and Sphinx's files as
they are: ``tests/browser/test_used_css.py`` compares screenshots and
behaviour of both.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from techblog.incremental import build_cache

BOOTSTRAP = "vendor/bootstrap/bootstrap.tooltip-dropdown.js"  # under _static
LEFT_OUT = frozenset({"doctools.js", "sphinx_highlight.js"})
# In the one stylesheet used_css.py makes, when trimmed.
MERGED_CSS = frozenset({"pygments.css"})
# Under _static/: copied by pydata-sphinx-theme 0.24.0 and Sphinx 9, loaded by no trimmed page.
UNUSED = ("scripts/bootstrap.js", "scripts/bootstrap.js.map", "scripts/bootstrap.js.LICENSE.txt",
          "scripts/fontawesome.js", "scripts/fontawesome.js.map", "scripts/fontawesome.js.LICENSE.txt",
          "scripts/pydata-sphinx-theme.js.map", "styles/pydata-sphinx-theme.css",
          "styles/pydata-sphinx-theme.css.map", "styles/theme.css", "basic.css", "pygments.css",
          "doctools.js", "sphinx_highlight.js", "searchtools.js", "language_data.js", "base-stemmer.js",
          "english-stemmer.js", "file.png", "minus.png", "plus.png", "webpack-macros.html")
FONTS = "vendor/fontawesome/webfonts"  # the whole fonts: used_css.py ships their subsets (*.used.woff2)


@cache
def theme_digest() -> str:
    """The digest the theme writes after its own files' names (webpack-macros.html)."""
    import pydata_sphinx_theme

    macros = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" \
        / "webpack-macros.html"
    found = re.search(r"pydata-sphinx-theme\.css', 1\) }}\?digest=([0-9a-f]+)",
                      macros.read_text(encoding="utf-8"))
    if not found:
        raise RuntimeError(f"{macros}: no digest after the theme's stylesheet; expected the theme's own link")
    return found.group(1)


def static_digest(app: Sphinx, relative: str) -> str:
    """The digest of ``_static/<relative>`` as the build copies it: from the
    last folder of ``html_static_path`` that has it (later ones win); worked
    out once a build."""
    def compute() -> str:
        found = None
        for folder in app.config.html_static_path:
            path = Path(app.confdir, folder, relative)
            if path.is_file():
                found = path
        if found is None:
            folders = ", ".join(app.config.html_static_path)
            raise ExtensionError(f"_static/{relative}: in no folder of html_static_path ({folders}); "
                                 "expected the repository's _static")
        return hashlib.sha256(found.read_bytes()).hexdigest()[:12]

    return build_cache.once(app, ("static-digest", relative), compute)


def asset_name(asset) -> str:
    """The file name of a page's script or stylesheet (Sphinx's ``_JavaScript``/``_CascadingStyleSheet``)."""
    return str(getattr(asset, "filename", asset)).split("?")[0].rsplit("/", 1)[-1]


def leave_out(context: dict, names: frozenset[str]) -> None:
    """Take the files named ``names`` out of a page's scripts and stylesheets.
    In place: the builder's lists, which others add to later in the same event
    and which the builder puts back as they were before the next page."""
    for kind in ("script_files", "css_files"):
        if kind in context:
            context[kind][:] = [asset for asset in context[kind] if asset_name(asset) not in names]


def trim_page_assets(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    trimmed = app.config.techblog_trim_assets
    context["techblog_trim_assets"] = trimmed
    context["techblog_theme_digest"] = theme_digest()
    if not trimmed:
        return
    context["techblog_bootstrap"] = "_static/" + BOOTSTRAP
    context["techblog_bootstrap_digest"] = static_digest(app, BOOTSTRAP)
    leave_out(context, LEFT_OUT | MERGED_CSS)


def leave_out_unused_files(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html" or not app.config.techblog_trim_assets:
        return
    static = Path(app.outdir) / "_static"
    for unused in UNUSED:
        (static / unused).unlink(missing_ok=True)
    for font in (static / FONTS).glob("*.woff2"):
        if not font.name.endswith(".used.woff2"):
            font.unlink()
