"""The metadata contract: what a post's front matter may say, and the errors
for everything else.

One reading for the build, ``python -m techblog check`` and ``new``: each
post file is read on its own (:func:`read_post`), then the posts are checked
against each other (:func:`cross_check`: two posts with one label, two tag
spellings with one page). Nothing here imports Sphinx, so checking 100 posts
takes a fraction of a second.

Every problem names the file, the line, the field, the value and what was
expected; all of them are collected, none stops the reading of the others.
No input makes the reading raise: odd values (control characters, huge or
deeply nested values, dates at the ends of the calendar) are problems too,
and every value is bounded (:data:`MAX_LENGTH`, :data:`MAX_ITEMS`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from techblog.posts import dates, frontmatter

# The documented fields (README, author's guide), in the order `new` writes them.
FIELDS = {
    "date": "when the post is published: ISO 8601 date or date-time, offset optional (required)",
    "author": "who wrote it: keys of blog_authors in conf.py, comma-separated or a YAML list (required)",
    "category": "keys of techblog_categories in conf.py, comma-separated or a YAML list (required)",
    "tags": "free labels, comma-separated or a YAML list",
    "series": "the key of a series in techblog_series in conf.py: the post is one of its parts, in date order",
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
CONFIG_DEFAULTS = {"techblog_timezone": "UTC", "blog_path": "blog", "blog_post_pattern": [], "exclude_patterns": [],
                   "techblog_legacy_url": "", "myst_enable_extensions": [], "myst_disable_syntax": [],
                   "techblog_series": {}}
LISTS = ("author", "category", "tags")
URL_FIELDS = ("original_url", "image")
# The excerpt marker: a line of its own in a post's body; what comes before it
# is the post's excerpt (the build, ablog/metadata.py). Blogger's jump break is
# written as this line on import (legacy/markdown.py).
MORE = "<!-- more -->"

# Limits, in characters (per item for lists): generous for any real post,
# small enough that no value can swamp a page, a feed or an error message.
MAX_LENGTH = {"title": 200, "description": 1000, "tags": 100, "original_url": 2000, "image": 2000}
DEFAULT_MAX_LENGTH = 200  # every other field, and author and category names in conf.py
MAX_ITEMS = 100  # items of a list field (each tag is a page and a feed)
# What may not appear in a URL that is printed into an attribute: whitespace,
# quotes, angle brackets, backquotes and backslashes (browsers read "\" as "/").
URL_UNSAFE = re.compile(r"[\s\"'<>`\\]")
URL_EXPECTED = ("an absolute http(s) URL such as https://example.org/page, with a host and without spaces, "
                "quotes, '<', '>', '`' or '\\'")

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
# Blocks that may come before the title: (target)= lines, % comments, HTML comments.
SKIPPED_BLOCKS = ("myst_target", "myst_line_comment")
HTML_COMMENTS = re.compile(r"(?:\s*<!--.*?-->)*\s*", re.DOTALL)
TITLE_PREFIX_LINES = 64  # lines of the body parsed first to find the title (all of it if not enough)


def slugify(text: str) -> str:
    """The page name ABlog gives a tag (``ablog.blog.slugify``, ablog 0.11.13).

    Copied rather than imported so that ``check`` runs without Sphinx; a test
    keeps the two in step.
    """
    text = unicodedata.normalize("NFKD", str(text))
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def shown(value: object, limit: int = 80) -> str:
    """``repr(value)``, shortened to ``limit`` characters for messages."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 20]}...{text[-10:]} ({len(str(value))} characters)"


def url_problem(text: str) -> str | None:
    """Why ``text`` is not a URL we may print into a link, or None."""
    unsafe = URL_UNSAFE.search(text)
    if unsafe:
        return f"contains {unsafe[0]!r}"
    try:
        parts = urlsplit(text)
        parts.port  # raises for a port that is not a number in 0-65535
    except ValueError as err:
        return f"is not a valid URL ({err})"
    if parts.scheme not in ("http", "https") or not text.lower().startswith(f"{parts.scheme}://"):
        return "is not a web address"
    if not parts.hostname:
        return "has no host"
    return None


class SettingsError(ValueError):
    """A conf.py setting the contract reads that cannot work; the message names it."""

    def __init__(self, setting: str, value: object, reason: str, expected: str):
        self.setting = setting
        self.message = f"{setting}: {shown(value)} {reason}; expected {expected}"
        super().__init__(self.message)


