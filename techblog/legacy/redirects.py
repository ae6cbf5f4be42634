"""Old addresses keep working: redirect pages from the importer's map.

``python -m techblog import-blogger`` writes ``legacy/redirects.csv`` (old
path on the Blogger blog, new path on this site). Every row a static host
can serve as a page (posts ``/2016/05/x.html``, pages ``/p/x.html``, monthly
archives ``/2016/05/``, labels ``/search/label/X``) is handed to
sphinx-reredirects, whose pages keep the ``#c123`` anchor of a comment link.
Feeds (``/feeds/posts/default``, ``/feeds/posts/summary``, ``/atom.xml``...)
need a real HTTP redirect: feed readers do not run a page's script, so those
rows are for the nginx map and ``_redirects`` files the importer writes
beside the CSV.

The CSV is data from an export: a row whose page would replace one of the
site's, or whose paths leave the output, stops the build (file:line, field).

The pages are sphinx-reredirects', drawn from ``_templates/redirect.html``
with one value more than it gives, ``${static}``: the way from the page to
``_static/``, for the script that keeps the anchor (:func:`write_redirect_pages`;
an inline script would break the site's Content-Security-Policy).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path
from string import Template

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util import logging
from sphinx_reredirects import Reredirects, init  # the second is taken over (pipeline.py)

from techblog.legacy.links import path_problem, redirect_page

logger = logging.getLogger(__name__)
# Blogger's feeds at the top of the blog, answered by HTTP redirects only, like /feeds/.
ROOT_FEEDS = ("/atom.xml", "/rss.xml")
SHAPES = "the old blog's addresses (/YYYY/MM/slug.html, /YYYY/MM/, /p/slug.html, /search/label/X)"


def static_redirects(csv_path: Path, site_names: Iterable[str] = ()) -> dict[str, str]:
    """sphinx-reredirects entries (source page -> absolute target) from the map.

    Every row is checked first, since sphinx-reredirects writes a page where
    the source says, over whatever is there, and pastes the target into a
    script and attributes unescaped: both must be confined site paths
    (links.path_problem: no "..", backslash, NUL, scheme or "//"; only
    characters with no meaning in HTML or JavaScript). A source must also be
    in a folder of its own, not at the top of the output nor under one of
    ``site_names`` (the folders and pages of the site, the blog's pages,
    Sphinx's ``_static``...): a redirect never replaces a page of the site.
    """
    reserved = {name.casefold() for name in site_names}
    found: dict[str, str] = {}
    pages: dict[str, int] = {}  # each redirect page (case-folded: one file on macOS and Windows) -> its line
    line = 1
    try:
        with csv_path.open(encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            header = next(rows, None)
            if header != ["old_path", "new_path"]:
                raise ConfigError(f"{csv_path}:1: expected the header 'old_path,new_path', found {header}")
            for row in rows:
                line = rows.line_num
                if len(row) != 2:
                    raise ConfigError(f"{csv_path}:{line}: expected '/old/path,/new/path', found {row}")
                old, new = row
                for name, value in (("old_path", old), ("new_path", new)):
                    if problem := path_problem(value):
                        raise ConfigError(f"{csv_path}:{line}: {name} {value!r}: {problem}")
                if old.startswith("/feeds/") or old in ROOT_FEEDS or "%" in old:
                    # HTTP redirects only (see the module docstring); Sphinx would
                    # quote an encoded name again, so no static page can match it.
                    continue
                # Given with its suffix, the page is named as is: sphinx-reredirects
                # otherwise swaps a dotted name's last part for .html ("Node.js" ->
                # "Node.html", another label's page).
                page = redirect_page(old)
                top = page.split("/")[0]
                if not top or "/" not in page or top.casefold() in reserved or top.startswith(("_", ".")):
                    raise ConfigError(
                        f"{csv_path}:{line}: old_path {old!r}: its redirect page {page} would replace "
                        f"a page of the site; expected one of {SHAPES}")
                if page.casefold() in pages:
                    raise ConfigError(f"{csv_path}:{line}: old_path {old!r}: its redirect page {page} is "
                                      f"also line {pages[page.casefold()]}'s")
                pages[page.casefold()] = line
                found[page] = new
    except UnicodeDecodeError as err:
        raise ConfigError(f"{csv_path}: not UTF-8 ({err.reason} at byte {err.start})") from None
    except csv.Error as err:
        raise ConfigError(f"{csv_path}:{line + 1}: {err}") from None
    return found


def site_names(app: Sphinx, config: Config) -> set[str]:
    """What the site's own pages use at the top of the output: the source
    folder's entries (``posts``, ``legacy``, ``index.md`` as ``index``...) and
    the blog's generated pages (``blog_path``)."""
    names = {str(getattr(config, "blog_path", "blog")).strip("/").split("/")[0]}
    for entry in os.scandir(app.srcdir):
        names.update({entry.name, entry.name.partition(".")[0]})
    return names - {""}


def add_redirects(app: Sphinx, config: Config) -> None:
    if not config.techblog_redirects:
        return
    path = Path(app.srcdir, config.techblog_redirects)
    if not path.is_file():
        return  # nothing imported yet
    try:
        pages = static_redirects(path, site_names(app, config))
    except ConfigError as err:
        # Logged, then SystemExit: Sphinx 9.0 answers a ConfigError raised here
        # with a crash report that buries the line (see config.InvalidSetting).
        logger.error(str(err), type="techblog", subtype="redirects")
        raise SystemExit(1) from None
    own = config.redirects or {}
    # conf.py's own entries (without the suffix) win over the map's.
    imported = {page: target for page, target in pages.items() if page[: -len(".html")] not in own}
    config.redirects = {**imported, **own}


class _RedirectPages(Reredirects):
    """sphinx-reredirects 1.1.0 with ``${static}`` in the template too (its
    own only gets ``${to_uri}``): the relative way to ``_static/``, from the
    page's depth in the output, as its ``to_uri`` is relative."""

    def _create_redirect_file(self, at_path: Path, to_uri: str) -> None:
        if not self.template_file_option:
            super()._create_redirect_file(at_path, to_uri)
            return
        depth = len(at_path.relative_to(self.app.outdir).parts) - 1
        template = Path(self.app.srcdir, self.template_file_option).read_text(encoding="utf-8")
        content = Template(template).substitute(to_uri=to_uri, static="../" * depth + "_static/")
        at_path.parent.mkdir(parents=True, exist_ok=True)
        at_path.write_text(content, encoding="utf-8")


def write_redirect_pages(app: Sphinx) -> list:
    """sphinx-reredirects' ``html-collect-pages`` handler (``init``), with our pages."""
    if app.config.redirects:
        pages = _RedirectPages(app)
        pages.create_redirects(pages.grab_redirects())
    return []
