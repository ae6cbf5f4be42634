"""Search (techblog/site/search.py, pagefind_index.py) on a tiny blog
(tests/roots/test-search): which pages carry Pagefind's attributes and with
which values (parsed HTML), and what Pagefind's index holds (its fragments:
gzipped JSON, one per page, with the page's address, text, meta and filters).

Each page of that site has a word of its own, so the index can be asked
whether it holds a page's text."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sphinx.errors import ExtensionError

from techblog.site import pagefind_index

SEARCHABLE = {
    "/posts/2023/ceph-volumes.html": "quokka",
    "/posts/2024/kubernetes-upgrade.html": "wombat",
    "/legacy/2014/05/old-ceph.html": "numbat",
    "/about.html": "echidna",
}
NOT_SEARCHABLE = {
    "posts/2024/marked-draft.html": "draft",
    "posts/2999/future.html": "future post",
    "index.html": "listing (home)",
    "posts/index.html": "listing (all posts)",
    "legacy/index.html": "listing (legacy)",
    "blog/tag/ceph.html": "tag page",
    "blog/2024.html": "year page",
    "blog.html": "page that moved",
    "moved-page.html": "redirect page",
    "404.html": "404 page",
    "search.html": "search page",
}


def fragments(outdir: Path) -> dict[str, dict]:
    """Every page in Pagefind's index: its address -> what Pagefind keeps of it."""
    found = {}
    for path in sorted((outdir / "_pagefind" / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragment = json.loads(data[len(b"pagefind_dcd"):])
        found[fragment["url"]] = fragment
    return found


def html(app, name: str) -> BeautifulSoup:
    return BeautifulSoup((Path(app.outdir) / name).read_text(encoding="utf-8"), "html.parser")


def fields(page: BeautifulSoup) -> dict[str, list[str]]:
    """The page's Pagefind values: "meta:title", "filter:tag", "sort:date" -> texts."""
    found: dict[str, list[str]] = {}
    for kind in ("meta", "filter", "sort"):
        for element in page.select(f"[data-pagefind-{kind}]"):
            found.setdefault(f"{kind}:{element[f'data-pagefind-{kind}']}", []).append(element.get_text())
    return found


@pytest.fixture(scope="module")
def built(make_app, rootdir, tmp_path_factory):
    app = make_app("html", srcdir=_copy(rootdir / "test-search", tmp_path_factory.mktemp("search")))
    app.build()
    assert app.statuscode == 0 and app.warning.getvalue() == ""
    return app


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target / "src")
    return target / "src"


@pytest.fixture(scope="module")
def make_app(tmp_path_factory):
    """sphinx.testing's make_app, for the module (one build, many tests)."""
    from sphinx.testing.util import SphinxTestApp

    apps = []

    def make(*args, **kwargs):
        app = SphinxTestApp(*args, status=StringIO(), warning=StringIO(), **kwargs)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.cleanup()


def test_searchable_pages_mark_their_body_and_others_do_not(built):
    for url in SEARCHABLE:
        page = html(built, url.lstrip("/"))
        body = page.select("article.bd-article [data-pagefind-body]")
        assert len(body) == 1, url
        assert body[0].select_one("h1") is not None, url  # the title is searched too
        assert page.select_one(".techblog-search-fields[hidden]") is not None, url
    for name, why in NOT_SEARCHABLE.items():
        path = Path(built.outdir) / name
        if path.is_file():  # a draft is not built at all
            assert "data-pagefind" not in path.read_text(encoding="utf-8"), (name, why)


def test_a_post_carries_its_title_date_authors_filters_and_sort_date(built):
    assert fields(html(built, "posts/2024/kubernetes-upgrade.html")) == {
        "meta:title": ["Upgrading Kubernetes upstream"],
        "meta:date": ["10 June 2024"],
        "meta:authors": ["Bruno Keller, Chiara Rossi"],
        "sort:date": ["2024-06-10T07:00:00Z"],  # UTC: sorts as the instants do
        # Filed by the names of their pages (blog/tag/ceph.html...): search.py's filter_value says why.
        "filter:tag": ["kubernetes", "ceph"],
        "filter:category": ["upstream"],
        "filter:author": ["bruno-keller", "chiara-rossi"],
        "filter:year": ["2024"],
    }
    assert fields(html(built, "legacy/2014/05/old-ceph.html"))["filter:category"] == ["legacy"]
    # A page: its title, no date, no filters.
    assert fields(html(built, "about.html")) == {"meta:title": ["About the team"]}


def test_the_index_holds_the_searchable_pages_and_nothing_else(built):
    index = fragments(Path(built.outdir))
    assert set(index) == set(SEARCHABLE)
    entry = json.loads((Path(built.outdir) / "_pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == len(SEARCHABLE)
    for url, word in SEARCHABLE.items():
        assert word in index[url]["content"], url
    text = " ".join(fragment["content"] for fragment in index.values())
    assert "platypus" not in text  # the draft's and the future post's word
    assert "aardvark" not in text  # the home page's, a listing
    assert index["/posts/2024/kubernetes-upgrade.html"]["filters"] == {
        "tag": ["kubernetes", "ceph"], "category": ["upstream"],
        "author": ["bruno-keller", "chiara-rossi"], "year": ["2024"]}
    assert index["/posts/2024/kubernetes-upgrade.html"]["meta"] == {
        "title": "Upgrading Kubernetes upstream", "date": "10 June 2024", "authors": "Bruno Keller, Chiara Rossi"}


def test_the_search_page_offers_every_filter_value_by_its_name(built):
    """Each filter lists the values of the published posts (never a draft's
    or a future post's): the value Pagefind knows, the name readers know."""
    page = html(built, "search.html")

    def choices(name: str) -> list[tuple[str, str]]:
        return [(box["value"], page.select_one(f"label[for={box['id']}]").get_text())
                for box in page.select(f"details[data-filter={name}] input[type=checkbox][name={name}]")]

    assert choices("tag") == [("ceph", "ceph"), ("kubernetes", "kubernetes"), ("rbd", "rbd")]
    assert choices("category") == [("legacy", "Legacy"), ("operations", "Operations"), ("upstream", "Upstream")]
    assert choices("author") == [("alice-martin", "Alice Martin"), ("bruno-keller", "Bruno Keller"),
                                 ("chiara-rossi", "Chiara Rossi"), ("tomas-ortega", "Tomás Ortega")]
    assert choices("year") == [("2024", "2024"), ("2023", "2023"), ("2014", "2014")]  # not 2999: a future post


def test_the_body_is_the_post_not_its_header_nor_its_comments(built):
    legacy = fragments(Path(built.outdir))["/legacy/2014/05/old-ceph.html"]["content"]
    assert "bilby" not in legacy  # an archived comment's word
    assert "min read" not in legacy and "Originally published" not in legacy  # the post header
    assert "#" not in legacy  # the headings' links


def test_only_the_search_library_is_kept_and_sphinx_writes_no_index(built):
    outdir = Path(built.outdir)
    bundle = outdir / "_pagefind"
    assert (bundle / "pagefind.js").is_file() and (bundle / "wasm.en.pagefind").is_file()
    assert not any((bundle / name).exists() for name in pagefind_index.UNUSED)
    assert not (outdir / "searchindex.js").exists()
    assert not (outdir / pagefind_index.WORK).exists()
    search = html(built, "search.html")
    scripts = [script["src"] for script in search.select("script[src]")]
    assert any("techblog-search.js" in src for src in scripts)
    assert not any("searchtools" in src or "searchindex" in src for src in scripts)
    assert search.select_one("#techblog-search")["data-bundle"] == "_pagefind/pagefind.js"
    # The theme's Ctrl+K puts the cursor in the page's own field: a form.bd-search outside its dialog.
    assert search.select_one(".bd-article-container form.bd-search input[name=q]") is not None


def test_a_preview_with_drafts_indexes_none_of_them(make_app, rootdir, tmp_path):
    app = make_app("html", srcdir=_copy(rootdir / "test-search", tmp_path),
                   confoverrides={"techblog_show_drafts": True})
    app.build()
    draft = Path(app.outdir) / "posts" / "2024" / "marked-draft.html"
    assert draft.is_file()  # built for the preview...
    # ...and not searchable: no body, meta, filter or sort for Pagefind (what
    # to read next under it says data-pagefind-ignore, which marks nothing in).
    assert re.findall(r"data-pagefind-(?!ignore)[a-z]+", draft.read_text(encoding="utf-8")) == []
    assert set(fragments(Path(app.outdir))) == set(SEARCHABLE)


def test_a_failed_index_leaves_the_last_one_whole(make_app, rootdir, tmp_path, monkeypatch):
    """Pagefind writes into a work folder; only a finished index replaces the
    old one, and what a stopped build left there is cleared."""
    app = make_app("html", srcdir=_copy(rootdir / "test-search", tmp_path))
    app.build()
    outdir = Path(app.outdir)
    bundle = outdir / "_pagefind"

    def files() -> dict:
        return {path.relative_to(bundle): path.read_bytes() for path in bundle.rglob("*") if path.is_file()}

    before = files()
    page = outdir / "posts" / "2023" / "ceph-volumes.html"
    page.write_text(page.read_text(encoding="utf-8").replace("quokka", "wallaby"), encoding="utf-8")
    monkeypatch.setattr(pagefind_index, "executable", lambda: Path("/bin/false"))
    with pytest.raises(ExtensionError, match="Pagefind failed"):
        pagefind_index.build_index(app, None)
    assert files() == before
    monkeypatch.undo()
    (outdir / pagefind_index.WORK / "bundle" / "fragment").mkdir(parents=True)  # as a killed build leaves it
    (outdir / "searchindex.js").write_text("Search.setIndex({})", encoding="utf-8")  # Sphinx's, from before
    pagefind_index.build_index(app, None)
    assert "wallaby" in fragments(outdir)["/posts/2023/ceph-volumes.html"]["content"]
    assert not (outdir / pagefind_index.WORK).exists()
    assert not (outdir / "searchindex.js").exists()


def test_a_build_that_changed_no_page_keeps_the_index_as_it_is(make_app, rootdir, tmp_path, monkeypatch):
    app = make_app("html", srcdir=_copy(rootdir / "test-search", tmp_path))
    app.build()
    monkeypatch.setattr(pagefind_index, "executable", lambda: pytest.fail("Pagefind ran again"))
    pagefind_index.build_index(app, None)
    page = Path(app.outdir) / "about.html"
    page.write_text(page.read_text(encoding="utf-8"), encoding="utf-8")  # written again: a new mtime
    with pytest.raises(pytest.fail.Exception, match="Pagefind ran again"):
        pagefind_index.build_index(app, None)


def test_the_same_pages_always_give_the_same_index(built):
    """Pagefind writes filters in a random order; the index is normalised
    (pagefind_index.normalise), so incremental and clean builds agree."""
    bundle = Path(built.outdir) / "_pagefind"

    def files() -> dict:
        # (Not the .gz copies: precompress makes them after the index, in a build.)
        return {path.relative_to(bundle).as_posix(): path.read_bytes() for path in bundle.rglob("*")
                if path.is_file() and path.suffix != ".gz"}

    first = files()
    assert any(name.startswith("filter/") for name in first)
    for _ in range(3):
        (Path(built.doctreedir) / pagefind_index.MANIFEST).unlink()  # Pagefind runs again
        pagefind_index.build_index(built, None)
        assert files() == first


# -- techblog_search_index_later (make serve): the index made after the build ------------

def bundle_files(outdir: Path) -> dict:
    bundle = outdir / "_pagefind"
    # (Not the .gz copies: precompress makes them in a build, after the index.)
    return {path.relative_to(bundle).as_posix(): path.read_bytes() for path in bundle.rglob("*")
            if path.is_file() and path.suffix != ".gz"}


def test_an_index_made_after_the_build_is_the_one_a_build_makes(make_app, rootdir, tmp_path):
    src = _copy(rootdir / "test-search", tmp_path / "later")
    later = {"techblog_search_index_later": True}
    app = make_app("html", srcdir=src, confoverrides=later)
    app.build()
    outdir, doctreedir = Path(app.outdir), Path(app.doctreedir)
    assert (outdir / "posts" / "2023" / "ceph-volumes.html").is_file()
    assert not (outdir / "_pagefind").exists()  # the pages are there before the index
    assert pagefind_index.index_later(doctreedir)
    assert "quokka" in fragments(outdir)["/posts/2023/ceph-volumes.html"]["content"]
    post = src / "posts" / "2023" / "ceph-volumes.md"
    post.write_text(post.read_text(encoding="utf-8").replace("quokka", "wallaby"), encoding="utf-8")
    app = make_app("html", srcdir=src, confoverrides=later)
    app.build()
    assert "quokka" in fragments(outdir)["/posts/2023/ceph-volumes.html"]["content"]  # until the indexer runs
    assert pagefind_index.index_later(doctreedir)
    shutil.copytree(src, tmp_path / "clean", ignore=shutil.ignore_patterns("_build"))
    clean = make_app("html", srcdir=tmp_path / "clean")
    clean.build()
    assert "wallaby" in fragments(Path(clean.outdir))["/posts/2023/ceph-volumes.html"]["content"]
    assert bundle_files(outdir) == bundle_files(Path(clean.outdir))


def test_one_indexer_at_a_time(make_app, rootdir, tmp_path):
    import fcntl

    app = make_app("html", srcdir=_copy(rootdir / "test-search", tmp_path),
                   confoverrides={"techblog_search_index_later": True})
    app.build()
    doctreedir = Path(app.doctreedir)
    with open(doctreedir / pagefind_index.LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another indexer at work
        assert pagefind_index.index_later(doctreedir) is False
        assert not (Path(app.outdir) / "_pagefind").exists()
    assert pagefind_index.index_later(doctreedir)
    assert set(fragments(Path(app.outdir))) == set(SEARCHABLE)
