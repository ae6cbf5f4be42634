"""The talks contract, case by case: tests/corpus/bad-talks holds one talks
file per rule (run as tests/corpus/bad is run for posts, test_front_matter.py).

Each case is laid into a small site as talks/talks.yaml next to a valid post
and must give exactly the expected problems (kind, line, field, what the
message says) and nothing else; ``python -m techblog check`` prints the same
lines. Markup in a value is not a problem: pages escape it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_front_matter import VALID, rules_for
from techblog.posts.contract import check_site
from techblog.posts.talks import check_talks, video_of

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "tests" / "corpus" / "bad-talks"
URL = "absolute http(s) URL"
VIDEO = "a YouTube or Vimeo address"

# case -> [(kind, line, field, fragments the message must contain)]
EXPECTED = {
    "title-missing": [("missing-field", 1, "title", ["title: is missing from this talk", "required"])],
    "date-impossible": [("invalid-date", 2, "date", ["'2019-02-30'", "day is out of range for month", "ISO 8601"])],
    "date-month-and-year": [("invalid-date", 2, "date", ["'February 2019'", "not in ISO 8601 form"])],
    "speaker-unregistered": [("unknown-author", 4, "speakers", ["'bob'", "blog_authors", "{guest: bob}",
                                                                "one of: alice, bruno"])],
    "speaker-display-name": [("unknown-author", 5, "speakers", ["'Alice Martin'", "write its key, 'alice'"])],
    "speaker-not-a-guest": [("not-a-speaker", 4, "speakers", ["neither a key nor a guest", "{guest: Full Name}"])],
    "speaker-twice": [("duplicate-item", 4, "speakers", ["'alice' is listed twice"])],
    "slides-outside-site": [("slides-outside-site", 5, "slides", ["'../../elsewhere/slides.pdf'",
                                                                  "is outside the site", URL])],
    "slides-missing": [("slides-not-found", 5, "slides", ["'slides/nowhere.pdf' is not a file"])],
    "slides-a-post": [("slides-not-a-document", 5, "slides", ["'/posts/2023/valid.md' is not a slides document",
                                                              ".pdf"])],
    "slides-javascript-url": [("not-a-url", 5, "slides", ["'javascript:alert(1)' is not a web address", URL])],
    "video-not-a-video-host": [("not-a-video", 5, "video", ["video.example.org", "not the address of a YouTube",
                                                            VIDEO])],
    "video-youtube-without-id": [("not-a-video", 5, "video", ["/channel/", VIDEO])],
    "video-quote": [("not-a-video", 5, "video", ["contains '\"'", VIDEO])],
    "field-unknown": [("unknown-field", 5, "speaker", ["speaker: is not a field of a talk", "write 'speakers'"]),
                      ("unknown-field", 6, "room", ["room: is not a field", "one of: title, date, event"])],
    "field-twice": [("field-twice", 4, "title", ["is given twice in this talk (first on line 1)"])],
    "talk-twice": [("duplicate-talk", 6, "title", ["'A Talk!' on 2019-02-02 is already the talk on line 1"])],
    "tag-spelt-otherwise-than-a-post": [("tag-collision", 5, "tags", ["'Ceph' and 'ceph' (in posts/2023/valid.md)",
                                                                      "blog/tag/ceph.html"])],
    "tags-sharing-a-page": [("tag-collision", 5, "tags", ["'C#' and 'C++'", "blog/tag/c.html"])],
    "title-two-lines": [("not-one-line", 1, "title", ["spans several lines", "one line of text"])],
    "abstract-bidi": [("bad-character", 5, "abstract", ["U+202E (RIGHT-TO-LEFT OVERRIDE)", "printable text"])],
    "not-a-list": [("not-a-list", 1, None, ["the talks file is not a list", "'- title: ...'"])],
    "yaml-alias": [("front-matter", 5, None, ["alias *t", "aliases are not supported"])],
    "yaml-broken": [("front-matter", 3, None, ["not valid YAML"])],
    "yaml-tag": [("front-matter", 1, None, ["YAML tag", "a plain value"])],
    "three-problems": [("invalid-date", 7, "date", ["'2019-13-01'"]),
                       ("unknown-author", 9, "speakers", ["'zoe'"]),
                       ("not-a-video", 10, "video", ["'https://example.org/v'"])],
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "posts" / "2023").mkdir(parents=True)
    (tmp_path / "posts" / "2023" / "valid.md").write_text(VALID, encoding="utf-8")
    (tmp_path / "talks").mkdir()
    return tmp_path


def check(site: Path):
    rules = rules_for(site)
    return check_talks("talks/talks.yaml", rules, check_site(rules).posts)


def test_every_corpus_case_has_an_expectation():
    assert {path.stem for path in CASES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_talk_data_gives_exactly_the_expected_problems(case, site):
    shutil.copy(CASES / f"{case}.yaml", site / "talks" / "talks.yaml")
    report = check(site)
    got = [(p.kind, p.path, p.line, p.field) for p in report.problems]
    assert got == [(kind, "talks/talks.yaml", line, fld) for kind, line, fld, _ in EXPECTED[case]]
    for problem, (*_, fragments) in zip(report.problems, EXPECTED[case]):
        text = str(problem)
        assert text.startswith(f"talks/talks.yaml:{problem.line}: "), text
        if problem.field:
            assert text.startswith(f"talks/talks.yaml:{problem.line}: {problem.field}: "), text
        assert "; expected " in text
        for fragment in fragments:
            assert fragment in text, (fragment, text)
    assert report.talks == ()  # a site with bad talk data has none until it is fixed: the build stops


def test_markup_in_values_is_kept_as_text_not_refused(site):
    (site / "talks" / "talks.yaml").write_text(
        '- title: Lazy <iframe> embeds & "quotes"\n  date: 2019-02-02\n  event: <b>FOSDEM</b>\n'
        "  place: '\"><img src=x onerror=alert(1)>'\n  speakers: [alice, {guest: '<script>x</script>'}]\n"
        "  abstract: |\n    One <em>paragraph</em>.\n\n    Two.\n", encoding="utf-8")
    report = check(site)
    assert report.problems == []
    (talk,) = report.talks
    assert talk.title == 'Lazy <iframe> embeds & "quotes"'
    assert talk.event == "<b>FOSDEM</b>" and talk.place == '"><img src=x onerror=alert(1)>'
    assert [speaker.name for speaker in talk.speakers] == ["Alice Martin", "<script>x</script>"]
    assert talk.abstract == ("One <em>paragraph</em>.", "Two.")


@pytest.mark.parametrize(("address", "player"), [
    ("https://www.youtube.com/watch?v=abcdef12345", "https://www.youtube-nocookie.com/embed/abcdef12345"),
    ("https://youtu.be/abcdef12345", "https://www.youtube-nocookie.com/embed/abcdef12345"),
    ("https://www.youtube.com/embed/abcdef12345", "https://www.youtube-nocookie.com/embed/abcdef12345"),
    ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
    ("https://vimeo.com/channels/staffpicks", None),
    ("https://www.youtube.com/watch?v=a", None),
    ("https://www.youtube.com.evil.example/watch?v=abcdef12345", None),
])
def test_video_addresses_become_players_of_the_two_hosts_only(address, player):
    video = video_of(address)
    assert (video.player if video else None) == player


def test_check_prints_the_talk_problems_as_the_build_does(tmp_path):
    src = tmp_path / "site"
    shutil.copytree(REPO / "tests" / "roots" / "test-talks", src)
    shutil.copy(CASES / "three-problems.yaml", src / "talks" / "talks.yaml")
    run = subprocess.run([sys.executable, "-m", "techblog", "--root", str(src), "check"], capture_output=True,
                         text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert [line.split(": ERROR: ")[0] for line in lines] == [
        "talks/talks.yaml:7", "talks/talks.yaml:9", "talks/talks.yaml:10"]
    assert lines[1].endswith("expected one of: alice, bruno, chiara, daniel, tomas, or {guest: Full Name}")
    assert "3 problem(s) in 1 file(s)" in run.stderr
