"""Images of imported posts: hot-linked as they are, or downloaded.

``download`` fetches the largest variant Blogger serves (its ``/s1600/``
form instead of the ``/s320/`` thumbnail shown in the post), retries a few
times, and never aborts the import: a failure is reported and the image
stays hot-linked. Files are named after a hash of the URL, so a re-run finds
what it already downloaded and writes the same bytes.

With ``source`` (``--images-from DIR``), ``download`` reads a local copy of the
old blog's images instead of the network: ``DIR/<host>/<path>``, as
``wget --mirror`` of the image hosts lays it out. The largest variant is looked
up first, then the URL as written; a missing file is a failed download (unless
an earlier import already has the image). The local copy is the reference: an
image of ``folder`` that differs from it is replaced.
"""

from __future__ import annotations

import hashlib
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

SIZE_SEGMENT = re.compile(r"/(?:s\d+|w\d+-h\d+)(?:-[a-z0-9-]+)?/")
SIZE_SUFFIX = re.compile(r"=(?:s\d+|w\d+-h\d+)(?:-[a-z0-9-]+)?$")
MAX_BYTES = 50 * 1024 * 1024
ATTEMPTS = 3


def largest_variant(url: str) -> str:
    """Blogger's full-size form of an image URL (``/s1600/``, ``=s1600``)."""
    if SIZE_SEGMENT.search(url):
        return SIZE_SEGMENT.sub("/s1600/", url, count=1)
    if SIZE_SUFFIX.search(url):
        return SIZE_SUFFIX.sub("=s1600", url)
    return url


@dataclass
class Images:
    mode: str  # keep or download
    folder: Path  # <out>/_images
    dry_run: bool = False
    source: Path | None = None  # a local copy of the image hosts: <source>/<host>/<path>
    kept: list[str] = field(default_factory=list)
    downloaded: dict[str, str] = field(default_factory=dict)  # url -> file name
    failed: dict[str, str] = field(default_factory=dict)  # url -> reason

    def local_name(self, url: str) -> str:
        name = PurePosixPath(unquote(urlsplit(url).path)).name or "image"
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[-60:] or "image"
        return f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{name}"

    def place(self, url: str) -> str | None:
        """The file name in ``folder`` for ``url`` (downloaded if needed), or None."""
        if self.mode != "download" or urlsplit(url).scheme not in ("http", "https"):
            self.kept.append(url)
            return None
        big = largest_variant(url)
        name = self.local_name(big)
        target = self.folder / name
        if self.source is None and (target.is_file() or self.dry_run):
            self.downloaded[url] = name
            return name
        fetch = self._copy if self.source is not None else self._fetch
        error = fetch(big, target)
        if error and big != url:  # the full size may not exist; the shown size does
            error = fetch(url, target)
        if error and self.source is not None and target.is_file():
            error = None  # not in the local copy, but fetched by an earlier import
        if error:
            self.failed[url] = error
            return None
        self.downloaded[url] = name
        return name

    def local_copy(self, url: str) -> Path | None:
        """``url``'s file in ``source`` (``<host>/<path>``, percent-decoded or as written), if any."""
        if self.source is None:
            return None
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", host):
            return None
        for path in dict.fromkeys((parts.path, unquote(parts.path))):
            segments = path.split("/")[1:]
            if not segments or any(s in ("", ".", "..") or "\\" in s or "\0" in s for s in segments):
                continue  # never outside <source>/<host>: the export is untrusted
            candidate = self.source.joinpath(host, *segments)
            try:
                if candidate.is_file():
                    return candidate
            except OSError:  # a name too long for the file system, say: not there
                continue
        return None

    def _copy(self, url: str, target: Path) -> str | None:
        found = self.local_copy(url)
        if found is None:
            return f"no copy in the --images-from folder {self.source}"
        if found.stat().st_size > MAX_BYTES:
            return f"larger than {MAX_BYTES} bytes"
        data = found.read_bytes()
        if not self.dry_run and not (target.is_file() and target.read_bytes() == data):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)  # the local copy is the reference: a changed image is updated
        return None

    def _fetch(self, url: str, target: Path) -> str | None:
        reason = ""
        for attempt in range(ATTEMPTS):
            try:
                with urllib.request.urlopen(url, timeout=20) as response:
                    data = response.read(MAX_BYTES + 1)
                if len(data) > MAX_BYTES:
                    return f"larger than {MAX_BYTES} bytes"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                return None
            except (urllib.error.URLError, TimeoutError, OSError) as err:
                reason = str(getattr(err, "reason", err))
                if isinstance(err, urllib.error.HTTPError) and err.code in (403, 404, 410):
                    break  # will not get better
                time.sleep(0.2 * (attempt + 1))
        return reason or "failed"
