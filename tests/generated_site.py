"""The generated 200-post site (50 legacy posts, a draft and a future post),
built once per session with -W: shared by the pagination and sidebar tests.

The expected answers come from the generated sources (tests/sources.py),
never from the build.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from conftest import REPO, sphinx_build
from sources import published_posts

ROOT = REPO / "tests" / "roots" / "test-pagination"
PUBLISHED = 200
TAGS = {2: "openstack", 3: "ceph", 5: "kubernetes", 7: "puppet", 11: "grafana"}
AUTHORS = ["alice", "bruno", "chiara"]
# Posts of a series (conf.py's), in date order: each shows "Part N of 3".
SERIES = {"observability": [100, 110, 120]}

POST = """---
date: {date}
author: {authors}
category: {categories}
{extra}---

# {title}

{excerpt}

The rest of post {number}, not in listings.
"""


def write_post(src, i: int, date: dt.date, extra: str = "") -> None:
    """Post ``i``: the first 50 are legacy posts, the others new ones."""
    tags = [tag for k, tag in TAGS.items() if i % k == 0]
    authors = [AUTHORS[i % 3]] + (["daniel"] if i % 13 == 0 else [])
    if i < 50:
        path = src / f"legacy/{date:%Y/%m}/old-{i:03d}.md"
        categories = ["legacy", "operations"] if i % 4 == 0 else ["legacy"]
    else:
        path = src / f"posts/{date:%Y}/post-{i:03d}.md"
        categories = ["operations" if i % 2 else "upstream"]
    # Some excerpts link to a tag page: the link must resolve from every page it is listed on.
    excerpt = f"Excerpt of post {i}."
    if i % 10 == 0:
        excerpt += " See {ref}`all OpenStack posts <tag-openstack>`."
    extra = (f"tags: {', '.join(tags)}\n" if tags else "") + extra
    extra += "".join(f"series: {key}\n" for key, parts in SERIES.items() if i in parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = POST.format(date=date.isoformat(), authors=", ".join(authors), categories=", ".join(categories),
                       extra=extra, title=f"Post {i:03d}", excerpt=excerpt, number=i)
    path.write_text(text, encoding="utf-8")


def post_date(i: int) -> dt.date:
    """Eighteen days apart until 2020, then 50 posts in 2021 (a year of three pages).
    Posts 25, 75, ... share the date of the post before them."""
    i -= i % 50 == 25
    if i < 150:
        return dt.date(2013, 1, 1) + dt.timedelta(days=18 * i)
    return dt.date(2021, 1, 1) + dt.timedelta(days=6 * (i - 150))


@pytest.fixture(scope="session")
def paged(tmp_path_factory):
    """The 200-post site, built once for the whole session with -W."""
    src = tmp_path_factory.mktemp("pagination") / "src"
    shutil.copytree(ROOT, src)
    for i in range(PUBLISHED):
        write_post(src, i, post_date(i))
    # Not published: must appear on no page.
    write_post(src, 300, dt.date(2021, 6, 1), extra="draft: true\n")
    write_post(src, 301, dt.date(2999, 1, 1))
    return sphinx_build(src, src / "_build/html", src / "_build/doctrees")


@pytest.fixture(scope="session")
def posts(paged):
    found = published_posts(paged.srcdir)
    assert len(found) == PUBLISHED
    return found
