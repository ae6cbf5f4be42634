"""Images of imported posts: hot-linked as they are, or downloaded.

``download`` fetches the largest variant Blogger serves (its ``/s1600/``
form instead of the ``/s320/`` thumbnail shown in the post), retries a few
times, and never aborts the import: a failure is reported and the image
stays hot-linked. Files are named after a hash of the URL, so a re-run finds
what it already downloaded and writes the same bytes.

The export is untrusted, so a download must not become a request on the
build machine's own network (server-side request forgery) nor hold the import
forever:

* only ``http(s)`` URLs without user info; the host is resolved here and
  refused if any of its addresses is not public (loopback, private,
  link-local such as 169.254.169.254, multicast, reserved, and IPv6 forms
  that embed such an IPv4 address); the connection then goes to exactly
  that checked address, so a DNS answer that changes in between
  (rebinding) cannot redirect it. HTTPS still verifies the certificate
  against the host name (and sends it as SNI). Any port is accepted: the
  guard is the address, and a public host is no less public on port 8080;
* redirects are followed here, at most ``MAX_REDIRECTS``, each hop checked
  like the first URL;
* an image gets ``image_seconds`` in all (every attempt, connection, headers
  and body: a watchdog cuts a server that sends one byte a second), at most
  ``max_bytes``, and only an ``image/*`` body other than SVG (which can carry
  scripts); all downloads of a run share ``deadline_seconds``
  (``--images-deadline``), after which the remaining images fail at once,
  stay hot-linked, and a re-run fetches them;
* a file is written only once complete, atomically: an interrupted or
  refused download leaves nothing behind.

With ``source`` (``--images-from DIR``), ``download`` reads a local copy of the
old blog's images instead of the network: ``DIR/<host>/<path>``, as
``wget --mirror`` of the image hosts lays it out. The largest variant is looked
up first, then the URL as written; a missing file is a failed download (unless
an earlier import already has the image). The local copy is the reference: an
image of ``folder`` that differs from it is replaced.
"""

from __future__ import annotations

import functools
import hashlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Union
from urllib.parse import quote, unquote, urljoin, urlsplit

from techblog import atomic

SIZE_SEGMENT = re.compile(r"/(?:s\d+|w\d+-h\d+)(?:-[a-z0-9-]+)?/")
SIZE_SUFFIX = re.compile(r"=(?:s\d+|w\d+-h\d+)(?:-[a-z0-9-]+)?$")
MAX_BYTES = 50 * 1024 * 1024
ATTEMPTS = 3
MAX_REDIRECTS = 5
IMAGE_SECONDS = 60.0  # one image, every attempt included
DEADLINE_SECONDS = 600.0  # all downloads of a run (--images-deadline)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
NO_COPY = "no copy in the --images-from folder"
# A downloaded file is served from the blog's own site, by its name: one named
# x.html or x.svg would be a page that runs scripts there. Other suffixes lose
# their dot (Blogger's own addresses mostly have none).
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".jpe", ".gif", ".webp", ".bmp", ".ico", ".tif", ".tiff", ".avif"}

Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
AddressPolicy = Callable[[Address, int], bool]  # (address, port) -> may we connect?
Resolver = Callable[[str, int], list]  # (host, port) -> the host's addresses, as strings

# Not public although Python 3.11's is_global says so (or may, in another version).
_NOT_PUBLIC_V4 = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "192.88.99.0/24", "100.64.0.0/10", "198.18.0.0/15")]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the translator connects to the embedded IPv4 address
_NOT_PUBLIC_V6 = [ipaddress.ip_network(n) for n in (
    "::/96",  # IPv4-compatible (deprecated): ::127.0.0.1
    "64:ff9b:1::/48", "2001::/23", "2001:db8::/32", "ff00::/8", "fc00::/7", "fe80::/10", "fec0::/10")]


def public_address(address: Address, port: int = 0) -> bool:
    """The default policy: ``address`` is reachable on the public Internet (any port)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        embedded = address.ipv4_mapped or address.sixtofour
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return public_address(embedded)
        if any(address in net for net in _NOT_PUBLIC_V6):
            return False
    elif any(address in net for net in _NOT_PUBLIC_V4):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified
                                      or address.is_loopback or address.is_link_local or address.is_private)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal in any form resolves to itself)."""
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))


def largest_variant(url: str) -> str:
    """Blogger's full-size form of an image URL (``/s1600/``, ``=s1600``)."""
    if SIZE_SEGMENT.search(url):
        return SIZE_SEGMENT.sub("/s1600/", url, count=1)
    if SIZE_SUFFIX.search(url):
        return SIZE_SUFFIX.sub("=s1600", url)
    return url


class Refused(Exception):
    """A download that another attempt would not change (policy, 404, not an image, too big, too slow)."""


