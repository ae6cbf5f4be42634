"""What to read next (techblog/pages/next_reading.py, series.py): related
posts under each post, the series box, the series' pages and feeds.

tests/roots/test-next-reading is written so that each rule decides something:
which post shows which related posts is worked out by hand below from its
sources (tags, dates), never from the build.
"""

from __future__ import annotations

import datetime as dt
import random

import feedparser
import pytest

from conftest import sphinx_build
from techblog.pages.next_reading import Candidate, related_posts

# -- Choosing related posts (no Sphinx) ---------------------------------------------

UTC = dt.timezone.utc


def day(n: int) -> dt.datetime:
    return dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(days=n)


def test_a_rare_shared_tag_outweighs_a_common_one_even_far_in_time():
    posts = [Candidate("target", day(100), ("openstack", "rare")),
             Candidate("near-common", day(101), ("openstack",)),
             Candidate("far-rare", day(0), ("rare",)),
             *[Candidate(f"filler-{i}", day(200 + i), ("openstack",)) for i in range(5)]]
    assert related_posts(posts)["target"][:2] == ("far-rare", "near-common")


def test_more_shared_weight_wins_then_nearness_in_time_then_the_docname():
    posts = [Candidate("target", day(50), ("a", "b")),
             Candidate("both", day(0), ("a", "b")),
             Candidate("a-near", day(49), ("a",)),
             Candidate("a-far", day(90), ("a",)),
             Candidate("b-after", day(60), ("b",)),
             Candidate("b-before", day(40), ("b",)),
             Candidate("other", day(50), ("c",))]
    # a and b are carried by four posts each: equal weights.
    assert related_posts(posts)["target"] == ("both", "a-near", "b-after")
    assert related_posts(posts, count=6)["target"] == ("both", "a-near", "b-after", "b-before", "a-far")


def test_the_choice_does_not_depend_on_the_order_posts_come_in():
    rng = random.Random(16)
    tags = [f"t{i}" for i in range(12)]
    posts = [Candidate(f"posts/{i:03d}", day(rng.randrange(0, 60)), tuple(rng.sample(tags, rng.randrange(0, 4))),
                       rng.choice([None, None, "s1", "s2"]))
             for i in range(80)]
    first = related_posts(posts)
    for _ in range(5):
        rng.shuffle(posts)
        assert related_posts(posts) == first
    assert any(len(chosen) == 3 for chosen in first.values())


def test_no_shared_tag_no_related_post_and_a_series_leaves_out_its_own_parts():
    posts = [Candidate("alone", day(0), ("x",)),
             Candidate("untagged", day(1), ()),
             Candidate("part-1", day(2), ("y",), "s"),
             Candidate("part-2", day(3), ("y",), "s"),
             Candidate("outside", day(30), ("y",))]
    chosen = related_posts(posts)
    assert chosen["alone"] == () and chosen["untagged"] == ()
    assert chosen["part-1"] == ("outside",)
    assert chosen["outside"] == ("part-2", "part-1")


# -- In a build ----------------------------------------------------------------------


def related_titles(app, page: str) -> list[tuple[str, str]] | None:
    soup = html(app, page)
    section = soup.select_one(".techblog-related")
    if section is None:
        return None
    assert section.select_one("h2").get_text(strip=True) == "Related posts"
    return [(li.a.get_text(strip=True), li.time["datetime"][:10]) for li in section.select("li")]


