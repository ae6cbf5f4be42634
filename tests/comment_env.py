"""The comment server as tests run it: in its own environment, .venv-comments.

Isso is not in the site's environment (it needs a compiler), so tests never
import it: they run ``python -m techblog.tools.comment_server`` with the
environment's Python, which ``make comments-env`` makes on first use, as
``make comments`` and ``make serve`` do.
"""

from __future__ import annotations

import configparser
import functools
import json
import subprocess
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from techblog.tools import comment_server

REPO = Path(__file__).resolve().parent.parent
MODULE = "techblog.tools.comment_server"
CONFIG = REPO / "comments" / "isso.cfg"


@functools.cache
def comments_python() -> Path:
    """The environment's Python, made with ``make comments-env`` if need be."""
    proc = subprocess.run(["make", "--no-print-directory", "comments-env"], cwd=REPO, capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"make comments-env failed:\n{proc.stdout}{proc.stderr}")
    return REPO / ".venv-comments" / "bin" / "python"


def environ(extra: dict | None = None) -> dict:
    """The environment a server runs in: it finds this package by PYTHONPATH."""
    return comment_server.environment(extra)


def server_command(*args: str) -> list[str]:
    return [str(comments_python()), "-m", MODULE, *args]


def run_server_command(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(server_command(*args), cwd=REPO, capture_output=True, text=True, timeout=60,
                          env=environ(env))


def settings(*args: str, env: dict | None = None) -> configparser.ConfigParser:
    """What ``--print-settings`` says the server would run with (secrets as fingerprints)."""
    proc = run_server_command(*args, "--print-settings", env=env)
    assert proc.returncode == 0, proc.stderr
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read_string(proc.stdout)
    return parsed


def in_isso(code: str) -> str:
    """Run ``code`` with Isso importable; its standard output."""
    proc = subprocess.run([str(comments_python()), "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@contextmanager
def isso(folder: Path, *, trusted_proxies: str | None = None, moderation: bool = True, db: Path | None = None):
    """The production settings (moderation on, [guard] ratelimit = 2), served on 127.0.0.1; yields (url, Server).

    New comments are printed rather than mailed (no SMTP server here); the
    settings file, the log (isso.log) and by default the database are written
    in ``folder``.
    """
    from browser.servers import free_port, wait_until_up  # browser.servers imports this module

    config = configparser.ConfigParser(interpolation=None)
    config.read(CONFIG, encoding="utf-8")
    assert config.getint("guard", "ratelimit") == 2
    config.set("general", "notify", "stdout")
    config.set("moderation", "enabled", str(moderation).lower())
    if trusted_proxies is not None:
        config.set("server", "trusted-proxies", trusted_proxies)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "isso.cfg"
    with path.open("w", encoding="utf-8") as handle:
        config.write(handle)
    db = db or folder / "comments.db"
    url = f"http://127.0.0.1:{free_port()}"
    command = server_command("--config", str(path), "--db", str(db), "--listen", url,
                             "--origin", f"http://127.0.0.1:{free_port()}")
    log = folder / "isso.log"
    with log.open("w") as handle:
        server = subprocess.Popen(command, cwd=REPO, env=environ(), stdout=handle, stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_up(url + "/config")
        except OSError:
            raise RuntimeError(f"Isso did not start:\n{log.read_text()}") from None
        yield url, Server(path, db)
    finally:
        server.terminate()
        server.wait(timeout=10)


class Server:
    def __init__(self, config: Path, db: Path) -> None:
        self.config = config
        self.db = db

    @property
    def salt(self) -> str:
        return self.db.with_name(self.db.name + ".hash-salt").read_text(encoding="ascii").strip()

    def trusted_proxies(self) -> list[str]:
        return settings("--config", str(self.config), "--db", str(self.db)).get("server", "trusted-proxies").split()


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
