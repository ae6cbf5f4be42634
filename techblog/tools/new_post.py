"""``python -m techblog new``: start a post with front matter that passes the contract.

The post is written to ``posts/YYYY/slug.md`` as a draft (``draft: true``,
as Hugo does), so a half-written post committed by mistake is not
published. It is checked with the build's own rules before it is written;
an existing file is never overwritten. A tag that another post spells
another way (``upgrades`` where the site has ``Upgrades``: one page for
both) is written in the site's spelling, and the command says so. An unusable argument (a title with
nothing to make a file name from, a malformed date, a missing author or
category) is a :class:`UsageError`; a post the rules refuse is
:class:`Refused`. Either way nothing is left behind.
"""

from __future__ import annotations

import contextlib
import dataclasses
import posixpath
import re
import tempfile
from pathlib import Path

from techblog.posts import dates
from techblog.tools.arguments import UsageError
from techblog.posts.contract import (PostMeta, SiteRules, check_site, cross_check, label_of, post_files, read_post,
                                     slugify)

POSTS_DIR = "posts"
# A line break in a value would add a line, so a field, to the front matter.
CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")

TEMPLATE = """\
---
date: {date}
author: {author}
category: {category}
{tags}{series}draft: true
# description: One or two sentences for listings, feeds and link previews.
# image: images/picture.png
---

# {title}

Write the first paragraph here. Remove `draft: true` above when the post is
ready; `make serve` shows drafts, the published site does not.
"""


class Refused(Exception):
    """The post was not written: the rules refuse it (a duplicate, an unknown author or tag);
    the message says why and what to do."""


def _one_line(value: str | None, option: str) -> str | None:
    if value and CONTROL.search(value):
        raise UsageError(option, value, "a line break or another control character", "one line of text")
    return value


def _required(value: str | None, option: str, choices: dict[str, str], default: str = "") -> str:
    if not value:
        raise UsageError(option, None, "missing", f"one or more of {', '.join(choices)}, comma-separated{default}")
    return _one_line(value, option)


def render(rules: SiteRules, title: str, author: str | None, category: str | None,
           tags: str | None, date: str | None, series: str | None = None) -> tuple[str, str]:
    """The post's path (relative to the site) and text."""
    given, title = title, " ".join(title.split())
    if not title:
        raise UsageError("title", given, "empty", "the post's title, e.g. 'From Collectd to Grafana'")
    slug = slugify(title)
    if not slug:
        raise UsageError("title", given, "no letter or digit to make a file name from",
                         "a title with a letter or a digit")
    try:
        when = dates.parse_date(date, rules.tz) if date else rules.now
    except dates.DateError as err:
        raise UsageError("--date", date, f"not a valid date ({err})", dates.EXPECTED) from None
    text = TEMPLATE.format(
        date=date or when.date().isoformat(),
        author=_required(author, "--author", rules.authors, " (or set $TECHBLOG_AUTHOR)"),
        category=_required(category, "--category", rules.categories),
        tags=f"tags: {tags}\n" if _one_line(tags, "--tags") else "",
        # A key of techblog_series; an unknown one is refused by the contract, as an author is.
        series=f"series: {series}\n" if _one_line(series, "--series") else "",
        title=title,
    )
    return f"{POSTS_DIR}/{when.year:04d}/{slug}.md", text


@dataclasses.dataclass(frozen=True)
class Adopted:
    """A tag given in another spelling than the site's: the site's was written."""
    given: str
    written: str
    post: str  # a post that spells it so

    def __str__(self) -> str:
        return f"tag {self.given!r} written as {self.written!r}, as {self.post} spells it (one page per tag)"


def adopt_spellings(tags: str | None, others: list[PostMeta]) -> tuple[str | None, list[Adopted]]:
    """``tags`` with each tag that another post spells differently (same page,
    ``upgrades`` and ``Upgrades``) in that post's spelling."""
    if not tags:
        return tags, []
    spellings: dict[str, tuple[str, str]] = {}  # tag slug -> (spelling, post), the first post in path order
    for post in sorted(others, key=lambda meta: meta.path):
        for tag in post.tags:
            spellings.setdefault(slugify(tag), (tag, post.path))
    written, adopted = [], []
    for tag in (part.strip() for part in tags.split(",")):
        site, where = spellings.get(slugify(tag), (tag, ""))
        if tag and site != tag:
            adopted.append(Adopted(tag, site, where))
            tag = site
        written.append(tag)
    return ", ".join(written), adopted


def create(rules: SiteRules, **options: str | None) -> tuple[Path, list[Adopted]]:
    """Write the post; its path, and the tags whose spelling was taken from other posts."""
    others = list(check_site(rules).posts.values())
    options["tags"], adopted = adopt_spellings(_one_line(options.get("tags"), "--tags"), others)
    rel, text = render(rules, **options)
    target = rules.srcdir / rel
    if target.exists():
        raise Refused(f"{rel} already exists; it was not overwritten")
    label = label_of(rel[: -len(".md")])
    clash = [p for p in post_files(rules)
             if label_of(p.relative_to(rules.srcdir).with_suffix("").as_posix()) == label]
    if clash:
        other = clash[0].relative_to(rules.srcdir).as_posix()
        raise Refused(f"{other} already uses the file name {label!r}; expected a different title")
    made = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
    try:
        return _write_checked(rules, rel, target, text, others), adopted
    except BaseException:
        for folder in made:  # deepest first: a refused post leaves no empty folder behind
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def _write_checked(rules: SiteRules, rel: str, target: Path, text: str, others: list[PostMeta]) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Checked in place (relative image paths resolve), then written for real.
        with tempfile.NamedTemporaryFile("w", suffix=".md", dir=target.parent, encoding="utf-8",
                                         delete=False) as tmp:
            tmp.write(text)
    except OSError as err:
        raise UsageError("--root", rules.srcdir, f"cannot write {posixpath.dirname(rel)} ({err.strerror})",
                         "a site whose posts folder this user can write") from None
    try:
        meta, problems = read_post(Path(tmp.name), rules)
    finally:
        Path(tmp.name).unlink()
    if meta:  # and against the other posts: a tag spelled another way elsewhere
        meta = dataclasses.replace(meta, path=rel)
        problems = [p for p in cross_check([*others, meta], rules) if rel in (p.path, *p.related)]
    if problems:
        raise Refused("; ".join(p.message for p in problems))
    with target.open("x", encoding="utf-8") as out:
        out.write(text)
    return target
