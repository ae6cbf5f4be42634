"""The metadata contract: what a post's front matter may say, and the errors
for everything else.

One reading for the build, ``python -m techblog check`` and ``new``: each
post file is read on its own (:func:`read_post`), then the posts are checked
against each other (:func:`cross_check`: two posts with one label, two tag
spellings with one page). Nothing here imports Sphinx, so checking 100 posts
takes a fraction of a second.

Every problem names the file, the line, the field, the value and what was
expected; all of them are collected, none stops the reading of the others.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import dates, frontmatter

# The documented fields (README, author's guide), in the order `new` writes them.
FIELDS = {
    "date": "when the post is published: ISO 8601 date or date-time, offset optional (required)",
    "author": "who wrote it: keys of blog_authors in conf.py, comma-separated or a YAML list (required)",
    "category": "keys of techblog_categories in conf.py, comma-separated or a YAML list (required)",
    "tags": "free labels, comma-separated or a YAML list",
    "description": "one or two sentences: the excerpt in listings and feeds, and the link preview",
    "image": "picture for link previews: a path relative to the post, or an https URL",
    "draft": "true keeps the post out of the published site",
    "comments": "false turns reader comments off for this post",
    "updated": "when the post was last changed in substance: ISO 8601, not before date",
    "original_url": "legacy posts: the address on the old blog",
    "original_date": "legacy posts: the date as the old blog showed it, when it differs from date",
    "blogger_id": "legacy posts: the post's id in the Blogger export",
}
REQUIRED = ("date", "author", "category")
# Defaults of the conf.py settings the contract reads (the extension registers the same).
CONFIG_DEFAULTS = {"techblog_timezone": "UTC", "blog_path": "blog", "blog_post_pattern": [], "exclude_patterns": []}
LISTS = ("author", "category", "tags")
BOOLEANS = ("draft", "comments")

# Names authors reach for that are not ours, and what to write instead.
HINTS = {
    "tag": "write 'tags'",
    "authors": "write 'author' (it takes a list)",
    "categories": "write 'category' (it takes a list)",
    "nocomments": "write 'comments: false'",
    "blogpost": "every file matching blog_post_pattern is a post; to keep one unpublished write 'draft: true'",
    "title": "the title is the post's first line, '# Title', after the front matter",
    "excerpt": "write 'description'",
    "summary": "write 'description'",
    "published": "write 'date'",
    "modified": "write 'updated'",
}

TRUE, FALSE = "true", "false"
TITLE = re.compile(r"#[ \t]+(?P<title>.+?)(?:[ \t]+#+)?[ \t]*")
SKIPPABLE = re.compile(r"\s*|\(.+\)=\s*|%.*|<!--.*-->\s*")  # blank, target, comment


def slugify(text: str) -> str:
    """The page name ABlog gives a tag (``ablog.blog.slugify``, ablog 0.11.13).

    Copied rather than imported so that ``check`` runs without Sphinx; a test
    keeps the two in step.
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def label_of(docname: str) -> str:
    """ABlog's reference label for a post: its file name, or its folder's for index.md."""
    parts = docname.split("/")
    return parts[-2] if parts[-1] == "index" and len(parts) > 1 else parts[-1]


@dataclass(frozen=True)
class Problem:
    path: str  # relative to the site root
    line: int
    kind: str  # a short code tests and tools can match: "invalid-date", ...
    field: str | None
    message: str  # says the field, the value and what was expected
    related: tuple[str, ...] = ()  # other files the problem involves

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True)
class SiteRules:
    """What the site's ``conf.py`` says posts may contain."""

    srcdir: Path
    patterns: tuple[str, ...]
    authors: dict[str, str]  # key -> display name
    categories: dict[str, str]  # key -> display name
    tz: dt.tzinfo
    now: dt.datetime
    tag_path: str = "blog/tag"
    exclude: tuple[str, ...] = ()  # exclude_patterns: sources that are not part of the site

    @classmethod
    def from_config(cls, get: Callable[[str], object], srcdir: Path) -> SiteRules:
        """``get(name)`` returns a conf.py value (from Sphinx or from conf.py itself)."""
        patterns = get("blog_post_pattern") or []
        if isinstance(patterns, str):
            patterns = [patterns]
        tz = dates.site_timezone(str(get("techblog_timezone")))
        return cls(
            srcdir=Path(srcdir).resolve(),
            patterns=tuple(patterns),
            authors={key: str(value[0]) for key, value in (get("blog_authors") or {}).items()},
            categories={key: str(value[0]) for key, value in (get("techblog_categories") or {}).items()},
            tz=tz,
            now=dates.build_now(tz),
            tag_path=f"{get('blog_path') or 'blog'}/tag",
            exclude=tuple(get("exclude_patterns") or ()),
        )


