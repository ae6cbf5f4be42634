"""The old blog's addresses: recognising them, and where they lead now.

Blogger serves one blog under many addresses: http and https, the
``.blogspot.com`` name under country domains (``.blogspot.ch``), the mobile
``?m=1`` variant, ``#more`` and ``?showComment=...#c123`` forms. All of them
are folded into one canonical path (``/2016/05/slug.html``) so that links
between old posts, and readers following old links, find the imported page.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

BLOGSPOT = re.compile(r"^(?:www\.)?(?P<name>[a-z0-9-]+)\.blogspot\.[a-z.]+$", re.IGNORECASE)


class OldBlog:
    """Which URLs belong to the old blog, and their canonical paths."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.url = url if url.endswith("/") else url + "/"
        self.host = (parts.hostname or "").lower()
        match = BLOGSPOT.match(self.host)
        self.blogspot_name = match["name"].lower() if match else None

    def owns(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", ""):
            return False
        host = (parts.hostname or "").lower()
        if not host:
            return url.startswith("/")
        if host in (self.host, "www." + self.host) or self.host == "www." + host:
            return True
        match = BLOGSPOT.match(host)
        return bool(match and self.blogspot_name and match["name"].lower() == self.blogspot_name)

    def split(self, url: str) -> tuple[str, str]:
        """(canonical path, fragment) of an old-blog URL: ``/2016/05/x.html``, ``c123``."""
        parts = urlsplit(url)
        path = unquote(parts.path) or "/"
        fragment = parts.fragment
        if fragment == "more":
            fragment = ""
        return path, fragment

    def absolute(self, path: str) -> str:
        return self.url.rstrip("/") + quote(path)


def post_path(path: str) -> tuple[str, str, str] | None:
    """``/2016/05/slug.html`` -> (``2016``, ``05``, ``slug``); None for other paths."""
    match = re.fullmatch(r"/(\d{4})/(\d{2})/([^/]+)\.html", path)
    return (match[1], match[2], match[3]) if match else None


def page_path(path: str) -> str | None:
    """``/p/about.html`` -> ``about``."""
    match = re.fullmatch(r"/p/([^/]+)\.html", path)
    return match[1] if match else None


def label_path(path: str) -> str | None:
    """``/search/label/High%20Availability`` -> ``High Availability``."""
    match = re.fullmatch(r"/search/label/([^/?#]+)/?", path)
    return unquote(match[1]) if match else None
