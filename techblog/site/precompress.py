"""A gzip copy beside every text file of the site, for the web server.

nginx's ``gzip_static`` (``deploy/nginx/``) answers a browser that accepts
gzip with ``<file>.gz`` when it exists, rather than compressing the file on
every request (or not at all). At the end of each HTML build:

- every file of the output with a text suffix (:data:`SUFFIXES`) of at least
  :data:`MIN_SIZE` bytes gets ``<file>.gz``; hidden folders (``.doctrees``)
  are left alone;
- the same bytes every build: level 9, mtime 0 and no file name in the
  gzip header;
- written whole or not at all (:mod:`techblog.atomic`), and only when its
  file changed: a ``.gz`` is given its file's mtime, and its gzip trailer
  holds the file's size, so a file written again (by this build or any
  other) or cut to another size gets a new one;
- never stale: a ``.gz`` written here whose file is gone (a page that
  :mod:`techblog.incremental.stale_output` removed) or no longer qualifies
  is removed. Only those: the ``.gz`` files written here are listed in
  ``<doctreedir>/techblog-precompressed.json`` (before they are written, so
  a build stopped halfway still knows them), and a ``.gz`` a post offers for
  download is never touched;
- in threads: zlib and file writes release the GIL.

``techblog_precompress = False`` (or ``-D techblog_precompress=0``) writes none
and removes those written before.
"""

from __future__ import annotations

import gzip
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from stat import S_ISREG

from sphinx.application import Sphinx
from sphinx.util import logging

from techblog import atomic

logger = logging.getLogger(__name__)

# What nginx would otherwise send uncompressed: markup, styles, scripts, data, feeds, the
# sitemap, SVG images, source maps, plain text, icons. Fonts (woff2), pictures and
# objects.inv are compressed already.
SUFFIXES = frozenset({".html", ".css", ".js", ".mjs", ".json", ".map", ".xml", ".svg", ".txt", ".ico"})
MIN_SIZE = 256  # below this, the headers outweigh what gzip saves
LEVEL = 9  # written once, sent many times
MANIFEST = "techblog-precompressed.json"


def compressed(data: bytes) -> bytes:
    """``data`` gzipped, the same bytes for the same data (mtime 0, no name)."""
    return gzip.compress(data, compresslevel=LEVEL, mtime=0)


def gz_path(path: Path) -> Path:
    return path.with_name(path.name + ".gz")


def eligible(outdir: Path) -> dict[str, os.stat_result]:
    """The files that get a ``.gz`` (path relative to ``outdir`` -> its stat)."""
    found = {}
    for folder, subfolders, files in os.walk(outdir):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in files:
            if os.path.splitext(name)[1].lower() not in SUFFIXES:
                continue
            path = os.path.join(folder, name)
            stat = os.lstat(path)
            if S_ISREG(stat.st_mode) and stat.st_size >= MIN_SIZE:
                found[os.path.relpath(path, outdir).replace(os.sep, "/")] = stat
    return found


def up_to_date(gz: Path, source: os.stat_result) -> bool:
    """Whether ``gz`` was made from the file as it is: same mtime, and its trailer's size (ISIZE)."""
    try:
        if gz.stat().st_mtime_ns != source.st_mtime_ns:
            return False
        with gz.open("rb") as handle:
            handle.seek(-4, os.SEEK_END)
            return int.from_bytes(handle.read(4), "little") == source.st_size % 2**32
    except OSError:
        return False


def write_gz(path: Path) -> None:
    with path.open("rb") as handle:
        data = handle.read()
        stat = os.fstat(handle.fileno())  # the mtime of what was read
    target = gz_path(path)
    atomic.write_bytes(target, compressed(data))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def load_manifest(path: Path) -> set[str]:
    try:
        return set(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return set()


def precompress(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    manifest = Path(app.doctreedir) / MANIFEST
    previous = load_manifest(manifest)
    sources = eligible(outdir) if app.config.techblog_precompress else {}
    current = {rel + ".gz" for rel in sources}
    todo = [outdir / rel for rel, stat in sources.items() if not up_to_date(gz_path(outdir / rel), stat)]
    if current - previous:
        atomic.write_text(manifest, json.dumps(sorted(previous | current), indent=0))  # before they exist
    if todo:
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            list(pool.map(write_gz, todo))
    for rel in sorted(previous - current):
        target = (outdir / rel).resolve()
        if outdir.resolve() in target.parents and target.is_file():
            target.unlink()
    if current != previous:
        atomic.write_text(manifest, json.dumps(sorted(current), indent=0))
    logger.info("precompressed %d of %d files (.gz for gzip_static)", len(todo), len(sources))
