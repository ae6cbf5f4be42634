"""Incremental builds are correct: after adding, editing, re-tagging or
deleting a post, every file of an incremental build is the same as in a
clean build of the same sources (and there is no file more or less)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
import pytest

from atom import A, parse
from conftest import REPO, sphinx_build
from precompressed import gz_problems
from sources import conf

sys.path.insert(0, str(REPO / "bench"))
from corpus import add_post, delete_post, edit_post, make_site, retag_post  # noqa: E402

# Fixed "now", so that both builds publish the same posts.
ENV = {"SOURCE_DATE_EPOCH": "1769904000"}  # 2026-02-01, after the added posts (corpus.ADDED)
pytestmark = pytest.mark.slow  # each test builds a generated site several times


def outputs(outdir: Path) -> dict[str, bytes]:
    return {path.relative_to(outdir).as_posix(): path.read_bytes()
            for path in outdir.rglob("*") if path.is_file() and ".doctrees" not in path.parts}


def differences(incremental: dict[str, bytes], clean: dict[str, bytes]) -> list[str]:
    return sorted(
        [f"only in the incremental build: {name}" for name in incremental.keys() - clean.keys()]
        + [f"only in the clean build: {name}" for name in clean.keys() - incremental.keys()]
        + [f"differs: {name}" for name in incremental.keys() & clean.keys() if incremental[name] != clean[name]]
    )


LEGACY_IMAGE = "legacy/_images/c6fc8324ff3f-nova-cells-layout.png"
SITE_URL = conf()["blog_baseurl"]  # the generated site copies conf.py (and TECHBLOG_BASEURL applies)


def add_imported_post(src: Path) -> Path:
    """A post as the importer writes it: images in ``legacy/_images/``, one in
    its first paragraph (the excerpt listings show), one in a figure."""
    image = src / LEGACY_IMAGE
    image.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / LEGACY_IMAGE, image)
    post = src / "legacy" / "2014" / "01" / "nova-cells.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(f"""---
date: '2014-01-21T16:20:00+01:00'
author:
- alice
category: legacy
tags:
- nova
original_url: https://openstack-in-production.blogspot.com/2014/01/nova-cells.html
---

# Scaling Nova with cells

![Cells](../../_images/{image.name}) When we started, a single Nova controller was enough.

```{{figure}} ../../_images/{image.name}
:alt: One API cell at the top, one child cell per group of hypervisors

One API cell at the top
```

A child cell with 200 to 300 hypervisors is a size we can upgrade.
""", encoding="utf-8")
    return post


def image_sources(outdir: Path) -> dict[str, list[str]]:
    """Every ``<img src>`` of every page and feed entry, as an address: an
    absolute one, or one relative to its page."""
    found = {}
    for path in sorted(outdir.rglob("*")):
        name = path.relative_to(outdir).as_posix()
        if path.suffix == ".html":
            found[name] = [urljoin(name, src) for src in lxml.html.parse(path).xpath("//img/@src")]
        elif path.suffix == ".xml" and path.name == "atom.xml":
            found[name] = [src for content in parse(path.read_bytes()).iter(A + "content") if content.text
                           for src in lxml.html.fragment_fromstring(content.text, create_parent="div").xpath(
                               "//img/@src")]
    return found


def missing_images(outdir: Path) -> list[str]:
    """The image addresses of pages and feeds that point at no file of the site."""
    missing = []
    for name, sources in image_sources(outdir).items():
        for src in sources:
            address = src[len(SITE_URL):] if src.startswith(SITE_URL) else src
            if urlsplit(address).scheme or not (outdir / unquote(urlsplit(address).path)).is_file():
                missing.append(f"{name}: {src}")
    return missing


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A generated 16-post site with an imported post, built once; the tests
    change it in turn."""
    root = tmp_path_factory.mktemp("incremental")
    src = make_site(root / "src", 16)
    add_imported_post(src)
    first = sphinx_build(src, root / "incremental", root / "doctrees", env=ENV)
    assert first.returncode == 0, first.output
    return root


def add_legacy_post(src: Path) -> Path:
    """The newest post of all, in the other section: the previous newest post's
    "next" link changes though nothing else on its page does."""
    return add_post(src, seed=1, category="legacy")