class _Pinned(http.client.HTTPConnection):
    """HTTP to one checked address, whatever the host name resolves to now.

    ``cut`` ends the connection from another thread (the watchdog of the time limit)."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.was_cut = False
        self._lock = threading.Lock()
        self._handle: socket.socket | None = None

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        with self._lock:
            # A duplicate of the socket: shutting it down ends the connection for the TLS layer too,
            # during the handshake as well (wrap_socket detaches the original object).
            self._handle = sock.dup()
            if self.was_cut:
                self._handle.shutdown(socket.SHUT_RDWR)
        return sock

    def connect(self) -> None:
        self.sock = self._open()

    def cut(self) -> None:
        with self._lock:
            self.was_cut = True
            if self._handle is not None:
                try:
                    self._handle.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        super().close()
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()  # certificate and host name verified


class _PinnedTLS(_Pinned):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        sock = self._open()
        try:
            self.sock = _tls_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


@dataclass
class Images:
    mode: str  # keep or download
    folder: Path  # <out>/_images
    dry_run: bool = False
    source: Path | None = None  # a local copy of the image hosts: <source>/<host>/<path>
    kept: list[str] = field(default_factory=list)
    downloaded: dict[str, str] = field(default_factory=dict)  # url -> file name
    failed: dict[str, str] = field(default_factory=dict)  # url -> reason
    deadline_seconds: float = DEADLINE_SECONDS  # all downloads of the run, from the first one
    image_seconds: float = IMAGE_SECONDS
    max_bytes: int = MAX_BYTES
    allowed: AddressPolicy = public_address  # tests allow their 127.0.0.1 server here
    resolve: Resolver = resolve_host
    _run_ends: float | None = field(default=None, repr=False)
    _too_slow: str = field(default="", repr=False)  # the reason when the current image's time is up

    def local_name(self, url: str) -> str:
        name = PurePosixPath(unquote(urlsplit(url).path)).name or "image"
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[-60:] or "image"
        if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
            name = name.replace(".", "-")
        return f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{name}"

    def place(self, url: str) -> str | None:
        """The file name in ``folder`` for ``url`` (downloaded if needed), or None."""
        if self.mode != "download" or urlsplit(url).scheme not in ("http", "https"):
            self.kept.append(url)
            return None
        if url in self.failed:  # a host that was too slow once is not waited for again
            return None
        big = largest_variant(url)
        name = self.local_name(big)
        target = self.folder / name
        if self.source is None and (target.is_file() or self.dry_run):
            self.downloaded[url] = name
            return name
        if self.source is not None:
            fetch = self._copy
        else:
            now = time.monotonic()
            if self._run_ends is None:
                self._run_ends = now + self.deadline_seconds
            if now >= self._run_ends:
                self.failed[url] = (f"deadline passed (--images-deadline {self.deadline_seconds:g} s for all "
                                    "downloads); a re-run fetches the rest")
                return None
            ends = min(now + self.image_seconds, self._run_ends)
            self._too_slow = (
                f"took longer than {self.image_seconds:g} s" if ends < self._run_ends
                else f"deadline passed (--images-deadline {self.deadline_seconds:g} s for all downloads)")

            def fetch(address: str, to: Path) -> str | None:
                return self._fetch(address, to, ends)  # one time limit for both variants
        error = fetch(big, target)
        if error and big != url:  # the full size may not exist; the shown size does
            error = fetch(url, target)
        if error and error.startswith(NO_COPY) and target.is_file():
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
        root = self.source.resolve()
        for path in dict.fromkeys((parts.path, unquote(parts.path))):
            segments = path.split("/")[1:]
            if not segments or any(s in ("", ".", "..") or "\\" in s or "\0" in s for s in segments):
                continue  # never outside <source>/<host>: the export is untrusted
            candidate = self.source.joinpath(host, *segments)
            try:
                if candidate.is_file() and candidate.resolve().is_relative_to(root):  # nor through a symlink
                    return candidate
            except (OSError, RuntimeError):  # a name too long for the file system, a symlink loop: not there
                continue
        return None

    def _copy(self, url: str, target: Path) -> str | None:
        found = self.local_copy(url)
        if found is None:
            return f"{NO_COPY} {self.source}"
        with found.open("rb") as handle:
            data = handle.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            return f"larger than {self.max_bytes} bytes"
        if not self.dry_run and not (target.is_file() and target.read_bytes() == data):
            return self._write(target, data)  # the local copy is the reference: a changed image is updated
        return None

    def _write(self, target: Path, data: bytes) -> str | None:
        try:
            atomic.write_bytes(target, data)  # complete, or not there at all
        except OSError as err:  # a full disk, say: this image fails, the import goes on
            return f"could not write {target}: {err}"
        return None

    def _fetch(self, url: str, target: Path, ends: float) -> str | None:
        reason = "failed"
        for attempt in range(ATTEMPTS):
            try:
                data = self._get(url, ends)
            except Refused as err:
                return str(err)
            except (OSError, http.client.HTTPException) as err:  # ssl.SSLError is an OSError
                reason = str(err) or type(err).__name__
                pause = 0.2 * (attempt + 1)
                if time.monotonic() + pause >= ends:
                    break
                time.sleep(pause)
                continue
            return self._write(target, data)
        return reason

    def _check(self, url: str) -> tuple[str, int, str, list[str]]:
        """``url``'s host, port, request target and its addresses, or Refused."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise Refused(f"not an http(s) address: {url[:200]}")
        if "@" in parts.netloc:
            raise Refused(f"an address with a user name or password is not fetched: {url[:200]}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise Refused(f"not a valid port: {url[:200]}") from None
        host = parts.hostname
        if not host:
            raise Refused(f"no host: {url[:200]}")
        try:
            addresses = self.resolve(host, port)
        except (OSError, UnicodeError) as err:
            raise Refused(f"host {host} not found ({err})") from None
        if not addresses:
            raise Refused(f"host {host} not found")
        for text in addresses:
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                raise Refused(f"host {host} resolves to an unusable address {text!r}") from None
            if not self.allowed(address, port):
                raise Refused(f"refused: {host} port {port} is {address}, not a public address")
        # The request line carries only printable ASCII: nothing can add a header.
        target = re.sub(r"[^\x21-\x7e]", lambda m: quote(m.group()), parts.path or "/")
        if parts.query:
            target += "?" + re.sub(r"[^\x21-\x7e]", lambda m: quote(m.group()), parts.query)
        return host, port, target, addresses

    def _get(self, url: str, ends: float) -> bytes:
        """The body of ``url``, following checked redirects, within ``ends``."""
        for _ in range(MAX_REDIRECTS + 1):
            host, port, target, addresses = self._check(url)
            connection = _PinnedTLS if urlsplit(url).scheme == "https" else _Pinned
            error: Exception | None = None
            for address in addresses:  # every one was checked; the first that answers
                try:
                    status, result = self._request(connection, host, port, address, target, ends)
                    break
                except OSError as err:  # refused, unreachable (IPv6 without a route), timed out
                    error = err
            else:
                raise error or OSError("no address")
            if status not in REDIRECT_STATUSES:
                return result
            url = urljoin(url, result.decode("latin-1").strip())
        raise Refused(f"more than {MAX_REDIRECTS} redirects")

    def _request(self, connection, host, port, address, target, ends) -> tuple[int, bytes]:
        """(status, body) or (a redirect status, its Location) from one connection."""
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise Refused(self._too_slow)
        conn = connection(host, port, address, timeout=remaining)
        watchdog = threading.Timer(remaining, conn.cut)  # the socket timeout alone would let a dribble go on
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request("GET", target, headers={"Accept": "image/*", "Accept-Encoding": "identity",
                                                 "User-Agent": "techblog-import-blogger"})
            response = conn.getresponse()
            if response.status in REDIRECT_STATUSES:
                location = response.getheader("Location")
                if not location:
                    raise Refused(f"HTTP {response.status} without a Location")
                return response.status, location.encode("latin-1", "replace")
            if response.status != 200:
                message = f"HTTP {response.status} {response.reason}"
                if 400 <= response.status < 500 and response.status not in (408, 429):
                    raise Refused(message)  # will not get better
                raise http.client.HTTPException(message)
            kind = response.getheader("Content-Type")
            if kind is None:
                raise Refused("not an image: no Content-Type")
            kind = response.headers.get_content_type()
            if not kind.startswith("image/") or kind == "image/svg+xml":
                raise Refused(f"not an image: Content-Type {kind}")
            if (response.getheader("Content-Encoding") or "identity").strip().lower() != "identity":
                raise Refused(f"compressed with {response.getheader('Content-Encoding')}, asked not to be")
            if response.length is not None and response.length > self.max_bytes:
                raise Refused(f"larger than {self.max_bytes} bytes")
            data = bytearray()
            while chunk := response.read1(64 * 1024):
                data += chunk
                if len(data) > self.max_bytes:
                    raise Refused(f"larger than {self.max_bytes} bytes")
                if time.monotonic() >= ends:
                    raise Refused(self._too_slow)
            if conn.was_cut:  # the watchdog's shutdown looks like the end of the body
                raise Refused(self._too_slow)
            if response.length:
                raise http.client.IncompleteRead(bytes(data), response.length)
            return response.status, bytes(data)
        except (OSError, http.client.HTTPException) as err:
            if conn.was_cut:
                raise Refused(self._too_slow) from None
            if isinstance(err, ssl.SSLCertVerificationError):
                raise Refused(str(err)) from None  # will not get better
            raise
        finally:
            watchdog.cancel()
            conn.close()
