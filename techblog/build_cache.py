"""Values worked out once per build and shared by the pages that need them.

Every page of a build asks the same questions (the posts of its section,
what every page shows alike, a post's rendered excerpt...). The answers
hold for one build: the store is emptied when the environment is updated,
before anything is written, so a second build in the same process (the
tests, sphinx-autobuild) never sees the first one's.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

T = TypeVar("T")
_stores: weakref.WeakKeyDictionary[Sphinx, dict] = weakref.WeakKeyDictionary()


def once(app: Sphinx, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, worked out the first time ``key`` is asked for in this build."""
    store = _stores.setdefault(app, {})
    if key not in store:
        store[key] = compute()
    return store[key]


def forget(app: Sphinx, env: BuildEnvironment | None = None) -> None:
    _stores.pop(app, None)


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", forget)
    app.connect("env-updated", forget, priority=50)  # before anything reads the store
