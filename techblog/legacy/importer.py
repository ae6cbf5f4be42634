"""``python -m techblog import-blogger``: the old blog into ``legacy/``, nothing lost.

One MyST post per published Blogger post, at ``<out>/YYYY/MM/slug.md`` taken
from its original URL (never rebuilt from the date: back-dated posts differ),
static pages at ``<out>/pages/slug.md``, reader comments as an archived
thread at the end of each post, links between old posts pointing at the
imported pages, and a redirect map so that old URLs keep working.

Re-running on the same export writes the same bytes. A file edited by hand
since the last import (its hash differs from the one recorded in
``import-report.json``) is left alone unless ``--force``. Files are written
atomically, after the report records their new hashes as pending, so that
a re-run repairs what an interrupted run left (see ``_decide``).

What the export names (labels, URLs) reaches file names only through
``_safe`` and the redirect files only in the written form of ``links``:
nothing it holds can leave ``--out`` or add a line to a redirect file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
import json
import posixpath
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import yaml

from techblog.posts.contract import MAX_LENGTH, PostMeta, SiteRules, label_of, post_files, read_post, slugify, url_problem
from techblog.posts.dates import DateError, site_timezone
from techblog import atomic
from techblog.legacy import links
from techblog.legacy.images import DEADLINE_SECONDS, Images
from techblog.legacy.markdown import MAX_BLOCK_DEPTH, MAX_HTML_DEPTH, _soup, to_myst
from techblog.legacy.parse import Entry, Export, UnusableExport, _printable, read_export, short_id
from techblog.legacy.sanitize import clean_html

REPORT = "import-report.json"
REDIRECTS = "redirects.csv"
NGINX_MAP = "redirects.nginx.map"
NETLIFY = "_redirects"
CATEGORY = "legacy"
# Replies nest this deep at most on a page (Blogger itself shows one level); deeper
# ones follow their parent at that level. The export's own limits are in parse.py.
MAX_COMMENT_DEPTH = 8
# File names made from the export: at most MAX_NAME bytes once a collision
# suffix ("-2016-05-12") and ".md" are added; "con.md" or "aux.x.md" name a
# device on Windows, whatever the extension.
MAX_NAME = 100
MAX_STEM = MAX_NAME - len("-2016-05-999.md") - 5
WINDOWS_DEVICE = re.compile(r"(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\..*)?", re.IGNORECASE)


@dataclass
class Options:
    export: Path
    out: Path
    timezone: str | None = None
    images: str = "keep"
    images_from: Path | None = None  # a local copy of the image hosts (<dir>/<host>/<path>) for "download"
    images_deadline: float = DEADLINE_SECONDS  # all network downloads of the run together
    drafts: bool = False
    dry_run: bool = False
    force: bool = False
    authors: dict[str, str] = field(default_factory=dict)  # Blogger name -> blog_authors key
    blog_url: str | None = None  # the old blog's address (a Takeout export does not say it)


@dataclass
class Planned:
    entry: Entry
    old_path: str  # /2016/05/slug.html, /p/about.html
    rel: str  # the file, relative to <out>: 2016/05/slug.md, pages/about.md
    comments: list[Entry] = field(default_factory=list)

    @property
    def docname(self) -> str:
        return self.rel[: -len(".md")]


class Importer:
    def __init__(self, options: Options, rules: SiteRules, legacy_url: str):
        self.o = options
        self.rules = rules
        self.report: dict = {
            "export": "", "format": "", "entries_read": {}, "written": {"posts": 0, "pages": 0, "comments": 0},
            "skipped": {"drafts": 0, "trashed": 0, "comments_trashed": 0},
            "images": {"kept": 0, "downloaded": 0, "failed": {}},
            "links": {"rewritten": 0, "unresolved": []},
            "collisions": {"slugs": {}, "tags": {}}, "not_imported": [], "edited_by_hand": [], "files": {},
        }
        self.legacy_url = legacy_url
        self.changes: list[str] = []  # this run's writes (printed, not in the report: re-runs must match)
        self.unchanged: list[str] = []

    # -- planning -----------------------------------------------------------------

    def run(self) -> dict:
        export = read_export(self.o.export)
        self.report["export"] = self.o.export.name
        self.report["format"] = export.format
        self.report["entries_read"] = dict(sorted(export.kinds_read.items()))
        self.old = links.OldBlog(self.o.blog_url or export.url or self.legacy_url)
        self.tz = self._timezone(export)
        self.report["blog"] = {
            "name": export.settings.get("BLOG_NAME") or export.title,
            "url": self.old.url,
            "time_zone": str(self.tz),
        }
        self.images = Images(self.o.images, self.o.out / "_images", dry_run=self.o.dry_run,
                             source=self.o.images_from, deadline_seconds=self.o.images_deadline)
        self.others = self._other_posts()
        self.reported: Counter = Counter()  # by kind: read, not written, and in the report
        planned = self._plan(export)
        self.tags = self._tag_spellings(planned)
        self.by_old_path = {p.old_path: p for p in planned}
        previous = self._previous_hashes()
        outputs: dict[str, str] = {}
        for item in planned:
            outputs[item.rel] = self._render(item)
        self._account(export)
        outputs[REDIRECTS] = self._redirects_csv(planned)
        outputs[NGINX_MAP] = self._nginx_map(planned)
        outputs[NETLIFY] = self._netlify(planned)
        self.report["images"]["kept"] = len(self.images.kept)
        self.report["images"]["downloaded"] = len(self.images.downloaded)
        self.report["images"]["failed"] = dict(sorted(self.images.failed.items()))
        writes = {rel: text for rel, text in sorted(outputs.items())
                  if self._decide(rel, text, previous.get(rel, set()))}
        self.report["files"] = {rel: _digest(text) for rel, text in sorted(outputs.items())}
        # Written by an earlier import, no longer in the export: listed, never deleted.
        self.report["no_longer_in_export"] = sorted(rel for rel in previous if rel not in outputs
                                                    and (self.o.out / rel).is_file())
        if writes and not self.o.dry_run:
            self._journal(writes)
        for rel, text in writes.items():
            self._write(rel, text)
        report_text = json.dumps(self.report, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if not self.o.dry_run:
            atomic.write_text(self.o.out / REPORT, report_text)  # the journal's pending hashes end here
        return self.report

    def _timezone(self, export: Export) -> dt.tzinfo:
        name = self.o.timezone or export.settings.get("BLOG_TIME_ZONE")
        if not name:
            return self.rules.tz
        try:
            return site_timezone(name)
        except DateError as err:
            raise UnusableExport(f"--timezone/BLOG_TIME_ZONE: {err}") from None

    def _plan(self, export: Export) -> list[Planned]:
        """What gets written; everything else read from the export goes to the report, with its reason."""
        posts: list[Planned] = []
        comments: dict[str, list[Entry]] = defaultdict(list)
        why_not: dict[str, str] = {}  # entries not imported -> why, for their comments' reason
        for refused in export.refused:
            self._not_imported(refused["kind"], refused["id"], refused["reason"])
            why_not.setdefault(refused["id"], "was refused: " + refused["reason"])
        self.report["limits"] = [{"export": export.source, **note} for note in export.limited]
        for entry in export.entries:
            if entry.kind == "comment":
                if entry.status == "trashed":
                    self.report["skipped"]["comments_trashed"] += 1
                    self.reported["comment"] += 1
                elif entry.post_id:
                    comments[entry.post_id].append(entry)
                else:
                    self._not_imported("comment", entry.number, "a comment that names no post")
                continue
            if entry.status == "trashed":
                self.report["skipped"]["trashed"] += 1
                self.reported[entry.kind] += 1
                why_not[entry.id] = "is trashed"
                continue
            if entry.status == "draft" and not self.o.drafts:
                self.report["skipped"]["drafts"] += 1
                self.reported[entry.kind] += 1
                why_not[entry.id] = "is a draft (--drafts imports drafts)"
                continue
            if entry.status == "draft" and entry.kind == "page":  # a page has no draft state: it would be public
                self._not_imported("page", entry.number, "a draft page; pages are published as they are, so only "
                                   "published pages are imported", entry.title)
                why_not[entry.id] = "is a draft page"
                continue
            old_path = self._old_path(entry)
            if entry.kind == "page":
                slug = links.page_path(old_path) or slugify(entry.title) or entry.number
                posts.append(Planned(entry, old_path, f"pages/{_safe(slug)}.md"))
                continue
            missing = [a.name for a in entry.authors if self._author_key(a.name) is None] or (
                [] if entry.authors else ["(none)"])
            if missing:
                reason = f"author {', '.join(missing)} is not in blog_authors (add it, or --author 'Name=key')"
                self._not_imported("post", entry.number, reason, entry.title)
                why_not[entry.id] = "was not imported: " + reason
                continue
            parts = links.post_path(old_path)
            if not parts:
                reason = f"no post URL ({old_path or 'none'})"
                self._not_imported("post", entry.number, reason, entry.title)
                why_not[entry.id] = "was not imported: " + reason
                continue
            year, month, slug = parts
            posts.append(Planned(entry, old_path, f"{year}/{month}/{_safe(slug)}.md"))
        self._resolve_collisions(posts)
        for item in posts:
            item.comments = sorted(comments.pop(item.entry.id, []), key=lambda c: (c.published, c.id))
        for post_id, orphans in sorted(comments.items()):
            reason = f"a comment on post {short_id(post_id)}, which " + why_not.get(post_id, "is not in the export")
            for comment in orphans:
                self._not_imported("comment", comment.number, reason)
        files: dict[str, Planned] = {}
        for item in posts:  # one file, one entry: a second one would silently replace the first
            if item.rel in files:
                self._not_imported(item.entry.kind, item.entry.number, f"its file name {item.rel} is that of entry "
                                   f"{files[item.rel].entry.number}", item.entry.title)
                for comment in item.comments:
                    self._not_imported("comment", comment.number, f"a comment on post {item.entry.number}, "
                                       "which was not imported")
            else:
                files[item.rel] = item
        return sorted(files.values(), key=lambda p: p.rel)

    def _not_imported(self, kind: str, number: str, reason: str, title: str | None = None) -> None:
        item: dict = {"kind": kind, "id": number}
        if title is not None:
            item["title"] = title
        self.report["not_imported"].append({**item, "reason": reason})
        self.reported[kind] += 1

    def _account(self, export: Export) -> None:
        """Every post, page and comment read is written or reported: checked, and shown in the report."""
        written = {"post": self.report["written"]["posts"], "page": self.report["written"]["pages"],
                   "comment": self.report["written"]["comments"]}
        self.report["accounting"] = {
            kind: {"read": export.kinds_read.get(kind, 0), "written": written[kind], "reported": self.reported[kind]}
            for kind in ("post", "page", "comment")}
        self.report["unaccounted"] = {kind: n["read"] - n["written"] - n["reported"]
                                      for kind, n in self.report["accounting"].items()
                                      if n["read"] != n["written"] + n["reported"]}

    def _old_path(self, entry: Entry) -> str:
        if entry.url:
            return self.old.split(entry.url)[0]  # decoded, like every old path (links.written encodes it)
        # Drafts have no address yet: the one Blogger would have given them.
        local = entry.published.astimezone(self.tz)
        return f"/{local:%Y}/{local:%m}/{slugify(entry.title) or entry.number}.html"

    def _resolve_collisions(self, posts: list[Planned]) -> None:
        """Two posts may not share a label (ABlog's one namespace: the file name),
        nor two pages a file name: the later one is renamed. Names differing only
        in case collide too: they are one file on macOS and Windows."""

        def key(folder: str, stem: str) -> str:
            return (stem if folder == "pages" else label_of(f"{folder}/{stem}")).casefold()

        taken = {label_of(rel[: -len(".md")]).casefold(): rel for rel in self.others}
        pages: dict[str, str] = {}
        for item in sorted(posts, key=lambda p: (p.entry.published, p.entry.id)):
            folder, name = posixpath.split(item.rel)
            stem = name[: -len(".md")]
            names = pages if folder == "pages" else taken
            new_stem = stem
            if key(folder, stem) in names:
                base = stem if folder == "pages" else f"{stem}-{folder.replace('/', '-')}"
                new_stem, counter = base, 2
                while key(folder, new_stem) in names:
                    new_stem = f"{base}-{counter}"
                    counter += 1
                self.report["collisions"]["slugs"][item.old_path] = {
                    "renamed_to": f"{folder}/{new_stem}.md",
                    "because": f"{stem!r} is taken by {names[key(folder, stem)]}"}
                item.rel = f"{folder}/{new_stem}.md"
            names[key(folder, new_stem)] = item.rel

    def _tag_spellings(self, posts: list[Planned]) -> dict[str, str]:
        """Label -> tag: spellings that would share a tag page become the most used one."""
        counts: Counter = Counter()
        for item in posts:
            counts.update(" ".join(label.split()) for label in item.entry.labels)
        by_slug: dict[str, list[str]] = defaultdict(list)
        # The site's own posts already spell some tags: theirs comes first.
        for tag in self._site_tags():
            by_slug[slugify(tag)].append(tag)
        for label in sorted(counts, key=lambda t: (-counts[t], t)):
            if label not in by_slug[slugify(label)]:
                by_slug[slugify(label)].append(label)
        spelling = {}
        for slug, labels in by_slug.items():
            for label in labels:
                spelling[label] = labels[0]
            if len(labels) > 1:
                self.report["collisions"]["tags"][labels[0]] = labels[1:]
            if not slug:
                self.report["collisions"]["tags"]["(no letters)"] = labels
        return spelling

    def _other_posts(self) -> dict[str, PostMeta | None]:
        """The site's posts outside <out> (path -> metadata, None when invalid): read once."""
        out_resolved = self.o.out.resolve()
        return {
            path.relative_to(self.rules.srcdir).as_posix(): read_post(path, self.rules)[0]
            for path in post_files(self.rules)
            if not path.resolve().is_relative_to(out_resolved)
        }

    def _site_tags(self) -> list[str]:
        tags: list[str] = []
        for meta in self.others.values():
            for tag in meta.tags if meta else ():
                if tag not in tags:
                    tags.append(tag)
        return tags

    # -- rendering -------------------------------------------------------------------

    def _render(self, item: Planned) -> str:
        entry = item.entry
        conversion = to_myst(normalize_headings(entry.html), rewrite_url=lambda url: self._rewrite(url, item),
                             image_url=lambda url: self._image(url, item))
        body = conversion.text.rstrip("\n")
        if conversion.flattened:
            self.report["limits"].append({
                "id": entry.number, "kind": entry.kind, "limit": f"MAX_HTML_DEPTH = {MAX_HTML_DEPTH}, "
                f"MAX_BLOCK_DEPTH = {MAX_BLOCK_DEPTH}", "what": f"{conversion.flattened} element(s) nested deeper "
                "than the limit flattened (their words are kept)"})
        if item.rel.startswith("pages/"):
            self.report["written"]["pages"] += 1
            front = {"orphan": True, **self._original_url(item), "blogger_id": entry.number}
        else:
            self.report["written"]["posts"] += 1
            front = self._front_matter(item)
        # parse.py cut the title to the contract's length; "&#x202e;" in it is text only now.
        title = _printable(html.unescape(entry.title)).strip() or "Untitled"
        parts = [_front(front), f"# {_heading(title)}", body]
        if item.comments:
            parts.append(self._comments(item))
        return "\n\n".join(part for part in parts if part) + "\n"

    def _front_matter(self, item: Planned) -> dict:
        entry = item.entry
        authors: list[str] = []
        for person in entry.authors:
            key = self._author_key(person.name)
            if key not in authors:
                authors.append(key)
        tags: list[str] = []
        seen: set[str] = set()
        for label in entry.labels:
            tag = self.tags.get(" ".join(label.split()))
            # A comma separates tags in front matter: a label's own is written as a full-width
            # one, which names the same tag page (slugify drops both).
            tag = tag.replace(",", "\uff0c") if tag else tag
            if tag and slugify(tag) and tag not in seen:
                seen.add(tag)
                tags.append(tag)
        front: dict = {"date": _iso(entry.published.astimezone(self.tz))}
        if entry.updated > entry.published:
            front["updated"] = _iso(entry.updated.astimezone(self.tz))
        front["author"] = authors
        front["category"] = CATEGORY
        if tags:
            front["tags"] = tags
        if entry.description:
            front["description"] = " ".join(entry.description.split())
        if entry.status == "draft":
            front["draft"] = True
        front.update(self._original_url(item))
        front["blogger_id"] = entry.number
        return front

    def _original_url(self, item: Planned) -> dict:
        """``original_url`` as the contract takes it (characters an attribute must not hold percent-encoded),
        or nothing, noted in the report, when the old address cannot be one."""
        url = re.sub(r"[\s\"'<>`\\]", lambda m: quote(m[0]), self.old.absolute(item.old_path))
        reason = url_problem(url) or (f"longer than {MAX_LENGTH['original_url']}"
                                      if len(url) > MAX_LENGTH["original_url"] else None)
        if reason is None:
            return {"original_url": url}
        self.report["limits"].append({"id": item.entry.number, "kind": item.entry.kind, "limit": "original_url",
                                      "what": f"the old address {url[:80]!r} {reason}; left out"})
        return {}

    def _author_key(self, name: str) -> str | None:
        if name in self.o.authors:
            return self.o.authors[name]
        for key, shown in self.rules.authors.items():
            if shown.casefold() == name.casefold() or key == name:
                return key
        return None

    def _absolute(self, url: str, item: Planned) -> str:
        """Relative addresses in a Blogger body are relative to the post's old URL."""
        if url.startswith("#") or urlsplit(url).scheme:
            return url
        return urljoin(self.old.absolute(item.old_path), url)

    def _rewrite(self, url: str, item: Planned) -> str:
        """Where a link goes now; "" (its words stay, the link goes) when it cannot go anywhere."""
        try:
            url = self._absolute(url, item)
            if url.startswith("#"):  # on this page: MyST (-W) refuses an anchor that does not exist
                return url if _anchored(item, url[1:]) else ""
            if not self.old.owns(url):
                return url
            path, fragment = self.old.split(url)
        except ValueError:  # "http://[x": no browser could follow it either
            return ""
        here = posixpath.dirname(item.rel)
        target = self.by_old_path.get(path)
        if target is not None:
            self.report["links"]["rewritten"] += 1
            relative = posixpath.relpath(target.rel, here or ".")
            return relative + (f"#{fragment}" if _anchored(target, fragment) else "")
        label = links.label_path(path)
        site_root = posixpath.relpath(".", posixpath.join(self._out_rel(), here))
        if label is not None and self.tags.get(" ".join(label.split())):
            self.report["links"]["rewritten"] += 1
            slug = slugify(self.tags[" ".join(label.split())])
            return "site:" + posixpath.join(site_root, f"{self.rules.tag_path}/{slug}.html")
        if path in ("/", ""):
            self.report["links"]["rewritten"] += 1
            return "site:" + posixpath.join(site_root, self._out_rel(), "index.html")
        self.report["links"]["unresolved"].append({"in": item.rel, "url": url})
        return self.old.absolute(path) + (f"#{fragment}" if fragment else "")

    def _out_rel(self) -> str:
        return self.o.out.resolve().relative_to(self.rules.srcdir).as_posix()

    def _image(self, url: str, item: Planned) -> str:
        url = self._absolute(url, item)
        name = self.images.place(url)
        if name is None:
            return url
        return posixpath.relpath(f"_images/{name}", posixpath.dirname(item.rel) or ".")

    def _comments(self, item: Planned) -> str:
        """The thread as YAML data, built without recursion: any shape an export gives
        (a reply to a missing comment, to itself, a cycle, a chain of any depth) is shown."""
        comments: list[Entry] = []
        anchors: set[str] = set()
        for comment in item.comments:  # each keeps the anchor c<number>: two with one number cannot
            if comment.number in anchors:
                self._not_imported("comment", comment.number, f"another comment of {item.rel} has the same number, "
                                   "which names its anchor")
            else:
                anchors.add(comment.number)
                comments.append(comment)
        by_id = {c.id: c for c in comments}
        children: dict[str, list[Entry]] = defaultdict(list)
        for comment in comments:
            if comment.parent_id in by_id and comment.parent_id != comment.id:
                children[comment.parent_id].append(comment)
        placed: set[str] = set()
        flattened = 0
        top: list[dict] = []
        # Top-level first: those without a parent in the thread; then the earliest comment of each
        # cycle (a reply to its own reply), which no top-level comment leads to.
        starts = [c for c in comments if c.parent_id not in by_id or c.parent_id == c.id] + comments
        for start in starts:
            if start.id in placed:
                continue
            stack = [(start, top, 1)]  # (comment, the list it goes in, its depth)
            while stack:
                comment, siblings, depth = stack.pop()
                if comment.id in placed:
                    continue
                placed.add(comment.id)
                node = self._comment(comment)
                siblings.append(node)
                replies = [c for c in children.get(comment.id, []) if c.id not in placed]
                if not replies:
                    continue
                if depth < MAX_COMMENT_DEPTH:
                    node["replies"] = []
                    target, below = node["replies"], depth + 1
                else:  # deeper replies follow their parent on its level: the page's nesting stays bounded
                    flattened += len(replies)
                    target, below = siblings, depth
                stack.extend((reply, target, below) for reply in reversed(replies))
        self.report["written"]["comments"] += len(placed)
        if flattened:
            self.report["limits"].append({
                "id": item.entry.number, "kind": item.entry.kind, "limit": f"MAX_COMMENT_DEPTH = {MAX_COMMENT_DEPTH}",
                "what": f"{flattened} comment repl(ies) deeper than the limit shown at the deepest level"})
        data = yaml.safe_dump(top, allow_unicode=True, sort_keys=False, width=100)
        return f"```{{archived-comments}}\n{data}```"

    def _comment(self, comment: Entry) -> dict:
        author = comment.authors[0] if comment.authors else None
        node: dict = {"id": comment.number, "author": " ".join(author.name.split()) if author else ''}
        node["author"] = node["author"] or "Anonymous"
        if author and author.uri:
            node["author_url"] = author.uri
        node["date"] = _iso(comment.published.astimezone(self.tz))
        if comment.removed:
            node["removed"] = True
        else:  # an empty body (all of it was script, say) stays a comment: its author and date are shown
            node["body"] = clean_html(comment.html, comment=True).strip()
        return node

    # -- redirects -----------------------------------------------------------------

    def _targets(self, planned: list[Planned]) -> list[tuple[str, str]]:
        """(old path, new path from the site root) for posts, pages, labels, archives, feeds.

        Both in the written form (links.written: unreserved characters and %XX
        only), so that no value adds a field, a line or a directive to the files
        below. A row still unsafe (a dot segment, a control character, an address
        not of the old blog's shapes) or whose address another row already claims
        (nginx compares keys case-insensitively; a static host serves one page for
        /2016/05/ and /2016/05/index.html) is refused and reported.
        """
        out_rel = self._out_rel()
        shape = "not the address of an old post or page (/YYYY/MM/slug.html, /p/slug.html)"
        candidates = sorted([(links.written(p.old_path), links.written(f"/{out_rel}/{p.docname}.html"),
                              None if links.post_path(p.old_path) or links.page_path(p.old_path) else shape)
                             for p in planned], key=lambda row: row[:2])
        months = sorted({p.old_path[:9] for p in planned if links.post_path(p.old_path)})
        blog, tags = self.rules.blog_path, self.rules.tag_path
        candidates += [(month, f"/{blog}/{month[1:5]}.html", None) for month in months]
        for tag in sorted(set(self.tags.values())):
            if slugify(tag):
                label = quote(tag, safe="")  # one segment: a "/" in a label is part of its name
                candidates.append((f"/search/label/{label}", links.written(f"/{tags}/{slugify(tag)}.html"),
                                   None))
                # Blogger's full and summary feeds of a label: the label's feed here.
                for kind in ("default", "summary"):
                    candidates.append((f"/feeds/posts/{kind}/-/{label}",
                                       links.written(f"/{tags}/{slugify(tag)}/atom.xml"), None))
        # Every address Blogger answered with the blog's feed: the blog's feed here.
        for feed in ("/feeds/posts/default", "/feeds/posts/summary", "/atom.xml", "/rss.xml"):
            candidates.append((feed, f"/{blog}/atom.xml", None))
        rows: list[tuple[str, str]] = []
        refused: list[dict] = []
        claimed: dict[str, str] = {}
        # Posts and pages first: they keep an address they share with a month
        # (/2016/05/index.html is the page a static host serves for /2016/05/).
        for old, new, problem in list(dict.fromkeys(candidates)):
            if problem is None and (bad := links.path_problem(old)):
                problem = f"old path: {bad}"
            if problem is None and (bad := links.path_problem(new)):
                problem = f"new path: {bad}"
            keys = (unquote(old).casefold(), links.redirect_page(old).casefold())
            if problem is None and (other := next((claimed[key] for key in keys if key in claimed), None)):
                problem = f"same address as {other} (to nginx, static hosts, case-blind file systems)"
            if problem:
                refused.append({"old_path": old, "new_path": new, "reason": problem})
                continue
            claimed.update(dict.fromkeys(keys, old))
            rows.append((old, new))
        self.report["redirects_refused"] = sorted(refused, key=lambda row: (row["old_path"], row["new_path"]))
        return sorted(rows)

    def _redirects_csv(self, planned: list[Planned]) -> str:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["old_path", "new_path"])
        writer.writerows(self._targets(planned))
        return text.getvalue()

    def _nginx_map(self, planned: list[Planned]) -> str:
        lines = ["# map $uri $techblog_redirect { include this file; }  then: if ($techblog_redirect) "
                 "{ return 301 $techblog_redirect; }"]
        # nginx matches the decoded $uri ("/search/label/High Availability"), so
        # the key is the decoded path in double quotes, where only \ and " need
        # escaping: nginx neither expands $ in a map key nor ends the token at
        # ; { } or a space, and a key starting with "/" is never a regex ("~")
        # nor a keyword. (Control characters were refused in _targets.) The
        # value is the written path: its characters are all literal to nginx.
        for old, new in self._targets(planned):
            key = unquote(old).replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'"{key}" {new};')
        return "\n".join(lines) + "\n"

    def _netlify(self, planned: list[Planned]) -> str:
        return "\n".join(f"{old} {new} 301" for old, new in self._targets(planned)) + "\n"

    # -- writing ---------------------------------------------------------------------

    def _previous_hashes(self) -> dict[str, set[str]]:
        """File -> the hashes this importer wrote there: the last finished run's
        (``files``), and those of runs interrupted since (``pending``, see _journal)."""
        report = self.o.out / REPORT
        try:
            loaded = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
        except (ValueError, OSError):
            loaded = {}
        self._last_report: dict = loaded if isinstance(loaded, dict) else {}
        files, pending = self._last_report.get("files"), self._last_report.get("pending")
        self._pending: dict[str, set[str]] = {
            rel: {d for d in digests if isinstance(d, str)}
            for rel, digests in (pending.items() if isinstance(pending, dict) else ())
            if isinstance(digests, list)}
        known = {rel: set(digests) for rel, digests in self._pending.items()}
        for rel, digest in (files.items() if isinstance(files, dict) else ()):
            if isinstance(digest, str):
                known.setdefault(rel, set()).add(digest)
        return known

    def _decide(self, rel: str, text: str, ours: set[str]) -> bool:
        """Whether to write ``rel``: yes when it is missing, or holds what an
        import wrote (a recorded or pending hash) or a write cut short (a
        strict prefix of this text, ending mid-line: an editor saves whole
        lines, and every file written here ends with a newline; left by the
        importer before its writes were atomic); no when it is already this
        text, or was edited by hand (unless --force)."""
        target = self.o.out / rel
        out = self.o.out.resolve()
        if posixpath.isabs(rel) or ".." in rel.split("/") or not target.resolve().is_relative_to(out):
            raise UnusableExport(f"refusing to write {target}: it is not inside --out {self.o.out} "
                                 "(a symbolic link leading out?)")
        if not target.exists():
            self.changes.append(rel)
            return True
        data = text.encode("utf-8")
        current = target.read_bytes() if target.is_file() else None
        if current == data:
            self.unchanged.append(rel)
            return False
        cut_short = current is not None and data.startswith(current) and not current.endswith(b"\n")
        if current is None or not (cut_short or hashlib.sha256(current).hexdigest() in ours or self.o.force):
            self.report["edited_by_hand"].append(rel)
            return False
        self.changes.append(rel)
        return True

    def _journal(self, writes: dict[str, str]) -> None:
        """Before the first file is written: the report as it was, plus the hashes
        about to be written as ``pending``. A run killed between two files (the
        report comes last) thus leaves only files the next run knows as its own."""
        journal = dict(self._last_report)
        pending = {rel: sorted(digests) for rel, digests in self._pending.items()}  # runs interrupted before
        for rel, text in writes.items():
            pending[rel] = sorted(set(pending.get(rel, [])) | {_digest(text)})
        journal["pending"] = pending
        text = json.dumps(journal, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        atomic.write_text(self.o.out / REPORT, text)

    def _write(self, rel: str, text: str) -> None:
        if self.o.dry_run:
            return
        target = self.o.out / rel
        try:
            atomic.write_text(target, text)
        except OSError as err:
            raise UnusableExport(f"cannot write {target}: {err.strerror or err} (nothing half-written is "
                                 f"left; the next run finishes the import)") from None


def _anchored(item: Planned, fragment: str) -> bool:
    """Whether ``fragment`` is an anchor the imported page has: a comment's ``c<number>``. The old
    blog's other anchors (``more``, ids in the HTML) are not kept by the sanitiser."""
    return bool(fragment) and any(fragment == f"c{comment.number}" for comment in item.comments)


def normalize_headings(html_text: str) -> str:
    """Blogger bodies start at <h3> or mix levels; the post's title is the only
    h1, so the body's headings become h2, h3, ... in order: each one at most one
    level below the one before it (MyST warns about a jump, and -W makes that an
    error), and one as deep as or shallower than an earlier one back on its level."""
    if not re.search(r"<h[1-6][\s>]", html_text, re.IGNORECASE):
        return html_text
    soup = _soup(html_text)  # html.parser builds and writes the tree without recursion, at any depth
    open_levels: list[int] = []  # the original levels of the headings the next one may be below
    for element in soup.find_all(re.compile(r"^h[1-6]$")):
        level = int(element.name[1])
        while open_levels and open_levels[-1] >= level:
            open_levels.pop()
        open_levels.append(level)
        element.name = f"h{min(1 + len(open_levels), 6)}"
    return str(soup)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def _safe(slug: str) -> str:
    """A file name stem any file system takes: ASCII letters, digits, ``-_.``,
    no leading or trailing dot, not a Windows device name, at most MAX_STEM bytes."""
    ascii_only = unicodedata.normalize("NFKD", slug).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", ascii_only)[:MAX_STEM].strip("-.") or "post"
    if WINDOWS_DEVICE.fullmatch(stem):
        head, dot, rest = stem.partition(".")
        stem = f"{head}_{dot}{rest}"
    return stem


def _heading(title: str) -> str:
    return re.sub(r"([\\`*_{}\[\]<>$#|~])", r"\\\1", " ".join(title.split()))


def _front(data: dict) -> str:
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000) + "---"


