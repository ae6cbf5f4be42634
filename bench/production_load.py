"""Benchmark (not a test): the production stack under load, and its faults.

    .venv/bin/python bench/production_load.py [--seconds 60] [--readers 16] [--posts-per-second 2]

Starts nginx and Isso on 127.0.0.1 with the files of deploy/ (as ``make
prod-preview`` does: production settings, moderation on), on a build of the
site, then for ``--seconds``:

- readers, each on a keep-alive connection, fetch pages of the site, feeds
  and comment counts (``POST /comments/count``, as listings do);
- a writer posts comments at a steady rate, each from a loopback address of
  its own /24 (127.0.N.1), so Isso's per-reader rate limit counts readers as
  it does behind nginx in production;
- at a third of the run Isso is killed (SIGKILL) and started again a few
  seconds later; at two thirds a backup of its database is taken while the
  writer goes on.

Then it counts: every comment whose POST was acknowledged (201/202) must be
in the database; the backup is restored into a fresh folder, Isso is started
on it, and every comment acknowledged before the backup began must be there.
Loopback only, bounded in time (``--seconds``, every request times out after
10 s) and in count. Prints a table and writes
bench/results/production-load.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser.servers import Isso, Nginx, free_port  # noqa: E402
from techblog.tools import comment_backup  # noqa: E402

TIMEOUT = 10.0
PREFIX = "/techblog"  # where deploy/nginx/ serves the site (the path of blog_baseurl)
ADMIN_PASSWORD = "load-bench-admin"


class Stack:
    """nginx with deploy/nginx/ and Isso with the production settings (moderation on), as
    ``make prod-preview`` runs them, on free loopback ports."""

    def __init__(self, html: Path, run: Path) -> None:
        self.port, self.isso_port = free_port(), free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.db = run / "comments" / "comments.db"
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.nginx = Nginx(run / "nginx", html, self.port, self.isso_port)
        self.isso: Isso | None = None

    def start_isso(self) -> None:
        self.isso = Isso(self.isso_port, self.origin, self.db, moderated=True,
                         env={"ISSO_ADMIN_PASSWORD": ADMIN_PASSWORD}).start()

    def kill_isso(self) -> None:
        """As a crash would: SIGKILL, no chance to finish anything."""
        self.isso.process.kill()
        self.isso.process.wait()

    def __enter__(self) -> "Stack":
        self.start_isso()
        self.nginx.start()
        return self

    def __exit__(self, *exc) -> None:
        self.nginx.stop()
        if self.isso is not None:
            self.isso.stop()


def build_site(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "-d", str(out.parent / "doctrees"),
                    str(REPO), str(out)], check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    return out


def comments_served(db: Path, comments: list[tuple[int, str, str]]) -> int:
    """How many of ``comments`` (id, author's cookie, text) Isso, started on ``db``, serves back."""
    port = free_port()
    isso = Isso(port, "http://127.0.0.1:1", db, moderated=True).start()
    served = 0
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        for id, cookie, text in comments:
            # Pending comments are shown only to their author, by the cookie Isso gave with its answer.
            connection.request("GET", f"/id/{id}?plain=1", headers={"Cookie": cookie.split(";")[0]})
            response = connection.getresponse()
            body = response.read()
            served += response.status == 200 and json.loads(body)["text"] == text
        connection.close()
    finally:
        isso.stop()
    return served


@dataclass
class Sample:
    kind: str
    started: float  # seconds since the run began
    seconds: float
    status: int  # 0: no answer (connection refused, reset or timed out)


@dataclass
class Record:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


class Client:
    """One keep-alive HTTP/1.1 connection to nginx, from a chosen loopback address."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.port = port
        self.source = source
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes, http.client.HTTPMessage | None]:
        for attempt in (1, 2):  # a kept-alive connection closed by the server is opened again once
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT,
                                                             source_address=(self.source, 0))
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data, response.headers
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def timed(record: Record, began: float, kind: str, client: Client, method: str, path: str, **kwargs):
    start = time.monotonic()
    try:
        status, data, headers = client.request(method, path, **kwargs)
    except (OSError, http.client.HTTPException):  # no answer, or one cut short
        status, data, headers = 0, b"", None
    record.add(Sample(kind, start - began, time.monotonic() - start, status))
    return status, data, headers


def site_paths(html: Path) -> tuple[list[str], list[str], list[str]]:
    """Pages, feeds, and the comment threads of posts (for counts), from the built site."""
    pages = sorted(f"{PREFIX}/" + p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if not p.relative_to(html).parts[0].startswith(("_", ".")))
    feeds = sorted(f"{PREFIX}/" + p.relative_to(html).as_posix() for p in html.rglob("atom.xml"))
    threads = [p for p in pages if p.startswith((f"{PREFIX}/posts/", f"{PREFIX}/legacy/")) and "/index" not in p]
    return pages, feeds, threads


def reader(stop: threading.Event, record: Record, began: float, port: int, paths, seed: int) -> None:
    pages, feeds, threads = paths
    rng = random.Random(seed)
    client = Client(port)
    while not stop.is_set():
        roll = rng.random()
        if roll < 0.7:
            timed(record, began, "page", client, "GET", rng.choice(pages), headers={"Accept-Encoding": "gzip"})
        elif roll < 0.85:
            timed(record, began, "feed", client, "GET", rng.choice(feeds), headers={"Accept-Encoding": "gzip"})
        else:
            body = json.dumps(rng.sample(threads, min(10, len(threads)))).encode()
            timed(record, began, "count", client, "POST", "/comments/count", body=body,
                  headers={"Content-Type": "application/json"})
    client.close()


@dataclass
class Posted:
    text: str
    thread: str
    started: float
    status: int
    id: int | None = None
    cookie: str | None = None  # the author's cookie: Isso shows a pending comment to its author only


def writer(stop: threading.Event, record: Record, began: float, port: int, origin: str, threads: list[str],
           rate: float, posted: list[Posted]) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        # A /24 of its own per comment: Isso counts readers by address truncated to /24.
        client = Client(port, source=f"127.{n // 250 % 250}.{n % 250 + 1}.1")
        thread = threads[n % len(threads)]
        text = f"Load comment {n} ({os.getpid()})"
        body = json.dumps({"text": text, "author": f"Reader {n}"}).encode()
        start = time.monotonic() - began
        status, data, headers = timed(record, began, "post", client, "POST", f"/comments/new?uri={thread}",
                                      body=body, headers={"Content-Type": "application/json", "Origin": origin})
        client.close()
        comment = Posted(text, thread, start, status)
        if status in (201, 202):
            comment.id = json.loads(data)["id"]
            comment.cookie = headers.get("Set-Cookie")  # "<id>=..."; X-Set-Cookie's copy is named isso-<id>
        posted.append(comment)
        stop.wait(max(0.0, n / rate - (time.monotonic() - began)))


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def summary(samples: list[Sample], seconds: float) -> dict:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    table = {}
    for kind in ("page", "feed", "count", "post"):
        rows = by_kind.get(kind, [])
        answered = [s.seconds * 1000 for s in rows if s.status]
        table[kind] = {
            "requests": len(rows),
            "per_second": round(len(rows) / seconds, 1),
            "p50_ms": round(percentile(answered, 50), 2) if answered else None,
            "p99_ms": round(percentile(answered, 99), 2) if answered else None,
            "5xx": sum(1 for s in rows if s.status >= 500),
            "4xx": sum(1 for s in rows if 400 <= s.status < 500),
            "no_answer": sum(1 for s in rows if s.status == 0),
        }
    return table


def stored_texts(db: Path) -> set[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return {row[0] for row in connection.execute("SELECT text FROM comments")}


def print_table(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"{'kind':<6} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'5xx':>5} {'4xx':>5} {'none':>5}")
    for kind, row in table.items():
        p50 = "-" if row["p50_ms"] is None else f"{row['p50_ms']:.1f}"
        p99 = "-" if row["p99_ms"] is None else f"{row['p99_ms']:.1f}"
        print(f"{kind:<6} {row['requests']:>9} {row['per_second']:>8} {p50:>8} {p99:>8} {row['5xx']:>5} "
              f"{row['4xx']:>5} {row['no_answer']:>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--posts-per-second", type=float, default=2.0)
    parser.add_argument("--build", type=Path, help="a built site to serve (default: build one)")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds Isso stays down")
    args = parser.parse_args()
    if not 5 <= args.seconds <= 600 or not 1 <= args.readers <= 256 or not 0 < args.posts_per_second <= 50:
        parser.error("expected 5..600 seconds, 1..256 readers, 0..50 posts a second")

    with tempfile.TemporaryDirectory(prefix="production-load-") as scratch:
        scratch = Path(scratch)
        html = args.build or build_site(scratch / "html")
        stack = Stack(html, scratch / "run")
        with stack:
            origin = stack.origin
            paths = site_paths(html)
            record = Record()
            posted: list[Posted] = []
            stop = threading.Event()
            began = time.monotonic()
            workers = [threading.Thread(target=reader, args=(stop, record, began, stack.port, paths, i))
                       for i in range(args.readers)]
            workers.append(threading.Thread(target=writer, args=(stop, record, began, stack.port, origin,
                                                                 paths[2], args.posts_per_second, posted)))
            for worker in workers:
                worker.start()
            events = {}
            try:
                time.sleep(args.seconds / 3)
                events["isso_killed"] = round(time.monotonic() - began, 2)
                stack.kill_isso()
                time.sleep(args.outage)
                stack.start_isso()
                events["isso_back"] = round(time.monotonic() - began, 2)
                time.sleep(max(0.0, 2 * args.seconds / 3 - (time.monotonic() - began)))
                backup_began = time.monotonic() - began
                backup = scratch / "backup.db"
                print(comment_backup.backup(stack.db, str(backup)))
                events["backup"] = [round(backup_began, 2), round(time.monotonic() - began, 2)]
                time.sleep(max(0.0, args.seconds - (time.monotonic() - began)))
            finally:
                stop.set()
                for worker in workers:
                    worker.join()
            elapsed = time.monotonic() - began
            time.sleep(0.5)
            stored = stored_texts(stack.db)
        acknowledged = [p for p in posted if p.status in (201, 202)]
        lost = [p.text for p in acknowledged if p.text not in stored]
        before_backup = [p for p in acknowledged if p.started < backup_began]
        restored_db = scratch / "restored" / "comments.db"
        restored_db.parent.mkdir()
        print(comment_backup.restore(backup, restored_db))
        in_backup = stored_texts(restored_db)
        missing_from_backup = [p.text for p in before_backup if p.text not in in_backup]
        opened = comments_served(restored_db, [(p.id, p.cookie, p.text) for p in before_backup])

    samples = record.samples
    outage = (events["isso_killed"], events["isso_back"] + 1.0)
    steady = [s for s in samples if not outage[0] <= s.started <= outage[1]]
    result = {
        "seconds": round(elapsed, 1),
        "readers": args.readers,
        "posts_per_second": args.posts_per_second,
        "events": events,
        "all": summary(samples, elapsed),
        "outside_outage": summary(steady, elapsed - (outage[1] - outage[0])),
        "pages_5xx_during_outage": sum(1 for s in samples if s.kind in ("page", "feed") and s.status >= 500
                                       and outage[0] <= s.started <= outage[1]),
        "comments": {
            "posted": len(posted),
            "acknowledged": len(acknowledged),
            "acknowledged_in_database": len(acknowledged) - len(lost),
            "lost": lost,
            "acknowledged_before_backup": len(before_backup),
            "in_restored_backup": len(before_backup) - len(missing_from_backup),
            "missing_from_backup": missing_from_backup,
            "restored_backup_served_by_isso": opened,
        },
    }
    print(f"{args.readers} readers and {args.posts_per_second:g} comment posts a second for {elapsed:.0f} s "
          f"through nginx; Isso killed at {events['isso_killed']} s, back at {events['isso_back']} s; "
          f"backup from {events['backup'][0]} s to {events['backup'][1]} s")
    print_table("all requests", result["all"])
    print_table("outside the outage (Isso down, and 1 s after)", result["outside_outage"])
    c = result["comments"]
    print(f"\npages and feeds answered 5xx while Isso was down: {result['pages_5xx_during_outage']}")
    print(f"comments: {c['posted']} posted, {c['acknowledged']} acknowledged, "
          f"{c['acknowledged_in_database']} of them in the database ({len(lost)} lost)")
    print(f"backup: {c['in_restored_backup']} of the {c['acknowledged_before_backup']} comments acknowledged "
          f"before it began are in the restored copy; Isso, started on it, serves {opened} of them back")
    out = REPO / "bench" / "results" / "production-load.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    ok = (not lost and not missing_from_backup and opened == len(before_backup)
          and result["outside_outage"]["page"]["5xx"] == 0 and result["pages_5xx_during_outage"] == 0)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
