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

from techblog.posts.contract import MAX_ITEMS, MAX_LENGTH
from techblog.posts.frontmatter import FORBIDDEN

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
# Limits: an export is untrusted, so what it can make us read, keep and write is
# bounded. A whole file past a limit is refused (UnusableExport); one entry past
# one is cut down and listed in Export.limited, which the importer reports.
MAX_ZIP_MEMBER = 512 * 1024 * 1024  # bytes of the feed.atom read from a Takeout .zip
MAX_ZIP_TOTAL = 4 * 1024 * 1024 * 1024  # bytes the whole .zip says it expands to
MAX_ZIP_MEMBERS = 100_000  # members in the .zip
MAX_ZIP_RATIO = 200  # expanded / compressed size of a member over 1 MiB: more is a zip bomb, not text
MAX_ENTRIES = 200_000  # entries (posts, pages, comments, settings...) in one export
# The next three are the contract's own (what `check` accepts), so that what is kept passes it.
MAX_LABELS = MAX_ITEMS  # labels of one post: each becomes a tag page, a feed and redirect rows
MAX_LABEL_LENGTH = MAX_LENGTH["tags"]  # characters of one label (a file name and a URL are made of it)
MAX_TITLE_LENGTH = MAX_LENGTH["title"]  # characters of a title; a longer one is cut, with "…"
MAX_DESCRIPTION_LENGTH = MAX_LENGTH["description"]


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
    # Read but not kept: {"kind", "id", "reason"} for each entry that cannot be imported
    # (no id, no date, a duplicate id, a kind that is not content).
    refused: list[dict] = field(default_factory=list)
    limited: list[dict] = field(default_factory=list)  # {"id", "limit", "what"}: cut down to a limit


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
    """The one feed.atom of a Takeout .zip, read into memory (nothing is extracted to disk)."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise UnusableExport(f"{path.name}: {len(members)} members, more than the limit of {MAX_ZIP_MEMBERS}; "
                                 "refusing it")
        total = sum(info.file_size for info in members)
        if total > MAX_ZIP_TOTAL:
            raise UnusableExport(f"{path.name}: expands to {total} bytes, more than the limit of {MAX_ZIP_TOTAL}; "
                                 "refusing it")
        # A name that climbs out of the archive ("../x", "/x", "C:x") is never a Takeout folder.
        feeds = [info for info in members if info.filename.endswith("feed.atom") and _inside(info.filename)]
        if not feeds:
            raise UnusableExport(f"{path.name}: a zip without a Blogger feed.atom; not a Takeout export")
        if len(feeds) > 1:
            names = ", ".join(info.filename for info in feeds)
            raise UnusableExport(f"{path.name}: several blogs in one archive ({names}); unzip and import one feed.atom")
        info = feeds[0]
        if info.file_size > MAX_ZIP_MEMBER:
            raise UnusableExport(f"{path.name}: {info.filename} is {info.file_size} bytes, more than the limit of "
                                 f"{MAX_ZIP_MEMBER}; refusing to unpack it")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise UnusableExport(f"{path.name}: {info.filename} expands {info.file_size // max(info.compress_size, 1)}"
                                 f" times, more than the limit of {MAX_ZIP_RATIO}; refusing a zip bomb")
        with archive.open(info) as member:
            data = member.read(MAX_ZIP_MEMBER + 1)  # the sizes in the header may lie
        if len(data) > MAX_ZIP_MEMBER:
            raise UnusableExport(f"{path.name}: {info.filename} expands past the limit of {MAX_ZIP_MEMBER} bytes; "
                                 "refusing it")
    return parse_bytes(data, f"{path.name}:{info.filename}")


def _inside(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts)


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
    if len(entries) > MAX_ENTRIES:
        raise UnusableExport(f"{source}: {len(entries)} entries, more than the limit of {MAX_ENTRIES}; refusing it")
    if any(_kind_category(e) for e in entries):
        return _classic(root, entries, source)
    if root.find(f".//{B18}type") is not None:
        return _takeout(root, entries, source)
    raise UnusableExport(f"{source}: an Atom feed without Blogger's entry kinds or blogger: fields; not a Blogger export")


# -- helpers ------------------------------------------------------------------


def _text(element: Element | None, path: str, default: str = "") -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else default


def _when(text: str) -> dt.datetime | None:
    """An instant; None when it is not ISO 8601 or too near the calendar's ends for any offset."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment if 1000 <= moment.year <= 9998 else None


