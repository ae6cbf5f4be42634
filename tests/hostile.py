"""What a page or a feed may not contain when its data was hostile.

The hostile test site (tests/roots/test-hostile) puts ``<script>``,
``"><img onerror=...>`` and quotes into every textual field. Whatever escapes
its context becomes an element or an attribute of its own, which these
checks find in the parsed document: an inline script (the site writes none:
its Content-Security-Policy, deploy/nginx/, would not run one), an element
that loads active content, an event handler, a script URL.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
from lxml import etree

# Elements that run or load active content; the site itself writes none of
# them from data (no videos on the hostile site).
ACTIVE = {"iframe", "object", "embed", "frame", "frameset", "applet", "base", "svg", "math", "portal"}
# Data blocks, which a browser never runs; any other inline script is a problem.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def problems(root, where: str) -> list[str]:
    """Script-capable constructs in a parsed HTML tree."""
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.rsplit("}", 1)[-1].lower()
        data = (element.get("type") or "").strip().lower() in DATA_SCRIPT_TYPES
        if tag == "script" and not element.get("src") and not data:
            found.append(f"{where}: inline <script>: {element.text!r}")
        if tag == "script" and (element.get("src") or "").lower().startswith(("data:", "javascript:", "//", "http")):
            found.append(f"{where}: <script src={element.get('src')!r}>")
        if tag in ACTIVE:
            found.append(f"{where}: <{tag}> element")
        if tag == "img" and element.get("src") == "x":
            found.append(f"{where}: <img src=x> from the payload")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            target = (element.get("content") or "").partition("url=")[2].strip().lower()
            if ":" in target.split("/")[0] or target.startswith("//"):  # only pages of this site
                found.append(f"{where}: <meta http-equiv=refresh content={element.get('content')!r}>")
        for name, value in element.attrib.items():
            name = name.rsplit("}", 1)[-1].lower()
            if name.startswith("on"):
                found.append(f"{where}: <{tag} {name}={value!r}>")
            if name == "srcdoc":
                found.append(f"{where}: <{tag} srcdoc>")
            if name in URL_ATTRIBUTES and value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                found.append(f"{where}: <{tag} {name}={value!r}>")
    return found


def html_problems(path: Path, site: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return problems(lxml.html.document_fromstring(text), str(path.relative_to(site)))


def feed_problems(path: Path, site: Path) -> list[str]:
    """The feed's XML itself, and the HTML inside each text construct of type html."""
    where = str(path.relative_to(site))
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    found = problems(tree.getroot(), where)
    for element in tree.iter():
        if isinstance(element.tag, str) and element.get("type") in ("html", "xhtml") and (element.text or "").strip():
            found += problems(lxml.html.fragment_fromstring(element.text, create_parent="div"),
                              f"{where} <{etree.QName(element).localname}>")
    return found
