"""One Blogger post body (HTML) to MyST Markdown.

The body is untrusted, so it goes through :func:`~techblog.legacy.sanitize.clean_html`
before anything else looks at it; only Blogger's jump-break comment and its old
Flash ``<object>``/``<embed>`` videos, which any sanitiser drops, are first turned
into the ``<a name="more">`` and ``<iframe>`` that it keeps.

markdownify does the ordinary HTML (paragraphs, emphasis, lists, quotes, links).
Done here by hand is only what is Blogger's or MyST's own:

* Blogger's ``<br>``-separated lines: two or more ``<br>`` end a paragraph, one is
  a hard line break (a backslash at the end of the line).
* Images: a link around an image that points to a larger copy of it (Blogger's
  ``s1600``/``s0`` URL) shows the large image; a caption table becomes a MyST
  ``{figure}``; a YouTube or Vimeo embed becomes a click-to-load facade (see
  :func:`video_facade`): a link to the video that loads nothing from the video
  host until the reader asks for the player.
* The jump break becomes the excerpt marker, :data:`~techblog.posts.contract.MORE`
  (``<!-- more -->``), on its own line: the one form the build looks for.
* Code blocks are fenced with a fence longer than any backtick run inside.
* Tables: pipe tables when simple, else sanitised raw HTML (never dropped).
* Escaping: text is escaped for MyST, not only CommonMark (``$`` for dollarmath,
  ``%`` comments, ``(label)=`` targets, ``{role}`` before a backtick, ``:::``).

Blocks that must not be touched by the line-level clean-up (code, figures, raw
HTML, the marker) are kept aside as placeholders and put back at the end.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, NavigableString, Tag
from markdownify import ATX, MarkdownConverter
from pygments.lexers import get_lexer_by_name
from pygments.token import Error
from pygments.util import ClassNotFound

from techblog.legacy.sanitize import VIDEO_HOSTS, clean_html
from techblog.posts.contract import MORE

# Nesting limits. The converter walks the tree recursively (markdownify), so an
# element deeper than MAX_HTML_DEPTH is unwrapped: its words stay, its markup
# goes. Markdown-it (MyST) stops reading blocks nested past 20 levels and drops
# what is inside, so lists, quotes and definition lists deeper than
# MAX_BLOCK_DEPTH become plain paragraphs (a list nests 2 levels, a quote 1).
MAX_HTML_DEPTH = 64
MAX_BLOCK_DEPTH = 8
_CONTAINERS = {"ul", "ol", "dl", "blockquote"}
_ITEMS = {"li", "dt", "dd"}


@dataclass
class Conversion:
    """A converted body: MyST text, and how many elements were flattened to stay
    within the nesting limits."""

    text: str
    flattened: int = 0


def to_myst(
    html: str,
    *,
    rewrite_url: Callable[[str], str] | None = None,
    image_url: Callable[[str], str] | None = None,
) -> Conversion:
    """Convert one post body; ``rewrite_url`` maps link hrefs, ``image_url`` image srcs."""
    converter = _Converter(rewrite_url or _same, image_url or _same)
    soup = _soup(clean_html(_prepare(html)))
    flattened = _limit_nesting(soup)
    _merge_code(soup)
    text = converter.finish(converter.convert_soup(soup))
    return Conversion(text, flattened)


def _same(url: str) -> str:
    return url


def _soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():  # a post that is just a URL is still a post
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(html, "html.parser")


# -- before sanitising: Blogger markup that a sanitiser would drop -------------------

_YOUTUBE = re.compile(r"(?:https?:)?//(?:www\.|m\.)?youtube(?:-nocookie)?\.com/(?:embed|v)/([\w-]{6,})", re.I)
_VIMEO = re.compile(r"(?:https?:)?//player\.vimeo\.com/video/(\d+)", re.I)


def _video_url(url: str | None) -> str | None:
    """The https, privacy-friendly form of a YouTube or Vimeo embed URL; None for others."""
    url = (url or "").strip()
    if match := _YOUTUBE.match(url):
        return f"https://www.youtube-nocookie.com/embed/{match[1]}"
    if match := _VIMEO.match(url):
        return f"https://player.vimeo.com/video/{match[1]}"
    return None


# Titles that say nothing about the video (YouTube's default embed code has the first).
_GENERIC_TITLE = re.compile(r"(?:youtube|vimeo)?\s*(?:video\s*)?(?:player)?", re.I)


def video_facade(src: str, title: str | None = None) -> str | None:
    """A click-to-load stand-in for a video iframe: nothing is loaded from the video host.

    ``<div class="video-embed" data-embed-src="EMBED" data-embed-title="TITLE">`` holding a
    link to the video's page; ``_static/techblog-video.js`` adds a "Play here" button
    that puts the player (an iframe of EMBED) in its place. Without JavaScript the
    link still leads to the video. None when ``src`` is no video of a known host.
    """
    title = _collapse(title or "").strip()
    if _GENERIC_TITLE.fullmatch(title):
        title = ""
    embed = _video_url(src)
    if embed is None:  # a video host's address we cannot turn into an embed: a link only, no player
        parts = urlsplit(src or "")
        if parts.scheme != "https" or parts.netloc.lower() not in VIDEO_HOSTS:
            return None
        return _facade_markup("Vimeo" if "vimeo" in parts.netloc.lower() else "YouTube", None, src, title)
    if "youtube" in embed:
        video_id = embed.rsplit("/", 1)[1]
        return _facade_markup("YouTube", embed, f"https://www.youtube.com/watch?v={video_id}", title)
    return _facade_markup("Vimeo", embed, f"https://vimeo.com/{embed.rsplit('/', 1)[1]}", title)


def _facade_markup(host: str, embed: str | None, page: str, title: str) -> str:
    text = f"Watch the video “{title}” on {host}" if title else f"Watch the video on {host}"
    attrs = f' data-embed-src="{html_lib.escape(embed)}"' if embed else ""
    attrs += f' data-embed-title="{html_lib.escape(title or f"{host} video")}"'
    link = f'<a class="video-link" href="{html_lib.escape(page)}">{html_lib.escape(text, quote=False)}</a>'
    return f'<div class="video-embed"{attrs}>{link}</div>'


def _prepare(html: str) -> str:
    """``<!--more-->`` -> ``<a name="more">`` (the sanitiser drops comments; it keeps
    this anchor, which becomes :data:`MORE`); Flash and http YouTube embeds -> https iframes."""
    soup = _soup(html)
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip().lower() == "more":
            comment.replace_with(soup.new_tag("a", attrs={"name": "more"}))
    for name in ("object", "embed"):  # objects first: they hold embeds of the same video
        for tag in soup.find_all(name):
            movie = tag.find("param", attrs={"name": re.compile("^movie$", re.I)})
            candidates = [tag.get("data"), tag.get("src"), movie.get("value") if movie else None]
            candidates += [embed.get("src") for embed in tag.find_all("embed")]
            src = next((url for url in map(_video_url, candidates) if url), None)
            if src:
                sizes = {k: tag[k] for k in ("width", "height") if tag.get(k)}
                tag.replace_with(soup.new_tag("iframe", attrs={"src": src, **sizes}))
    for tag in soup.find_all("iframe"):
        if src := _video_url(tag.get("src")):
            tag["src"] = src
    return str(soup)


# -- after sanitising ----------------------------------------------------------------


def _limit_nesting(soup: BeautifulSoup) -> int:
    """Keep the tree within MAX_HTML_DEPTH and MAX_BLOCK_DEPTH (see above); how many elements changed."""
    depth: dict[int, tuple[int, int]] = {id(soup): (0, 0)}  # element -> (elements, block containers) to it
    deepest: list[Tag] = []
    flattened = 0
    for tag in soup.descendants:  # document order, without recursion: a parent comes before its children
        if not isinstance(tag, Tag):
            continue
        elements, blocks = depth[id(tag.parent)]
        elements, blocks = elements + 1, blocks + (tag.name in _CONTAINERS)
        depth[id(tag)] = (elements, blocks)
        if elements == MAX_HTML_DEPTH and tag.find(True) is not None:
            deepest.append(tag)
        elif elements < MAX_HTML_DEPTH and blocks > MAX_BLOCK_DEPTH and tag.name in _CONTAINERS | _ITEMS:
            tag.name = "div"  # its own paragraph(s), not one more level of nesting
            flattened += 1
    for tag in deepest:  # everything inside becomes its direct content: words, images, line breaks
        flat: list[NavigableString | Tag] = []
        words: list[str] = []  # one string between two images or breaks: the converter looks along siblings
        for node in tag.descendants:
            if isinstance(node, Tag) and node.name in ("img", "br"):
                flat += [NavigableString("".join(words)), copy.copy(node)]
                words = []
            elif isinstance(node, Tag) and node.name in _BLOCKS:
                words.append(" ")  # blocks' words stay apart
            elif isinstance(node, NavigableString) and not isinstance(node, Comment):
                words.append(str(node))
        flat.append(NavigableString("".join(words)))
        flattened += len(tag.find_all(True))
        tag.clear()
        tag.extend(node for node in flat if node != "")
    return flattened


def _merge_code(soup: BeautifulSoup) -> None:
    """``<code>a</code><code>b</code>`` -> one code span: two would touch and read as one odd one."""
    for code in reversed(soup.find_all(_CODE)):
        following = code.next_sibling
        if isinstance(following, Tag) and following.name in _CODE:
            code.extend(list(following.contents))
            following.decompose()


_BLOCKS = {
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "thead",
    "tbody", "tfoot", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "figure",
    "figcaption", "iframe", "[document]",
}
_CODE = ["code", "kbd", "samp", "tt"]
_NESTED = {"li", "ul", "ol", "blockquote", "dl", "dt", "dd", "table", "td", "th"}  # no sections, no transitions
_VISIBLE = ["img", "br", "iframe"]  # elements that write something without any text
_NOT_LINE_STARTS = {"h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "caption"}  # inline-only blocks
_CELL_BLOCKS = sorted(_BLOCKS - {"p", "div", "[document]"} | {"br"})
_LINES = {"p", "div", *_CELL_BLOCKS}  # in a <code>: it is a code block
_HARD_BREAK = "\x01"  # a single <br>; becomes "\" or nothing once the lines are known
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
# What markdownify puts before a line: quote markers, indents, list bullets, definition markers.
_PREFIX = re.compile(r"(?:>[ ]?|[ ]+|[-+*][ ]|\d{1,9}[.)][ ]|:[ ]{1,3})*")
_MARKERS = re.compile(r"[-+*][ ]|\d{1,9}[.)][ ]|:[ ]{1,3}")
_BLOCK_LINE = re.compile(r"\n(?:\x00|[>|:]|[-+*] |\d{1,9}[.)] |#{1,6} |`{3}|\*{3}$)", re.M)  # a line markdownify began
_EDGES = re.compile(rf"([\s{_HARD_BREAK}]*)(.*?)([\s{_HARD_BREAK}]*)", re.S)
_ROLE_AT_END = re.compile(r"\{[A-Za-z0-9_\-+:]+\}$")
_SPACE = re.compile(r"\s+")


def _is_block(node: object) -> bool:
    return isinstance(node, Tag) and (node.name in _BLOCKS or _is_jump_break(node) or _code_with_lines(node))


def _is_jump_break(node: Tag) -> bool:
    return node.name == "a" and node.get("name") == "more" and not node.get("href")


def _blank(node: object) -> bool:
    """Whitespace, a comment, or an inline element that writes nothing (``<a></a>``)."""
    if isinstance(node, Tag):  # nothing in it writes something, or at least a line break
        return not _is_block(node) and node.name not in _VISIBLE and all(map(_blank, node.children))
    return isinstance(node, Comment) or (isinstance(node, NavigableString) and not node.strip())


def _at_edge(node: Tag | NavigableString, forward: bool) -> bool:
    """Whether ``node`` starts (ends, if forward) a line: first/last in its block, or next to a <br>."""
    while True:
        sibling = node.next_sibling if forward else node.previous_sibling
        while sibling is not None and _blank(sibling):
            sibling = sibling.next_sibling if forward else sibling.previous_sibling
        while isinstance(sibling, Tag) and not (sibling.name == "br" or _is_block(sibling)):
            inner = [child for child in sibling.children if not _blank(child)]  # <u>..<p>..</p></u>
            if sibling.name in _VISIBLE or not inner:
                return False
            sibling = inner[0] if forward else inner[-1]
        if sibling is not None:
            return isinstance(sibling, Tag)
        parent = node.parent
        inline_only = parent is not None and parent.name in _NOT_LINE_STARTS
        if parent is None or (inline_only and "tr-caption" not in parent.get("class", [])):
            return parent is None or forward
        if _is_block(parent):
            return True
        node = parent


def _following(node: Tag | NavigableString) -> Tag | NavigableString | None:
    """What comes right after ``node`` on its line; None at the end of the line."""
    while True:
        sibling = node.next_sibling
        while sibling is not None and _blank(sibling):
            sibling = sibling.next_sibling
        if sibling is not None:
            ends_line = isinstance(sibling, Tag) and (sibling.name == "br" or _is_block(sibling))
            return None if ends_line else sibling
        if node.parent is None or _is_block(node.parent):
            return None
        node = node.parent


def _collapse(text: str) -> str:
    """HTML whitespace to one space; a lone no-break space between words stays one."""
    text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f]", "", text)
    return _SPACE.sub(lambda m: m[0] if set(m[0]) == {"\xa0"} else " ", text)


def _escape(text: str, *, line_start: bool = False, cell: bool = False) -> str:
    """Escape what CommonMark or MyST would read as markup in normal text."""

    def one(match: re.Match[str]) -> str:
        char, at = match[0], match.start()
        if char == "_":  # intraword underscores are never emphasis: snake_case stays readable
            before, after = text[at - 1 : at], text[at + 1 : at + 2]
            if before.isalnum() and after.isalnum():
                return char
        return "\\" + char

    special = r"[*_`\[\]$]|\\(?=[!-/:-@\[-`{-~]|$)|<(?=[A-Za-z/!?])|&(?=#?\w+;)" + (r"|\|" if cell else "")
    out = re.sub(special, one, text)
    if _ROLE_AT_END.search(out):  # a {role} followed by our next code span would be a MyST role
        out = out[: out.rindex("{")] + "\\" + out[out.rindex("{") :]
    if line_start:
        out = re.sub(r"^(\d{1,9})([.)])(?=\s|$)", r"\1\\\2", out)  # ordered list item
        out = re.sub(r"^(?=[#>+\-|%:=~]|\((?=.*\)=))", r"\\", out)  # blocks, comments, targets
    return out


def _punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _clash(inside: str, outside: str) -> bool:
    """Whether an emphasis delimiter between these two characters would not be flanking."""
    return _punctuation(inside) and bool(outside) and not outside.isspace() and not _punctuation(outside)


def _neighbour(el: Tag, forward: bool) -> str:
    """The character next to ``el`` on its line ("" at the edge of a line)."""
    if _at_edge(el, forward):
        return ""
    text = el.find_next(string=True) if forward else el.find_previous(string=True)
    while text is not None and el in text.parents:  # find_next starts inside el
        text = text.find_next(string=True)
    text = _collapse(str(text or ""))
    return (text[:1] if forward else text[-1:]) or " "


def _destination(url: str) -> str:
    url = re.sub(r"[\s]", lambda m: "%20" if m[0] == " " else "", url.strip()).replace("|", "%7C")
    if re.search(r"[()<>\\]", url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E").replace("\\", "%5C") + ">"
    return url


def _html_href(href: str) -> str:
    """``post.md#x`` -> ``post.html#x``: where Sphinx does not resolve links (raw HTML, figure targets)."""
    return re.sub(r"^([^:?#]*)\.md(?=#|$)", r"\1.html", href)