@dataclass(frozen=True)
class PostMeta:
    """A post's metadata once it has passed the contract."""

    path: str  # relative to the site root, POSIX
    title: str
    date: dt.datetime  # aware, with the offset as written (the site's zone when none)
    site_date: dt.datetime  # the same instant in the site's time zone: what pages show
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    tags: tuple[str, ...] = ()
    description: str | None = None
    image: str | None = None
    draft: bool = False
    comments: bool = True
    updated: dt.datetime | None = None
    original_url: str | None = None
    original_date: dt.datetime | None = None
    blogger_id: str | None = None
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def docname(self) -> str:
        return self.path.rsplit(".", 1)[0]

    @property
    def label(self) -> str:
        return label_of(self.docname)

    def unpublished(self, now: dt.datetime) -> bool:
        """A draft, or dated after ``now``: left out unless drafts are previewed."""
        return self.draft or self.date > now


def _problem(path: str, line: int, kind: str, name: str | None, value: object, reason: str, expected: str,
             related: tuple[str, ...] = ()) -> Problem:
    subject = f"{name}: " if name else ""
    shown = f"{value!r} " if value is not None else ""
    return Problem(path, line, kind, name, f"{subject}{shown}{reason}; expected {expected}", related)


def post_files(rules: SiteRules) -> list[Path]:
    """Every file the blog treats as a post (drafts included), in a stable order."""
    found = {path for pattern in rules.patterns for path in rules.srcdir.glob(pattern) if path.is_file()}
    return sorted(found, key=lambda path: path.relative_to(rules.srcdir).as_posix())


def read_post(path: Path, rules: SiteRules) -> tuple[PostMeta | None, list[Problem]]:
    """Read one post; the metadata when it is valid, and every problem found."""
    rel = path.relative_to(rules.srcdir).as_posix() if path.is_absolute() else path.as_posix()
    try:
        doc = frontmatter.read(path)
    except frontmatter.FrontMatterError as err:
        return None, [Problem(rel, err.line, "front-matter", err.field, err.message)]
    if doc.fields is None:
        return None, [
            _problem(rel, 1, "no-front-matter", None, None, "this file is a post (it matches blog_post_pattern) "
                     "but has no front matter", "a '---' block with at least date, author and category at the top")
        ]
    reader = _PostReader(rel, path, doc.fields, rules)
    values = reader.read()
    title, title_problem = _title(rel, doc)
    problems = reader.problems + ([title_problem] if title_problem else [])
    if problems:
        return None, problems
    return PostMeta(path=rel, title=title, lines={k: v.line for k, v in doc.fields.items()}, **values), []


def _title(rel: str, doc: frontmatter.Document) -> tuple[str, Problem | None]:
    for offset, line in enumerate(doc.body):
        if SKIPPABLE.fullmatch(line):
            continue
        match = TITLE.fullmatch(line)
        if match:
            return match["title"], None
        return "", _problem(rel, doc.body_line + offset, "no-title", "title", line.strip()[:60],
                            "is where the title should be", "the post's title as a '# Title' line")
    return "", _problem(rel, doc.body_line, "no-title", "title", None, "the post has no text",
                        "the post's title as a '# Title' line after the front matter")


