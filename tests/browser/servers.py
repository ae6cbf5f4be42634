"""Servers the browser tests start on 127.0.0.1 and stop: a static file
server for a built site, and the blog's Isso comment server."""

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

from comment_env import environ, server_command

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
    """The comment server with ``--local`` settings and a throw-away database,
    in its own environment (comment_env.py)."""

    def __init__(self, port: int, origin: str, db: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.command = server_command("--local", "--db", str(db), "--listen", self.url, "--origin", origin)
        self.process: subprocess.Popen | None = None

    def start(self) -> "Isso":
        self.process = subprocess.Popen(self.command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, env=environ())
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
