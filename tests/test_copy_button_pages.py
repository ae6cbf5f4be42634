"""The copy button's files only on the pages with code (techblog/pages/copy_button.py)."""

from __future__ import annotations

import pytest

from conftest import REPO, build_root

ROOT = REPO / "tests" / "roots" / "test-page-weight"
FILES = ("copybutton.js", "clipboard.min.js", "copybutton.css")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return build_root(tmp_path_factory, ROOT)


def loaded(build, page: str) -> list[str]:
    html = build.html(page)
    addresses = [tag.get("src") or tag.get("href") or "" for tag in html.select("script[src], link[href]")]
    return sorted(name for name in FILES if any(f"_static/{name}?" in address for address in addresses))


def test_a_post_with_code_loads_the_copy_button(build):
    assert build.html("posts/2023/ceph-volumes.html").select("div.highlight pre")
    assert loaded(build, "posts/2023/ceph-volumes.html") == sorted(FILES)


@pytest.mark.parametrize("page", ["posts/2024/kubernetes-upgrade.html", "about.html", "legacy/2014/05/old-ceph.html"])
def test_a_page_without_code_does_not(build, page):
    assert not build.html(page).select("div.highlight")
    assert loaded(build, page) == []


def test_a_page_drawn_without_a_doctree_keeps_it(build):
    """A tag page lists posts (which may show code): it keeps the button."""
    assert loaded(build, "blog/tag/ceph.html") == sorted(FILES)
