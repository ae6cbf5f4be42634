"""Back up and restore the comment database: ``python -m techblog.tools.comment_backup backup|restore``.

Also ``python -m techblog comments-backup DEST`` / ``comments-restore SRC``
and ``make comments-backup`` / ``make comments-restore``. Standard library
only, so any Python 3.11+ runs it: the comment server's environment, the
site's, the container's or the system's.

- ``backup DEST``: SQLite's online backup API copies the live database in
  one step under a read lock, so the copy is consistent while Isso writes.
  Isso keeps SQLite's default rollback journal (no WAL) and commits each
  comment before it answers the POST, so every comment acknowledged before
  a backup starts is in it; a write arriving during the copy waits for it
  (Isso's connections wait up to 5 s; a comment database copies in
  milliseconds). The copy is written to a temporary file beside DEST, must
  pass ``PRAGMA integrity_check``, is synced to disk and then linked to its
  name, which never replaces a file. The hash salt kept beside the database
  (``<db>.hash-salt``) is copied beside the backup, mode 0600 like the
  backup: without it restored comments would get new identicons. With a
  folder as DEST the backup gets a dated name, ``comments-YYYYMMDDTHHMMSSZ.db``
  (UTC), and ``--keep N`` removes all but the N newest such backups there.
- ``restore SRC``: refused while a comment server started by this package
  uses the database: it holds a shared lock on ``<db>.lock`` while it runs
  (comment_server.hold_database), which restore takes exclusively; a server
  started meanwhile waits. A server started some other way (plain ``isso``),
  or on another machine sharing the folder over a network file system, holds
  no such lock: stop it first. SRC must pass the integrity check and be an
  Isso database. The current database and salt are kept, as
  ``<db>.before-restore-<time>`` and its ``.hash-salt`` (a backup that can be
  restored in turn); the copy is written beside the database, synced, and
  renamed over it, then the salt.

A problem with the arguments or the files is one line on standard error and
exit status 2, and nothing is written.
"""

from __future__ import annotations

import argparse
import configparser
import itertools
import os
import re
import sqlite3
import sys
import tempfile
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from techblog.tools.comment_server import (CONFIG, ISSO_PUBLIC_SALTS, REPO, BadServerSettings, checked_salt,
                                           lock_file, salt_file)

STAMP = "%Y%m%dT%H%M%SZ"
SQLITE_HEADER = b"SQLite format 3\x00"
ISSO_TABLES = {"comments", "threads"}
# Seconds a connection waits for a write of Isso's to finish.
BUSY_TIMEOUT = 30
# Files SQLite keeps beside a database while writing; one left behind would be replayed onto a restored file.
JOURNALS = ("-journal", "-wal", "-shm")
RESTORED_FROM = "a backup made by `comment_backup backup`"


class BackupError(ValueError):
    """What is wrong and what was expected, in one line."""


def one_line(text) -> str:
    return " ".join(str(text).split())


def comments(count: int) -> str:
    return f"{count} comment{'' if count == 1 else 's'}"


def database(config: Path, db: str | None) -> Path:
    """``--db``, else the settings' ``[general] dbpath``; relative: to the repository, as for the server."""
    if db is None:
        parsed = configparser.ConfigParser(interpolation=None)
        try:
            if not parsed.read(config, encoding="utf-8"):
                raise BackupError(f"{config}: no such file; expected Isso's settings (comments/isso.cfg), "
                                  "or --db")
            db = parsed.get("general", "dbpath")
        except configparser.Error as err:
            raise BackupError(f"{config}: {one_line(err)}") from None
    path = Path(db)
    return path if path.is_absolute() else REPO / path


def stamp() -> str:
    return datetime.now(timezone.utc).strftime(STAMP)