def _title(title: str | None) -> str:
    title = _collapse(title or "").strip()
    return ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"' if title else ""


def _fence(text: str) -> str:
    return "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))


def _highlightable(language: str, code: str) -> str:
    """``language`` if Pygments knows it and reads ``code`` in it without an error token, else "".

    Sphinx warns about an unknown language or an error token (and -W makes that an
    error); a block without a language is highlighted only where that works.
    """
    if not language:
        return ""
    try:
        lexer = get_lexer_by_name(language)
    except (ClassNotFound, ValueError):
        return ""
    return language if all(kind is not Error for kind, _ in lexer.get_tokens(code)) else ""


def _code_with_lines(node: Tag) -> bool:
    """``<code>`` with lines or blocks in it: a code block, not a code span."""
    return node.name in _CODE and any(isinstance(d, Tag) and d.name in _LINES for d in node.descendants)


def _inline_only(cell: Tag) -> bool:
    """Whether a table cell or caption holds one paragraph at most: no blocks, no <br>."""
    if cell.find(_CELL_BLOCKS) or cell.find("a", attrs={"name": "more"}) or cell.find(_code_with_lines):
        return False
    return len(cell.find_all(["p", "div"])) <= 1


def _only_image(node: Tag) -> Tag | None:
    """The image that is all of ``node``'s content, if any."""
    children = [child for child in node.children if not _blank(child)]
    if len(children) == 1 and isinstance(children[0], Tag) and children[0].name == "img":
        return children[0]
    return None