def _display_names(setting: str, entries: object, second: str) -> dict[str, str]:
    """``blog_authors`` / ``techblog_categories``: key -> (display name, ``second``)."""
    if not isinstance(entries, dict):
        raise SettingsError(setting, entries, "is not a dict", f"{{key: (display name, {second})}}")
    names = {}
    for key, value in entries.items():
        where = f"{setting}[{key!r}]"
        if not isinstance(key, str) or not key.strip() or frontmatter.bad_character(key):
            raise SettingsError(setting, key, "is not a usable key", "a name of printable characters")
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise SettingsError(where, value, "is not a pair", f"(display name, {second})")
        name = value[0]
        if not isinstance(name, str) or not name.strip():
            raise SettingsError(where, name, "is not a display name", "a non-empty string")
        bad = frontmatter.bad_character(name)
        if bad or len(name) > DEFAULT_MAX_LENGTH:
            raise SettingsError(where, name, f"contains {bad}" if bad else "is too long",
                                f"at most {DEFAULT_MAX_LENGTH} printable characters")
        names[key] = name
    return names


# A series key is the name of its page (blog/series/<key>.html) and feed: plain.
SERIES_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _series_setting(entries: object) -> dict[str, str]:
    """``techblog_series``: key -> (title, description), both shown on pages and in feeds."""
    setting = "techblog_series"
    titles = _display_names(setting, entries, "description")
    for key, (_, description) in entries.items():
        where = f"{setting}[{key!r}]"
        if len(key) > 100 or not SERIES_KEY.fullmatch(key):
            raise SettingsError(setting, key, "is not a usable series key",
                                "lower-case letters, digits and single hyphens (it names the series' page), "
                                "at most 100 characters")
        if not isinstance(description, str) or not description.strip():
            raise SettingsError(where, description, "is not a description", "a non-empty string")
        bad = frontmatter.bad_character(description)
        if bad or len(description) > MAX_LENGTH["description"]:
            raise SettingsError(where, description, f"contains {bad}" if bad else "is too long",
                                f"at most {MAX_LENGTH['description']} printable characters")
    return titles


def _check_url_setting(setting: str, value: object) -> None:
    """A conf.py URL the site prints into links: empty/None (no link) or a safe http(s) URL."""
    if value in (None, ""):
        return
    reason = url_problem(value) if isinstance(value, str) else "is not a string"
    if reason:
        raise SettingsError(setting, value, reason, URL_EXPECTED + ", or '' for none")


