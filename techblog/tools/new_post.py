"""``python -m techblog new``: start a post with front matter that passes the contract.

The post is written to ``posts/YYYY/slug.md`` as a draft (``draft: true``,
as Hugo does), so a half-written post committed by mistake is not
published. It is checked with the build's own rules before it is written;
an existing file is never overwritten.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from techblog.posts import dates
from techblog.posts.contract import SiteRules, check_site, cross_check, label_of, post_files, read_post, slugify

POSTS_DIR = "posts"

TEMPLATE = """\
---
date: {date}
author: {author}
category: {category}
{tags}draft: true
# description: One or two sentences for listings, feeds and link previews.
# image: images/picture.png
---

# {title}

Write the first paragraph here. Remove `draft: true` above when the post is
ready; `make serve` shows drafts, the published site does not.
"""


class Refused(Exception):
    """The post was not written; the message says why and what to do."""


def _required(value: str | None, option: str, choices: dict[str, str]) -> str:
    if not value:
        raise Refused(f"{option} is required; expected one of: {', '.join(choices)}")
    return value


def render(rules: SiteRules, title: str, author: str | None, category: str | None,
           tags: str | None, date: str | None) -> tuple[str, str]:
    """The post's path (relative to the site) and text."""
    title = " ".join(title.split())
    if not title:
        raise Refused("the title is empty")
    slug = slugify(title)
    if not slug:
        raise Refused(f"the title {title!r} has no letter or digit to make a file name from")
    try:
        when = dates.parse_date(date, rules.tz) if date else rules.now
    except dates.DateError as err:
        raise Refused(f"--date {date!r} is not a valid date ({err}); expected {dates.EXPECTED}") from None
    text = TEMPLATE.format(
        date=date or when.date().isoformat(),
        author=_required(author, "--author", rules.authors),
        category=_required(category, "--category", rules.categories),
        tags=f"tags: {tags}\n" if tags else "",
        title=title,
    )
    return f"{POSTS_DIR}/{when.year:04d}/{slug}.md", text


def create(rules: SiteRules, **options: str | None) -> Path:
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
    target.parent.mkdir(parents=True, exist_ok=True)
    # Checked in place (relative image paths resolve), then written for real.
    with tempfile.NamedTemporaryFile("w", suffix=".md", dir=target.parent, encoding="utf-8", delete=False) as tmp:
        tmp.write(text)
    try:
        meta, problems = read_post(Path(tmp.name), rules)
    finally:
        Path(tmp.name).unlink()
    if meta:  # and against the other posts: a tag spelled another way elsewhere
        meta = dataclasses.replace(meta, path=rel)
        others = list(check_site(rules).posts.values())
        problems = [p for p in cross_check([*others, meta], rules) if rel in (p.path, *p.related)]
    if problems:
        raise Refused("; ".join(p.message for p in problems))
    with target.open("x", encoding="utf-8") as out:
        out.write(text)
    return target
