"""Benchmark (not a test): how long the site takes to build with N posts,
from scratch and incrementally, with Pelican on the same posts as a yardstick.

    .venv/bin/python bench/build_speed.py [--sizes 100 1000] [--jobs N|auto] [--repeat K]
                                          [--more] [--no-pelican] [--keep DIR] [--seed 1]

For each size N, bench/corpus.py writes a scratch copy of the site with N
generated posts of about 800 words, then ``sphinx-build -b html -W
--keep-going`` (this Python, ``-m sphinx``; ``-j`` from ``--jobs``) is timed:

- clean: a full build into an empty output folder;
- no-op: the same build again, nothing changed;
- edit: after a paragraph in the body of one post changed;
- add: after a new post (newer than all others) was written;
- with ``--more`` also: excerpt (the first paragraph of a post, which
  listings show, changed), retag (a tag added to a post), delete (a post
  removed).

Each build runs in a small wrapper process, which times it (perf_counter),
and reports the peak memory: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of the
wrapper, i.e. the largest resident set of the build process and of every
process it forked and waited for (``-j`` workers), plus the peak of the
whole process tree's PSS sampled from /proc every 0.2 s (what ``-j`` workers
use together, shared pages counted once), the CPU time of the build, and
the CPU time other processes took meanwhile (from /proc/stat; a line is
flagged when they kept more than a quarter of a CPU busy, since wall-clock
times on 2 cores then suffer). Output size: the HTML folder without
``.doctrees``, and ``.doctrees`` on its own.

Pelican (pinned below) is installed with Markdown into a venv under
bench/.cache/ on first use and builds the same posts (default theme, pages
of 20, a feed per tag, category and author): a clean build only. Skip it with
``--no-pelican``; if it cannot be installed the reason is printed and the
run goes on without it.

Prints a table and writes bench/results/build-speed.json (``--output``; with the machine,
Python and package versions). Each measurement runs once, or ``--repeat K``
times and the median is kept (each repeated add writes one more post).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

PELICAN = "4.12.0"
MARKDOWN = "3.11.3"
CACHE = REPO / "bench" / ".cache"
RESULTS = REPO / "bench" / "results" / "build-speed.json"
PACKAGES = [
    "sphinx",
    "ablog",
    "myst-parser",
    "pydata-sphinx-theme",
    "docutils",
    "markdown-it-py",
    "jinja2",
    "pygments",
    "sphinxext-opengraph",
    "sphinx-sitemap",
    "sphinx-reredirects",
    "sphinx-notfound-page",
]
CHANGES = ["edit", "add"]
MORE = ["excerpt", "retag", "delete"]

# Runs one build (argv[1:]) and prints what it measured as JSON on its last line.
WRAPPER = r"""
import json, os, resource, subprocess, sys, time

def tree(root):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found

def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def busy_seconds():
    # CPU time the whole machine spent busy (not idle or waiting for I/O) so far
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")

log = open(os.environ.pop("BENCH_LOG"), "w")
machine_before = busy_seconds()
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=log, stderr=subprocess.STDOUT)
peak_tree = 0
while proc.poll() is None:
    peak_tree = max(peak_tree, sum(pss_kib(pid) for pid in tree(proc.pid)))
    time.sleep(0.2)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
me = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime
others = busy_seconds() - machine_before - cpu - me.ru_utime - me.ru_stime
print(json.dumps({"seconds": seconds, "returncode": proc.returncode, "maxrss_kib": usage.ru_maxrss,
                  "tree_pss_peak_kib": peak_tree, "cpu_seconds": cpu,
                  "others_cpu_seconds": max(0.0, others)}))
"""


class BuildFailed(RuntimeError):
    pass


def run_measured(argv: list[str], cwd: Path, log: Path, env: dict | None = None) -> dict:
    """Run a build in the wrapper; seconds, peak memory, and the log's last lines on failure."""
    environ = {**os.environ, "NO_COLOR": "1", "BENCH_LOG": str(log), **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv], cwd=cwd, env=environ, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise BuildFailed(f"wrapper failed: {proc.stderr.strip()}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["returncode"] != 0:
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:])
        raise BuildFailed(f"{' '.join(argv[:4])} ... exited {result['returncode']}; {log}:\n{tail}")
    return result


def folder_bytes(path: Path, skip: str | None = None) -> int:
    total = 0
    for root, dirs, files in os.walk(path):
        if skip and skip in dirs:
            dirs.remove(skip)
        total += sum(os.lstat(os.path.join(root, name)).st_size for name in files)
    return total


def sphinx_activity(log: Path) -> dict:
    """What Sphinx says it did: documents read, pages written (from its log)."""
    text = log.read_text(encoding="utf-8", errors="replace")
    updating = re.search(r"updating environment: (.*)", text)
    return {
        "environment": updating.group(1).strip() if updating else None,
        "read": len(re.findall(r"^reading sources\.\.\. \[", text, re.M)),
        "written": len(re.findall(r"^writing output\.\.\. \[", text, re.M)),
    }


