"""The author's live preview: ``python -m techblog serve`` (``make serve``).

Runs two servers on loopback together: sphinx-autobuild (the site, rebuilt on
every save, drafts shown; each rebuild in a child forked from a process that
has Sphinx imported, tools/autobuild.py) and a local Isso (``comments --local``:
no moderation, a preview database), with the site pointed at that Isso, so an
author can read and write comments on the page being written; and a third
process that brings the search index up to date after each build
(``techblog_search_index_later``), so the page is served without waiting for
Pagefind. Ctrl-C or SIGTERM stops all three; if one stops on its own, the
others are stopped too.

The arguments are checked before either starts: the ports, the host, and
the build folder, which sphinx-autobuild fills, so it must be a folder of
its own inside the site that the site does not read (``_build/preview``).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

from techblog.posts.contract import excluded
from techblog.tools import comment_server
from techblog.tools.arguments import UsageError, folder_inside, host, kind, port, site_root
from techblog.tools.cli import load_rules
from techblog.tools.processes import stop

# Never rebuild because of these: build output, the venv, tests, and the
# comment database, which changes on every comment. .venv-* are the other
# environments (.venv-3.13, .venv-comments).
IGNORED = ("_build/*", ".venv/*", ".venv-*/*", "tests/*", ".data/*", ".git/*")


# What a preview build leaves out so that the page is served sooner: the search
# index is made after the build, by the indexer below (a search in the preview
# finds the pages as they were until it is done), and no .gz copies (sphinx-autobuild
# serves the files as they are).
PREVIEW_SETTINGS = ("techblog_show_drafts=1", "techblog_search_index_later=1", "techblog_precompress=0")


def commands(root: Path, host: str, port: int, comments_port: int, builddir: str) -> list[list[str]]:
    site = f"http://{host}:{port}"
    comments = f"http://{host}:{comments_port}"
    isso = [str(comment_server.interpreter()), "-m", "techblog.tools.comment_server", "--local",
            "--listen", comments, "--origin", site]
    ignores = [arg for pattern in IGNORED for arg in ("--ignore", pattern)]
    settings = [arg for setting in (*PREVIEW_SETTINGS, f"techblog_comments_server={comments}")
                for arg in ("-D", setting)]
    # sphinx-autobuild, each rebuild forked from a process that has Sphinx imported (tools/autobuild.py)
    autobuild = [sys.executable, "-m", "techblog.tools.autobuild", "-b", "html", "--host", host,
                 "--port", str(port), *ignores, *settings, str(root), builddir]
    doctrees = str(Path(builddir) / ".doctrees")  # sphinx-build's default, which sphinx-autobuild keeps
    indexer = [sys.executable, "-m", "techblog.site.pagefind_index", "--watch", doctrees]
    return [isso, autobuild, indexer]


def build_folder(given: str, root: Path) -> Path:
    """``--builddir``: a new folder, or one an earlier build filled, that the site does not read."""
    expected = "a folder of its own inside the site, excluded from its sources, e.g. _build/preview"
    path = folder_inside("--builddir", given, root, expected)
    if not excluded(path, load_rules(root)):
        raise UsageError("--builddir", given, "a folder the site reads (not in exclude_patterns)", expected)
    earlier = any(kind("--builddir", given, path / name, expected) for name in (".buildinfo", ".doctrees"))
    if path.is_dir() and any(path.iterdir()) and not earlier:
        raise UsageError("--builddir", given, "holds files that are not a build", expected)
    return path


def run(args: argparse.Namespace) -> int:
    root = site_root(args.root)
    site_port, comments_port = port("--port", args.port), port("--comments-port", args.comments_port)
    if comments_port == site_port:
        raise UsageError("--comments-port", comments_port, "the same port as --port", "another port than the site's")
    address = host("--host", args.host)
    builddir = build_folder(args.builddir, root)
    processes: list[subprocess.Popen] = []

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        try:
            started = commands(root, address, site_port, comments_port, str(builddir))
        except comment_server.BadServerSettings as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for command in started:
            processes.append(subprocess.Popen(command, cwd=root, env=comment_server.environment()))
        print(f"Preview: http://{address}:{site_port}/ (comments: http://{address}:{comments_port}/); "
              "Ctrl-C stops it", file=sys.stderr, flush=True)
        while all(process.poll() is None for process in processes):
            try:
                processes[0].wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
        return next(p.returncode for p in processes if p.returncode is not None) or 0
    except KeyboardInterrupt:
        return 0
    finally:
        # A second Ctrl-C (or SIGTERM) while stopping must not cut the stop short
        # and leave a server running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(processes)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000", help="the site (default: 8000)")
    parser.add_argument("--comments-port", default="8001", help="the local Isso (default: 8001)")
    parser.add_argument("--builddir", default="_build/preview",
                        help="where the preview is built, inside the site and excluded from its sources "
                        "(default: _build/preview)")
