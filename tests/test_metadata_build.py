"""The metadata contract as CI and authors meet it: a build that stops with
every problem listed, the check command that says the same, posts whose
offset dates and list fields come out right, and builds that give the same
bytes whatever the machine's clock or time zone."""

from __future__ import annotations

import filecmp
import shutil
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atom import A, parse
from conftest import REPO, sphinx_build

ROOTS = REPO / "tests" / "roots"
PROBLEM = re.compile(r"^(\S+:\d+): ERROR: (.*?)(?: \[techblog\.front_matter\])?$", re.MULTILINE)
EPOCH = "1735689600"  # 2025-01-01T00:00:00Z


def problems(output: str) -> list[tuple[str, str]]:
    return PROBLEM.findall(output)


def test_a_build_lists_every_problem_then_stops_with_status_1(tmp_path):
    build = sphinx_build(ROOTS / "test-front-matter-errors", tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode == 1, build.output
    assert [where for where, _ in problems(build.output)] == [
        "about.md:2",
        "posts/2024/author-unregistered.md:3",
        "posts/2024/date-impossible-unquoted.md:2",
        "posts/2024/tags-sharing-a-page.md:5",
    ]
    assert "4 front-matter problem(s) in 4 file(s)" in build.output
    assert "Traceback" not in build.output and "report this" not in build.output
    assert not (tmp_path / "html" / "index.html").exists()


def run_check(root: Path, *paths: str, python_options: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *python_options, "-m", "techblog", "--root", str(root), "check", *paths],
                          capture_output=True, text=True, cwd=REPO)


def test_the_check_command_prints_the_builds_messages(tmp_path):
    root = ROOTS / "test-front-matter-errors"
    build = sphinx_build(root, tmp_path / "html", tmp_path / "doctrees")
    check = run_check(root)
    assert check.returncode == 1
    assert sorted(problems(check.stdout)) == sorted(problems(build.output))
    one = run_check(root, str(root / "posts" / "2024" / "tags-sharing-a-page.md"))
    assert one.returncode == 1 and [w for w, _ in problems(one.stdout)] == ["posts/2024/tags-sharing-a-page.md:5"]


