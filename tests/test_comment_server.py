"""The Isso comment server in production: never on Isso's public hash salt,
and rate limits a reader cannot dodge with a forged X-Forwarded-For.

Every test runs the server as production does, in its own environment
(``python -m techblog.tools.comment_server``, see comment_env.py): the
settings through ``--print-settings``, the rate limits by posting over HTTP
to a server started on 127.0.0.1."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import subprocess

import pytest

from comment_env import REPO, Server, environ, in_isso, isso, post, run_server_command, settings

from techblog.tools.comment_server import CONFIG, fingerprint

PUBLIC_SALT = "Eech7co8Ohloopo9Ol6baimi"  # isso/isso.cfg [hash] salt, 0.14.0


def test_isso_still_ships_the_public_salt_we_guard_against():
    default = in_isso("from isso import config as c; print(c.load(c.default_file()).get('hash', 'salt'))")
    assert default == PUBLIC_SALT


# -- The hash salt --------------------------------------------------------------

def salt_of(*args: str, env: dict | None = None) -> str:
    return settings(*args, env=env).get("hash", "salt")


@pytest.mark.parametrize("local", [False, True])
def test_without_isso_hash_salt_a_random_salt_is_made_and_kept_beside_the_database(tmp_path, local):
    db = tmp_path / "data" / "comments.db"
    mode = ["--local"] if local else []
    first = salt_of(*mode, "--db", str(db))
    kept = tmp_path / "data" / "comments.db.hash-salt"
    salt = kept.read_text(encoding="ascii").strip()
    assert salt != PUBLIC_SALT and len(salt) >= 40
    assert first == fingerprint(salt) and salt not in first
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert sorted(p.name for p in kept.parent.iterdir()) == ["comments.db.hash-salt"]  # no temporary left
    again = salt_of(*mode, "--db", str(db), env={"ISSO_HASH_SALT": ""})
    assert again == first, "the salt changed between two starts: every published hash would change"
    other = salt_of(*mode, "--db", str(tmp_path / "other.db"))
    assert other != first


def test_isso_hash_salt_from_the_environment_wins(tmp_path):
    salt = "a-secret-salt-of-some-length"
    assert salt_of("--db", str(tmp_path / "c.db"), env={"ISSO_HASH_SALT": salt}) == fingerprint(salt)
    assert not (tmp_path / "c.db.hash-salt").exists()


@pytest.mark.parametrize("salt, message", [
    (PUBLIC_SALT, "ISSO_HASH_SALT: this is Isso's public default hash salt; expected a random secret"),
    ("short", "ISSO_HASH_SALT: the hash salt has 5 characters; expected a random secret of at least 16"),
])
@pytest.mark.parametrize("entry", ["site", "server"])
def test_the_server_refuses_a_public_or_short_salt_with_one_line(tmp_path, salt, message, entry):
    """From the site's environment (``python -m techblog comments``) and from the server's own."""
    args = ["--db", str(tmp_path / "c.db")]
    if entry == "site":
        import sys

        proc = subprocess.run([sys.executable, "-m", "techblog", "comments", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=60, env=environ({"ISSO_HASH_SALT": salt}))
    else:
        proc = run_server_command(*args, env={"ISSO_HASH_SALT": salt})
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1
    assert message in proc.stderr


def test_a_salt_in_the_settings_file_is_checked_too(tmp_path):
    text = CONFIG.read_text(encoding="utf-8")
    public = tmp_path / "public.cfg"
    public.write_text(text.replace("[hash]\n", f"[hash]\nsalt = {PUBLIC_SALT}\n"), encoding="utf-8")
    assert salt_of("--config", str(public), "--db", str(tmp_path / "c.db")) != fingerprint(PUBLIC_SALT)
    short = tmp_path / "short.cfg"
    short.write_text(text.replace("[hash]\n", "[hash]\nsalt = abc\n"), encoding="utf-8")
    proc = run_server_command("--config", str(short), "--db", str(tmp_path / "c.db"), "--print-settings")
    assert proc.returncode == 2
    assert "[hash] salt: the hash salt has 3 char" in proc.stderr


def test_a_damaged_kept_salt_is_refused_not_replaced(tmp_path):
    kept = tmp_path / "c.db.hash-salt"
    kept.write_text("x\n", encoding="ascii")
    proc = run_server_command("--db", str(tmp_path / "c.db"), "--print-settings")
    assert proc.returncode == 2
    assert "c.db.hash-salt: the hash salt has 1 char" in proc.stderr
    assert kept.read_text(encoding="ascii") == "x\n"


# -- Rate limits and X-Forwarded-For --------------------------------------------

def forged(n: int) -> str:
    return f"203.0.{n}.9"  # a new /24 each time: Isso counts addresses truncated to /24


def stored_addresses(server: Server) -> list[str]:
    with sqlite3.connect(server.db) as db:
        return [row[0] for row in db.execute("SELECT remote_addr FROM comments ORDER BY id")]


@pytest.mark.parametrize("trusted_proxies", ["", "10.1.2.3"], ids=["none-trusted", "another-proxy-trusted"])
def test_a_direct_client_cannot_dodge_the_rate_limit_with_forged_x_forwarded_for(tmp_path, trusted_proxies):
    with isso(tmp_path, trusted_proxies=trusted_proxies) as (url, server):
        statuses = [post(url, n, forwarded_for=forged(n))[0] for n in range(4)]
    assert statuses == [202, 202, 403, 403]
    assert stored_addresses(server) == ["127.0.0.0", "127.0.0.0"]  # the peer's, never a forged one


def test_through_the_trusted_proxy_forged_left_elements_do_not_dodge_the_rate_limit(tmp_path):
    with isso(tmp_path) as (url, server):
        assert server.trusted_proxies() == ["127.0.0.1"]  # the production file's
        # What nginx's $proxy_add_x_forwarded_for sends: the reader's header, then the reader's address.
        statuses = [post(url, n, forwarded_for=f"{forged(n)}, 198.51.100.7")[0] for n in range(4)]
        assert statuses == [202, 202, 403, 403]
        # Another reader behind the same proxy is counted apart, so the limit is per reader, not per proxy.
        assert post(url, 10, forwarded_for="192.0.2.44")[0] == 202
        # What `proxy_set_header X-Forwarded-For $remote_addr` sends: the reader's address alone.
        assert post(url, 11, forwarded_for="192.0.2.44")[0] == 202
        assert post(url, 12, forwarded_for="192.0.2.44")[0] == 403
    assert stored_addresses(server) == ["198.51.100.0", "198.51.100.0", "192.0.2.0", "192.0.2.0"]


def isso_hash(salt: str, email: str) -> str:
    """What Isso 0.14.0 publishes for an e-mail ([hash] algorithm = pbkdf2: sha1, 1000 rounds, 6 bytes)."""
    return hashlib.pbkdf2_hmac("sha1", email.encode(), salt.encode(), 1000, dklen=6).hex()


def test_isso_hash_is_computed_as_this_test_computes_it():
    code = "from isso.utils.hash import PBKDF2; print(PBKDF2(b'some-salt-value!', 1000, 6).uhash('a@b.org'))"
    assert in_isso(code) == isso_hash("some-salt-value!", "a@b.org")


def test_the_published_hash_is_not_the_public_salt_hash_of_the_e_mail(tmp_path):
    email = "reader@example.org"
    with isso(tmp_path) as (url, server):
        status, comment = post(url, 1, email=email)
    assert status == 202
    assert comment["hash"] == isso_hash(server.salt, email) != isso_hash(PUBLIC_SALT, email)
