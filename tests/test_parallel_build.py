"""A parallel build (``sphinx-build -j 2``) works under -W and writes the same
site as a serial build: every file, byte for byte, and no file more or less.

Reading in parallel, the blog data each process reads is merged back by
techblog/incremental/parallel_read.py; without that merge the posts read by the other
processes are missing from every listing, feed and sidebar.
"""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path

import pytest
from sphinx.util.parallel import parallel_available

from conftest import REPO, sphinx_build

sys.path.insert(0, str(REPO / "bench"))
from corpus import add_post, edit_post, make_site, post_files, retag_post  # noqa: E402

# Where Sphinx cannot fork (Windows), -j reads serially without a word.
pytestmark = [pytest.mark.skipif(not parallel_available, reason="Sphinx reads in parallel only where it can fork"),
              pytest.mark.slow]  # a -j 2 build of the 200-post site, and of the real site

# Fixed "now" for the generated corpus, after the added post (corpus.ADDED), so
# that every build publishes the same posts.
ENV = {"SOURCE_DATE_EPOCH": "1769904000"}  # 2026-02-01


def outputs(outdir: Path) -> dict[str, bytes]:
    """Every file of the output folder (the doctrees are elsewhere: -d), by relative path.

    Nothing is left out: ``.buildinfo`` (config hash), ``_static``,
    the search index (``_pagefind/``), ``objects.inv``, the sitemap and the feeds are all part
    of what a serial build writes, and must not depend on ``-j``.
    """
    return {path.relative_to(outdir).as_posix(): path.read_bytes()
            for path in sorted(outdir.rglob("*")) if path.is_file()}


def differences(parallel: dict[str, bytes], serial: dict[str, bytes]) -> list[str]:
    return sorted(
        [f"only in the parallel build: {name}" for name in parallel.keys() - serial.keys()]
        + [f"only in the serial build: {name}" for name in serial.keys() - parallel.keys()]
        + [f"differs: {name}" for name in parallel.keys() & serial.keys() if parallel[name] != serial[name]]
    )


def read_in_parallel(output: str) -> bool:
    """Sphinx reports a parallel read by chunks: "reading sources... [ 10%] first .. last"."""
    return re.search(r"reading sources\.\.\. \[[ \d]+%\] \S+ \.\. \S+", output) is not None


@pytest.fixture(scope="module")
def parallel(paged, tmp_path_factory):
    """The generated 200-post site (``paged``, a serial build) built again with -j 2."""
    assert paged.returncode == 0, paged.output
    out = tmp_path_factory.mktemp("parallel")
    return sphinx_build(paged.srcdir, out / "html", out / "doctrees", "-j", "2")


def test_the_200_post_site_builds_in_parallel_without_warnings(parallel):
    assert parallel.returncode == 0, parallel.output
    assert "WARNING" not in parallel.output
    assert read_in_parallel(parallel.output), parallel.output


def test_a_parallel_build_writes_the_same_files_as_a_serial_build(parallel, paged):
    serial = outputs(paged.outdir)
    assert "_pagefind/pagefind-entry.json" in serial and "sitemap.xml" in serial and "blog/atom.xml" in serial
    assert len(serial) > 200
    assert differences(outputs(parallel.outdir), serial) == []


def blog_data(doctreedir: Path) -> dict:
    """What ABlog and techblog keep on the pickled environment, in its order."""
    with open(doctreedir / "environment.pickle", "rb") as f:
        env = pickle.load(f)
    return {
        "ablog_posts": [
            (docname, [(info["title"], str(info["date"]), info["tags"], info["author"], info["category"],
                        [node.astext() for node in info["excerpt"]],
                        info["doctree"] and info["doctree"].astext()) for info in infos])
            for docname, infos in env.ablog_posts.items()
        ],
        "labels": sorted((key, value) for key, value in env.domaindata["std"]["labels"].items()),
        "listing_docs": sorted(env.techblog_listing_docs),
        "paginated_listings": list(env.techblog_paginated_listings.items()),
        "references": [(docname, sorted(refs)) for docname, refs in env.techblog_references.items()],
    }


def test_the_blog_data_is_merged_in_the_order_of_a_serial_read(parallel, paged):
    """Reading chunks finish in any order; the merged posts are in the order a serial read leaves them."""
    serial = blog_data(paged.doctreedir)
    assert len(serial["ablog_posts"]) == 200
    assert serial["paginated_listings"]
    assert blog_data(parallel.doctreedir) == serial


def test_the_real_site_builds_in_parallel(site, tmp_path):
    """The real site takes a few seconds: built with -j 2 too, and compared with the serial build."""
    assert site.returncode == 0, site.output
    build = sphinx_build(REPO, tmp_path / "html", tmp_path / "doctrees", "-j", "2")
    assert build.returncode == 0, build.output
    assert "WARNING" not in build.output
    assert read_in_parallel(build.output), build.output
    assert differences(outputs(build.outdir), outputs(site.outdir)) == []


def test_an_incremental_parallel_build_equals_an_incremental_serial_build(tmp_path):
    """Re-read posts go to the end of ABlog's posts in a serial read; merged ones too."""
    src = make_site(tmp_path / "src", 16)
    serial = sphinx_build(src, tmp_path / "serial/html", tmp_path / "serial/doctrees", env=ENV)
    parallel = sphinx_build(src, tmp_path / "parallel/html", tmp_path / "parallel/doctrees", "-j", "2",
                            env=ENV)
    assert serial.returncode == 0, serial.output
    assert parallel.returncode == 0, parallel.output
    posts = post_files(src)
    edit_post(src, posts[0], excerpt=True)
    edit_post(src, posts[len(posts) // 2], excerpt=True)
    retag_post(src, posts[3])
    add_post(src)
    serial = sphinx_build(src, serial.outdir, serial.doctreedir, env=ENV)
    parallel = sphinx_build(src, parallel.outdir, parallel.doctreedir, "-j", "2", env=ENV)
    assert serial.returncode == 0, serial.output
    assert parallel.returncode == 0, parallel.output
    # No "doing serial read" either (chunks of one document are not "a .. b").
    assert "WARNING" not in parallel.output
    assert differences(outputs(parallel.outdir), outputs(serial.outdir)) == []
    assert blog_data(parallel.doctreedir) == blog_data(serial.doctreedir)
