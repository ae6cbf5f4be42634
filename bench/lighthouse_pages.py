"""Benchmark (not a test): Lighthouse's scores and the bytes of a first visit,
for the home page, a post and a tag page, served as in production.

    .venv/bin/python bench/lighthouse_pages.py [--build DIR] [--pages PATH ...]

Builds the site into a scratch folder (or takes --build DIR), serves it with
nginx and the production files of deploy/nginx/ (gzip on, the ``.gz`` copies
the build writes, the Content-Security-Policy) and the comment server behind
it, as ``make prod-preview`` does, on 127.0.0.1. Then Lighthouse 12.2.3 (from
npm, pinned in bench/lighthouse/package-lock.json; ``make bench-pages``
installs it) runs each page once with its default mobile preset (a
mid-range phone on a throttled connection) in Debian's chromium, with an
empty cache. It prints, per page, the four category scores and the bytes
transferred (Lighthouse's total-byte-weight: every response of the first
visit, as sent over the network), and what cost points outside performance;
results go to bench/results/lighthouse-pages.json.

One run per page: on a shared machine the performance score moves by a few
points from run to run; the other scores and the bytes do not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from browser.conftest import CHROMIUM  # noqa: E402
from browser.servers import Isso, Nginx, free_port  # noqa: E402

LIGHTHOUSE = REPO / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
SITE = "/techblog"
PAGES = {
    "home": "index.html",
    "a post": "posts/2021/collectd-to-grafana.html",
    "tag page": "blog/tag/openstack.html",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# As the browser tests run Chromium (tests/browser/conftest.py), headless.
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"]
RESULTS = REPO / "bench" / "results" / "lighthouse-pages.json"


def build(out: Path) -> Path:
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", str(REPO), str(out)], check=True)
    return out


def lighthouse(url: str, report: Path) -> dict:
    """One Lighthouse run (mobile: its default), its JSON report."""
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}"]
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=600)
    return json.loads(report.read_text(encoding="utf-8"))


def where(audit: dict) -> list[str]:
    """What an audit found: the elements (CSS selectors) or messages, a few."""
    items = (audit.get("details") or {}).get("items") or []
    return [str((item.get("node") or {}).get("selector") or item.get("description") or item.get("source") or "")
            for item in items[:3]]


def summary(report: dict) -> dict:
    categories = report["categories"]
    audits = report["audits"]
    lost = {}
    for name in CATEGORIES[1:]:
        lost[name] = {ref["id"]: where(audits[ref["id"]]) for ref in categories[name]["auditRefs"]
                      if ref["weight"] and audits[ref["id"]]["score"] is not None
                      and audits[ref["id"]]["score"] < 1}
    return {
        "scores": {name: round(categories[name]["score"] * 100) for name in CATEGORIES},
        "transferred_bytes": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(audits["network-requests"]["details"]["items"]),
        "transferred_by_type": {item["resourceType"]: item["transferSize"]
                                for item in audits["resource-summary"]["details"]["items"] if item["transferSize"]},
        # what the bytes are: each request, largest first, as sent (gzipped or not)
        "largest": [{"url": item["url"].split("://", 1)[-1].split("/", 1)[-1], "transferred": item["transferSize"],
                     "type": item.get("resourceType", "")}
                    for item in sorted(audits["network-requests"]["details"]["items"],
                                       key=lambda item: -item.get("transferSize", 0))[:8]],
        "metrics": {key: round(audits[key]["numericValue"]) for key in
                    ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time")}
                   | {"cumulative-layout-shift": round(audits["cumulative-layout-shift"]["numericValue"], 3)},
        "failed_audits": lost,
        "lighthouse": report["lighthouseVersion"],
        "user_agent": report["environment"]["hostUserAgent"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", type=Path, help="a built site (default: build one into a scratch folder)")
    parser.add_argument("--pages", nargs="*", help="paths of pages to measure instead of the three defaults")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not LIGHTHOUSE.is_file():
        print(f"{LIGHTHOUSE} is missing: make bench-pages installs it (npm ci --prefix bench/lighthouse)",
              file=sys.stderr)
        return 1
    pages = {path: path for path in args.pages} if args.pages else PAGES
    with tempfile.TemporaryDirectory(prefix="techblog-lighthouse-") as scratch:
        scratch = Path(scratch)
        html = args.build.resolve() if args.build else build(scratch / "html")
        port, comments_port = free_port(), free_port()
        nginx = Nginx(scratch / "run", html, port, comments_port)
        isso = Isso(comments_port, nginx.origin, scratch / "run" / "comments.db", moderated=True)
        (scratch / "run").mkdir(exist_ok=True)
        results = {}
        nginx.start()
        try:
            isso.start()
            for name, path in pages.items():
                url = f"{nginx.origin}{SITE}/{path}"
                results[name] = {"path": path, **summary(lighthouse(url, scratch / "report.json"))}
                print(f"measured {name}", file=sys.stderr)
        finally:
            isso.stop()
            nginx.stop()

    print(f"Lighthouse {next(iter(results.values()))['lighthouse']}, mobile preset, nginx with gzip (deploy/nginx/)")
    print("| page | performance | accessibility | best practices | SEO | transferred |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, result in results.items():
        s = result["scores"]
        print(f"| {name} | {s['performance']} | {s['accessibility']} | {s['best-practices']} | {s['seo']} "
              f"| {result['transferred_bytes'] / 1024:.0f} KB |")
    for name, result in results.items():
        lost = {category: ids for category, ids in result["failed_audits"].items() if ids}
        if lost:
            print(f"{name}: points lost on {lost}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out.relative_to(REPO) if args.out.is_relative_to(REPO) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
