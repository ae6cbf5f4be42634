"""``--images download`` with an untrusted export: no request to this machine or its network, bounded
in size and time, never a partial file.

The only servers a test may run are on 127.0.0.1, which the default policy refuses: the refusal tests
use the default policy and check that the server got no request; the others allow exactly their own
server (address and port) through the ``allowed`` hook. Every connection is guarded (``no_outside``):
even with the policy broken, nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import json
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import REPO
from techblog.tools import cli
from techblog.legacy import importer
from techblog.legacy.images import Images, public_address

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.hits.append(self.path)
        self.server.hosts.append(self.headers.get("Host"))
        path, query = urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)
        try:
            if path == "/redirect":
                self.send_response(302)
                self.send_header("Location", query["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/loop":
                self.send_response(301)
                self.send_header("Location", "/loop")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/slow-body.png":  # headers at once, then a byte every 0.1 s
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "400")
                self.end_headers()
                for _ in range(400):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/slow-headers.png":  # never done with its headers
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nX-Slow: ")
                for _ in range(400):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/truncated.png":  # promises 1000 bytes, sends 10, hangs up
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", "1000")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(PNG[:10])
                self.close_connection = True
            elif path == "/endless.png":  # no length: until the connection closes
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"x" * 1000)
                self.close_connection = True
            else:
                kind, body = {
                    "/ok.png": ("image/png", PNG),
                    "/large.png": ("image/png", PNG * 5000),
                    "/page.html": ("text/html; charset=utf-8", b"<script>alert(1)</script>"),
                    "/drawing.svg": ("image/svg+xml", b"<svg><script>alert(1)</script></svg>"),
                    "/untyped.png": (None, PNG),
                }.get(path, ("text/plain", b""))
                self.send_response(200 if body else 404)
                if kind:
                    self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        except OSError:  # the client gave up (cut off): fine
            self.close_connection = True

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up on a refused body: expected here


def start_server():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.hits, httpd.hosts = [], []
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd


@pytest.fixture
def server():
    httpd = start_server()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def other_server():
    httpd = start_server()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def no_outside(monkeypatch):
    """Every connection attempt, recorded; one outside 127.0.0.0/8 is never made (a safety net)."""
    attempts = []
    original = socket.create_connection

    def guarded(address, *args, **kwargs):
        attempts.append(address)
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise ConnectionRefusedError(f"test guard: no connection to {address}")
        return original(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return attempts


def url(httpd, path: str) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}{path}"


def only(httpd):
    """A policy that allows exactly ``httpd``: 127.0.0.1 and its port."""
    port = httpd.server_address[1]
    return lambda address, p: address == ipaddress.ip_address("127.0.0.1") and p == port


def assert_nothing_written(folder: Path):
    assert not folder.exists() or not any(folder.iterdir()), list(folder.iterdir())


# -- (a) the default policy: only public addresses, checked before any connection -----------------


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.0.0.2", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
    "169.254.169.254", "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "192.0.2.1",
    "::1", "::", "fe80::1", "fe80::1%1", "fc00::1", "fd12::1", "ff02::1", "2001:db8::1", "2001::1",
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::1", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
])
def test_the_default_policy_refuses_every_address_that_is_not_public(address):
    assert not public_address(ipaddress.ip_address(address), 80)


@pytest.mark.parametrize("address", [
    "8.8.8.8", "142.250.185.65", "2a00:1450:4001:82b::2001", "::ffff:8.8.8.8", "64:ff9b::808:808",
    "2002:808:808::1",
])
def test_the_default_policy_allows_public_addresses(address):
    assert public_address(ipaddress.ip_address(address), 443)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "0x7f.0.0.1", "017700000001",
                                  "127.1", "[::1]", "[::ffff:127.0.0.1]"])
def test_addresses_on_this_machine_are_refused_in_every_spelling(server, tmp_path: Path, no_outside, host):
    images = Images("download", tmp_path / "_images")
    image = f"http://{host}:{server.server_address[1]}/ok.png"
    assert images.place(image) is None
    assert "not a public address" in images.failed[image], images.failed
    assert server.hits == [] and no_outside == []
    assert_nothing_written(tmp_path / "_images")


@pytest.mark.parametrize("answer", [["127.0.0.1"], ["8.8.8.8", "127.0.0.1"], ["::ffff:127.0.0.1"]])
def test_a_public_looking_name_that_resolves_to_this_machine_is_refused(server, tmp_path: Path, no_outside,
                                                                        answer):
    images = Images("download", tmp_path / "_images", resolve=lambda host, port: answer)
    image = f"http://images.example:{server.server_address[1]}/ok.png"
    assert images.place(image) is None
    assert "images.example" in images.failed[image] and "not a public address" in images.failed[image]
    assert server.hits == [] and no_outside == []


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(server, tmp_path: Path, monkeypatch):
    """DNS rebinding: a second resolution could answer differently; there is none."""
    looked_up = []
    original = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        looked_up.append(host)
        return original(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers = []

    def resolve(host, port):
        answers.append(host)
        return ["127.0.0.1"]

    images = Images("download", tmp_path / "_images", allowed=only(server), resolve=resolve)
    port = server.server_address[1]
    assert images.place(f"http://images.example:{port}/ok.png")
    assert answers == ["images.example"] and "images.example" not in looked_up
    assert server.hosts == [f"images.example:{port}"]  # the name still goes to the server


@pytest.mark.parametrize("image", ["http://user:secret@images.example/ok.png",
                                   "http://images.example:99999/x.png", "http:///x.png"])
def test_odd_addresses_are_refused_before_resolving(tmp_path: Path, image):
    resolved = []
    images = Images("download", tmp_path / "_images", resolve=lambda host, port: resolved.append(host) or [])
    assert images.place(image) is None and image in images.failed
    assert resolved == []


# -- (b) redirects: followed here, every hop checked ---------------------------------------------


def test_a_redirect_to_another_port_of_this_machine_is_refused(server, other_server, tmp_path: Path,
                                                                no_outside):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    image = url(server, f"/redirect?to={url(other_server, '/ok.png')}")
    assert images.place(image) is None
    assert f"port {other_server.server_address[1]}" in images.failed[image]
    assert other_server.hits == [] and len(server.hits) == 1
    assert {port for _, port in no_outside} == {server.server_address[1]}
    assert_nothing_written(tmp_path / "_images")


@pytest.mark.parametrize(("to", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 port 80 is 169.254.169.254, not a public"),
    ("http://localhost/admin", "not a public address"),
    ("file:///etc/passwd", "not an http(s) address: file:///etc/passwd"),
    ("gopher://127.0.0.1:25/x", "not an http(s) address"),
    ("http://admin:pw@127.0.0.1/", "user name or password"),
])
def test_a_redirect_away_from_the_allowed_server_is_refused(server, tmp_path: Path, no_outside, to, reason):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    image = url(server, f"/redirect?to={to}")
    assert images.place(image) is None
    assert reason in images.failed[image], images.failed
    assert {port for _, port in no_outside} == {server.server_address[1]}  # no connection anywhere else
    assert_nothing_written(tmp_path / "_images")


def test_a_redirect_within_the_allowed_server_is_followed_and_loops_are_not(server, tmp_path: Path):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    assert images.place(url(server, "/redirect?to=/ok.png"))
    assert images.place(url(server, "/loop")) is None
    assert "more than 5 redirects" in images.failed[url(server, "/loop")]
    assert server.hits.count("/loop") == 6


# -- (c) time: per image, whatever the server dribbles -------------------------------------------


@pytest.mark.parametrize("path", ["/slow-body.png", "/slow-headers.png"])
def test_a_slow_server_is_cut_off_at_the_time_limit_and_nothing_is_written(server, tmp_path: Path, path):
    images = Images("download", tmp_path / "_images", allowed=only(server), image_seconds=0.5)
    start = time.monotonic()
    assert images.place(url(server, path)) is None
    assert time.monotonic() - start < 2  # the server would go on for 40 s, a byte every 0.1 s
    assert images.failed[url(server, path)] == "took longer than 0.5 s"
    assert server.hits == [path]  # not tried again: it would not be faster
    assert_nothing_written(tmp_path / "_images")


# -- (d, e) size and type ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/large.png", "/endless.png"])
def test_an_oversized_body_is_refused_and_nothing_is_written(server, tmp_path: Path, path):
    images = Images("download", tmp_path / "_images", allowed=only(server), max_bytes=10_000)
    assert images.place(url(server, path)) is None
    assert images.failed[url(server, path)] == "larger than 10000 bytes"
    assert_nothing_written(tmp_path / "_images")


@pytest.mark.parametrize(("path", "reason"), [
    ("/page.html", "not an image: Content-Type text/html"),
    ("/drawing.svg", "not an image: Content-Type image/svg+xml"),
    ("/untyped.png", "not an image: no Content-Type"),
])
def test_a_body_that_is_not_a_raster_image_is_refused(server, tmp_path: Path, path, reason):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    assert images.place(url(server, path)) is None
    assert images.failed[url(server, path)] == reason
    assert_nothing_written(tmp_path / "_images")


def test_a_name_that_would_be_served_as_a_page_loses_its_suffix():
    images = Images("download", Path("_images"))
    assert images.local_name("https://h.example/a/x.html").endswith("-x-html")
    assert images.local_name("https://h.example/a/x.svg").endswith("-x-svg")
    assert images.local_name("https://h.example/a/x.PNG").endswith("-x.PNG")


# -- (f) the deadline of the whole run ----------------------------------------------------------


def test_the_overall_deadline_makes_later_images_fail_at_once(server, tmp_path: Path):
    images = Images("download", tmp_path / "_images", allowed=only(server), deadline_seconds=0.5,
                    image_seconds=5)
    start = time.monotonic()
    assert images.place(url(server, "/slow-body.png")) is None
    assert images.place(url(server, "/ok.png")) is None
    assert time.monotonic() - start < 2
    assert images.failed[url(server, "/slow-body.png")].startswith("deadline passed (--images-deadline 0.5 s")
    assert images.failed[url(server, "/ok.png")].startswith("deadline passed (--images-deadline 0.5 s")
    assert server.hits == ["/slow-body.png"]  # the second image: no request at all
    assert_nothing_written(tmp_path / "_images")


def test_the_import_completes_with_images_past_the_deadline_reported_and_hot_linked(
        server, tmp_path: Path, monkeypatch, capsys):
    fixtures = REPO / "tests" / "fixtures" / "blogger"
    site = tmp_path / "site"
    shutil.copytree(REPO / "tests" / "roots" / "test-legacy-import", site)
    export = tmp_path / "blog.xml"
    slow = url(server, "/slow-body.png")
    export.write_text((fixtures / "classic-small.xml").read_text().replace(
        "https://blogger.googleusercontent.com/", url(server, "/")))
    monkeypatch.setattr(importer, "Images", functools.partial(importer.Images, allowed=only(server)))
    # Every image of the export is the slow one.
    monkeypatch.setattr("techblog.legacy.images.largest_variant", lambda address: slow)
    start = time.monotonic()
    status = cli.main(["--root", str(site), "import-blogger", str(export), "--author", "Riley Example=alice",
                       "--author", "Sam Tester=bruno", "--author", "Olive Owner=chiara",
                       "--images", "download", "--images-deadline", "0.5"])
    assert time.monotonic() - start < 10
    out = capsys.readouterr().out
    assert status == 1, out
    report = json.loads((site / "legacy" / "import-report.json").read_text())
    assert report["images"]["failed"] and report["images"]["downloaded"] == 0
    assert all(reason.startswith("deadline passed") for reason in report["images"]["failed"].values())
    assert "image failed, left hot-linked" in out and "deadline passed" in out
    posts = "".join(p.read_text() for p in (site / "legacy").rglob("*.md"))
    assert all(image in posts for image in report["images"]["failed"])
    assert_nothing_written(site / "legacy" / "_images")


@pytest.mark.parametrize(("options", "message"), [
    (["--images-deadline", "0"], "expected a positive number of seconds"),
    (["--images-deadline", "soon"], "expected a positive number of seconds"),
    (["--images-deadline", "5"], "--images-deadline 5: goes with --images download"),
])
def test_the_deadline_option_is_checked(tmp_path: Path, capsys, options, message):
    try:
        status = cli.main(["--root", str(REPO), "import-blogger", str(tmp_path / "x.xml"), *options])
    except SystemExit as err:  # argparse
        status = err.code
    assert status == 2 and message in capsys.readouterr().err


# -- (g) written whole, or not at all -----------------------------------------------------------


def test_a_download_is_written_whole_with_no_temporary_file_left(server, tmp_path: Path):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    name = images.place(url(server, "/ok.png"))
    assert [p.name for p in (tmp_path / "_images").iterdir()] == [name]
    assert (tmp_path / "_images" / name).read_bytes() == PNG


def test_a_truncated_body_is_not_kept(server, tmp_path: Path):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    assert images.place(url(server, "/truncated.png")) is None
    assert url(server, "/truncated.png") in images.failed
    assert_nothing_written(tmp_path / "_images")


@pytest.fixture
def small_files():
    """Files may grow to 64 KiB, as on a nearly full disk (writes past it fail with EFBIG)."""
    def limited(call):
        previous_signal = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        previous = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, previous[1]))
        try:
            return call()
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, previous)
            signal.signal(signal.SIGXFSZ, previous_signal)
    return limited


def test_a_download_that_cannot_be_written_is_not_kept_and_is_reported(server, tmp_path: Path, small_files):
    images = Images("download", tmp_path / "_images", allowed=only(server))
    image = url(server, "/large.png")
    target = tmp_path / "_images" / images.local_name(image)
    assert small_files(lambda: images.place(image)) is None
    assert "could not write" in images.failed[image]
    assert_nothing_written(tmp_path / "_images")  # neither a truncated image nor a temporary file
    assert not target.exists()


def test_a_local_copy_that_cannot_be_written_leaves_the_old_file_and_is_reported(tmp_path: Path, small_files):
    image = "https://h.example/s1600/x.png"
    (tmp_path / "mirror" / "h.example" / "s1600").mkdir(parents=True)
    (tmp_path / "mirror" / "h.example" / "s1600" / "x.png").write_bytes(PNG * 5000)
    images = Images("download", tmp_path / "_images", source=tmp_path / "mirror")
    target = tmp_path / "_images" / images.local_name(image)
    target.parent.mkdir()
    target.write_bytes(b"old")
    assert small_files(lambda: images.place(image)) is None
    assert "could not write" in images.failed[image]
    assert [p.name for p in target.parent.iterdir()] == [target.name] and target.read_bytes() == b"old"


def test_a_local_copy_is_not_read_through_a_symlink_that_leaves_it(tmp_path: Path):
    (tmp_path / "secret.png").write_bytes(b"secret")
    (tmp_path / "mirror" / "h.example").mkdir(parents=True)
    (tmp_path / "mirror" / "h.example" / "x.png").symlink_to(tmp_path / "secret.png")
    images = Images("download", tmp_path / "_images", source=tmp_path / "mirror")
    assert images.place("https://h.example/x.png") is None
    assert_nothing_written(tmp_path / "_images")


# -- https: the checked address, with the certificate verified against the host name ---------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for images.example, and its key."""
    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
                    "-subj", "/CN=images.example", "-addext", "subjectAltName=DNS:images.example"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate):
    """An https server on 127.0.0.1 for images.example, and its certificate."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.hits, httpd.hosts, httpd.names = [], [], names
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield httpd, cert
    httpd.shutdown()
    httpd.server_close()


def to_loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


def trusting(monkeypatch, cert: Path):
    context = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr("techblog.legacy.images._tls_context", lambda: context)


def test_https_goes_to_the_checked_address_with_the_host_name_for_sni_and_the_certificate(
        tls_server, tmp_path: Path, monkeypatch):
    httpd, cert = tls_server
    trusting(monkeypatch, cert)
    images = Images("download", tmp_path / "_images", allowed=only(httpd), resolve=to_loopback)
    name = images.place(f"https://images.example:{httpd.server_address[1]}/ok.png")
    assert name and (tmp_path / "_images" / name).read_bytes() == PNG, images.failed
    assert httpd.names == ["images.example"]


def test_https_refuses_a_certificate_for_another_name_or_not_trusted(tls_server, tmp_path: Path, monkeypatch):
    httpd, cert = tls_server
    port = httpd.server_address[1]
    images = Images("download", tmp_path / "_images", allowed=only(httpd), resolve=to_loopback)
    assert images.place(f"https://images.example:{port}/ok.png") is None  # the system's authorities only
    trusting(monkeypatch, cert)
    assert images.place(f"https://other.example:{port}/ok.png") is None
    assert all("certificate verify failed" in reason for reason in images.failed.values()), images.failed
    assert len(images.failed) == 2 and httpd.hits == []
    assert_nothing_written(tmp_path / "_images")


def test_a_slow_https_server_is_cut_off_too(tls_server, tmp_path: Path, monkeypatch):
    httpd, cert = tls_server
    trusting(monkeypatch, cert)
    images = Images("download", tmp_path / "_images", allowed=only(httpd), resolve=to_loopback,
                    image_seconds=0.5)
    start = time.monotonic()
    image = f"https://images.example:{httpd.server_address[1]}/slow-headers.png"
    assert images.place(image) is None
    assert time.monotonic() - start < 2 and images.failed[image] == "took longer than 0.5 s"
    assert_nothing_written(tmp_path / "_images")
