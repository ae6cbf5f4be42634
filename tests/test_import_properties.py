"""Property-based tests of the Blogger importer: random exports (posts, pages,
comments in any thread shape, colliding ids, titles, URLs and labels, odd
characters and markup-looking text) are imported in-process, and

* every post, page and comment read is written or reported (per kind), and the
  exit status says 1 whenever something was not imported;
* nothing but the documented UnusableExport escapes;
* what was written passes the contract (``check``) and MyST reads it without a
  warning; and one hostile-but-varied export builds with ``-W``.
"""

from __future__ import annotations

import io
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from docutils.core import publish_doctree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from myst_parser.parsers.docutils_ import Parser as MystParser

from blogger_exports import AUTHOR_KEYS, Item, classic
from conftest import REPO, sphinx_build
from techblog.posts import frontmatter
from techblog.legacy import importer
from techblog.tools.cli import load_rules
from techblog.posts.contract import check_site

ROOT = REPO / "tests" / "roots" / "test-legacy-import"
LEGACY_URL = "https://small-test-blog.blogspot.com/"

# Text that means something to HTML, CommonMark, MyST, YAML or a terminal.
ODD = [
    "(target)=", "---", "$$x$$", "$a$", "[^x]", "[^x]: note", "{note}`x`", "{eval-rst}", ":::{warning}", "```",
    "```{code-cell}", "% comment", "#", "## not a heading", "* ", "1. ", "> ", "| a | b |", "<!-- c -->", "&amp;",
    "&lt;b&gt;", "\\", "`", "**", "_x_", "~~~", "+++", "===", "{{ x }}", "{% x %}", "]]>", "x: y", "- a", "? ",
    "@", "!", "[link](#nowhere)", "<https://a.example>", "\u202eRTL\u202c", "\u05e9\u05dc\u05d5\u05dd", "🙂",
    "\u200b", "\u2028", "\x85", "\t", "\r\n", "\ufeff", "null", "~", "yes", "3.10", "'", '"', "C++", "c#",
]
TEXT = st.lists(st.sampled_from(ODD) | st.text(max_size=6), max_size=6).map(" ".join)
# HTML pieces, nested at random by BODY: blocks of every kind a post body has.
WRAPPERS = ["p", "div", "blockquote", "b", "i", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
            "ol", "table", "td", "tr", "dl", "dd", "span", "sup", "a"]
LEAVES = [
    "<br>", "<br><br>", "<hr>", "<!-- more -->", "<img src='https://a.example/i.png' alt='[x]'>",
    "<a href='#frag'>frag</a>", "<a href='/2019/01/t1.html'>t1</a>", "<a href='/search/label/C++'>l</a>",
    "<pre class='brush: nosuchlanguage'>x = {</pre>", "<pre class='lang-json'>{oops</pre>",
    "<code>a</code><code>b</code>", "<a href='http://[x/'>bad</a>", "<img src='http://[x/i.png'>",
    "<a href='/2019/01/t2.html#c3'>c3</a>", "<a href='#c5'>c5</a>", "<a href='#more'>more</a>",
    "<iframe src='https://www.youtube.com/embed/abcdefg'></iframe>",
    "<script>alert(1)</script>", "<h7>x</h7>", "<table class='tr-caption-container'><tr><td>"
    "<img src='https://a.example/s400/i.png'></td></tr><tr><td class='tr-caption'>cap</td></tr></table>",
]


