"""Which pages a build writes: each page when what it shows has changed.

Sphinx writes a document again when its own source changed. But a page
also shows parts of other pages: its sidebars (``sidebars.py``), the
previous/next links of a post, the titles of the documents it links to or
lists in a toctree, and, for generated pages (a tag's pages, listing pages
2..N, ABlog's catalog pages), the posts they list, and under a post its
series and related posts (``next_reading.py``). For each page this module
keeps a digest of those inputs and writes the page again exactly when the
digest changes:

- documents: :func:`rewrite_changed_documents` (``env-updated``) hands back
  to Sphinx the ones whose inputs changed;
- generated pages: :func:`changed_only` wraps the ``html-collect-pages``
  generators and drops a page whose digest is the one its file was written
  with.

All digests are kept in ``<doctreedir>/techblog-digests.pickle``, saved only
after a build that succeeded (:class:`PageDigests`), and a build interrupted
while writing is repaired by the next one (its journal,
``techblog-digests.pending``).

ABlog 0.11.13 itself draws every collection page and feed again in every
build (a no-op rebuild of 1,600 posts took a minute as early as
abakan-zz/ablog#24); :mod:`techblog.pages.collections` and
:mod:`techblog.pages.feeds` draw them instead, through this module.

The digests also cover what every page shows alike: the configuration and
tags (Sphinx's ``.buildinfo`` hashes), the newest template and this
package's version. Pages whose sources changed are written by Sphinx anyway;
listings inside documents are ``listings.py``'s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import docname_join

from techblog import __version__, atomic
from techblog.ablog import bridge
from techblog.ablog.bridge import Catalog, Collection
from techblog.incremental import build_cache, stale_output
from techblog.incremental.parallel_read import merge_entries
from techblog.pages import next_reading, sidebars, views
from techblog.state import state_of

DIGESTS = "techblog-digests.pickle"
PENDING = "techblog-digests.pending"
BUILD_INPUTS = "build-inputs"


# -- What pages show of posts -----------------------------------------------------------


def everything(app: Sphinx):
    """What to compare when a page shows something this module does not know:
    the whole site (:func:`site_fingerprint`), worked out at most once a build."""
    return build_cache.once(app, "site-fingerprint", lambda: site_fingerprint(app))


def site_fingerprint(app: Sphinx) -> str:
    """Everything a page could show of other pages: every post, every title and toctree."""
    env = app.env
    digest = hashlib.sha256()
    for post in [*bridge.posts(app), *bridge.drafts(app)]:
        digest.update(repr(views.full(app, post)).encode("utf-8"))
    for docname in sorted(env.found_docs):
        title = env.titles.get(docname)
        digest.update(repr((docname, title.astext() if title is not None else None,
                            tuple(env.toctree_includes.get(docname, ())))).encode("utf-8"))
    return digest.hexdigest()


# -- Documents ----------------------------------------------------------------------


def references(env: BuildEnvironment) -> dict[str, set]:
    """Docname -> the documents (``("doc", name)``) and labels (``("ref", label)``)
    it refers to (kept in the pickled environment; owner: :class:`References`)."""
    if not hasattr(env, "techblog_references"):
        env.techblog_references = {}
    return env.techblog_references


class References(EnvironmentCollector):
    """Owner of :func:`references`, kept with the environment: noted when a
    document is read, dropped when it is purged, merged from the processes of
    a parallel read (in reading order, ``techblog.incremental.parallel_read``)."""

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        docname = app.env.docname
        found = set()
        for node in doctree.findall(addnodes.pending_xref):
            target, domain, kind = node.get("reftarget"), node.get("refdomain"), node.get("reftype")
            if not target:
                continue
            if domain == "doc":  # MyST's link to a document: already a docname
                found.add(("doc", target))
            elif domain == "std" and kind == "doc":
                found.add(("doc", docname_join(node.get("refdoc", docname), target)))
            elif domain == "std" and kind in ("ref", "numref"):
                found.add(("ref", target.lower()))
        references(app.env)[docname] = found

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        references(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
        merge_entries(app, references(env), references(other), docnames)


def title_of(env: BuildEnvironment, docname: str) -> str | None:
    title = env.titles.get(docname)
    return title.astext() if title is not None and docname in env.found_docs else None


def referred(app: Sphinx, docname: str) -> tuple:
    """What the references of ``docname`` show: each target's title or section."""
    env = app.env
    labels = env.domains.standard_domain.labels
    shown = []
    for kind, target in sorted(references(env).get(docname, ())):
        if kind == "doc":
            shown.append((target, title_of(env, target)))
        else:
            shown.append((target, labels.get(target), bridge.blog(app).references.get(target)))
    return tuple(shown)


