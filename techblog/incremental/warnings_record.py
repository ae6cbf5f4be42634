"""Each problem reported once per build, and on every build until it is fixed.

Sphinx reports a warning when it meets it: while reading a source, checking
the site's consistency, or resolving and writing a page. An incremental
build reads only changed sources and writes only changed pages, so a second
``make html`` after one that warned forgot the warnings of every document it
did not redo, and ``-W`` passed a broken site. And a post's body is drawn
more than once a build (its page, its feed entries, its excerpt in each
listing: ABlog's ``Post.to_html``), each time resolving its references
again, so one broken link was printed up to seven times.

Both are handled where warnings are printed: a filter put first on Sphinx's
warning handler (before ``WarningSuppressor``, which counts them for ``-W``)

- drops a warning already printed in this build: same level, type and
  subtype, location and text;
- records the others, by the phase that produced them and the document
  whose source they point at:

  - **read**: warnings of a document read in this build (parsing, MyST,
    directives), kept with the environment by :class:`ReadWarnings` (an
    ``EnvironmentCollector``: cleared when the document is read again or
    removed, merged across ``-j`` processes);
  - **consistency**: warnings of Sphinx's site-wide checks (a document in no
    toctree), which run only when a source was read;
  - **page**: warnings of a document whose page this build resolved and wrote
    (broken references, which are found when the page is resolved), per
    builder; warnings of excerpts and feed entries are the same as their
    post's page's.

  The last two are saved in ``<doctreedir>/techblog-warnings.pickle`` after a
  build that did not crash (the environment is saved before writing).

A later build prints again, with :data:`SUFFIX`, what it did not redo: the
read warnings of documents it did not read (at ``env-updated``), the last
consistency warnings when the checks did not run (at ``write-started``), and
the page warnings of documents whose page it did not write (at
``build-finished``). A problem thus fails every ``-W`` build until its source
is fixed (which reads the document again, or writes its page again:
:mod:`techblog.rewrites` writes a page whose links' targets changed).

Limits: a warning is kept only when it points at a document's own source
(not at an included file, not without a location); a read warning that
another document caused (a duplicate label) is kept until its own document
is read again (touch it, or ``make clean html``).
"""

from __future__ import annotations

import copy
import logging as std_logging
import os
import pickle
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector
from sphinx.util import logging
from sphinx.util.build_phase import BuildPhase

from techblog import atomic

logger = logging.getLogger(__name__)

#: Added to a warning printed again from an earlier build.
SUFFIX = " (from an earlier build; reported until fixed)"
STATE = "techblog-warnings.pickle"
ENV_ATTRIBUTE = "techblog_read_warnings"

# A recorded warning is a plain tuple (pickled without naming this module):
# (level, type, subtype, where, message). ``where`` is ("doc", docname,
# suffix) for a place in a document's source (suffix: ":12", ":" or ""),
# ("raw", location) for another place, or None.
LOCATION = re.compile(r"^(.*?)(:\d*)?$", re.DOTALL)


def read_warnings(env: BuildEnvironment) -> dict[str, list[tuple]]:
    """Docname -> the warnings reading it gave (kept in the pickled environment)."""
    if not hasattr(env, ENV_ATTRIBUTE):
        setattr(env, ENV_ATTRIBUTE, {})
    return getattr(env, ENV_ATTRIBUTE)