class _PostReader:
    """Checks the fields of one post, collecting every problem."""

    def __init__(self, rel: str, path: Path, fields: dict[str, frontmatter.Value], rules: SiteRules):
        self.rel, self.path, self.fields, self.rules = rel, path, fields, rules
        self.problems: list[Problem] = []

    def fail(self, name: str | None, value: object, kind: str, reason: str, expected: str, line: int | None = None):
        if line is None:
            line = self.fields[name].line if name in self.fields else 1
        self.problems.append(_problem(self.rel, line, kind, name, value, reason, expected))

    def read(self) -> dict:
        for name in self.fields:
            if name not in FIELDS:
                self.unknown(name)
        for name in REQUIRED:
            if name not in self.fields:
                self.fail(name, None, "missing-field", "is missing", FIELDS[name], line=1)
        out: dict = {}
        out["date"] = self.date("date")
        out["site_date"] = out["date"].astimezone(self.rules.tz) if out["date"] else None
        out["authors"] = self.keys("author", self.rules.authors, "blog_authors", "unknown-author")
        out["categories"] = self.keys("category", self.rules.categories, "techblog_categories", "unknown-category")
        out["tags"] = self.tags()
        out["description"] = self.text("description")
        out["image"] = self.image()
        out["draft"] = self.boolean("draft", False)
        out["comments"] = self.boolean("comments", True)
        out["updated"] = self.date("updated")
        out["original_url"] = self.url("original_url")
        out["original_date"] = self.date("original_date")
        out["blogger_id"] = self.text("blogger_id")
        if out["updated"] and out["date"] and out["updated"] < out["date"]:
            self.fail("updated", self.fields["updated"].value, "updated-before-date",
                      f"is before the post's date ({self.fields['date'].value})", "a date on or after 'date'")
        return out

    def unknown(self, name: str) -> None:
        hint = HINTS.get(name)
        if not hint:
            close = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else ""
        known = ", ".join(FIELDS)
        self.fail(name, None, "unknown-field", "is not a field of a post" + (f" ({hint})" if hint else ""),
                  f"one of: {known}")

    def scalar(self, name: str) -> str | None:
        if name not in self.fields:
            return None
        value = self.fields[name].value
        if isinstance(value, list):
            self.fail(name, value, "not-a-list-field", "is a list", "a single value")
            return None
        return value

    def items(self, name: str) -> list[str] | None:
        """A comma-separated string or a YAML list, as a list of stripped items."""
        if name not in self.fields:
            return None
        value = self.fields[name].value
        if isinstance(value, str):
            raw = value.split(",")
        else:
            raw = value
            for item in value:
                if "," in item:
                    self.fail(name, item, "comma-in-item", "contains a comma, which separates items",
                              "one value per list item, without commas")
                    return None
        items = [" ".join(item.split()) for item in raw]
        if any(not item for item in items):
            self.fail(name, value, "empty-item", "has an empty item (two commas in a row, or one at the end)",
                      "names separated by single commas")
            return None
        if not items:
            self.fail(name, value, "empty-field", "is empty", FIELDS[name])
            return None
        return items

    def date(self, name: str) -> dt.datetime | None:
        text = self.scalar(name)
        if text is None:
            return None
        try:
            return dates.parse_date(text, self.rules.tz)
        except dates.DateError as err:
            self.fail(name, text, "invalid-date", f"is not a valid date ({err})", dates.EXPECTED)
            return None

    def keys(self, name: str, registered: dict[str, str], setting: str, kind: str) -> tuple[str, ...]:
        items = self.items(name)
        if items is None:
            return ()
        seen: list[str] = []
        for item in items:
            if item in seen:
                self.fail(name, item, "duplicate-item", "is listed twice", "each once")
            elif item not in registered:
                by_name = [key for key, shown in registered.items() if shown.lower() == item.lower()]
                hint = f" (write its key, {by_name[0]!r})" if by_name else ""
                self.fail(name, item, kind, f"is not registered in {setting} in conf.py{hint}",
                          "one of: " + ", ".join(registered))
            else:
                seen.append(item)
        return tuple(seen)

    def tags(self) -> tuple[str, ...]:
        items = self.items("tags")
        if items is None:
            return ()
        tags: list[str] = []
        slugs: dict[str, str] = {}
        for tag in items:
            slug = slugify(tag)
            if not slug:
                self.fail("tags", tag, "tag-without-page", "has no letter or digit to name its page",
                          "a tag with at least one letter or digit")
            elif slug in slugs:
                same = "is listed twice" if slugs[slug] == tag else f"and {slugs[slug]!r} would share one page, " \
                    f"{self.rules.tag_path}/{slug}.html"
                self.fail("tags", tag, "tag-collision", same, "tags whose pages differ")
            else:
                slugs[slug] = tag
                tags.append(tag)
        return tuple(tags)

    def text(self, name: str) -> str | None:
        text = self.scalar(name)
        if text is None:
            return None
        text = text.strip()
        if not text:
            self.fail(name, "", "empty-field", "is empty", FIELDS[name])
            return None
        return text

    def boolean(self, name: str, default: bool) -> bool:
        text = self.scalar(name)
        if text is None:
            return default
        if text.lower() in (TRUE, FALSE):
            return text.lower() == TRUE
        self.fail(name, text, "not-a-boolean", "is not true or false", "true or false")
        return default

    def url(self, name: str) -> str | None:
        text = self.text(name)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            self.fail(name, text, "not-a-url", "is not a web address", "an absolute http(s) URL")
            return None
        return text

    def image(self) -> str | None:
        text = self.text("image")
        if text is None:
            return None
        if urlsplit(text).scheme:
            return self.url("image")
        target = (self.rules.srcdir / text.lstrip("/")) if text.startswith("/") else (self.path.parent / text)
        if not target.is_file():
            self.fail("image", text, "image-not-found", "is not a file",
                      "a path relative to the post (or to the site root when it starts with /), or an https URL")
            return None
        return text


