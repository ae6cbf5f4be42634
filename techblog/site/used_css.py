"""Only the theme CSS the built pages can use, and only the icons they show.

The theme's stylesheets are mostly rules for components this site never has:
pydata-sphinx-theme's (Bootstrap, Font Awesome and the theme: 378 KB), and
before it Sphinx's ``basic.css`` (which the theme's ``theme.css`` imports),
after it ``pygments.css`` (every token colour, light and dark). The three,
joined in that order (:data:`SOURCES`; the pages link the first alone when
trimmed: :mod:`techblog.site.theme_assets`), are cut at ``build-finished``,
after every page is written or removed and before the ``.gz`` copies (950):

1. every HTML page of the output is read for what a selector can ask of it:
   element names, classes, ids and attribute names (kept per page in
   ``<doctreedir>/techblog-used-css.json`` by the page's bytes' digest, so an
   unchanged page is not parsed again, nor read while its size and time are
   those this step left it with);
2. the words of the site's scripts (``_static/**/*.js``, ``*.mjs``) count as
   classes, ids and element names too, as PurgeCSS's default extractor takes
   them: what a script adds at run time (Bootstrap's ``show``/``collapsing``,
   the theme switcher's ``data-theme`` (``dataset.theme``), the search dialog, the copy button,
   the video facade, archived replies, search results) is spelt in it,
   and ``data-<word>``/``data-bs-<word>`` as attribute names
   (Bootstrap's ``setDataAttribute(menu, "popper")`` sets ``data-bs-popper``);
   :data:`SAFELIST` names the few classes a script builds from pieces.
   Not Mermaid's: it styles its diagrams itself (:data:`STYLED_BY_THEMSELVES`);
3. a rule is kept when ANY selector of its list could match: each class, id,
   element and attribute it names outside a pseudo-class's parentheses is
   known (pseudo-classes and pseudo-elements ask for nothing; ``:not()``,
   ``:is()``, ``:where()``, ``:has()`` are left out, so a rule is kept
   rather than dropped). At-rules other than the grouping ones
   (``@font-face``, ``@keyframes``, ``@property``...) and custom properties
   on ``:root`` are kept whole; an ``@media``/``@supports``/``@layer``/
   ``@container`` left empty goes. Comments go but licence notices
   (``/*!``); whitespace is squeezed (basic.css and pygments.css are not
   minified);
4. the result is written (atomically) as
   ``_static/styles/pydata-sphinx-theme.used.css``, and each page's link to
   the theme's stylesheet is pointed at it with ``?digest=`` its contents'
   SHA-256 (12 hex digits): nginx caches ``?digest=`` addresses for a year
   (``deploy/nginx/techblog.conf``), and new contents get a new address.

Token matching (not each selector against each page's tree, as lxml and
cssselect could): it keeps what only exists after a script ran (an open
dropdown, a search result, a drawn diagram), which no built page holds.

The output depends on every page, so it is made from all of them on every
build: an incremental build gives the same bytes as a clean one
(``tests/test_incremental.py``). ``techblog_trim_assets = False`` ships the
theme's stylesheets as they are (``tests/browser/test_used_css.py`` compares
screenshots of both).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging as pylogging
import os
import re
from pathlib import Path

import lxml.html
import tinycss2
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from techblog import atomic
from techblog.site import theme_assets

logger = logging.getLogger(__name__)

THEME_CSS = "_static/styles/pydata-sphinx-theme.css"
# What the theme's pages load before the site's own stylesheets, in their order:
# basic.css (through the theme's theme.css), the theme's, pygments.css. Shipped as one.
SOURCES = ("_static/basic.css", THEME_CSS, "_static/pygments.css")
# A url() relative to _static/ would point elsewhere from _static/styles/.
RELATIVE_URL = re.compile(r"url\(\s*['\"]?(?![a-z][a-z0-9+.-]*:|/|#)", re.IGNORECASE)
USED_CSS = "_static/styles/pydata-sphinx-theme.used.css"
CACHE = "techblog-used-css.json"
VERSION = b"6"  # of what is made here: a new one makes everything again
# The theme's link in every page (written by its webpack-macros.html) or ours.
LINK = re.compile(r'(href="[^"]*_static/styles/)pydata-sphinx-theme(?:\.used)?\.css\?digest=([0-9a-f]+)"')
WORD = re.compile(r"[A-Za-z0-9_-]+")
SCRIPT = "script:"  # a page's token for a script it loads (no selector asks for one)
DATASET = re.compile(r"\.dataset\.([A-Za-z]\w*)")
SCRIPT_FILE = re.compile(r"[\w./-]+\.m?js\b")
# Scripts that style what they draw with their own CSS (Mermaid: inside each
# diagram's SVG, _static/techblog-diagrams.mjs): their words ask nothing of the
# theme's (Mermaid's megabytes hold most words of the language: 139 more rules).
STYLED_BY_THEMSELVES = ("_static/vendor/mermaid/",)
GROUPING = {"media", "supports", "layer", "container", "document", "scope"}
# Classes Bootstrap builds from pieces (`bs-${name}-auto`): never in a script as one word.
SAFELIST = frozenset({"bs-tooltip-auto", "bs-popover-auto", "bs-tooltip-top", "bs-tooltip-bottom",
                      "bs-tooltip-start", "bs-tooltip-end", "bs-popover-top", "bs-popover-bottom",
                      "bs-popover-start", "bs-popover-end"})


# -- what the pages and scripts offer ---------------------------------------------------

def page_tokens(data: bytes) -> list[str]:
    """What a selector can ask of this page: ``tag``, ``.class``, ``#id``, ``[attr``."""
    found = set()
    root = lxml.html.document_fromstring(data)
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        found.add(element.tag.lower().rpartition("}")[2])
        for name, value in element.attrib.items():
            found.add("[" + name.lower())
            if name == "class":
                found.update("." + word for word in value.split())
            elif name == "id":
                found.add("#" + value)
        if element.tag == "script" and element.get("src"):
            found.add(SCRIPT + script_name(element.get("src")))
    return sorted(found)


