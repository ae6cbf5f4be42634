"""Talks on the site (tests/roots/test-talks): the Talks page by year, talks
on the pages of their tags and speakers, author profiles, the talks feed,
slides copied, the video facade loading nothing; and bad talk data or a bad
profile stopping the build with one clear line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import yaml

from conftest import REPO, build_root, sphinx_build

ROOT = REPO / "tests" / "roots" / "test-talks"
DATA = yaml.safe_load((ROOT / "talks" / "talks.yaml").read_text(encoding="utf-8"))
# techblog-video.js loads only players that match this.
PLAYER = re.compile(r"^https://(?:www\.youtube-nocookie\.com/embed/[\w-]+|player\.vimeo\.com/video/\d+)$")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_root(tmp_path_factory, ROOT)


def page(build, name: str):
    return build.html(name)


def exists(build, where: str, href: str) -> bool:
    target = urlsplit(urljoin(where, href)).path
    return (build.outdir / target).is_file()


def test_the_talks_page_lists_every_talk_by_year_newest_first(built):
    root = page(built, "talks.html")
    years = [h2.get_text().strip() for h2 in root.select(".techblog-talks-year > h2")]
    expected = sorted({str(talk["date"].year) for talk in DATA}, reverse=True)
    assert years == expected == ["2024", "2019"]
    titles = [h3.get_text().strip() for h3 in root.select(".techblog-talk .techblog-talk-title")]
    by_date = sorted(DATA, key=lambda talk: talk["date"], reverse=True)
    assert titles == [talk["title"] for talk in by_date]
    # In its year's section.
    section_2019 = root.select("#talks-2019")[0].parent
    assert len(section_2019.select(".techblog-talk")) == 2


def test_a_talk_shows_every_field(built):
    root = page(built, "talks.html")
    talk = root.find(id="talk-2019-05-20-ceph-at-scale")
    assert talk.select("time")[0].get("datetime") == "2019-05-20"
    assert talk.select(".techblog-talk-event")[0].get_text() == "Ceph Day Geneva"
    assert talk.select(".techblog-talk-place")[0].get_text() == "Geneva, Switzerland"
    speakers = talk.select(".techblog-talk-speakers")[0]
    assert [a.get_text() for a in speakers.select("a")] == ["Chiara Rossi"]
    assert speakers.select(".techblog-talk-guest")[0].get_text() == "Jane Doe"
    assert [p.get_text() for p in talk.select(".techblog-talk-abstract")] == [
        "First paragraph about OSDs.", "Second paragraph about recovery."]
    assert [a.get_text() for a in talk.select(".techblog-talk-tag")] == ["ceph", "storage"]


def test_speakers_and_tags_lead_to_pages_that_exist(built):
    root = page(built, "talks.html")
    links = root.select(".techblog-talk-speakers a, .techblog-talk-tag")
    assert len(links) == 8  # four speakers who are authors, four tags
    for link in links:
        assert exists(built, "talks.html", link.get("href")), link.get("href")
    assert "blog/author/daniel-okafor.html" in {link.get("href") for link in links}


def test_the_talks_page_is_in_the_navbar(built):
    nav = page(built, "talks.html").select("nav[aria-label=Site] a")
    current = [a for a in nav if a.get("aria-current") == "page"]
    assert {a.get_text() for a in current} == {"Talks"}  # the navbar, and its copy for narrow screens
    home = page(built, "index.html").select("nav[aria-label=Site] a")
    assert "talks.html" in [a.get("href") for a in home]


def talks_in_section(root) -> list[str]:
    return [h3.get_text().strip() for h3 in root.select(".techblog-talks-section .techblog-talk-title")]


def test_a_tags_page_shows_its_talks_after_its_posts(built):
    root = page(built, "blog/tag/openstack.html")
    assert talks_in_section(root) == ['Cells, <b>bold</b> & "quoted"']
    assert len(root.select(".post-summary")) == 2
    ceph = page(built, "blog/tag/ceph.html")
    assert talks_in_section(ceph) == ["Ceph at scale"]
    # A talk's title leads to it on the Talks page.
    link = ceph.select(".techblog-talks-section .techblog-talk-title a")[0].get("href")
    assert link == "../../talks.html#talk-2019-05-20-ceph-at-scale"


def test_a_tag_or_speaker_with_talks_only_has_a_page(built):
    storage = page(built, "blog/tag/storage.html")
    assert talks_in_section(storage) == ["Ceph at scale"]
    assert storage.select("h1")[0].get_text().strip() == "Talks tagged storage"
    daniel = page(built, "blog/author/daniel-okafor.html")  # no post, two talks
    assert talks_in_section(daniel) == ["Logs for everyone", 'Cells, <b>bold</b> & "quoted"']
    assert daniel.select(".techblog-author-photo")


def test_an_author_page_shows_photo_bio_posts_and_talks(built):
    root = page(built, "blog/author/chiara-rossi.html")
    photo = root.select("img.techblog-author-photo")[0]
    assert photo.get("alt") == "Chiara Rossi"
    assert (photo.get("width"), photo.get("height")) == ("96", "96")
    assert exists(built, "blog/author/chiara-rossi.html", photo.get("src"))
    assert urlsplit(urljoin("blog/author/x.html", photo.get("src"))).path == "_static/authors/chiara.svg"
    bio = root.select(".techblog-author-bio")[0].get_text()
    assert bio == "Storage and monitoring: Ceph, Collectd, Grafana."
    assert [a.get_text() for a in root.select(".post-summary-title a")] == ["Upgrading Ceph"]
    assert talks_in_section(root) == ["Ceph at scale"]


def test_local_slides_are_copied_and_linked(built):
    root = page(built, "talks.html")
    slides = root.find(id="talk-2019-05-20-ceph-at-scale").select(".techblog-talk-slides a")[0]
    assert slides.get("href") == "talks/slides/bare-metal.pdf"
    assert (built.outdir / "talks/slides/bare-metal.pdf").read_bytes() == (
        ROOT / "talks/slides/bare-metal.pdf").read_bytes()
    other = root.find(id="talk-2019-11-02-cells-bboldb-quoted").select(".techblog-talk-slides a")[0]
    assert other.get("href") == "https://example.org/slides/cells.pdf"
    # Nothing else of the talks folder is published.
    assert sorted(p.name for p in (built.outdir / "talks").rglob("*") if p.is_file()) == [
        "atom.xml", "atom.xml.gz", "bare-metal.pdf"]


def test_videos_are_facades_that_load_nothing_from_the_host(built):
    root = page(built, "talks.html")
    boxes = root.select(".techblog-talk .video-embed")
    assert [box.get("data-embed-src") for box in boxes] == [
        "https://player.vimeo.com/video/123456", "https://www.youtube-nocookie.com/embed/abcdef12345"]
    assert all(PLAYER.match(box.get("data-embed-src")) for box in boxes)
    assert [box.select("a.video-link")[0].get("href") for box in boxes] == [
        "https://vimeo.com/123456", "https://www.youtube.com/watch?v=abcdef12345"]
    assert not root.select("iframe")
    # Nothing on the page is loaded from another host.
    loaded = [element.get("src") or element.get("href")
              for element in root.select("script[src], img[src], link[rel=stylesheet], iframe, video, audio")]
    assert [src for src in loaded if urlsplit(src).netloc] == []


def test_markup_in_talk_data_is_shown_as_text(built):
    root = page(built, "talks.html")
    talk = root.find(id="talk-2019-11-02-cells-bboldb-quoted")
    assert not talk.select("b, script")
    assert talk.select(".techblog-talk-title")[0].get_text() == 'Cells, <b>bold</b> & "quoted"'
    assert talk.select(".techblog-talk-abstract")[0].get_text() == (
        "Markup such as <script>alert(1)</script> is text here.")


def test_the_talks_feed_has_every_talk_and_is_linked_from_the_page(built):
    root = page(built, "talks.html")
    alternate = [link["href"] for link in root.select("head link[rel=alternate][type='application/atom+xml']")]
    assert "talks/atom.xml" in alternate
    assert root.select("a.techblog-talks-feed")[0].get("href") == "talks/atom.xml"
    feed = feedparser.parse((built.outdir / "talks" / "atom.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    by_date = sorted(DATA, key=lambda talk: talk["date"], reverse=True)
    assert [entry.title for entry in feed.entries] == [talk["title"] for talk in by_date]
    entry = feed.entries[2]  # Ceph at scale
    assert entry.id == "tag:techblog.web.cern.ch,2019:talks/talk-2019-05-20-ceph-at-scale"
    assert entry.link.endswith("/talks.html#talk-2019-05-20-ceph-at-scale")
    assert [author.name for author in entry.authors] == ["Chiara Rossi", "Jane Doe"]
    assert [tag.term for tag in entry.tags] == ["ceph", "storage"]
    related = {link.title: link.href for link in entry.links if link.rel == "related"}
    assert related == {"Slides": "https://techblog.web.cern.ch/techblog/talks/slides/bare-metal.pdf",
                       "Video on YouTube": "https://www.youtube.com/watch?v=abcdef12345"}
    assert entry.summary.startswith("Ceph Day Geneva, Geneva, Switzerland")
    assert feed.feed.updated.startswith("2024-02-03")


# -- Bad data stops the build --------------------------------------------------------------


def broken_copy(tmp_path: Path, talks: str | None = None, conf: str = "") -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    if talks is not None:
        (src / "talks" / "talks.yaml").write_text(talks, encoding="utf-8")
    with (src / "conf.py").open("a", encoding="utf-8") as out:
        out.write(conf)
    return src


def failed_build(src: Path, tmp_path: Path) -> str:
    build = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode == 1, build.output
    assert "Traceback" not in build.output
    return build.output


def test_bad_talk_data_stops_the_build_with_file_line_and_field(tmp_path):
    src = broken_copy(tmp_path, "- title: A talk\n  date: 2024-02-30\n  event: X\n  speakers: [bob]\n")
    output = failed_build(src, tmp_path)
    assert re.search(r"talks/talks\.yaml:2: ERROR: date: '2024-02-30' is not a valid date \(.*\); expected ",
                     output), output
    assert re.search(r"talks/talks\.yaml:4: ERROR: speakers: 'bob' is not registered in blog_authors", output)
    assert "2 talk data problem(s) in 1 file(s)" in output


def test_a_talks_setting_naming_no_file_stops_the_build(tmp_path):
    src = broken_copy(tmp_path, conf='\ntechblog_talks = "talks/missing.yaml"\n')
    output = failed_build(src, tmp_path)
    assert "conf.py: techblog_talks: 'talks/missing.yaml' is not a file; expected a YAML file of the site" in output


@pytest.mark.parametrize(("conf", "fragment"), [
    ("techblog_author_profiles = {'alice': {'photo': 'authors/nobody.png'}}",
     "conf.py: techblog_author_profiles['alice']['photo']: 'authors/nobody.png' is not a file in html_static_path"),
    ("techblog_author_profiles = {'alice': {'photo': '../conf.py'}}",
     "conf.py: techblog_author_profiles['alice']['photo']: '../conf.py' is outside the site's static folders"),
    ("techblog_author_profiles = {'alice': {'photo': 'techblog.css'}}",
     "techblog_author_profiles['alice']['photo']: 'techblog.css' is not an image"),
    ("techblog_author_profiles = {'zoe': {'bio': 'Hi'}}",
     "conf.py: techblog_author_profiles['zoe']: 'zoe' is not a key of blog_authors; expected one of: alice"),
    ("techblog_author_profiles = {'alice': {'bio': 'Hi\\u202e'}}",
     "techblog_author_profiles['alice']['bio']: 'Hi\\u202e' contains U+202E"),
    ("techblog_author_profiles = {'alice': {'picture': 'authors/alice.svg'}}",
     "techblog_author_profiles['alice']: {'picture': 'authors/alice.svg'} is not a profile"),
])
def test_a_bad_author_profile_stops_the_build_naming_setting_and_key(conf, fragment, tmp_path):
    output = failed_build(broken_copy(tmp_path, conf="\n" + conf + "\n"), tmp_path)
    assert fragment in output, output


def test_a_site_without_talks_has_an_empty_talks_page_and_no_feed(tmp_path):
    """The navbar's Talks link still leads somewhere; an empty feed would carry the build's time."""
    src = broken_copy(tmp_path, conf='\ntechblog_talks = ""\n')
    build = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode == 0, build.output
    root = page(build, "talks.html")
    assert root.select_one(".techblog-no-talks").get_text() == "No talks yet."
    assert not root.select("a.techblog-talks-feed")
    assert "talks/atom.xml" not in [link["href"] for link in root.select("head link[rel=alternate]")]
    assert not (build.outdir / "talks").exists()
    assert not page(build, "blog/tag/ceph.html").select(".techblog-talks-section")
