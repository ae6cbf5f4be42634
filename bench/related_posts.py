"""Time choosing every post's related posts (techblog/pages/next_reading.py)
on the benchmark corpus (bench/corpus.py: Zipf-like tags, 2016-2025).

Every build that reads a source works them out for every post (they decide
which pages are written again), so the target is a small part of an
incremental build: under 0.5 s at 1,000 posts. Prints one line per size and
exits 1 when the target is missed.

    python bench/related_posts.py [--sizes 100 1000 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

from techblog.pages.next_reading import Candidate, related_posts  # noqa: E402

TARGET_SECONDS = {1000: 0.5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    missed = False
    for size in args.sizes:
        posts = [Candidate(post.path, post.date.replace(tzinfo=dt.timezone.utc), tuple(post.tags))
                 for post in corpus.generate(size)]
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            chosen = related_posts(posts)
            best = min(best, time.perf_counter() - start)
        full = sum(len(found) == 3 for found in chosen.values())
        target = TARGET_SECONDS.get(size)
        verdict = "" if target is None else (" (target < %.1f s: %s)" % (target, "ok" if best < target else "MISSED"))
        missed |= target is not None and best >= target
        print(f"{size:>6} posts: {best * 1000:7.0f} ms, {full} with three related posts{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
