"""``python -m techblog new``: a post that passes the contract, never an overwrite."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from techblog.tools import new_post as newpost
from techblog.tools.arguments import UsageError
from techblog.tools.cli import load_rules
from techblog.posts.contract import check_site, read_post

REPO = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 24, 10, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def rules(tmp_path):
    return dataclasses.replace(load_rules(REPO), srcdir=tmp_path, now=NOW)


def test_new_writes_a_valid_draft_under_posts_year_slug(rules):
    path, adopted = newpost.create(rules, title="Ceph à CERN: 10 PB, and counting", author="alice,chiara",
                                   category="operations", tags="ceph, storage", date=None)
    assert adopted == []
    assert path == rules.srcdir / "posts/2026/ceph-a-cern-10-pb-and-counting.md"
    meta, problems = read_post(path, rules)
    assert problems == []
    assert (meta.title, meta.authors, meta.categories, meta.tags, meta.draft) == (
        "Ceph à CERN: 10 PB, and counting", ("alice", "chiara"), ("operations",), ("ceph", "storage"), True)
    assert meta.date.date() == dt.date(2026, 11, 24)
    assert check_site(rules).problems == []


def test_new_puts_the_post_in_a_series(rules):
    path, _ = newpost.create(rules, title="Traces too", author="alice", category="operations", tags=None,
                             date=None, series="observability")
    meta, problems = read_post(path, rules)
    assert problems == [] and meta.series == "observability"


def test_new_takes_the_year_from_the_date(rules):
    path, _ = newpost.create(rules, title="Back-dated", author="bruno", category="events", tags=None,
                          date="2025-12-31T23:00:00-05:00")
    assert path.relative_to(rules.srcdir).as_posix() == "posts/2025/back-dated.md"
    assert read_post(path, rules)[0].date.isoformat() == "2025-12-31T23:00:00-05:00"


def test_new_never_overwrites_and_never_reuses_a_label(rules):
    first, _ = newpost.create(rules, title="Same title", author="alice", category="events", tags=None, date=None)
    first.write_text(first.read_text() + "\nThe author's words.\n")
    with pytest.raises(newpost.Refused, match="already exists; it was not overwritten"):
        newpost.create(rules, title="Same title", author="alice", category="events", tags=None, date=None)
    assert "The author's words." in first.read_text()
    with pytest.raises(newpost.Refused, match="posts/2026/same-title.md already uses the file name 'same-title'"):
        newpost.create(rules, title="Same title", author="alice", category="events", tags=None, date="2027-01-01")


@pytest.mark.parametrize(("options", "refusal", "message"), [
    ({"author": "zed"}, newpost.Refused, "author: 'zed' is not registered in blog_authors"),
    ({"tags": "C++, C#"}, newpost.Refused, "would share one page"),
    ({"series": "Watching the cloud"}, newpost.Refused,
     "series: 'Watching the cloud' is not registered in techblog_series in conf.py"),
    # Unusable arguments rather than a post the contract refuses: exit status 2, not 1
    ({"author": None}, UsageError, "--author: missing; expected one or more of alice"),
    ({"category": None}, UsageError, "--category: missing; expected one or more of operations"),
    ({"date": "01/02/2026"}, UsageError, "--date 01/02/2026: not a valid date"),
    ({"title": "!!!"}, UsageError, "no letter or digit"),
])
def test_new_refuses_what_the_contract_refuses_and_writes_nothing(rules, options, refusal, message):
    args = {"title": "A post", "author": "alice", "category": "events", "tags": None, "date": None, **options}
    with pytest.raises(refusal, match=message.replace("(", r"\(").replace("+", r"\+")):
        newpost.create(rules, **args)
    assert not list(rules.srcdir.rglob("*"))  # not even an empty posts/YYYY folder


def test_new_adopts_the_spelling_another_post_gives_a_tag_and_says_so(rules):
    first, _ = newpost.create(rules, title="First", author="alice", category="events", tags="OpenStack, Upgrades",
                              date=None)
    second, adopted = newpost.create(rules, title="Second", author="alice", category="events",
                                     tags="openstack,  ceph, upgrades", date=None)
    assert read_post(second, rules)[0].tags == ("OpenStack", "ceph", "Upgrades")
    assert [str(a) for a in adopted] == [
        "tag 'openstack' written as 'OpenStack', as posts/2026/first.md spells it (one page per tag)",
        "tag 'upgrades' written as 'Upgrades', as posts/2026/first.md spells it (one page per tag)"]
    assert check_site(rules).problems == []
    assert first.read_text().count("OpenStack, Upgrades") == 1  # the other post is left as it was


def test_the_command_prints_the_path_and_exits_0_then_1(tmp_path):
    (tmp_path / "conf.py").write_text((REPO / "conf.py").read_text())
    run = [sys.executable, "-m", "techblog", "--root", str(tmp_path), "new", "Hello", "--author", "alice",
           "--category", "events"]
    first = subprocess.run(run, capture_output=True, text=True, cwd=REPO)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / first.stdout.strip()).is_file()
    again = subprocess.run(run, capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 1 and "not overwritten" in again.stderr


def test_the_command_says_which_spelling_it_adopted(tmp_path):
    (tmp_path / "conf.py").write_text((REPO / "conf.py").read_text())
    run = [sys.executable, "-m", "techblog", "--root", str(tmp_path), "new", "--author", "alice",
           "--category", "events"]
    assert subprocess.run([*run, "First", "--tags", "Upgrades"], capture_output=True, cwd=REPO).returncode == 0
    second = subprocess.run([*run, "Second", "--tags", "upgrades"], capture_output=True, text=True, cwd=REPO)
    assert second.returncode == 0, second.stderr
    rel = second.stdout.strip()
    assert rel.startswith("posts/") and rel.endswith("/second.md")
    first = rel.replace("second.md", "first.md")
    assert second.stderr.strip() == f"tag 'upgrades' written as 'Upgrades', as {first} spells it (one page per tag)"
