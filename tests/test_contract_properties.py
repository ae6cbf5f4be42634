"""The metadata contract under random input (Hypothesis).

Whatever a post file holds - random YAML-ish text, odd Unicode, huge
numbers, deep nesting, aliases, dates at the ends of the calendar - reading
it never raises: it gives either valid metadata that keeps the contract's
promises, or problems that each name the file, a line of it and (unless the
problem is the whole block) the field. And the title the contract gives is
the one MyST's reading of the page gives, so check and build agree on it.

Derandomized, so CI runs the same examples every time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from docutils import nodes
from docutils.core import publish_doctree
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from myst_parser.parsers.docutils_ import Parser as MystParser

from techblog.posts import frontmatter
from techblog.tools.cli import load_rules
from techblog.posts.contract import DEFAULT_MAX_LENGTH, FIELDS, MAX_ITEMS, MAX_LENGTH, read_post

REPO = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Problems about the block as a whole, where no single field is to blame.
WHOLE = ("the front matter", "the file", "a field name", "this file is a post")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    (root / "posts" / "2024" / "images").mkdir(parents=True)
    (root / "posts" / "2024" / "images" / "card.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    rules = dataclasses.replace(load_rules(REPO), srcdir=root.resolve(), now=NOW)
    return root.resolve(), rules


# -- values --------------------------------------------------------------------

ODD = ("\x00", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\u2029", "\u202e", "\u2066", "\ufeff", "\t", "\r",
       "\ufffd", "\u00a0", "é", "😀", "'", '"', "<", ">", "`", "\\", "#", ":", ",", "[", "]", "{", "}", "&", "*",
       "!", "|", "-", "?", "%", "@")
odd_text = st.text(alphabet=st.one_of(st.sampled_from(ODD), st.characters()), max_size=40)
ascii_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
edge_dates = st.builds(
    lambda y, rest, off: f"{y:04d}-{rest}{off}",
    st.sampled_from([1, 1969, 1970, 2024, 9998, 9999]),
    st.sampled_from(["01-01", "12-31", "02-29", "02-30", "13-01", "12-31T23:59:59", "01-01T00:00:00",
                     "06-15T24:00", "03-05T10:00:00.123456"]),
    st.sampled_from(["", "Z", "+01:00", "-01:00", "+14:00", "-23:59", "+24:00", "+0100"]),
)
huge_numbers = st.sampled_from(["1e999", "-1e999", ".inf", "0x" + "f" * 300, "9" * 5000, "1_000", "0o777",
                                "190:20:30", "~", "null", "yes", "Off", "3.10"])
valid = {
    "date": st.sampled_from(["2024-03-05", "2024-03-05T10:00", "2024-03-05T10:00:00+01:00"]),
    "author": st.sampled_from(["alice", "alice, bruno", "[alice, bruno]"]),
    "category": st.sampled_from(["operations", "[upstream]"]),
    "tags": st.sampled_from(["ceph", "ceph, openstack", "[nova, 'C++']"]),
    "description": st.sampled_from(["A post.", '"Quoted: with a colon."']),
    "image": st.sampled_from(["images/card.png", "https://example.org/x.png", "../../../etc/passwd"]),
    "draft": st.sampled_from(["true", "false"]),
    "comments": st.sampled_from(["true", "false"]),
    "updated": st.sampled_from(["2024-04-01", "2023-01-01"]),
    "original_url": st.sampled_from(["https://old.example/x.html", "https://old.example/a\"b", "ftp://x/y",
                                     "https://", "http://[::1]:99999/"]),
    "original_date": st.sampled_from(["2014-03-11"]),
    "blogger_id": st.sampled_from(["'6130458892017734528'", "6130458892017734528"]),
}


def nested(depth: int) -> str:
    return "[" * depth + "x" + "]" * depth


def rendered(text: str) -> st.SearchStrategy[str]:
    """A text as a YAML value: plain, double-quoted (JSON escapes make any
    character), single-quoted, or inside a flow list."""
    return st.sampled_from([
        text,
        json.dumps(text),
        json.dumps(text, ensure_ascii=False),
        "'" + text.replace("'", "''") + "'",
        "[" + json.dumps(text) + ", x]",
    ])


values = st.one_of(
    st.sampled_from(sorted(valid)).flatmap(lambda name: valid[name]),
    odd_text.flatmap(rendered),
    edge_dates.flatmap(rendered),
    huge_numbers,
    st.integers(min_value=1, max_value=3000).map(nested),
    st.just("&a [x, x]"), st.just("*a"), st.just("!!python/object:os.system x"), st.just("!!binary zz"),
    st.just("{a: b}"), st.just("\n  - a\n  - [b]"), st.just("|\n  ---\n  x"),
    st.integers(min_value=1, max_value=3000).map(lambda n: "x" * n),
    st.integers(min_value=1, max_value=300).map(lambda n: "[" + ", ".join(f"t{i}" for i in range(n)) + "]"),
)
keys = st.one_of(st.sampled_from(sorted(FIELDS)), st.sampled_from(["title", "tag", "? [a]", "<<", '"a\\nb"',
                                                                     "~", "1", "[x]", "&k date"]), ascii_text)


@st.composite
def front_matter(draw) -> str:
    """A post: mostly valid front matter with random fields and values, or random text."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=300))
    fields = {"date": draw(valid["date"]), "author": "alice", "category": "operations"}
    for _ in range(draw(st.integers(0, 4))):
        fields[draw(keys)] = draw(values)
    lines = [f"{key}: {value}" for key, value in fields.items()]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    title = draw(st.one_of(st.just("# A title"), odd_text.map(lambda t: "# " + t), st.just("Not a title")))
    return bom + newline.join(["---", *lines, "---", "", title, "", "Text."]) + newline


