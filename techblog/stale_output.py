"""An incremental build leaves nothing behind that a clean build would not write.

Sphinx never deletes what an earlier build wrote: the page of a deleted
post stays in ``_build/html``, and so do generated pages and feeds that no
longer exist (a tag's page and ``atom.xml`` once its last post is gone, a
listing's last ``page/N.html``). Each HTML build records the files the site
consists of in ``<doctreedir>/techblog-outputs.json``; the next build deletes
the ones it no longer produces.

What the site consists of: a page per source document, every page generated
by an extension in this build, and the files other modules report through
:func:`produced` (the feeds, and the generated pages :mod:`techblog.rewrites`
leaves as they were).
Nothing else is touched: static files, images and the search index are
Sphinx's to manage.
"""

from __future__ import annotations

import json
import weakref
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
MANIFEST = "techblog-outputs.json"

_produced: weakref.WeakKeyDictionary[Sphinx, set[str]] = weakref.WeakKeyDictionary()
_written: weakref.WeakKeyDictionary[Sphinx, set[str]] = weakref.WeakKeyDictionary()


def produced(app: Sphinx, relpath: str) -> None:
    """Say that this build writes ``relpath`` (relative to the output folder)."""
    _produced.setdefault(app, set()).add(relpath)


def written_pages(app: Sphinx) -> set[str]:
    """The pages (documents and generated pages) written in this build."""
    return _written.get(app, set())


def record_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    _written.setdefault(app, set()).add(pagename)
    if pagename not in app.env.found_docs:
        produced(app, app.builder.get_target_uri(pagename))


def remove_stale_outputs(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    current = set(_produced.get(app, ()))
    current.update(app.builder.get_target_uri(docname) for docname in app.env.found_docs)
    manifest = Path(app.doctreedir) / MANIFEST
    try:
        previous = set(json.loads(manifest.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        previous = set()
    for relpath in sorted(previous - current):
        target = (outdir / relpath).resolve()
        if outdir.resolve() in target.parents and target.is_file():
            target.unlink()
            logger.info("removed, no longer part of the site: %s", relpath)
    manifest.write_text(json.dumps(sorted(current), indent=0), encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", record_page)
    app.connect("build-finished", remove_stale_outputs)