def cross_check(posts: Iterable[PostMeta], rules: SiteRules) -> list[Problem]:
    """What no single post shows: two posts with one label, two tags with one page."""
    problems: list[Problem] = []
    labels: dict[str, PostMeta] = {}
    spellings: dict[str, tuple[str, PostMeta]] = {}  # tag slug -> first spelling seen
    for post in posts:
        other = labels.setdefault(post.label, post)
        if other is not post:
            problems.append(_problem(
                post.path, 1, "label-collision", "file name", post.label,
                f"is already the label of {other.path}; ABlog names a post by its file name "
                "(by its folder's for index.md), so one of them would be unreachable",
                "a file name no other post uses", related=(other.path,)))
        for tag in post.tags:
            slug = slugify(tag)
            first, where = spellings.setdefault(slug, (tag, post))
            if first != tag:
                problems.append(_problem(
                    post.path, post.lines.get("tags", 1), "tag-collision", "tags", tag,
                    f"and {first!r} (in {where.path}) would share one page, {rules.tag_path}/{slug}.html",
                    "one spelling per tag", related=(where.path,)))
    return problems


def markdown_sources(rules: SiteRules) -> list[Path]:
    """Every Markdown file Sphinx would read (exclude_patterns applied, as Sphinx applies them)."""
    from sphinx.util.matching import get_matching_files  # light: no Sphinx application

    return [rules.srcdir / name for name in get_matching_files(rules.srcdir, ["**.md"], rules.exclude)]


def excluded(path: Path, rules: SiteRules) -> bool:
    """Outside the site, or matched by exclude_patterns: Sphinx never reads it."""
    from sphinx.util.matching import Matcher

    if not path.is_relative_to(rules.srcdir):
        return True
    matches = Matcher(rules.exclude)
    rel = path.relative_to(rules.srcdir)
    # A pattern such as "tests" excludes the folder, hence everything in it.
    return any(matches(part.as_posix()) for part in [rel, *rel.parents[:-1]])


def check_pages(paths: Iterable[Path], rules: SiteRules) -> list[Problem]:
    """Pages that are not posts must not claim to be one (ABlog's ``blogpost`` field)."""
    posts = set(post_files(rules))
    problems = []
    for path in sorted(set(paths) - posts):
        try:
            fields = frontmatter.read(path).fields or {}
        except frontmatter.FrontMatterError:
            continue  # not a post: MyST reports its front matter itself
        if "blogpost" in fields:
            rel = path.relative_to(rules.srcdir).as_posix()
            problems.append(_problem(
                rel, fields["blogpost"].line, "blogpost-outside-posts", "blogpost", fields["blogpost"].value,
                "is set on a page that is not where posts live, so it would be a post nobody checks",
                "no 'blogpost' field; a post goes where blog_post_pattern matches (" + ", ".join(rules.patterns) + ")"))
    return problems


@dataclass
class Report:
    posts: dict[str, PostMeta]  # by docname, valid posts only
    problems: list[Problem]
    files: int  # post files read


def check_site(rules: SiteRules, paths: Iterable[Path] | None = None, read=None) -> Report:
    """Check every post of the site, or only ``paths`` (still against all the others).
    ``read`` replaces :func:`read_post` (the build keeps its results between builds)."""
    read = read or read_post
    every = post_files(rules)
    wanted = {p.resolve() for p in paths} if paths is not None else None
    posts: dict[str, PostMeta] = {}
    if wanted is None:
        pages = markdown_sources(rules)
    else:
        pages = [p for p in sorted(wanted - {p.resolve() for p in every}) if not excluded(p, rules)]
    problems: list[Problem] = check_pages(pages, rules)
    for path in every:
        meta, found = read(path, rules)
        if wanted is None or path.resolve() in wanted:
            problems.extend(found)
        if meta:
            posts[meta.docname] = meta
    cross = cross_check(posts.values(), rules)
    if wanted is not None:
        root = rules.srcdir.resolve()
        named = {p.relative_to(root).as_posix() for p in wanted if p.is_relative_to(root)}
        cross = [p for p in cross if named & {p.path, *p.related}]
    problems.extend(cross)
    problems.sort(key=lambda p: (p.path, p.line))
    return Report(posts, problems, len(every))
