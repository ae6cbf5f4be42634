"""Absolute links inside ABlog's Atom feeds.

ABlog 0.11.13 renders each entry's HTML relative to the feed's page
(``post.to_html(pagename)``), so a link to another post comes out as
``posts/2019/x.html`` and an image as ``../_images/x.svg`` (only ``<img>``
gets ``img_url``). A feed reader resolves those against the feed's own
address and lands on pages that do not exist. After ABlog has written the
feeds we make every ``href`` and ``src`` in entry content absolute, against
the page the HTML was rendered for.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import lxml.html
from lxml import etree
from sphinx.application import Sphinx

ATOM = "{http://www.w3.org/2005/Atom}"


def absolutize_content(html: str, base_url: str) -> str:
    fragments = lxml.html.fragments_fromstring(html)
    out = []
    for fragment in fragments:
        if isinstance(fragment, str):
            out.append(fragment)
            continue
        fragment.make_links_absolute(base_url, resolve_base_href=False)
        out.append(lxml.html.tostring(fragment, encoding="unicode"))
    return "".join(out)


def absolutize_feed(path: Path, base_url: str) -> None:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    for content in tree.iter(f"{ATOM}content"):
        if content.get("type") == "html" and content.text:
            content.text = absolutize_content(content.text, base_url)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def absolutize_feeds(app: Sphinx, exception: Exception | None) -> None:
    baseurl = app.config.blog_baseurl
    if exception or not baseurl or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for feed in sorted((outdir / app.config.blog_path).rglob("atom.xml")):
        # The feed of page P sits at P/atom.xml; its HTML was rendered for P.
        pagename = feed.parent.relative_to(outdir).as_posix()
        absolutize_feed(feed, urljoin(baseurl, pagename + ".html"))


def setup(app: Sphinx) -> None:
    app.connect("build-finished", absolutize_feeds)
