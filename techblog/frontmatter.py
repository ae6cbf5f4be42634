"""Reading a post's YAML front matter, with the line of every field.

MyST parses front matter with ``yaml.safe_load`` and hands Sphinx strings:
``date: 2024-02-30`` makes it drop the whole block, ``[a, b]`` arrives as the
text ``["a", "b"]``, ``yes`` becomes a boolean and ``3.10`` the number 3.1,
and a repeated key silently wins. We read the block ourselves instead, with
YAML's base schema (every value stays the text the author wrote) and keep the
line of each field so that errors can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

DELIMITER = "---"

try:  # libyaml when available: the check command reads every post
    _Loader = yaml.CBaseLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.BaseLoader


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


@dataclass
class Document:
    """A Markdown source split into front matter and body."""

    fields: dict[str, Value] | None  # None: the file has no front matter
    body: list[str] = field(default_factory=list)
    body_line: int = 1  # file line of body[0]


def split(text: str) -> Document:
    """Split ``text``; raise :class:`FrontMatterError` when the block is unreadable."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != DELIMITER:
        return Document(None, lines, 1)
    for end in range(1, len(lines)):
        if lines[end].rstrip() == DELIMITER:
            fields = _fields("\n".join(lines[1:end]), first_line=2)
            return Document(fields, lines[end + 1 :], end + 2)
    raise FrontMatterError(1, "the front matter opened on line 1 is never closed; expected a line '---' after it")


def read(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise FrontMatterError(1, f"the file is not UTF-8 ({err.reason} at byte {err.start}); expected UTF-8 text") from None
    return split(text)


def _fields(yaml_text: str, first_line: int) -> dict[str, Value]:
    try:
        root = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = first_line + (mark.line if mark else 0)
        raise FrontMatterError(
            line, f"the front matter is not valid YAML ({err.problem or err}); expected 'field: value' lines, "
            "lists as [a, b] or comma-separated"
        ) from None
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
                line, f"{key}: is given twice (first on line {fields[key].line}); expected each field once", key
            )
        fields[key] = Value(_value(value_node, key, line, first_line), line)
    return fields


def _value(node: yaml.Node, key: str, line: int, first_line: int) -> str | list[str]:
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if isinstance(node, yaml.SequenceNode):
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise FrontMatterError(
                    first_line + item.start_mark.line, f"{key}: has a nested list or mapping; expected a list of plain values", key
                )
            items.append(item.value)
        return items
    raise FrontMatterError(line, f"{key}: is a mapping; expected a value or a list of values", key)

