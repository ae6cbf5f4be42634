"""sphinx-autobuild for the preview, each rebuild in a forked child: ``python -m techblog.tools.autobuild``.

sphinx-autobuild runs ``python -m sphinx build`` in a new process on every
save, so every rebuild first pays for starting Python and importing Sphinx,
MyST, ABlog, the theme and this package (about half a second of a one-second
rebuild at 100 posts). Here the server process imports all of that once, and
each rebuild runs in a child forked from it: the child calls the same entry
point as ``python -m sphinx build`` with the same arguments, in the same
folder and environment, and exits; the server waits for it and reports as
sphinx-autobuild does. A build's state never reaches the server: the child
takes it away when it exits, and the next build starts from the server's
freshly imported modules, as a new process would.

What to import is learned from the first build (run in a child as well): the
modules it imported, which the server then imports in the same order.
Before each rebuild the source files of those modules are checked: when one
changed since the server imported it (an edit under techblog/, an upgrade),
that build runs in a new process instead, as plain sphinx-autobuild would,
so a change to the code is never built with the old code.

The adapter is :class:`ForkingBuilder`, put in place of sphinx-autobuild's
``Builder`` (the class its ``main`` makes its builder from); everything else
(watching, serving, the reload socket) is sphinx-autobuild's own.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sphinx_autobuild import __main__ as autobuild
from sphinx_autobuild.build import Builder
from sphinx_autobuild.utils import show_command, show_message

# What the server imported from the first build: module file -> mtime_ns when imported.
_imported: dict[str, int] = {}


def modules_changed() -> list[str]:
    """Source files of modules the server imported that changed (or went) since."""
    changed = []
    for path, mtime in _imported.items():
        try:
            if os.stat(path).st_mtime_ns != mtime:
                changed.append(path)
        except OSError:
            changed.append(path)
    return changed


def learn(names: list[str]) -> None:
    """Import what a build imported, in its order; note each module's file."""
    for name in names:
        if name in sys.modules or name.startswith("__"):
            continue
        # One not importable on its own (an alias, a stand-in) is left to the build, which imports it.
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and path not in _imported:
            with contextlib.suppress(OSError):
                _imported[path] = os.stat(path).st_mtime_ns


def forked_build(sphinx_args: Sequence[str], *, report_modules: bool = False) -> int:
    """``python -m sphinx build *sphinx_args`` in a child of this process; its exit status.

    With ``report_modules``, the child sends back the names of the modules
    it ended with, and this process imports them (:func:`learn`).
    """
    read_end, write_end = os.pipe() if report_modules else (-1, -1)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: a build as `python -m sphinx build` runs it, then out
        status = 1
        try:
            # As in a new process (the server's own handlers stop the server, not a build).
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if report_modules:
                os.close(read_end)
            from sphinx.cmd.build import main

            status = main(["build", *sphinx_args])
            if report_modules:
                with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                    pipe.write("\n".join(sys.modules))
        except SystemExit as stop:
            status = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    names = []
    if report_modules:
        os.close(write_end)
        with os.fdopen(read_end, encoding="utf-8") as pipe:
            names = pipe.read().split("\n")
    _, wait_status = os.waitpid(pid, 0)
    status = os.waitstatus_to_exitcode(wait_status)
    if names and status == 0:
        learn(names)
    return status


class ForkingBuilder(Builder):
    """sphinx-autobuild's ``Builder``, building in a forked child (:func:`forked_build`)."""

    def __call__(self, *, changed_paths: Sequence[Path] = ()) -> None:
        if changed_paths:
            shown = []
            for path in changed_paths[:5]:
                if path.exists():
                    with contextlib.suppress(ValueError):
                        path = path.relative_to(Path.cwd())
                    shown.append(path.as_posix())
            if shown:
                show_message(f"Detected changes ({', '.join(shown)})")
            show_message("Rebuilding...")
        if self._run_commands(self.pre_build_commands, "pre-build") != 0:
            return
        started = time.perf_counter()
        stale = modules_changed() if _imported else []
        if stale:
            show_message(f"{len(stale)} Python file(s) changed since the preview started ({stale[0]}, ...): "
                         "building in a new process; restart the preview to build in forked children again")
            show_command(["python", "-m", "sphinx", "build", *self.sphinx_args])
            status = subprocess.run([sys.executable, "-m", "sphinx", "build", *self.sphinx_args]).returncode
        else:
            show_command(["fork:", "sphinx", "build", *self.sphinx_args])
            status = forked_build(self.sphinx_args, report_modules=not _imported)
        if status != 0:
            print(f"Sphinx exited with exit code: {status}")
            print("The server will continue serving the build folder, but the contents being served are no "
                  "longer in sync with the documentation sources. Please fix the cause of the error above or "
                  "press Ctrl+C to stop the server.")
        else:
            self._run_commands(self.post_build_commands, "post-build")
        show_message(f"Built in {time.perf_counter() - started:.2f} s")
        show_message(f"Serving on {self.uri}")


def main(argv: Sequence[str]) -> None:
    autobuild.Builder = ForkingBuilder  # the one name sphinx-autobuild's main makes its builder from
    autobuild.main(list(argv))


if __name__ == "__main__":
    main(sys.argv[1:])
