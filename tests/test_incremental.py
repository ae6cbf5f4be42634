"""Incremental builds are correct: after adding, editing, re-tagging or
deleting a post, every file of an incremental build is the same as in a
clean build of the same sources (and there is no file more or less)."""

from __future__ import annotations

import re
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
from corpus import (add_post, delete_post, edit_post, make_site, post_files, retag_post,  # noqa: E402
                    split_front_matter)

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

```{{archived-comments}}
- id: '5001'
  author: Ana Reader
  date: '2014-01-22T10:00:00+01:00'
  body: <p>How many cells do you run?</p>
```
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


def close_archived_comments(src: Path) -> Path:
    """``comments: false`` on the imported post: its archive can no longer be
    answered (techblog/legacy/archived_replies.py), its listings lose its count."""
    post = src / "legacy" / "2014" / "01" / "nova-cells.md"
    text = post.read_text(encoding="utf-8")
    assert "\ncomments:" not in text
    closed = text.replace("\ncategory: legacy\n", "\ncategory: legacy\ncomments: false\n", 1)
    post.write_text(closed, encoding="utf-8")
    return post


def add_scheduled_post(src: Path) -> Path:
    """A post dated after "now": a draft until then, on no page."""
    return add_post(src, seed=60)


DIAGRAM = """

```{mermaid}
flowchart LR
    client[Client] --> pg[Placement group]
```

With $n$ OSDs and $r$ replicas, about $100 n / r$ placement groups.
"""


def add_diagram(src: Path) -> Path:
    """A diagram and math in a post that had neither: its page loads Mermaid now."""
    post = next(path for path in sorted((src / "posts").glob("*/*.md"))
                if path.name != "index.md" and "{mermaid}" not in path.read_text(encoding="utf-8"))
    post.write_text(post.read_text(encoding="utf-8") + DIAGRAM, encoding="utf-8")
    return post


def remove_diagram(src: Path) -> Path:
    """The diagram and math taken out again: the page loads nothing of them."""
    post = next(path for path in sorted((src / "posts").glob("*/*.md"))
                if DIAGRAM in path.read_text(encoding="utf-8"))
    post.write_text(post.read_text(encoding="utf-8").replace(DIAGRAM, ""), encoding="utf-8")
    return post


GUI_LABEL = """

Click {guilabel}`Save` once.
"""


def add_gui_label(src: Path) -> Path:
    """A button's label ({guilabel}) where the site had none: the theme's rules
    for it are shipped now (techblog/site/used_css.py), under a new digest in
    every page."""
    post = next(path for path in post_files(src) if GUI_LABEL not in path.read_text(encoding="utf-8"))
    post.write_text(post.read_text(encoding="utf-8") + GUI_LABEL, encoding="utf-8")
    return post


SERIES = "observability"  # conf.py's, which the generated site copies


def series_members(src: Path) -> list[Path]:
    return [path for path in post_files(src) if f"\nseries: {SERIES}\n" in path.read_text(encoding="utf-8")]


def join_series(src: Path) -> Path:
    """Three posts become a series: each shows its box, the series gets its pages
    and feed, and their related lists leave out one another."""
    posts = [path for path in post_files(src) if path.parts[-3] == "posts"][:3]
    for path in posts:
        head, body = split_front_matter(path.read_text(encoding="utf-8"))
        path.write_text(head.replace("\n---\n", f"\nseries: {SERIES}\n---\n", 1) + body, encoding="utf-8")
    return posts[0]


def leave_series(src: Path) -> Path:
    """A part leaves its series: the others' "Part N of M" and lists change."""
    if not series_members(src):  # run alone (-k): a series to leave first
        join_series(src)
        build = sphinx_build(src, src.parent / "incremental", src.parent / "doctrees", env=ENV)
        assert build.returncode == 0, build.output
    path = series_members(src)[0]
    path.write_text(path.read_text(encoding="utf-8").replace(f"\nseries: {SERIES}\n", "\n", 1), encoding="utf-8")
    return path


