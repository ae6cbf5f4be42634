"""The Blogger importer's limits: each one, when an export exceeds it, gives a
clear message naming the export, the item and the limit, or a handled result
reported as such - never a traceback, a crash or output that grows out of bounds."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from blogger_exports import AUTHOR_KEYS, Item, classic
from conftest import REPO, sphinx_build
from techblog.legacy import importer, parse
from techblog.legacy.markdown import MAX_BLOCK_DEPTH, MAX_HTML_DEPTH
from techblog.legacy.parse import UnusableExport
from techblog.tools.cli import load_rules
from techblog.posts.contract import check_site

ROOT = REPO / "tests" / "roots" / "test-legacy-import"
LEGACY_URL = "https://small-test-blog.blogspot.com/"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    target = tmp_path / "site"
    shutil.copytree(ROOT, target)
    return target


def post(html: str = "<p>x</p>", **fields) -> Item:
    return Item("post", fields.pop("number", "1"), title=fields.pop("title", "A post"), html=html,
                path=fields.pop("path", "/2019/01/a-post.html"), **fields)


def run(site: Path, items: list[Item] | None = None, export: Path | None = None) -> dict:
    if export is None:
        export = site.parent / "export.xml"
        export.write_text(classic(items or []), encoding="utf-8")
    options = importer.Options(export=export, out=site / "legacy", authors=dict(AUTHOR_KEYS))
    report, _, _ = importer.run(options, load_rules(site), LEGACY_URL)
    return report


def cli(site: Path, export: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "techblog", "--root", str(site), "import-blogger", str(export),
         *[f"--author={name}={key}" for name, key in AUTHOR_KEYS.items()]],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


def output_size(site: Path) -> int:
    return sum(p.stat().st_size for p in (site / "legacy").rglob("*") if p.is_file())


def assert_valid(site: Path) -> None:
    problems = check_site(load_rules(site)).problems
    assert problems == [], [str(p) for p in problems]


# -- HTML nesting ---------------------------------------------------------------------


@pytest.mark.parametrize("element", ["div", "b", "blockquote", "ul><li", "table><tr><td",
                                     pytest.param("ol><li><blockquote", marks=pytest.mark.slow)])
def test_html_nested_10000_deep_is_flattened_and_reported(site, element):
    opening = "".join(f"<{name}>" for name in element.split("><"))
    closing = "".join(f"</{name}>" for name in reversed(element.split("><")))
    started = time.perf_counter()
    report = run(site, [post(opening * 10_000 + "innermost words" + closing * 10_000)])
    assert time.perf_counter() - started < 60
    assert report["written"]["posts"] == 1
    [note] = report["limits"]
    assert note["id"] == "1" and f"MAX_HTML_DEPTH = {MAX_HTML_DEPTH}" in note["limit"]
    assert importer.exit_status(report) == 1
    text = (site / "legacy/2019/01/a-post.md").read_text()
    assert "innermost words" in text
    assert output_size(site) < 200_000  # the words of 10,000 elements, not 10,000 levels of indentation
    assert_valid(site)


def test_lists_nested_past_what_myst_reads_become_paragraphs():
    from markdown_it import MarkdownIt

    from techblog.legacy.markdown import to_myst

    depth = MAX_BLOCK_DEPTH + 6
    conversion = to_myst("<ul><li>item" * depth + " deepest" + "</li></ul>" * depth)
    # MyST (markdown-it, CommonMark preset) drops what is nested more than 20 levels deep.
    assert "deepest" in MarkdownIt("commonmark").render(conversion.text)
    assert conversion.flattened > 0


# -- comment threads --------------------------------------------------------------------


@pytest.mark.slow
def test_a_10000_deep_comment_thread_is_kept_whole_and_bounded(site):
    chain = [Item("comment", str(100 + n), post="1", parent=str(99 + n) if n else None, html=f"<p>reply {n}</p>")
             for n in range(10_000)]
    started = time.perf_counter()
    report = run(site, [post(), *chain])
    assert time.perf_counter() - started < 60
    assert report["written"]["comments"] == 10_000
    assert report["accounting"]["comment"] == {"read": 10_000, "written": 10_000, "reported": 0}
    [note] = report["limits"]
    assert note["limit"] == f"MAX_COMMENT_DEPTH = {importer.MAX_COMMENT_DEPTH}" and "10000" not in note["what"]
    text = (site / "legacy/2019/01/a-post.md").read_text()
    indent = max(len(line) - len(line.lstrip(" -")) for line in text.splitlines())
    assert indent <= 2 * importer.MAX_COMMENT_DEPTH + 2
    assert output_size(site) < 10_000 * 250  # linear in the comments, not quadratic
    assert "reply 9999" in text
    assert_valid(site)


@pytest.mark.slow
def test_deeply_nested_archived_comments_fail_the_build_with_a_message(site):
    """A thread written by hand past the directive's depth: an error naming the post, not a crash."""
    depth = 3000
    nested = "[" * depth + "]" * depth
    (site / "legacy/2019/01").mkdir(parents=True)
    (site / "legacy/2019/01/deep.md").write_text(
        "---\ndate: 2019-01-15\nauthor: alice\ncategory: legacy\n---\n\n# Deep\n\nText.\n\n"
        f"```{{archived-comments}}\n{nested}\n```\n")
    build = sphinx_build(site, site / "_build/html", site / "_build/doctrees")
    assert build.returncode != 0
    assert "deep.md" in build.output and "nested too deeply" in build.output, build.output[-3000:]
    assert "Traceback" not in build.output and "RecursionError" not in build.output