class SphinxSite:
    def __init__(self, site: Path, jobs: str | None, logs: Path) -> None:
        self.site = site
        self.out = site / "_build" / "html"
        self.jobs = jobs
        self.logs = logs
        self.count = 0

    def build(self, label: str) -> dict:
        self.count += 1
        log = self.logs / f"{self.count:02d}-{label}.log"
        argv = [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "--keep-going",
            *(["-j", self.jobs] if self.jobs else []),
            str(self.site),
            str(self.out),
        ]
        result = run_measured(argv, self.site, log)
        result.update(sphinx_activity(log))
        return result


def busy(runs: list[dict]) -> str:
    """A warning when other processes used the CPUs during a build
    (wall-clock times suffer, CPU times less)."""
    share = max(run["others_cpu_seconds"] / run["seconds"] for run in runs)
    return f"  [other processes kept {share:.1f} CPUs busy meanwhile]" if share > 0.25 else ""


def median_of(runs: list[dict]) -> dict:
    seconds = statistics.median(run["seconds"] for run in runs)
    return {
        "seconds": seconds,
        "cpu_seconds": statistics.median(run["cpu_seconds"] for run in runs),
        "peak_mib": max(run["maxrss_kib"] for run in runs) / 1024,
        "tree_pss_peak_mib": max(run["tree_pss_peak_kib"] for run in runs) / 1024,
        "runs": runs,
    }


def bench_sphinx(n: int, args, scratch: Path) -> dict:
    site = scratch / f"sphinx-{n}"
    started = time.perf_counter()
    corpus.make_site(site, n, args.seed)
    generated = time.perf_counter() - started
    logs = scratch / f"logs-{n}"
    logs.mkdir(exist_ok=True)
    sphinx = SphinxSite(site, args.jobs, logs)
    measured: dict[str, dict] = {}

    def step(name: str, change=None) -> None:
        runs = []
        for k in range(args.repeat):
            if name == "clean":
                shutil.rmtree(site / "_build", ignore_errors=True)
            elif change:
                change(k)
            runs.append(sphinx.build(name))
        measured[name] = median_of(runs)
        last = runs[-1]
        print(
            f"  N={n} sphinx {name:8} {measured[name]['seconds']:7.1f} s  "
            f"(CPU {measured[name]['cpu_seconds']:.1f} s; "
            f"read {last['read']}, wrote {last['written']}; {last['environment'] or '-'}){busy(runs)}",
            flush=True,
        )

    step("clean")
    sizes = {
        "html_bytes": folder_bytes(sphinx.out, skip=".doctrees"),
        "doctrees_bytes": folder_bytes(sphinx.out / ".doctrees"),
        "files": sum(len(files) for _, _, files in os.walk(sphinx.out)),
    }
    step("no-op")
    step("edit", lambda k: corpus.edit_post(site, seed=k))
    step("add", lambda k: corpus.add_post(site, seed=k))
    if args.more:
        step("excerpt", lambda k: corpus.edit_post(site, excerpt=True, seed=100 + k))
        step("retag", lambda k: corpus.retag_post(site))
        step("delete", lambda k: corpus.delete_post(site))
    return {
        "n": n,
        "tool": "sphinx",
        "jobs": args.jobs or "1",
        "generate_seconds": generated,
        "measurements": measured,
        **sizes,
    }


def pelican_python(quiet: bool = False) -> Path | str:
    """The scratch venv's Python with Pelican installed, or why there is none."""
    venv = CACHE / f"pelican-{PELICAN}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.is_file() and python.exists():
        return python
    print(
        f"installing pelican=={PELICAN} and markdown=={MARKDOWN} into {venv.relative_to(REPO)} ...",
        flush=True,
    )
    shutil.rmtree(venv, ignore_errors=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"pelican=={PELICAN}",
            f"markdown=={MARKDOWN}",
        ],
    ]
    for argv in steps:
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"{' '.join(argv[:4])}: {err}"
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            return f"{' '.join(argv[:4])} exited {proc.returncode}: {lines[-1] if lines else ''}"
    stamp.touch()
    return python