def script_name(address: str) -> str:
    return address.split("?")[0].split("#")[0].rsplit("/", 1)[-1]


def script_words(outdir: Path, loaded: set[str], memo: dict) -> set[str]:
    """Every word of the scripts a page loads (``loaded``: their file names),
    and of those they import or load in turn (named in them), as a class, id,
    element or attribute name. ``memo`` (the cache) keeps the words while
    those names and every script's bytes are the same (their digests: Sphinx
    writes some of its scripts again on every build)."""
    scripts: dict[str, list[Path]] = {}
    # Not _pagefind/: Pagefind's scripts return results and draw nothing (our
    # techblog-search.js draws them), and they are written after this step.
    for path in sorted((outdir / "_static").rglob("*")):
        if path.suffix in (".js", ".mjs") and path.is_file() \
                and not path.relative_to(outdir).as_posix().startswith(STYLED_BY_THEMSELVES):
            scripts.setdefault(path.name, []).append(path)
    stats = [f"{path.relative_to(outdir)}:{digest(path.read_bytes())}"
             for paths in scripts.values() for path in paths]
    key = digest("\0".join([*sorted(loaded), "", *sorted(stats)]).encode("utf-8"))
    if memo.get("scripts") == key and isinstance(memo.get("words"), list):
        words = set(memo["words"])
    else:
        words = set(SAFELIST)
        todo, seen = sorted(loaded), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for path in scripts.get(name, []):
                text = path.read_text(encoding="utf-8", errors="replace")
                words.update(WORD.findall(text))
                # element.dataset.fooBar is the attribute data-foo-bar (the theme sets data-theme so)
                words.update("data-" + re.sub(r"[A-Z]", lambda c: "-" + c.group(0).lower(), found)
                             for found in DATASET.findall(text))
                todo.extend(script_name(found) for found in SCRIPT_FILE.findall(text))
    memo["scripts"], memo["words"] = key, sorted(words)
    # Bootstrap sets its attributes by key (setDataAttribute(menu, "popper", ...) is data-bs-popper)
    attributes = {"[data-" + word.lower() for word in words} | {"[data-bs-" + word.lower() for word in words}
    return ({prefix + word for word in words for prefix in ("", ".", "#", "[")} | {w.lower() for w in words}
            | attributes)