def connect(path: Path, what: str, mode: str) -> sqlite3.Connection:
    """The SQLite database at ``path`` (``mode`` ro or rw: never created), or BackupError."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file; expected {what}")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as err:
        raise BackupError(f"{path}: cannot read it ({err.strerror}); expected {what}") from None
    if header != SQLITE_HEADER:
        raise BackupError(f"{path}: not an SQLite database; expected {what}")
    try:
        return sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as err:
        raise BackupError(f"{path}: {one_line(err)}; expected {what}") from None


def checked(connection: sqlite3.Connection, name: Path, what: str) -> int:
    """The number of comments in an intact Isso database, or BackupError naming ``name``."""
    try:
        problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as err:
        problems = [str(err)]
    if problems != ["ok"]:
        raise BackupError(f"{name}: fails SQLite's integrity check ({one_line(problems[0])}); "
                          f"expected {what}")
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if missing := ISSO_TABLES - tables:
            raise BackupError(f"{name}: not an Isso database (no {', '.join(sorted(missing))} table); "
                              f"expected {what}")
        return connection.execute("SELECT count(*) FROM comments").fetchone()[0]
    except sqlite3.Error as err:
        raise BackupError(f"{name}: {one_line(err)}; expected {what}") from None


def kept_salt(path: Path) -> str | None:
    """The hash salt kept in ``path``, None if there is none; BackupError if it is unusable."""
    if not path.exists():
        return None
    try:
        return checked_salt(path.read_text(encoding="ascii").strip(), str(path), ISSO_PUBLIC_SALTS,
                            "the file the comment server wrote beside the database")
    except (OSError, UnicodeDecodeError) as err:
        raise BackupError(f"{path}: cannot read the hash salt ({one_line(err)}); expected the file the "
                          "comment server wrote beside the database") from None
    except BadServerSettings as err:
        raise BackupError(str(err)) from None


def temporary(folder: Path, name: str) -> Path:
    """A new empty file, mode 0600, that no reader looks for (``.<name>.<random>.tmp``)."""
    try:
        handle, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise BackupError(f"{folder}: cannot write there ({err.strerror}); expected a writable "
                          "folder") from None
    os.close(handle)
    return Path(path)


def remove(*paths: Path | None) -> None:
    for path in filter(None, paths):
        path.unlink(missing_ok=True)


def sync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def copy_database(source: sqlite3.Connection, folder: Path, name: str) -> Path:
    """A consistent copy of ``source`` in a temporary file of ``folder``, synced to disk."""
    copy = temporary(folder, name)
    try:
        with closing(sqlite3.connect(copy)) as target:
            source.backup(target)  # all pages in one step: a snapshot, never restarted by Isso's writes
        sync(copy)
    except BaseException as err:
        remove(copy, Path(f"{copy}-journal"))
        if isinstance(err, sqlite3.Error):
            raise BackupError(f"{folder}: cannot copy the database there ({one_line(err)}); expected a "
                              "writable folder with room for it") from None
        raise
    return copy


def salt_copy(folder: Path, name: str, salt: str) -> Path:
    copy = temporary(folder, name)
    try:
        copy.write_text(salt + "\n", encoding="ascii")
        sync(copy)
    except BaseException:
        remove(copy)
        raise
    return copy


# -- backup -----------------------------------------------------------------------

def backup_name(db: Path, when: str) -> str:
    return f"{db.stem}-{when}{db.suffix}"


def dated_backups(folder: Path, db: Path) -> list[Path]:
    """The dated backups of ``db`` in ``folder``, oldest first (the UTC stamps sort by time)."""
    pattern = re.compile(re.escape(db.stem) + r"-\d{8}T\d{6}Z" + re.escape(db.suffix))
    return sorted(path for path in folder.iterdir() if pattern.fullmatch(path.name))


def backup(db: Path, dest: str, keep: int | None = None) -> str:
    """Copy the live database ``db`` and its hash salt to ``dest``; one line saying what was written."""
    if not dest:
        raise BackupError("DEST is empty; expected a folder, or a new file in one")
    into_folder = Path(dest).is_dir()
    if not into_folder and dest.endswith(("/", os.sep)):
        raise BackupError(f"{dest}: no such folder; expected DEST to be a folder, or a new file in one")
    if keep is not None and (keep < 1 or not into_folder):
        raise BackupError(f"--keep {keep}: expected a number of backups, at least 1, with a folder as DEST")
    target = Path(dest) / backup_name(db, stamp()) if into_folder else Path(dest)
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent}: no such folder; expected DEST to be a folder, or a new file "
                          "in one")
    for path in (target, salt_file(target)):
        if path.exists() or path.is_symlink():
            raise BackupError(f"{path}: already exists; a backup never replaces a file, expected a new name "
                              "or a folder")
    salt = kept_salt(salt_file(db))
    what = "the comment server's database (--db, or [general] dbpath in the settings)"
    with closing(connect(db, what, "rw")) as source:
        copy = copy_database(source, target.parent, target.name)
    salt_temporary = None
    try:
        with closing(sqlite3.connect(copy)) as connection:
            count = checked(connection, db, what)
        if salt is not None:
            salt_temporary = salt_copy(target.parent, salt_file(target).name, salt)
        link(copy, target)
        if salt_temporary is not None:
            try:
                link(salt_temporary, salt_file(target))
            except BaseException:
                remove(target)
                raise
        sync(target.parent)
    finally:
        remove(copy, salt_temporary)
    line = f"{target}: {comments(count)}, {target.stat().st_size} bytes, "
    if salt is None:
        line += f"no hash salt beside {db} (ISSO_HASH_SALT set?): keep that secret with the backup"
    else:
        line += f"hash salt in {salt_file(target).name}"
    if keep is not None:
        removed = dated_backups(target.parent, db)[:-keep]
        remove(*removed, *map(salt_file, removed))
        line += f"; {len(removed)} older backup(s) removed, {keep} kept"
    return line


def link(temporary_file: Path, path: Path) -> None:
    """Give ``temporary_file`` its name: a hard link, which never replaces a file (a rename would)."""
    try:
        os.link(temporary_file, path)
    except FileExistsError:
        raise BackupError(f"{path}: already exists, and is never replaced; expected a new name") from None
    except OSError as err:
        raise BackupError(f"{path}: cannot write it ({err.strerror}); expected a folder on a file system "
                          "with hard links") from None


# -- restore ----------------------------------------------------------------------

def owner(folder: Path) -> tuple[int, int] | None:
    """Whom restored files must belong to: the folder's owner (the server's user); given them as root."""
    info = folder.stat()
    if os.geteuid() == 0:
        return info.st_uid, info.st_gid
    if info.st_uid != os.geteuid():
        raise BackupError(f"{folder}: belongs to another user; expected to run as its owner (the comment "
                          "server's user, e.g. `runuser -u techblog -- ...`) or as root")
    return None


@contextmanager
def exclusive(db: Path, owned_by: tuple[int, int] | None):
    """The database's lock taken exclusively, or BackupError if a running server holds it."""
    import fcntl  # POSIX only, and only restore needs it

    path = lock_file(db)
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise BackupError(f"{path}: cannot open the database's lock file ({err.strerror}); expected a "
                          "writable folder") from None
    try:
        if owned_by is not None:
            os.fchown(handle, *owned_by)  # the server, as its own user, must open it too
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"{db}: a comment server is using it (it holds {path.name}); stop it first "
                              "(systemctl stop techblog-comments, or stop its container), "
                              "then restore") from None
        yield
    finally:
        os.close(handle)