TALKS = "talks/talks.yaml"
EDITED_TALK = "Puppet at scale without a single master"  # daniel's; tags puppet, foreman, configuration-management


def edit_talk(src: Path) -> Path:
    """A talk's abstract and tags changed, and a talk added with a tag no post or talk had."""
    path = src / TALKS
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- title: {EDITED_TALK}")
    end = text.index("\n- title:", start)
    talk = text[start:end].replace("Twenty thousand nodes", "Thirty thousand nodes").replace(
        "tags: [puppet, foreman, configuration-management]", "tags: [puppet, foreman]")
    path.write_text(text[:start] + talk + text[end:] + """
- title: A talk added later
  date: 2020-03-03
  event: A meet-up
  speakers: [chiara, {guest: Sam Guest}]
  tags: [sre]
""", encoding="utf-8")
    return path


def edit_profile(src: Path) -> Path:
    """An author's bio changed (conf.py), and another author's photo file."""
    conf = src / "conf.py"
    with conf.open("a", encoding="utf-8") as out:
        out.write('\ntechblog_author_profiles["bruno"] = {"photo": "authors/bruno.svg", "bio": "A new bio."}\n')
    photo = src / "_static" / "authors" / "chiara.svg"
    photo.write_text(photo.read_text(encoding="utf-8").replace("#6b2d6b", "#5a255a"), encoding="utf-8")
    return conf


LINK_BY_TITLE = re.compile(r"\{doc\}`(/posts/[^`]+)`")


def link_by_title(src: Path) -> Path:
    """A post links to another by the other's title (no link text of its own)."""
    posts = [path for path in post_files(src) if path.parts[-3] == "posts"]
    source, target = posts[-1], posts[0]
    docname = "/" + target.relative_to(src).with_suffix("").as_posix()
    text = source.read_text(encoding="utf-8") + f"\nSee also {{doc}}`{docname}`.\n"
    source.write_text(text, encoding="utf-8")
    return source


def retitle_linked_post(src: Path) -> Path:
    """The post linked to by its title is renamed: the page and the feed entries
    of the post that links to it show the new title, though that post is not
    read again (its feed entry is kept between builds: techblog/pages/feeds.py)."""
    def linked() -> list[str]:
        return [match for path in post_files(src)
                for match in LINK_BY_TITLE.findall(path.read_text(encoding="utf-8"))]

    found = linked()
    if not found:  # run alone (-k): a link to follow first
        link_by_title(src)
        build = sphinx_build(src, src.parent / "incremental", src.parent / "doctrees", env=ENV)
        assert build.returncode == 0, build.output
        found = linked()
    target = src / (found[0].lstrip("/") + ".md")
    head, body = split_front_matter(target.read_text(encoding="utf-8"))
    retitled = re.sub(r"^# .*$", "# A title given later", body, count=1, flags=re.M)
    target.write_text(head + retitled, encoding="utf-8")
    return target


