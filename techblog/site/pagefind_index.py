"""The search index, ``_pagefind/``: Pagefind run at the end of each HTML build.

Pagefind (PyPI ``pagefind[bin]``: its binary comes in the ``pagefind-bin``
wheel, nothing is downloaded) splits the index into small gzipped chunks,
so a search fetches the few it needs rather than the whole index.

At ``build-finished``, after every page is written or removed and before
the ``.gz`` copies are made (``precompress``, 950):

- the pages to index are those :func:`techblog.site.search.indexable` names
  (posts, pages; never drafts, redirects, listings, the 404 page), hard-linked
  at their own paths into a hidden work folder of the output, so Pagefind
  sees exactly them and gives them their addresses on the site;
- Pagefind's binary indexes that folder (its CLI: the Python API answers one
  request per tenth of a second, far too slow for a page each) into a new
  bundle, which then takes the place of ``_pagefind/`` in one step (an
  atomic exchange of the two folders; where the system has none, two
  renames): a build stopped at any point leaves the old index or the new
  one, never half of one;
- the bundles of Pagefind's own interfaces and its web worker are left out
  (the search page has its own, ``_static/techblog-search.js``, over
  ``pagefind.js``);
- it is skipped when nothing it reads changed: the pages' list, sizes and
  mtimes, Pagefind's version and options are kept in
  ``<doctreedir>/techblog-pagefind.json``, written after the exchange.

With ``techblog_search_index_later`` (``make serve``), the build only writes
the list of pages to index (``techblog-pagefind-request.json``, beside that
file) and the page is served at once; ``python -m techblog.site.pagefind_index
--watch <doctreedir>``, which the preview runs beside sphinx-autobuild at the
lowest CPU priority, then indexes them in the same way (same folder, same
exchange, same record), one indexer at a time (a lock file), and again when
a build rewrote pages meanwhile. Until it is done, a search finds the pages
as they were.

The same pages always give the same bytes, so an incremental build's index
is a clean build's and two builds of a commit are identical: Pagefind 1.5.2
numbers pages and names its chunks by their contents, but writes the values
of each filter, and the list of filters, in a random order (Rust's
``HashMap``), which changes those files and, through their names, the
metadata file and ``pagefind-entry.json``. :func:`normalise` writes them
again in sorted order (CBOR, decoded and encoded with ``cbor2``).
"""

from __future__ import annotations

import ctypes
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cbor2
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from techblog import atomic
from techblog.site import search

logger = logging.getLogger(__name__)

BUNDLE = "_pagefind"  # the index, under the output folder
WORK = ".pagefind-work"  # hidden: precompress, nginx (site.conf) and readers leave it alone
MANIFEST = "techblog-pagefind.json"
# techblog_search_index_later: the pages the last build asks to index, and the indexer's lock.
REQUEST = "techblog-pagefind-request.json"
LOCK = "techblog-pagefind.lock"
LANGUAGE = "en"  # the site's language: one index, one stemmer
OPTIONS = {
    "force_language": LANGUAGE,
    # Not the body of a result: the post header (date, authors, category and
    # tags are meta and filters), the headings' "#" links, comments (archived
    # from the old blog, or readers'), the code blocks' copy buttons.
    "exclude_selectors": [".techblog-post-header", ".headerlink", ".techblog-comments", ".copybtn"],
}
# Words per chunk of the index (Pagefind's PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE;
# its default, 20000, gave chunks of 24 KB at 1,000 posts, of which a search
# fetches one per word): 7 KB chunks, a few more files, and a little more
# metadata. "Unstable": check it with `make bench-search` when Pagefind changes.
CHUNK_SIZE = 5000
# Pagefind's own interfaces, and its web worker: the site's search page uses
# pagefind.js alone (_static/techblog-search.js says why no worker).
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js", "pagefind-worker.js")
# Sphinx's search index, written by builds before Pagefind's.
OLD_INDEX = "searchindex.js"


def executable() -> Path:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        raise ExtensionError("the search index needs Pagefind's binary: install the site's requirements "
                             "(pip install -r requirements.txt -c constraints.txt), which pin pagefind[bin]") from None
    return Path(get_executable())


