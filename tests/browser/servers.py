"""Servers the tests start on 127.0.0.1 and stop: a static file server for a
built site, the blog's Isso comment server, and nginx with the production
files (deploy/nginx/)."""

from __future__ import annotations

import functools
import http.server
import socket
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from comment_env import comments_python, environ

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def static_server(root: Path, port: int = 0):
    """Serve ``root`` as a web server would; yields the origin, http://127.0.0.1:PORT."""
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wait_until_up(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def is_down(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return False
    except OSError:
        return True


class Isso:
    """The blog's Isso with a throw-away database: ``--local`` (no moderation),
    or ``moderated`` with the production settings (prod_preview.comment_settings;
    ``env`` gives ISSO_ADMIN_PASSWORD, say). The command line is
    prod_preview.comment_server_command's, as for ``make prod-preview``."""

    def __init__(self, port: int, origin: str, db: Path, *, moderated: bool = False,
                 env: dict | None = None) -> None:
        from techblog.tools import prod_preview  # here: bench/page_weight.py imports this module without it

        comments_python()  # the server's own environment, made on first use

        self.url = f"http://127.0.0.1:{port}"
        settings = prod_preview.comment_settings(db.parent, origin) if moderated else None
        self.command = prod_preview.comment_server_command(db, self.url, origin, settings)
        self.env = environ(env)
        self.process: subprocess.Popen | None = None

    def start(self) -> "Isso":
        self.process = subprocess.Popen(self.command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, env=self.env)
        try:
            wait_until_up(self.url + "/config")
        except OSError:
            self.stop()
            raise RuntimeError(f"Isso did not start: {self.output}") from None
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.output = self.process.stdout.read() if self.process else ""


class Nginx:
    """nginx with deploy/nginx/ as ``make prod-preview`` runs it (prod_preview),
    serving the built site ``html`` on ``port``, Isso expected on ``comments_port``."""

    def __init__(self, run: Path, html: Path, port: int, comments_port: int) -> None:
        from techblog.tools import prod_preview

        self.origin = f"http://127.0.0.1:{port}"
        self.conf = prod_preview.write_nginx_conf(run, html=html, port=port, comments_port=comments_port)
        self.command = prod_preview.nginx_command(self.conf)
        self.process: subprocess.Popen | None = None

    def check(self) -> subprocess.CompletedProcess:
        """``nginx -t`` on the configuration."""
        return subprocess.run(self.command + ["-t"], capture_output=True, text=True)

    def start(self) -> "Nginx":
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(self.origin + "/techblog/index.html")
        except OSError:
            self.stop()
            raise RuntimeError(f"nginx did not start: {self.errors()}") from None
        return self

    def errors(self) -> str:
        log = self.conf.parent / "error.log"
        return log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def moderated_stack(run: Path, html: Path, admin_password: str):
    """nginx (deploy/nginx/, checked with ``nginx -t``) serving ``html`` and
    Isso behind it with moderation on, as ``make prod-preview`` runs them;
    both stopped on the way out, nginx too if Isso does not start."""
    port, comments_port = free_port(), free_port()
    nginx = Nginx(run, html, port, comments_port)
    checked = nginx.check()
    assert checked.returncode == 0, checked.stderr
    nginx.start()
    isso = Isso(comments_port, nginx.origin, run / "comments.db", moderated=True,
                env={"ISSO_ADMIN_PASSWORD": admin_password})
    try:
        isso.start()
        yield nginx, isso
    finally:
        nginx.stop()
        isso.stop()
