"""Arguments a command cannot use: refused with one line and exit status 2, before anything is written.

Every command checks its arguments with these helpers before it reads the
site or writes anything, and :func:`techblog.tools.cli.main` prints the
:class:`UsageError` as ``error: <argument> <value>: <problem>; expected
<what would do>``. :class:`Parser` prints argparse's own errors (an unknown
option, a missing argument, a bad choice) on one line too.
"""

from __future__ import annotations

import argparse
import os
import re
import stat
from pathlib import Path

# Shown as typed; anything else (spaces, quotes, line breaks, an empty value) is quoted.
PLAIN = re.compile(r"[\w./:@+=,~%-]+")
HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")
PORT = re.compile(r"[0-9]{1,5}")


def shown(value: object) -> str:
    text = str(value)
    return text if PLAIN.fullmatch(text) else repr(text)


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped: an error is one line."""
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


class UsageError(Exception):
    """An argument the command cannot use (exit status 2); ``value`` None: the argument is missing."""

    def __init__(self, argument: str, value: object, problem: str, expected: str) -> None:
        named = argument if value is None else f"{argument} {shown(value)}"
        super().__init__(f"{named}: {problem}; expected {expected}")


class Parser(argparse.ArgumentParser):
    """argparse's own errors on one line, without the usage block, and exit status 2; --help as usual."""

    def error(self, message: str):
        self.exit(2, f"error: {one_line(message)}; see {self.prog} --help\n")


def kind(argument: str, given: str | Path, path: Path, expected: str) -> str | None:
    """What is at ``path``: "folder", "file", "other", or None when nothing is (a file on the way
    included); a path that cannot be looked at (too long, a loop of links, a locked folder) is refused."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise UsageError(argument, given, f"cannot be reached ({err.strerror})", expected) from None
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def site_root(given: Path) -> Path:
    """``--root``, resolved: a folder holding conf.py."""
    expected = "the site's root, the folder holding conf.py (run from it or pass --root)"
    found = kind("--root", given, given, expected)
    if found is None:
        raise UsageError("--root", given, "no such folder", expected)
    if found != "folder":
        raise UsageError("--root", given, "not a folder", expected)
    if kind("--root", given, given / "conf.py", expected) != "file":
        raise UsageError("--root", given, "no conf.py in it", expected)
    return given.resolve()


def readable_file(argument: str, given: Path, expected: str) -> Path:
    """``given`` when it is a regular file this user can read."""
    found = kind(argument, given, given, expected)
    if found is None:
        raise UsageError(argument, given, "no such file", expected)
    if found == "folder":
        raise UsageError(argument, given, "a folder", expected)
    if found != "file":
        raise UsageError(argument, given, "not a regular file", expected)
    try:
        with given.open("rb"):
            pass
    except OSError as err:
        raise UsageError(argument, given, f"cannot be read ({err.strerror})", expected) from None
    return given


def readable_folder(argument: str, given: Path, expected: str) -> Path:
    found = kind(argument, given, given, expected)
    if found is None:
        raise UsageError(argument, given, "no such folder", expected)
    if found != "folder":
        raise UsageError(argument, given, "not a folder", expected)
    if not os.access(given, os.R_OK | os.X_OK):
        raise UsageError(argument, given, "cannot be read", expected)
    return given


def folder_inside(argument: str, given: str, root: Path, expected: str) -> Path:
    """``given`` (relative: to ``root``) resolved, when it is a folder inside the site, not its root,
    that exists or can be made; links are followed, so none leads out."""
    try:
        path = (root / given).resolve()
    except (OSError, RuntimeError) as err:  # a loop of links: RuntimeError before Python 3.13
        raise UsageError(argument, given, f"cannot be resolved ({err})", expected) from None
    if not path.is_relative_to(root):
        raise UsageError(argument, given, f"outside the site ({shown(root)})", expected)
    if path == root:
        raise UsageError(argument, given, "the site's root itself", expected)
    # The folder, or the nearest one above it that exists (the root, at worst): where the first write goes.
    for existing in (path, *path.parents):
        found = kind(argument, given, existing, expected)
        if found is not None:
            break
    where = shown(existing.relative_to(root).as_posix()) if existing != root else "the site's root"
    if found != "folder":
        raise UsageError(argument, given, f"{where} is a file", expected)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(argument, given, f"{where} is not writable", expected)
    return path


def port(argument: str, value: str) -> int:
    expected = "a port from 1 to 65535"
    if not PORT.fullmatch(str(value)):
        raise UsageError(argument, value, "not a whole number", expected)
    if not 1 <= int(value) <= 65535:
        raise UsageError(argument, value, "out of range", expected)
    return int(value)


def host(argument: str, value: str) -> str:
    expected = "a host name or an IPv4 address, e.g. 127.0.0.1"
    if not value:
        raise UsageError(argument, value, "empty", expected)
    if not HOST.fullmatch(value):
        raise UsageError(argument, value, "not a host name", expected)
    return value
