"""An RFC 4287 (Atom) conformance check for the feeds we publish.

It checks the requirements of sections 3 and 4 that a feed generator can
break, each with the section it comes from; feedparser (used alongside) is
lenient and would accept most of these violations.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

NS = "http://www.w3.org/2005/Atom"
A = f"{{{NS}}}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
TEXT_TYPES = {"text", "html", "xhtml"}


def parse(data: bytes) -> etree._Element:
    # Hardened parser: no entities, no network.
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def _is_iri(value: str | None) -> bool:
    return bool(value) and bool(urlsplit(value.strip()).scheme)


def violations(feed: etree._Element) -> list[str]:
    """Every RFC 4287 requirement ``feed`` breaks (empty when it conforms)."""
    out: list[str] = []

    def need(condition: bool, message: str) -> None:
        if not condition:
            out.append(message)

    need(feed.tag == A + "feed", "4.1.1: the root element is atom:feed")
    entries = feed.findall(A + "entry")
    _container(feed, "feed", need)
    for name in ("generator", "icon", "logo", "rights", "subtitle"):
        need(len(feed.findall(A + name)) <= 1, f"4.1.1: at most one atom:{name} in the feed")
    need(bool(feed.findall(A + "author")) or all(e.findall(A + "author") for e in entries),
         "4.1.1: atom:author in the feed, or in every entry")
    need(len(feed.xpath("a:link[@rel='self']", namespaces={"a": NS})) == 1,
         "4.1.1: the feed SHOULD have one link rel=self")
    for entry in entries:
        title = entry.findtext(A + "title") or "?"
        _container(entry, f"entry {title!r}", need)
        for name in ("content", "published", "rights", "source", "summary"):
            need(len(entry.findall(A + name)) <= 1, f"4.1.2: at most one atom:{name} in entry {title!r}")
        has_alternate = any(link.get("rel", "alternate") == "alternate" for link in entry.findall(A + "link"))
        need(bool(entry.findall(A + "content")) or has_alternate,
             f"4.1.2: entry {title!r} has atom:content or a link rel=alternate")
        for content in entry.findall(A + "content"):
            need(content.get("src") is None or bool(entry.findall(A + "summary")),
                 f"4.1.2: entry {title!r} with out-of-line content has a summary")
        for published in entry.findall(A + "published"):
            need(bool(RFC3339.fullmatch(published.text or "")), f"3.3: published of {title!r} is RFC 3339")
    ids = [e.findtext(A + "id") for e in entries]
    need(len(ids) == len(set(ids)), "4.1.1: entries of one feed have distinct ids")
    return out


def _container(element: etree._Element, what: str, need) -> None:
    for name in ("id", "title", "updated"):
        need(len(element.findall(A + name)) == 1, f"4.1: exactly one atom:{name} in {what}")
    need(_is_iri(element.findtext(A + "id")), f"4.2.6: the id of {what} is an absolute IRI")
    need(bool(RFC3339.fullmatch(element.findtext(A + "updated") or "")), f"3.3: updated of {what} is RFC 3339")
    for text in [*element.findall(A + "title"), *element.findall(A + "summary"), *element.findall(A + "subtitle"),
                 *element.findall(A + "rights")]:
        need(text.get("type", "text") in TEXT_TYPES, f"3.1.1: text construct type in {what}")
    alternates = [(link.get("type"), link.get("hreflang")) for link in element.findall(A + "link")
                  if link.get("rel", "alternate") == "alternate"]
    need(len(alternates) == len(set(alternates)), f"4.1.1/4.1.2: one alternate link per type and language in {what}")
    for link in element.findall(A + "link"):
        need(_is_iri(link.get("href")), f"4.2.7.1: link href in {what} is an IRI")
    for person in element.findall(A + "author") + element.findall(A + "contributor"):
        need(len(person.findall(A + "name")) == 1, f"3.2.1: a person in {what} has exactly one name")
        need(len(person.findall(A + "uri")) <= 1, f"3.2.2: a person in {what} has at most one uri")
        for uri in person.findall(A + "uri"):
            need(_is_iri(uri.text), f"3.2.2: a person's uri in {what} is an IRI")
    for category in element.findall(A + "category"):
        need(bool(category.get("term")), f"4.2.2.1: a category in {what} has a term")
        if category.get("scheme") is not None:
            need(_is_iri(category.get("scheme")), f"4.2.2.2: a category scheme in {what} is an IRI")
