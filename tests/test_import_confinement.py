"""What the Blogger importer derives from an export stays confined: file
names are portable and under --out, redirect rows cannot add a line, a field
or a directive to the CSV, the nginx map or _redirects, the build refuses a
redirect that would replace a page of the site or leave the output, and an
interrupted import is repaired by the next run."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sphinx.errors import ConfigError

from conftest import REPO, sphinx_build
from techblog import atomic
from techblog.legacy import importer
from techblog.legacy.links import path_problem, post_path
from techblog.tools.cli import load_rules
from techblog.legacy.redirects import static_redirects

ROOT = REPO / "tests" / "roots" / "test-legacy-import"
CLASSIC = REPO / "tests" / "fixtures" / "blogger" / "classic-small.xml"
BLOG = "1111222233334444555"
BLOG_URL = "https://small-test-blog.blogspot.com/"
AUTHORS = {"Riley Example": "alice", "Sam Tester": "bruno", "Olive Owner": "chiara"}
KIND = "http://schemas.google.com/blogger/2008/kind#"

HOSTILE_LABELS = [
    "../../x", "..", ".", "index", "CON", 'a"; return 301 http://evil.example/; #', "line\nbreak",
    "%0a", "%2e%2e", "~re.*", "back\\slash", "/abs/path", "Node.js", "C$ {x}", "é" * 80 + "x",
    "del\x7fete", "zero\u200bwidth",  # control characters, kept in the tag's name
    "OpenStack", "openstack",  # one tag (same page), one row
]
HOSTILE_URLS = [
    "/2020/01/CON.html", "/2020/01/nul.txt.html", "/2020/01/.hidden.html", "/2020/01/%2e%2e.html",
    "/2020/01/Case.html", "/2020/01/case.html", "/2020/01/..%2f..%2f..%2fescape.html",
    "/2020/02/" + "a" * 300 + ".html", "/2020/02/a%0Ab.html", "/2020/02/back\\slash.html",
    "/2020/02/%E6%97%A5%E6%9C%AC.html", "/2020/03/index.html",
]
PORTABLE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
DEVICE = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?", re.IGNORECASE)
# One line of the nginx map: a double-quoted key (\" and \\ escaped) and a written path.
NGINX_LINE = re.compile(r'"((?:[^"\\\n]|\\["\\])*)" (/[A-Za-z0-9._~%/-]*);')


def export(items: list[dict]) -> str:
    """A classic Blogger export of posts and pages: dicts of number, kind, url, title, labels."""
    entries = []
    for n, item in enumerate(items):
        labels = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term={quoteattr(label)}/>"
                         for label in item.get("labels", []))
        entries.append(
            f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.post-{item['number']}</id>"
            f"<published>2020-0{1 + n % 9}-1{n % 10}T10:00:00.000+01:00</published>"
            f"<updated>2020-0{1 + n % 9}-1{n % 10}T10:00:00.000+01:00</updated>"
            f"<category scheme='http://schemas.google.com/g/2005#kind' "
            f"term='{KIND}{item.get('kind', 'post')}'/>"
            f"{labels}<title type='text'>{escape(item['title'])}</title>"
            f"<content type='html'>{escape('<p>' + item.get('body', 'Some text.') + '</p>')}</content>"
            f"<link rel='alternate' type='text/html' href={quoteattr(BLOG_URL.rstrip('/') + item['url'])}/>"
            f"<author><name>Riley Example</name></author></entry>")
    return (f"<?xml version='1.0' encoding='UTF-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<id>tag:blogger.com,1999:blog-{BLOG}</id><title type='text'>Small test blog</title>"
            f"<link rel='alternate' type='text/html' href='{BLOG_URL}'/>"
            f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.settings.BLOG_TIME_ZONE</id>"
            f"<published>2019-01-15T09:20:00.000-05:00</published>"
            f"<category scheme='http://schemas.google.com/g/2005#kind' term='{KIND}settings'/>"
            f"<title type='text'>BLOG_TIME_ZONE</title><content type='text'>Europe/Zurich</content></entry>"
            + "\n".join(entries) + "</feed>\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    target = tmp_path / "site"
    shutil.copytree(ROOT, target)
    return target


def run_import(site: Path, export_file: Path, **options) -> tuple[dict, list[str]]:
    opts = importer.Options(export=export_file, out=site / "legacy", authors=AUTHORS, blog_url=BLOG_URL,
                            **options)
    report, changes, _ = importer.run(opts, load_rules(site), BLOG_URL)
    return report, changes


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def hostile(site: Path, tmp_path: Path) -> tuple[Path, dict]:
    items = [{"number": str(100 + n), "url": url, "title": f"Post {n}",
              "labels": HOSTILE_LABELS if n == 0 else []} for n, url in enumerate(HOSTILE_URLS)]
    items += [{"number": "900", "kind": "page", "url": "/p/CON.html", "title": "A page"},
              {"number": "901", "kind": "page", "url": "/p/con.html", "title": "Another page"},
              {"number": "902", "kind": "page", "url": "/index.html", "title": "Home"},
              {"number": "903", "kind": "page", "url": "/p/..%2f..%2findex.html", "title": "Up"},
              {"number": "904", "kind": "page", "url": "~.*", "title": "Regex"}]
    path = tmp_path / "hostile-export.xml"
    path.write_text(export(items), encoding="utf-8")
    before = files(tmp_path)
    report, _ = run_import(site, path)
    return site, {"report": report, "before": before}


@pytest.mark.parametrize("slug", [
    "../../x", "..", ".hidden", "CON", "con.txt", "Aux.tar.gz", "LPT9", "com1", "a\\b", "a/b", "%2e%2e",
    "日本語", "x" * 300, "é" * 300, "trailing.", " spaced out ", "",
])
def test_file_names_from_the_export_are_portable(slug):
    name = importer._safe(slug)
    assert PORTABLE.fullmatch(name), name
    assert not name.endswith(".") and not DEVICE.fullmatch(name), name
    assert len(name.encode()) + len("-2016-05-999.md") <= importer.MAX_NAME


def test_hostile_names_stay_under_out_and_are_portable(hostile, tmp_path):
    site, run = hostile
    legacy = site / "legacy"
    # Nothing new anywhere but under --out.
    after = files(tmp_path)
    new = [rel for rel in after if rel not in run["before"]]
    assert new and all(rel.startswith("site/legacy/") for rel in new), new
    assert not (site / "index.html").exists() and not (tmp_path / "x").exists()
    seen: dict[str, set[str]] = {}
    for path in legacy.rglob("*"):
        rel = path.relative_to(legacy)
        for part in rel.parts:
            assert PORTABLE.fullmatch(part) and not DEVICE.fullmatch(part), rel
            assert len(part.encode()) <= importer.MAX_NAME, rel
        folder = seen.setdefault(str(rel.parent), set())
        assert rel.name.casefold() not in folder, f"case-only collision: {rel}"
        folder.add(rel.name.casefold())
    names = {p.relative_to(legacy).as_posix() for p in legacy.rglob("*.md")}
    assert {"2020/01/CON_.md", "2020/01/nul_.txt.md", "2020/01/hidden.md", "pages/CON_.md"} <= names, names
    # The later of two names differing only in case is renamed and reported, like a slug collision.
    slugs = run["report"]["collisions"]["slugs"]
    assert slugs["/2020/01/case.html"]["renamed_to"] == "2020/01/case-2020-01.md", slugs
    assert slugs["/p/con.html"]["renamed_to"] == "pages/con_-2.md", slugs


def read_rows(legacy: Path) -> list[list[str]]:
    text = (legacy / "redirects.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(text.splitlines())  # one row a line: no quoted line breaks
    return rows


def test_hostile_redirect_rows_are_encoded_or_refused_and_reported(hostile):
    site, run = hostile
    legacy = site / "legacy"
    header, *rows = read_rows(legacy)
    assert header == ["old_path", "new_path"]
    assert all(len(row) == 2 and path_problem(row[0]) is None and path_problem(row[1]) is None
               for row in rows)
    assert len({unquote(old).casefold() for old, _ in rows}) == len(rows)
    # The CSV parses back to the rows it was written from.
    again = io.StringIO()
    csv.writer(again, lineterminator="\n").writerows([header, *rows])
    assert again.getvalue() == (legacy / "redirects.csv").read_text(encoding="utf-8")
    olds = {old for old, _ in rows}
    assert "/search/label/a%22%3B%20return%20301%20http%3A%2F%2Fevil.example%2F%3B%20%23" in olds
    assert "/search/label/..%2F..%2Fx" in olds and "/search/label/~re.%2A" in olds
    for old, new in rows:
        assert new.startswith("/") and not new.startswith("//") and ":" not in new
    # Refused, never dropped silently: dot segments, control characters, other
    # shapes, case-only twins, too long.
    refused = {row["old_path"]: row["reason"] for row in run["report"]["redirects_refused"]}
    assert {"/search/label/zero%E2%80%8Bwidth", "/index.html",
            "/p/../../index.html", "/", "/2020/01/case.html", "/2020/02/a%0Ab.html",
            "/2020/02/" + "a" * 300 + ".html"} <= set(refused), refused
    assert "/search/label/" + "%C3%A9" * 80 + "x" in refused
    # A DEL in a label is taken out when the export is read (the contract refuses
    # control characters in tags), and that is reported too.
    assert "/search/label/delete" in olds
    assert any("control or bidi characters removed from the labels" in item["what"]
               for item in run["report"]["limits"]), run["report"]["limits"]
    assert importer.exit_status(run["report"]) == 1
    summary = importer.summary(run["report"], [], [], dry_run=False)
    assert "redirect NOT written: /index.html -> /legacy/pages/home.html (not the address of an" in summary
    assert "redirect NOT written: /2020/01/case.html" in summary


def test_the_nginx_map_has_one_quoted_key_value_line_per_row(hostile):
    site, _ = hostile
    legacy = site / "legacy"
    _, *rows = read_rows(legacy)
    lines = (legacy / "redirects.nginx.map").read_text(encoding="utf-8").split("\n")
    assert lines[0].startswith("# ") and lines[-1] == ""
    entries = []
    for line in lines[1:-1]:
        match = NGINX_LINE.fullmatch(line)
        assert match, line
        key = re.sub(r"\\(.)", r"\1", match[1])
        assert not key.startswith(("~", "\\")) and key.startswith("/"), line
        entries.append((key, match[2]))
    # nginx compares the decoded $uri: the key is the row's old path, decoded.
    assert entries == [(unquote(old), new) for old, new in rows]
    evil = ('/search/label/a"; return 301 http://evil.example/; #',
            "/blog/tag/a-return-301-httpevilexample.html")
    assert evil in entries
    netlify = (legacy / "_redirects").read_text(encoding="utf-8").splitlines()
    assert [line.split(" ") for line in netlify] == [[old, new, "301"] for old, new in rows]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=6),
       st.lists(st.text(min_size=1, max_size=30), max_size=4))
def test_any_label_or_url_gives_one_safe_row_a_line_in_every_redirect_file(labels, slugs):
    """Whatever the labels and post addresses, each redirect file has one line
    per row, in its own syntax, and the build takes the CSV; the rest is reported."""
    maker = importer.Importer.__new__(importer.Importer)
    maker.o = importer.Options(export=Path("x.xml"), out=Path("/site/legacy"))
    maker.rules = SimpleNamespace(srcdir=Path("/site"), blog_path="blog", tag_path="blog/tag")
    maker.tags = {label: label for label in labels}
    maker.report = {}
    planned = [importer.Planned(None, f"/2020/01/{slug}.html", f"2020/01/{importer._safe(slug)}-{n}.md")
               for n, slug in enumerate(slugs)]
    text = maker._redirects_csv(planned)
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) + 1 == len(text.splitlines()) and all(len(row) == 2 for row in rows)
    assert all(path_problem(old) is None and path_problem(new) is None for old, new in rows)
    nginx = maker._nginx_map(planned).split("\n")[1:-1]
    assert [(re.sub(r"\\(.)", r"\1", m[1]), m[2]) for m in map(NGINX_LINE.fullmatch, nginx)] == [
        (unquote(old), new) for old, new in rows]
    netlify = maker._netlify(planned).splitlines()
    assert [line.split(" ") for line in netlify] == [[old, new, "301"] for old, new in rows]
    # Every row is written or reported: posts, their month, three per label (its page, its full and
    # summary feeds), the blog's four feed addresses.
    months = {p.old_path[:9] for p in planned if post_path(p.old_path)}
    tags = {label for label in labels if importer.slugify(label)}
    refused = maker.report["redirects_refused"]
    assert len(rows) + len(refused) == len(planned) + len(months) + 3 * len(tags) + 4
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "redirects.csv").write_text(text, encoding="utf-8")
        static_redirects(Path(folder) / "redirects.csv", ["index", "posts", "legacy", "blog"])


def test_the_build_accepts_the_importers_hostile_map(hostile):
    site, _ = hostile
    pages = static_redirects(site / "legacy" / "redirects.csv", ["index", "posts", "legacy", "blog"])
    assert pages and all("/" in page and not page.startswith(("/", ".", "_")) for page in pages)
    assert pages["search/label/Node.js.html"] == "/blog/tag/nodejs.html"  # not search/label/Node.html


def write_csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "redirects.csv"
    head = "old_path,new_path\n/2016/05/fine.html,/legacy/2016/05/fine.html\n"
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("row", "field", "why"), [
    ("/index.html,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/genindex.html,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/posts/2021/x.html,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/Legacy/2016/05/x.html,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/blog/tag/x.html,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/_static/x.js,/legacy/x.html", "old_path", "would replace a page of the site"),
    ("/2016/05/../../index.html,/legacy/x.html", "old_path", "'..' segment"),
    ("/2016/%2e%2e/%2E%2E/x.html,/legacy/x.html", "old_path", "'..' segment"),
    ("//etc/x.html,/legacy/x.html", "old_path", "single '/'"),
    ("2016/05/x.html,/legacy/x.html", "old_path", "single '/'"),
    ("/2016/05/a\\b.html,/legacy/x.html", "old_path", "not allowed"),
    ("/2016/05/a*.html,/legacy/x.html", "old_path", "not allowed"),
    ("/2016/05/x.html,../x.html", "new_path", "single '/'"),
    ("/2016/05/x.html,/legacy/../../x.html", "new_path", "'..' segment"),
    ("/2016/05/x.html,//evil.example/x", "new_path", "single '/'"),
    ("/2016/05/x.html,https://evil.example/", "new_path", "single '/'"),
    ('/2016/05/x.html,"/x"";alert(1);//"', "new_path", "not allowed"),
    ("/2016/05/x.html,/x%0a", "new_path", "control or line-breaking"),
    ("/2016/05/fine.html,/legacy/other.html", "old_path", "also line 2"),
    ("/2016/05/FINE.html,/legacy/other.html", "old_path", "also line 2"),
])
def test_the_build_refuses_a_row_that_leaves_the_output_or_replaces_a_page(tmp_path, row, field, why):
    path = write_csv(tmp_path, "/2016/06/fine.html,/legacy/2016/06/fine.html", row)
    with pytest.raises(ConfigError) as error:
        static_redirects(path, ["index", "posts", "legacy", "blog", "conf"])
    assert str(error.value).startswith(f"{path}:4: {field} ") and why in str(error.value), str(error.value)


def test_the_build_refuses_a_nul_byte_naming_the_line(tmp_path):
    path = write_csv(tmp_path, "/2016/05/a\x00b.html,/legacy/x.html")
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}:3: "):
        static_redirects(path, [])


def test_a_site_build_stops_on_a_redirect_over_its_home_page(site):
    (site / "legacy" / "redirects.csv").write_text(
        "old_path,new_path\n/2016/05/x.html,/legacy/index.html\n/index.html,/legacy/index.html\n",
        encoding="utf-8")
    build = sphinx_build(site, site / "_build/html", site / "_build/doctrees")
    assert build.returncode != 0
    assert ("legacy/redirects.csv:3: old_path '/index.html': its redirect page index.html would replace"
            in build.output)
    assert "Traceback" not in build.output


# -- interrupted runs ------------------------------------------------------------------


def interrupt_after(monkeypatch, writes: int) -> list[str]:
    """Make the importer's writes fail like a Ctrl-C after ``writes`` files (the journal counts)."""
    done: list[str] = []
    real = atomic.write_text

    def write_text(path, text, encoding="utf-8"):
        if len(done) == writes:
            raise KeyboardInterrupt
        real(path, text, encoding)
        done.append(Path(path).name)

    monkeypatch.setattr(atomic, "write_text", write_text)
    return done


