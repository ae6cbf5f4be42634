"""Reading a post's YAML front matter straight from its source file.

MyST turns front matter into a docinfo field list where every value is a
string; some decisions (is this post a draft?) must be taken before Sphinx
reads the file at all, so they read the YAML here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

DELIMITER = "---"


def read_front_matter(path: Path) -> dict:
    """Return the front matter of a MyST file as a dict ({} when it has none).

    Raises ``yaml.YAMLError`` when the block is not valid YAML.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != DELIMITER:
        return {}
    for end, line in enumerate(lines[1:], start=1):
        if line.strip() == DELIMITER:
            data = yaml.safe_load("\n".join(lines[1:end]))
            return data if isinstance(data, dict) else {}
    return {}


def post_day(value: object) -> dt.date | None:
    """The calendar day of a front-matter ``date`` value, if it has one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            return None
    return None
