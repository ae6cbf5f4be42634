"""Reading a post's YAML front matter, with the line of every field.

MyST parses front matter with ``yaml.safe_load`` and hands Sphinx strings:
``date: 2024-02-30`` makes it drop the whole block, ``[a, b]`` arrives as the
text ``["a", "b"]``, ``yes`` becomes a boolean and ``3.10`` the number 3.1,
and a repeated key silently wins. We read the block ourselves instead, with
YAML's base schema (every value stays the text the author wrote) and keep the
line of each field so that errors can point at it.

The block is found by MyST's own rule, lines are counted as MyST counts them,
and a block is refused unless ``yaml.safe_load`` (what MyST runs on it during
the build) reads every value too: ``check`` and the build accept the same
files. Before YAML sees the text, its size, nesting, aliases and characters
are bounded, so no input can make the reading recurse, expand or crash.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DELIMITER = "---"
# Limits of the block itself (the contract limits each value).
MAX_BYTES = 64 * 1024  # characters of front matter: a post's fields take a few hundred
MAX_DEPTH = 2  # the fields, and one list as a value: tags: [a, b]

# Characters no field may hold, raw or written as a YAML escape: C0 and C1
# controls (tab and line feed aside), line and paragraph separators (line
# breaks to YAML and to JavaScript, not to Markdown), bidirectional
# overrides and isolates (text that displays other than it reads), byte
# order marks inside the text, surrogates and noncharacters (no UTF-8 form).
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufeff\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
# What closes MyST's front matter (mdit_py_plugins.front_matter): three or
# more dashes, or "...", then only spaces; indented by less than four.
_MYST_CLOSE = re.compile(r" {0,3}-{3,}[ \t]*|\.\.\.[ \t]*")
_OPEN = re.compile(r"---[ \t]*")
_KEY = re.compile(r"\s*([^\s:#'\"][^:]*?)\s*:")

try:  # libyaml when available: the check command reads every post
    _Loader = yaml.CBaseLoader
    _SafeLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.BaseLoader
    _SafeLoader = yaml.SafeLoader


class FrontMatterError(ValueError):
    """The front matter cannot be read at all; ``line`` is 1-based, in the file."""

    def __init__(self, line: int, message: str, field: str | None = None):
        super().__init__(message)
        self.line = line
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Value:
    """One field: the text (or list of texts) as written, and its line."""

    value: str | list[str]
    line: int
    # Why yaml.safe_load, which MyST runs on the block in the build, cannot
    # load this value (None: it can); the contract reports it unless the
    # field has another problem.
    unloadable: str | None = None


@dataclass
class Document:
    """A Markdown source split into front matter and body."""

    fields: dict[str, Value] | None  # None: the file has no front matter
    body: list[str] = field(default_factory=list)
    body_line: int = 1  # file line of body[0]


def bad_character(text: str) -> str | None:
    """The first character of ``text`` no field may hold, described; None when clean."""
    match = FORBIDDEN.search(text)
    if not match:
        return None
    char = match[0]
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'a control character')})"


def named(key: str) -> str:
    """A field name as messages show it: as written, or quoted when it is odd."""
    return key if key.strip() and key.isprintable() and len(key) <= 60 else repr(key[:60])


def lines_of(text: str) -> list[str]:
    """The lines as Markdown (and MyST's line numbers) see them: only CR LF, CR and
    LF end a line (``str.splitlines`` also splits at U+2028, form feed, ...)."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def split(text: str) -> Document:
    """Split ``text``; raise :class:`FrontMatterError` when the block is unreadable."""
    lines = lines_of(text)
    if lines and lines[-1] == "":
        lines.pop()  # the final newline ends the last line; it starts none
    if not lines or not lines[0].startswith(DELIMITER):
        return Document(None, lines, 1)
    if not _OPEN.fullmatch(lines[0]):
        raise FrontMatterError(1, f"the front matter opens with {lines[0][:20]!r}; expected a line '---'")
    for end in range(1, len(lines)):
        if _MYST_CLOSE.fullmatch(lines[end]):
            if not _OPEN.fullmatch(lines[end]):
                key = _key_on(lines[1:end], end - 2)
                raise FrontMatterError(
                    end + 1, f"{named(key) + ': ' if key else 'the front matter: '}the line {lines[end].strip()!r} "
                    "ends the front matter here for MyST; expected '---' alone on the line where the front matter "
                    "ends, and no such line before it", key)
            fields = _fields(lines[1:end], first_line=2)
            return Document(fields, lines[end + 1 :], end + 2)
    raise FrontMatterError(1, "the front matter opened on line 1 is never closed; expected a line '---' after it")


def read(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise FrontMatterError(1, f"the file is not UTF-8 ({err.reason} at byte {err.start}); expected UTF-8 text") from None
    except OSError as err:
        raise FrontMatterError(1, f"the file cannot be read ({err.strerror or err}); expected a readable text file") from None
    return split(text)


def _key_on(lines: list[str], index: int) -> str | None:
    """The field a line of the block belongs to (the last 'name:' at or above it)."""
    for line in reversed(lines[: index + 1]):
        match = _KEY.match(line)
        if match and not line[:1].isspace():
            return match[1]
    return None


def _fields(lines: list[str], first_line: int) -> dict[str, Value]:
    yaml_text = "\n".join(lines)
    if len(yaml_text) > MAX_BYTES:
        raise FrontMatterError(first_line, f"the front matter is {len(yaml_text)} characters long; expected at "
                               f"most {MAX_BYTES}")
    for index, line in enumerate(lines):
        bad = bad_character(line)
        if bad:
            key = _key_on(lines, index)
            raise FrontMatterError(first_line + index, f"{named(key) + ': ' if key else ''}contains the character {bad}; "
                                   "expected printable text (write it out, or leave it out)", key)
    try:
        _bounded(yaml_text, first_line)
        root = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + (mark.line if mark else 0)
        raise FrontMatterError(
            line, f"the front matter is not valid YAML ({err.problem or err}); expected 'field: value' lines, "
            "lists as [a, b] or comma-separated"
        ) from None
    except yaml.YAMLError as err:  # a reader error: no line, only a position
        raise FrontMatterError(first_line, f"the front matter is not valid YAML ({err}); expected 'field: value' "
                               "lines") from None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(first_line, "the front matter is not a set of fields; expected 'field: value' lines")
    fields: dict[str, Value] = {}
    for key_node, value_node in root.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            raise FrontMatterError(line, "a field name is not plain text; expected 'field: value'")
        key = key_node.value
        if key in fields:
            raise FrontMatterError(
                line, f"{named(key)}: is given twice (first on line {fields[key].line}); expected each field once", key
            )
        fields[key] = Value(_value(value_node, key, line, first_line), line)
    for key, reason in _unloadable(yaml_text).items():
        fields[key] = Value(fields[key].value, fields[key].line, reason)
    return fields


def _bounded(yaml_text: str, first_line: int) -> None:
    """Refuse, from YAML's event stream (read without recursion), what no field
    needs and what could make composing or loading the block recurse or
    expand: nesting deeper than a list, aliases (``*name``: "billion laughs")
    and explicit tags (``!!python/...``, ``!!binary``)."""
    depth, key, want_key = 0, None, False
    for event in yaml.parse(yaml_text, Loader=_Loader):
        line = first_line + event.start_mark.line
        name = f"{named(key)}: " if key and (depth > 1 or not want_key) else ""
        field = key if name else None
        if not name and depth == 1 and want_key:  # where a field's name goes (`*a: x`)
            name = "a field name "
        if isinstance(event, yaml.AliasEvent):
            raise FrontMatterError(line, f"{name}uses the alias *{event.anchor}; expected the value written out "
                                   "(anchors and aliases are not supported)", field)
        if isinstance(event, yaml.NodeEvent) and getattr(event, "tag", None) not in (None, "!"):
            raise FrontMatterError(line, f"{name}has the YAML tag {event.tag}; expected a plain value (quote it "
                                   "if it starts with '!')", field)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise FrontMatterError(line, f"{name}has a nested list or mapping; expected a list of plain values",
                                       field)
            if depth == 2 and want_key:
                raise FrontMatterError(line, "a field name is not plain text; expected 'field: value'")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            want_key = depth == 1
        elif isinstance(event, yaml.ScalarEvent) and depth == 1:
            if want_key:
                key = event.value
            want_key = not want_key
        if isinstance(event, yaml.MappingStartEvent) and depth == 1:
            want_key = True


def _unloadable(yaml_text: str) -> dict[str, str]:
    """Fields whose value ``yaml.safe_load`` cannot load, as MyST loads the
    block in the build: an unquoted value that looks like a number or a date
    but is none (``2024-02-30``, a 5000-digit number) would stop a -W build
    with "Malformed YAML" that ``check`` never saw."""
    found = {}
    loader = _SafeLoader(yaml_text)
    try:
        for key_node, value_node in loader.get_single_node().value:
            try:
                loader.construct_object(value_node, deep=True)
            except (ValueError, OverflowError, RecursionError, yaml.YAMLError) as err:
                found[key_node.value] = f"MyST's YAML reading fails on it ({str(err).split(';')[0]})"
    finally:
        loader.dispose()
    return found


def _value(node: yaml.Node, key: str, line: int, first_line: int) -> str | list[str]:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise FrontMatterError(
                    first_line + item.start_mark.line, f"{named(key)}: has a nested list or mapping; expected a list of plain values", key
                )
            items.append(item.value)
        return items
    raise FrontMatterError(line, f"{named(key)}: is a mapping; expected a value or a list of values", key)
