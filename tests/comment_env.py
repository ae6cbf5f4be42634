"""The comment server as tests run it: in its own environment, .venv-comments.

Isso is not in the site's environment (it needs a compiler), so tests never
import it: they run ``python -m techblog.tools.comment_server`` with the
environment's Python, which ``make comments-env`` makes on first use, as
``make comments`` and ``make serve`` do.
"""

from __future__ import annotations

import configparser
import functools
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULE = "techblog.tools.comment_server"


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
    return {**os.environ, "PYTHONPATH": str(REPO), **(extra or {})}


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