# -- counts and lengths -----------------------------------------------------------------


def test_thousands_of_labels_keep_the_first_limit_and_report_the_rest(site):
    labels = [f"label {n}" for n in range(5_000)] + ["x" * 1_000]
    report = run(site, [post(labels=labels)])
    text = (site / "legacy/2019/01/a-post.md").read_text()
    assert f"- label {parse.MAX_LABELS - 1}\n" in text and f"- label {parse.MAX_LABELS}\n" not in text
    limits = {note["limit"] for note in report["limits"]}
    assert limits == {f"MAX_LABELS = {parse.MAX_LABELS}", f"MAX_LABEL_LENGTH = {parse.MAX_LABEL_LENGTH}"}
    assert importer.exit_status(report) == 1
    redirects = (site / "legacy/redirects.csv").read_text().splitlines()
    assert len(redirects) < 4 * parse.MAX_LABELS
    assert_valid(site)


def test_a_huge_title_is_cut_to_what_check_accepts(site):
    report = run(site, [post(title="[x]* " * 5_000)])
    assert report["written"]["posts"] == 1 and report["limits"]
    assert_valid(site)


def test_too_many_entries_is_refused_with_the_limit(site, monkeypatch):
    monkeypatch.setattr(parse, "MAX_ENTRIES", 5)
    with pytest.raises(UnusableExport, match=r"export.xml: 7 entries, more than the limit of 5"):
        run(site, [post(number=str(n), path=f"/2019/01/p{n}.html") for n in range(5)])


# -- the Takeout .zip --------------------------------------------------------------------


def takeout(tmp_path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    archive = tmp_path / "takeout.zip"
    with zipfile.ZipFile(archive, "w", compression=compression) as out:
        for name, data in members.items():
            out.writestr(name, data)
    return archive


FEED = "Takeout/Blogger/Blogs/Small test blog/feed.atom"


def test_a_zip_bomb_is_refused_before_it_is_expanded(site, tmp_path):
    archive = takeout(tmp_path, {FEED: b" " * (64 * 1024 * 1024)})  # 64 MiB of spaces in ~64 KiB
    assert archive.stat().st_size < 1024 * 1024
    started = time.perf_counter()
    result = cli(site, archive)
    assert time.perf_counter() - started < 20
    assert result.returncode == 2
    assert "takeout.zip" in result.stderr and f"limit of {parse.MAX_ZIP_RATIO}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (site / "legacy" / "import-report.json").exists()


@pytest.mark.parametrize(("limit", "value", "message"), [
    ("MAX_ZIP_MEMBER", 1_000, "more than the limit of 1000"),
    ("MAX_ZIP_TOTAL", 1_000, "expands to"),
    ("MAX_ZIP_MEMBERS", 2, "more than the limit of 2"),
])
def test_zip_limits(site, tmp_path, monkeypatch, limit, value, message):
    monkeypatch.setattr(parse, limit, value)
    feed = classic([post()]).encode()
    archive = takeout(tmp_path, {FEED: feed, "Takeout/a.txt": b"a", "Takeout/b.txt": b"b"})
    with pytest.raises(UnusableExport, match=message):
        run(site, export=archive)


def test_zip_members_that_climb_out_are_never_the_feed(site, tmp_path):
    only_outside = takeout(tmp_path, {"../../feed.atom": classic([post()]).encode()})
    with pytest.raises(UnusableExport, match="without a Blogger feed.atom"):
        run(site, export=only_outside)
    (tmp_path / "b").mkdir()
    both = takeout(tmp_path / "b", {"../evil/feed.atom": b"<not-xml", "/abs/feed.atom": b"<not-xml",
                                    FEED: classic([post()]).encode()})
    report = run(site, export=both)
    assert report["written"]["posts"] == 1
    assert not (tmp_path / "evil").exists() and not (tmp_path.parent / "evil").exists()


# -- what is read but cannot be imported ----------------------------------------------------


def test_entries_without_date_or_id_and_unknown_kinds_are_reported_not_fatal(site):
    items = [post(), post(number="2", path="/2019/01/b.html", published="someday"),
             Item("weird", "3"), post(number="1", path="/2019/01/dup.html", title="Duplicate id"),
             Item("comment", "4", html="<p>no post</p>"), Item("comment", "5", post="77", html="<p>lost post</p>")]
    report = run(site, items)
    reasons = {(i["kind"], i["id"]): i["reason"] for i in report["not_imported"]}
    assert "<published> is 'someday'" in reasons[("post", "2")]
    assert "kind 'weird'" in reasons[("weird", "3")]
    assert "used by an earlier entry" in reasons[("post", "1")]
    assert "names no post" in reasons[("comment", "4")]
    assert reasons[("comment", "5")] == "a comment on post 77, which is not in the export"
    assert report["accounting"] == {"post": {"read": 3, "written": 1, "reported": 2},
                                    "page": {"read": 0, "written": 0, "reported": 0},
                                    "comment": {"read": 2, "written": 0, "reported": 2}}
    assert importer.exit_status(report) == 1
    summary = importer.summary(report, [], [], dry_run=False)
    assert "read = written + reported: posts 3 = 1 + 2" in summary
    assert "NOT imported: weird 3: an entry of kind 'weird'" in summary
    saved = json.loads((site / "legacy/import-report.json").read_text())
    assert saved["accounting"] == report["accounting"]
