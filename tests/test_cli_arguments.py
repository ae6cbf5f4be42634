"""Every command refuses an argument it cannot use: one line on stderr naming
the argument and the problem, exit status 2, no traceback, nothing written.

The commands run as authors run them (``python -m techblog``), on a copy of a
small site in tmp_path; ``serve`` runs in-process with its servers replaced by
a stub, so that a wrongly accepted ``--builddir /`` can never start a build
there.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from techblog.tools import cli, comment_server, preview

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "tests" / "roots" / "test-drafts"
EXPORT = REPO / "tests" / "fixtures" / "blogger" / "classic-small.xml"
A_POST = "---\ndate: 2024-01-02\nauthor: alice\ncategory: operations\n---\n\n# Outside\n\nText.\n"
ENV = {key: value for key, value in os.environ.items()
       if key != "TECHBLOG_AUTHOR" and not key.startswith("ISSO_")} | {"PYTHONPATH": str(REPO)}


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp_path holding site/ (a small site) and in/ (inputs outside it)."""
    shutil.copytree(SITE, tmp_path / "site")
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(EXPORT, inputs / "export.xml")
    (inputs / "empty.xml").write_bytes(b"")
    (inputs / "folder").mkdir()
    (inputs / "plain.txt").write_text("a file, not a folder\n", encoding="utf-8")
    (inputs / "binary.cfg").write_bytes(b"\xff\xfe[general]\x00\x81")
    (inputs / "outside.md").write_text(A_POST, encoding="utf-8")
    (tmp_path / "site" / "link-out").symlink_to(inputs, target_is_directory=True)
    return tmp_path