def document_inputs(app: Sphinx, docname: str, whole_site) -> tuple:
    """What the page of ``docname`` shows from elsewhere."""
    env = app.env
    neighbours = None
    post = bridge.published(app, docname)
    if post is not None:
        neighbours = tuple(views.link(p) if p else None for p in bridge.neighbours(app, post))
    toctree = tuple((child, title_of(env, child)) for child in env.toctree_includes.get(docname, ()))
    # A page with a post listing (listings.py) shows some of the posts as listings draw them.
    listed = (build_cache.once(app, "listed",
                               lambda: tuple(views.summary(post) for post in [*bridge.posts(app), *bridge.drafts(app)]))
              if docname in getattr(env, "techblog_listing_docs", ()) else None)
    return (sidebars.sidebar_inputs(app, docname, whole_site), neighbours, toctree, referred(app, docname), listed,
            next_reading.inputs(app, docname))


def note_read(app: Sphinx, *args) -> None:
    """A source read or removed in this build (reading in parallel, every
    source is purged in the main process first)."""
    state_of(app).read = True


def note_data(app: Sphinx, key: str, value) -> None:
    """Data pages show that is no Sphinx source (the talks file, pages/talks.py):
    kept among the digests, and when it changed since the last build, the build
    compares every page's digest instead of taking the nothing-changed shortcut.
    Call before :func:`rewrite_changed_documents`."""
    state = digests(app)
    state.current[key] = digest_of(value)
    if state.previous.get(key) != state.current[key]:
        state_of(app).read = True


def rewrite_changed_documents(app: Sphinx, env: BuildEnvironment) -> list[str]:
    state = digests(app)
    # Sphinx saves the environment it read before writing: from here on, a
    # build stopped halfway is repaired by the next one. (A build of another
    # format that read sources leaves the journal to the next HTML build.)
    if app.builder.format == "html" or state_of(app).read:
        state.start_journal()
    if state.nothing_changed():
        state.current.update((key, value) for key, value in state.previous.items() if key.startswith("doc:"))
        return []
    whole_site = functools.partial(everything, app)
    changed = []
    for docname in sorted(env.found_docs):
        key = "doc:" + docname
        state.current[key] = digest_of(document_inputs(app, docname, whole_site))
        if state.previous.get(key) != state.current[key]:
            changed.append(docname)
    return changed


