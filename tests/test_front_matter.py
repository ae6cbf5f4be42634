"""The metadata contract, case by case: tests/corpus/bad holds one post per
row of issue 3's table and per rule of the contract; tests/corpus/good the
inputs that must simply work.

Each bad case is laid into a small site next to a valid post and must give
exactly the expected problems (kind, file, line, field, value, what was
expected) and nothing else; the valid post must come through untouched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from techblog.tools.cli import load_rules
from techblog.posts.contract import check_pages, check_site, read_post, slugify

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)

VALID = """\
---
date: 2024-01-10
author: bruno
category: upstream
tags: ceph
---

# The valid neighbour

It must come through untouched.
"""

# case -> [(kind, path in the site, line, field, fragments the message must contain)]
EXPECTED = {
    # Issue 3's table.
    "date-impossible-unquoted": [("invalid-date", None, 2, "date", ["'2024-02-30'", "day is out of range for month",
                                                                     "ISO 8601"])],
    "date-impossible-quoted": [("invalid-date", None, 2, "date", ["'2024-02-30'", "day is out of range for month"])],
    "date-month-and-year": [("invalid-date", None, 2, "date", ["'March 2024'", "not in ISO 8601 form",
                                                               "2024-03-05"])],
    "date-year-only": [("invalid-date", None, 2, "date", ["'2024'", "it has no day"])],
    "date-day-month-ambiguous": [("invalid-date", None, 2, "date", ["'01/02/2024'", "day and month order is ambiguous"])],
    "tags-sharing-a-page": [("tag-collision", None, 5, "tags", ["'C#'", "'C++'", "blog/tag/c.html"])],
    "field-typo-tag": [("unknown-field", None, 5, "tag", ["tag: is not a field", "write 'tags'"])],
    "field-unknown": [("unknown-field", None, 5, "location", ["location: is not a field", "one of: date, author"])],
    "blogpost-false": [("unknown-field", None, 2, "blogpost", ["every file matching blog_post_pattern is a post",
                                                               "draft: true"])],
    "nocomments": [("unknown-field", None, 5, "nocomments", ["write 'comments: false'"])],
    "author-unregistered": [("unknown-author", None, 3, "author", ["'bob'", "blog_authors",
                                                                   "one of: alice, bruno, chiara, daniel"])],
    "no-front-matter": [("no-front-matter", None, 1, None, ["has no front matter", "'---' block"])],
    "no-title": [("no-title", None, 8, "title", ["'The text starts without a title.'", "'# Title'"])],
    "label-shared-by-two-posts": [("label-collision", "posts/x/index.md", 1, "file name",
                                   ["'x'", "legacy/2014/03/x.md", "a file name no other post uses"])],
    # The contract's other rules.
    "tag-spellings-across-posts": [("tag-collision", "posts/2024/second.md", 5, "tags",
                                    ["'openstack'", "'OpenStack'", "posts/2024/first.md", "blog/tag/openstack.html"])],
    "author-display-name": [("unknown-author", None, 3, "author", ["'Alice Martin'", "write its key, 'alice'"])],
    "category-unregistered": [("unknown-category", None, 4, "category", ["'Misc'", "techblog_categories",
                                                                         "operations, upstream"])],
    "series-unregistered": [("unknown-series", None, 5, "series", ["'Watching the Cloud'", "techblog_series",
                                                                   "write its key, 'observability'",
                                                                   "one of: observability"])],
    "field-missing": [("missing-field", None, 1, "author", ["author: is missing", "blog_authors"])],
    "field-twice": [("front-matter", None, 5, "date", ["date: is given twice (first on line 2)"])],
    "yaml-broken": [("front-matter", None, 4, None, ["not valid YAML"])],
    "front-matter-unclosed": [("front-matter", None, 1, None, ["never closed", "'---'"])],
    "draft-not-boolean": [("not-a-boolean", None, 5, "draft", ["'yes'", "true or false"])],
    "tags-empty-item": [("empty-item", None, 5, "tags", ["'ceph,,openstack'", "empty item"])],
    "tags-comma-in-list-item": [("comma-in-item", None, 5, "tags", ["'ceph, rbd'", "one value per list item"])],
    "tags-without-letters": [("tag-without-page", None, 5, "tags", ["'++'", "no letter or digit"])],
    "tags-twice": [("tag-collision", None, 5, "tags", ["'Ceph'", "'ceph'", "blog/tag/ceph.html"])],
    "date-as-list": [("not-a-list-field", None, 2, "date", ["['2024-03-05']", "a single value"])],
    "updated-before-date": [("updated-before-date", None, 5, "updated", ["'2024-03-01'", "before the post's date"])],
    "image-missing": [("image-not-found", None, 5, "image", ["'images/nowhere.png'", "is not a file"])],
    "original-url-not-a-url": [("not-a-url", None, 5, "original_url", ["absolute http(s) URL"])],
    "description-empty": [("empty-field", None, 5, "description", ["description: '' is empty"])],
    "offset-out-of-range": [("invalid-date", None, 2, "date", ["offset +25:00 is out of range"])],
    # Issue 13: odd values are problems at their line, never a traceback or accepted.
    "original-url-quote": [("not-a-url", None, 5, "original_url", ["contains '\"'", "absolute http(s) URL"])],
    "original-url-no-host": [("not-a-url", None, 5, "original_url", ["has no host"])],
    "image-javascript-url": [("not-a-url", None, 5, "image", ["'javascript:alert(1)'", "absolute http(s) URL"])],
    "image-outside-site": [("image-outside-site", None, 5, "image", ["is outside the site"])],
    "date-year-one-with-offset": [("invalid-date", None, 2, "date", ["between 1970-01-01 and 9998-12-31"])],
    "date-year-9999-with-offset": [("invalid-date", None, 2, "date", ["between 1970-01-01 and 9998-12-31"])],
    "description-bidi-escape": [("bad-character", None, 5, "description", ["U+202E (RIGHT-TO-LEFT OVERRIDE)",
                                                                            "printable text"])],
    "description-control-character-raw": [("front-matter", None, 5, "description", ["U+0007", "printable text"])],
    "tags-nul-escape": [("bad-character", None, 5, "tags", ["'nova\\x00'", "U+0000"])],
    "blogger-id-huge": [("too-long", None, 5, "blogger_id", ["(5000 characters) is too long", "at most 200"])],
    "tags-unloadable": [("yaml-unloadable", None, 5, "tags", ["would stop the build", "day is out of range",
                                                              "in quotes"])],
    "yaml-nesting-deep": [("front-matter", None, 5, "tags", ["nested list"])],
    "yaml-alias": [("front-matter", None, 6, "description", ["alias *a", "anchors and aliases are not supported"])],
    "yaml-tag": [("front-matter", None, 5, "description", ["YAML tag", "a plain value"])],
    "description-too-long": [("too-long", None, 5, "description", ["is too long", "at most 1000 characters"])],
    "tags-too-many": [("too-many-items", None, 5, "tags", ["has 101 items", "at most 100 items"])],
    "title-html": [("title-markup", None, 7, "title", ["'<iframe>' is HTML in the title", "backquotes"])],
    "title-control-character": [("bad-character", None, 7, "title", ["U+202E"])],
    "front-matter-closed-early": [("front-matter", None, 7, "description", ["ends the front matter here for MyST"])],
    "field-name-not-text": [("front-matter", None, 5, None, ["a field name is not plain text"])],
    "three-problems": [
        ("invalid-date", None, 2, "date", ["'2024-13-01'", "month must be in 1..12"]),
        ("unknown-author", None, 3, "author", ["'zoe'"]),
        ("not-a-boolean", None, 5, "comments", ["'maybe'"]),
    ],
}


def rules_for(root: Path):
    return dataclasses.replace(load_rules(REPO), srcdir=root, now=NOW)


def lay_out(case: str, root: Path) -> str | None:
    """Put the case into the site at ``root``; the post's path when it is one file."""
    source = CORPUS / "bad" / case
    if source.is_dir():
        shutil.copytree(source, root, dirs_exist_ok=True)
        return None
    target = root / "posts" / "2024" / f"{case}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "bad" / f"{case}.md", target)
    return target.relative_to(root).as_posix()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "posts" / "2023").mkdir(parents=True)
    (tmp_path / "posts" / "2023" / "valid.md").write_text(VALID, encoding="utf-8")
    return tmp_path