def html(app, page: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup((app.outdir / page).read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def built(rootdir, tmp_path_factory):
    """tests/roots/test-next-reading, built once with -W (its pages are only read)."""
    out = tmp_path_factory.mktemp("next-reading")
    build = sphinx_build(rootdir / "test-next-reading", out / "html", out / "doctrees")
    assert build.returncode == 0, build.output
    return build


def test_related_posts_weigh_rare_tags_more_then_nearness_in_time(built):
    # rbd-mirroring: 2 of 13 published posts; openstack: 4 (B, D, E and A itself).
    assert related_titles(built, "posts/2024/a-target.html") == [
        ("C far, rare tag", "2024-01-10"), ("B near, common tag", "2024-06-02"),
        ("D a month older, common tag", "2024-05-01")]


def test_legacy_posts_are_related_and_have_related_posts(built):
    assert related_titles(built, "posts/2024/b-near-common.html") == [
        ("A target", "2024-06-01"), ("D a month older, common tag", "2024-05-01"),
        ("E from the old blog", "2014-03-01")]
    assert related_titles(built, "legacy/2014/03/e-legacy.html") == [
        ("D a month older, common tag", "2024-05-01"), ("A target", "2024-06-01"),
        ("B near, common tag", "2024-06-02")]


def test_equal_scores_and_distances_go_by_docname(built):
    assert [title for title, _ in related_titles(built, "posts/2024/h-pair-zero.html")] == ["H pair a", "H pair b"]


def test_drafts_are_never_related(built):
    assert related_titles(built, "posts/2024/c-far-rare.html") == [("A target", "2024-06-01")]
    everywhere = [page.read_text(encoding="utf-8") for page in built.outdir.rglob("*.html")]
    assert not any("F a draft" in text or "Part draft" in text for text in everywhere)


def test_a_post_sharing_no_tag_shows_no_list(built):
    assert related_titles(built, "posts/2024/g-lonely.html") is None
    assert html(built, "posts/2024/g-lonely.html").select(".techblog-next-reading") == []


def test_what_to_read_next_comes_after_the_post_and_before_the_comments(built):
    soup = html(built, "posts/2024/mm-part-two.html")
    everything = soup.find_all(True)
    last_paragraph = soup.find("p", string=lambda text: text and text.startswith("The text of"))
    place = [everything.index(element) for element in (
        last_paragraph, soup.select_one(".techblog-series-box"), soup.select_one(".techblog-related"),
        soup.select_one(".techblog-live-comments"))]
    assert place == sorted(place)


PARTS = [("Part one: Nova", "posts/2024/zz-part-one.html"), ("Part two: Neutron", "posts/2024/mm-part-two.html"),
         ("Part three: Cinder", "posts/2024/aa-part-three.html")]


def test_each_part_shows_part_n_of_m_and_the_others_in_date_order(built):
    for number, (title, page) in enumerate(PARTS, start=1):
        box = html(built, page).select_one("nav.techblog-series-box")
        heading = box.select_one("h2")
        assert heading.get_text(" ", strip=True) == f"Part {number} of 3: Upgrading the cloud"
        assert heading.a["href"].endswith("blog/series/upgrades.html")
        items = box.select("ol.techblog-series-parts > li")
        assert [li.a.get_text(strip=True) for li in items] == [t for t, _ in PARTS]
        current = box.select("[aria-current=page]")
        assert [a.get_text(strip=True) for a in current] == [title]
        assert box["aria-labelledby"] == heading["id"]
    # Not a part: no box.
    assert html(built, "posts/2024/a-target.html").select("nav.techblog-series-box") == []


def test_a_series_leaves_its_own_parts_out_of_related_posts(built):
    assert related_titles(built, "posts/2024/zz-part-one.html") is None


def test_the_series_page_lists_its_parts_in_order_with_its_description_and_feed(built):
    soup = html(built, "blog/series/upgrades.html")
    page = soup.select_one(".techblog-series-page")
    assert page.select_one("h1").get_text(" ", strip=True) == "Series: Upgrading the cloud"
    assert page.select_one(".techblog-series-description").get_text() == (
        "Every component, one at a time, without a flag day.")
    assert [a.get_text(strip=True) for a in page.select("ol .post-summary-title a")] == [t for t, _ in PARTS]
    feed_link = soup.select_one('link[rel=alternate][type="application/atom+xml"]')
    assert feed_link["href"] == "upgrades/atom.xml"
    index = html(built, "blog/series.html")
    assert [a.get_text(strip=True) for a in index.select(".techblog-series-entry h2 a")] == ["Upgrading the cloud"]
    # A series with no published part has no page.
    assert not (built.outdir / "blog/series/unstarted.html").exists()
    assert not (built.outdir / "blog/series/unstarted").exists()


def test_the_series_feed_has_its_parts_newest_first(built):
    feed = feedparser.parse((built.outdir / "blog/series/upgrades/atom.xml").read_bytes())
    assert not feed.bozo
    assert feed.feed.title.endswith("Series: Upgrading the cloud")
    assert feed.feed.subtitle == "Every component, one at a time, without a flag day."
    assert [entry.title for entry in feed.entries] == [t for t, _ in reversed(PARTS)]
    assert feed.feed.id.endswith("blog/series/upgrades/atom.xml")
    assert [link.href for link in feed.feed.links if link.rel == "alternate"][0].endswith(
        "blog/series/upgrades.html")


@pytest.mark.sphinx("html", testroot="next-reading", confoverrides={"techblog_show_drafts": True})
def test_a_preview_counts_and_relates_its_drafts(app):
    app.build()
    titles = related_titles(app, "posts/2024/a-target.html")
    assert titles[0] == ("F a draft", "2024-06-01")  # both tags, same day
    box = html(app, "posts/2024/aa-part-three.html").select_one("nav.techblog-series-box h2")
    assert box.get_text(" ", strip=True) == "Part 4 of 4: Upgrading the cloud"
    assert (app.outdir / "blog/series/unstarted.html").exists()