# Blogger's size in an image URL: ".../s320/name.jpg" or "...=w400-h300"; "-h" alone means "HTML page".
_SIZE = re.compile(
    r"(?:(?<=/)(?P<path>[swh]\d+(?:-[a-z0-9]+)*)(?=/[^/]+$)|=(?P<suffix>[swh]\d+(?:-[a-z0-9]+)*)$)"
)


def _size(url: str) -> tuple[str, float | None]:
    """(URL without its size, largest dimension or None; 0 means original size)."""
    bare = re.sub(r"^//\d\.bp\.", "//bp.", re.sub(r"^https?:", "", url))
    match = _SIZE.search(bare)
    if not match:
        return bare, None
    token = match["path"] or match["suffix"]
    dims = [int(part[1:]) for part in token.split("-") if re.fullmatch(r"[swh]\d+", part)]
    return bare[: match.start()] + bare[match.end() :], max(dims) if dims else None


def _larger_image(link: Tag) -> str | None:
    """The href of ``link`` if it wraps only an image and is a larger copy of it (s1600, s0)."""
    href, img = link.get("href"), _only_image(link)
    if link.name != "a" or not href or img is None or not img.get("src"):
        return None
    if href == img["src"]:
        return href
    (bare_href, big), (bare_src, small) = _size(href), _size(img["src"])
    if bare_href != bare_src or big is None or (big != 0 and small is not None and small > big):
        return None
    return re.sub(r"(?<=/)(s\d+)-h(?=/[^/]+$)", r"\1", href)  # s1600-h is a page; s1600 the image