def file_lines(text: str) -> int:
    return len(frontmatter.lines_of(text))


def check_outcome(path: Path, rules, text: str | None) -> None:
    rel = path.relative_to(rules.srcdir).as_posix()
    meta, problems = read_post(path, rules)  # never raises
    if problems:
        assert meta is None
        most = file_lines(text) if text is not None else 1
        for problem in problems:
            message = str(problem)
            assert problem.path == rel
            assert 1 <= problem.line <= max(most, 1), (problem.line, most, message)
            assert message.startswith(f"{rel}:{problem.line}: ")
            assert "; expected " in message
            assert message.isprintable(), message  # one line, nothing the terminal would act on
            assert len(message) < 1000, message
            if problem.field is None:
                assert problem.message.startswith(WHOLE), message
            else:
                assert problem.message.startswith(f"{frontmatter.named(problem.field)}: "), message
        return
    assert meta is not None
    strings = [meta.title, *meta.authors, *meta.categories, *meta.tags, meta.description, meta.image,
               meta.original_url, meta.blogger_id]
    for value in filter(None, strings):
        assert frontmatter.bad_character(value) is None, value
        assert len(value) <= max(MAX_LENGTH.values())
    assert len(meta.title) <= MAX_LENGTH["title"]
    assert all(len(tag) <= MAX_LENGTH["tags"] for tag in meta.tags) and len(meta.tags) <= MAX_ITEMS
    for moment in filter(None, (meta.date, meta.updated, meta.original_date)):
        moment.astimezone(dt.timezone.utc), moment.astimezone(rules.tz)  # no OverflowError
    meta.unpublished(rules.now)
    assert meta.site_date == meta.date
    # MyST loads the same block in the build: it must not fail there.
    block = frontmatter.lines_of(text)
    end = block.index("---", 1)
    yaml.safe_load("\n".join(block[1:end]))
    assert len(meta.description or "") <= MAX_LENGTH["description"]
    assert all(len(v) <= DEFAULT_MAX_LENGTH for v in (meta.blogger_id or "",))


@SETTINGS
@given(text=front_matter())
@example(text="---\ndate: 2024-03-05\nauthor: alice\ncategory: operations\n*0: &a [x, x]\n---\n\n# A title\n")
def test_reading_any_front_matter_gives_metadata_or_located_problems(site, text):
    root, rules = site
    path = root / "posts" / "2024" / "random.md"
    path.write_text(text, encoding="utf-8", newline="")
    check_outcome(path, rules, text)


@SETTINGS
@given(data=st.binary(max_size=200))
def test_reading_any_bytes_gives_metadata_or_located_problems(site, data):
    root, rules = site
    path = root / "posts" / "2024" / "bytes.md"
    path.write_bytes(b"---\ndate: 2024-03-05\nauthor: alice\ncategory: operations\n" + data)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = None
    check_outcome(path, rules, text)


def myst_title(text: str) -> str:
    """The page title as MyST and docutils read the file (what ABlog would take)."""
    doctree = publish_doctree(text, parser=MystParser(), settings_overrides={
        "report_level": 5, "halt_level": 5, "myst_enable_extensions": ["colon_fence", "deflist"]})
    title = next(iter(doctree.findall(nodes.title)), None)
    return title.astext() if title is not None else ""


title_text = st.text(alphabet=st.one_of(st.sampled_from("`*_<>&\\[]()!#'\" x"), st.characters(
    min_codepoint=32, max_codepoint=0x2FF)), min_size=1, max_size=30)


@SETTINGS
@given(title=title_text)
def test_the_contracts_title_is_the_one_myst_reads(site, title):
    root, rules = site
    text = f"---\ndate: 2024-03-05\nauthor: alice\ncategory: operations\n---\n\n# {title}\n\nText.\n"
    path = root / "posts" / "2024" / "title.md"
    path.write_text(text, encoding="utf-8")
    meta, problems = read_post(path, rules)
    if meta is not None:
        assert meta.title == myst_title(text)
    else:
        assert all(p.field == "title" and p.line == 7 for p in problems), problems
