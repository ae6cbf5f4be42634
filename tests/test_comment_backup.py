"""Backups of the comment database (techblog/tools/comment_backup.py).

A backup taken while Isso writes holds every comment Isso acknowledged
before the backup started, passes SQLite's integrity check, and restores to
a database the real server opens, publishing the same identicon hashes
(the salt travels with it). A restore never runs under a server and never
loses the database it replaces. Unusable arguments are one line and exit 2,
with nothing written.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from browser.servers import free_port, is_down, wait_until_up
from comment_env import REPO, comments_python, environ, isso, post, server_command

MODULE = "techblog.tools.comment_backup"


def command(*args: str, python: str = sys.executable) -> subprocess.CompletedProcess:
    """``python -m techblog.tools.comment_backup ARGS`` (standard library only: any Python runs it)."""
    return subprocess.run([python, "-m", MODULE, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=environ())


def backup(*args: str) -> subprocess.CompletedProcess:
    return command("backup", *args)


def restore(*args: str) -> subprocess.CompletedProcess:
    return command("restore", *args)


def salt_of(db: Path) -> Path:
    return db.with_name(db.name + ".hash-salt")


def comment_ids(db: Path) -> set[int]:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM comments")}


def integrity(db: Path) -> list[str]:
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute("PRAGMA integrity_check")]


def reader(n: int) -> str:
    """A reader's own address, a /24 of its own: Isso counts its rate limit per /24."""
    return f"10.{n // 256 % 256}.{n % 256}.1"


def thread(url: str, n: int) -> dict[int, dict]:
    """The comments Isso lists on post ``n``'s thread, by id."""
    with urllib.request.urlopen(f"{url}/?uri=/posts/{n}.html", timeout=30) as response:
        return {reply["id"]: reply for reply in json.loads(response.read())["replies"]}


# -- Backup during writes, restore, and Isso reads it -------------------------------

WRITERS = 8
POSTS = 200


@pytest.mark.slow
def test_a_backup_taken_during_writes_restores_every_comment_acknowledged_before_it(tmp_path):
    """200 comments from 8 threads, each from its own reader address through the trusted proxy
    (127.0.0.1, so [guard] ratelimit = 2 a minute holds per reader); the backup starts after the
    first 50 are acknowledged, and writing goes on until it has finished."""
    acknowledged: list[tuple[float, int, dict]] = []  # (when the answer came, n, the comment)
    refused: list[tuple[int, int]] = []
    numbers = itertools.count()
    backed_up = threading.Event()
    lock = threading.Lock()

    def write(url: str) -> None:
        while True:
            n = next(numbers)
            if n >= POSTS and backed_up.is_set():
                return
            status, comment = post(url, n, forwarded_for=reader(n), email=f"reader{n}@example.org")
            answered = time.monotonic()
            with lock:
                if status in (201, 202):
                    acknowledged.append((answered, n, comment))
                else:
                    refused.append((n, status))

    with isso(tmp_path / "live", moderation=False) as (url, server):
        writers = [threading.Thread(target=write, args=(url,)) for _ in range(WRITERS)]
        for writer in writers:
            writer.start()
        try:
            while len(acknowledged) < 50 and not refused:
                time.sleep(0.01)
            started = time.monotonic()
            proc = backup("--db", str(server.db), str(tmp_path / "backup.db"))
            finished = time.monotonic()
        finally:
            backed_up.set()
            for writer in writers:
                writer.join(timeout=120)
        live_ids = comment_ids(server.db)

    assert not refused, f"Isso refused comments while a backup ran: {refused[:5]}"
    assert proc.returncode == 0, proc.stderr
    before = {n: comment for answered, n, comment in acknowledged if answered < started}
    during = [n for answered, n, _ in acknowledged if started <= answered <= finished]
    assert len(before) >= 50 and during, "the backup did not run while comments were being written"
    assert len(acknowledged) >= POSTS and live_ids == {c["id"] for _, _, c in acknowledged}

    copy = tmp_path / "backup.db"
    assert integrity(copy) == ["ok"]
    missing = {c["id"] for c in before.values()} - comment_ids(copy)
    assert not missing, f"acknowledged before the backup started, missing from it: {sorted(missing)}"
    assert proc.stdout.startswith(f"{copy}: {len(comment_ids(copy))} comments, {copy.stat().st_size} bytes")
    assert salt_of(copy).read_text() == salt_of(server.db).read_text()
    assert stat.S_IMODE(copy.stat().st_mode) == stat.S_IMODE(salt_of(copy).stat().st_mode) == 0o600

    restored = tmp_path / "restored" / "comments.db"
    restored.parent.mkdir()
    proc = restore("--db", str(restored), str(copy))
    assert proc.returncode == 0, proc.stderr
    with isso(tmp_path / "restored", db=restored, moderation=False) as (url, _):
        for n, comment in before.items():
            listed = thread(url, n).get(comment["id"])
            assert listed is not None, f"comment {comment['id']} on post {n} is not served after the restore"
            # The same text, and the same identicon hash: the salt was restored with the database.
            assert (listed["text"], listed["hash"]) == (comment["text"], comment["hash"])


