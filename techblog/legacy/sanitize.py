"""Sanitising the old blog's HTML (posts and readers' comments) with nh3.

Everything in a Blogger export is untrusted: posts were edited in a WYSIWYG
editor, pasted from elsewhere, and comments were written by anyone. So the
sanitiser works from an allowlist, never a blocklist, and each rule exists
for a reason:

* Tags: text formatting, headings, paragraphs, lists, links, images, tables,
  code, quotes and figures, because that is what posts are made of. Anything
  else (``<form>``, ``<font>``, ``<object>``, unknown tags) is unwrapped: the
  tag goes, its text stays, so no words are lost. ``<script>`` and ``<style>``
  go with their content: it is code, not text.
* Attributes: only those that carry meaning (``href``, ``src``, ``alt``,
  ``title``, sizes, ``colspan``/``rowspan``). Never ``on*`` (script), never
  ``style`` (can hide text, overlay the page, load URLs), never ``id``/``name``
  (could clash with the site's own anchors) except ``<a name="more">``,
  Blogger's jump break, which the converter needs to find.
* Classes: only a few with a known meaning, kept so that the Markdown
  converter can still recognise Blogger's markup after sanitising: the
  ``tr-caption-container`` table and its ``tr-caption`` cell (image captions),
  ``video-embed`` (our own wrapper) and the language of a code block,
  normalised to ``language-X`` (from ``language-X``, prettify's ``lang-X`` or
  SyntaxHighlighter's ``brush: X``).
* Posts only, for the converter's click-to-load video (markdown.video_facade):
  ``<a class="video-link">`` and the wrapper's ``data-embed-src``, kept only
  when it is exactly an https player address of :data:`EMBED_HOSTS` (the
  page's script loads it into an iframe on a click), and ``data-embed-title``.
* URL schemes: ``http``, ``https``, ``mailto`` for links; ``http``/``https``
  for images (a ``mailto:`` image makes no sense). ``javascript:`` and
  ``data:`` URLs are removed; relative URLs are kept (links between posts).
* ``<iframe>`` only with an ``https`` ``src`` on :data:`VIDEO_HOSTS`: the old
  posts embed videos, and an iframe from anywhere else could be a phishing
  page inside ours. Any other iframe is removed together with its content.
* No ``rel`` is added to a post's links: ``target`` is not allowed, so there is
  no window to protect with ``noopener``.
* ``comment=True`` (readers' comments): no images, no iframes (tracking,
  shock content), no headings (a comment must not look like a section of the
  post: they become paragraphs, so their words stay apart from the next ones),
  and every link is ``rel="nofollow ugc"`` so link spam earns nothing.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

import nh3

VIDEO_HOSTS = frozenset({"www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"})
# What a video facade may load, on a click: the privacy-friendly players only.
EMBED_HOSTS = frozenset({"www.youtube-nocookie.com", "player.vimeo.com"})
_EMBED_SRC = re.compile(r"https://(?:www\.youtube-nocookie\.com/embed/[\w-]+|player\.vimeo\.com/video/\d+)")

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_TAGS = {
    # text formatting
    "b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "sub", "sup", "small", "mark",
    "abbr", "cite", "q", "kbd", "samp", "var", "tt", "code",
    # blocks
    *_HEADINGS, "p", "br", "div", "span", "hr", "pre", "blockquote", "figure", "figcaption",
    # lists
    "ul", "ol", "li", "dl", "dt", "dd",
    # links, images, videos
    "a", "img", "iframe",
    # tables
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
}
_ATTRIBUTES = {
    "a": {"href", "title", "name"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "title", "width", "height", "allowfullscreen", "loading"},
    "td": {"colspan", "rowspan", "class"},
    "th": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    "abbr": {"title"},
    "pre": {"class"},
    "code": {"class"},
    "div": {"class"},
    "table": {"class"},
}
# Posts only (never comments): the converter's video facade.
_POST_ATTRIBUTES = {"div": {"data-embed-src", "data-embed-title"}, "a": {"class"}}
_CLASSES = {"div": {"video-embed"}, "table": {"tr-caption-container"}, "td": {"tr-caption"},
            "a": {"video-link"}}
_LANGUAGE = re.compile(r"(?:\blanguage-|\blang-|\bbrush:\s*)([A-Za-z0-9_+#.-]+)")
# nh3 escapes <, > and " inside attribute values, so an iframe's start tag ends at the first ">".
_HEADING_TAG = re.compile(r"<(/?)h[1-6]>")  # in nh3's output: no attributes, text has "&lt;"
_IFRAME = re.compile(r"<iframe(?P<attrs>\s[^>]*)?>.*?</iframe>", re.DOTALL | re.IGNORECASE)


def clean_html(html: str, *, comment: bool = False) -> str:
    """Sanitised HTML: only the allowlisted tags, attributes and URLs (see the module doc)."""
    tags = _TAGS - {"img", "iframe"} if comment else _TAGS
    attributes = {tag: attrs for tag, attrs in _ATTRIBUTES.items() if tag in tags}
    if not comment:
        attributes = {tag: attributes.get(tag, set()) | _POST_ATTRIBUTES.get(tag, set())
                      for tag in attributes.keys() | _POST_ATTRIBUTES.keys()}
    cleaned = nh3.clean(
        html,
        tags=tags,
        clean_content_tags={"script", "style"} | ({"iframe"} if comment else set()),
        attributes=attributes,
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc" if comment else None,
        strip_comments=True,
    )
    if comment:  # headings become paragraphs: their words must not run into the next ones
        cleaned = _HEADING_TAG.sub(r"<\1p>", cleaned)
    # An iframe whose src was refused is useless and its content is fallback text: drop both.
    return _IFRAME.sub(_iframe, cleaned) if "<iframe" in cleaned else cleaned


def _iframe(match: re.Match[str]) -> str:
    attrs = match["attrs"] or ""
    return f"<iframe{attrs}></iframe>" if re.search(r'\ssrc="', attrs) else ""


def _filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "class":
        if tag in ("pre", "code"):
            match = _LANGUAGE.search(value)
            return f"language-{match[1].lower()}" if match else None
        kept = [name for name in value.split() if name in _CLASSES.get(tag, ())]
        return " ".join(kept) or None
    if tag == "a" and attr == "name":
        return "more" if value.strip().lower() == "more" else None
    if tag == "img" and attr == "src":
        parts = _split(value)
        return value if parts and parts.scheme.lower() in ("", "http", "https") else None
    if tag == "iframe" and attr == "src":
        return value if _video_src(value) else None
    if attr == "data-embed-src":
        return value if _EMBED_SRC.fullmatch(value) else None
    return value  # the attribute is on the allowlist, its URL (if any) passed nh3's scheme check


def _video_src(url: str) -> bool:
    """Whether an iframe may show ``url``: https, and exactly a host of VIDEO_HOSTS (no user, no port)."""
    parts = None if re.search(r"[\s\\]", url) else _split(url)
    return bool(parts and parts.scheme == "https" and parts.netloc.lower() in VIDEO_HOSTS)


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # "//[x/": not a URL a browser would load either
        return None
