"""The author's loop (``make serve``): a save is rebuilt in a child forked from
a process that has Sphinx imported (techblog/tools/autobuild.py), and that
build writes what ``sphinx-build`` writes; the search index follows after
the build (techblog_search_index_later, site/pagefind_index.py).
The benchmark is bench/serve_reload.py (``make bench-serve``)."""

from __future__ import annotations

import filecmp
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO
from test_comments import processes_in_group
from test_search import fragments

from techblog.tools import autobuild

ROOT = REPO / "tests" / "roots" / "test-search"
POST = Path("posts") / "2023" / "ceph-volumes.md"
# The same "now" for builds compared with each other (feeds and pages carry dates).
ENV = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "SOURCE_DATE_EPOCH": "1769904000"}
OPTIONS = ["-b", "html", "-q", "-W", "--keep-going", "-D", "techblog_show_drafts=1"]  # as the preview builds


def output_files(outdir: Path) -> list[str]:
    """The build's files, but Sphinx's own records (.doctrees, .buildinfo)."""
    return sorted(path.relative_to(outdir).as_posix() for path in outdir.rglob("*")
                  if path.is_file() and ".doctrees" not in path.parts and path.name != ".buildinfo")


def differing(one: Path, other: Path) -> list[str]:
    names = output_files(one)
    if names != output_files(other):
        return sorted(set(names) ^ set(output_files(other)))
    return [name for name in names if not filecmp.cmp(one / name, other / name, shallow=False)]


def edit(src: Path) -> None:
    with (src / POST).open("a", encoding="utf-8") as handle:
        handle.write("\nA paragraph added in the preview: platypus.\n")


# -- The forked build ------------------------------------------------------------

# Builds, edits a post and builds again, each build as the preview makes it: in a
# child forked from this process (the first one also teaches it what to import).
FORKED = textwrap.dedent("""
    import sys
    from pathlib import Path
    from techblog.tools import autobuild
    src, out, post = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    options = sys.argv[4:]
    assert autobuild.forked_build([*options, str(src), out], report_modules=True) == 0
    assert "sphinx.application" in sys.modules and "techblog.pipeline" in sys.modules  # learnt
    with (src / post).open("a", encoding="utf-8") as handle:
        handle.write("\\nA paragraph added in the preview: platypus.\\n")
    assert autobuild.forked_build([*options, str(src), out]) == 0
""")


def test_a_forked_build_writes_what_sphinx_build_writes(tmp_path):
    plain, forked = tmp_path / "plain", tmp_path / "forked"
    for folder in (plain, forked):
        shutil.copytree(ROOT, folder / "src")
    command = [sys.executable, "-m", "sphinx", "build", *OPTIONS, str(plain / "src"), str(plain / "html")]
    for step in ("clean", "edit"):
        if step == "edit":
            edit(plain / "src")
        result = subprocess.run(command, env=ENV, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run([sys.executable, "-c", FORKED, str(forked / "src"), str(forked / "html"),
                             str(POST), *OPTIONS], env=ENV, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "platypus" in (forked / "html" / POST.with_suffix(".html")).read_text(encoding="utf-8")
    assert differing(plain / "html", forked / "html") == []


def test_a_python_file_changed_since_it_was_imported_is_noticed(tmp_path, monkeypatch):
    """...and the preview then builds in a new process (ForkingBuilder), never with the old code."""
    module = tmp_path / "preview_probe_module.py"
    module.write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(autobuild, "_imported", {})
    monkeypatch.delitem(sys.modules, "preview_probe_module", raising=False)
    # (One that cannot be imported is left to the build.)
    autobuild.learn(["preview_probe_module", "no_such_module_anywhere"])
    assert str(module) in autobuild._imported
    assert autobuild.modules_changed() == []
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert autobuild.modules_changed() == [str(module)]


# -- make serve, end to end ----------------------------------------------------------

@pytest.mark.slow
def test_the_preview_serves_an_edit_and_then_finds_it(tmp_path):
    from browser.servers import free_port, is_down
    from comment_env import comments_python

    if "TECHBLOG_COMMENTS_PYTHON" not in os.environ:
        comments_python()  # the preview's Isso runs in its own environment, made on first use
    root = tmp_path / "site"
    shutil.copytree(ROOT, root)
    port, comments_port = free_port(), free_port()
    log = tmp_path / "serve.log"
    with log.open("w", encoding="utf-8") as output:
        runner = subprocess.Popen(
            [sys.executable, "-m", "techblog", "--root", str(root), "serve", "--port", str(port),
             "--comments-port", str(comments_port)],
            cwd=REPO, stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            env={**ENV, "PYTHONUNBUFFERED": "1"},
        )
    site = f"http://127.0.0.1:{port}"
    page_url = f"{site}/{POST.with_suffix('.html').as_posix()}"
    outdir = root / "_build" / "preview"

    def served() -> str:
        try:
            with urllib.request.urlopen(page_url, timeout=5) as response:
                return response.read().decode("utf-8")
        # Not up yet, or the page was replaced while sent (sphinx-autobuild's server takes the
        # length of the file it finds, then sends the one it opens: a build's rename between the
        # two gives IncompleteRead): asked again.
        except (OSError, http.client.HTTPException):
            return ""

    def indexed() -> dict:
        try:
            return fragments(outdir)
        except OSError:  # the index swapped for a new one while read: asked again
            return {}

    def until(condition, what: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert runner.poll() is None, f"the preview stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"{what}: not after {timeout} s:\n{log.read_text()}"
            time.sleep(0.2)

    try:
        until(lambda: "quokka" in served(), "the first build served", timeout=120)
        until(lambda: "/posts/2023/ceph-volumes.html" in indexed(), "the first index")
        assert "platypus" not in served()
        edit(root)
        until(lambda: "platypus" in served(), "the edit served")
        # Built in a forked child.
        assert "[sphinx-autobuild] > fork: sphinx build" in re.sub(r"\x1b\[[0-9;]*m", "", log.read_text())
        until(lambda: "platypus" in indexed().get("/posts/2023/ceph-volumes.html", {}).get("content", ""),
              "the edit in the search index")
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=30) == 0
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
    assert is_down(page_url)
    assert processes_in_group(runner.pid) == [], "a child outlived the preview"
