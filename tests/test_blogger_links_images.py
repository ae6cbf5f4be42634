"""The old blog's addresses, and images fetched from a local server."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from techblog.legacy.images import Images, largest_variant
from techblog.legacy.links import OldBlog, label_path, page_path, post_path

OLD = OldBlog("https://openstack-in-production.blogspot.com/")


@pytest.mark.parametrize("url", [
    "https://openstack-in-production.blogspot.com/2016/05/x.html",
    "http://openstack-in-production.blogspot.com/2016/05/x.html?m=1",
    "https://openstack-in-production.blogspot.ch/2016/05/x.html#more",
    "https://www.openstack-in-production.blogspot.co.uk/2016/05/x.html",
    "/2016/05/x.html",
])
def test_every_alias_of_the_old_blog_is_recognised_and_folded(url):
    assert OLD.owns(url)
    assert OLD.split(url) == ("/2016/05/x.html", "")


@pytest.mark.parametrize("url", [
    "https://other-blog.blogspot.com/2016/05/x.html",
    "https://openstack.org/2016/05/x.html",
    "javascript:alert(1)",
    "mailto:someone@example.org",
])
def test_other_addresses_are_not_the_old_blog(url):
    assert not OLD.owns(url)


def test_a_comment_link_keeps_its_anchor():
    url = "https://openstack-in-production.blogspot.com/2016/05/x.html?showComment=1463000000000#c4419"
    assert OLD.split(url) == ("/2016/05/x.html", "c4419")


def test_paths_are_told_apart():
    assert post_path("/2016/05/x.html") == ("2016", "05", "x")
    assert post_path("/p/about.html") is None
    assert page_path("/p/about.html") == "about"
    assert label_path("/search/label/High%20Availability") == "High Availability"


@pytest.mark.parametrize(("shown", "largest"), [
    ("https://blogger.googleusercontent.com/img/b/R29v/AVvX/s320/cells.png",
     "https://blogger.googleusercontent.com/img/b/R29v/AVvX/s1600/cells.png"),
    ("https://1.bp.blogspot.com/-abc/XYZ/AAA/def/w400-h300/cells.png",
     "https://1.bp.blogspot.com/-abc/XYZ/AAA/def/s1600/cells.png"),
    ("https://blogger.googleusercontent.com/img/a/AVvXsEh=w640-h480", "https://blogger.googleusercontent.com/img/a/AVvXsEh=s1600"),
    ("https://example.org/plain.png", "https://example.org/plain.png"),
])
def test_the_largest_variant_of_a_blogger_image(shown, largest):
    assert largest_variant(shown) == largest


class ImageServer(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []
    flaky_left = {"/flaky/s1600/x.png": 1}

    def do_GET(self):
        ImageServer.hits.append(self.path)
        if self.path in self.flaky_left and self.flaky_left[self.path] > 0:
            self.flaky_left[self.path] -= 1
            self.send_error(503)
            return
        if self.path.startswith(("/ok/", "/flaky/")) or self.path == "/only-small/s320/y.png":
            body = b"\x89PNG fake " + self.path.encode()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ImageServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    ImageServer.hits = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def loopback(address, port):
    return address.is_loopback  # the test server; the default policy refuses it (tests/test_image_downloads.py)


def test_download_takes_the_largest_variant_and_names_files_by_url(server, tmp_path: Path):
    images = Images("download", tmp_path, allowed=loopback)
    name = images.place(f"{server}/ok/s320/cells.png")
    assert name and (tmp_path / name).read_bytes().endswith(b"/ok/s1600/cells.png")
    assert images.place(f"{server}/ok/s320/cells.png") == name  # the second time: no new request
    assert ImageServer.hits == ["/ok/s1600/cells.png"]


def test_download_retries_falls_back_and_reports_failures_without_aborting(server, tmp_path: Path):
    images = Images("download", tmp_path, allowed=loopback)
    assert images.place(f"{server}/flaky/s320/x.png")  # 503 once, then fine
    assert images.place(f"{server}/only-small/s320/y.png")  # no s1600: the shown size
    assert images.place(f"{server}/missing/s320/z.png") is None
    assert list(images.failed) == [f"{server}/missing/s320/z.png"]
    assert "/flaky/s1600/x.png" in ImageServer.hits


def test_keep_leaves_images_hot_linked(tmp_path: Path):
    images = Images("keep", tmp_path)
    assert images.place("https://blogger.googleusercontent.com/img/s320/x.png") is None
    assert images.kept == ["https://blogger.googleusercontent.com/img/s320/x.png"]
    assert not any(tmp_path.iterdir())


# -- --images-from: a local copy of the image hosts instead of the network ------------------


def local_copy(tmp_path: Path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "mirror"
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    folder.mkdir(exist_ok=True)
    return folder


def test_images_from_copies_the_largest_variant_without_the_network(server, tmp_path: Path):
    host = server.split("//")[1].split(":")[0]  # 127.0.0.1: the server counts any request
    source = local_copy(tmp_path, {f"{host}/ok/s1600/cells.png": b"big",
                                   f"{host}/ok/s320/cells.png": b"small"})
    images = Images("download", tmp_path / "out", source=source)
    name = images.place(f"{server}/ok/s320/cells.png")
    assert name == images.local_name(f"{server}/ok/s1600/cells.png")
    assert (tmp_path / "out" / name).read_bytes() == b"big"
    assert ImageServer.hits == [] and images.failed == {}


def test_images_from_falls_back_to_the_url_as_written(tmp_path: Path):
    source = local_copy(tmp_path, {"1.bp.blogspot.com/a/b/s320/x.png": b"small"})
    images = Images("download", tmp_path / "out", source=source)
    name = images.place("https://1.bp.blogspot.com/a/b/s320/x.png")
    assert name and (tmp_path / "out" / name).read_bytes() == b"small"


def test_images_from_finds_percent_encoded_names_decoded(tmp_path: Path):
    source = local_copy(tmp_path, {"1.bp.blogspot.com/a/s1600/my diagram.png": b"x"})
    images = Images("download", tmp_path / "out", source=source)
    assert images.place("https://1.bp.blogspot.com/a/s400/my%20diagram.png")


def test_a_missing_local_copy_is_a_failure_and_nothing_is_written(tmp_path: Path):
    images = Images("download", tmp_path / "out", source=local_copy(tmp_path, {}))
    url = "https://blogger.googleusercontent.com/img/s320/x.png"
    assert images.place(url) is None
    assert list(images.failed) == [url] and "no copy in the --images-from folder" in images.failed[url]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("url", [
    "https://blogger.googleusercontent.com/../../secret.png",
    "https://blogger.googleusercontent.com/%2e%2e/%2E%2E/secret.png",
    "https://blogger.googleusercontent.com/a/..%2f..%2f..%2fsecret.png",
    "https://..%2f..%2f/secret.png",
])
def test_images_from_never_reads_outside_the_local_copy(tmp_path: Path, url):
    (tmp_path / "secret.png").write_bytes(b"secret")
    (tmp_path / "mirror" / "blogger.googleusercontent.com" / "a").mkdir(parents=True)
    images = Images("download", tmp_path / "out", source=tmp_path / "mirror")
    assert images.place(url) is None and url in images.failed


def test_images_from_updates_a_copy_that_differs_and_dry_run_writes_nothing(tmp_path: Path):
    source = local_copy(tmp_path, {"h.example/s1600/x.png": b"new"})
    images = Images("download", tmp_path / "out", source=source)
    name = images.local_name("https://h.example/s1600/x.png")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / name).write_bytes(b"old")
    Images("download", tmp_path / "out", dry_run=True, source=source).place("https://h.example/s320/x.png")
    assert (tmp_path / "out" / name).read_bytes() == b"old"
    assert images.place("https://h.example/s320/x.png") == name
    assert (tmp_path / "out" / name).read_bytes() == b"new"
    dry = Images("download", tmp_path / "out", dry_run=True, source=source)
    assert dry.place("https://h.example/s320/gone.png") is None  # a dry run reports what is missing too
