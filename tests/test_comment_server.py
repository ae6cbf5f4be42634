"""The Isso comment server in production: never on Isso's public hash salt,
and rate limits a reader cannot dodge with a forged X-Forwarded-For.

The rate-limit tests serve the real Isso application, as
``python -m techblog comments`` does, on 127.0.0.1 and post over HTTP."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from conftest import REPO
from browser.servers import free_port

from techblog.tools import comment_server

PUBLIC_SALT = "Eech7co8Ohloopo9Ol6baimi"  # isso/isso.cfg [hash] salt, 0.14.0


def isso_default_salt() -> str:
    from isso import config as isso_config

    return isso_config.load(isso_config.default_file()).get("hash", "salt")


def test_isso_still_ships_the_public_salt_we_guard_against():
    assert isso_default_salt() == PUBLIC_SALT


# -- The hash salt --------------------------------------------------------------

@pytest.mark.parametrize("local", [False, True])
def test_without_isso_hash_salt_a_random_salt_is_made_and_kept_beside_the_database(tmp_path, local):
    db = tmp_path / "data" / "comments.db"
    first = comment_server.load(local=local, db=str(db), environ={}).get("hash", "salt")
    kept = tmp_path / "data" / "comments.db.hash-salt"
    assert first != PUBLIC_SALT and len(first) >= 40
    assert kept.read_text(encoding="ascii").strip() == first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert sorted(p.name for p in kept.parent.iterdir()) == ["comments.db.hash-salt"]  # no temporary left
    again = comment_server.load(local=local, db=str(db), environ={"ISSO_HASH_SALT": ""}).get("hash", "salt")
    assert again == first, "the salt changed between two starts: every published hash would change"
    other = comment_server.load(local=local, db=str(tmp_path / "other.db"), environ={}).get("hash", "salt")
    assert other != first


def test_isso_hash_salt_from_the_environment_wins(tmp_path):
    salt = "a-secret-salt-of-some-length"
    settings = comment_server.load(db=str(tmp_path / "c.db"), environ={"ISSO_HASH_SALT": salt})
    assert settings.get("hash", "salt") == salt
    assert not (tmp_path / "c.db.hash-salt").exists()


@pytest.mark.parametrize("salt, message", [
    (PUBLIC_SALT, "ISSO_HASH_SALT: this is Isso's public default hash salt; expected a random secret"),
    ("short", "ISSO_HASH_SALT: the hash salt has 5 characters; expected a random secret of at least 16"),
])
def test_the_server_refuses_a_public_or_short_salt_with_one_line(tmp_path, salt, message):
    env = {**os.environ, "ISSO_HASH_SALT": salt}
    proc = subprocess.run([sys.executable, "-m", "techblog", "comments", "--db", str(tmp_path / "c.db")],
                          cwd=REPO, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert message in proc.stderr


def test_a_salt_in_the_settings_file_is_checked_too(tmp_path):
    text = comment_server.CONFIG.read_text(encoding="utf-8")
    public = tmp_path / "public.cfg"
    public.write_text(text.replace("[hash]\n", f"[hash]\nsalt = {PUBLIC_SALT}\n"), encoding="utf-8")
    settings = comment_server.load(public, db=str(tmp_path / "c.db"), environ={})
    assert settings.get("hash", "salt") != PUBLIC_SALT
    short = tmp_path / "short.cfg"
    short.write_text(text.replace("[hash]\n", "[hash]\nsalt = abc\n"), encoding="utf-8")
    with pytest.raises(comment_server.BadServerSettings, match=r"\[hash\] salt: the hash salt has 3 char"):
        comment_server.load(short, db=str(tmp_path / "c.db"), environ={})


def test_a_damaged_kept_salt_is_refused_not_replaced(tmp_path):
    kept = tmp_path / "c.db.hash-salt"
    kept.write_text("x\n", encoding="ascii")
    with pytest.raises(comment_server.BadServerSettings, match="c.db.hash-salt: the hash salt has 1 char"):
        comment_server.load(db=str(tmp_path / "c.db"), environ={})
    assert kept.read_text(encoding="ascii") == "x\n"


# -- Rate limits and X-Forwarded-For --------------------------------------------

@contextmanager
def isso(tmp_path, trusted_proxies: str | None = None):
    """The production settings (moderation on, [guard] ratelimit = 2), served on 127.0.0.1."""
    settings = comment_server.load(db=str(tmp_path / "comments.db"), listen="http://127.0.0.1:8090",
                                   origins=[f"http://127.0.0.1:{free_port()}"], environ={})
    assert settings.getint("guard", "ratelimit") == 2
    settings.set("general", "notify", "stdout")  # no SMTP server here
    if trusted_proxies is not None:
        settings.set("server", "trusted-proxies", trusted_proxies)
    server = make_server("127.0.0.1", 0, comment_server.wsgi_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", settings
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def post(url: str, n: int, forwarded_for: str | None = None, email: str | None = None) -> tuple[int, dict]:
    """Post comment ``n`` on a thread of its own (so only the per-minute limit applies)."""
    body = {"text": f"Comment {n}", "title": f"Post {n}"}
    if email:
        body["email"] = email
    headers = {"Content-Type": "application/json"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    request = urllib.request.Request(f"{url}/new?uri=/posts/{n}.html", data=json.dumps(body).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, {}


def forged(n: int) -> str:
    return f"203.0.{n}.9"  # a new /24 each time: Isso counts addresses truncated to /24


def stored_addresses(settings) -> list[str]:
    with sqlite3.connect(settings.get("general", "dbpath")) as db:
        return [row[0] for row in db.execute("SELECT remote_addr FROM comments ORDER BY id")]


@pytest.mark.parametrize("trusted_proxies", ["", "10.1.2.3"], ids=["none-trusted", "another-proxy-trusted"])
def test_a_direct_client_cannot_dodge_the_rate_limit_with_forged_x_forwarded_for(tmp_path, trusted_proxies):
    with isso(tmp_path, trusted_proxies) as (url, settings):
        statuses = [post(url, n, forwarded_for=forged(n))[0] for n in range(4)]
    assert statuses == [202, 202, 403, 403]
    assert stored_addresses(settings) == ["127.0.0.0", "127.0.0.0"]  # the peer's, never a forged one


def test_through_the_trusted_proxy_forged_left_elements_do_not_dodge_the_rate_limit(tmp_path):
    with isso(tmp_path) as (url, settings):
        assert list(settings.getiter("server", "trusted-proxies")) == ["127.0.0.1"]  # the production file's
        # What nginx's $proxy_add_x_forwarded_for sends: the reader's header, then the reader's address.
        statuses = [post(url, n, forwarded_for=f"{forged(n)}, 198.51.100.7")[0] for n in range(4)]
        assert statuses == [202, 202, 403, 403]
        # Another reader behind the same proxy is counted apart, so the limit is per reader, not per proxy.
        assert post(url, 10, forwarded_for="192.0.2.44")[0] == 202
        # What `proxy_set_header X-Forwarded-For $remote_addr` sends: the reader's address alone.
        assert post(url, 11, forwarded_for="192.0.2.44")[0] == 202
        assert post(url, 12, forwarded_for="192.0.2.44")[0] == 403
    assert stored_addresses(settings) == ["198.51.100.0", "198.51.100.0", "192.0.2.0", "192.0.2.0"]


def test_the_published_hash_is_not_the_public_salt_hash_of_the_e_mail(tmp_path):
    from isso.utils.hash import PBKDF2

    email = "reader@example.org"
    with isso(tmp_path) as (url, settings):
        status, comment = post(url, 1, email=email)
    assert status == 202
    public = PBKDF2(PUBLIC_SALT.encode(), iterations=1000, dklen=6).uhash(email)
    ours = PBKDF2(settings.get("hash", "salt").encode(), iterations=1000, dklen=6).uhash(email)
    assert comment["hash"] == ours != public
