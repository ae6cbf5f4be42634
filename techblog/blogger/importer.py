"""``python -m techblog import-blogger``: the old blog into ``legacy/``, nothing lost.

One MyST post per published Blogger post, at ``<out>/YYYY/MM/slug.md`` taken
from its original URL (never rebuilt from the date: back-dated posts differ),
static pages at ``<out>/pages/slug.md``, reader comments as an archived
thread at the end of each post, links between old posts pointing at the
imported pages, and a redirect map so that old URLs keep working.

Re-running on the same export writes the same bytes. A file edited by hand
since the last import (its hash differs from the one recorded in
``import-report.json``) is left alone unless ``--force``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import lxml.html
import yaml

from ..contract import PostMeta, SiteRules, label_of, post_files, read_post, slugify
from ..dates import DateError, site_timezone
from . import links
from .images import Images
from .markdown import to_myst
from .parse import Entry, Export, UnusableExport, read_export, short_id
from .sanitize import clean_html

REPORT = "import-report.json"
REDIRECTS = "redirects.csv"
NGINX_MAP = "redirects.nginx.map"
NETLIFY = "_redirects"
CATEGORY = "legacy"
MORE = "<!-- more -->"


@dataclass
class Options:
    export: Path
    out: Path
    timezone: str | None = None
    images: str = "keep"
    images_from: Path | None = None  # a local copy of the image hosts (<dir>/<host>/<path>) for "download"
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
                             source=self.o.images_from)
        self.others = self._other_posts()
        planned = self._plan(export)
        self.tags = self._tag_spellings(planned)
        self.by_old_path = {p.old_path: p for p in planned}
        previous = self._previous_hashes()
        outputs: dict[str, str] = {}
        for item in planned:
            outputs[item.rel] = self._render(item)
        outputs[REDIRECTS] = self._redirects_csv(planned)
        outputs[NGINX_MAP] = self._nginx_map(planned)
        outputs[NETLIFY] = self._netlify(planned)
        self.report["images"]["kept"] = len(self.images.kept)
        self.report["images"]["downloaded"] = len(self.images.downloaded)
        self.report["images"]["failed"] = dict(sorted(self.images.failed.items()))
        for rel, text in sorted(outputs.items()):
            self._write(rel, text, previous.get(rel))
        self.report["files"] = {rel: _digest(text) for rel, text in sorted(outputs.items())}
        # Written by an earlier import, no longer in the export: listed, never deleted.
        self.report["no_longer_in_export"] = sorted(rel for rel in previous if rel not in outputs
                                                    and (self.o.out / rel).is_file())
        report_text = json.dumps(self.report, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        if not self.o.dry_run:
            (self.o.out / REPORT).write_text(report_text, encoding="utf-8")
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
        posts: list[Planned] = []
        comments: dict[str, list[Entry]] = defaultdict(list)
        for entry in export.entries:
            if entry.kind == "comment":
                if entry.status == "trashed":
                    self.report["skipped"]["comments_trashed"] += 1
                elif entry.post_id:
                    comments[entry.post_id].append(entry)
                continue
            if entry.status == "trashed":
                self.report["skipped"]["trashed"] += 1
                continue
            if entry.status == "draft" and not self.o.drafts:
                self.report["skipped"]["drafts"] += 1
                continue
            old_path = self._old_path(entry)
            if entry.kind == "page":
                slug = links.page_path(old_path) or slugify(entry.title) or entry.number
                posts.append(Planned(entry, old_path, f"pages/{_safe(slug)}.md"))
                continue
            missing = [a.name for a in entry.authors if self._author_key(a.name) is None] or (
                [] if entry.authors else ["(none)"])
            if missing:
                self.report["not_imported"].append({
                    "id": entry.number, "title": entry.title,
                    "reason": f"author {', '.join(missing)} is not in blog_authors (add it, or --author 'Name=key')"})
                continue
            parts = links.post_path(old_path)
            if not parts:
                self.report["not_imported"].append({"id": entry.number, "title": entry.title,
                                                    "reason": f"no post URL ({old_path or 'none'})"})
                continue
            year, month, slug = parts
            posts.append(Planned(entry, old_path, f"{year}/{month}/{_safe(slug)}.md"))
        self._resolve_collisions(posts)
        for item in posts:
            item.comments = sorted(comments.pop(item.entry.id, []), key=lambda c: (c.published, c.id))
        for post_id, orphans in sorted(comments.items()):
            self.report["not_imported"].append({"id": short_id(post_id), "comments": len(orphans),
                                                "reason": "comments of a post that was not imported"})
        return sorted(posts, key=lambda p: p.rel)

    def _old_path(self, entry: Entry) -> str:
        if entry.url:
            path, _ = self.old.split(entry.url) if "://" in entry.url else (entry.url, "")
            return path
        # Drafts have no address yet: the one Blogger would have given them.
        local = entry.published.astimezone(self.tz)
        return f"/{local:%Y}/{local:%m}/{slugify(entry.title) or entry.number}.html"

    def _resolve_collisions(self, posts: list[Planned]) -> None:
        """Two posts may not share a label (a file name): the later one is renamed."""
        taken = {label_of(rel[: -len(".md")]): rel for rel in self.others}
        for item in sorted(posts, key=lambda p: (p.entry.published, p.entry.id)):
            if item.rel.startswith("pages/"):
                continue
            folder, name = posixpath.split(item.rel)
            stem = name[: -len(".md")]
            new_stem = stem
            if new_stem in taken:
                year, month = folder.split("/")
                new_stem = f"{stem}-{year}-{month}"
                counter = 2
                while new_stem in taken:
                    new_stem = f"{stem}-{year}-{month}-{counter}"
                    counter += 1
                self.report["collisions"]["slugs"][item.old_path] = {
                    "renamed_to": f"{folder}/{new_stem}.md", "because": f"{stem!r} is taken by {taken[stem]}"}
                item.rel = f"{folder}/{new_stem}.md"
            taken[new_stem] = item.rel

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
        if item.rel.startswith("pages/"):
            self.report["written"]["pages"] += 1
            front = {"orphan": True, "original_url": self.old.absolute(item.old_path),
                     "blogger_id": entry.number}
        else:
            self.report["written"]["posts"] += 1
            front = self._front_matter(item)
        title = html.unescape(entry.title).strip() or "Untitled"
        parts = [_front(front), f"# {_heading(title)}", re.sub(r"(?m)^% more$", MORE, body)]
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
        tags = []
        for label in entry.labels:
            tag = self.tags.get(" ".join(label.split()))
            if tag and slugify(tag) and tag not in tags:
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
        front["original_url"] = self.old.absolute(item.old_path)
        front["blogger_id"] = entry.number
        return front

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
        url = self._absolute(url, item)
        if not self.old.owns(url):
            return url
        path, fragment = self.old.split(url)
        here = posixpath.dirname(item.rel)
        target = self.by_old_path.get(path)
        if target is not None:
            self.report["links"]["rewritten"] += 1
            relative = posixpath.relpath(target.rel, here or ".")
            return relative + (f"#{fragment}" if fragment else "")
        label = links.label_path(path)
        site_root = posixpath.relpath(".", posixpath.join(self._out_rel(), here))
        if label is not None and self.tags.get(" ".join(label.split())):
            self.report["links"]["rewritten"] += 1
            return "site:" + posixpath.join(site_root, f"blog/tag/{slugify(self.tags[' '.join(label.split())])}.html")
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
        by_id = {c.id: c for c in item.comments}
        children: dict[str | None, list[Entry]] = defaultdict(list)
        for comment in item.comments:
            parent = comment.parent_id if comment.parent_id in by_id else None
            children[parent].append(comment)

        def tree(parent: str | None) -> list[dict]:
            out = []
            for comment in children.get(parent, []):
                self.report["written"]["comments"] += 1
                author = comment.authors[0] if comment.authors else None
                node: dict = {"id": comment.number, "author": author.name if author else "Anonymous"}
                if author and author.uri:
                    node["author_url"] = author.uri
                node["date"] = _iso(comment.published.astimezone(self.tz))
                if comment.removed:
                    node["removed"] = True
                else:
                    node["body"] = clean_html(comment.html, comment=True).strip()
                replies = tree(comment.id)
                if replies:
                    node["replies"] = replies
                out.append(node)
            return out

        data = yaml.safe_dump(tree(None), allow_unicode=True, sort_keys=False, width=100)
        return f"```{{archived-comments}}\n{data}```"

    # -- redirects -----------------------------------------------------------------

    def _targets(self, planned: list[Planned]) -> list[tuple[str, str]]:
        """(old path, new path from the site root) for posts, pages, labels, archives, feeds."""
        out_rel = self._out_rel()
        rows = [(p.old_path, f"/{out_rel}/{p.docname}.html") for p in planned]
        months = sorted({p.old_path[:9] for p in planned if links.post_path(p.old_path)})
        rows += [(month, f"/blog/{month[1:5]}.html") for month in months]
        for tag in sorted(set(self.tags.values())):
            if slugify(tag):
                rows.append((f"/search/label/{quote(tag)}", f"/blog/tag/{slugify(tag)}.html"))
                rows.append((f"/feeds/posts/default/-/{quote(tag)}", f"/blog/tag/{slugify(tag)}/atom.xml"))
        rows.append(("/feeds/posts/default", "/blog/atom.xml"))
        return sorted(set(rows))

    def _redirects_csv(self, planned: list[Planned]) -> str:
        lines = ["old_path,new_path"] + [f"{old},{new}" for old, new in self._targets(planned)]
        return "\n".join(lines) + "\n"

    def _nginx_map(self, planned: list[Planned]) -> str:
        lines = ["# map $uri $techblog_redirect { include this file; }  then: if ($techblog_redirect) "
                 "{ return 301 $techblog_redirect; }"]
        # nginx matches the decoded $uri: "/search/label/High Availability".
        lines += [f'"{unquote(old)}" {new};' for old, new in self._targets(planned)]
        return "\n".join(lines) + "\n"

    def _netlify(self, planned: list[Planned]) -> str:
        return "\n".join(f"{old} {new} 301" for old, new in self._targets(planned)) + "\n"

    # -- writing ---------------------------------------------------------------------

    def _previous_hashes(self) -> dict[str, str]:
        report = self.o.out / REPORT
        if not report.is_file():
            return {}
        try:
            return json.loads(report.read_text(encoding="utf-8")).get("files", {})
        except (ValueError, OSError):
            return {}

    def _write(self, rel: str, text: str, recorded: str | None) -> None:
        target = self.o.out / rel
        if target.is_file():
            current = target.read_text(encoding="utf-8")
            if current == text:
                self.unchanged.append(rel)
                return
            if recorded is None or _digest(current) != recorded:
                if not self.o.force:
                    self.report["edited_by_hand"].append(rel)
                    return
        self.changes.append(rel)
        if self.o.dry_run:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def normalize_headings(html_text: str) -> str:
    """Blogger bodies start at <h3> or mix levels; the post's title is the only
    h1, so the body's levels become h2, h3, ... in order, without gaps (MyST
    warns about a jump, and -W makes that an error)."""
    if not re.search(r"<h[1-6][\s>]", html_text, re.IGNORECASE):
        return html_text
    root = lxml.html.fragment_fromstring(html_text, create_parent="div")
    headings = [el for el in root.iter() if isinstance(el.tag, str) and re.fullmatch(r"h[1-6]", el.tag)]
    levels = sorted({int(el.tag[1]) for el in headings})
    mapping = {level: min(2 + rank, 6) for rank, level in enumerate(levels)}
    for element in headings:
        element.tag = f"h{mapping[int(element.tag[1])]}"
    inner = (root.text or "") + "".join(lxml.html.tostring(child, encoding="unicode") for child in root)
    return inner


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def _safe(slug: str) -> str:
    return re.sub(r"[^\w.-]+", "-", slug).strip("-") or "post"


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
        lines.append(f"  NOT imported: {item}")
    for url, reason in report["images"]["failed"].items():
        lines.append(f"  image failed, left hot-linked: {url} ({reason})")
    return "\n".join(lines)


def exit_status(report: dict) -> int:
    problems = report["not_imported"] or report["images"]["failed"] or report["edited_by_hand"]
    return 1 if problems else 0

