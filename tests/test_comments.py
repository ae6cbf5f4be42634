"""Live comments at the HTML level: where the Isso thread is (and is not),
comment-count links in listings, the server address setting and its errors,
the Isso server's settings, and the preview that runs both servers.
(The browser tests in tests/browser/test_comments.py post real comments.)"""

from __future__ import annotations

import configparser
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from comment_env import settings as server_settings
from conftest import REPO, sphinx_build
from sources import conf

from techblog.tools import comment_server
from techblog.config import server_address

ROOT = REPO / "tests" / "roots" / "test-comments"
SCRIPT = "script[src*='techblog-comments.js']"


def build(tmp_path, *options, env=None):
    src = tmp_path / "src"
    if not src.exists():
        shutil.copytree(ROOT, src)
    return sphinx_build(src, tmp_path / "html", tmp_path / "doctrees", *options, env=env)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    result = build(tmp_path_factory.mktemp("comments"))
    assert result.returncode == 0, result.output
    return result


def thread_key(page: str) -> str:
    return urlsplit(conf()["blog_baseurl"]).path.rstrip("/") + "/" + page


def test_a_post_has_a_thread_keyed_by_its_published_path(site):
    html = site.html("posts/2024/open-thread.html")
    section = html.select_one("article .techblog-live-comments")
    thread = section.select_one("#isso-thread")
    assert thread["data-isso-id"] == thread_key("posts/2024/open-thread.html")
    assert thread["data-title"] == "A post that takes comments"
    assert section.h2.get_text() == "Comments"
    assert "unavailable" in section.select_one(".comments-unavailable").get_text()
    assert section.select_one(".comments-unavailable").has_attr("hidden")
    # After the post's text, not inside it.
    body_text = html.select_one("article").get_text()
    assert body_text.index("the thread is below") < body_text.index("Loading comments")


def test_the_loader_names_the_configured_server_on_every_page(site):
    for page in ["index.html", "about.html", "posts/2024/open-thread.html", "posts/2024/comments-off.html"]:
        script = site.html(page).select_one(SCRIPT)
        assert script["data-comments-server"] == "/comments", page
        assert script.has_attr("defer"), page
        assert (site.outdir / "_static" / "techblog-comments.js").is_file()


@pytest.mark.parametrize("page", ["posts/2024/comments-off.html", "about.html", "index.html", "posts/index.html"])
def test_no_thread_where_comments_are_off_or_on_pages_that_are_not_posts(site, page):
    html = site.html(page)
    assert html.select("#isso-thread, .techblog-live-comments") == []


def test_a_legacy_post_has_its_archived_thread_then_a_live_one(site):
    html = site.html("legacy/2015/06/old-thread.html")
    sections = html.select(".techblog-comments")
    assert [s["class"] for s in sections] == [
        ["techblog-comments", "techblog-archived-comments"],
        ["techblog-comments", "techblog-live-comments"],
    ]
    assert sections[0].h2.get_text() == "Comments archived from the old blog"
    assert sections[1].h2.get_text() == "New comments"


def test_listings_link_the_comment_count_of_posts_that_take_comments(site):
    links = site.html("index.html").select("a.comment-count")
    assert sorted((a["href"], a["data-isso-id"]) for a in links) == sorted([
        ("legacy/2015/06/old-thread.html#isso-thread", thread_key("legacy/2015/06/old-thread.html")),
        ("posts/2024/open-thread.html#isso-thread", thread_key("posts/2024/open-thread.html")),
    ])
    for a in links:
        target = site.html(a["href"].split("#")[0])
        assert target.select_one("#isso-thread")["data-isso-id"] == a["data-isso-id"]


def test_an_empty_server_address_switches_comments_off_everywhere(tmp_path):
    result = build(tmp_path, "-D", "techblog_comments_server=")
    assert result.returncode == 0, result.output
    for page in result.outdir.rglob("*.html"):
        html = result.html(str(page.relative_to(result.outdir)))
        assert html.select(f"#isso-thread, a.comment-count, {SCRIPT}") == [], page


def test_the_environment_overrides_the_server_address(tmp_path):
    result = build(tmp_path, env={"TECHBLOG_COMMENTS_SERVER": "https://comments.example.org/"})
    assert result.returncode == 0, result.output
    script = result.html("posts/2024/open-thread.html").select_one(SCRIPT)
    assert script["data-comments-server"] == "https://comments.example.org"


