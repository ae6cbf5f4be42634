"""What the extension knows during a build, in one place.

One :class:`BuildState` per Sphinx application, made when the extension is
set up (:mod:`techblog.pipeline`) and kept as ``app.techblog``; a handler
reaches it with :func:`state_of`. Nothing else in ``techblog/`` keeps
state at module level.

What the environment keeps per document (and pickles, and merges across the
processes of ``-j``) is not here: each such piece is owned by an
``EnvironmentCollector`` (``pages/listings.py``: the listings;
``incremental/rewrites.py``: the references; ``incremental/parallel_read.py``:
ABlog's posts; ``incremental/warnings_record.py``: the read warnings).

A field is either kept for the application's life (made from the
configuration, which does not change) or reset when a build starts
(:meth:`BuildState.reset`, at ``builder-inited``); the per-build store of
:mod:`techblog.incremental.build_cache` is emptied again when reading is done
(:meth:`BuildState.reading_done`, at ``env-updated``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sphinx.application import Sphinx

    from techblog.incremental.build_cache import KeptStore
    from techblog.incremental.rewrites import PageDigests
    from techblog.posts.contract import PostMeta, SiteRules
    from techblog.posts.talks import Talk

ATTRIBUTE = "techblog"


@dataclasses.dataclass
class BuildState:
    # -- Kept for the application's life: made at config-inited, before any build.
    #: Every valid post by docname, drafts included. Written by
    #: ``ablog/metadata.check_posts`` (``config-inited``); never reset.
    posts: dict[str, PostMeta] = dataclasses.field(default_factory=dict)
    #: The site's rules (time zone, "now", categories...). Written by
    #: ``ablog/metadata.check_posts`` (``config-inited``); never reset.
    rules: SiteRules | None = None
    #: Source paths of the drafts and future posts left out of the build.
    #: Written by ``ablog/drafts.exclude_drafts`` (``config-inited``), read at
    #: ``builder-inited``; never reset.
    drafts: list[str] = dataclasses.field(default_factory=list)
    #: The site's talks, newest first, and their data file (relative to the
    #: site; None: no talks). Written by ``pages/talks.check_talks``
    #: (``config-inited``); never reset.
    talks: tuple[Talk, ...] = ()
    talks_file: str | None = None

    # -- One build's: reset at builder-inited (:meth:`reset`).
    #: The documents this build reads, in order (the list Sphinx reads from).
    #: Written by ``incremental/parallel_read.note_read_order``
    #: (``env-before-read-docs``); read when merging a ``-j`` read.
    read_order: list[str] | None = None
    #: A source was read or removed in this build. Written by
    #: ``incremental/rewrites.note_read`` (``env-purge-doc``, ``doctree-read``).
    read: bool = False
    #: The page digests, loaded when first asked for; released at
    #: ``build-finished`` by ``incremental/rewrites.save_digests``.
    digests: PageDigests | None = None
    #: The files earlier builds wrote (``incremental/stale_output.recorded``,
    #: loaded when first asked for).
    recorded: set[str] | None = None
    #: The files this build writes. Written by ``incremental/stale_output.produced``.
    produced: set[str] = dataclasses.field(default_factory=set)
    #: The pages written in this build. Written by ``incremental/stale_output.record_page``
    #: (``html-page-context``).
    written: set[str] = dataclasses.field(default_factory=set)
    #: Answers kept between builds, opened when first asked for; saved and
    #: released at ``build-finished`` by ``incremental/build_cache.save_kept``.
    kept: KeptStore | None = None
    #: Our own templates, autoescaped. Written by ``pages/autoescape.turn_on``
    #: (``builder-inited``), read by ``incremental/template_cache``.
    autoescaped: frozenset[str] = frozenset()
    #: Values worked out once per build (``incremental/build_cache.once``; also
    #: each post's ``BlogPost``, ``ablog/bridge.model``);
    #: emptied at builder-inited and again at env-updated (:meth:`reading_done`).
    once: dict[Any, Any] = dataclasses.field(default_factory=dict)

    def reset(self, app: Sphinx | None = None) -> None:
        """A new build: nothing read, written or worked out yet (``builder-inited``).
        What the configuration gave (posts, rules, drafts) stays."""
        self.read_order = None
        self.read = False
        self.digests = None
        self.recorded = None
        self.produced = set()
        self.written = set()
        self.kept = None
        self.autoescaped = frozenset()
        self.once = {}

    def reading_done(self, app: Sphinx | None = None, env: Any = None) -> None:
        """Reading is over (``env-updated``): what was worked out while reading
        (posts were still being added) is worked out again."""
        self.once = {}


def create(app: Sphinx) -> BuildState:
    """The application's state, made once (:func:`techblog.pipeline.register`)."""
    state = BuildState()
    setattr(app, ATTRIBUTE, state)
    return state


def state_of(app: Sphinx) -> BuildState:
    return getattr(app, ATTRIBUTE)
