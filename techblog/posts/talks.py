"""The talks contract: what ``techblog_talks`` (``talks/talks.yaml``) may say,
and the errors for everything else.

The team's talks are data, not posts: one YAML file, a list of talks, each a
mapping of fields (:data:`FIELDS`). One file rather than a file per talk: a
talk is a dozen short lines with no body, the list reads (and is reviewed)
as a whole, and two talks that are the same talk are found in one place.

Checked as posts are (:mod:`techblog.posts.contract`), by the build and by
``python -m techblog check``: every problem names the file, the line, the
field, the value and what was expected, all are collected, and no input
makes the reading raise. Values are read as the text written (YAML's base
schema: ``2019-02-02`` stays text, ``yes`` is not a boolean), the file is
bounded before YAML composes it (size, nesting, no aliases, no tags), and
tags follow the posts' rules and spelling (:func:`contract.slugify`, one
spelling per tag page across posts and talks).

Markup in a value is text: pages and the feed escape it (``<b>`` is shown
as ``<b>``), so it is not refused; characters that are not printable text
are (:func:`frontmatter.bad_character`).

Nothing here imports Sphinx.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from techblog.posts import dates, frontmatter
from techblog.posts.contract import (DEFAULT_MAX_LENGTH, MAX_ITEMS, URL_EXPECTED, URL_UNSAFE, PostMeta, Problem,
                                     SiteRules, _problem, slugify, url_problem)

FIELDS = {
    "title": "the talk's title, one line of plain text (required)",
    "date": "the day it was given: an ISO 8601 date such as 2019-02-02 (required)",
    "event": "where it was given: the conference or meet-up, e.g. FOSDEM 2019 (required)",
    "place": "the city and country, or Online",
    "speakers": "who spoke: keys of blog_authors in conf.py, or {guest: Full Name}, as a list (required)",
    "tags": "labels, as for posts: comma-separated or a YAML list",
    "abstract": "a few sentences of plain text; a blank line starts a paragraph",
    "slides": "a file of the site (relative to the talks file, or to the site root when it starts with /), "
              "or an absolute http(s) URL",
    "video": "the recording's address on YouTube or Vimeo",
}
REQUIRED = ("title", "date", "event", "speakers")
HINTS = {
    "speaker": "write 'speakers' (it takes a list)",
    "author": "write 'speakers'",
    "authors": "write 'speakers'",
    "tag": "write 'tags'",
    "description": "write 'abstract'",
    "summary": "write 'abstract'",
    "location": "write 'place'",
    "conference": "write 'event'",
    "recording": "write 'video'",
}
MAX_LENGTH = {"abstract": 3000, "slides": 2000, "video": 2000, "tags": 100}
MAX_BYTES = 1024 * 1024  # the whole file: a thousand talks take a fifth of it
MAX_DEPTH = 4  # the list of talks, a talk, its speakers, a guest
MAX_TALKS = 5000
# Local slides: documents, never the site's own sources (conf.py, a post...).
SLIDE_SUFFIXES = (".pdf", ".odp", ".pptx", ".ppt", ".key", ".zip")
SLIDES_EXPECTED = ("a file of the site with one of " + ", ".join(SLIDE_SUFFIXES) + " (a path relative to the "
                   "talks file, or to the site root when it starts with /), or " + URL_EXPECTED)
VIDEO_EXPECTED = ("a YouTube or Vimeo address such as https://www.youtube.com/watch?v=VIDEO_ID, "
                  "https://youtu.be/VIDEO_ID or https://vimeo.com/123456")
GUEST = "guest"
SPEAKER_EXPECTED = "a key of blog_authors in conf.py, or {guest: Full Name} for someone else"

_VIDEO_ID = re.compile(r"[\w-]{6,64}", re.ASCII)
_VIMEO_ID = re.compile(r"\d{1,20}", re.ASCII)
YOUTUBE_HOSTS = {"www.youtube.com", "youtube.com", "m.youtube.com", "www.youtube-nocookie.com", "youtu.be"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}


@dataclass(frozen=True)
class Speaker:
    name: str  # as shown: the author's display name, or the guest's name
    key: str | None = None  # the blog_authors key; None for a guest


@dataclass(frozen=True)
class Video:
    host: str  # YouTube, Vimeo
    player: str  # the embed address the facade loads on a click (techblog-video.js checks it again)
    page: str  # the video's own page: the link shown without JavaScript


@dataclass(frozen=True)
class Talk:
    """A talk once it has passed the contract."""

    anchor: str  # its id on the Talks page and in the feed: date and title, e.g. 2019-02-02-scaling-ceph
    title: str
    date: dt.datetime  # aware, in the site's zone
    event: str
    place: str | None
    speakers: tuple[Speaker, ...]
    tags: tuple[str, ...]
    abstract: tuple[str, ...]  # paragraphs of plain text
    slides: str | None  # an http(s) URL, or a path relative to the site root (slides_local)
    slides_local: bool
    video: Video | None

    @property
    def year(self) -> int:
        return self.date.year


@dataclass
class TalksReport:
    path: str | None  # the data file relative to the site root; None: the site has no talks
    talks: tuple[Talk, ...]  # newest first
    problems: list[Problem]


def video_of(text: str) -> Video | None:
    """The facade of a YouTube or Vimeo address; None for any other."""
    parts = urlsplit(text)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/")
    if host in YOUTUBE_HOSTS:
        if host == "youtu.be":
            video_id = path.lstrip("/")
        elif path == "/watch":
            video_id = (parse_qs(parts.query).get("v") or [""])[0]
        elif path.startswith(("/embed/", "/live/", "/shorts/")):
            video_id = path.split("/", 2)[2]
        else:
            return None
        if not _VIDEO_ID.fullmatch(video_id):
            return None
        return Video("YouTube", f"https://www.youtube-nocookie.com/embed/{video_id}",
                     f"https://www.youtube.com/watch?v={video_id}")
    if host in VIMEO_HOSTS:
        video_id = path.rsplit("/", 1)[-1]
        if not _VIMEO_ID.fullmatch(video_id) or (host == "player.vimeo.com" and not path.startswith("/video/")):
            return None
        return Video("Vimeo", f"https://player.vimeo.com/video/{video_id}", f"https://vimeo.com/{video_id}")
    return None


def anchor_of(date: dt.datetime, title: str) -> str:
    # "talk-" first: an id starting with a digit needs escaping in CSS selectors.
    return f"talk-{date.date().isoformat()}-{slugify(title)[:80]}".rstrip("-")


def talks_path(setting: object, srcdir: Path) -> tuple[Path | None, str | None]:
    """The data file ``techblog_talks`` names (None: no talks), or why it cannot be one."""
    if setting in (None, ""):
        return None, None
    if not isinstance(setting, str):
        return None, f"is a {type(setting).__name__}, not a path"
    path = (srcdir / setting).resolve()
    if not path.is_relative_to(srcdir.resolve()):
        return None, "is outside the site"
    if not path.is_file():
        return None, "is not a file"
    return path, None


TALKS_EXPECTED = "a YAML file of the site such as 'talks/talks.yaml', or '' for a site without talks"


class _Reader:
    """Reads the file's nodes into talks, collecting every problem."""

    def __init__(self, rel: str, path: Path, rules: SiteRules):
        self.rel, self.path, self.rules = rel, path, rules
        self.problems: list[Problem] = []

    def fail(self, line: int, kind: str, name: str | None, value: object, reason: str, expected: str) -> None:
        self.problems.append(_problem(self.rel, line, kind, name, value, reason, expected))

    @staticmethod
    def line(node: yaml.Node) -> int:
        return node.start_mark.line + 1

    def talks(self, root: yaml.Node | None) -> list[tuple[Talk, int, int]]:
        """The valid talks, each with the line it starts on and its tags' line (kept
        apart: where a talk stands in the file is not what pages show of it)."""
        expected = "a list of talks, each starting with '- title: ...'"
        if root is None:
            return []
        if not isinstance(root, yaml.SequenceNode):
            self.fail(self.line(root), "not-a-list", None, None, "the talks file is not a list", expected)
            return []
        if len(root.value) > MAX_TALKS:
            self.fail(self.line(root), "too-many-items", None, None, f"the file holds {len(root.value)} talks",
                      f"at most {MAX_TALKS}")
            return []
        found: list[tuple[Talk, int, int]] = []
        for node in root.value:
            if not isinstance(node, yaml.MappingNode):
                self.fail(self.line(node), "not-a-talk", None, None, "this item is not a talk",
                          "'field: value' lines under '- title: ...'")
                continue
            talk = self.talk(node)
            if talk is not None:
                tags_line = next((self.line(key) for key, _ in node.value if key.value == "tags"), self.line(node))
                found.append((talk, self.line(node), tags_line))
        return found

    def talk(self, node: yaml.MappingNode) -> Talk | None:
        before = len(self.problems)
        start = self.line(node)
        fields: dict[str, tuple[yaml.Node, int]] = {}
        for key_node, value_node in node.value:
            line = self.line(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(line, "front-matter", None, None, "a field name is not plain text", "'field: value'")
                continue
            key = key_node.value
            if key in fields:
                self.fail(line, "field-twice", key, None, f"is given twice in this talk (first on line "
                          f"{fields[key][1]})", "each field once")
            elif key not in FIELDS:
                hint = HINTS.get(key)
                if not hint:
                    close = difflib.get_close_matches(key, FIELDS, n=1)
                    hint = f"did you mean '{close[0]}'?" if close else ""
                self.fail(line, "unknown-field", key, None, "is not a field of a talk" + (f" ({hint})" if hint else ""),
                          "one of: " + ", ".join(FIELDS))
            else:
                fields[key] = (value_node, line)
        for name in REQUIRED:
            if name not in fields:
                self.fail(start, "missing-field", name, None, "is missing from this talk", FIELDS[name])
        title = self.text(fields, "title", one_line=True)
        date = self.date(fields)
        event = self.text(fields, "event", one_line=True)
        place = self.text(fields, "place", one_line=True)
        speakers = self.speakers(fields)
        tags = self.tags(fields)
        abstract = self.abstract(fields)
        slides, local = self.slides(fields)
        video = self.video(fields)
        if len(self.problems) > before or not (title and date and event and speakers):
            return None
        return Talk(anchor_of(date, title), title, date, event, place, speakers, tags, abstract, slides, local,
                    video)

    # -- Values -------------------------------------------------------------------------

    def scalar(self, fields: dict, name: str) -> tuple[str, int] | None:
        if name not in fields:
            return None
        node, line = fields[name]
        if not isinstance(node, yaml.ScalarNode):
            self.fail(line, "not-a-list-field", name, None, "is a list or a mapping", "a single value")
            return None
        return self.screened(node.value, name, self.line(node))

    def screened(self, text: str, name: str, line: int) -> tuple[str, int] | None:
        bad = frontmatter.bad_character(text)
        limit = MAX_LENGTH.get(name, DEFAULT_MAX_LENGTH)
        if bad:
            self.fail(line, "bad-character", name, text, f"contains the character {bad}",
                      "printable text (write it out, or leave it out)")
        elif len(text) > limit:
            self.fail(line, "too-long", name, text, "is too long", f"at most {limit} characters")
        else:
            return text, line
        return None

    def text(self, fields: dict, name: str, one_line: bool = False) -> str | None:
        found = self.scalar(fields, name)
        if found is None:
            return None
        text, line = found
        if one_line and ("\n" in text.strip() or "\t" in text):
            self.fail(line, "not-one-line", name, text, "spans several lines", "one line of text")
            return None
        text = " ".join(text.split()) if one_line else text.strip()
        if not text:
            self.fail(line, "empty-field", name, "", "is empty", FIELDS[name])
            return None
        return text

    def date(self, fields: dict) -> dt.datetime | None:
        found = self.scalar(fields, "date")
        if found is None:
            return None
        text, line = found
        try:
            return dates.parse_date(text.strip(), self.rules.tz).astimezone(self.rules.tz)
        except dates.DateError as err:
            self.fail(line, "invalid-date", "date", text, f"is not a valid date ({err})", dates.EXPECTED)
            return None

    def speakers(self, fields: dict) -> tuple[Speaker, ...]:
        if "speakers" not in fields:
            return ()
        node, line = fields["speakers"]
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if isinstance(node, yaml.ScalarNode):  # "alice, bruno" as for a post's authors
            items = [yaml.ScalarNode(node.tag, part, node.start_mark, node.end_mark) for part in node.value.split(",")]
        found: list[Speaker] = []
        if not items or len(items) > MAX_ITEMS:
            self.fail(line, "empty-field" if not items else "too-many-items", "speakers", None,
                      "is empty" if not items else f"has {len(items)} items", FIELDS["speakers"])
            return ()
        for item in items:
            speaker = self.speaker(item)
            if speaker is None:
                continue
            if speaker in found:
                self.fail(self.line(item), "duplicate-item", "speakers", speaker.key or speaker.name, "is listed twice",
                          "each speaker once")
            else:
                found.append(speaker)
        return tuple(found) if len(found) == len(items) else ()

    def speaker(self, item: yaml.Node) -> Speaker | None:
        line = self.line(item)
        if isinstance(item, yaml.ScalarNode):
            screened = self.screened(item.value, "speakers", line)
            if screened is None:
                return None
            key = " ".join(screened[0].split())
            if key in self.rules.authors:
                return Speaker(self.rules.authors[key], key)
            by_name = [k for k, shown in self.rules.authors.items() if shown.lower() == key.lower()]
            hint = f" (write its key, {by_name[0]!r})" if by_name else f" (a guest is written {{guest: {key}}})"
            self.fail(line, "unknown-author", "speakers", key, f"is not registered in blog_authors in conf.py{hint}",
                      "one of: " + ", ".join(self.rules.authors) + ", or {guest: Full Name}")
            return None
        if isinstance(item, yaml.MappingNode) and len(item.value) == 1 and isinstance(item.value[0][0], yaml.ScalarNode) \
                and item.value[0][0].value == GUEST and isinstance(item.value[0][1], yaml.ScalarNode):
            screened = self.screened(item.value[0][1].value, "speakers", line)
            if screened is None:
                return None
            name = " ".join(screened[0].split())
            if not name:
                self.fail(line, "empty-field", "speakers", "", "names a guest without a name", "{guest: Full Name}")
                return None
            return Speaker(name)
        self.fail(line, "not-a-speaker", "speakers", None, "has an item that is neither a key nor a guest",
                  SPEAKER_EXPECTED)
        return None

    def tags(self, fields: dict) -> tuple[str, ...]:
        if "tags" not in fields:
            return ()
        node, line = fields["tags"]
        if isinstance(node, yaml.ScalarNode):
            raw = [(part, line) for part in node.value.split(",")]
        elif isinstance(node, yaml.SequenceNode) and all(isinstance(item, yaml.ScalarNode) for item in node.value):
            raw = [(item.value, self.line(item)) for item in node.value]
            for text, at in raw:
                if "," in text:
                    self.fail(at, "comma-in-item", "tags", text, "contains a comma, which separates items",
                              "one value per list item, without commas")
                    return ()
        else:
            self.fail(line, "not-a-list-field", "tags", None, "is a nested list or a mapping", FIELDS["tags"])
            return ()
        if len(raw) > MAX_ITEMS:
            self.fail(line, "too-many-items", "tags", None, f"has {len(raw)} items", f"at most {MAX_ITEMS} items")
            return ()
        tags: list[str] = []
        slugs: dict[str, str] = {}
        for text, at in raw:
            if self.screened(text, "tags", at) is None:
                return ()
            tag = " ".join(text.split())
            slug = slugify(tag)
            if not tag:
                self.fail(at, "empty-item", "tags", text, "has an empty item", "names separated by single commas")
            elif not slug:
                self.fail(at, "tag-without-page", "tags", tag, "has no letter or digit to name its page",
                          "a tag with at least one letter or digit")
            elif slug in slugs:
                self.fail(at, "tag-collision", "tags", tag, "is listed twice" if slugs[slug] == tag else
                          f"and {slugs[slug]!r} would share one page, {self.rules.tag_path}/{slug}.html",
                          "tags whose pages differ")
            else:
                slugs[slug] = tag
                tags.append(tag)
        return tuple(tags) if len(tags) == len(raw) else ()

    def abstract(self, fields: dict) -> tuple[str, ...]:
        text = self.text(fields, "abstract")
        if text is None:
            return ()
        paragraphs = re.split(r"\n\s*\n", text)
        return tuple(" ".join(paragraph.split()) for paragraph in paragraphs if paragraph.strip())

    def slides(self, fields: dict) -> tuple[str | None, bool]:
        text = self.text(fields, "slides", one_line=True)
        if text is None:
            return None, False
        line = fields["slides"][1]
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:|//", text):  # a scheme, or a host: a URL
            reason = url_problem(text)
            if reason:
                self.fail(line, "not-a-url", "slides", text, reason, SLIDES_EXPECTED)
                return None, False
            return text, False
        unsafe = next((char for char in text if char != " " and URL_UNSAFE.match(char)), None)
        if unsafe:  # the path becomes a link
            self.fail(line, "not-a-path", "slides", text, f"contains {unsafe!r}", SLIDES_EXPECTED)
            return None, False
        srcdir = self.rules.srcdir
        target = (srcdir / text.lstrip("/")) if text.startswith("/") else (self.path.parent / text)
        try:
            resolved = target.resolve()
            inside = resolved.is_relative_to(srcdir)
            found = inside and resolved.is_file()
        except (OSError, RuntimeError, ValueError):  # a name too long, a symlink loop, a NUL
            inside = found = False
        if not inside:
            self.fail(line, "slides-outside-site", "slides", text, "is outside the site", SLIDES_EXPECTED)
            return None, False
        if resolved.suffix.lower() not in SLIDE_SUFFIXES:
            self.fail(line, "slides-not-a-document", "slides", text, "is not a slides document",
                      SLIDES_EXPECTED)
            return None, False
        if not found:
            self.fail(line, "slides-not-found", "slides", text, "is not a file", SLIDES_EXPECTED)
            return None, False
        return resolved.relative_to(srcdir).as_posix(), True

    def video(self, fields: dict) -> Video | None:
        text = self.text(fields, "video", one_line=True)
        if text is None:
            return None
        line = fields["video"][1]
        reason = url_problem(text)
        video = None if reason else video_of(text)
        if reason or video is None or urlsplit(text).scheme != "https":
            self.fail(line, "not-a-video", "video", text, reason or "is not the address of a YouTube or Vimeo video",
                      VIDEO_EXPECTED)
            return None
        return video


def _bounded(text: str, rel: str) -> Problem | None:
    """What YAML must not be given: aliases, tags, nesting deeper than a guest speaker
    (read from the event stream, without recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=frontmatter._Loader):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return _problem(rel, line, "front-matter", None, None, f"uses the alias *{event.anchor}",
                            "every value written out (anchors and aliases are not supported)")
        if isinstance(event, yaml.NodeEvent) and getattr(event, "tag", None) not in (None, "!"):
            return _problem(rel, line, "front-matter", None, None, f"has the YAML tag {event.tag}",
                            "a plain value (quote it if it starts with '!')")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return _problem(rel, line, "front-matter", None, None, "nests lists or mappings too deeply",
                                "a list of talks whose fields are values or lists of values")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def read_talks(path: Path, rules: SiteRules) -> tuple[list[tuple[Talk, int, int]], list[Problem]]:
    """Every valid talk of the file with its line, and every problem found. Never raises."""
    srcdir = rules.srcdir
    rel = path.resolve().relative_to(srcdir).as_posix() if path.resolve().is_relative_to(srcdir) else str(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return [], [_problem(rel, 1, "front-matter", None, None, f"the file is not UTF-8 ({err.reason} at byte "
                             f"{err.start})", "UTF-8 text")]
    except OSError as err:
        return [], [_problem(rel, 1, "front-matter", None, None, f"the file cannot be read ({err.strerror or err})",
                             "a readable text file")]
    if len(text) > MAX_BYTES:
        return [], [_problem(rel, 1, "too-long", None, None, f"the file is {len(text)} characters long",
                             f"at most {MAX_BYTES}")]
    lines = frontmatter.lines_of(text)
    for index, line in enumerate(lines):
        bad = frontmatter.bad_character(line)
        if bad:
            return [], [_problem(rel, index + 1, "bad-character", None, None, f"contains the character {bad}",
                                 "printable text (write it out, or leave it out)")]
    yaml_text = "\n".join(lines)
    try:
        problem = _bounded(yaml_text, rel)
        if problem:
            return [], [problem]
        root = yaml.compose(yaml_text, Loader=frontmatter._Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        return [], [_problem(rel, (mark.line + 1) if mark else 1, "front-matter", None, None,
                             f"the file is not valid YAML ({err.problem or err})",
                             "a list of talks, each '- title: ...' followed by indented 'field: value' lines")]
    except yaml.YAMLError as err:
        return [], [_problem(rel, 1, "front-matter", None, None, f"the file is not valid YAML ({err})",
                             "a list of talks")]
    reader = _Reader(rel, path.resolve(), rules)
    talks = reader.talks(root)
    return talks, reader.problems


def cross_check(talks: list[tuple[Talk, int, int]], posts: dict[str, PostMeta], rules: SiteRules,
                rel: str) -> list[Problem]:
    """What no single talk shows: the same talk twice, a tag spelt otherwise than elsewhere."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}  # anchor -> line
    spellings: dict[str, tuple[str, str]] = {}  # tag slug -> (first spelling, where)
    for post in sorted(posts.values(), key=lambda p: p.path):
        for tag in post.tags:
            spellings.setdefault(slugify(tag), (tag, post.path))
    for talk, line, tags_line in talks:
        first = seen.setdefault(talk.anchor, line)
        if first != line:
            problems.append(_problem(rel, line, "duplicate-talk", "title", talk.title,
                                     f"on {talk.date.date().isoformat()} is already the talk on line {first}",
                                     "each talk once (another talk that day needs another title)"))
            continue
        for tag in talk.tags:
            spelt, where = spellings.setdefault(slugify(tag), (tag, f"{rel}:{tags_line}"))
            if spelt != tag:
                problems.append(_problem(rel, tags_line, "tag-collision", "tags", tag,
                                         f"and {spelt!r} (in {where}) would share one page, "
                                         f"{rules.tag_path}/{slugify(tag)}.html", "one spelling per tag"))
    return problems


def check_talks(setting: object, rules: SiteRules, posts: dict[str, PostMeta]) -> TalksReport:
    """The site's talks (``techblog_talks``), newest first, checked against the posts.
    Raises ValueError (the reason) when the setting names no usable file."""
    path, reason = talks_path(setting, rules.srcdir)
    if reason:
        raise ValueError(reason)
    if path is None:
        return TalksReport(None, (), [])
    talks, problems = read_talks(path, rules)
    rel = path.relative_to(rules.srcdir).as_posix()
    problems.extend(cross_check(talks, posts, rules, rel))
    problems.sort(key=lambda p: p.line)
    if problems:
        return TalksReport(rel, (), problems)
    ordered = sorted((talk for talk, *_ in talks), key=lambda t: (t.date, t.anchor), reverse=True)
    return TalksReport(rel, tuple(ordered), [])