def test_every_corpus_case_has_an_expectation():
    cases = {path.stem if path.is_file() else path.name for path in (CORPUS / "bad").iterdir()}
    assert cases == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_front_matter_gives_exactly_the_expected_problems(case, site):
    single = lay_out(case, site)
    report = check_site(rules_for(site))
    got = [(p.kind, p.path, p.line, p.field) for p in report.problems]
    assert got == [(kind, path or single, line, fld) for kind, path, line, fld, _ in EXPECTED[case]]
    for problem, (*_, fragments) in zip(report.problems, EXPECTED[case]):
        text = str(problem)
        assert text.startswith(f"{problem.path}:{problem.line}: "), text
        if problem.field:
            assert f"{problem.field}: " in text
        assert "; expected " in text
        for fragment in fragments:
            assert fragment in text, (fragment, text)
    # Nothing else was dropped: the neighbour is intact.
    valid = report.posts["posts/2023/valid"]
    assert (valid.title, valid.authors, valid.categories, valid.tags) == (
        "The valid neighbour", ("bruno",), ("upstream",), ("ceph",))


def read_good(case: str, site: Path):
    target = site / "posts" / "2024" / f"{case}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "good" / f"{case}.md", target)
    meta, problems = read_post(target, rules_for(site))
    assert problems == []
    return meta


