"""Benchmark (not a test): the author's loop in ``make serve``, from saving a
post to seeing the change in the browser.

    .venv/bin/python bench/serve_reload.py [--sizes 100 1000] [--edits 5] [--keep DIR]

For each size N, bench/corpus.py writes a scratch copy of the site with N
generated posts, and the real preview starts on it: ``python -m techblog serve``
(sphinx-autobuild and a local Isso) on free ports of 127.0.0.1. Once the first
build is served, headless Chromium (Debian's, the browser tests' flags) opens
the newest post and waits for sphinx-autobuild's reload socket to be open.

Then, ``--edits`` times: a paragraph with a new marker is appended to the
post's source, and the wall time is taken from that save to the moment the
browser has reloaded and shows the marker. Before the next edit the
preview's processes are left to finish what they do after a reload (they are
idle for half a second), as an author reads before saving again.

The server's output is read line by line as it comes (``PYTHONUNBUFFERED``),
which gives the breakdown of each edit: the watcher noticing the save
(``Detected changes``), the rebuild until sphinx-autobuild says ``Serving
on``, with its start-up (until Sphinx loads the pickled environment) and the
search index step (the time before the ``search index:`` line), and the
browser's reload after that: until the reload message reaches the page
(notify), and the page loading again (page load). Prints median and max per size and writes
bench/results/serve-reload.json.

Every process started is stopped at the end, on an error and on Ctrl-C: the
preview runs in a session of its own and its whole process group is
signalled.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))  # techblog: the test servers use it

import corpus  # noqa: E402
from browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from browser.servers import free_port  # noqa: E402

RESULTS = REPO / "bench" / "results" / "serve-reload.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Preview:
    """``python -m techblog serve`` on a site, its output lines kept with the time each arrived."""

    def __init__(self, site: Path, log: Path) -> None:
        self.port, self.comments_port = free_port(), free_port()
        while self.comments_port == self.port:
            self.comments_port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.lines: list[tuple[float, str]] = []
        self.log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "techblog", "--root", str(site), "serve", "--port", str(self.port),
             "--comments-port", str(self.comments_port)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            start_new_session=True, env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            now = time.perf_counter()
            line = ANSI.sub("", line.rstrip("\n"))
            self.lines.append((now, line))
            self.log.write(f"{now:.3f} {line}\n")
            self.log.flush()

    def wait_for(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"the preview stopped (exit {self.process.returncode}); see {self.log.name}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{url} not served after {timeout:.0f} s; see {self.log.name}") from None
                time.sleep(0.2)

    def cpu_ticks(self) -> int:
        """CPU time so far of the preview's live processes (its process group)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total

    def wait_idle(self, timeout: float) -> None:
        """Until the preview's processes use no CPU for half a second (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        before = self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_ticks()
            if now - before <= 1:
                return
            before = now

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the preview stops its servers itself
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever outlived it
        except ProcessLookupError:
            pass
        self.process.wait()
        self.reader.join(timeout=5)
        self.log.close()


def first_after(lines: list[tuple[float, str]], since: float, pattern: str) -> float | None:
    return next((t for t, line in lines if t >= since and pattern in line), None)


def breakdown(lines: list[tuple[float, str]], saved: float, shown: float, refreshes: list[float]) -> dict:
    """Where one edit's time went, from the server's output (None: the line was not seen)."""
    detected = first_after(lines, saved, "Detected changes")
    served = first_after(lines, saved, "Serving on")
    started = first_after(lines, saved, "[sphinx-autobuild] > ")
    environment = first_after(lines, saved, "loading pickled environment")
    indexed = first_after(lines, saved, "search index:")
    refreshed = next((t for t in refreshes if t >= saved), None)
    before_index = None
    if indexed is not None:
        before_index = max((t for t, _ in lines if saved <= t < indexed), default=None)

    def span(a, b):
        return None if a is None or b is None else b - a

    return {"detect": span(saved, detected), "rebuild": span(detected, served),
            "startup": span(started, environment), "search_index": span(before_index, indexed),
            "reload": span(served, shown), "notify": span(served, refreshed),
            "page_load": span(refreshed, shown)}


def reload_socket_open(page) -> None:
    # sphinx-autobuild's injected script keeps its socket in a global `ws`.
    page.wait_for_function("typeof ws !== 'undefined' && ws.readyState === 1", timeout=30_000)


def measure(browser, site: Path, n: int, edits: int, log: Path) -> dict:
    post = corpus.post_files(site)[-1]
    page_path = post.relative_to(site).with_suffix(".html").as_posix()
    preview = Preview(site, log)
    try:
        started = time.perf_counter()
        preview.wait_for(f"{preview.origin}/{page_path}", timeout=60 + n * 0.6)
        first_build = time.perf_counter() - started
        preview.wait_idle(timeout=120)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        # When the reload message reaches the browser (sent once the build is over).
        refreshes: list[float] = []
        page.on("websocket",
                lambda ws: ws.on("framereceived", lambda payload: refreshes.append(time.perf_counter())))
        page.goto(f"{preview.origin}/{page_path}")
        reload_socket_open(page)
        runs = []
        for i in range(edits):
            marker = f"Reload marker {i} {time.time_ns()}"
            with post.open("a", encoding="utf-8") as handle:
                handle.write(f"\n{marker}.\n")
            saved = time.perf_counter()
            page.get_by_text(marker).wait_for(timeout=120_000)
            shown = time.perf_counter()
            runs.append({"seconds": shown - saved, **breakdown(preview.lines, saved, shown, refreshes)})
            print(f"  edit {i + 1}: {shown - saved:.2f} s "
                  + " ".join(f"{k}={v:.2f}" for k, v in runs[-1].items() if k != "seconds" and v is not None),
                  flush=True)
            preview.wait_idle(timeout=120)
            reload_socket_open(page)
        context.close()
    finally:
        preview.stop()
    seconds = [run["seconds"] for run in runs]
    return {"posts": n, "page": page_path, "first_build_seconds": first_build, "edits": runs,
            "median": statistics.median(seconds), "max": max(seconds)}


def median_of(runs: list[dict], key: str) -> str:
    values = [run[key] for run in runs if run[key] is not None]
    return f"{statistics.median(values):.2f}" if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--edits", type=int, default=5, help="edits per size (default: 5)")
    parser.add_argument("--keep", type=Path, help="write the sites and logs here and keep them "
                        "(default: a scratch folder)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    if not os.environ.get("TECHBLOG_COMMENTS_PYTHON"):
        from comment_env import comments_python

        comments_python()  # the preview's Isso runs in its own environment, made on first use
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for n in args.sizes:
                    site = corpus.make_site(root / f"site-{n}", n)
                    # The preview's Isso reads the site's comments/isso.cfg, which the corpus leaves out.
                    (site / "comments").mkdir(exist_ok=True)
                    shutil.copyfile(REPO / "comments" / "isso.cfg", site / "comments" / "isso.cfg")
                    print(f"N={n}: starting the preview...", flush=True)
                    results.append(measure(browser, site, n, args.edits, root / f"serve-{n}.log"))
            finally:
                browser.close()

    print(f"\n{'posts':>6} {'edits':>5} {'median':>7} {'max':>6}   median of: detect rebuild (startup, "
          "search index) reload (notify, page load)   first build")
    for r in results:
        runs = r["edits"]
        print(f"{r['posts']:>6} {len(runs):>5} {r['median']:>6.2f}s {r['max']:>5.2f}s   "
              f"{median_of(runs, 'detect')} {median_of(runs, 'rebuild')} ({median_of(runs, 'startup')}, "
              f"{median_of(runs, 'search_index')}) {median_of(runs, 'reload')} ({median_of(runs, 'notify')}, "
              f"{median_of(runs, 'page_load')})   {r['first_build_seconds']:.1f}s")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                                       "python": platform.python_version(), "load_average": os.getloadavg(),
                                       "results": results}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")


def interrupted(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupted)  # stopped from outside: stop the preview too
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
