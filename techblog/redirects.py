"""Old addresses keep working: redirect pages from the importer's map.

``python -m techblog import-blogger`` writes ``legacy/redirects.csv`` (old
path on the Blogger blog, new path on this site). Every row a static host
can serve as a page (posts ``/2016/05/x.html``, pages ``/p/x.html``, monthly
archives ``/2016/05/``, labels ``/search/label/X``) is handed to
sphinx-reredirects, whose pages keep the ``#c123`` anchor of a comment link.
Feeds (``/feeds/posts/default``) need a real HTTP redirect: feed readers do
not run a page's script, so those rows are for the nginx map and
``_redirects`` files the importer writes beside the CSV.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

WILDCARDS = set("*?[")


def static_redirects(csv_path: Path) -> dict[str, str]:
    """sphinx-reredirects entries (source docname -> absolute target) from the map."""
    found: dict[str, str] = {}
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if header != ["old_path", "new_path"]:
            raise ConfigError(f"{csv_path}:1: expected the header 'old_path,new_path', found {header}")
        for line, row in enumerate(rows, start=2):
            if len(row) != 2 or not row[0].startswith("/") or not row[1].startswith("/"):
                raise ConfigError(f"{csv_path}:{line}: expected '/old/path,/new/path', found {row}")
            old, new = row
            if old.startswith("/feeds/") or WILDCARDS & set(old) or "%" in old:
                # HTTP redirects only (see the module docstring); Sphinx would
                # quote an encoded name again, so no static page can match it.
                continue
            source = old.strip("/")
            if old.endswith("/"):
                source += "/index"
            elif source.endswith(".html"):
                source = source[: -len(".html")]
            found[source] = new
    return found


def add_redirects(app: Sphinx, config: Config) -> None:
    if not config.techblog_redirects:
        return
    path = Path(app.srcdir, config.techblog_redirects)
    if not path.is_file():
        return  # nothing imported yet
    config.redirects = {**static_redirects(path), **(config.redirects or {})}


def setup(app: Sphinx) -> None:
    app.setup_extension("sphinx_reredirects")
    app.add_config_value("techblog_redirects", "", "env", types=[str])
    app.connect("config-inited", add_redirects, priority=600)