def html_pages(outdir: Path) -> list[Path]:
    pages = []
    for folder, subfolders, files in os.walk(outdir):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith((".", "_")))
        pages.extend(Path(folder) / name for name in sorted(files) if name.endswith(".html"))
    return pages


# -- which rules can apply ------------------------------------------------------------

def selector_needs(tokens: list) -> set[str] | None:
    """What one complex selector asks for (see page_tokens), or None when it
    cannot be read here (kept)."""
    needs: set[str] = set()
    i = 0
    after_colon = False
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "literal" and token.value == ":":
            after_colon = True
            i += 1
            continue
        if after_colon:  # a pseudo-class or pseudo-element: asks for nothing (:: too)
            if kind in ("ident", "function"):
                after_colon = False
            i += 1
            continue
        if kind == "literal" and token.value == ".":
            if i + 1 >= len(tokens) or tokens[i + 1].type != "ident":
                return None
            needs.add("." + tokens[i + 1].value)
            i += 2
            continue
        if kind == "hash":
            needs.add("#" + token.value)
        elif kind == "ident":
            needs.add(token.value.lower())
        elif kind == "[] block":
            names = [t for t in token.content if t.type == "ident"]
            if not names:
                return None
            needs.add("[" + names[0].value.lower())
        elif kind in ("whitespace", "comment") or (kind == "literal"
                                                    and token.value in (">", "+", "~", "*", "|")):
            pass
        else:
            return None
        i += 1
    return needs


def selectors(prelude: list) -> list[list]:
    groups: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            groups.append([])
        else:
            groups[-1].append(token)
    return groups


def can_apply(prelude: list, known: set[str]) -> bool:
    for selector in selectors(prelude):
        needs = selector_needs(selector)
        if needs is None or needs <= known:
            return True
    return False


def kept_rules(rules: list, known: set[str]) -> list:
    kept = []
    for rule in rules:
        if rule.type == "qualified-rule":
            if can_apply(rule.prelude, known):
                kept.append(rule)
        elif rule.type == "at-rule" and rule.lower_at_keyword in GROUPING and rule.content is not None:
            content = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            inner = kept_rules(content, known)
            if inner:
                rule.content = inner
                kept.append(rule)
        elif rule.type == "at-rule":
            kept.append(rule)
        elif rule.type == "comment" and rule.value.startswith("!"):
            kept.append(rule)  # /*! ... */: a licence's notice (Bootstrap's), which must stay with the code
        # (parse errors and comments go: the browser ignores the one, the other is for people)
    return kept


def squeezed(tokens: list, declarations: bool = False) -> list:
    """``tokens`` without comments, each run of whitespace one space, none at
    either end; in a block of declarations none around ``:`` and ``;`` either
    (minified: basic.css and pygments.css are not; the theme's is)."""
    out: list = []
    for token in tokens:
        repeated_space = token.type == "whitespace" and (not out or out[-1].type == "whitespace")
        if token.type == "comment" or repeated_space:
            continue
        if token.type == "whitespace":
            token = tinycss2.ast.WhitespaceToken(token.source_line, token.source_column, " ")
        elif token.type in ("() block", "[] block"):
            token.content = squeezed(token.content)
        elif token.type == "function":
            token.arguments = squeezed(token.arguments)
        elif declarations and token.type == "literal" and token.value in (":", ";") and out \
                and out[-1].type == "whitespace":
            out.pop()
        if declarations and token.type == "whitespace" and out and out[-1].type == "literal" \
                and out[-1].value in (":", ";"):
            continue
        out.append(token)
    while out and out[-1].type == "whitespace":
        out.pop()
    return out


