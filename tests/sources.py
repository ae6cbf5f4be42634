"""What the sources say, read independently of Sphinx and ABlog: the expected
answers that the built pages and feeds are checked against."""

from __future__ import annotations

import datetime as dt
import runpy
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

REPO = Path(__file__).resolve().parent.parent


@cache
def conf() -> dict:
    return runpy.run_path(str(REPO / "conf.py"))


def site_timezone() -> ZoneInfo:
    """The zone conf.py names: naive dates are wall-clock times there."""
    return ZoneInfo(conf()["techblog_timezone"])


def author_name(key: str) -> str:
    return conf()["blog_authors"][key][0]


@dataclass(frozen=True)
class Source:
    path: str  # relative to the site root, without .md
    title: str
    date: dt.datetime  # aware, in the site's time zone
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
    tz = site_timezone()
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        moment = dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


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
    today = today or dt.datetime.now(site_timezone()).date()
    found = [
        read_source(root, p)
        for pattern in ("posts/*/*.md", "legacy/*/*/*.md")
        for p in sorted(root.glob(pattern))
    ]
    published = [s for s in found if s.date.date() <= today and not s.front_matter.get("draft")]
    return sorted(published, key=lambda s: (s.date, s.title), reverse=True)
