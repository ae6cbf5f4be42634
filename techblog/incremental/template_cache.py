"""Compiled page templates kept between builds.

Sphinx compiles the theme's Jinja templates (about thirty of them for
pydata-sphinx-theme) in every build, which is a noticeable part of a
rebuild that writes a handful of pages. Jinja can keep the compiled code in
a folder, keyed by each template's name and checked against its source (a
changed template is compiled again); we keep it beside the doctrees, in a
folder per autoescaping setting (:mod:`techblog.pages.autoescape`): Jinja's key
is the name and source only, and code compiled without escaping must never
be reused with it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from sphinx.application import Sphinx

from techblog.state import state_of

FOLDER = "techblog-templates"


def keep_compiled_templates(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None:
        return
    autoescaped = "\n".join(sorted(state_of(app).autoescaped))
    folder = Path(app.doctreedir) / FOLDER / hashlib.sha256(autoescaped.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(folder))
    # Templates do not change during a build (sphinx-autobuild runs each build
    # in a new process): Jinja need not stat a template's file each time a page
    # includes it (80,000 stat calls in a clean build of 1,000 posts).
    environment.auto_reload = False
