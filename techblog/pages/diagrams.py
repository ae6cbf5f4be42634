"""Mermaid diagrams written in a post, drawn in the reader's browser by the
site's own copy of Mermaid, loaded only on the pages that have one.

sphinxcontrib-mermaid (2.1.1) gives the ``{mermaid}`` directive and writes
each diagram as ``<pre class="mermaid">`` with its source, escaped: what a
reader without JavaScript, or a feed reader, sees. Its own ``install_js``
(``html-page-context``) is not used (:func:`techblog.pipeline.register` takes
it out), since it

- loads Mermaid from a CDN unless ``mermaid_use_local`` names a file, and the
  import it writes is of Mermaid's module, which loads its diagram types from
  beside it: a local copy means the whole ``dist`` anyway;
- starts Mermaid with an inline ``<script type="module">`` on every page it
  serves, which the site's policy (``script-src 'self'``) does not run;
- adds that script to every page without a doctree (ABlog's tag, category,
  author and archive pages, the search page), whether or not a diagram is
  there: it only looks for one when there is a doctree.

Instead :func:`add_diagram_scripts` adds ``_static/techblog-diagrams.mjs``
(which draws the diagrams, in the reader's light or dark colours) and
``techblog-diagrams.css`` to a page whose doctree holds a diagram, and to no
other page. The module imports Mermaid from ``_static/vendor/mermaid/``, the
npm package's ``dist`` files as published (its README: version, source,
checksums; ``tests/test_diagrams.py`` checks them).
"""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.util import logging
from sphinxcontrib.mermaid import install_js as mermaid_install_js  # taken out: pipeline.register
from sphinxcontrib.mermaid import mermaid as mermaid_node

logger = logging.getLogger(__name__)

SCRIPT = "techblog-diagrams.mjs"
STYLESHEET = "techblog-diagrams.css"


def has_diagram(doctree) -> bool:
    return doctree is not None and doctree.next_node(mermaid_node) is not None


def add_diagram_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if has_diagram(doctree):
        # Asked from this event, Sphinx adds them to this page only.
        app.add_js_file(SCRIPT, type="module")
        app.add_css_file(STYLESHEET)


def refuse_zoom(app: Sphinx, doctree) -> None:
    """sphinxcontrib-mermaid's ``:zoom:`` needs d3 from a CDN and gives each
    diagram a random id (uuid4), so two builds would differ: refused where it
    is written (doctree-read), and the diagram drawn without it."""
    for node in doctree.findall(mermaid_node):
        if node.attributes.pop("zoom_id", None) is not None:
            node.attributes.pop("zoom", None)
            logger.warning("mermaid: ':zoom:' is not supported here; expected a diagram without it "
                           "(README: \"Diagrams and math\")", location=node, type="techblog", subtype="mermaid")
