"""Images of imported posts: hot-linked as they are, or downloaded.

``download`` fetches the largest variant Blogger serves (its ``/s1600/``
form instead of the ``/s320/`` thumbnail shown in the post), retries a few
times, and never aborts the import: a failure is reported and the image
stays hot-linked. Files are named after a hash of the URL, so a re-run finds
what it already downloaded and writes the same bytes.
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
        if target.is_file() or self.dry_run:
            self.downloaded[url] = name
            return name
        error = self._fetch(big, target)
        if error and big != url:  # the full size may not exist; the shown size does
            error = self._fetch(url, target)
        if error:
            self.failed[url] = error
            return None
        self.downloaded[url] = name
        return name

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
