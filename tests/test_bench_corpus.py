"""The build benchmark's corpus (bench/corpus.py): a small generated site
builds with -W and looks like the corpus the benchmark times."""

from __future__ import annotations

import sys

from conftest import REPO, sphinx_build

sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

N = 12


def test_generated_site_builds_with_n_posts_in_eight_categories(tmp_path):
    site = corpus.make_site(tmp_path / "site", N)
    assert len(corpus.post_files(site)) == N
    assert not (site / "posts" / "2021" / "collectd-to-grafana.md").exists()  # no real post was copied

    build = sphinx_build(site, tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode == 0, build.output

    listed = build.html("posts/index.html").select(".post-summary")
    assert len(listed) == N  # fewer than 20: one page

    # Eight categories (five of conf.py, three the corpus adds), each with a page listing its posts.
    used = {
        line.split(": ", 1)[1]
        for path in corpus.post_files(site)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("category: ")
    }
    assert used == set(corpus.CATEGORIES) and len(used) == 8
    per_category = {key: len(build.html(f"blog/category/{key}.html").select(".post-summary")) for key in used}
    assert sum(per_category.values()) == N and min(per_category.values()) >= 1, per_category

    for path in corpus.post_files(site):
        page = build.html(path.relative_to(site).with_suffix(".html").as_posix())
        body = page.select_one("article section")
        for part in body.select("h1, .techblog-post-header, a.headerlink"):
            part.decompose()
        words = len(body.get_text(" ").split())
        assert 700 <= words <= 900, (path.name, words)
        assert len(page.select("article section section h2")) >= 3
        assert page.select("article pre")


def test_corpus_is_deterministic_and_changes_are_small(tmp_path):
    one = corpus.make_site(tmp_path / "one", 5, seed=3)
    two = corpus.make_site(tmp_path / "two", 5, seed=3)
    files = [path.relative_to(one) for path in corpus.post_files(one)]
    assert files == [path.relative_to(two) for path in corpus.post_files(two)]
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)

    before = {f: (one / f).read_text(encoding="utf-8") for f in files}
    edited = corpus.edit_post(one)
    after = edited.read_text(encoding="utf-8")
    old = before[edited.relative_to(one)]
    assert after != old
    assert after.split("\n---\n")[0] == old.split("\n---\n")[0]  # front matter untouched
    changed = [a != b for a, b in zip(after.split("\n\n"), old.split("\n\n"), strict=True)]
    assert sum(changed) == 1  # one paragraph

    added = corpus.add_post(one)
    assert added.parent.name == "2026" and len(corpus.post_files(one)) == 6
    corpus.retag_post(one, added, ["ceph"])
    assert "tags: ceph\n" in added.read_text(encoding="utf-8")
    corpus.delete_post(one, added)
    assert len(corpus.post_files(one)) == 5