def settled(db: Path) -> int | None:
    """The current database's number of comments (None: unreadable), once SQLite has rolled back a write
    interrupted by a crash, whose journal would otherwise be replayed onto the restored file."""
    count = None
    if db.exists():
        try:
            with closing(sqlite3.connect(f"{db.absolute().as_uri()}?mode=rw", uri=True,
                                         timeout=BUSY_TIMEOUT)) as connection:
                count = connection.execute("SELECT count(*) FROM comments").fetchone()[0]
        except sqlite3.Error:
            pass  # a damaged database is kept as it is, and replaced
    for suffix in JOURNALS:
        if Path(f"{db}{suffix}").exists():
            raise BackupError(f"{db}{suffix}: left by an interrupted write that could not be rolled back; "
                              "expected no journal beside a stopped server's database (start and stop the "
                              "server once, then restore again)")
    return count


def unused(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``... if it or its salt is taken (restores within a second)."""
    numbered = (path.with_name(f"{path.name}-{n}") for n in itertools.count(2))
    candidates = itertools.chain([path], numbered)
    return next(p for p in candidates if not (p.exists() or salt_file(p).exists()))


def restore(source: Path, db: Path) -> str:
    """Replace ``db`` and its hash salt with the backup ``source``; one line saying what was done."""
    if db.exists() and source.exists() and source.samefile(db):
        raise BackupError(f"{source}: is the database itself; expected {RESTORED_FROM}")
    with closing(connect(source, RESTORED_FROM, "ro")) as backup_db:
        count = checked(backup_db, source, RESTORED_FROM)
        salt = kept_salt(salt_file(source))
        folder = db.parent
        if not folder.is_dir():
            raise BackupError(f"{folder}: no such folder; expected the database's folder (the service's "
                              "state directory: start the service once, or create it for its user)")
        owned_by = owner(folder)
        with exclusive(db, owned_by):
            before = settled(db)
            copy = copy_database(backup_db, folder, db.name)
            salt_temporary = None
            try:
                if salt is not None:
                    salt_temporary = salt_copy(folder, salt_file(db).name, salt)
                if owned_by is not None:
                    for path in filter(None, (copy, salt_temporary)):
                        os.chown(path, *owned_by)
                kept = unused(db.with_name(f"{db.name}.before-restore-{stamp()}"))
                if db.exists():
                    link(db, kept)
                if salt_file(db).exists():
                    link(salt_file(db), salt_file(kept))
                os.replace(copy, db)
                if salt_temporary is not None:
                    os.replace(salt_temporary, salt_file(db))
                sync(folder)
            except OSError as err:
                raise BackupError(f"{folder}: cannot write there ({err.strerror}); expected a writable "
                                  "folder") from None
            finally:
                remove(copy, salt_temporary)
    line = f"{db}: restored from {source}, {comments(count)}"
    if salt is None:
        line += f"; no hash salt beside the backup, {salt_file(db).name} left as is (identicons may change)"
    else:
        line += ", with its hash salt"
    if kept.exists():
        previous = "unreadable" if before is None else comments(before)
        line += f"; the previous database ({previous}) kept as {kept.name}"
    return line


# -- command line -----------------------------------------------------------------

def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="the database (default: [general] dbpath in the settings; relative: to "
                        "the repository root, as the server reads it)")
    parser.add_argument("--config", type=Path, default=CONFIG,
                        help="Isso settings the default database comes from (default: comments/isso.cfg)")


def add_backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", metavar="DEST",
                        help="a new file, or a folder (the backup gets a dated name there)")
    parser.add_argument("--keep", type=int, metavar="N",
                        help="with a folder as DEST: remove all but the N newest dated backups there")
    add_common_arguments(parser)


def add_restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, metavar="SRC", help="a backup (its .hash-salt beside it)")
    add_common_arguments(parser)


def report(work) -> int:
    """Print what ``work()`` did, or one line saying why it could not (exit status 2)."""
    try:
        print(work())
    except (BackupError, OSError, sqlite3.Error) as err:  # OSError, sqlite3.Error: a full disk, say
        print(f"error: {one_line(err)}", file=sys.stderr)
        return 2
    return 0


def run_backup(args: argparse.Namespace) -> int:
    return report(lambda: backup(database(args.config, args.db), args.dest, args.keep))


def run_restore(args: argparse.Namespace) -> int:
    return report(lambda: restore(args.source, database(args.config, args.db)))


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m techblog.tools.comment_backup",
                                  description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    backup_command = commands.add_parser("backup", help="copy the live database and its hash salt (exit 2: "
                                         "unusable arguments, nothing written)")
    add_backup_arguments(backup_command)
    backup_command.set_defaults(run=run_backup)
    restore_command = commands.add_parser("restore", help="put a backup back, keeping the current database "
                                          "(exit 2: refused, nothing changed)")
    add_restore_arguments(restore_command)
    restore_command.set_defaults(run=run_restore)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