def unhead_listing(src: Path) -> Path:
    """The home page's listing moves from under "## Latest posts" to right
    under the page's title: its post titles go from h3 to h2."""
    path = src / "index.md"
    text = path.read_text(encoding="utf-8")
    assert "\n## Latest posts\n" in text
    path.write_text(text.replace("\n## Latest posts\n", "\n", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("change", [add_post, edit_post, edit_excerpt, retag_post, delete_post, add_legacy_post,
                                    add_scheduled_post, add_diagram, remove_diagram, join_series, leave_series,
                                    close_archived_comments, edit_talk, edit_profile, link_by_title,
                                    retitle_linked_post, unhead_listing, add_gui_label],
                         ids=["add", "edit", "edit-excerpt", "retag", "delete", "add-legacy", "add-scheduled",
                              "add-diagram", "remove-diagram", "join-series", "leave-series", "close-archived-comments",
                              "edit-talk", "edit-profile", "link-by-title", "retitle-linked", "unhead-listing",
                              "add-gui-label"])
def test_an_incremental_build_equals_a_clean_build(site, change):
    used_css = site / "incremental" / "_static" / "styles" / "pydata-sphinx-theme.used.css"
    css_before = used_css.read_bytes()
    changed = change(site / "src")
    incremental = sphinx_build(site / "src", site / "incremental", site / "doctrees", env=ENV)
    assert incremental.returncode == 0, incremental.output
    if change in (add_diagram, remove_diagram):
        page = incremental.outdir / changed.relative_to(site / "src").with_suffix(".html")
        assert ("techblog-diagrams.mjs" in page.read_text(encoding="utf-8")) == (change is add_diagram)
    if change is add_gui_label:
        assert b".guilabel" not in css_before and b".guilabel" in used_css.read_bytes()
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


def next_reading(outdir: Path, page: str) -> str:
    """What a post page shows under the post: its series box and related posts."""
    found = lxml.html.parse(outdir / page).xpath("//div[contains(@class, 'techblog-next-reading')]")
    return lxml.html.tostring(found[0], encoding="unicode") if found else ""


def test_a_retag_rewrites_exactly_the_posts_whose_next_reading_changed(tmp_path):
    """Re-tagging a post changes what other posts list as related: those
    posts, and no other, are written again besides the re-tagged one."""
    src = make_site(tmp_path / "src", 16)
    out = tmp_path / "html"

    def build():
        result = sphinx_build(src, out, tmp_path / "doctrees", env=ENV)
        assert result.returncode == 0, result.output
        pages = [path.relative_to(src).with_suffix(".html").as_posix() for path in post_files(src)]
        return written_at(out), {page: next_reading(out, page) for page in pages}

    before, shown_before = build()
    # The post takes the tags of another: it becomes that post's best match, and others'.
    target, model = [path for path in post_files(src) if path.parts[-3] == "posts"][2:4]
    model_tags = re.search(r"^tags: (.*)$", model.read_text(encoding="utf-8"), re.M).group(1)
    retag_post(src, target, [tag.strip() for tag in model_tags.split(",")])
    after, shown_after = build()
    retagged = target.relative_to(src).with_suffix(".html").as_posix()
    changed = {page for page in shown_after if shown_before.get(page) != shown_after[page]}
    assert changed - {retagged}, "the re-tag changed no other post's lists: the test shows nothing"
    posts_rewritten = set(rewritten(before, after)) & set(shown_after)
    assert posts_rewritten == changed | {retagged}


def test_editing_talks_or_a_profile_rewrites_exactly_the_pages_that_show_them(tmp_path):
    """The talks file and the author profiles are not Sphinx sources: an edit
    to one of them rewrites the Talks page, its feed and the pages of the
    talks' tags and speakers (or of that author), and nothing else."""
    from techblog.posts.contract import slugify

    src = make_site(tmp_path / "src", 16)

    def build():
        result = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees", env=ENV)
        assert result.returncode == 0, result.output
        return written_at(result.outdir)

    def author(key):
        return f"blog/author/{slugify(conf()['blog_authors'][key][0])}.html"

    first = build()
    assert "blog/tag/configuration-management.html" in first  # a tag only that talk carries
    edit_talk(src)
    second = build()
    assert rewritten(first, second) == sorted([
        "talks.html", "talks/atom.xml", "blog/tag/puppet.html", "blog/tag/foreman.html", author("daniel"),
        # the talk added: its speaker's page, and its tag's, new
        author("chiara"), "blog/tag/sre.html"])
    assert "blog/tag/configuration-management.html" not in second  # no talk carries it any more
    with (src / "conf.py").open("a", encoding="utf-8") as out:
        out.write('\ntechblog_author_profiles["bruno"] = {"photo": "authors/bruno.svg", "bio": "A new bio."}\n')
    third = build()
    assert rewritten(second, third) == [author("bruno")]