@pytest.mark.parametrize("value, reason", [
    ("htp://comments.example.org", "neither a path starting with '/' nor an http(s) URL"),
    ("comments", "neither a path starting with '/' nor an http(s) URL"),
    ("//comments.example.org/", "has no scheme"),
    ("https://", "has no valid host name"),
    ("https://bad host/", "contains spaces"),
    ("https://comments.example.org:99999/", "has an invalid port"),
    ("https://user:secret@comments.example.org/", "carries a user name or password"),
    ("https://comments.example.org/?site=blog", "has a query or fragment"),
    (" /comments/", "contains spaces"),
])
def test_a_malformed_server_address_is_rejected(value, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        server_address(value)


@pytest.mark.parametrize("value, expected", [
    ("", ""),
    ("/comments/", "/comments"),
    ("https://comments.example.org/", "https://comments.example.org"),
    ("http://127.0.0.1:8001", "http://127.0.0.1:8001"),
    ("https://example.org/isso", "https://example.org/isso"),
])
def test_good_server_addresses_are_kept_without_trailing_slash(value, expected):
    assert server_address(value) == expected


@pytest.mark.parametrize("value", ["htp://comments.example.org", "https://comments.example.org:99999/"])
def test_a_malformed_server_address_stops_the_build_with_one_clear_line(tmp_path, value):
    result = build(tmp_path, "-D", f"techblog_comments_server={value}")
    assert result.returncode == 1
    line = f"conf.py: techblog_comments_server: {value!r} "
    assert line in result.output
    assert "expected a path on this site such as '/comments/'" in result.output
    assert "Traceback" not in result.output and "Configuration error" not in result.output


# -- The Isso server's settings (comments/isso.cfg) ---------------------------

def hosts(settings) -> list[str]:
    return settings.get("general", "host").split()


def test_production_settings_moderate_limit_and_stay_quiet(tmp_path):
    settings = server_settings("--db", str(tmp_path / "c.db"))
    assert settings.getboolean("moderation", "enabled")
    assert not settings.getboolean("general", "reply-notifications")
    assert settings.getboolean("guard", "enabled")
    assert settings.getint("guard", "ratelimit") > 0 and settings.getint("guard", "direct-reply") > 0
    assert not settings.getboolean("general", "gravatar")
    assert not settings.getboolean("admin", "enabled")
    site_origin = "{0.scheme}://{0.netloc}".format(urlsplit(conf()["blog_baseurl"]))
    assert hosts(settings) == [site_origin]


def test_the_default_database_is_in_the_ignored_working_data():
    raw = configparser.ConfigParser(interpolation=None)
    raw.read(comment_server.CONFIG, encoding="utf-8")
    path = raw.get("general", "dbpath")
    assert not os.path.isabs(path) and path.startswith(".data/")
    ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=REPO)
    assert ignored.returncode == 0, f"{path} is not ignored by git"


def test_local_settings_for_previews(tmp_path):
    settings = server_settings("--local", "--db", str(tmp_path / "c.db"), "--listen", "http://127.0.0.1:8123",
                               "--origin", "http://127.0.0.1:8000/")
    assert not settings.getboolean("moderation", "enabled")
    assert settings.get("general", "notify") == "stdout"
    assert hosts(settings) == ["http://127.0.0.1:8000"]
    assert settings.get("server", "listen") == "http://127.0.0.1:8123"
    assert settings.get("general", "dbpath") == str(tmp_path / "c.db")


def test_secrets_come_from_the_environment_only(tmp_path):
    text = comment_server.CONFIG.read_text(encoding="utf-8")
    assert "password =" not in text and "salt =" not in text
    settings = server_settings("--db", str(tmp_path / "c.db"),
                               env={"ISSO_ADMIN_PASSWORD": "s3cret", "ISSO_SMTP_PASSWORD": "p"})
    assert settings.getboolean("admin", "enabled")
    # Printed as fingerprints, never as themselves.
    assert settings.get("admin", "password") == comment_server.fingerprint("s3cret")
    assert settings.get("smtp", "password") == comment_server.fingerprint("p")


@pytest.mark.parametrize("args, message", [
    (["--origin", "techblog.example.org"], "--origin: 'techblog.example.org' is not an http(s) URL"),
    (["--listen", "127.0.0.1:8001"], "--listen: '127.0.0.1:8001' is not supported here"),
    (["--listen", "http://127.0.0.1"], "has no port"),
    (["--config", "comments/nope.cfg"], "no such file"),
])
def test_the_server_refuses_unusable_settings(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "techblog", "comments", "--db", str(tmp_path / "c.db"), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert message in proc.stderr


# -- make serve: the preview and a local Isso, started and stopped together ----

@pytest.mark.slow
def test_the_preview_runs_the_site_and_a_local_comment_server_and_stops_both(tmp_path):
    from browser.servers import free_port, is_down, wait_until_up

    # A small site of its own: the build folder must be inside the site served.
    root = tmp_path / "site"
    shutil.copytree(REPO / "tests" / "roots" / "test-drafts", root)
    port, comments_port = free_port(), free_port()
    runner = subprocess.Popen(
        [sys.executable, "-m", "techblog", "--root", str(root), "serve", "--port", str(port),
         "--comments-port", str(comments_port)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    site, comments = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{comments_port}"
    try:
        wait_until_up(comments + "/config", timeout=60)
        wait_until_up(site + "/index.html", timeout=120)
        page = (root / "_build" / "preview" / "index.html").read_text(encoding="utf-8")
        assert f'data-comments-server="{comments}"' in page
        with urllib.request.urlopen(urllib.request.Request(comments + "/config", headers={"Origin": site})) as r:
            assert r.headers["Access-Control-Allow-Origin"] == site
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=30) == 0
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
    assert is_down(site + "/index.html") and is_down(comments + "/config")
    assert processes_in_group(runner.pid) == [], "a child outlived the preview"


def processes_in_group(pgid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found
