"""Files written whole or not at all.

Every file the importer and the build keep between runs is written here: to
a temporary file in the same folder, flushed to disk, then renamed over the
target (``os.replace`` is atomic on POSIX and Windows). A run killed halfway,
or a full disk, leaves the old file or the new one, never a truncated one;
the temporary file of an interrupted run has a name no reader looks for
(``.<name>.<random>.tmp``) and is removed when the write fails.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, creating its folder if needed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes 0600; these are ordinary files of the site
        os.replace(temporary, target)
    except BaseException:  # KeyboardInterrupt and SystemExit too: never leave the temporary file
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Replace ``path`` with ``text`` atomically (no newline translation: same bytes everywhere)."""
    write_bytes(path, text.encode(encoding))