@st.composite
def body(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        choice = draw(st.integers(0, 3))
        if choice == 0:
            parts.append(draw(TEXT).replace("<", "&lt;"))
        elif choice == 1:
            parts.append(draw(st.sampled_from(LEAVES)))
        elif depth < 4:
            tag = draw(st.sampled_from(WRAPPERS))
            href = " href='https://a.example/'" if tag == "a" else ""
            parts.append(f"<{tag}{href}>{draw(body(depth + 1))}</{tag}>")
    return "".join(parts)


NUMBERS = st.integers(1, 12).map(str)  # a small pool: ids collide
LABELS = st.sampled_from(["OpenStack", "openstack", "C++", "C#", "a,b", "<b>x</b>", "!!!", " ", "Zürich",
                          "High  Availability", "🙂", "x" * 250, "\u202eevil", "null"])
DATES = st.sampled_from(["2019-01-15T10:00:00.000-05:00", "2019-01-15T10:00:00.000-05:00", "2020-02-29T23:59:59Z",
                         "2019-07-01T17:45:00.000+14:00", "", "last tuesday", "0001-01-01T00:00:00+05:00",
                         "9999-12-31T23:59:59-05:00"])
AUTHORS = st.sampled_from([*AUTHOR_KEYS, "Riley Example", "Mallory <b>", ""])


@st.composite
def item(draw) -> Item:
    kind = draw(st.sampled_from(["post"] * 4 + ["page", "comment", "comment", "comment", "comment", "weird"]))
    number = draw(NUMBERS)
    slug = draw(st.sampled_from(["t1", "t2", "same", "con", "..", "a b", "ü"]))
    path = {
        "post": draw(st.sampled_from([f"/2019/01/{slug}.html", f"/2020/12/{slug}.html", None, "/p/x.html"])),
        "page": draw(st.sampled_from([f"/p/{slug}.html", None])),
    }.get(kind)
    return Item(
        kind=kind,
        number=number,
        title=draw(TEXT),
        html=draw(body()),
        published=draw(DATES),
        path=path,
        labels=draw(st.lists(LABELS, max_size=4)),
        author=draw(AUTHORS),
        draft=draw(st.booleans()) and draw(st.booleans()),
        post=draw(st.none() | NUMBERS) if kind == "comment" else None,
        parent=draw(st.none() | NUMBERS) if kind == "comment" else None,
    )


EXPORTS = st.lists(item(), max_size=14)


def import_export(site: Path, items: list[Item], **options) -> dict:
    export = site.parent / "export.xml"
    export.write_text(classic(items), encoding="utf-8")
    opts = importer.Options(export=export, out=site / "legacy", authors=dict(AUTHOR_KEYS), **options)
    report, _, _ = importer.run(opts, load_rules(site), LEGACY_URL)
    return report


def comment_blocks(text: str) -> list:
    blocks = re.findall(r"^```\{archived-comments\}\n(.*?)^```$", text, re.S | re.M)
    return [yaml.safe_load(block) for block in blocks]


def walk(comments: list) -> list[dict]:
    out, stack = [], list(reversed(comments))
    while stack:
        comment = stack.pop()
        out.append(comment)
        stack.extend(reversed(comment.get("replies", [])))
    return out


def myst_warnings(text: str) -> str:
    """What MyST's docutils parser warns about in the body (front matter and comments aside)."""
    body = "\n".join(frontmatter.split(text).body)
    body = re.sub(r"^```\{archived-comments\}\n.*?^```$", "", body, flags=re.S | re.M)
    stream = io.StringIO()
    publish_doctree(body, parser=MystParser(), settings_overrides={
        "myst_enable_extensions": ["colon_fence", "deflist"], "myst_heading_anchors": 3,
        "myst_url_schemes": ["http", "https", "mailto", "site"],
        "report_level": 2, "halt_level": 5, "warning_stream": stream})
    # Links to other posts are Sphinx's to resolve (the -W build test does): not docutils'.
    return re.sub(r'.*Unknown target name: "[^"]*\.md(?:#[^"]*)?"\.\n', "", stream.getvalue())


def assert_lossless_and_valid(site: Path, items: list[Item], report: dict) -> None:
    read = Counter(i.kind for i in items)
    for kind in ("post", "page", "comment"):
        line = report["accounting"][kind]
        assert line["read"] == read[kind], (kind, line)
        assert line["read"] == line["written"] + line["reported"], (kind, line, report["not_imported"])
    assert report["unaccounted"] == {}
    not_content = sum(n for kind, n in read.items() if kind not in ("post", "page", "comment"))
    assert sum(i["kind"] not in ("post", "page", "comment") for i in report["not_imported"]) == not_content
    skipped = sum(report["skipped"].values())  # drafts and trashed entries: left out by design, counted
    reported = sum(line["reported"] for line in report["accounting"].values())
    assert reported == skipped + len(report["not_imported"]) - not_content
    if report["not_imported"]:
        assert importer.exit_status(report) == 1
    written_comments = 0
    for path in sorted((site / "legacy").rglob("*.md")):
        if path.name == "index.md":
            continue
        text = path.read_text(encoding="utf-8")
        for block in comment_blocks(text):
            thread = walk(block)
            written_comments += len(thread)
            ids = [c["id"] for c in thread]
            assert len(ids) == len(set(ids)), path
            assert all("body" in c or c.get("removed") for c in thread), path
        assert myst_warnings(text) == "", (path, text)
    assert written_comments == report["written"]["comments"]
    problems = check_site(load_rules(site)).problems
    assert problems == [], [str(p) for p in problems]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                                   HealthCheck.data_too_large])