@functools.lru_cache(maxsize=4)
def markdown_parser(extensions: tuple[str, ...] = (), disabled: tuple[str, ...] = ()):
    """MyST's own Markdown parser, set up as the build sets it up (imported here,
    not at the top: it is only needed once posts are read)."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions=set(extensions), disable_syntax=list(disabled))
    return create_md_parser(config, RendererHTML)


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
    blog_path: str = "blog"  # ABlog's pages: <blog_path>/2016.html, <blog_path>/atom.xml
    tag_path: str = "blog/tag"
    exclude: tuple[str, ...] = ()  # exclude_patterns: sources that are not part of the site
    # MyST's settings that change how a post's Markdown is read (its title)
    myst_extensions: tuple[str, ...] = ()
    myst_disabled: tuple[str, ...] = ()
    series: dict[str, str] = field(default_factory=dict)  # key -> title (techblog_series)

    @classmethod
    def from_config(cls, get: Callable[[str], object], srcdir: Path) -> SiteRules:
        """``get(name)`` returns a conf.py value (from Sphinx or from conf.py itself).

        Raises :class:`dates.DateError` (time zone, SOURCE_DATE_EPOCH) or
        :class:`SettingsError` for a setting that cannot work."""
        patterns = get("blog_post_pattern") or []
        if isinstance(patterns, str):
            patterns = [patterns]
        tz = dates.site_timezone(str(get("techblog_timezone")))
        authors = _display_names("blog_authors", get("blog_authors") or {}, "URL")
        for key, (_, link) in (get("blog_authors") or {}).items():
            _check_url_setting(f"blog_authors[{key!r}]", link)
        _check_url_setting("techblog_legacy_url", get("techblog_legacy_url"))
        extensions = tuple(sorted(get("myst_enable_extensions") or ()))
        disabled = tuple(sorted(get("myst_disable_syntax") or ()))
        try:
            markdown_parser(extensions, disabled)
        except (TypeError, ValueError) as err:
            raise SettingsError("myst_enable_extensions", list(extensions), f"cannot be used ({err})",
                                "MyST's extension names") from None
        return cls(
            srcdir=Path(srcdir).resolve(),
            patterns=tuple(patterns),
            authors=authors,
            categories=_display_names("techblog_categories", get("techblog_categories") or {}, "description"),
            tz=tz,
            now=dates.build_now(tz),
            blog_path=str(get("blog_path") or "blog"),
            tag_path=f"{get('blog_path') or 'blog'}/tag",
            exclude=tuple(get("exclude_patterns") or ()),
            myst_extensions=extensions,
            myst_disabled=disabled,
            series=_series_setting(get("techblog_series") or {}),
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
    series: str | None = None  # a key of techblog_series
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
    subject = f"{frontmatter.named(name)}: " if name is not None else ""
    value = f"{shown(value)} " if value is not None else ""
    return Problem(path, line, kind, name, f"{subject}{value}{reason}; expected {expected}", related)


def post_files(rules: SiteRules) -> list[Path]:
    """Every file the blog treats as a post (drafts included), in a stable order."""
    found = {path for pattern in rules.patterns for path in rules.srcdir.glob(pattern) if path.is_file()}
    return sorted(found, key=lambda path: path.relative_to(rules.srcdir).as_posix())


def read_post(path: Path, rules: SiteRules) -> tuple[PostMeta | None, list[Problem]]:
    """Read one post; the metadata when it is valid, and every problem found.

    Never raises: whatever the file holds comes back as problems."""
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
    title, title_problems = _title(rel, doc, rules)
    problems = reader.problems + title_problems
    if problems:
        return None, problems
    return PostMeta(path=rel, title=title, lines={k: v.line for k, v in doc.fields.items()}, **values), []


def _first_block(doc: frontmatter.Document, rules: SiteRules):
    """MyST's tokens for the body, and the index of its first block that is
    not a target or a comment (None: there is none). Line numbers are the
    file's (0-based): the front matter is replaced by blank lines, so MyST
    cannot take a '---' line of the body for front matter either."""
    md = markdown_parser(rules.myst_extensions, rules.myst_disabled)
    pad = doc.body_line - 1
    limit = TITLE_PREFIX_LINES
    while True:
        # Most titles are in the first lines: parse those, and all the body
        # only when the first block does not end well inside them.
        chunk = doc.body if limit is None else doc.body[:limit]
        tokens = md.parse("\n" * pad + "\n".join(chunk) + "\n")
        first = next((index for index, token in enumerate(tokens) if token.level == 0 and token.nesting >= 0
                      and token.map and not _skipped(token)), None)
        if limit is None or len(chunk) == len(doc.body) or (
                first is not None and tokens[first].map[1] < pad + len(chunk)):
            return tokens, first
        limit = None


def _skipped(token) -> bool:
    return token.type in SKIPPED_BLOCKS or (token.type == "html_block" and HTML_COMMENTS.fullmatch(token.content))


def _title(rel: str, doc: frontmatter.Document, rules: SiteRules) -> tuple[str, list[Problem]]:
    """The title as MyST reads it, in plain text (what the page's heading and
    ABlog show): the first block must be a level-1 heading."""
    tokens, first = _first_block(doc, rules)
    expected = "the post's title as a '# Title' line after the front matter"
    if first is None:
        return "", [_problem(rel, doc.body_line, "no-title", "title", None, "the post has no text", expected)]
    start = tokens[first]
    line = start.map[0] + 1
    source = doc.body[start.map[0] - (doc.body_line - 1) : start.map[1] - (doc.body_line - 1)]
    bad = frontmatter.bad_character("\n".join(source))  # MyST turns NUL into U+FFFD: look at the file
    if bad:
        return "", [_problem(rel, line, "bad-character", "title", "\n".join(source), f"contains the character {bad}",
                             "printable text")]
    if start.type != "heading_open" or start.tag != "h1":
        text = doc.body[start.map[0] - (doc.body_line - 1)].strip()
        return "", [_problem(rel, line, "no-title", "title", text[:60], "is where the title should be", expected)]
    parts, problems = [], []
    for child in tokens[first + 1].children or []:
        if child.type == "html_inline":
            problems.append(_problem(rel, line, "title-markup", "title", child.content,
                                     "is HTML in the title, which MyST would put in the page as it is",
                                     "plain text; to show markup, put it in backquotes: `<iframe>`"))
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("text", "code_inline", "math_inline", "myst_role"):
            parts.append(child.content)
    title = "".join(parts).strip()
    bad = frontmatter.bad_character(title)
    if bad:
        problems.append(_problem(rel, line, "bad-character", "title", title, f"contains the character {bad}",
                                 "printable text"))
    elif not title:
        problems.append(_problem(rel, line, "empty-field", "title", title, "is empty", expected))
    elif len(title) > MAX_LENGTH["title"]:
        problems.append(_problem(rel, line, "too-long", "title", title, f"is {len(title)} characters long",
                                 f"at most {MAX_LENGTH['title']}"))
    return title, problems


class _PostReader:
    """Checks the fields of one post, collecting every problem."""

    def __init__(self, rel: str, path: Path, fields: dict[str, frontmatter.Value], rules: SiteRules):
        self.rel, self.path, self.fields, self.rules = rel, path, fields, rules
        self.problems: list[Problem] = []
        self.refused: set[str] = set()  # fields already reported by screen(): read as absent

    def fail(self, name: str | None, value: object, kind: str, reason: str, expected: str, line: int | None = None):
        if line is None:
            line = self.fields[name].line if name in self.fields else 1
        self.problems.append(_problem(self.rel, line, kind, name, value, reason, expected))

    def read(self) -> dict:
        for name in self.fields:
            if name not in FIELDS:
                self.unknown(name)
            else:
                self.screen(name)
        for name in REQUIRED:
            if name not in self.fields:
                self.fail(name, None, "missing-field", "is missing", FIELDS[name], line=1)
        out: dict = {}
        out["date"] = self.date("date")
        out["site_date"] = out["date"].astimezone(self.rules.tz) if out["date"] else None
        out["authors"] = self.keys("author", self.rules.authors, "blog_authors", "unknown-author")
        out["categories"] = self.keys("category", self.rules.categories, "techblog_categories", "unknown-category")
        out["tags"] = self.tags()
        out["series"] = self.series()
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
        reported = {problem.field for problem in self.problems}
        for name, value in self.fields.items():
            if value.unloadable and name in FIELDS and name not in reported:
                self.fail(name, value.value, "yaml-unloadable", f"would stop the build: {value.unloadable}",
                          "the value (or each item) in quotes")
        return out

    def screen(self, name: str) -> None:
        """What no field may hold, whatever it means: characters that are not
        printable text, values over the limits."""
        value = self.fields[name].value
        items = value if isinstance(value, list) else value.split(",") if name in LISTS else [value]
        limit = MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH)
        if len(items) > MAX_ITEMS:
            self.fail(name, None, "too-many-items", f"has {len(items)} items", f"at most {MAX_ITEMS} items")
        for item in items:
            bad = frontmatter.bad_character(item)
            if bad:
                self.fail(name, item, "bad-character", f"contains the character {bad}",
                          "printable text (write it out, or leave it out)")
            elif len(item) > limit:
                self.fail(name, item, "too-long", "is too long",
                          f"at most {limit} characters" + (" per item" if name in LISTS else ""))
            else:
                continue
            break
        if self.problems and self.problems[-1].field == name:
            self.refused.add(name)

    def unknown(self, name: str) -> None:
        hint = HINTS.get(name)
        if not hint:
            close = difflib.get_close_matches(name, FIELDS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else ""
        known = ", ".join(FIELDS)
        self.fail(name, None, "unknown-field", "is not a field of a post" + (f" ({hint})" if hint else ""),
                  f"one of: {known}")

    def scalar(self, name: str) -> str | None:
        if name not in self.fields or name in self.refused:
            return None
        value = self.fields[name].value
        if isinstance(value, list):
            self.fail(name, value, "not-a-list-field", "is a list", "a single value")
            return None
        return value

    def items(self, name: str) -> list[str] | None:
        """A comma-separated string or a YAML list, as a list of stripped items."""
        if name not in self.fields or name in self.refused:
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

    def series(self) -> str | None:
        key = self.text("series")
        if key is None:
            return None
        if key not in self.rules.series:
            by_title = [k for k, title in self.rules.series.items() if title.lower() == key.lower()]
            hint = f" (write its key, {by_title[0]!r})" if by_title else ""
            self.fail("series", key, "unknown-series", f"is not registered in techblog_series in conf.py{hint}",
                      "one of: " + (", ".join(self.rules.series) or "(none registered yet: add the series there)"))
            return None
        return key

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
        reason = url_problem(text)
        if reason:
            self.fail(name, text, "not-a-url", reason, URL_EXPECTED)
            return None
        return text

    def image(self) -> str | None:
        text = self.text("image")
        if text is None:
            return None
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", text):  # a scheme, or a host: a URL
            return self.url("image")
        expected = "a path relative to the post (or to the site root when it starts with /), or an https URL"
        unsafe = next((char for char in text if char != " " and URL_UNSAFE.match(char)), None)
        if unsafe:  # the path becomes the og:image URL
            self.fail("image", text, "not-a-path", f"contains {unsafe!r}",
                      expected + ", without quotes, '<', '>', '`' or '\\'")
            return None
        target = (self.rules.srcdir / text.lstrip("/")) if text.startswith("/") else (self.path.parent / text)
        try:
            inside = target.resolve().is_relative_to(self.rules.srcdir)
            found = inside and target.is_file()
        except (OSError, RuntimeError):  # a name too long for the file system, a symlink loop
            inside = found = False
        if not inside:
            self.fail("image", text, "image-outside-site", "is outside the site", expected)
            return None
        if not found:
            self.fail("image", text, "image-not-found", "is not a file", expected)
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
