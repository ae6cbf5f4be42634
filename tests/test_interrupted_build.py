"""A build stopped while writing (Ctrl-C, SIGTERM) leaves no process behind,
and the next normal build gives the same files as a clean build.

The build is stopped at a known point: the test site's ``conf.py`` gets a
small extension that, in the page-writing event of the N-th page, says so in
a file and waits to be stopped (the page is not written yet).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, sphinx_build
from test_incremental import differences, outputs

ENV = {"SOURCE_DATE_EPOCH": "1769904000"}  # 2026-02-01: the same posts published in every build
pytestmark = pytest.mark.slow  # each test runs an interrupted build, a rebuild and a clean build

STOP_AT_PAGE = """

# -- Added by tests/test_interrupted_build.py --------------------------------------
import os as _os
import time as _time

_pages = []


def _wait_to_be_stopped(app, pagename, *args):
    _pages.append(pagename)
    if len(_pages) == int(_os.environ.get("TEST_STOP_AT_PAGE", "0")):
        Path(_os.environ["TEST_STOPPED_FILE"]).write_text(pagename, encoding="utf-8")
        while True:
            _time.sleep(0.1)


def setup(app):
    app.connect("html-page-context", _wait_to_be_stopped, priority=999)
"""

ADDED_POST = """---
date: 2023-04-15
author: alice
category: operations
tags: ceph, openstack, interrupted
---

# An added post

It sits between two posts, in a new tag: their pages, the listings, the
tag pages and the feeds all change.
"""


def process_group(pgid: int) -> list[str]:
    """The processes still in process group ``pgid`` (pid and command line)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(f"{stat.parent.name}: {command}")
    return found


def stopped_build(src: Path, outdir: Path, doctreedir: Path, at_page: int, signum: int, tmp_path: Path,
                  *options: str) -> str:
    """Run sphinx-build in a process group of its own, stop it with ``signum`` in
    the page-writing event of its ``at_page``-th page; the name of that page."""
    stopped = tmp_path / "stopped"
    stopped.unlink(missing_ok=True)
    environ = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **ENV,
               "TEST_STOP_AT_PAGE": str(at_page), "TEST_STOPPED_FILE": str(stopped)}
    log = (tmp_path / "stopped-build.log").open("w")
    build = subprocess.Popen(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-d", str(doctreedir), *options,
         str(src), str(outdir)],
        env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not stopped.exists():
            assert build.poll() is None, (tmp_path / "stopped-build.log").read_text()
            assert time.monotonic() < deadline, "the build never reached the page to stop at"
            time.sleep(0.05)
        page = stopped.read_text(encoding="utf-8")
        if signum == signal.SIGINT:
            os.killpg(build.pid, signum)  # Ctrl-C in a terminal: the whole foreground group
        else:
            os.kill(build.pid, signum)  # kill, a CI runner's timeout, systemd: the process only
        assert build.wait(timeout=60) != 0
        deadline = time.monotonic() + 10
        while process_group(build.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = process_group(build.pid)
        assert left == [], f"processes of the stopped build still running: {left}"
        return page
    finally:
        log.close()
        for line in process_group(build.pid):  # never leave them to the rest of the suite
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
        if build.poll() is None:
            build.kill()
            build.wait()


@pytest.fixture
def site(tmp_path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests" / "roots" / "test-discovery", src)
    with (src / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(STOP_AT_PAGE)
    first = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees", env=ENV)
    assert first.returncode == 0, first.output
    return src


def clean_build(src: Path, folder: Path):
    clean = sphinx_build(src, folder / "html", folder / "doctrees", env=ENV)
    assert clean.returncode == 0, clean.output
    return clean


# Where the build is stopped: in the documents (the first pages Sphinx
# writes), and among the pages generated afterwards (tag pages, listings).
STOPS = {"documents": 2, "generated": 14}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("stop", STOPS)
@pytest.mark.parametrize("then", ["same sources", "post deleted again"])
def test_a_build_after_an_interrupted_one_equals_a_clean_build(site, tmp_path, signum, stop, then):
    post = site / "posts" / "2023" / "added.md"
    post.write_text(ADDED_POST, encoding="utf-8")
    page = stopped_build(site, tmp_path / "html", tmp_path / "doctrees", STOPS[stop], signum, tmp_path)
    if stop == "generated":
        assert page not in [path.relative_to(site).with_suffix("").as_posix() for path in site.rglob("*.md")]
    if then == "post deleted again":  # what the stopped build wrote for it is no longer the site's
        post.unlink()
    after = sphinx_build(site, tmp_path / "html", tmp_path / "doctrees", env=ENV)
    assert after.returncode == 0, after.output
    clean = clean_build(site, tmp_path / "clean")
    assert differences(outputs(after.outdir), outputs(clean.outdir)) == []


def test_a_parallel_build_stopped_leaves_no_process(site, tmp_path):
    """With -j, pages are written by forked processes: SIGTERM stops them too."""
    (site / "posts" / "2023" / "added.md").write_text(ADDED_POST, encoding="utf-8")
    stopped_build(site, tmp_path / "html", tmp_path / "doctrees", 3, signal.SIGTERM, tmp_path, "-j", "2")
    after = sphinx_build(site, tmp_path / "html", tmp_path / "doctrees", "-j", "2", env=ENV)
    assert after.returncode == 0, after.output
    clean = clean_build(site, tmp_path / "clean")
    assert differences(outputs(after.outdir), outputs(clean.outdir)) == []
