"""Each problem is printed once per build, and fails every -W build until it
is fixed, also in incremental builds that neither read its source nor write
its page again (techblog/warnings_record.py)."""

from __future__ import annotations

import shutil

import pytest

from conftest import REPO, sphinx_build

ROOT = REPO / "tests" / "roots" / "test-warnings"
BROKEN = "undefined label: 'nosuchlabel'"
HEADING = "Non-consecutive header level increase; H1 to H3"
ORPHAN = "document isn't included in any toctree"


@pytest.fixture
def site(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    out = tmp_path / "out"

    def build(*options: str):
        return sphinx_build(src, out / "html", out / "doctrees", *options)

    return src, build


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize("options", [(), ("-j", "2")], ids=["serial", "parallel"])
def test_each_problem_fails_every_build_once_until_fixed(site, options):
    src, build = site

    first = build(*options)
    assert first.returncode == 1, first.output
    # The broken reference is in the excerpt: drawn on the post's page, in the
    # home page's listing, on its tag, category, author and year pages and in
    # their feeds; it is printed once.
    assert first.output.count(BROKEN) == 1, first.output
    assert first.output.count(HEADING) == 1, first.output
    assert "Broken link" in first.html("index.html").get_text()
    assert "Broken link" in (first.outdir / "blog/atom.xml").read_text(encoding="utf-8")

    # Nothing changed: nothing is read or written, the problems are still there.
    again = build(*options)
    assert "0 added, 0 changed, 0 removed" in again.output
    assert again.returncode == 1, again.output
    assert again.output.count(BROKEN) == 1, again.output
    assert again.output.count(HEADING) == 1, again.output
    assert f"posts/2023/broken.md:10: WARNING: {BROKEN}" in again.output
    assert f"posts/2023/headings.md:12: WARNING: {HEADING}" in again.output

    # The broken link fixed: the heading problem of the post not touched stays.
    edit(src / "posts/2023/broken.md", "<nosuchlabel>", "<tag-openstack>")
    fixed_one = build(*options)
    assert fixed_one.returncode == 1, fixed_one.output
    assert BROKEN not in fixed_one.output
    assert fixed_one.output.count(HEADING) == 1, fixed_one.output

    edit(src / "posts/2023/headings.md", "### Too deep", "## Right depth")
    fixed = build(*options)
    assert fixed.returncode == 0, fixed.output
    assert "WARNING" not in fixed.output

    clean = build(*options)
    assert clean.returncode == 0, clean.output


def test_site_checks_fail_every_build_until_fixed(site):
    """Sphinx's consistency checks run only in a build that read something."""
    src, build = site
    edit(src / "posts/2023/broken.md", "<nosuchlabel>", "<tag-openstack>")
    edit(src / "posts/2023/headings.md", "### Too deep", "## Right depth")
    (src / "orphan.md").write_text("# Orphan\n\nIn no toctree.\n", encoding="utf-8")

    first = build()
    assert first.returncode == 1 and first.output.count(ORPHAN) == 1, first.output
    again = build()
    assert again.returncode == 1 and again.output.count(ORPHAN) == 1, again.output

    edit(src / "index.md", "posts/index\n", "posts/index\norphan\n")
    fixed = build()
    assert fixed.returncode == 0, fixed.output
