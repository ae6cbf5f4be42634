"""An incremental build leaves nothing behind that a clean build would not write.

Sphinx never deletes what an earlier build wrote: the page of a deleted
post stays in ``_build/html``, and so do generated pages and feeds that no
longer exist (a tag's page and ``atom.xml`` once its last post is gone, a
listing's last ``page/N.html``). Each HTML build records the files the site
consists of in ``<doctreedir>/techblog-outputs.json``; the next build deletes
the ones it no longer produces.

What the site consists of: a page per source document, every page generated
by an extension in this build, and the files other modules report through
:func:`produced` (the feeds, and the generated pages :mod:`techblog.incremental.rewrites`
leaves as they were).
Nothing else is touched: static files, images and the search index are
Sphinx's to manage.

The record is saved only after a build that succeeded. A file a build
writes for the first time is first named in ``techblog-outputs.pending``,
so that if that build is stopped halfway, the next one still knows the
file is the site's to remove (the post it belonged to deleted since, say).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from techblog import atomic
from techblog.state import state_of

logger = logging.getLogger(__name__)
MANIFEST = "techblog-outputs.json"
PENDING = "techblog-outputs.pending"


def recorded(app: Sphinx) -> set[str]:
    """The files earlier builds wrote, finished or not (worked out once a build)."""
    state = state_of(app)
    if state.recorded is None:
        doctreedir = Path(app.doctreedir)
        try:
            found = set(json.loads((doctreedir / MANIFEST).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            found = set()
        try:
            found.update(filter(None, (doctreedir / PENDING).read_text(encoding="utf-8").splitlines()))
        except (OSError, ValueError):
            pass
        state.recorded = found
    return state.recorded


def produced(app: Sphinx, relpath: str) -> None:
    """Say that this build writes ``relpath`` (relative to the output folder),
    before writing it."""
    state_of(app).produced.add(relpath)
    known = recorded(app)
    if relpath not in known:
        # One appended write() per line: a process killed at any point leaves whole lines.
        # With -j this runs in forked processes too; their lines land in the same file.
        pending = os.open(Path(app.doctreedir) / PENDING, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(pending, (relpath.replace("\n", " ") + "\n").encode("utf-8"))
        finally:
            os.close(pending)
        known.add(relpath)


def written_pages(app: Sphinx) -> set[str]:
    """The pages (documents and generated pages) written in this build."""
    return state_of(app).written


def record_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    state_of(app).written.add(pagename)
    produced(app, app.builder.get_target_uri(pagename))


def remove_stale_outputs(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    current = set(state_of(app).produced)
    current.update(app.builder.get_target_uri(docname) for docname in app.env.found_docs)
    previous = recorded(app)
    for relpath in sorted(previous - current):
        target = (outdir / relpath).resolve()
        if outdir.resolve() in target.parents and target.is_file():
            target.unlink()
            logger.info("removed, no longer part of the site: %s", relpath)
    atomic.write_text(Path(app.doctreedir) / MANIFEST, json.dumps(sorted(current), indent=0))
    Path(app.doctreedir, PENDING).unlink(missing_ok=True)