@given(items=EXPORTS)
def test_every_item_is_written_or_reported_and_the_output_is_valid(tmp_path_factory, items):
    site = tmp_path_factory.mktemp("prop") / "site"
    shutil.copytree(ROOT, site)
    report = import_export(site, items)
    assert_lossless_and_valid(site, items, report)


THREAD_SHAPES = st.lists(st.tuples(st.integers(2, 30), st.none() | st.integers(1, 30)), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(shape=THREAD_SHAPES)
@example(shape=[(2, 3), (3, 2), (4, 4), (5, 6), (6, 5), (7, None), (8, 7)])  # cycles, a self-reply, a chain
def test_any_thread_shape_keeps_every_comment(tmp_path_factory, shape):
    """Replies to missing comments, to themselves, in cycles, in long chains: all shown, once."""
    site = tmp_path_factory.mktemp("thread") / "site"
    shutil.copytree(ROOT, site)
    items = [Item("post", "1", title="Thread", html="<p>x</p>", path="/2019/01/thread.html")]
    items += [Item("comment", str(n), html=f"<p>comment {n}</p>", post="1",
                   parent=None if parent is None else str(parent)) for n, parent in shape]
    report = import_export(site, items)
    assert_lossless_and_valid(site, items, report)
    unique = {str(n) for n, _ in shape}
    assert report["written"]["comments"] == len(unique)
    [thread] = comment_blocks((site / "legacy/2019/01/thread.md").read_text())
    assert {c["id"] for c in walk(thread)} == unique


HOSTILE_MIX = [
    Item("post", "1", title="(x)= $$ [^a] {note}`b` --- # C++ <i>", path="/2019/01/t1.html",
         labels=["C++", "c++", "a,b", "OpenStack", "openstack"],
         html="<h4>four</h4><h2>two</h2><h6>six</h6><ul><li><h3>in a list</h3></li></ul><blockquote><h2>q</h2>"
              "</blockquote><p>(label)=</p><p>---</p><p>$$ x $$ [^1] {ref}`x` :::{note}</p>"
              "<a href='#nowhere'>frag</a> <a href='/2019/01/t2.html#c4'>c4</a>"
              "<pre class='brush: nosuchlanguage'>x</pre><pre class='lang-json'>{oops</pre>"
              + "<div>" * 300 + "deep" + "</div>" * 300 + "<ul><li>" * 40 + "list" + "</li></ul>" * 40),
    Item("post", "2", title="Same", path="/2019/01/t2.html", html="<h3>A</h3><h3>A</h3><p>dup headings</p>"),
    Item("post", "3", title="Same", path="/2019/01/t2.html", html="<p>same url</p>"),
    Item("post", "4", title="c4 — \u202eRTL🙂", path="/2020/02/same.html", html="<p>c4</p>"),
    Item("page", "5", title="About", path="/p/about.html", html="<h5>x</h5>"),
    Item("page", "6", title="About", path="/p/about.html", html="<p>again</p>"),
    Item("comment", "4", post="1", html="<p>duplicate id</p>"),
    Item("comment", "10", post="2", parent="11", html="<p>cycle a</p>"),
    Item("comment", "11", post="2", parent="10", html="<p>cycle b</p>"),
    Item("comment", "12", post="2", parent="12", html="<script>x</script>"),
    Item("comment", "13", post="5", html="<h1>on a page</h1>"),
    Item("comment", "14", post="99", html="<p>no such post</p>"),
    Item("comment", "15", html="<p>no post at all</p>"),
    *[Item("comment", str(100 + n), post="1", parent=str(99 + n) if n else None, html=f"<p>{n}</p>")
      for n in range(60)],
    Item("weird", "16", html="?"),
    Item("post", "17", title="no date", published="", path="/2019/01/nodate.html"),
]


@pytest.mark.slow
def test_a_hostile_varied_import_builds_with_W(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT, site)
    report = import_export(site, HOSTILE_MIX)
    assert_lossless_and_valid(site, HOSTILE_MIX, report)
    assert importer.exit_status(report) == 1  # some entries could not be imported, and say so
    build = sphinx_build(site, site / "_build/html", site / "_build/doctrees")
    assert build.returncode == 0, build.output
    page = (site / "_build/html/legacy/2019/01/t1.html").read_text()
    assert "deep" in page and "list" in page
