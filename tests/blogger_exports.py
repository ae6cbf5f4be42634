"""Blogger exports made up in tests: a classic "Back up content" feed built
from plain values, so that a test says only what its export is about.

Entry ids are ``tag:blogger.com,1999:blog-BLOG.post-NUMBER`` like Blogger's;
text goes through XML escaping, so any character XML 1.0 allows can be used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

BLOG = "1111222233334444555"
BLOG_URL = "https://small-test-blog.blogspot.com/"
KIND = "http://schemas.google.com/blogger/2008/kind#"
# Authors the test site knows, by the names an export gives them (see AUTHORS).
AUTHOR_KEYS = {"Riley Example": "alice", "Sam Tester": "bruno", "Olive Owner": "chiara"}
# What XML 1.0 cannot carry at all (the parser would refuse the whole file).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def full_id(number: str) -> str:
    return f"tag:blogger.com,1999:blog-{BLOG}.post-{number}"


@dataclass
class Item:
    """One entry: kind post, page, comment, or anything else (written as given)."""

    kind: str
    number: str
    title: str = ""
    html: str = ""
    published: str | None = "2019-01-15T10:00:00.000-05:00"
    path: str | None = None  # /2019/01/x.html for posts, /p/x.html for pages
    labels: list[str] = field(default_factory=list)
    author: str = "Riley Example"
    draft: bool = False
    post: str | None = None  # comments: the post's number
    parent: str | None = None  # replies: the parent comment's number


def xml_text(text: str) -> str:
    return escape(NOT_XML.sub("", text))


def entry(item: Item) -> str:
    parts = [f"<entry><id>{xml_text(full_id(item.number))}</id>"]
    if item.published is not None:
        parts.append(f"<published>{item.published}</published><updated>{item.published}</updated>")
    parts.append(f"<category scheme='http://schemas.google.com/g/2005#kind' term={quoteattr(KIND + item.kind)}/>")
    for label in item.labels:
        parts.append(f"<category scheme='http://www.blogger.com/atom/ns#' term={quoteattr(NOT_XML.sub('', label))}/>")
    parts.append(f"<title type='text'>{xml_text(item.title)}</title>")
    parts.append(f"<content type='html'>{xml_text(item.html)}</content>")
    if item.path:
        parts.append(f"<link rel='alternate' type='text/html' href={quoteattr(BLOG_URL.rstrip('/') + item.path)}/>")
    parts.append(f"<author><name>{xml_text(item.author)}</name></author>")
    if item.draft:
        parts.append("<app:control xmlns:app='http://purl.org/atom/app#'><app:draft>yes</app:draft></app:control>")
    if item.post is not None:
        parts.append(f"<thr:in-reply-to xmlns:thr='http://purl.org/syndication/thread/1.0' "
                     f"ref={quoteattr(full_id(item.post))} type='text/html'/>")
    if item.parent is not None:
        parts.append(f"<link rel='related' type='application/atom+xml' "
                     f"href='https://www.blogger.com/feeds/{BLOG}/{item.post}/comments/default/{item.parent}'/>")
    parts.append("</entry>")
    return "".join(parts)


def classic(items: list[Item], settings: dict[str, str] | None = None) -> str:
    """The whole export file."""
    settings = {"BLOG_NAME": "Small test blog", "BLOG_TIME_ZONE": "America/New_York", **(settings or {})}
    head = (f"<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<id>tag:blogger.com,1999:blog-{BLOG}</id><title type='text'>Small test blog</title>"
            f"<link rel='alternate' type='text/html' href='{BLOG_URL}'/>")
    setting_entries = [
        f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.settings.{name}</id>"
        f"<published>2019-01-15T09:20:00.000-05:00</published>"
        f"<category scheme='http://schemas.google.com/g/2005#kind' term='{KIND}settings'/>"
        f"<title type='text'>{name}</title><content type='text'>{xml_text(value)}</content></entry>"
        for name, value in settings.items()
    ]
    return head + "\n".join(setting_entries + [entry(item) for item in items]) + "</feed>\n"