class _Converter(MarkdownConverter):
    """markdownify, taught Blogger's markup and MyST's syntax."""

    def __init__(self, rewrite_url: Callable[[str], str], image_url: Callable[[str], str]):
        super().__init__(heading_style=ATX, bullets="-", strong_em_symbol="*")
        self.rewrite_url, self.image_url = rewrite_url, image_url
        self.blocks: list[str] = []

    # -- elements converted by hand ---------------------------------------------------

    def process_tag(self, node, parent_tags=None):
        parent_tags = set() if parent_tags is None else parent_tags
        name = node.name
        if "_noformat" not in parent_tags:
            if name == "pre" or _code_with_lines(node):
                return self._code_block(node)
            if name == "table":
                return self._table(node, parent_tags)
            if name == "figure" and (figure := self._figure(node, node.find("figcaption"))):
                return figure
            if name == "iframe":
                return self._video(node)
            if name in ("sup", "sub") and not node.find(True):
                return self._role(node)
            if _is_jump_break(node):
                return self._block(MORE) + super().process_tag(node, parent_tags)
        return super().process_tag(node, parent_tags)

    def process_text(self, el, parent_tags=None):
        parent_tags = set() if parent_tags is None else parent_tags
        text = _collapse(str(el))
        start = _at_edge(el, forward=False)
        if start:
            text = text.lstrip()
        if _at_edge(el, forward=True):
            text = text.rstrip()
        if "_noformat" in parent_tags:
            return text
        text = _escape(text, line_start=start, cell=bool({"td", "th"} & parent_tags))
        following = _following(el)  # what comes next may complete a construct begun here
        unescaped = re.search(r"(\\*)[<&]$", text)
        if following is not None and unescaped and len(unescaped[1]) % 2 == 0:
            text = text[:-1] + "\\" + text[-1]  # "<" + "b>", "&" + "amp;"
        elif isinstance(following, Tag) and text.endswith("!") and (
            following.name in ("a", "img") or following.find(["a", "img"])
        ):
            text = text[:-1] + "\\!"  # "!" + "[...](...)" would be an image
        return text

    def _block(self, text: str) -> str:
        self.blocks.append(text)
        return f"\n\n\x00{len(self.blocks) - 1}\x00\n\n"

    def _raw(self, html: str) -> str:
        """A raw HTML block: sanitised, with no blank line (that would end the block early)."""
        html = re.sub(r"\n(?=[ \t]*\n)", "&#10;", clean_html(html).strip())
        return self._block("\n".join(line.rstrip() for line in html.split("\n")))

    def _code_block(self, el: Tag) -> str:
        parts = []
        for node in el.descendants:
            if isinstance(node, Tag) and node.name == "br":
                parts.append("\n")
            elif isinstance(node, NavigableString) and not isinstance(node, Comment):
                parts.append(str(node))
        text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", "".join(parts).replace("\xa0", " "))
        lines = [line.rstrip() for line in text.split("\n")]
        while lines and not lines[0]:
            lines.pop(0)
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            return ""
        language = ""
        for tag in [el, *el.find_all("code")]:
            for name in tag.get("class") or []:
                if name.startswith("language-") and not language:
                    language = {"plain": "text"}.get(name[9:], name[9:])
        code = "\n".join(lines)
        fence = _fence(code)
        return self._block(f"{fence}{_highlightable(language, code)}\n{code}\n{fence}")

    def _video(self, el: Tag) -> str:
        # The sanitiser kept only https iframes of the video hosts; none is written as one.
        facade = video_facade(el.get("src") or "", el.get("title"))
        return self._raw(facade) if facade else ""

    def _role(self, el: Tag) -> str:
        text = _collapse(el.get_text())
        core = text.strip()
        if not core or "`" in core:
            return _escape(text)
        lead, trail = (" " if text[:1] == " " else ""), (" " if text[-1:] == " " else "")
        return f"{lead}{{{el.name}}}`{core}`{trail}"

    # -- images and figures -----------------------------------------------------------

    def _image(self, img: Tag, src: str | None = None, cell: bool = False) -> str:
        alt = _collapse(img.get("alt") or "").strip()
        src = src or img.get("src")
        if not src:
            return _escape(alt, cell=cell)  # nothing to show, but keep the words
        src = self.image_url(src)
        return f"![{_escape(alt, cell=cell)}]({_destination(src)}{_title(img.get('title'))})"

    def convert_img(self, el, text, parent_tags):
        return self._image(el, _larger_image(el.parent), cell=bool({"td", "th"} & parent_tags))

    def _figure(self, container: Tag, caption: Tag | None) -> str | None:
        """A MyST figure for one image and its caption; None if ``container`` holds more."""
        images = container.find_all("img")
        if caption is None or len(images) != 1 or caption in images[0].parents or not _inline_only(caption):
            return None
        img = images[0]
        outside = container.get_text().replace(caption.get_text(), "", 1)
        if outside.strip():
            return None  # other words in it: not just a captioned image
        link = img.parent if img.parent.name == "a" and img.parent.get("href") else None
        big = _larger_image(link) if link is not None else None
        src = self.image_url(big or img["src"]) if img.get("src") else None
        if src is None:
            return None
        target = None
        if link is not None and big is None:
            target = self.rewrite_url(link["href"])
        body = self._trim(super().process_tag(caption, {"_inline"}))
        alt = _collapse(img.get("alt") or "").strip() or _collapse(caption.get_text()).strip()
        if not body:
            image = f"![{_escape(alt)}]({_destination(src)})"
            return self._block(f"[{image}]({_destination(target)})" if target else image)
        options = [f":target: {_html_href(_destination(target).strip('<>'))}"] if target else []
        if alt:
            quoted = not re.fullmatch(r"\w[\w\s.,;!?()/+-]*", alt)
            options.insert(0, ":alt: " + ("'" + alt.replace("'", "''") + "'" if quoted else alt))
        fence = _fence(body)
        head = f"{fence}{{figure}} {_destination(src).strip('<>')}"
        return self._block("\n".join([head, *options, "", body, fence]))

    # -- tables -----------------------------------------------------------------------

    def _table(self, el: Tag, parent_tags: set[str]) -> str:
        if "tr-caption-container" in (el.get("class") or []):
            figure = self._figure(el, el.find("td", class_="tr-caption"))
            if figure:
                return figure
        rows = [row.find_all(["td", "th"], recursive=False) for row in el.find_all("tr")]
        rows = [row for row in rows if row]
        if not rows:
            return _escape(_collapse(el.get_text()).strip())
        if self._simple(el, rows):
            lines = ["| " + " | ".join(self._cell(cell) for cell in row) + " |" for row in rows]
            lines.insert(1, "| " + " | ".join("---" for _ in rows[0]) + " |")
            return "\n\n" + "\n".join(lines) + "\n\n"
        return self._raw_table(el)

    @staticmethod
    def _simple(table: Tag, rows: list[list[Tag]]) -> bool:
        if table.find(["table", "caption"]) or len({len(row) for row in rows}) != 1:
            return False
        for cell in (cell for row in rows for cell in row):
            if cell.get("colspan", "1") != "1" or cell.get("rowspan", "1") != "1" or not _inline_only(cell):
                return False
        return True

    def _cell(self, cell: Tag) -> str:
        return self._trim(super().process_tag(cell, {"table", "tr"})).replace("\n", " ")

    def _raw_table(self, el: Tag) -> str:
        table = copy.copy(el)
        for tag in table.find_all(["a", "img"]):
            if tag.name == "a" and tag.get("href"):
                tag["href"] = _html_href(self.rewrite_url(tag["href"]))
            elif tag.name == "img" and tag.get("src"):
                tag["src"] = self.image_url(tag["src"])
        for frame in table.find_all("iframe"):  # a video in a cell: a facade too, never an iframe
            facade = video_facade(frame.get("src") or "", frame.get("title"))
            frame.replace_with(_soup(facade).div if facade else "")
        return self._raw(str(table))

    def convert_td(self, el, text, parent_tags):
        return text

    convert_th = convert_td

    # -- inline elements --------------------------------------------------------------

    def convert_a(self, el, text, parent_tags):
        href = el.get("href")
        if "_noformat" in parent_tags or not href or not text.strip() or _larger_image(el):
            return text
        href = self.rewrite_url(href)
        if not href:  # a link that cannot lead anywhere: its words stay
            return text
        plain = _collapse(el.get_text()).strip()
        if plain == href and re.match(r"(?:https?|mailto):[^\s<>]*$", href) and not el.get("title"):
            return f"<{href}>"
        tail = f"]({_destination(href)}{_title(el.get('title'))})"
        return self._wrap(text, "[", tail)

    def _wrap(self, text: str, left: str, right: str, el: Tag | None = None, tag: str = "") -> str:
        """Markup around text; around each paragraph if a block or <br><br> split it.

        With ``el``, the markup is emphasis, which CommonMark only sees if the
        delimiters are "flanking": where punctuation inside meets a letter outside
        (``a<b>"q"</b>``), ``<tag>`` is written instead.
        """
        out = []
        pieces = re.split(r"\n{2,}", text)
        for index, piece in enumerate(pieces):
            first, last = index == 0, index == len(pieces) - 1
            lead, core, trail = _EDGES.fullmatch(piece).groups()
            lead, trail = (edge if "\n" in edge or not edge else " " for edge in (lead, trail))
            if not core:
                out.append(lead or trail)
            elif _PLACEHOLDER.match(core) or _BLOCK_LINE.search(core if first else "\n" + core):  # a block
                out.append(f"{lead}{core}{trail}")
            elif el is not None and (
                (first and not lead and _clash(core[0], _neighbour(el, forward=False)))
                or (last and not trail and _clash(core[-1], _neighbour(el, forward=True)))
            ):
                out.append(f"{lead}<{tag}>{core}</{tag}>{trail}")
            else:
                out.append(f"{lead}{left}{core}{right}{trail}")
        if len(out) > 1:  # only the outer edges keep their spaces
            out = [out[0].rstrip(" "), *(piece.strip(" ") for piece in out[1:-1]), out[-1].lstrip(" ")]
        return "\n\n".join(out)

    def convert_b(self, el, text, parent_tags):  # bold inside bold is just bold
        if {"_noformat", "b", "strong"} & parent_tags:
            return text
        return self._wrap(text, "**", "**", el, "strong")

    convert_strong = convert_b

    def convert_em(self, el, text, parent_tags):
        if {"_noformat", "i", "em"} & parent_tags:
            return text
        return self._wrap(text, "*", "*", el, "em")

    convert_i = convert_em

    def convert_del(self, el, text, parent_tags):  # MyST has no strikethrough without an extension
        return text if "_noformat" in parent_tags else self._wrap(text, "<del>", "</del>")

    convert_s = convert_strike = convert_del

    def convert_code(self, el, text, parent_tags):
        if {"td", "th"} & parent_tags:
            text = text.replace("|", "\\|")  # a pipe ends a table cell even in code
        return super().convert_code(el, text, parent_tags)

    convert_tt = convert_kbd = convert_samp = convert_code

    def convert_br(self, el, text, parent_tags):
        if {"_inline", "_noformat"} & parent_tags:
            return " "
        previous, following = el.previous_sibling, el.next_sibling
        while previous is not None and _blank(previous):
            previous = previous.previous_sibling
        while following is not None and _blank(following):
            following = following.next_sibling
        if isinstance(previous, Tag) and previous.name == "br":
            return ""  # the first <br> of a run made the paragraph break
        if isinstance(following, Tag) and following.name == "br":
            return "\n\n"
        return _HARD_BREAK + "\n"

    def convert_hN(self, n, el, text, parent_tags):
        blocks = "".join(f"\n\n{match[0]}\n\n" for match in _PLACEHOLDER.finditer(text))  # go after it
        text = _SPACE.sub(" ", self._trim(_PLACEHOLDER.sub(" ", text)))
        if _NESTED & parent_tags:  # MyST allows no section inside a list or a quote: a bold line instead
            return (f"\n\n{self._wrap(text, '**', '**')}\n\n" if text else "") + blocks
        text = re.sub(r"(^|\s)(#+)$", r"\1\\\2", text)  # a closing sequence would be dropped
        return (super().convert_hN(n, el, text, parent_tags) if text else "") + blocks

    def convert_hr(self, el, text, parent_tags):
        if _NESTED & parent_tags:  # a transition may only separate sections' content: a paragraph break
            return "\n\n"
        return "\n\n***\n\n"  # "---" at the top would be read as front matter

    # -- blocks: drop the <br>s and spaces at their edges -------------------------------

    @staticmethod
    def _trim(text: str) -> str:
        return re.sub(rf"^[\s{_HARD_BREAK}]+|[\s{_HARD_BREAK}]+$", "", text)

    def convert_p(self, el, text, parent_tags):
        return super().convert_p(el, self._trim(text), parent_tags)

    def convert_div(self, el, text, parent_tags):
        return super().convert_div(el, self._trim(text), parent_tags)

    convert_article = convert_section = convert_figure = convert_div

    def convert_figcaption(self, el, text, parent_tags):
        return super().convert_figcaption(el, self._trim(text), parent_tags)

    def convert_blockquote(self, el, text, parent_tags):  # "\n\n" before: it may follow inline text
        return "\n" + super().convert_blockquote(el, self._trim(text), parent_tags)

    def convert_li(self, el, text, parent_tags):
        if el.parent is None or el.parent.name not in ("ul", "ol"):
            return self.convert_div(el, text, parent_tags)  # a stray <li>: no list to be an item of
        return "\n" + super().convert_li(el, self._trim(text), parent_tags)  # it may follow text

    def convert_dt(self, el, text, parent_tags):
        return super().convert_dt(el, self._trim(text), parent_tags)

    def convert_dd(self, el, text, parent_tags):
        return super().convert_dd(el, self._trim(text), parent_tags)

    def convert_list(self, el, text, parent_tags):
        if "li" in parent_tags:  # markdownify glues an item's text after a nested list to it
            more = any(not _blank(sibling) for sibling in el.next_siblings)
            return "\n" + text.strip("\n").rstrip() + ("\n\n" if more else "")
        return super().convert_list(el, text, parent_tags)

    convert_ul = convert_ol = convert_list

    # -- the text as a whole ----------------------------------------------------------

    def finish(self, markdown: str) -> str:
        """Lines: hard breaks resolved, no trailing spaces, one blank line between blocks."""
        lines = self._isolate(self._trim(markdown)).split("\n")
        for i, line in enumerate(lines):
            prefix = _PREFIX.match(line)[0]
            if not line[len(prefix) :].strip(f" \t\xa0{_HARD_BREAK}"):
                lines[i] = _MARKERS.sub(lambda m: " " * len(m[0]), prefix).rstrip()
        for i, line in enumerate(lines):
            if _HARD_BREAK not in line:
                continue
            line = line.replace(_HARD_BREAK, "")
            following = lines[i + 1] if i + 1 < len(lines) else ""
            continuation = _MARKERS.sub(lambda m: " " * len(m[0]), _PREFIX.match(line)[0])
            if following.strip(" >") and _PREFIX.match(following)[0] == continuation:
                line = line.rstrip() + "\\"
            lines[i] = line
        text = "\n".join(line.rstrip(" \t\xa0") for line in lines)
        text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
        text = self._transitions(text)
        text = re.sub(r"^(.*?)\x00(\d+)\x00$", self._put_back, text, flags=re.M)
        return text + "\n" if text else ""

    @staticmethod
    def _isolate(text: str) -> str:
        """A block that ended up inside a line (e.g. a heading's) goes on lines of its own."""

        def own_lines(match: re.Match[str]) -> str:
            line = match[0]
            if _PLACEHOLDER.fullmatch(line[len(_PREFIX.match(line)[0]) :]):
                return line
            return _PLACEHOLDER.sub(lambda m: f"\n\n{m[0]}\n\n", line)

        return re.sub(r"^.*\x00\d+\x00.*$", own_lines, text, flags=re.M)

    def _put_back(self, match: re.Match[str]) -> str:
        prefix = match[1]
        continuation = _MARKERS.sub(lambda m: " " * len(m[0]), prefix)
        first, *rest = self.blocks[int(match[2])].split("\n")
        return "\n".join([prefix + first, *((continuation + line).rstrip() for line in rest)])

    @staticmethod
    def _transitions(text: str) -> str:
        """Docutils refuses a transition first, last, after a heading or after another one."""
        kept: list[str] = []
        for block in text.split("\n\n"):
            if block != "***" or (kept and kept[-1] != "***" and not kept[-1].startswith("#")):
                kept.append(block)
        while kept and kept[-1] == "***":
            kept.pop()
        return "\n\n".join(kept)
