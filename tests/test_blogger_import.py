"""The Blogger importer end to end: both export formats, hostile input,
re-runs, collisions, and a -W build of a site holding the imported posts."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, sphinx_build
from hostile import feed_problems, html_problems
from techblog.legacy.images import Images, largest_variant
from techblog.tools.cli import load_rules
from techblog.posts.contract import check_site

FIXTURES = REPO / "tests" / "fixtures" / "blogger"
CLASSIC = FIXTURES / "classic-small.xml"
TAKEOUT_DIR = FIXTURES / "takeout-small"
ROOT = REPO / "tests" / "roots" / "test-legacy-import"
AUTHORS = ["--author", "Riley Example=alice", "--author", "Sam Tester=bruno", "--author", "Olive Owner=chiara"]
SMALL_POSTS = ["2019/01/hello-small-blog.md", "2019/04/keeping-openstack-highly-available.md",
               "2019/06/quotas-flavours-resume.md"]


def run_import(site: Path, export: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "techblog", "--root", str(site), "import-blogger", str(export), *AUTHORS, *options],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.fixture
def site(tmp_path: Path) -> Path:
    target = tmp_path / "site"
    shutil.copytree(ROOT, target)
    return target


def takeout_zip(tmp_path: Path) -> Path:
    archive = tmp_path / "takeout-20261124.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(TAKEOUT_DIR.rglob("*")):
            if path.is_file():
                out.write(path, path.relative_to(TAKEOUT_DIR).as_posix())
    return archive


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("fixture", "reason"), [
    ("entity-bomb.xml", "declares a DTD"),
    ("truncated.xml", "malformed XML"),
    ("not-blogger.xml", "not a Blogger export"),
    ("no-such-file.xml", "no such file"),
])
def test_unusable_input_exits_2_with_a_one_line_reason(site, fixture, reason):
    started = time.perf_counter()
    result = run_import(site, FIXTURES / fixture)
    assert result.returncode == 2
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert time.perf_counter() - started < 10  # refused, not expanded
    assert not (site / "legacy" / "import-report.json").exists()


def test_classic_export_writes_posts_pages_comments_and_a_report(site):
    result = run_import(site, CLASSIC)
    assert result.returncode == 0, result.stdout + result.stderr
    legacy = site / "legacy"
    for rel in SMALL_POSTS + ["pages/about.md", "redirects.csv", "redirects.nginx.map", "_redirects"]:
        assert (legacy / rel).is_file(), rel
    report = json.loads((legacy / "import-report.json").read_text())
    assert report["format"] == "classic"
    assert report["entries_read"] == {"comment": 5, "page": 1, "post": 4, "settings": 2, "template": 1}
    assert report["written"] == {"posts": 3, "pages": 1, "comments": 5}
    assert report["skipped"]["drafts"] == 1
    assert report["not_imported"] == [] and report["edited_by_hand"] == []
    assert report["links"]["rewritten"] >= 1
    # Every imported post passes the metadata contract.
    assert check_site(load_rules(site)).problems == []


def test_dates_keep_the_original_instant_in_the_blogs_zone(site):
    run_import(site, CLASSIC)
    text = (site / "legacy" / SMALL_POSTS[1]).read_text()
    assert "date: '2019-04-02T14:30:00.001-04:00'" in text
    assert "original_url: https://small-test-blog.blogspot.com/2019/04/keeping-openstack-highly-available.html" in text
    assert "blogger_id: '6130458892017734528'" in text
    assert re.search(r"tags:\n- OpenStack\n- High Availability\n- Zürich\n", text)


def test_comments_are_threaded_anchored_and_carry_no_email(site):
    run_import(site, CLASSIC)
    text = (site / "legacy" / SMALL_POSTS[1]).read_text()
    block = text.split("```{archived-comments}\n", 1)[1]
    assert block.index("id: '1012233445566778899'") < block.index("  replies:\n  - id: '1123344556677889900'")
    assert "    replies:\n    - id: '1234455667788990011'" in block  # third level
    assert "id: '1345566778899001122'" in block and "removed: true" in block
    assert "author_url: https://jane-doe.example.org/" in block
    for path in (site / "legacy").rglob("*"):
        if path.is_file():
            assert "jane.doe@example.org" not in path.read_text(errors="replace"), path


def test_the_takeout_zip_gives_the_same_posts_as_the_classic_export(site, tmp_path):
    run_import(site, CLASSIC)
    classic = {rel: (site / "legacy" / rel).read_text() for rel in SMALL_POSTS + ["pages/about.md"]}
    other = tmp_path / "other"
    shutil.copytree(ROOT, other)
    result = run_import(other, takeout_zip(tmp_path), "--timezone", "America/New_York",
                        "--blog-url", "https://small-test-blog.blogspot.com/")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((other / "legacy" / "import-report.json").read_text())
    assert report["format"] == "takeout"
    assert report["skipped"] == {"drafts": 1, "trashed": 1, "comments_trashed": 1}
    for rel, text in classic.items():
        takeout = (other / "legacy" / rel).read_text()
        # Takeout alone carries Blogger's meta description.
        assert re.sub(r"description: .*\n", "", takeout) == text, rel
    assert not (other / "legacy/2019/02/old-announcement.md").exists()


def test_a_rerun_changes_nothing_and_hand_edits_are_kept(site):
    run_import(site, CLASSIC)
    before = tree(site / "legacy")
    again = run_import(site, CLASSIC)
    assert again.returncode == 0 and tree(site / "legacy") == before
    edited = site / "legacy" / SMALL_POSTS[0]
    edited.write_text(edited.read_text() + "\nA note added by hand.\n")
    dry = run_import(site, CLASSIC, "--dry-run")
    assert "NOT overwritten" in dry.stdout and SMALL_POSTS[0] in dry.stdout
    third = run_import(site, CLASSIC)
    assert third.returncode == 1 and "A note added by hand." in edited.read_text()
    assert SMALL_POSTS[0] in json.loads((site / "legacy/import-report.json").read_text())["edited_by_hand"]
    forced = run_import(site, CLASSIC, "--force")
    assert forced.returncode == 0 and "A note added by hand." not in edited.read_text()


def test_a_post_gone_from_the_export_is_listed_not_deleted(site, tmp_path):
    run_import(site, CLASSIC)
    smaller = tmp_path / "blog-smaller.xml"
    text = CLASSIC.read_text()
    start = text.index("<entry><id>tag:blogger.com,1999:blog-1111222233334444555.post-4821907356128840193")
    smaller.write_text(text[:start] + text[text.index("</entry>", start) + len("</entry>"):])
    result = run_import(site, smaller)
    assert "no longer in the export, left in place" in result.stdout and SMALL_POSTS[0] in result.stdout
    assert (site / "legacy" / SMALL_POSTS[0]).is_file()
    report = json.loads((site / "legacy/import-report.json").read_text())
    assert report["no_longer_in_export"] == [SMALL_POSTS[0]]


def test_dry_run_writes_nothing(site):
    result = run_import(site, CLASSIC, "--dry-run")
    assert result.returncode == 0
    assert "would write 2019/01/hello-small-blog.md" in result.stdout
    assert not (site / "legacy" / "2019").exists() and not (site / "legacy" / "import-report.json").exists()


def test_a_slug_taken_by_another_post_gets_a_distinct_reported_name(site):
    taken = site / "posts" / "2020" / "hello-small-blog.md"
    taken.parent.mkdir(parents=True)
    taken.write_text("---\ndate: 2020-01-01\nauthor: alice\ncategory: events\n---\n\n# Taken\n\nText.\n")
    result = run_import(site, CLASSIC)
    assert result.returncode == 0
    assert (site / "legacy/2019/01/hello-small-blog-2019-01.md").is_file()
    assert "renamed /2019/01/hello-small-blog.html -> 2019/01/hello-small-blog-2019-01.md" in result.stdout
    assert "/2019/01/hello-small-blog.html,/legacy/2019/01/hello-small-blog-2019-01.html" in (
        site / "legacy/redirects.csv").read_text()


def test_an_unmapped_author_is_reported_not_dropped_silently(site):
    result = subprocess.run(
        [sys.executable, "-m", "techblog", "--root", str(site), "import-blogger", str(CLASSIC)],
        capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    assert "Riley Example" in result.stdout and "blog_authors" in result.stdout


HOSTILE = re.compile(r"<script|onerror|onload|onclick|onmouseover|javascript:|<iframe[^>]*evil|<style|data:text",
                     re.IGNORECASE)


def test_hostile_markup_does_not_survive_the_import(site):
    result = run_import(site, FIXTURES / "hostile.xml", "--blog-url", "https://hostile-test.blogspot.com/")
    assert result.returncode == 0, result.stdout + result.stderr
    written = [p for p in (site / "legacy").rglob("*.md")]
    assert written
    for path in written:
        text = path.read_text()
        # Titles and names stay visible as text (escaped), never as markup.
        for match in HOSTILE.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1: text.find("\n", match.start())]
            assert line.startswith("# ") or line.lstrip(" -").startswith("author: "), (path, line)


def import_and_build(root: Path, export: Path, *options: str):
    shutil.copytree(ROOT, root)
    result = run_import(root, export, *options)
    assert result.returncode == 0, result.stdout + result.stderr
    build = sphinx_build(root, root / "_build/html", root / "_build/doctrees")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="module")
def imported_site(tmp_path_factory):
    return import_and_build(tmp_path_factory.mktemp("imported") / "site", CLASSIC)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    return import_and_build(tmp_path_factory.mktemp("hostile") / "site", FIXTURES / "hostile.xml",
                            "--blog-url", "https://hostile-test.blogspot.com/")


def test_the_imported_posts_build_with_banner_dates_and_comments(imported_site):
    page = imported_site.html("legacy/2019/04/keeping-openstack-highly-available.html")
    banner = page.select_one(".legacy-banner")
    assert "Small test blog" in banner.get_text() and banner.select_one("time")["datetime"] == (
        "2019-04-02T14:30:00.001000-04:00")
    comments = page.select(".techblog-archived-comments article.comment")
    assert [c["id"] for c in comments] == ["c1012233445566778899", "c1123344556677889900",
                                           "c1234455667788990011", "c1345566778899001122"]
    assert page.select_one("#c1345566778899001122 .comment-removed")
    nested = page.select_one("#c1012233445566778899").find_parent("li").select(":scope > ol article.comment")
    assert [c["id"] for c in nested] == ["c1123344556677889900", "c1234455667788990011"]
    assert page.select_one("#c1234455667788990011 .comment-author a")["rel"] == ["nofollow", "ugc"]


def test_links_between_old_posts_lead_to_the_imported_pages(imported_site):
    page = imported_site.html("legacy/2019/04/keeping-openstack-highly-available.html")
    hrefs = [a["href"] for a in page.select("article a[href]") if not a.find_parent(class_="legacy-banner")]
    assert any(h.startswith("../01/hello-small-blog.html") for h in hrefs), hrefs
    assert not any("small-test-blog.blogspot" in h for h in hrefs)


def test_old_addresses_redirect_to_the_imported_pages(imported_site):
    redirect = (imported_site.outdir / "2019/04/keeping-openstack-highly-available.html").read_text()
    # _static/techblog-redirect.js goes to data-to and keeps the #c123 anchor (tests/browser/test_production.py)
    assert ('<script src="../../_static/techblog-redirect.js" '
            'data-to="../../legacy/2019/04/keeping-openstack-highly-available.html"></script>') in redirect
    assert (imported_site.outdir / "p/about.html").is_file()
    assert (imported_site.outdir / "search/label/OpenStack.html").is_file()


def test_no_hostile_markup_reaches_the_built_pages(hostile_site):
    for page in ("legacy/2020/02/quarterly-update.html", "legacy/2020/07/embeds.html"):
        soup = hostile_site.html(page)
        article = soup.select_one("article")
        assert not article.select("script, style, form, object, embed, meta, base, svg")
        for element in article.find_all(True):
            for name, value in element.attrs.items():
                assert not name.startswith("on"), (page, element)
                text = " ".join(value) if isinstance(value, list) else value
                assert "javascript:" not in text.lower().replace(" ", ""), (page, element)
        assert not article.select("iframe")  # videos load on a click only (techblog-video.js)
        for video in article.select(".video-embed[data-embed-src]"):
            assert video["data-embed-src"].startswith("https://www.youtube-nocookie.com/embed/")
    videos = hostile_site.html("legacy/2020/07/embeds.html").select("article .video-embed")
    assert [v.get("data-embed-src") for v in videos] == ["https://www.youtube-nocookie.com/embed/Qz8RbT2mN4k"]
    assert videos[0].select_one("a.video-link")["href"] == "https://www.youtube.com/watch?v=Qz8RbT2mN4k"


def test_no_page_or_feed_of_the_imported_hostile_export_holds_markup_from_it(hostile_site):
    """Every page and feed, not just the posts' bodies: titles and labels reach
    listings, sidebars, tag pages and redirect pages too (tests/hostile.py)."""
    site = hostile_site.outdir
    pages, feeds = sorted(site.rglob("*.html")), sorted(site.rglob("atom.xml"))
    assert "index.html" in {p.name for p in pages} and feeds
    found = [problem for page in pages for problem in html_problems(page, site)]
    found += [problem for feed in feeds for problem in feed_problems(feed, site)]
    assert found == []


SAMPLE = "legacy/_export/blog-11-24-2026.xml"
SAMPLE_IMAGES = REPO / "legacy" / "_export" / "images"


def documented_sample_import() -> list[str]:
    """The import command of legacy/_export/README.md, the one that writes legacy/ (after "python")."""
    text = (REPO / "legacy" / "_export" / "README.md").read_text()
    commands = re.findall(rf"^python (-m techblog import-blogger {re.escape(SAMPLE)}\b.*)$", text, re.M)
    assert len(commands) == 1, commands
    return shlex.split(commands[0])


def test_the_repos_legacy_section_is_exactly_what_the_importer_writes():
    """Re-running the documented import of the committed sample export changes nothing."""
    command = documented_sample_import()
    assert "--images-from" in command  # the sample's images come from legacy/_export/images
    result = subprocess.run([sys.executable, *command, "--dry-run"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would change: 0 file(s)" in result.stdout, result.stdout
    assert "images: 0 kept, 4 downloaded, 0 failed" in result.stdout, result.stdout
    report = json.loads((REPO / "legacy" / "import-report.json").read_text())
    assert report["written"] == {"posts": 16, "pages": 1, "comments": 14}
    assert report["skipped"]["drafts"] == 1
    assert report["images"] == {"kept": 0, "downloaded": 4, "failed": {}}


def test_make_import_blogger_runs_the_documented_sample_import():
    recipe = re.search(r"^import-blogger:.*\n\t(.*)$", (REPO / "Makefile").read_text(), re.M)[1]
    options = " ".join(documented_sample_import()[3:])  # after "-m techblog import-blogger"
    assert SAMPLE in recipe and options.replace(SAMPLE, "").strip() in recipe, recipe


def test_the_sample_posts_show_the_committed_copies_of_their_images():
    """legacy/_images holds exactly the largest variants in legacy/_export/images, and posts use them."""
    expected = {}
    for path in SAMPLE_IMAGES.rglob("*"):
        if path.is_file():
            url = "https://" + path.relative_to(SAMPLE_IMAGES).as_posix()
            assert largest_variant(url) == url, url  # what --images-from looks up first
            expected[Images("download", Path()).local_name(url)] = path.read_bytes()
    assert len(expected) == 4
    folder = REPO / "legacy" / "_images"
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == expected
    posts = "".join(p.read_text() for p in (REPO / "legacy").glob("[0-9]*/*/*.md"))
    used = set(re.findall(r"\.\./\.\./_images/([^)\s]+)", posts))
    assert used == set(expected)
    assert "googleusercontent" not in posts and "bp.blogspot" not in posts and "<iframe" not in posts


def test_drafts_come_along_only_when_asked_and_stay_drafts(site):
    result = run_import(site, CLASSIC, "--drafts")
    assert result.returncode == 0, result.stdout
    drafts = [p for p in (site / "legacy").rglob("*.md") if "draft: true" in p.read_text()]
    assert [p.relative_to(site / "legacy").as_posix() for p in drafts] == ["2019/07/notes-on-backups.md"]
    report = json.loads((site / "legacy" / "import-report.json").read_text())
    assert report["skipped"]["drafts"] == 0
    assert report["blog"] == {"name": "Small test blog", "url": "https://small-test-blog.blogspot.com/",
                              "time_zone": "America/New_York"}


def test_downloaded_images_are_the_largest_variant_and_referenced_locally(site, tmp_path, monkeypatch, capsys):
    import functools
    import http.server
    import threading

    from techblog.tools import cli
    from techblog.legacy import importer

    served = []

    class Images(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            served.append(self.path)
            body = b"PNG" + self.path.encode()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Images)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        local = f"http://127.0.0.1:{httpd.server_address[1]}"
        export = tmp_path / "blog-local-images.xml"
        export.write_text(CLASSIC.read_text().replace("https://blogger.googleusercontent.com", local))
        # In-process: the default policy refuses a server on this machine (tests/test_image_downloads.py).
        monkeypatch.setattr(importer, "Images", functools.partial(
            importer.Images, allowed=lambda address, port: address.is_loopback))
        status = cli.main(["--root", str(site), "import-blogger", str(export), *AUTHORS, "--images", "download"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert status == 0, capsys.readouterr()
    assert served and all("/s1600/" in path for path in served), served
    files = list((site / "legacy" / "_images").iterdir())
    assert len(files) == len(served)
    text = (site / "legacy" / SMALL_POSTS[1]).read_text()
    assert f"../../_images/{files[0].name}" in text and local not in text


IMAGE = "img/b/R29vZ2xl/AVvXsEhbZsSu5KXLrN4SWiFv9ksnbQ6t3P8RB5lcR5fEDVZxqUvdXnT-7606fiOwfQewmTfUTKtkJ2oWs-MFVjjXebTZkFevko2VmeeER"


def mirror(tmp_path: Path, *sizes: str) -> Path:
    """A local copy of the image host, as wget --mirror lays it out, with the given sizes of the image."""
    folder = tmp_path / "mirror"
    for size in sizes:
        path = folder / "blogger.googleusercontent.com" / IMAGE / size / "ha-controllers.png"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"\x89PNG " + size.encode())
    folder.mkdir(exist_ok=True)
    return folder


def test_images_from_a_local_copy_take_the_largest_variant_and_keep_the_alt_text(site, tmp_path):
    source = mirror(tmp_path, "s400", "s1600")
    result = run_import(site, CLASSIC, "--images", "download", "--images-from", str(source))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "images: 0 kept, 1 downloaded, 0 failed" in result.stdout
    [copy] = (site / "legacy" / "_images").iterdir()
    assert copy.read_bytes() == b"\x89PNG s1600"
    text = (site / "legacy" / SMALL_POSTS[1]).read_text()
    assert f"```{{figure}} ../../_images/{copy.name}\n:alt: " in text
    assert "googleusercontent" not in text


def test_an_image_missing_from_the_local_copy_is_reported_and_stays_hot_linked(site, tmp_path):
    result = run_import(site, CLASSIC, "--images", "download", "--images-from", str(mirror(tmp_path)))
    assert result.returncode == 1, result.stdout + result.stderr
    shown = f"https://blogger.googleusercontent.com/{IMAGE}/s1600/ha-controllers.png"
    assert f"image failed, left hot-linked: {shown} (no copy in the --images-from folder" in result.stdout
    report = json.loads((site / "legacy" / "import-report.json").read_text())
    assert list(report["images"]["failed"]) == [shown] and report["images"]["downloaded"] == 0
    assert shown in (site / "legacy" / SMALL_POSTS[1]).read_text()
    assert not (site / "legacy" / "_images").exists()


@pytest.mark.parametrize(("options", "message"), [
    (["--images-from", "."], "--images-from .: goes with --images download"),
    (["--images", "download", "--images-from", "no-such-folder"], "no such folder"),
])
def test_images_from_needs_download_and_a_folder(site, options, message):
    result = run_import(site, CLASSIC, *options)
    assert result.returncode == 2 and message in result.stderr