def permissions_bind() -> bool:
    """Whether file permissions hold for this user: root reads and writes whatever they say
    (unless run without CAP_DAC_OVERRIDE, e.g. ``capsh --drop=cap_dac_override,cap_dac_read_search --``)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder, "probe")
        probe.write_text("", encoding="utf-8")
        probe.chmod(0)
        try:
            probe.read_bytes()
        except PermissionError:
            return True
        return False


PERMISSIONS_HOLD = pytest.mark.skipif(not permissions_bind(), reason="file permissions do not hold for this user (root); "
                                "capsh --drop=cap_dac_override,cap_dac_read_search -- runs these as root")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file (by hash), folder and link under ``folder``: what a write would change."""
    seen = {}
    for top, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(top, name)
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                seen[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                seen[rel] = "folder"
            elif os.access(path, os.R_OK):
                seen[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                seen[rel] = f"unreadable, {path.stat().st_size} bytes, changed at {path.stat().st_mtime_ns}"
    return seen


def techblog(world: Path, args: list[str]) -> subprocess.CompletedProcess:
    """``python -m techblog ARGS`` in its own process group, killed whole if it does not stop by itself
    (a server wrongly started)."""
    process = subprocess.Popen([sys.executable, "-m", "techblog", *args], cwd=world / "site", env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"still running after 30 s: {args}\n{stdout}{stderr}")
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def assert_refused(returncode: int, stdout: str, stderr: str, fragments: tuple[str, ...]) -> None:
    output = stdout + stderr
    assert "Traceback" not in output, output
    assert returncode == 2, output
    assert stderr.count("\n") == 1 and stderr.endswith("\n") and stderr.startswith("error: "), stderr
    assert stdout == "", stdout
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in {stderr!r}"


def expand(line: str | list[str], world: Path) -> list[str]:
    tokens = shlex.split(line) if isinstance(line, str) else line
    return [token.format(site=world / "site", inputs=world / "in", tmp=world) for token in tokens]


NEW = "--root {site} new Title --author alice --category operations"
IMPORT = "--root {site} import-blogger {inputs}/export.xml --author 'Riley Example=alice'"
COMMENTS = "comments --db {tmp}/db/comments.db"

CASES = [
    # --root, for every command that reads the site
    ("--root {tmp}/nowhere check", ["error: --root ", "nowhere: no such folder"]),
    ("--root {inputs}/plain.txt check", ["error: --root ", "plain.txt: not a folder"]),
    (NEW.replace("{site}", "{inputs}"), ["error: --root ", "/in: no conf.py in it; expected the site's root"]),
    ("--root {tmp}/nowhere import-blogger {inputs}/export.xml", ["error: --root ", "no such folder"]),
    ("--root {inputs} serve", ["error: --root ", "no conf.py"]),
    # check PATH...
    ("--root {site} check {site}/posts/2023/nowhere.md", ["error: path ", "nowhere.md: no such file"]),
    ("--root {site} check {site}/posts", ["error: path ", "/posts: a folder"]),
    ("--root {site} check {site}/posts/2023/published.md {inputs}/outside.md",
     ["error: path ", "outside.md: outside the site", "expected a Markdown file of the site"]),
    ("--root {site} check {site}/conf.py", ["error: path ", "conf.py: not a Markdown file"]),
    ("--root {site} check {inputs}/plain.txt/post.md", ["error: path ", "no such file"]),
    ("--root {site} check --strict", ["unrecognized arguments: --strict", "see python -m techblog --help"]),
    # new: unusable arguments; refused content (a duplicate, an unknown author) stays exit status 1
    ("--root {site} new '!!!' --author alice --category operations",
     ["title '!!!'", "no letter or digit", "expected a title"]),
    ("--root {site} new ' ' --author alice --category operations", ["title ' ': empty"]),
    (NEW + " --date 01/02/2026", ["--date 01/02/2026: not a valid date"]),
    (NEW + " --date 2026-13-45", ["--date 2026-13-45: not a valid date"]),
    ("--root {site} new Title --category operations", ["--author: missing", "TECHBLOG_AUTHOR"]),
    ("--root {site} new Title --author alice", ["--category: missing", "operations"]),
    (shlex.split(NEW) + ["--tags", "ceph\nimage: https://example.org/x.png"],
     ["--tags 'ceph\\nimage", "line break"]),
    ("--root {site} new", ["required: title"]),
    # import-blogger
    ("--root {site} import-blogger {tmp}/nowhere.xml", ["error: export ", "nowhere.xml: no such file"]),
    ("--root {site} import-blogger {inputs}/folder", ["error: export ", "folder: a folder"]),
    ("--root {site} import-blogger {inputs}/empty.xml", ["error: export ", "empty.xml: an empty file"]),
    (IMPORT + " --dry-run --out /", ["--out /: outside the site", "expected a folder inside the site"]),
    (IMPORT + " --out {tmp}/elsewhere", ["--out", "elsewhere: outside the site"]),
    (IMPORT + " --out ..", ["--out ..: outside the site"]),
    (IMPORT + " --out link-out/legacy", ["--out link-out/legacy: outside the site"]),
    (IMPORT + " --out .", ["--out .: the site's root itself"]),
    (IMPORT + " --out index.md", ["--out index.md: index.md is a file"]),
    (IMPORT + " --out index.md/legacy", ["--out index.md/legacy: index.md is a file"]),
    (IMPORT + " --images download --images-from {inputs}/plain.txt",
     ["error: --images-from ", "plain.txt: not a folder"]),
    (IMPORT + " --images download --images-from {tmp}/nowhere", ["error: --images-from ", "nowhere: no such folder"]),
    (IMPORT + " --images-from {inputs}/folder", ["error: --images-from ", "goes with --images download"]),
    (IMPORT + " --images-deadline 5", ["--images-deadline 5", "goes with --images download"]),
    (IMPORT + " --author nobody", ["--author nobody", "expected 'Blogger name=key'"]),
    (IMPORT + " --images everything", ["--images: invalid choice: 'everything'"]),
    (IMPORT + " --images-deadline -1", ["--images-deadline", "positive number of seconds"]),
    ("--root {site} import-blogger", ["required: export"]),
    # comments
    (COMMENTS + " --config {tmp}/nowhere.cfg", ["error: --config ", "nowhere.cfg: no such file"]),
    (COMMENTS + " --config {inputs}/folder", ["error: --config ", "folder: a folder"]),
    (COMMENTS + " --config {inputs}/binary.cfg", ["error: --config ", "binary.cfg: cannot be read", "UTF-8"]),
    ("comments --db {inputs}/folder", ["error: --db ", "folder: a folder", "expected an SQLite file"]),
    ("comments --db {inputs}/plain.txt/comments.db", ["error: --db ", "cannot make its folder"]),
    (COMMENTS + " --listen localhost:8001", ["error: --listen", "'localhost:8001'", "expected http://host:port"]),
    (COMMENTS + " --listen http://127.0.0.1", ["error: --listen", "has no port"]),
    (COMMENTS + " --listen http://127.0.0.1:0", ["error: --listen", "port from 1 to 65535"]),
    (COMMENTS + " --listen http://127.0.0.1:70000", ["error: --listen", "invalid port"]),
    (COMMENTS + " --origin ftp://example.org", ["error: --origin", "not an http(s) URL"]),
    (COMMENTS + " --origin 'https://exa mple.org:x'", ["error: --origin", "invalid port"]),
]


@pytest.mark.parametrize(("line", "fragments"), CASES, ids=[" ".join(expand(line, Path("~")))[:80]
                                                             for line, _ in CASES])
def test_an_unusable_argument_is_one_line_and_exit_status_2(world, line, fragments):
    before = snapshot(world)
    result = techblog(world, expand(line, world))
    assert_refused(result.returncode, result.stdout, result.stderr, tuple(fragments))
    assert snapshot(world) == before


def test_new_refuses_a_site_whose_posts_folder_cannot_be_written(world):
    posts = world / "site" / "posts"
    shutil.rmtree(posts)
    posts.write_text("a file where the posts folder should be\n", encoding="utf-8")
    before = snapshot(world)
    result = techblog(world, expand(NEW + " --date 2030-01-01", world))
    assert_refused(result.returncode, result.stdout, result.stderr, ("error: --root ", "cannot write posts/2030"))
    assert snapshot(world) == before


def test_refused_content_is_exit_status_1_and_writes_nothing(world):
    """A post the contract refuses is not an unusable argument: exit status 1, and no folder left behind."""
    before = snapshot(world)
    result = techblog(world, expand("--root {site} new Title --author zed --category operations --date 2031-05-01",
                                    world))
    assert result.returncode == 1 and "not registered in blog_authors" in result.stderr, result.stderr
    assert snapshot(world) == before


@PERMISSIONS_HOLD
@pytest.mark.parametrize(("line", "fragments"), [
    ("--root {site} check {inputs}/locked/post.md", ["error: path ", "cannot be reached (Permission denied)"]),
    ("--root {site} check {site}/posts/2023/locked.md", ["error: path ", "locked.md: cannot be read"]),
    ("--root {site} import-blogger {site}/posts/2023/locked.md", ["error: export ", "cannot be read"]),
    (COMMENTS + " --config {site}/posts/2023/locked.md", ["error: --config ", "cannot be read"]),
])
def test_an_unreadable_file_is_refused(world, line, fragments):
    locked = world / "site" / "posts" / "2023" / "locked.md"
    locked.write_text(A_POST, encoding="utf-8")
    locked.chmod(0)
    (world / "in" / "locked").mkdir(mode=0)
    before = snapshot(world)
    result = techblog(world, expand(line, world))
    assert_refused(result.returncode, result.stdout, result.stderr, tuple(fragments))
    assert snapshot(world) == before


@PERMISSIONS_HOLD
@pytest.mark.parametrize(("line", "fragments"), [
    (NEW + " --date 2030-01-01", ["error: --root ", "cannot write posts/2030"]),
    (IMPORT + " --out posts/legacy", ["--out posts/legacy", "posts is not writable"]),
    ("comments --db {site}/posts/comments.db", ["error: --db ", "not writable"]),
])
def test_a_read_only_folder_is_refused(world, line, fragments):
    (world / "site" / "posts").chmod(0o555)
    before = snapshot(world)
    result = techblog(world, expand(line, world))
    assert_refused(result.returncode, result.stdout, result.stderr, tuple(fragments))
    assert snapshot(world) == before


@pytest.mark.parametrize(("locked", "args", "fragments"), [
    ("posts", ["import-blogger", "{inputs}/export.xml", "--out", "posts/legacy"],
     ["error: --out posts/legacy: posts is not writable"]),
    ("_build", ["serve", "--builddir", "_build/preview"],
     ["error: --builddir _build/preview: _build is not writable"]),
    ("posts", ["comments", "--db", "{site}/posts/comments.db"], ["error: --db ", "its folder is not writable"]),
])
def test_a_folder_the_user_cannot_write_is_refused_before_anything_is_written(world, monkeypatch, capsys, locked,
                                                                               args, fragments):
    """As root, chmod cannot make a folder read-only: os.access is what the commands ask, so it answers no here."""
    locked = world / "site" / locked
    locked.mkdir(exist_ok=True)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: Path(path) != locked and real_access(path, mode, **kw))
    stub_servers(monkeypatch)
    before = snapshot(world)
    code = run_in_process(["--root", str(world / "site"), *expand(args, world)])
    captured = capsys.readouterr()
    assert_refused(code, captured.out, captured.err, tuple(fragments))
    assert snapshot(world) == before


# -- serve, and junk anywhere: in-process, with the servers replaced by a stub ---------------------------------

class Started(Exception):
    """What the stubs raise instead of starting a server: the arguments were accepted."""


def stub_servers(monkeypatch) -> None:
    def start(*args, **kwargs):
        raise Started(args)

    monkeypatch.setattr(preview.subprocess, "Popen", start)
    monkeypatch.setattr(preview.signal, "signal", lambda *args: None)  # the test's own handlers stay
    monkeypatch.setattr(comment_server, "serve", start)
    monkeypatch.setattr(comment_server, "hand_over", start)  # the site's environment hands over to the server's


def run_in_process(args: list[str]) -> int:
    try:
        return cli.main(args)
    except SystemExit as stop:  # argparse, and --help
        return stop.code if isinstance(stop.code, int) else 1


SERVE_CASES = [
    ("--port abc", ["--port abc: not a whole number", "expected a port from 1 to 65535"]),
    ("--port 0", ["--port 0: out of range"]),
    ("--comments-port 65536", ["--comments-port 65536: out of range"]),
    ("--port ' 80'", ["--port ' 80': not a whole number"]),
    ("--port 8001 --comments-port 8001", ["--comments-port 8001: the same port as --port"]),
    ("--host ''", ["--host '': empty", "expected a host name or an IPv4 address"]),
    ("--host 'local host'", ["--host 'local host'", "not a host name"]),
    ("--host http://127.0.0.1", ["--host http://127.0.0.1", "not a host name"]),
    ("--builddir /", ["--builddir /: outside the site"]),
    ("--builddir ..", ["--builddir ..: outside the site"]),
    ("--builddir link-out/html", ["--builddir link-out/html: outside the site"]),
    ("--builddir .", ["--builddir .: the site's root itself"]),
    ("--builddir ''", ["--builddir '': the site's root itself"]),
    ("--builddir posts", ["--builddir posts: a folder the site reads"]),
    ("--builddir posts/2023/html", ["--builddir posts/2023/html: a folder the site reads"]),
    ("--builddir index.md", ["--builddir index.md: index.md is a file"]),
    ("--builddir tests", ["--builddir tests: holds files that are not a build"]),
    ("--builddir _build/preview --port", ["argument --port: expected one argument"]),
]


@pytest.mark.parametrize(("line", "fragments"), SERVE_CASES, ids=[line for line, _ in SERVE_CASES])
def test_serve_refuses_unusable_ports_hosts_and_build_folders(world, monkeypatch, capsys, line, fragments):
    (world / "site" / "tests").mkdir()
    (world / "site" / "tests" / "test_it.py").write_text("", encoding="utf-8")
    stub_servers(monkeypatch)
    before = snapshot(world)
    code = run_in_process(["--root", str(world / "site"), "serve", *shlex.split(line)])
    captured = capsys.readouterr()
    assert_refused(code, captured.out, captured.err, tuple(fragments))
    assert snapshot(world) == before


def test_serve_takes_a_new_folder_excluded_from_the_sources(world, monkeypatch):
    stub_servers(monkeypatch)
    with pytest.raises(Started) as started:
        cli.main(["--root", str(world / "site"), "serve", "--builddir", "_build/preview", "--port", "8123"])
    isso = started.value.args[0][0]  # the first server started
    assert isso[isso.index("--origin") + 1] == "http://127.0.0.1:8123"


def test_check_takes_any_markdown_file_of_the_site(world, capsys):
    """A page, or a file the site excludes, has no post to check but is not refused: the pre-commit
    hook passes every Markdown file a commit touches."""
    (world / "site" / "README.md").write_text("# Not part of the site\n", encoding="utf-8")
    site = world / "site"
    for page in ("index.md", "README.md", "posts/2023/published.md"):
        assert cli.main(["--root", str(site), "check", str(site / page)]) == 0, capsys.readouterr().err


def test_help_still_prints_the_usage_and_exits_0():
    result = subprocess.run([sys.executable, "-m", "techblog", "import-blogger", "--help"], capture_output=True,
                            text=True, cwd=REPO, env=ENV)
    assert result.returncode == 0 and result.stdout.startswith("usage: python -m techblog import-blogger")
    assert "--images-from DIR" in result.stdout and result.stderr == ""


JUNK = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(out=JUNK, builddir=JUNK, port=JUNK, host=JUNK, path=JUNK, listen=JUNK)
def test_junk_arguments_never_give_a_traceback(tmp_path_factory, out, builddir, port, host, path, listen):
    """Whatever the arguments, a command exits 0, 1 or 2, and a refusal is one line."""
    world = tmp_path_factory.getbasetemp() / "junk"
    if not world.exists():
        shutil.copytree(SITE, world / "site")
        shutil.copy(EXPORT, world / "export.xml")
    site = str(world / "site")
    commands = [
        ["check", "--", path],
        ["import-blogger", str(world / "export.xml"), "--dry-run", f"--out={out}", "--author", "x=alice"],
        ["serve", f"--builddir={builddir}"],
        ["serve", f"--port={port}", f"--host={host}"],
        ["comments", f"--listen={listen}", f"--origin={host}", f"--db={world}/db/{path.replace('/', '_')}"],
    ]
    with pytest.MonkeyPatch.context() as monkeypatch:
        stub_servers(monkeypatch)
        for command in commands:
            before = snapshot(world / "site")
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    code = run_in_process(["--root", site, *command])
                except Started:
                    code = 0
            assert code in (0, 1, 2), (command, stderr.getvalue())
            if code == 2:
                assert_refused(code, stdout.getvalue(), stderr.getvalue(), ())
            assert snapshot(world / "site") == before, command