def test_a_backup_never_holds_part_of_a_write_in_progress(tmp_path, live):
    """A write caught halfway: its changed pages are already in the database file (more than fit
    SQLite's cache), its journal beside it, nothing committed. A copy of the file would hold most
    of the changes; the backup waits for the write and holds none of it, as Isso would read it."""
    with sqlite3.connect(live) as connection:
        connection.executemany("INSERT INTO threads (uri, title) VALUES (?, ?)",
                               [(f"/posts/x{n}.html", "before") for n in range(2000)])
    with sqlite3.connect(live, isolation_level=None) as writer:
        writer.execute("PRAGMA cache_size = 10")
        writer.execute("BEGIN")
        writer.execute("UPDATE threads SET title = 'half-written'")
        assert live.with_name("comments.db-journal").exists()
        copy = tmp_path / "backup.db"
        proc = subprocess.Popen([sys.executable, "-m", MODULE, "backup", "--db", str(live), str(copy)],
                                cwd=REPO, env=environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            time.sleep(1)
            still_waiting = proc.poll() is None
        finally:
            writer.execute("ROLLBACK")
        out, err = proc.communicate(timeout=60)
    assert still_waiting, f"the backup did not wait for the write in progress: {out}{err}"
    assert proc.returncode == 0, err
    assert integrity(copy) == ["ok"]
    with sqlite3.connect(copy) as connection:
        titles = dict(connection.execute("SELECT title, count(*) FROM threads GROUP BY title").fetchall())
    assert titles.get("half-written", 0) == 0, f"the backup holds part of an uncommitted write: {titles}"
    assert titles["before"] == 2000


# -- A database made by the real server, for the other tests -------------------------

@pytest.fixture(scope="module")
def isso_database(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("isso")
    with isso(folder, moderation=False) as (url, server):
        for n in range(3):
            assert post(url, n, forwarded_for=reader(n))[0] == 201
    return server.db


@pytest.fixture
def live(tmp_path, isso_database) -> Path:
    """A copy of that database, with its salt, in ``data/`` of the test's folder."""
    db = tmp_path / "data" / "comments.db"
    db.parent.mkdir()
    shutil.copy(isso_database, db)
    shutil.copy(salt_of(isso_database), salt_of(db))
    return db


def test_backup_runs_in_every_environment(tmp_path, live):
    """The site's Python, the comment server's (the container and the systemd timer use that one),
    ``python -m techblog comments-backup`` and ``make comments-backup``."""
    runs = {
        "site.db": [sys.executable, "-m", MODULE, "backup", "--db", str(live)],
        "comments-env.db": [str(comments_python()), "-m", MODULE, "backup", "--db", str(live)],
        "cli.db": [sys.executable, "-m", "techblog", "comments-backup", "--db", str(live)],
        "make.db": ["make", "--no-print-directory", "comments-backup", f"DB={live}"],
    }
    for name, args in runs.items():
        dest = tmp_path / name
        args += [f"DEST={dest}"] if args[0] == "make" else [str(dest)]
        proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120, env=environ())
        assert proc.returncode == 0, f"{name}: {proc.stderr}"
        assert f"{dest}: 3 comments, " in proc.stdout
        assert comment_ids(dest) == comment_ids(live) and salt_of(dest).exists()


def test_a_folder_gets_a_dated_backup_and_keep_removes_the_oldest(tmp_path, live):
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / "comments-20250101T000000Z.db", folder / "comments-20260101T000000Z.db"]
    for path in old:
        path.write_bytes(b"an old backup")
        salt_of(path).write_text("an old salt")
    unrelated = folder / "comments-notes.db"
    unrelated.write_text("not a backup of ours")
    proc = backup("--db", str(live), "--keep", "2", str(folder))
    assert proc.returncode == 0, proc.stderr
    made = sorted(set(folder.glob("comments-2*Z.db")) - set(old))
    assert len(made) == 1 and made[0].name > old[-1].name
    assert proc.stdout == f"{made[0]}: 3 comments, {made[0].stat().st_size} bytes, hash salt in " \
                          f"{made[0].name}.hash-salt; 1 older backup(s) removed, 2 kept\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        old[1].name, salt_of(old[1]).name, made[0].name, salt_of(made[0]).name, unrelated.name])


