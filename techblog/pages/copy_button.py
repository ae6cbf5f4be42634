"""The copy button (sphinx-copybutton) only where there is code to copy.

sphinx-copybutton adds its script, clipboard.js and its stylesheet to every
page (19 KiB in 3 requests). :func:`load_only_with_code` takes them out of a
page whose doctree has no code block, as :mod:`techblog.pages.diagrams` adds
Mermaid only where a diagram is. A page without a doctree (ABlog's tag,
category, author and archive pages, the search page) keeps them: what it
shows is not known before it is drawn.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from techblog.site import theme_assets

FILES = frozenset({"copybutton.js", "clipboard.min.js", "copybutton.css"})


def has_code(doctree) -> bool:
    return doctree is None or doctree.next_node(nodes.literal_block) is not None


def load_only_with_code(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if not has_code(doctree):
        theme_assets.leave_out(context, FILES)
