"""Only the theme CSS the pages can use, and only the icons they show
(techblog/site/used_css.py): which rules are kept, the pages' links and
digests, the subset icon font, the purge switched off again. What a reader
sees is compared in tests/browser/test_used_css.py; incremental builds in
tests/test_incremental.py."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pydata_sphinx_theme
import pytest
from fontTools.ttLib import TTFont

from conftest import REPO, build_root, sphinx_build
from techblog.site import used_css

ROOT = REPO / "tests" / "roots" / "test-page-weight"
WEBFONTS = "_static/vendor/fontawesome/webfonts"
THEME_STATIC = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"
MAGNIFYING_GLASS = 0xF002  # .fa-magnifying-glass, on the navbar's search button of every page


@pytest.fixture(scope="module")
def purged(tmp_path_factory):
    return build_root(tmp_path_factory, ROOT)


def stylesheet_links(outdir: Path) -> dict[str, list[str]]:
    return {path.relative_to(outdir).as_posix(): re.findall(r'href="([^"]*pydata-sphinx-theme[^"]*)"',
                                                            path.read_text(encoding="utf-8"))
            for path in used_css.html_pages(outdir)}


def test_a_rule_is_kept_when_any_of_its_selectors_can_match():
    css = ('@charset "UTF-8";.a{color:red}.b,.c{color:blue}.d:not(.e)>p::before{color:green}'
           "@media (min-width:10px){.zz{color:red}}@media print{.a{color:black}}"
           "@font-face{font-family:x;src:url(x.woff2)}:root{--v:1}[data-x=y] .g{color:red}"
           "#only{color:red}.a.zz{color:red}@keyframes spin{0%{opacity:0}}")
    known = {".a", ".c", ".d", "p", "[data-x", "#only"}
    assert used_css.used_css(css, known) == (
        '.a{color:red}.b,.c{color:blue}.d:not(.e)>p::before{color:green}'
        "@media print{.a{color:black}}@font-face{font-family:x;src:url(x.woff2)}:root{--v:1}#only{color:red}"
        "@keyframes spin{0%{opacity:0}}\n")


def test_joined_stylesheets_come_out_minified_with_one_charset_and_their_notices():
    """basic.css and pygments.css are not minified; the theme's @charset ends up
    in the middle of the three joined, where a browser ignores it."""
    css = ("/* basic */\ndiv.body p,\n  div.body dd {\n    margin : 0 auto ;\n    color: red\n}\n"
           "a :hover { color : blue }\n"
           '@charset "UTF-8";/*! Bootstrap: MIT */.fa-x::before{content:"\\f002"}.i::after{content:"\u2192 : ;"}'
           "\n.highlight .k { font-weight : bold ; margin: calc( 1px + 2px ) }")
    known = {"div", ".body", "p", "dd", "a", ".fa-x", ".i", ".highlight", ".k"}
    assert used_css.used_css(css, known) == (
        '@charset "UTF-8";div.body p, div.body dd{margin:0 auto;color:red}a :hover{color:blue}'
        '/*! Bootstrap: MIT */.fa-x::before{content:"\uf002"}.i::after{content:"\u2192 : ;"}'
        ".highlight .k{font-weight:bold;margin:calc(1px + 2px)}\n")


def test_a_joined_stylesheet_with_a_relative_url_is_refused(tmp_path):
    for relative in used_css.SOURCES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(".a{color:red}", encoding="utf-8")
    (tmp_path / "_static/styles/pydata-sphinx-theme.css").write_text(".a{background:url(x.png)}", encoding="utf-8")
    assert used_css.joined_sources(tmp_path).count(b".a{") == 3  # the theme's own folder: its urls hold
    (tmp_path / "_static/basic.css").write_text(".b{background:url( 'file.png' )}", encoding="utf-8")
    with pytest.raises(Exception, match=r"_static/basic.css: has a url\(\) relative to its folder"):
        used_css.joined_sources(tmp_path)
    for fine in ("url(data:image/png;base64,AA)", "url(/x.png)", "url(https://x/y.png)", "url(#a)"):
        (tmp_path / "_static/basic.css").write_text(f".b{{background:{fine}}}", encoding="utf-8")
        used_css.joined_sources(tmp_path)


def test_every_page_links_the_used_stylesheet_by_its_digest(purged):
    outdir = purged.outdir
    css = (outdir / used_css.USED_CSS).read_bytes()
    expected = f"pydata-sphinx-theme.used.css?digest={hashlib.sha256(css).hexdigest()[:12]}"
    links = {page: found for page, found in stylesheet_links(outdir).items() if found}  # (not redirect pages)
    assert len(links) > 10 and "posts/2023/ceph-volumes.html" in links
    assert {page: [link.rsplit("/", 1)[-1] for link in found] for page, found in links.items()} == {
        page: [expected] for page in links}
    assert len(css) < (THEME_STATIC / "styles/pydata-sphinx-theme.css").stat().st_size / 2


def test_the_rules_kept_are_those_of_the_pages_and_the_scripts(purged):
    css = (purged.outdir / used_css.USED_CSS).read_text(encoding="utf-8")
    # On the pages (the post's admonition and table, the navbar's icons)
    for selector in (".admonition", ".table", ".fa-magnifying-glass", ".theme-switch-button"):
        assert selector in css
    # Added by the scripts as a reader uses the page: an open dropdown or menu, a tooltip
    for selector in (".show", ".bs-tooltip-auto", ".tooltip-inner", "[data-bs-popper]", "html[data-theme=dark]{"):
        assert selector in css
    # Bootstrap's components that nothing here has, nor loads the script of (Collapse, Offcanvas, Modal)
    for selector in (".accordion-button", ".progress-bar", ".btn-close", ".spinner-border", ".toast-header",
                     ".fa-github", ".collapsing", ".offcanvas", ".modal-dialog"):
        assert selector not in css
    # basic.css and pygments.css joined in: what the pages use of them
    assert "a.headerlink{" in css and ".highlight .k{" in css and "div.sphinxsidebar" not in css


def test_the_icon_font_keeps_only_the_glyphs_shown(purged):
    css = (purged.outdir / used_css.USED_CSS).read_text(encoding="utf-8")
    urls = re.findall(r"url\(\.\./vendor/fontawesome/webfonts/([\w.-]+)\?digest=([0-9a-f]+)\)", css)
    assert {name for name, _ in urls} == {"fa-solid-900.used.woff2", "fa-regular-400.used.woff2",
                                          "fa-brands-400.used.woff2"}
    for name, digest in urls:
        assert hashlib.sha256((purged.outdir / WEBFONTS / name).read_bytes()).hexdigest()[:12] == digest
    subset = TTFont(purged.outdir / WEBFONTS / "fa-solid-900.used.woff2")
    whole = TTFont(THEME_STATIC / "vendor/fontawesome/webfonts/fa-solid-900.woff2")  # (not in the output)
    assert MAGNIFYING_GLASS in subset.getBestCmap()
    assert subset["glyf" if "glyf" in subset else "CFF "] is not None
    # (the ASCII letters and digits of the stylesheet's strings too: Font Awesome has glyphs for them)
    assert len(subset.getGlyphOrder()) < 150 < 1000 < len(whole.getGlyphOrder())
    # the same drawing for the glyph kept
    glyph = subset.getBestCmap()[MAGNIFYING_GLASS]
    assert subset.getGlyphSet()[glyph].width == whole.getGlyphSet()[whole.getBestCmap()[MAGNIFYING_GLASS]].width


def test_the_purge_switched_off_ships_the_theme_files_as_they_are(purged, tmp_path):
    """Also after a build with it on, into the same folder: the pages link the
    theme's stylesheet again, as a clean build with it off does."""
    again = sphinx_build(ROOT, purged.outdir, purged.doctreedir, "-D", "techblog_trim_assets=0")
    assert again.returncode == 0, again.output
    clean = sphinx_build(ROOT, tmp_path / "html", tmp_path / "doctrees", "-D", "techblog_trim_assets=0")
    assert clean.returncode == 0, clean.output
    assert stylesheet_links(again.outdir) == stylesheet_links(clean.outdir)
    assert all("pydata-sphinx-theme.css?digest=" in link
               for found in stylesheet_links(clean.outdir).values() for link in found)
    for build in (again, clean):
        assert not (build.outdir / used_css.USED_CSS).exists()
        assert not list((build.outdir / WEBFONTS).glob("*.used.woff2"))
    # and on again: the same bytes as the first build
    on = sphinx_build(ROOT, purged.outdir, purged.doctreedir)
    assert on.returncode == 0, on.output
    assert all(link.rsplit("/", 1)[-1].startswith("pydata-sphinx-theme.used.css?digest=")
               for found in stylesheet_links(on.outdir).values() for link in found)
