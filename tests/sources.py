"""What the sources say, read independently of Sphinx and ABlog: the expected
answers that the built pages and feeds are checked against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Source:
    path: str  # relative to the site root, without .md
    title: str
    date: dt.datetime
    tags: tuple[str, ...]
    authors: tuple[str, ...]
    category: str
    front_matter: dict


def _labels(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value)
    return tuple(v.strip() for v in str(value).split(",") if v.strip())


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)


def read_source(root: Path, path: Path) -> Source:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta = yaml.safe_load(front)
    title = next(line[2:].strip() for line in body.splitlines() if line.startswith("# "))
    return Source(
        path=path.relative_to(root).with_suffix("").as_posix(),
        title=title,
        date=_as_datetime(meta["date"]),
        tags=_labels(meta.get("tags")),
        authors=_labels(meta.get("author")),
        category=str(meta.get("category", "")),
        front_matter=meta,
    )


def published_posts(root: Path, today: dt.date | None = None) -> list[Source]:
    """Every published post (posts/ and legacy/), newest first."""
    today = today or dt.date.today()
    found = [
        read_source(root, p)
        for pattern in ("posts/*/*.md", "legacy/*/*/*.md")
        for p in sorted(root.glob(pattern))
    ]
    published = [s for s in found if s.date.date() <= today and not s.front_matter.get("draft")]
    return sorted(published, key=lambda s: (s.date, s.title), reverse=True)