def bench_pelican(n: int, args, scratch: Path, python: Path) -> dict:
    site = scratch / f"pelican-{n}"
    corpus.make_pelican_site(site, n, args.seed)
    out = site / "output"
    runs = []
    for k in range(args.repeat):
        shutil.rmtree(out, ignore_errors=True)
        log = scratch / f"logs-{n}" / f"pelican-{k}.log"
        log.parent.mkdir(exist_ok=True)
        runs.append(
            run_measured(
                [
                    str(python),
                    "-m",
                    "pelican",
                    "content",
                    "-o",
                    str(out),
                    "-s",
                    "pelicanconf.py",
                    "--fatal",
                    "warnings",
                ],
                site,
                log,
            )
        )
    measured = {"clean": median_of(runs)}
    print(
        f"  N={n} pelican clean    {measured['clean']['seconds']:7.1f} s  "
        f"(CPU {measured['clean']['cpu_seconds']:.1f} s){busy(runs)}",
        flush=True,
    )
    return {
        "n": n,
        "tool": "pelican",
        "jobs": "1",
        "measurements": measured,
        "html_bytes": folder_bytes(out),
        "doctrees_bytes": 0,
        "files": sum(len(files) for _, _, files in os.walk(out)),
    }


def machine(pelican: Path | str | None) -> dict:
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory = 0
    try:
        memory = (
            int(next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))) * 1024
        )
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    techblog = re.search(
        r'__version__ = "([^"]+)"', (REPO / "techblog" / "__init__.py").read_text(encoding="utf-8")
    )
    versions["techblog"] = techblog.group(1) if techblog else None
    if isinstance(pelican, Path):
        proc = subprocess.run(
            [
                str(pelican),
                "-c",
                "import importlib.metadata as m, sys; "
                "print(m.version('pelican'), m.version('markdown'), sys.version.split()[0])",
            ],
            capture_output=True,
            text=True,
        )
        if proc.returncode == 0:
            pel, md, py = proc.stdout.split()
            versions.update({"pelican": pel, "markdown": md, "pelican-python": py})
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "memory_bytes": memory,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "packages": versions,
    }


def fmt(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f} s"


def table(results: list[dict], changes: list[str]) -> str:
    columns = ["clean", "no-op", *changes]
    head = (
        f"{'N':>6}  {'tool':8}"
        + "".join(f"{name:>9}" for name in columns)
        + f"{'peak MiB':>10}{'output MiB':>12}"
    )
    lines = [head, "-" * len(head)]
    for result in results:
        measured = result["measurements"]
        cells = "".join(
            f"{fmt(measured[name]['seconds'] if name in measured else None):>9}" for name in columns
        )
        peak = max(m["peak_mib"] for m in measured.values())
        lines.append(
            f"{result['n']:>6}  {result['tool']:8}{cells}{peak:>10.0f}{result['html_bytes'] / 2**20:>12.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], metavar="N")
    parser.add_argument("--jobs", "-j", help="passed to sphinx-build -j (a number or 'auto'); default: none")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where the JSON goes (default: {RESULTS})")
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="K", help="run each measurement K times, keep the median"
    )
    parser.add_argument(
        "--more", action="store_true", help="also time an excerpt edit, a retag and a deletion"
    )
    parser.add_argument("--no-pelican", action="store_true", help="skip the Pelican yardstick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="build in DIR and keep the sites, logs and output"
    )
    args = parser.parse_args()

    pelican = None
    if not args.no_pelican:
        pelican = pelican_python()
        if isinstance(pelican, str):
            print(f"Pelican skipped: {pelican}", flush=True)

    results = []
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        scratch = args.keep or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            try:
                results.append(bench_sphinx(n, args, scratch))
            except BuildFailed as err:
                # Under -W any warning fails the build (an extension not safe for -j, say).
                sys.exit(
                    f"N={n}: the Sphinx build failed, so nothing was measured "
                    f"(--keep DIR keeps the logs): {err}"
                )
            if isinstance(pelican, Path):
                try:
                    results.append(bench_pelican(n, args, scratch, pelican))
                except BuildFailed as err:
                    print(f"  N={n} pelican failed: {err}", flush=True)

    changes = CHANGES + (MORE if args.more else [])
    print()
    print(table(results, changes))
    if args.jobs:
        for result in results:
            if result["tool"] == "sphinx":
                tree = max(m["tree_pss_peak_mib"] for m in result["measurements"].values())
                print(
                    f"N={result['n']} with -j {args.jobs}: "
                    f"all build processes together peaked at {tree:.0f} MiB (PSS)"
                )
    for result in results:
        if result["tool"] == "sphinx":
            print(
                f"N={result['n']}: .doctrees {result['doctrees_bytes'] / 2**20:.1f} MiB, "
                f"{result['files']} files in the output"
            )

    data = {
        "benchmark": "build-speed",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": {
            "sizes": args.sizes,
            "jobs": args.jobs,
            "repeat": args.repeat,
            "seed": args.seed,
            "more": args.more,
            "pelican": isinstance(pelican, Path),
            "pelican_skipped": pelican if isinstance(pelican, str) else None,
        },
        "machine": machine(pelican),
        "results": results,
    }
    output = args.output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {output.relative_to(REPO) if output.is_relative_to(REPO) else output}")


if __name__ == "__main__":
    main()