def version() -> str:
    from importlib.metadata import version as installed

    return installed("pagefind-bin")


def pages(app: Sphinx) -> list[str]:
    """The output files to index, relative to the output folder, in order."""
    outdir = Path(app.outdir)
    found = []
    for docname in sorted(app.env.all_docs):
        if search.indexable(app, docname):
            name = app.builder.get_target_uri(docname)
            if (outdir / name).is_file():
                found.append(name)
    return found


def signature(outdir: Path, names: list[str]) -> dict:
    stats = {name: (outdir / name).stat() for name in names}
    return {"pagefind": version(), "options": OPTIONS, "chunk_size": CHUNK_SIZE,
            "pages": {name: [stat.st_size, stat.st_mtime_ns] for name, stat in stats.items()}}


def load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def exchange(new: Path, old: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(old), rename_exchange) == 0


def install(bundle: Path, target: Path, work: Path) -> None:
    """``bundle`` becomes ``target``; the old index, if any, goes to ``work`` and then away."""
    if target.exists():
        if not exchange(bundle, target):
            target.rename(work / "old")  # for a moment no index; never half of one
            bundle.rename(target)
    else:
        bundle.rename(target)


def run_pagefind(site: Path, output: Path, cwd: Path) -> None:
    config = {**OPTIONS, "site": str(site), "output_path": str(output)}
    (cwd / "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
    # Settings come from that file and from here, not from PAGEFIND_* variables of the environment.
    env = {key: value for key, value in os.environ.items() if not key.startswith("PAGEFIND_")}
    env["PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE"] = str(CHUNK_SIZE)
    result = subprocess.run([str(executable()), "--silent"], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0 or not (output / "pagefind-entry.json").is_file():
        raise ExtensionError(f"Pagefind failed (exit {result.returncode}) indexing {site}:\n"
                             f"{result.stdout}{result.stderr}".rstrip())


# Pagefind's chunks: gzipped, and marked as Pagefind's once unpacked.
MARK = b"pagefind_dcd"


def unpack(path: Path) -> object:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(MARK):
        raise ExtensionError(f"{path}: not a Pagefind chunk (Pagefind {version()}: see pagefind_index.normalise)")
    return cbor2.loads(data[len(MARK):])


def pack(value: object) -> tuple[bytes, str]:
    """A chunk's bytes (the same for the same value) and a name for it: a hash of its contents."""
    data = MARK + cbor2.dumps(value)
    return gzip.compress(data, compresslevel=9, mtime=0), hashlib.sha256(data).hexdigest()


def normalise(bundle: Path) -> None:
    """The filters' values, the filters and the sort orders in sorted order,
    renamed by their new contents, and the files that name them rewritten."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, about in entry["languages"].items():
        meta_path = bundle / f"pagefind.{about['hash']}.pf_meta"
        meta = unpack(meta_path)
        if not (isinstance(meta, list) and len(meta) == 6 and meta[0] == entry["version"]):
            raise ExtensionError(f"{meta_path}: not the metadata Pagefind 1.5 writes; see pagefind_index.normalise")
        filters = []
        for name, chunk in meta[3]:
            old = bundle / "filter" / f"{chunk}.pf_filter"
            filter_name, values = unpack(old)
            data, digest = pack([filter_name, sorted(values, key=lambda value: value[0])])
            old.unlink()
            renamed = f"{language}_{digest[:7]}"
            (bundle / "filter" / f"{renamed}.pf_filter").write_bytes(data)
            filters.append([name, renamed])
        meta[3] = sorted(filters)
        meta[4] = sorted(meta[4], key=lambda sort: sort[0])
        data, digest = pack(meta)
        meta_path.unlink()
        about["hash"] = f"{language}_{digest[:10]}"
        (bundle / f"pagefind.{about['hash']}.pf_meta").write_bytes(data)
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def build_index(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    target = outdir / BUNDLE
    manifest = Path(app.doctreedir) / MANIFEST
    names = pages(app)
    wanted = signature(outdir, names)
    old_index = outdir / OLD_INDEX
    if old_index.is_file():
        old_index.unlink()
    if load(manifest) == wanted and (target / "pagefind-entry.json").is_file():
        logger.info("search index: up to date (%d pages)", len(names))
        return
    if app.config.techblog_search_index_later:
        # The pages to index, for the indexer that runs after the build (make serve: run_later).
        atomic.write_text(Path(app.doctreedir) / REQUEST, json.dumps({"outdir": str(outdir), "pages": names}))
        logger.info("search index: %d pages, indexed after the build", len(names))
        return
    index(outdir, names, wanted, manifest)
    logger.info("search index: %d pages (Pagefind %s)", len(names), wanted["pagefind"])


def index(outdir: Path, names: list[str], wanted: dict, manifest: Path) -> None:
    """Index ``names`` (files of ``outdir``) into a new ``_pagefind/``, swapped in whole; note ``wanted``."""
    target = outdir / BUNDLE
    work = outdir / WORK
    shutil.rmtree(work, ignore_errors=True)  # what a stopped build left
    site = work / "site"
    for name in names:
        link = site / name
        link.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(outdir / name, link)
        except OSError:  # a file system without hard links
            shutil.copyfile(outdir / name, link)
    site.mkdir(parents=True, exist_ok=True)
    bundle = work / "bundle"
    run_pagefind(site, bundle, work)
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    normalise(bundle)
    install(bundle, target, work)
    shutil.rmtree(work, ignore_errors=True)
    atomic.write_text(manifest, json.dumps(wanted, indent=0, sort_keys=True))


# -- After the build: techblog_search_index_later (make serve) ------------------------


def index_later(doctreedir: Path) -> bool:
    """Bring ``_pagefind/`` up to date with the pages the last build asked for
    (its request in ``doctreedir``); False when another indexer holds the lock.

    The signature noted is the pages' as they were read: a build that rewrites
    a page meanwhile leaves an index that no longer matches, and writes a new
    request, so the index is made again."""
    import fcntl

    with open(doctreedir / LOCK, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # never two indexers on one output
        except BlockingIOError:
            return False
        request = load(doctreedir / REQUEST)
        if request is None:
            return True
        outdir = Path(request["outdir"])
        names = [name for name in request["pages"] if (outdir / name).is_file()]  # a page removed since
        wanted = signature(outdir, names)
        manifest = doctreedir / MANIFEST
        if load(manifest) == wanted and (outdir / BUNDLE / "pagefind-entry.json").is_file():
            return True
        started = time.perf_counter()
        index(outdir, names, wanted, manifest)
        print(f"search index: {len(names)} pages (Pagefind {wanted['pagefind']}), indexed after the build "
              f"in {time.perf_counter() - started:.2f} s", flush=True)
        return True


def run_later(doctreedir: Path, poll: float = 0.2) -> None:
    """Index after each build that asks for it, until stopped (SIGTERM, Ctrl-C).

    At the lowest priority: the page the author reloads comes first."""
    os.nice(19)
    request = doctreedir / REQUEST
    seen = None
    while True:
        try:
            stamp = request.stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp is not None and stamp != seen:
            try:
                if index_later(doctreedir):
                    seen = stamp
            except (ExtensionError, OSError, ValueError) as err:  # said, and tried again after the next build
                print(f"search index: not made: {err}", file=sys.stderr, flush=True)
                seen = stamp
        time.sleep(poll)


def main(argv: list[str] | None = None) -> int:
    import argparse
    import signal

    parser = argparse.ArgumentParser(prog="python -m techblog.site.pagefind_index",
                                     description="Bring the search index up to date after builds made with "
                                     "techblog_search_index_later (make serve runs this).")
    parser.add_argument("doctreedir", type=Path, help="the builds' doctree folder (<output>/.doctrees)")
    parser.add_argument("--watch", action="store_true", help="keep indexing after each build, until stopped")
    args = parser.parse_args(argv)
    if not args.watch:
        return 0 if index_later(args.doctreedir) else 1
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        run_later(args.doctreedir)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
