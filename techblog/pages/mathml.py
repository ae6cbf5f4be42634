"""Math in a post (``$...$``, ``$$...$$``, ``{math}``), drawn at build time as
MathML, which browsers draw themselves: no script, no web font, nothing to
download.

Sphinx's default renderer, MathJax, would load a few hundred kilobytes of
script (from a CDN unless we copied it) on every page with math, and draw
the formulas after the page loads. docutils ships a LaTeX-to-MathML
converter (``docutils.utils.math.latex2mathml``, the one its own HTML writer
uses), and Chromium (109+), Firefox and Safari draw MathML Core; so this
module registers a Sphinx math renderer (``html_math_renderer = "mathml"``
in conf.py) that writes its output into the page.

LaTeX the converter does not take stops the build, never a raw dump: each
formula is converted when its document is read (:func:`check_math`), and a
problem is a warning (an error with ``-W``) naming the file, the line, the
formula and the reason; warnings of a document are kept and said again by
later builds until it is fixed (``incremental/warnings_record.py``). The
converter takes unbalanced braces (``\\frac{a}{``) silently, so those are
checked here first. The page then shows the formula's source.
"""

from __future__ import annotations

import functools
import re

import docutils
from docutils import nodes
from docutils.utils.math import latex2mathml
from sphinx.application import Sphinx
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

RENDERER = "mathml"
STYLESHEET = "techblog-math.css"
EXPECTED = (f"expected LaTeX math that docutils {docutils.__version__} converts to MathML "
            "(README: \"Diagrams and math\")")
LEFT_RIGHT = re.compile(r"\\(left|right)(?![A-Za-z])")
BETWEEN_TAGS = re.compile(r">\s+<")


class MathProblem(ValueError):
    pass


def braces_problem(latex: str) -> str | None:
    depth = 0
    escaped = False
    for char in latex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "a '}' closes no '{'"
    if depth:
        return f"{depth} '{{' not closed"
    kinds = [found[1] for found in LEFT_RIGHT.finditer(latex)]
    if kinds.count("left") != kinds.count("right"):
        return f"{kinds.count('left')} \\left but {kinds.count('right')} \\right"
    return None


@functools.lru_cache(maxsize=4096)
def to_mathml(latex: str, block: bool) -> str:
    """The MathML of one formula; MathProblem with the reason when there is none."""
    if problem := braces_problem(latex):
        raise MathProblem(problem)
    try:
        # Without the converter's indentation: whitespace between MathML's
        # elements means nothing, and a page may hold many formulas.
        return BETWEEN_TAGS.sub("><", latex2mathml.tex2mathml(latex, as_block=block)).strip()
    except (SyntaxError, ValueError) as err:  # docutils' MathError is a ValueError
        raise MathProblem(str(err).strip() or type(err).__name__) from None


def formulas(node) -> list[tuple[str, bool]]:
    """(LaTeX, block) of a math node: a block's parts are separated by blank
    lines (as Sphinx's MathJax renderer reads them), each a display of its own."""
    if isinstance(node, nodes.math_block):
        return [(part, True) for part in node.astext().split("\n\n") if part.strip()]
    return [(node.astext(), False)]


def is_math(node) -> bool:
    return isinstance(node, (nodes.math, nodes.math_block))


def warn(node, latex: str, problem: MathProblem) -> None:
    logger.warning("math: %r cannot be drawn: %s; %s", latex, problem, EXPECTED,
                   location=node, type="techblog", subtype="math")


def check_math(app: Sphinx, doctree: nodes.document) -> None:
    """Every formula of a document just read converts (doctree-read)."""
    if app.config.html_math_renderer not in (None, RENDERER):
        return
    for node in doctree.findall(is_math):
        for latex, block in formulas(node):
            try:
                to_mathml(latex, block)
            except MathProblem as problem:
                warn(node, latex, problem)


def drawn(translator, node, latex: str, block: bool) -> str:
    try:
        return to_mathml(latex, block)
    except MathProblem as problem:
        warn(node, latex, problem)  # reported when read already: said once per build
        return f'<code class="math-error">{translator.encode(latex)}</code>'


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math"))
    self.body.append(drawn(self, node, node.astext(), False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_math_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node.get("number"):
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    for latex, block in formulas(node):
        self.body.append(drawn(self, node, latex, block))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def register(app: Sphinx) -> None:
    app.add_html_math_renderer(RENDERER, (visit_math, None), (visit_math_block, None))


def add_math_stylesheet(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Aligned equations and equation numbers need a few rules: on pages with math only."""
    if doctree is not None and app.builder.math_renderer_name == RENDERER and doctree.next_node(is_math):
        app.add_css_file(STYLESHEET)