def serialize(rules: list) -> str:
    parts = []
    for rule in rules:
        if rule.type == "at-rule" and rule.content is not None and rule.lower_at_keyword in GROUPING:
            parts.append(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{serialize(rule.content)}}}")
        elif rule.type == "qualified-rule":
            # (a nested rule's selector is no declaration: `a :hover` is not `a:hover`)
            flat = not any(token.type == "{} block" for token in rule.content)
            parts.append(tinycss2.serialize(squeezed(rule.prelude)) + "{"
                         + tinycss2.serialize(squeezed(rule.content, declarations=flat)) + "}")
        else:
            parts.append(tinycss2.serialize([rule]))
    return "".join(parts)


def used_css(css: str, known: set[str]) -> str:
    rules, _ = tinycss2.parse_stylesheet_bytes(css.encode("utf-8"), skip_comments=False, skip_whitespace=True)
    kept = [rule for rule in kept_rules(rules, known)
            if not (rule.type == "at-rule" and rule.lower_at_keyword == "charset")]
    body = serialize(kept)
    # One @charset, first, or none: in the middle of the joined files a browser ignores it.
    return ("" if body.isascii() else '@charset "UTF-8";') + body + "\n"


def joined_sources(outdir: Path) -> bytes:
    parts = []
    for relative in SOURCES:
        data = (outdir / relative).read_bytes()
        if relative != THEME_CSS and RELATIVE_URL.search(data.decode("utf-8")):
            raise ExtensionError(f"{relative}: has a url() relative to its folder, which would point "
                                 f"elsewhere from {USED_CSS}; expected none (used_css.SOURCES)")
        parts.append(data)
    return b"\n".join(parts)


# -- the icons they show -------------------------------------------------------------

def characters(css: str) -> set[str]:
    """Every character of the stylesheet's strings: the kept icon rules' ``--fa``
    and ``content`` values among them (a superset of the glyphs shown)."""
    found: set[str] = set()

    def walk(tokens) -> None:
        for token in tokens:
            if token.type == "string":
                found.update(token.value)
            elif token.type in ("() block", "[] block", "{} block", "function"):
                walk(token.arguments if token.type == "function" else token.content)

    walk(tinycss2.parse_component_value_list(css))
    return found


def subset_font(source: Path, target: Path, text: set[str]) -> None:
    """``source`` with only the glyphs of ``text`` (and what they need), as woff2;
    the same bytes for the same input (no new timestamp)."""
    from fontTools import subset

    pylogging.getLogger("fontTools").setLevel(pylogging.WARNING)  # not a line per table on every build
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # as drawn before: every feature the kept glyphs take part in
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    font = subset.load_font(str(source), options, dontLoadGlyphNames=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(ch) for ch in text))
    subsetter.subset(font)
    handle = io.BytesIO()
    subset.save_font(font, handle, options)
    atomic.write_bytes(target, handle.getvalue())


def fonts_in_place(css: str, styles: Path) -> bool:
    for folder, name, expected in USED_FONT_URL.findall(css):
        path = styles / folder / f"{name}.used.woff2"
        if not path.is_file() or digest(path.read_bytes()) != expected:
            return False
    return True


FONTS = "../vendor/fontawesome/webfonts"
FONT_URL = re.compile(r"url\((\.\./vendor/fontawesome/webfonts/)([\w-]+)\.woff2\)")
USED_FONT_URL = re.compile(
    r"url\((\.\./vendor/fontawesome/webfonts/)([\w-]+)\.used\.woff2\?digest=([0-9a-f]+)\)")


def with_used_fonts(css: str, styles: Path) -> str:
    """Each Font Awesome font the stylesheet names, cut to the characters of its
    strings, written beside it as ``<name>.used.woff2`` and named with its digest."""
    text = characters(css)

    def subset_one(found: re.Match) -> str:
        folder, name = found.group(1), found.group(2)
        target = styles / folder / f"{name}.used.woff2"
        subset_font(styles / folder / f"{name}.woff2", target, text)
        return f"url({folder}{name}.used.woff2?digest={digest(target.read_bytes())})"

    return FONT_URL.sub(subset_one, css)


# -- the build step -------------------------------------------------------------------

def load_cache(path: Path) -> dict:
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
        return cache if isinstance(cache, dict) else {}
    except (OSError, ValueError):
        return {}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