def test_the_check_command_passes_the_real_site_without_starting_sphinx():
    # -X importtime lists every module the command imports (on stderr). Its
    # speed is measured by bench/check_speed.py, not here; what keeps it a
    # fraction of a second is that it never loads a Sphinx application,
    # builders or ABlog (it may use small helpers such as sphinx.util.matching).
    check = run_check(REPO, python_options=("-X", "importtime"))
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"\d+ post\(s\), \d+ talk\(s\) checked, no problems", check.stderr)  # the talks too
    imported = {line.rsplit("|", 1)[1].strip() for line in check.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "techblog.posts.contract" in imported  # the listing is there to be read
    started = sorted(name for name in imported
                     if name in {"sphinx.application", "sphinx.cmd.build", "ablog"}
                     or name.startswith(("sphinx.builders", "sphinx.environment", "ablog.")))
    assert started == []


@pytest.fixture(scope="module")
def metadata_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("metadata")
    build = sphinx_build(ROOTS / "test-metadata", out / "html", out / "doctrees",
                         env={"SOURCE_DATE_EPOCH": EPOCH})
    assert build.returncode == 0, build.output
    return build


def test_an_offset_date_is_shown_in_the_site_zone(metadata_site):
    time_tag = metadata_site.html("posts/2024/offset.html").select_one(".techblog-post-header time.post-date")
    # 2024-03-05 23:30 in California is 08:30 the next morning in Zurich.
    assert time_tag["datetime"] == "2024-03-06T08:30:00+01:00"
    assert time_tag.get_text() == "06 March 2024"


def test_list_fields_give_every_author_category_and_tag(metadata_site):
    header = metadata_site.html("posts/2024/lists.html").select_one(".techblog-post-header")
    assert [a.get_text() for a in header.select("a.post-author")] == ["Alice Martin", "Bruno Keller"]
    assert [a.get_text() for a in header.select("a.post-category")] == ["Operations", "Upstream"]
    assert [a.get_text() for a in header.select("a.post-tag")] == ["openstack", "Ceph RBD"]
    assert (metadata_site.outdir / "blog/tag/ceph-rbd.html").is_file()


def test_the_description_is_the_excerpt_and_the_meta_description(metadata_site):
    home = metadata_site.html("index.html")
    summary = next(a for a in home.select("article.post-summary")
                   if a.select_one(".post-summary-title").get_text(strip=True) == "Lists in front matter")
    assert summary.select_one(".post-excerpt").get_text(" ", strip=True) == (
        "What the listing and the feed show instead of the first paragraph.")
    page = metadata_site.html("posts/2024/lists.html")
    assert page.select_one("meta[name=description]")["content"].startswith("What the listing")
    assert "What the listing" not in page.select_one("article").get_text()  # not added to the post itself


def test_feed_entries_keep_the_written_offset_and_updated(metadata_site):
    root = parse((metadata_site.outdir / "blog/atom.xml").read_bytes())
    entries = {e.findtext(A + "title"): e for e in root.findall(A + "entry")}
    assert set(entries) == {"Written in California", "Lists in front matter", "A naive date in summer",
                            "An old post"}  # no draft, nothing from the future
    assert entries["Written in California"].findtext(A + "published") == "2024-03-05T23:30:00-08:00"
    assert entries["A naive date in summer"].findtext(A + "published") == "2024-07-01T12:00:00+02:00"
    assert entries["Lists in front matter"].findtext(A + "updated") == "2024-04-02T09:15:00+02:00"
    assert root.findtext(A + "updated") == "2024-07-01T12:00:00+02:00"


def tree_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def differing(one: Path, two: Path) -> list[str]:
    files = tree_files(one)
    assert files == tree_files(two)
    return [f for f in files if not filecmp.cmp(one / f, two / f, shallow=False)]


@pytest.mark.slow
def test_two_clean_builds_at_different_times_and_zones_are_byte_identical(tmp_path):
    """Same commit, same SOURCE_DATE_EPOCH; another TZ, hash seed and wall-clock second."""
    builds = []
    for run, (tz, seed) in enumerate([("UTC", "1"), ("Asia/Tokyo", "2")]):
        if run:
            time.sleep(1.1)  # anything stamped with the clock would now differ
        out = tmp_path / f"run{run}"
        build = sphinx_build(ROOTS / "test-metadata", out / "html", out / "doctrees",
                             env={"TZ": tz, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": EPOCH})
        assert build.returncode == 0, build.output
        builds.append(out / "html")
    assert differing(*builds) == []
    assert "2024-07-01T12:00:00+02:00" in (builds[0] / "blog/atom.xml").read_text()


def test_a_future_post_is_published_once_its_date_has_passed(tmp_path):
    later = str(32503680000 + 86400)  # 3000-01-02, after the "future" post's date
    build = sphinx_build(ROOTS / "test-metadata", tmp_path / "html", tmp_path / "doctrees",
                         env={"SOURCE_DATE_EPOCH": later})
    assert build.returncode == 0, build.output
    assert (tmp_path / "html/posts/2999/future.html").is_file()
    assert not (tmp_path / "html/posts/2024/draft.html").exists()


def test_a_preview_shows_drafts_marked_as_drafts(tmp_path):
    build = sphinx_build(ROOTS / "test-metadata", tmp_path / "html", tmp_path / "doctrees",
                         "-D", "techblog_show_drafts=1", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert build.returncode == 0, build.output
    for page in ("posts/2024/draft.html", "posts/2999/future.html"):
        assert build.html(page).select_one(".techblog-post-header .post-draft"), page
    assert not build.html("posts/2024/naive.html").select_one(".post-draft")


@pytest.mark.slow
def test_a_rebuild_checks_changed_posts_and_missing_images_again(tmp_path):
    """Front matter is read again only for changed posts (techblog/ablog/metadata.py
    keeps the rest from the previous build), yet a post broken by an edit or
    by its image being removed stops the next build all the same."""
    src = tmp_path / "src"
    shutil.copytree(ROOTS / "test-discovery", src)
    out, doctrees = tmp_path / "html", tmp_path / "doctrees"
    assert sphinx_build(src, out, doctrees).returncode == 0
    assert (doctrees / "techblog-front-matter.pickle").is_file()
    (src / "posts/2023/images/card.png").unlink()
    build = sphinx_build(src, out, doctrees)
    assert build.returncode == 1
    assert [what for where, what in problems(build.output) if where == "posts/2023/with-image.md:8"]
    shutil.copytree(ROOTS / "test-discovery", src, dirs_exist_ok=True)
    assert sphinx_build(src, out, doctrees).returncode == 0
    post = next(p for p in sorted((src / "posts").rglob("*.md")) if "category:" in p.read_text())
    post.write_text(re.sub(r"^category: .*$", "category: nonsense", post.read_text(), count=1, flags=re.M))
    build = sphinx_build(src, out, doctrees)
    assert build.returncode == 1
    assert any("nonsense" in what for _, what in problems(build.output)), build.output


def test_a_front_matter_cache_of_an_older_version_is_read_again_not_a_crash(tmp_path):
    """The cache beside the doctrees may name classes that have moved since
    (techblog.contract became techblog.posts.contract): the posts are read again."""
    from techblog.ablog.metadata import PostsRead
    from techblog.tools.cli import load_rules

    (tmp_path / PostsRead.FILE).write_bytes(b"ctechblog.contract\nPostMeta\n(tR.")  # pickle protocol 0
    assert PostsRead(tmp_path, load_rules(REPO)).previous == {}
