"""What to read next, at the end of a post: the other parts of its series,
and up to three related posts.

Drawn by ``_templates/techblog/next-reading.html``, which ``page.html``
includes after the post's body and before its live comments. Both lists are
worked out from the posts a build publishes (``bridge.posts``: drafts only in
a preview that shows them), newest and legacy posts alike.

Related posts (:func:`related_posts`): the posts sharing most with this one,
scored by their shared tags, where a rarer tag weighs more: a tag that ``k``
of the ``n`` posts carry weighs ``log(1 + n / k)`` (its inverse document
frequency, plus one so that a tag every post has still counts a little).
Ties go to the post nearest in time, then to the docname, so the choice is
the same in every build. A post sharing no tag is never related, and a post
without tags shows no list: a list of arbitrary posts would say nothing.
Parts of the post's own series are left out: the series box lists them.

A series (``series:`` in the front matter, a key of ``techblog_series`` in
conf.py) is in date order, then docname (:func:`series_parts`): a part
written later comes later, and no part numbers need keeping in step when a
part is added or dropped. ``pages/series.py`` draws its page and feed.

:func:`inputs` is what these lists show of other posts:
``incremental/rewrites.py`` writes a post's page again when it changes (a
re-tagged, added or removed post changes the lists of others).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sphinx.application import Sphinx

from techblog.ablog import bridge
from techblog.incremental import build_cache
from techblog.pages import views

RELATED_COUNT = 3
TEMPLATE = "techblog/next-reading.html"
CONTEXT_KEY = "techblog_next"
SERIES_FOLDER = "series"  # under blog_path: blog/series.html, blog/series/<key>.html
# Scores within this of each other are equal (sums of floats in another order).
PRECISION = 9


@dataclass(frozen=True)
class Candidate:
    """What choosing related posts looks at: no Sphinx, so it can be tested alone."""

    docname: str
    date: dt.datetime  # aware
    tags: tuple[str, ...]
    series: str | None = None


def tag_weights(posts: Sequence[Candidate]) -> dict[str, float]:
    """Each tag's weight: ``log(1 + n / k)``, ``k`` of the ``n`` posts carrying it."""
    counts = Counter(tag for post in posts for tag in set(post.tags))
    return {tag: math.log(1 + len(posts) / count) for tag, count in counts.items()}


def related_posts(posts: Sequence[Candidate], count: int = RELATED_COUNT) -> dict[str, tuple[str, ...]]:
    """Docname -> the docnames of its ``count`` related posts, best first."""
    weights = tag_weights(posts)
    carrying: dict[str, list[int]] = defaultdict(list)
    for index, post in enumerate(posts):
        for tag in set(post.tags):
            carrying[tag].append(index)
    times = [post.date.timestamp() for post in posts]
    found = {}
    for index, post in enumerate(posts):
        scores: dict[int, float] = defaultdict(float)
        for tag in sorted(set(post.tags)):  # one order of additions for every candidate
            for other in carrying[tag]:
                scores[other] += weights[tag]
        scores.pop(index, None)
        if post.series:
            scores = {other: score for other, score in scores.items() if posts[other].series != post.series}
        if not scores:
            found[post.docname] = ()
            continue
        # Only the candidates scoring at least the count-th best can be chosen:
        # ranked in full, they are few (a post's only tag shared by hundreds aside).
        least = heapq.nlargest(count, scores.values())[-1] - 10**-PRECISION
        here = times[index]
        chosen = sorted((other for other, score in scores.items() if score >= least),
                        key=lambda other: (-round(scores[other], PRECISION), abs(times[other] - here),
                                           posts[other].docname))
        found[post.docname] = tuple(posts[other].docname for other in chosen[:count])
    return found


# -- In a build ----------------------------------------------------------------------


def candidates(app: Sphinx) -> list[Candidate]:
    return [Candidate(post.docname, post.meta.date, post.meta.tags, post.meta.series) for post in bridge.posts(app)]


def related_of(app: Sphinx, docname: str) -> list[bridge.BlogPost]:
    """The related posts of ``docname`` (worked out for every post at once, once a build)."""
    chosen = build_cache.once(app, "related-posts", lambda: related_posts(candidates(app)))
    return [bridge.post(app, other) for other in chosen.get(docname, ())]


def series_parts(app: Sphinx) -> dict[str, list[bridge.BlogPost]]:
    """Series key -> its published parts, oldest first (once a build)."""
    return build_cache.once(app, "series-parts", lambda: _series_parts(app))


def _series_parts(app: Sphinx) -> dict[str, list[bridge.BlogPost]]:
    parts: dict[str, list[bridge.BlogPost]] = defaultdict(list)
    for post in bridge.posts(app):
        if post.meta.series:
            parts[post.meta.series].append(post)
    return {key: sorted(found, key=lambda post: (post.meta.date, post.docname))
            for key, found in sorted(parts.items())}


def series_page(app: Sphinx, key: str) -> str:
    return f"{app.config.blog_path}/{SERIES_FOLDER}/{key}"


def series_box(app: Sphinx, post: bridge.BlogPost) -> dict | None:
    """What the series box of ``post`` shows; None outside a series."""
    key = post.meta.series
    parts = series_parts(app).get(key or "", [])
    places = [part.docname for part in parts]
    if post.docname not in places:
        return None
    title, _description = app.config.techblog_series[key]
    return {
        "key": key,
        "title": title,
        "docname": series_page(app, key),
        "feed": series_page(app, key) + "/atom.xml",
        "number": places.index(post.docname) + 1,
        "count": len(parts),
        "parts": [{"post": part, "current": part.docname == post.docname} for part in parts],
    }


def next_reading(app: Sphinx, docname: str) -> dict | None:
    """What ``next-reading.html`` draws under the post ``docname``; None when nothing."""
    post = bridge.post(app, docname)
    if post is None:
        return None
    box = series_box(app, post)
    related = related_of(app, docname)
    if box is None and not related:
        return None
    return {"series": box, "related": related}


def inputs(app: Sphinx, docname: str) -> tuple:
    """What the lists under ``docname`` show of other posts, comparable between
    builds: each listed post's link, title and date (the series' title and
    description come from conf.py, which every page's digest covers)."""
    shown = next_reading(app, docname)
    if shown is None:
        return ()
    box = shown["series"]
    parts = (box["key"], tuple(views.link(part["post"]) for part in box["parts"])) if box else None
    return (parts, tuple(views.link(post) for post in shown["related"]))


def add_next_reading(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Give a post's page what ``next-reading.html`` draws (``page.html`` includes it)."""
    if doctree is None or not bridge.builder_support(app):
        return
    shown = next_reading(app, pagename)
    if shown is not None:
        context[CONTEXT_KEY] = {**shown, "date_format": app.config.post_date_format}