def edit_excerpt(src: Path) -> Path:
    """The first paragraph of a post without a description: what listings show of it."""
    post = next(path for path in sorted((src / "posts").glob("*/*.md"))
                if path.name != "index.md" and "\ndescription:" not in path.read_text(encoding="utf-8"))
    return edit_post(src, post, excerpt=True, seed=2)


def add_scheduled_post(src: Path) -> Path:
    """A post dated after "now": a draft until then, on no page."""
    return add_post(src, seed=60)


@pytest.mark.parametrize("change", [add_post, edit_post, edit_excerpt, retag_post, delete_post, add_legacy_post,
                                    add_scheduled_post],
                         ids=["add", "edit", "edit-excerpt", "retag", "delete", "add-legacy", "add-scheduled"])
def test_an_incremental_build_equals_a_clean_build(site, change):
    change(site / "src")
    incremental = sphinx_build(site / "src", site / "incremental", site / "doctrees", env=ENV)
    assert incremental.returncode == 0, incremental.output
    # Only what changed is read again, never every document (a changed "env" setting would).
    assert "config changed" not in incremental.output and "[new config]" not in incremental.output
    clean_dir = site / f"clean-{change.__name__}"
    shutil.rmtree(clean_dir, ignore_errors=True)
    clean = sphinx_build(site / "src", clean_dir / "html", clean_dir / "doctrees", env=ENV)
    assert clean.returncode == 0, clean.output
    assert any(LEGACY_IMAGE.split("/")[-1] in src for sources in image_sources(incremental.outdir).values()
               for src in sources)
    assert missing_images(incremental.outdir) == []
    assert gz_problems(incremental.outdir) == []  # gzip_static never finds a stale or missing .gz
    # The search index too (Pagefind's chunks are named by their contents: same names, same bytes).
    assert len(list((incremental.outdir / "_pagefind" / "fragment").iterdir())) > 10
    assert differences(outputs(incremental.outdir), outputs(clean.outdir)) == []


def written_at(outdir: Path) -> dict[str, int]:
    return {path.relative_to(outdir).as_posix(): path.stat().st_mtime_ns
            for path in outdir.rglob("*") if path.is_file() and ".doctrees" not in path.parts}


# Written by Sphinx (or sphinx-sitemap) in every build, whatever changed.
ALWAYS = ("search.html", "sitemap.xml", "robots.txt", "objects.inv", ".buildinfo")


def rewritten(before: dict[str, int], after: dict[str, int]) -> list[str]:
    """The files written again; a file's .gz (techblog/site/precompress.py) goes with it."""
    return sorted({name.removesuffix(".gz") for name, mtime in after.items()
                   if before.get(name) != mtime and name.removesuffix(".gz") not in ALWAYS
                   and not name.startswith("_static/")})


def test_a_rebuild_writes_only_the_pages_that_show_what_changed(tmp_path):
    """Nothing changed: no page, feed or search index (Pagefind's) is written again. A
    paragraph of one post changed: only pages and feeds that show that post
    are (rewrites.py), far fewer than the site has."""
    src = make_site(tmp_path / "src", 16)

    def build():
        result = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees", env=ENV)
        assert result.returncode == 0, result.output
        return written_at(result.outdir)

    first = build()
    second = build()
    assert rewritten(first, second) == []
    post = edit_post(src)
    page = post.relative_to(src).with_suffix(".html").as_posix()
    third = build()
    changed = rewritten(second, third)
    out = tmp_path / "html"
    assert page in changed
    # Pagefind ran again: the post's new text is in a new fragment of the index.
    assert any(name.startswith("_pagefind/fragment/") for name in changed)
    assert not (out / "searchindex.js").exists()
    for name in changed:
        if name.startswith("_pagefind/"):
            continue
        if name.endswith(".html") and name != page:
            text = (out / name).read_text(encoding="utf-8")
            assert PurePosixPath(page).name in text, f"{name} was written again but does not show {page}"
        elif name.endswith(".xml"):
            assert page in (out / name).read_text(encoding="utf-8"), name
    # (Pagefind's bundle is replaced whole: its files are not pages.)
    pages = [name for name in changed if not name.startswith("_pagefind/")]
    assert len(pages) < len([name for name in third if name.endswith(".html")]) / 4