class _Entries:
    """What both formats keep: each post, page and comment once, with an id and a date.

    Every entry is counted by kind; one that cannot be imported is refused with
    its reason, never dropped unsaid, and an overlong title or label list is cut
    to its limit and noted.
    """

    def __init__(self) -> None:
        self.kept: list[Entry] = []
        self.kinds: dict[str, int] = {}
        self.refused: list[dict] = []
        self.limited: list[dict] = []
        self.ids: set[str] = set()

    def read(self, kind: str, entry_id: str) -> bool:
        """Count an entry; whether it is content (post, page, comment) with an id not seen before."""
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if kind in ("template", "settings"):
            return False  # the old blog's layout and settings: read, never content
        if kind not in ("post", "page", "comment"):
            self.refuse(kind, entry_id, f"an entry of kind {kind!r}; only posts, pages and comments are imported")
        elif not entry_id:
            self.refuse(kind, entry_id, "no <id>; expected Blogger's tag:blogger.com,... id")
        elif entry_id in self.ids:
            self.refuse(kind, entry_id, "its id is used by an earlier entry of the export; the first one is kept")
        else:
            self.ids.add(entry_id)
            return True
        return False

    def refuse(self, kind: str, entry_id: str, reason: str) -> None:
        self.refused.append({"kind": kind, "id": short_id(entry_id) or "(none)", "reason": reason})

    def keep(self, element: Element, entry: dict) -> None:
        published = _when(_text(element, ATOM + "published"))
        if published is None:
            self.refuse(entry["kind"], entry["id"], f"<published> is {_text(element, ATOM + 'published')!r}; "
                        "expected an ISO 8601 date-time (years 1000 to 9998)")
            return
        updated = _when(_text(element, ATOM + "updated")) or published
        item = Entry(published=published, updated=updated, **entry)
        # Control and bidirectional-override characters show nothing but can reorder or hide
        # text; the contract refuses them in titles and fields, so they are not kept.
        before = (item.title, item.description, item.labels, [person.name for person in item.authors])
        item.title = _printable(item.title)
        item.description = _printable(item.description or "") or None
        item.labels = [_printable(label) for label in item.labels]
        item.authors = [Person(_printable(person.name).strip() or "Anonymous", person.uri) for person in item.authors]
        changed = [field for field, old, new in zip(("title", "description", "labels", "authors"), before, (
            item.title, item.description, item.labels, [person.name for person in item.authors])) if old != new]
        if changed:  # reported, never changed silently
            self.limited.append({"id": item.number, "kind": item.kind, "limit": "FORBIDDEN characters",
                                 "what": f"control or bidi characters removed from the {', '.join(changed)}"})
        if item.description and len(item.description) > MAX_DESCRIPTION_LENGTH:
            item.description = item.description[: MAX_DESCRIPTION_LENGTH - 1].rstrip() + "…"
            self.limit(item, "MAX_DESCRIPTION_LENGTH", MAX_DESCRIPTION_LENGTH, "description cut to the limit")
        if len(item.title) > MAX_TITLE_LENGTH:
            item.title = item.title[: MAX_TITLE_LENGTH - 1].rstrip() + "…"
            self.limit(item, "MAX_TITLE_LENGTH", MAX_TITLE_LENGTH, "title cut to the limit")
        labels = list(dict.fromkeys(label for label in item.labels if label.strip()))
        long = [label for label in labels if len(label) > MAX_LABEL_LENGTH]
        if long:
            self.limit(item, "MAX_LABEL_LENGTH", MAX_LABEL_LENGTH, f"{len(long)} longer label(s) left out, "
                       f"the first begins {long[0][:40]!r}")
        labels = [label for label in labels if len(label) <= MAX_LABEL_LENGTH]
        if len(labels) > MAX_LABELS:
            self.limit(item, "MAX_LABELS", MAX_LABELS, f"{len(labels) - MAX_LABELS} label(s) after the first "
                       f"{MAX_LABELS} left out")
        item.labels = labels[:MAX_LABELS]
        self.kept.append(item)

    def limit(self, item: Entry, name: str, value: int, what: str) -> None:
        self.limited.append({"id": item.number, "kind": item.kind, "limit": f"{name} = {value}", "what": what})