def journal_document(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """A document's page is about to be written (whatever the reason: its
    source, its inputs, a missing file). With ``-j``, in a forked process:
    the journal's descriptor is shared, each line appended whole."""
    if pagename in app.env.found_docs:
        digests(app).writing("doc:" + pagename)


# -- Generated pages ------------------------------------------------------------------


class Uncomparable(Exception):
    """A context value whose change this module cannot see: the page is always drawn."""


# How much of the posts and collections in a page's context its template
# shows: a view of each post (techblog/pages/views.py: FULL for a listing or
# a feed, HEADLINE for ABlog's catalog pages), or NAMES: a collection's name
# only (one page of a collection, which is given its own posts in full).
NAMES = "names"


def canonical(app: Sphinx, value, shows: str | None = None):
    """A comparable stand-in for what a template can show of ``value`` (``views.FULL`` of its posts unless
    ``shows`` says otherwise)."""
    shows = shows or views.FULL
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return tuple(sorted((str(k), canonical(app, v, shows)) for k, v in value.items() if not callable(v)))
    if isinstance(value, (list, tuple)):
        return tuple(canonical(app, v, shows) for v in value)
    if bridge.is_post(value):  # ours, or ABlog's in the context ABlog gives its pages
        return ("post", views.of(app, bridge.model(app, value), views.HEADLINE if shows == views.HEADLINE else views.FULL))
    if isinstance(value, Collection) and shows == NAMES:
        return ("collection", value.name, value.docname, value.href)
    if isinstance(value, Collection):  # on each of its pages: worked out once
        return build_cache.once(app, ("collection", id(value), shows), lambda: (
            "collection", value.name, value.docname, value.href, tuple(canonical(app, post, shows) for post in value)))
    if isinstance(value, Catalog):
        return build_cache.once(app, ("catalog", id(value), shows), lambda: (
            "catalog", value.name, value.docname, tuple(canonical(app, coll, shows) for coll in value)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__,
                tuple((f.name, canonical(app, getattr(value, f.name), shows)) for f in dataclasses.fields(value)))
    raise Uncomparable(type(value).__name__)


def build_inputs(app: Sphinx) -> tuple:
    """What every page shows alike."""
    return build_cache.once(app, "build-inputs", lambda: _build_inputs(app))


def _build_inputs(app: Sphinx) -> tuple:
    builder = app.builder
    return (__version__, builder.build_info.config_hash, builder.build_info.tags_hash,
            int(builder.templates.newest_template_mtime() * 10**6) if builder.templates else None)


def digest_of(value) -> str:
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


class PageDigests:
    """The digests pages were last written with, and this build's: documents
    (``doc:<docname>``), generated pages (their page name) and feeds
    (``feed:<path>``). Saved beside the doctrees only after a build that
    succeeded: a build that fails after deciding what to write leaves the
    previous digests, so the next build writes those pages.

    A build stopped halfway (Ctrl-C, SIGTERM, a crash) must not leave the
    next one believing its pages current: Sphinx has already saved the
    environment it read, so the next build reads nothing and would take the
    shortcut of :meth:`nothing_changed`, and a page being written when it
    stopped may be new, old or cut short. So before an HTML build writes
    anything, it starts a journal (``techblog-digests.pending``) and names in
    it each page just before it is written; the journal is removed only once
    the new digests are saved. A build that finds a journal takes
    no shortcut (:attr:`interrupted`) and writes again every page named in
    it; the others are as their digests say (written, or not yet touched)."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.path = Path(app.doctreedir) / DIGESTS
        self.pending = Path(app.doctreedir) / PENDING
        try:
            with self.path.open("rb") as stream:
                self.previous = pickle.load(stream)
        except Exception:  # unreadable, cut short, or of classes that moved since: every page is written
            self.previous = {}
        if not isinstance(self.previous, dict):
            self.previous = {}
        try:
            unfinished = self.pending.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            unfinished = None
        except (OSError, ValueError):  # unreadable: any page may be unfinished
            unfinished, self.previous = [], {}
        #: The last build stopped after deciding what to write, before saving its digests.
        self.interrupted = unfinished is not None
        if self.interrupted:
            self.previous.pop(BUILD_INPUTS, None)
            for key in unfinished:
                self.previous.pop(key, None)
        self._journal: int | None = None  # the journal's file descriptor, once started
        self.current: dict[str, str] = {}
        self.order: list[tuple[str, str]] = []  # (pagename, template) as generated, skipped or not
        self.skipped: set[str] = set()
        self._nothing_changed: bool | None = None

    def start_journal(self) -> None:
        """From here until :meth:`save`, the next build knows this one did not
        finish. Appended to, never emptied: an earlier build's journal still
        names its unfinished pages."""
        if self._journal is None:
            self.pending.parent.mkdir(parents=True, exist_ok=True)
            self._journal = os.open(self.pending, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def writing(self, key: str) -> None:
        """``key``'s page is about to be written: until this build is saved, it is unfinished."""
        self.start_journal()
        # One write() per line, appended: a process killed at any point leaves whole lines.
        os.write(self._journal, (key.replace("\n", " ") + "\n").encode("utf-8"))

    def close_journal(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None

    def nothing_changed(self) -> bool:
        """No source read or removed, and what every page shows alike unchanged:
        every digest is the last build's, and is not worked out again (a tenth
        of a rebuild with nothing to do, at 1,000 posts)."""
        if self._nothing_changed is None:
            self.current[BUILD_INPUTS] = digest_of(build_inputs(self.app))
            self._nothing_changed = (not state_of(self.app).read
                                     and self.previous.get(BUILD_INPUTS) == self.current[BUILD_INPUTS])
        return self._nothing_changed

    def unchanged(self, key: str, digest: Callable[[], str], target: Path) -> bool:
        """Whether ``target`` was written from inputs with the ``digest()`` they
        have now (and is still there); ``key`` names it between builds. May
        raise :class:`Uncomparable` (from ``digest()``)."""
        if self.nothing_changed() and key in self.previous and target.is_file():
            self.current[key] = self.previous[key]
            return True
        self.current[key] = digest()
        if self.previous.get(key) == self.current[key] and target.is_file():
            return True
        self.writing(key)
        return False

    def save(self) -> None:
        """This build's digests, then the end of its journal (in that order: a
        build stopped in between only writes a few pages again)."""
        atomic.write_bytes(self.path, pickle.dumps(self.current, protocol=pickle.HIGHEST_PROTOCOL))
        self.close_journal()
        self.pending.unlink(missing_ok=True)


def digests(app: Sphinx) -> PageDigests:
    """This build's digests, loaded when first asked for (released by :func:`save_digests`)."""
    state = state_of(app)
    if state.digests is None:
        state.digests = PageDigests(app)
    return state.digests


def changed_only(app: Sphinx, pages, shows: dict[str, str] | None = None):
    """The ``(pagename, context, template)`` of ``pages`` whose inputs changed
    since their file was written, or whose file is missing. ``shows``: how
    much of its posts a template shows (``views.FULL`` unless named)."""
    state = digests(app)
    shows = shows or {}
    for pagename, context, template in pages:
        state.order.append((pagename, template))

        def digest() -> str:
            return digest_of((build_inputs(app), template, canonical(app, context, shows.get(template)),
                              sidebars.sidebar_inputs(app, pagename, functools.partial(everything, app))))

        target = app.builder.get_target_uri(pagename)
        try:
            unchanged = state.unchanged(pagename, digest, Path(app.outdir, target))
        except Uncomparable:
            state.current.pop(pagename, None)
            unchanged = False
        if unchanged:
            state.skipped.add(pagename)
            stale_output.produced(app, target)
            continue
        yield pagename, context, template


def save_digests(app: Sphinx, exception: Exception | None) -> None:
    build = state_of(app)
    state, build.digests = build.digests, None
    if state is None:
        return
    if exception is None and app.builder.format == "html":
        state.save()
    else:  # the journal stays: the next build repairs what this one left
        state.close_journal()


def skipped_pages(app: Sphinx) -> tuple[list[tuple[str, str]], set[str]]:
    """(every generated page in the order generated, with its template; those not written)."""
    state = state_of(app).digests
    return (state.order, state.skipped) if state is not None else ([], set())