def changed_export(tmp_path: Path, change: str) -> Path:
    """The classic export with every post and page changed."""
    path = tmp_path / f"{change}.xml"
    path.write_text(CLASSIC.read_text(encoding="utf-8").replace("&lt;/div&gt;", f" ({change})&lt;/div&gt;"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("first_import", [True, False])
def test_a_run_killed_between_two_files_is_finished_by_the_next(site, tmp_path, monkeypatch, first_import):
    """Killed while writing one export, the next run (of a newer export) still
    knows the files written so far as the importer's, not as edited by hand."""
    legacy = site / "legacy"
    killed, newer = changed_export(tmp_path, "changed"), changed_export(tmp_path, "changed again")
    clean = tmp_path / "clean"
    shutil.copytree(ROOT, clean)
    run_import(clean, newer)
    if not first_import:
        run_import(site, CLASSIC)
    done = interrupt_after(monkeypatch, 4)  # the journal, then three files; no report
    with pytest.raises(KeyboardInterrupt):
        run_import(site, killed)
    monkeypatch.undo()
    assert len(done) == 4 and done[0] == "import-report.json" and not list(legacy.rglob(".*.tmp"))
    report, changes = run_import(site, newer)
    assert report["edited_by_hand"] == [], report["edited_by_hand"]
    assert files(legacy) == files(clean / "legacy")
    assert "pending" not in json.loads((legacy / "import-report.json").read_text())


def test_a_file_cut_short_by_an_old_non_atomic_run_is_repaired_but_hand_edits_are_kept(site):
    legacy = site / "legacy"
    run_import(site, CLASSIC)
    whole = files(legacy)
    cut, emptied, edited, shortened = (legacy / rel for rel in [
        "2019/01/hello-small-blog.md", "2019/04/keeping-openstack-highly-available.md",
        "2019/06/quotas-flavours-resume.md", "pages/about.md"])
    data = cut.read_bytes()
    cut.write_bytes(data[: data.index(b"\n", 100) - 3])  # mid-line, as a write cut short leaves it
    emptied.write_bytes(b"")
    edited.write_bytes(edited.read_bytes() + b"A note added by hand.\n")
    # Deleting the end of a file by hand leaves whole lines: an edit, not a cut.
    text = shortened.read_bytes()
    shortened.write_bytes(text[: text.rindex(b"\n", 0, len(text) - 1) + 1])
    report, changes = run_import(site, CLASSIC)
    assert sorted(changes) == ["2019/01/hello-small-blog.md", "2019/04/keeping-openstack-highly-available.md"]
    assert sorted(report["edited_by_hand"]) == ["2019/06/quotas-flavours-resume.md", "pages/about.md"]
    for rel in changes:
        assert (legacy / rel).read_bytes() == whole[rel]


def test_a_symbolic_link_leading_out_of_out_is_refused(site, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "legacy" / "2019").symlink_to(outside, target_is_directory=True)
    with pytest.raises(importer.UnusableExport, match="not inside --out"):
        run_import(site, CLASSIC)
    assert not any(outside.iterdir())


def test_every_importer_write_is_atomic(site, monkeypatch):
    written: list[str] = []
    real = atomic.write_text
    monkeypatch.setattr(atomic, "write_text", lambda path, text, encoding="utf-8": (
        written.append(Path(path).relative_to(site / "legacy").as_posix()), real(path, text, encoding)))
    opened = []
    real_open = Path.open

    def no_direct_writes(self, mode="r", *args, **kwargs):
        if "w" in mode or "a" in mode:
            opened.append(str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", no_direct_writes)
    run_import(site, CLASSIC)
    assert opened == []
    assert set(written) == set(files(site / "legacy")) - set(files(ROOT / "legacy"))
    assert written.count("import-report.json") == 2  # the journal, then the report