def test_without_a_kept_salt_the_backup_says_so(tmp_path, live):
    salt_of(live).unlink()  # the salt came from ISSO_HASH_SALT
    proc = backup("--db", str(live), str(tmp_path / "b.db"))
    assert proc.returncode == 0, proc.stderr
    assert "no hash salt beside" in proc.stdout and "keep that secret with the backup" in proc.stdout
    assert not salt_of(tmp_path / "b.db").exists()


# -- Restore ---------------------------------------------------------------------------

def take_backup(live: Path, dest: Path) -> Path:
    proc = backup("--db", str(live), str(dest))
    assert proc.returncode == 0, proc.stderr
    return dest


def test_restore_keeps_the_database_it_replaces(tmp_path, live):
    copy = take_backup(live, tmp_path / "backup.db")
    with sqlite3.connect(live) as connection:
        connection.execute("DELETE FROM comments WHERE id > 1")
    live_salt = salt_of(live).read_text()
    salt_of(copy).write_text("another-salt-of-enough-length\n")
    proc = restore("--db", str(live), str(copy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{live}: restored from {copy}, 3 comments, with its hash salt; "
                                  "the previous database (1 comment) kept as comments.db.before-restore-")
    kept = [p for p in live.parent.iterdir() if p.name.startswith("comments.db.before-restore-")]
    kept_db = min(kept, key=lambda p: len(p.name))
    assert sorted(kept) == [kept_db, salt_of(kept_db)]
    assert comment_ids(kept_db) == {1} and salt_of(kept_db).read_text() == live_salt
    assert comment_ids(live) == {1, 2, 3} and salt_of(live).read_text() == "another-salt-of-enough-length\n"
    assert not [p for p in live.parent.iterdir() if p.name.endswith(".tmp")]
    # What was kept is itself a backup: restoring it undoes the restore.
    proc = restore("--db", str(live), str(kept_db))
    assert proc.returncode == 0, proc.stderr
    assert comment_ids(live) == {1} and salt_of(live).read_text() == live_salt


@pytest.mark.skipif(os.geteuid() != 0, reason="giving files to another user needs root")
def test_restore_run_as_root_gives_the_files_to_the_owner_of_the_database_folder(tmp_path, live):
    copy = take_backup(live, tmp_path / "backup.db")
    service_user = 65534
    for path in (live.parent, live, salt_of(live)):
        os.chown(path, service_user, service_user)
    proc = restore("--db", str(live), str(copy))
    assert proc.returncode == 0, proc.stderr
    for path in (live, salt_of(live), live.with_name("comments.db.lock")):
        info = path.stat()
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (service_user,) * 2 + (0o600,), path


def test_restore_is_refused_while_a_server_uses_the_database(tmp_path):
    with isso(tmp_path / "live", moderation=False) as (url, server):
        assert post(url, 1, forwarded_for=reader(1))[0] == 201
        copy = take_backup(server.db, tmp_path / "backup.db")
        before = folder_state(server.db.parent)
        proc = restore("--db", str(server.db), str(copy))
        assert proc.returncode == 2
        assert proc.stderr == (f"error: {server.db}: a comment server is using it (it holds "
                               "comments.db.lock); stop it first (systemctl stop techblog-comments, "
                               "or stop its container), then restore\n")
        assert folder_state(server.db.parent) == before
    proc = restore("--db", str(server.db), str(copy))
    assert proc.returncode == 0, proc.stderr


def test_a_server_started_during_a_restore_waits_for_it(tmp_path, live):
    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "isso.log"
    with live.with_name("comments.db.lock").open("w") as lock, log.open("w") as output:
        fcntl.flock(lock, fcntl.LOCK_EX)  # what restore holds
        command = server_command("--local", "--db", str(live), "--listen", url,
                                 "--origin", f"http://127.0.0.1:{free_port()}")
        server = subprocess.Popen(command,
                                  cwd=REPO, env=environ(), stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            while "being restored; waiting" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert f"{live} is being restored; waiting for the restore to finish" in log.read_text()
            assert is_down(url + "/config")
            fcntl.flock(lock, fcntl.LOCK_UN)
            wait_until_up(url + "/config")
        finally:
            server.terminate()
            server.wait(timeout=10)


# -- Unusable arguments: one line, exit 2, nothing written ----------------------------

def folder_state(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and a digest of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def corrupt(db: Path) -> None:
    """An SQLite file whose index disagrees with its table: PRAGMA integrity_check fails."""
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY)")
        connection.execute("CREATE TABLE comments (id INTEGER PRIMARY KEY, text TEXT)")
        connection.execute("CREATE INDEX comments_text ON comments (text)")
        connection.executemany("INSERT INTO comments (text) VALUES (?)",
                               [(f"comment {n:04}",) for n in range(500)])
        page_size, root = connection.execute(
            "SELECT (SELECT page_size FROM pragma_page_size), rootpage FROM sqlite_master "
            "WHERE name = 'comments_text'").fetchone()
    data = bytearray(db.read_bytes())
    offset = (root - 1) * page_size
    page = data[offset:offset + page_size]
    data[offset:offset + page_size] = page.replace(b"comment 0", b"commenT 0")
    db.write_bytes(bytes(data))


def make_source(kind: str, folder: Path, live: Path) -> Path:
    path = folder / f"{kind}.db"
    if kind == "text":
        path.write_text("-- not a database\n")
    elif kind == "empty":
        path.touch()
    elif kind == "damaged":
        corrupt(path)
    elif kind == "not-isso":
        with sqlite3.connect(path) as connection:
            connection.execute("CREATE TABLE posts (id INTEGER PRIMARY KEY)")
    elif kind == "short-salt":
        shutil.copy(live, path)
        salt_of(path).write_text("short\n")
    return path


BACKUP_CASES = {
    "missing-database": (["--db", "{tmp}/nowhere.db", "{tmp}/b.db"], "nowhere.db: no such file; expected"),
    "not-sqlite": (["--db", "{text}", "{tmp}/b.db"], "text.db: not an SQLite database; expected"),
    "damaged-database": (["--db", "{damaged}", "{tmp}/b.db"], "damaged.db: fails SQLite's integrity check ("),
    "not-isso": (["--db", "{not-isso}", "{tmp}/b.db"], "not-isso.db: not an Isso database (no"),
    "short-salt": (["--db", "{short-salt}", "{tmp}/b.db"], "short-salt.db.hash-salt: the hash salt has 5"),
    "missing-folder": (["--db", "{live}", "{tmp}/nowhere/b.db"], "nowhere: no such folder; expected DEST"),
    "missing-folder-slash": (["--db", "{live}", "{tmp}/nowhere/"], "nowhere/: no such folder; expected DEST"),
    "folder-is-a-file": (["--db", "{live}", "{text}/b.db"], "text.db: no such folder; expected DEST"),
    "exists": (["--db", "{live}", "{text}"], "text.db: already exists; a backup never replaces a file"),
    "salt-exists": (["--db", "{live}", "{tmp}/stray.db"], "stray.db.hash-salt: already exists; a backup"),
    "empty-dest": (["--db", "{live}", ""], "DEST is empty; expected a folder"),
    "keep-zero": (["--db", "{live}", "--keep", "0", "{tmp}"], "--keep 0: expected a number of backups, at"),
    "keep-file": (["--db", "{live}", "--keep", "3", "{tmp}/b.db"], "--keep 3: expected a number of backups"),
    "missing-config": (["--config", "{tmp}/nowhere.cfg", "{tmp}/b.db"], "nowhere.cfg: no such file;"),
}

RESTORE_CASES = {
    "missing-backup": (["--db", "{live}", "{tmp}/nowhere.db"], "nowhere.db: no such file; expected a backup"),
    "empty-file": (["--db", "{live}", "{empty}"], "empty.db: not an SQLite database; expected a backup"),
    "not-sqlite": (["--db", "{live}", "{text}"], "text.db: not an SQLite database; expected a backup"),
    "damaged-backup": (["--db", "{live}", "{damaged}"], "damaged.db: fails SQLite's integrity check ("),
    "not-isso": (["--db", "{live}", "{not-isso}"], "not-isso.db: not an Isso database (no"),
    "short-salt": (["--db", "{live}", "{short-salt}"], "short-salt.db.hash-salt: the hash salt has 5"),
    "the-database-itself": (["--db", "{live}", "{live}"], "comments.db: is the database itself; expected"),
    "missing-folder": (["--db", "{tmp}/nowhere/comments.db", "{live}"], "nowhere: no such folder; expected"),
}


def arguments(template: list[str], tmp_path: Path, live: Path) -> list[str]:
    sources = {kind: make_source(kind, tmp_path, live)
               for kind in ("text", "empty", "damaged", "not-isso", "short-salt")}
    salt_of(tmp_path / "stray.db").write_text("left over")
    names = {"tmp": tmp_path, "live": live, **sources}
    return [arg.format_map({k: str(v) for k, v in names.items()}) for arg in template]


def assert_refused(proc: subprocess.CompletedProcess, message: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
    assert proc.stdout == ""


@pytest.mark.parametrize("case", BACKUP_CASES)
def test_backup_refuses_unusable_arguments_with_one_line(tmp_path, live, case):
    template, message = BACKUP_CASES[case]
    args = arguments(template, tmp_path, live)
    before = folder_state(tmp_path)
    assert_refused(backup(*args), message)
    assert folder_state(tmp_path) == before


@pytest.mark.parametrize("case", RESTORE_CASES)
def test_restore_refuses_unusable_arguments_with_one_line(tmp_path, live, case):
    template, message = RESTORE_CASES[case]
    args = arguments(template, tmp_path, live)
    before = folder_state(tmp_path)
    assert_refused(restore(*args), message)
    assert folder_state(tmp_path) == before


def read_only(folder: Path, args: list[str]) -> list[str]:
    """``args`` run where ``folder`` is read-only: for root (which writes anywhere) in a mount
    namespace with ``folder`` bind-mounted read-only."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return args
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"running as root, and no mount namespace to make a folder read-only: {probe.stderr!r}")
    script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(folder), *args]


def test_a_destination_in_a_read_only_folder_is_refused(tmp_path, live):
    folder = tmp_path / "read-only"
    folder.mkdir()
    before = folder_state(tmp_path)
    args = read_only(folder, [sys.executable, "-m", MODULE, "backup", "--db", str(live), str(folder)])
    proc = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=60, env=environ())
    assert_refused(proc, f"{folder}: cannot write there (")
    assert folder_state(tmp_path) == before
