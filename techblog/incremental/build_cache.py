"""Values worked out once per build, or kept from one build to the next.

Every page of a build asks the same questions (the posts of its section,
what every page shows alike...). :func:`once` answers each once per build:
its store (``BuildState.once``, :mod:`techblog.state`) is emptied when the
environment is updated, before anything is written, so a second build in
the same process (the tests, sphinx-autobuild) never sees the first one's.

:func:`kept` keeps answers between builds (``<doctreedir>/techblog-kept.sqlite``),
for HTML that a later build would draw again identically: a post as listings
show it. Its key must name everything the answer depends on, including what
every page depends on alike (settings, templates, this package). Answers
stay while the group they belong to is current (:func:`keep_only`), even
through builds that do not ask for them (pages left as they were); new
answers are saved only after a build that succeeded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

from sphinx.application import Sphinx

from techblog.state import state_of

T = TypeVar("T")


def once(app: Sphinx, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, worked out the first time ``key`` is asked for in this build."""
    store = state_of(app).once
    if key not in store:
        store[key] = compute()
    return store[key]


KEPT = "techblog-kept.sqlite"


class KeptStore:
    """Answers kept between builds, in an SQLite file: a build reads only the
    answers it asks for and writes only new ones (there can be tens of
    thousands: 10,000 posts, each drawn for several folders)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.db = self.open()
        except sqlite3.DatabaseError:  # not a database (any more): start again
            path.unlink(missing_ok=True)
            self.db = self.open()
        self.seen: dict[tuple[str, str], str] = {}
        self.new: list[tuple[str, str, str, str]] = []
        self.keep: dict[str, set[str]] = {}

    def open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path)
        db.execute("CREATE TABLE IF NOT EXISTS kept (kind TEXT, key TEXT, grp TEXT, value TEXT, "
                   "PRIMARY KEY (kind, key))")
        return db

    def get(self, kind: str, group: str, key: str, compute: Callable[[], str]) -> str:
        if (kind, key) not in self.seen:
            row = self.db.execute("SELECT value FROM kept WHERE kind = ? AND key = ?", (kind, key)).fetchone()
            if row is None:
                value = compute()
                self.new.append((kind, key, group, value))
            else:
                value = row[0]
            self.seen[kind, key] = value
        return self.seen[kind, key]

    def save(self) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO kept VALUES (?, ?, ?, ?)", self.new)
            for kind, groups in self.keep.items():
                self.db.execute("CREATE TEMP TABLE IF NOT EXISTS current (grp TEXT PRIMARY KEY)")
                self.db.execute("DELETE FROM current")
                self.db.executemany("INSERT OR IGNORE INTO current VALUES (?)", [(g,) for g in groups])
                self.db.execute("DELETE FROM kept WHERE kind = ? AND grp NOT IN (SELECT grp FROM current)", (kind,))
        self.db.close()


def _store(app: Sphinx) -> KeptStore:
    state = state_of(app)
    if state.kept is None:
        state.kept = KeptStore(Path(app.doctreedir) / KEPT)
    return state.kept


def kept(app: Sphinx, kind: str, group: str, key: str, compute: Callable[[], str]) -> str:
    """``compute()`` (a string), or its answer from an earlier build under the
    same ``kind`` and ``key``. ``group`` says what the answer belongs to
    (:func:`keep_only`)."""
    return _store(app).get(kind, group, key, compute)


def keep_only(app: Sphinx, kind: str, groups: Callable[[], set[str]]) -> None:
    """When this build ends, forget the kept answers of ``kind`` that belong to
    no group of ``groups()`` (a post edited or deleted since, say). Only in a
    build that used the store: one that drew nothing leaves it as it is."""
    store = state_of(app).kept
    if store is not None:
        store.keep[kind] = set(groups())


def save_kept(app: Sphinx, exception: Exception | None) -> None:
    state = state_of(app)
    store, state.kept = state.kept, None
    if store is None:
        return
    if exception is None:
        store.save()
    else:
        store.db.close()