class ReadWarnings(EnvironmentCollector):
    """Owner of the read warnings kept with the environment.

    They are added by :class:`WarningsRecord` when they reach the warning
    handler: Sphinx holds the warnings of a read back until every document is
    read (and a ``-j`` process sends them to the main one), so no
    ``doctree-read`` handler sees them.
    """

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        read_warnings(env).pop(docname, None)

    def merge_other(self, app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
        # A reading process records nothing (its warnings are handled in the
        # main process); merged all the same, should that change.
        theirs = read_warnings(other)
        for docname in docnames:
            if docname in theirs:
                read_warnings(env)[docname] = theirs[docname]

    def process_doc(self, app: Sphinx, doctree: nodes.document) -> None:
        pass


class WarningsRecord(std_logging.Filter):
    """One application's warnings: printed once, recorded, printed again."""

    def __init__(self, app: Sphinx) -> None:
        super().__init__()
        self.app = app
        self.translator = logging.InfoLogRecordTranslator(app)  # locations as Sphinx prints them
        self.reset()

    def reset(self) -> None:
        self.seen: set[tuple] = set()
        self.read_docs: set[str] = set()
        self.write_started = False
        self.writing = False  # documents' pages being resolved and written
        self.written: set[str] = set()
        self.consistency_checked = False
        self.consistency: list[tuple] = []
        self.pages: dict[str, list[tuple]] = {}

    # -- the filter ---------------------------------------------------------------------

    def filter(self, record: std_logging.LogRecord) -> bool:
        replayed = getattr(record, "techblog_key", None)
        if replayed is not None:
            key = replayed
        else:
            location = self.location_of(record)
            message = std_logging.LogRecord.getMessage(record)
            key = (record.levelno, getattr(record, "type", None) or None,
                   getattr(record, "subtype", None) or None, location, message)
        if key in self.seen:
            return False
        self.seen.add(key)
        if replayed is None:
            try:
                self.note(key)
            except Exception:  # recording must never stop the warning itself
                pass
        return True

    def location_of(self, record: std_logging.LogRecord) -> str | None:
        if not getattr(record, "location", None):
            return None
        probe = copy.copy(record)
        try:
            self.translator.filter(probe)
        except Exception:  # never lose a warning over its location
            return str(record.location)
        return probe.location or None

    def where(self, location: str | None):
        """``location`` as ("doc", docname, suffix) when it is in a document's source."""
        if location is None:
            return None
        path, suffix = LOCATION.match(location).groups()
        env = self.app.env
        docname = env.path2doc(path) if path else None
        if docname in env.found_docs and same_file(path, env.doc2path(docname)):
            return ("doc", docname, suffix or "")
        return ("raw", location)

    def note(self, key: tuple) -> None:
        level, type_, subtype, location, message = key
        builder = getattr(self.app, "builder", None)
        if builder is None:
            return
        where = self.where(location)
        entry = (level, type_, subtype, where, message)
        if self.writing:
            if where is not None and where[0] == "doc":
                self.pages.setdefault(where[1], []).append(entry)
        elif builder.phase == BuildPhase.READING:
            if where is not None and where[0] == "doc" and where[1] in self.read_docs:
                read_warnings(self.app.env).setdefault(where[1], []).append(entry)
        elif builder.phase == BuildPhase.CONSISTENCY_CHECK and not self.write_started:
            self.consistency.append(entry)

    # -- printing again -----------------------------------------------------------------

    def replay(self, entry: tuple) -> None:
        level, type_, subtype, where, message = entry
        env = self.app.env
        if where is None:
            location = shown = None
        elif where[0] == "doc":
            shown = str(env.doc2path(where[1])) + where[2]
            location = shown if where[2] else (where[1], None)
        elif ":" in where[1]:
            location = shown = where[1]
        else:  # Sphinx would take it for a docname
            location, shown = None, where[1]
            message = f"{shown}: {message}"
        key = (level, type_, subtype, shown, entry[4])
        logger.log(level, "%s", message + SUFFIX, type=type_, subtype=subtype, location=location,
                   extra={"techblog_key": key})

    # -- events -------------------------------------------------------------------------

    def install(self, app: Sphinx) -> None:
        """Put the filter first on this build's warning handler."""
        for handler in std_logging.getLogger(logging.NAMESPACE).handlers:
            if isinstance(handler, logging.WarningStreamHandler) and self not in handler.filters:
                handler.filters.insert(0, self)

    def before_read(self, app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        self.read_docs = set(docnames)

    def replay_unread(self, app: Sphinx, env: BuildEnvironment) -> None:
        """Read warnings of the documents this build did not read."""
        for docname, entries in sorted(read_warnings(env).items()):
            if docname not in self.read_docs and docname in env.found_docs:
                for entry in entries:
                    self.replay(entry)

    def checked(self, app: Sphinx, env: BuildEnvironment) -> None:
        self.consistency_checked = True

    def start_writing(self, app: Sphinx, builder: Builder) -> None:
        self.write_started = self.writing = True
        if not self.consistency_checked:
            for entry in self.load().get("consistency", ()):
                self.replay(entry)

    def resolved(self, app: Sphinx, doctree: nodes.document, docname: str) -> None:
        """A document's page is being resolved (not an excerpt or feed entry
        ABlog draws from a new, source-less document)."""
        source = doctree.get("source")
        if self.writing and source and same_file(source, app.env.doc2path(docname)):
            self.written.add(docname)

    def pages_written(self, app: Sphinx):
        """Documents are written; generated pages (tags, feeds) show their posts."""
        self.writing = False
        return []

    def finish(self, app: Sphinx, exception: Exception | None) -> None:
        self.writing = False
        try:
            if exception is None:
                self.replay_unwritten_and_save()
        finally:
            self.reset()

    def replay_unwritten_and_save(self) -> None:
        env = self.app.env
        state = self.load()
        all_pages = state.setdefault("pages", {})
        pages = all_pages.setdefault(self.app.builder.name, {})
        for docname, entries in sorted(pages.items()):
            if docname not in self.written and docname in env.found_docs:
                for entry in entries:
                    self.replay(entry)
        for docname in self.written:
            pages[docname] = self.pages.get(docname, [])
        all_pages[self.app.builder.name] = {doc: entries for doc, entries in sorted(pages.items())
                                            if entries and doc in env.found_docs}
        if self.consistency_checked:
            state["consistency"] = self.consistency
        data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        path = Path(self.app.doctreedir) / STATE
        if not (path.is_file() and path.read_bytes() == data):
            atomic.write_bytes(path, data)

    def load(self) -> dict:
        try:
            with (Path(self.app.doctreedir) / STATE).open("rb") as stream:
                state = pickle.load(stream)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, ImportError):
            return {}
        return state if isinstance(state, dict) else {}


def same_file(one, other) -> bool:
    return os.path.normcase(os.path.abspath(one)) == os.path.normcase(os.path.abspath(other))
