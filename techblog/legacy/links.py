"""The old blog's addresses: recognising them, and where they lead now.

Blogger serves one blog under many addresses: http and https, the
``.blogspot.com`` name under country domains (``.blogspot.ch``), the mobile
``?m=1`` variant, ``#more`` and ``?showComment=...#c123`` forms. All of them
are folded into one canonical path (``/2016/05/slug.html``) so that links
between old posts, and readers following old links, find the imported page.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

BLOGSPOT = re.compile(r"^(?:www\.)?(?P<name>[a-z0-9-]+)\.blogspot\.[a-z.]+$", re.IGNORECASE)

# A path as the redirect files carry it: "/" and RFC 3986's unreserved
# characters, everything else a %XX escape. Nothing left means anything to a
# CSV, the nginx or Netlify syntax, sphinx-reredirects (wildcards, ${...}), an
# HTML attribute or a JavaScript string.
WRITTEN_PATH = re.compile(r"(?:/(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})*)+")
MAX_SEGMENT = 200  # bytes of one written segment: its redirect page's file name must stay under 255


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
    match = re.fullmatch(r"/([0-9]{4})/([0-9]{2})/([^/]+)\.html", path)  # [0-9]: \d takes any script's digits
    return (match[1], match[2], match[3]) if match else None


def page_path(path: str) -> str | None:
    """``/p/about.html`` -> ``about``."""
    match = re.fullmatch(r"/p/([^/]+)\.html", path)
    return match[1] if match else None


def label_path(path: str) -> str | None:
    """``/search/label/High%20Availability`` -> ``High Availability``."""
    match = re.fullmatch(r"/search/label/([^/?#]+)/?", path)
    return unquote(match[1]) if match else None


def written(path: str) -> str:
    """A decoded path in the written form: ``/search/label/High%20Availability``."""
    return quote(path, safe="/")


def path_problem(path: str) -> str | None:
    """Why ``path`` (written form) is not a confined site-relative path, or None.

    Checked on the decoded segments too: ``%2e%2e`` is ``..`` to every server,
    and a decoded line break would end a line of the nginx map.
    """
    if not path.startswith("/") or path.startswith("//"):
        return "expected a path starting with a single '/'"
    if not WRITTEN_PATH.fullmatch(path):
        rest = re.sub(r"%[0-9A-Fa-f]{2}", "", path)
        bad = next((c for c in rest if not re.fullmatch(r"[A-Za-z0-9._~/-]", c)), "%")
        return f"{bad!r} is not allowed (letters, digits, - . _ ~ / and %XX escapes only)"
    segments = path.split("/")[1:]
    for index, segment in enumerate(segments):
        if not segment and index < len(segments) - 1:
            return "empty segment ('//')"
        if len(segment) > MAX_SEGMENT:
            return f"a segment is {len(segment)} bytes long (at most {MAX_SEGMENT})"
        try:
            decoded = unquote(segment, errors="strict")
        except UnicodeDecodeError:
            return f"{segment!r} is not UTF-8 once decoded"
        if decoded in (".", ".."):
            return f"{segment!r} is a '{decoded}' segment"
        if any(unicodedata.category(c)[0] == "C" or (unicodedata.category(c)[0] == "Z" and c != " ")
               for c in decoded):
            return f"{segment!r} holds a control or line-breaking character once decoded"
    return None


def redirect_page(path: str) -> str:
    """The page a static host serves for ``path`` (written form), relative to
    the output: ``/2016/05/`` -> ``2016/05/index.html``, ``/search/label/X``
    -> ``search/label/X.html``."""
    page = path.strip("/")
    if path.endswith("/"):
        page = f"{page}/index" if page else "index"
    elif page.endswith(".html"):
        page = page[: -len(".html")]
    return page + ".html"
