"""Reading a Blogger export: the classic "Back up content" file, a Google
Takeout ``feed.atom``, or the Takeout ``.zip``, detected automatically.

The export is untrusted input. It is parsed with defusedxml, which refuses
any DTD, so entity declarations (an expansion bomb) and external entities
never get expanded or fetched; the refusal is immediate and needs no memory.
E-mail addresses are read by nobody: :class:`Person` has no field for one.

Both formats become the same :class:`Export`: entries of kind post, page or
comment, each with its status (live, draft, trashed), instants with their
offsets, labels, authors and, for comments, the post and the parent comment.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

ATOM = "{http://www.w3.org/2005/Atom}"
GD = "{http://schemas.google.com/g/2005}"
THR = "{http://purl.org/syndication/thread/1.0}"
APP = "{http://purl.org/atom/app#}"
B18 = "{http://schemas.google.com/blogger/2018}"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"
KIND_PREFIX = "http://schemas.google.com/blogger/2008/kind#"
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
REMOVED_TEXTS = (
    "This comment has been removed by the author.",
    "This comment has been removed by a blog administrator.",
    "This comment has been removed by the blog administrator.",
)
MAX_ZIP_MEMBER = 512 * 1024 * 1024  # a Takeout feed.atom is text; refuse absurd sizes


class UnusableExport(Exception):
    """Not a Blogger export, or not readable at all; the message is one line."""


@dataclass(frozen=True)
class Person:
    name: str
    uri: str | None = None  # a profile or website; never an e-mail address


@dataclass
class Entry:
    id: str  # Blogger's full id: tag:blogger.com,1999:blog-1.post-2
    kind: str  # post, page, comment (others are not kept)
    status: str  # live, draft, trashed
    title: str
    html: str
    published: dt.datetime
    updated: dt.datetime
    url: str | None  # where it was published on the old blog
    labels: list[str] = field(default_factory=list)
    authors: list[Person] = field(default_factory=list)
    post_id: str | None = None  # comments: the post's id
    parent_id: str | None = None  # replies: the parent comment's id
    removed: bool = False  # Blogger's "This comment has been removed" placeholder
    description: str | None = None

    @property
    def number(self) -> str:
        """The numeric id Blogger uses in URLs (``#c<number>``)."""
        return short_id(self.id)


@dataclass
class Export:
    format: str  # classic or takeout
    source: str  # file name, for the report
    blog_id: str
    title: str
    url: str | None
    settings: dict[str, str]
    entries: list[Entry]
    kinds_read: dict[str, int]  # every entry read, by kind (template, settings, ...)


def short_id(full: str) -> str:
    match = re.search(r"\.post-(\d+)$", full or "")
    return match.group(1) if match else full


def read_export(path: Path) -> Export:
    """Read ``path``; raise :class:`UnusableExport` with a one-line reason."""
    if not path.is_file():
        raise UnusableExport(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        return _read_zip(path)
    return parse_bytes(path.read_bytes(), path.name)


def _read_zip(path: Path) -> Export:
    with zipfile.ZipFile(path) as archive:
        feeds = [info for info in archive.infolist() if info.filename.endswith("feed.atom")]
        if not feeds:
            raise UnusableExport(f"{path.name}: a zip without a Blogger feed.atom; not a Takeout export")
        if len(feeds) > 1:
            names = ", ".join(info.filename for info in feeds)
            raise UnusableExport(f"{path.name}: several blogs in one archive ({names}); unzip and import one feed.atom")
        info = feeds[0]
        if info.file_size > MAX_ZIP_MEMBER:
            raise UnusableExport(f"{path.name}: {info.filename} is {info.file_size} bytes; refusing to unpack it")
        with archive.open(info) as member:
            data = member.read(MAX_ZIP_MEMBER + 1)
    return parse_bytes(data, f"{path.name}:{info.filename}")


def parse_bytes(data: bytes, source: str) -> Export:
    try:
        root = SafeET.parse(io.BytesIO(data), forbid_dtd=True).getroot()
    except defusedxml.DTDForbidden:
        raise UnusableExport(f"{source}: declares a DTD (entities); Blogger exports never do, refusing it") from None
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise UnusableExport(f"{source}: uses XML entities; refusing it") from None
    except ParseError as err:
        raise UnusableExport(f"{source}: malformed XML ({err})") from None
    if root.tag != ATOM + "feed":
        raise UnusableExport(f"{source}: not an Atom feed (root element {root.tag}); not a Blogger export")
    entries = root.findall(ATOM + "entry")
    if any(_kind_category(e) for e in entries):
        return _classic(root, entries, source)
    if root.find(f".//{B18}type") is not None:
        return _takeout(root, entries, source)
    raise UnusableExport(f"{source}: an Atom feed without Blogger's entry kinds or blogger: fields; not a Blogger export")


# -- helpers ------------------------------------------------------------------


def _text(element: Element | None, path: str, default: str = "") -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else default


def _when(text: str, source: str, what: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UnusableExport(f"{source}: {what} has the date {text!r}, which is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


def _authors(entry: Element) -> list[Person]:
    people = []
    for author in entry.findall(ATOM + "author"):
        name = _text(author, ATOM + "name") or "Anonymous"
        uri = _text(author, ATOM + "uri") or None
        if uri and urlsplit(uri).scheme not in ("http", "https"):
            uri = None  # javascript:, mailto: and the like are not a profile
        people.append(Person(name, uri))
    return people


def _alternate(entry: Element) -> str | None:
    for link in entry.findall(ATOM + "link"):
        if link.get("rel") == "alternate" and link.get("type", "text/html") == "text/html":
            return link.get("href")
    return None


def _kind_category(entry: Element) -> str | None:
    for category in entry.findall(ATOM + "category"):
        if category.get("scheme") == KIND_SCHEME and category.get("term", "").startswith(KIND_PREFIX):
            return category.get("term")[len(KIND_PREFIX):]
    return None


def _removed(html: str) -> bool:
    return html.strip() in REMOVED_TEXTS


# -- the classic export ---------------------------------------------------------


def _classic(root: Element, entries: list[Element], source: str) -> Export:
    settings: dict[str, str] = {}
    kept: list[Entry] = []
    kinds: dict[str, int] = {}
    for element in entries:
        kind = _kind_category(element) or "unknown"
        kinds[kind] = kinds.get(kind, 0) + 1
        entry_id = _text(element, ATOM + "id")
        if kind == "settings":
            settings[entry_id.rsplit(".settings.", 1)[-1]] = _text(element, ATOM + "content")
            continue
        if kind not in ("post", "page", "comment"):
            continue
        html = (element.find(ATOM + "content").text or "") if element.find(ATOM + "content") is not None else ""
        draft = _text(element, f"{APP}control/{APP}draft").lower() == "yes"
        properties = {p.get("name"): p.get("value") for p in element.findall(GD + "extendedProperty")}
        entry = Entry(
            id=entry_id,
            kind=kind,
            status="draft" if draft else "live",
            title=_text(element, ATOM + "title"),
            html=html,
            published=_when(_text(element, ATOM + "published"), source, entry_id),
            updated=_when(_text(element, ATOM + "updated") or _text(element, ATOM + "published"), source, entry_id),
            url=_alternate(element),
            labels=[c.get("term", "") for c in element.findall(ATOM + "category") if c.get("scheme") == LABEL_SCHEME],
            authors=_authors(element),
        )
        if kind == "comment":
            reply_to = element.find(THR + "in-reply-to")
            entry.post_id = reply_to.get("ref") if reply_to is not None else None
            for link in element.findall(ATOM + "link"):
                if link.get("rel") == "related":
                    entry.parent_id = _comment_id_from_feed_link(link.get("href", ""), entry_id)
            entry.removed = properties.get("blogger.contentRemoved") == "true" or _removed(html)
        kept.append(entry)
    blog_id = _text(root, ATOM + "id")
    return Export("classic", source, blog_id, _text(root, ATOM + "title"), _alternate(root), settings, kept, kinds)


def _comment_id_from_feed_link(href: str, own_id: str) -> str | None:
    """``.../comments/default/123`` -> the full id of comment 123 of the same blog."""
    number = href.rstrip("/").rsplit("/", 1)[-1]
    if not number.isdigit():
        return None
    return re.sub(r"\.post-\d+$", f".post-{number}", own_id)


# -- the Takeout feed.atom --------------------------------------------------------

TAKEOUT_KINDS = {"POST": "post", "PAGE": "page", "COMMENT": "comment"}


def _takeout(root: Element, entries: list[Element], source: str) -> Export:
    kept: list[Entry] = []
    kinds: dict[str, int] = {}
    blog_url = _alternate(root)
    for element in entries:
        raw_kind = _text(element, B18 + "type").upper()
        kind = TAKEOUT_KINDS.get(raw_kind, raw_kind.lower() or "unknown")
        kinds[kind] = kinds.get(kind, 0) + 1
        if kind not in ("post", "page", "comment"):
            continue
        entry_id = _text(element, ATOM + "id")
        status = _text(element, B18 + "status").upper()
        trashed = bool(_text(element, B18 + "trashed")) or "TRASH" in status or status == "DELETED"
        html = (element.find(ATOM + "content").text or "") if element.find(ATOM + "content") is not None else ""
        filename = _text(element, B18 + "filename") or None
        entry = Entry(
            id=entry_id,
            kind=kind,
            status="trashed" if trashed else ("live" if status == "LIVE" else "draft"),
            title=_text(element, ATOM + "title"),
            html=html,
            published=_when(_text(element, ATOM + "published"), source, entry_id),
            updated=_when(_text(element, ATOM + "updated") or _text(element, ATOM + "published"), source, entry_id),
            url=filename,  # a path; the importer joins it with the blog's address
            labels=[c.get("term", "") for c in element.findall(ATOM + "category") if c.get("term")],
            authors=_authors(element),
            description=_text(element, B18 + "metaDescription") or None,
        )
        if kind == "comment":
            entry.post_id = _text(element, B18 + "parent") or None
            entry.parent_id = _text(element, B18 + "inReplyTo") or None
            entry.removed = _removed(html)
        kept.append(entry)
    return Export("takeout", source, _text(root, ATOM + "id"), _text(root, ATOM + "title"), blog_url, {}, kept,
                  kinds)
