"""Values worked out once per build, or kept from one build to the next.

Every page of a build asks the same questions (the posts of its section,
what every page shows alike...). :func:`once` answers each once per build:
its store is emptied when the environment is updated, before anything is
written, so a second build in the same process (the tests, sphinx-autobuild)
never sees the first one's.

:func:`kept` keeps answers between builds (in ``<doctreedir>/techblog-kept.pickle``),
for HTML that a later build would draw again identically: a post as listings
show it. Its key must name everything the answer depends on; what every page
depends on alike (settings, templates, this package) is added to every key
by the caller. Keys are tuples whose first item names what they are; the
answers of a kind with a :func:`keep_while` rule are kept while the rule
holds (a build may not need them, as it skips unchanged pages), those of
other kinds only if used. Saved only after a build that succeeded.
"""

from __future__ import annotations

import pickle
import weakref
from collections.abc import Callable, Hashable
from pathlib import Path
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


KEPT = "techblog-kept.pickle"
_kept: weakref.WeakKeyDictionary[Sphinx, tuple[dict, dict]] = weakref.WeakKeyDictionary()


def kept(app: Sphinx, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or its answer from an earlier build under the same ``key``."""
    if app not in _kept:
        try:
            with (Path(app.doctreedir) / KEPT).open("rb") as stream:
                previous = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            previous = {}
        _kept[app] = (previous if isinstance(previous, dict) else {}, {})
    previous, current = _kept[app]
    if key not in current:
        current[key] = previous[key] if key in previous else compute()
    return current[key]


_rules: weakref.WeakKeyDictionary[Sphinx, dict[str, Callable[[tuple], bool]]] = weakref.WeakKeyDictionary()


def keep_while(app: Sphinx, kind: str, still_valid: Callable[[tuple], bool]) -> None:
    """Keep the answers of ``kind`` from earlier builds while ``still_valid(key)``."""
    _rules.setdefault(app, {})[kind] = still_valid


def save_kept(app: Sphinx, exception: Exception | None) -> None:
    stores = _kept.pop(app, None)
    rules = _rules.pop(app, {})
    if stores is None or exception is not None:
        return
    previous, current = stores
    keep = {key: value for key, value in previous.items()
            if key not in current and key[0] in rules and rules[key[0]](key)}
    keep.update(current)
    with (Path(app.doctreedir) / KEPT).open("wb") as stream:
        pickle.dump(keep, stream, protocol=pickle.HIGHEST_PROTOCOL)


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", forget)
    app.connect("env-updated", forget, priority=50)  # before anything reads the store
    app.connect("build-finished", save_kept)
