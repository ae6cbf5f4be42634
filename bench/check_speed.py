"""Benchmark (not a test): how long ``python -m techblog check`` takes, the
front-matter check authors run before a commit (and the pre-commit hook).

    .venv/bin/python bench/check_speed.py [--sizes 1000] [--repeat 5] [--output FILE]

Times the whole command, interpreter start included (this Python,
``-m techblog --root ROOT check``, wall clock with perf_counter), on the real
site and on generated sites of N posts (bench/corpus.py, seeded), and, as a
yardstick, ``python -c pass``. Each measurement is the median of ``--repeat``
runs. Prints a table and writes bench/results/check-speed.json (``--output``;
with the load average before the run, since the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import corpus  # noqa: E402

RESULTS = REPO / "bench" / "results" / "check-speed.json"


def timed(argv: list[str], repeat: int) -> float:
    """Median wall-clock seconds of ``argv``, which must succeed."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout}{proc.stderr}")
    return statistics.median(times)


def check(root: Path) -> list[str]:
    return [sys.executable, "-m", "techblog", "--root", str(root), "check"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000], help="generated sites, N posts each")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    load = os.getloadavg()  # other processes share this machine: say how busy it was
    rows = [("python -c pass", None, timed([sys.executable, "-c", "pass"], args.repeat)),
            ("real site", len(corpus.post_files(REPO)), timed(check(REPO), args.repeat))]
    with tempfile.TemporaryDirectory(prefix="check-speed-") as tmp:
        for n in args.sizes:
            site = corpus.make_site(Path(tmp) / f"site-{n}", n)
            rows.append((f"generated, N = {n}", len(corpus.post_files(site)), timed(check(site), args.repeat)))

    print(f"{'what':<22} {'posts':>6} {'seconds':>8}")
    for what, posts, seconds in rows:
        print(f"{what:<22} {'' if posts is None else posts:>6} {seconds:>8.2f}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "load_average_before": [round(x, 2) for x in load],
        "results": [{"what": what, "posts": posts, "seconds": round(seconds, 3)} for what, posts, seconds in rows],
    }, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