def _printable(text: str) -> str:
    """``text`` without control or bidi-override characters; line and paragraph separators become spaces."""
    return FORBIDDEN.sub(lambda m: " " if m[0] in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else "", text)


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
    found = _Entries()
    for element in entries:
        kind = _kind_category(element) or "unknown"
        entry_id = _text(element, ATOM + "id")
        if kind == "settings":
            settings[entry_id.rsplit(".settings.", 1)[-1]] = _text(element, ATOM + "content")
        if not found.read(kind, entry_id):
            continue
        html = (element.find(ATOM + "content").text or "") if element.find(ATOM + "content") is not None else ""
        draft = _text(element, f"{APP}control/{APP}draft").lower() == "yes"
        properties = {p.get("name"): p.get("value") for p in element.findall(GD + "extendedProperty")}
        entry: dict = dict(
            id=entry_id,
            kind=kind,
            status="draft" if draft else "live",
            title=_text(element, ATOM + "title"),
            html=html,
            url=_alternate(element),
            labels=[c.get("term", "") for c in element.findall(ATOM + "category") if c.get("scheme") == LABEL_SCHEME],
            authors=_authors(element),
        )
        if kind == "comment":
            reply_to = element.find(THR + "in-reply-to")
            entry["post_id"] = reply_to.get("ref") if reply_to is not None else None
            for link in element.findall(ATOM + "link"):
                if link.get("rel") == "related":
                    entry["parent_id"] = _comment_id_from_feed_link(link.get("href", ""), entry_id)
            entry["removed"] = properties.get("blogger.contentRemoved") == "true" or _removed(html)
        found.keep(element, entry)
    blog_id = _text(root, ATOM + "id")
    return Export("classic", source, blog_id, _text(root, ATOM + "title"), _alternate(root), settings, found.kept,
                  found.kinds, found.refused, found.limited)


def _comment_id_from_feed_link(href: str, own_id: str) -> str | None:
    """``.../comments/default/123`` -> the full id of comment 123 of the same blog."""
    number = href.rstrip("/").rsplit("/", 1)[-1]
    if not number.isdigit():
        return None
    return re.sub(r"\.post-\d+$", f".post-{number}", own_id)


# -- the Takeout feed.atom --------------------------------------------------------

TAKEOUT_KINDS = {"POST": "post", "PAGE": "page", "COMMENT": "comment"}


def _takeout(root: Element, entries: list[Element], source: str) -> Export:
    found = _Entries()
    blog_url = _alternate(root)
    for element in entries:
        raw_kind = _text(element, B18 + "type").upper()
        kind = TAKEOUT_KINDS.get(raw_kind, raw_kind.lower() or "unknown")
        entry_id = _text(element, ATOM + "id")
        if not found.read(kind, entry_id):
            continue
        status = _text(element, B18 + "status").upper()
        trashed = bool(_text(element, B18 + "trashed")) or "TRASH" in status or status == "DELETED"
        html = (element.find(ATOM + "content").text or "") if element.find(ATOM + "content") is not None else ""
        filename = _text(element, B18 + "filename") or None
        entry: dict = dict(
            id=entry_id,
            kind=kind,
            status="trashed" if trashed else ("live" if status == "LIVE" else "draft"),
            title=_text(element, ATOM + "title"),
            html=html,
            url=filename,  # a path; the importer joins it with the blog's address
            labels=[c.get("term", "") for c in element.findall(ATOM + "category") if c.get("term")],
            authors=_authors(element),
            description=_text(element, B18 + "metaDescription") or None,
        )
        if kind == "comment":
            entry["post_id"] = _text(element, B18 + "parent") or None
            entry["parent_id"] = _text(element, B18 + "inReplyTo") or None
            entry["removed"] = _removed(html)
        found.keep(element, entry)
    return Export("takeout", source, _text(root, ATOM + "id"), _text(root, ATOM + "title"), blog_url, {},
                  found.kept, found.kinds, found.refused, found.limited)