def run(options: Options, rules: SiteRules, legacy_url: str) -> tuple[dict, list[str], list[str]]:
    """The report, and this run's changed and unchanged files."""
    importer = Importer(options, rules, legacy_url)
    report = importer.run()
    return report, importer.changes, importer.unchanged


def summary(report: dict, changes: list[str], unchanged: list[str], dry_run: bool) -> str:
    written = report["written"]
    lines = [
        f"{report['export']} ({report['format']}): read "
        + ", ".join(f"{n} {kind}" for kind, n in report["entries_read"].items()),
        f"posts {written['posts']}, pages {written['pages']}, comments {written['comments']}; skipped: "
        f"{report['skipped']['drafts']} drafts, {report['skipped']['trashed']} trashed, "
        f"{report['skipped']['comments_trashed']} trashed comments",
        "read = written + reported: " + ", ".join(
            f"{kind}s {n['read']} = {n['written']} + {n['reported']}" for kind, n in report["accounting"].items()),
        f"images: {report['images']['kept']} kept, {report['images']['downloaded']} downloaded, "
        f"{len(report['images']['failed'])} failed; links: {report['links']['rewritten']} rewritten, "
        f"{len(report['links']['unresolved'])} unresolved",
        f"{'would change' if dry_run else 'changed'}: {len(changes)} file(s); unchanged: {len(unchanged)}",
    ]
    lines += [f"  {'would write' if dry_run else 'wrote'} {rel}" for rel in changes]
    for old, what in report["collisions"]["slugs"].items():
        lines.append(f"  renamed {old} -> {what['renamed_to']} ({what['because']})")
    for tag, others in report["collisions"]["tags"].items():
        lines.append(f"  tag {tag!r} also stands for {others}")
    for rel in report["edited_by_hand"]:
        lines.append(f"  NOT overwritten (edited by hand since the last import; --force to replace): {rel}")
    for rel in report["no_longer_in_export"]:
        lines.append(f"  no longer in the export, left in place (delete it if the post is gone): {rel}")
    for item in report["not_imported"]:
        title = f" {item['title']!r}" if item.get("title") else ""
        lines.append(f"  NOT imported: {item['kind']} {item['id']}{title}: {item['reason']}")
    for note in report["limits"]:
        lines.append(f"  limit {note['limit']} reached by {note['kind']} {note['id']}: {note['what']}")
    for kind, missing in report["unaccounted"].items():
        lines.append(f"  ERROR: {missing} {kind}(s) read but neither written nor reported (an importer bug)")
    for url, reason in report["images"]["failed"].items():
        lines.append(f"  image failed, left hot-linked: {url} ({reason})")
    for row in report.get("redirects_refused", []):
        lines.append(f"  redirect NOT written: {row['old_path']} -> {row['new_path']} ({row['reason']})")
    return "\n".join(lines)


def exit_status(report: dict) -> int:
    """1 when anything read was not imported whole (reported, cut to a limit, unaccounted for) or not written."""
    problems = (report["not_imported"] or report["limits"] or report["unaccounted"] or report["images"]["failed"]
                or report["edited_by_hand"] or report.get("redirects_refused"))
    return 1 if problems else 0