def point_links(pages: dict[Path, bytes], name: str, page_digest: str) -> list[Path]:
    """Each page's link to the theme's stylesheet pointed at ``name?digest=``; the pages rewritten."""
    changed = []
    replacement = rf'\g<1>{name}?digest={page_digest}"'
    for path, data in pages.items():
        text = data.decode("utf-8")
        new = LINK.sub(replacement, text)
        if new != text:
            atomic.write_text(path, new)
            pages[path] = new.encode("utf-8")
            changed.append(path)
    return changed


def stat_key(path: Path) -> list[int]:
    found = path.stat()
    return [found.st_size, found.st_mtime_ns]


def ship_used_css(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    used = outdir / USED_CSS
    cache_path = Path(app.doctreedir) / CACHE
    paths = html_pages(outdir)
    if not app.config.techblog_trim_assets:
        point_links({path: path.read_bytes() for path in paths}, "pydata-sphinx-theme.css",
                    theme_assets.theme_digest())
        used.unlink(missing_ok=True)
        cache_path.unlink(missing_ok=True)
        for font in (used.parent / FONTS).glob("*.used.woff2"):
            font.unlink()
        return
    cache = load_cache(cache_path)
    old_pages, old_stats = cache.get("pages", {}), cache.get("stats", {})
    # A page is read only when it is not as this step last left it (its size and
    # time): a build with nothing changed reads none of a thousand pages.
    pages: dict[Path, bytes] = {}  # the pages read
    key_of: dict[Path, str] = {}
    tokens_by_page: dict[str, list] = {}
    known: set[str] = set()
    for path in paths:
        name = path.relative_to(outdir).as_posix()
        seen = old_stats.get(name)
        if isinstance(seen, list) and seen[:2] == stat_key(path) and isinstance(old_pages.get(seen[2]), list):
            key_of[path] = seen[2]
        else:
            pages[path] = path.read_bytes()
            key_of[path] = digest(pages[path])
        tokens = tokens_by_page.get(key_of[path]) or old_pages.get(key_of[path])
        if not isinstance(tokens, list):
            tokens = page_tokens(pages[path])
        tokens_by_page[key_of[path]] = tokens
        known.update(tokens)
    memo: dict = {key: cache[key] for key in ("scripts", "words") if key in cache}
    known |= script_words(outdir, {token[len(SCRIPT):] for token in known if token.startswith(SCRIPT)}, memo)
    theme = joined_sources(outdir)
    key = digest(VERSION + theme + "\0".join(sorted(known)).encode("utf-8"))
    css = used.read_bytes() if used.is_file() else b""
    if cache.get("key") == key and digest(css) == cache.get("css") and fonts_in_place(css.decode("utf-8"),
                                                                                       used.parent):
        pass
    else:
        css = with_used_fonts(used_css(theme.decode("utf-8"), known), used.parent).encode("utf-8")
        atomic.write_bytes(used, css)
    if digest(css) != cache.get("css"):  # the pages not read link the stylesheet as it was: read them too
        pages.update({path: path.read_bytes() for path in paths if path not in pages})
    rewritten = point_links(pages, "pydata-sphinx-theme.used.css", digest(css))
    # The rewritten pages' bytes are known too, so the next build parses none of them again.
    # (only the link's digest changed, which no selector asks about)
    for path in rewritten:
        tokens = tokens_by_page[key_of[path]]
        key_of[path] = digest(pages[path])
        tokens_by_page[key_of[path]] = tokens
    stats = {path.relative_to(outdir).as_posix(): [*stat_key(path), key_of[path]] for path in paths}
    # (not the keys the rewritten pages had before)
    current = {key_of[path]: tokens_by_page[key_of[path]] for path in paths}
    kept = {"key": key, "css": digest(css), "pages": current, "stats": stats, **memo}
    if kept != cache:  # (a build with nothing changed writes nothing)
        atomic.write_text(cache_path, json.dumps(kept, sort_keys=True))
    logger.info("theme stylesheets: %d of %d bytes used by %d pages (%d read); %d links pointed at them",
                len(css), len(theme), len(paths), len(pages), len(rewritten))