def test_a_date_with_an_offset_is_kept_and_shown_in_the_site_zone(site):
    meta = read_good("date-with-offset", site)
    assert meta.date.isoformat() == "2024-03-05T10:00:00+02:00"
    assert meta.site_date.isoformat() == "2024-03-05T09:00:00+01:00"  # Europe/Zurich in March


def test_a_naive_date_is_in_the_site_zone_whatever_the_machine(site, monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    meta = read_good("lists-as-comma-strings", site)
    assert meta.date.isoformat() == "2024-03-05T00:00:00+01:00"


def test_a_bom_and_windows_line_ends_change_nothing(site):
    meta = read_good("crlf-and-bom", site)
    assert (meta.title, meta.tags, meta.lines["tags"]) == ("A post", ("ceph",), 5)


def test_the_title_is_the_text_myst_shows(site):
    """Not the Markdown source: listings, feeds and link previews show what the page's heading shows."""
    meta = read_good("title-with-code", site)
    assert meta.title == "Lazy-loading <iframe> embeds"


def test_the_build_hands_the_contracts_title_to_ablog(site):
    from techblog.ablog.metadata import post_node

    meta = read_good("title-with-code", site)
    assert post_node(meta)["title"] == meta.title


@pytest.mark.parametrize(("setting", "value", "fragment"), [
    ("techblog_legacy_url", "javascript:alert(1)", "techblog_legacy_url: 'javascript:alert(1)' is not a web address"),
    ("techblog_legacy_url", 'https://old.example/" onclick="x', "contains '\"'"),
    ("blog_authors", {"alice": ("Alice", "https://x.example/ a")}, "blog_authors['alice']: 'https://x.example/ a' "
                                                                    "contains ' '"),
    ("blog_authors", {"alice": ("Alice\u202e", None)}, "blog_authors['alice']: 'Alice\\u202e' contains U+202E"),
    ("blog_authors", {"alice": "Alice"}, "blog_authors['alice']: 'Alice' is not a pair"),
    ("techblog_categories", {"ops": ("", "x")}, "techblog_categories['ops']: '' is not a display name"),
    ("techblog_series", {"Upgrades 2024": ("Upgrades", "x")}, "techblog_series: 'Upgrades 2024' is not a usable "
                                                              "series key"),
    ("techblog_series", {"upgrades": ("Upgrades", "")}, "techblog_series['upgrades']: '' is not a description"),
    ("techblog_series", {"upgrades": ("Upgrades", "a\x07")}, "techblog_series['upgrades']: 'a\\x07' contains"),
    ("techblog_series", ["upgrades"], "techblog_series: ['upgrades'] is not a dict"),
])
def test_settings_the_contract_reads_are_checked_and_named(setting, value, fragment, tmp_path):
    from techblog.tools.cli import load_settings

    settings = {**load_settings(REPO), setting: value}
    with pytest.raises(SystemExit) as stop:
        load_rules(tmp_path, settings)
    assert str(stop.value).startswith("error: conf.py: ") and fragment in str(stop.value), str(stop.value)


@pytest.mark.parametrize("epoch", ["9" * 5000, "999999999999", "1e9", "-1", "١٧٠٠٠٠٠٠٠٠"])
def test_a_source_date_epoch_out_of_range_is_a_settings_error(epoch, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(SystemExit) as stop:
        load_rules(REPO)
    message = str(stop.value)
    assert "SOURCE_DATE_EPOCH=" in message and "expected a whole number of seconds" in message
    assert len(message) < 300


def test_yaml_lists_and_comma_strings_mean_the_same(site):
    listed = read_good("lists-as-yaml-lists", site)
    commas = read_good("lists-as-comma-strings", site)
    for meta in (listed, commas):
        assert meta.authors == ("alice", "bruno")
        assert meta.categories == ("operations", "upstream")
        assert meta.tags == ("openstack", "Ceph RBD", "C++")  # whitespace normalised, spelling kept


def test_every_problem_of_a_site_is_reported_not_just_the_first(site):
    for case in ("date-impossible-quoted", "author-unregistered", "tags-sharing-a-page"):
        lay_out(case, site)
    report = check_site(rules_for(site))
    assert [p.kind for p in report.problems] == ["unknown-author", "invalid-date", "tag-collision"]
    assert "posts/2023/valid" in report.posts


def test_a_page_outside_the_posts_may_not_claim_to_be_one(site):
    page = site / "about.md"
    page.write_text("---\nblogpost: true\n---\n\n# About\n", encoding="utf-8")
    (problem,) = check_pages([page, site / "posts" / "2023" / "valid.md"], rules_for(site))
    assert (problem.kind, problem.path, problem.line, problem.field) == (
        "blogpost-outside-posts", "about.md", 2, "blogpost")


@pytest.mark.parametrize("tag", ["C++", "C#", "Ceph RBD", "ÉLASTIC", "x86_64", "k8s/ingress", "++", "  a  b "])
def test_tag_page_names_match_ablog(tag):
    from ablog.blog import slugify as ablog_slugify

    assert slugify(tag) == ablog_slugify(tag)
