"""Benchmark (not a test): the bytes a reader's browser fetches for one search,
as the blog grows, measured in Chromium.

    .venv/bin/python bench/search_bytes.py [--sizes 100 1000] [--query "ceph upgrade"] [--keep DIR]

For each size N, bench/corpus.py writes a scratch copy of the site with N
generated posts (as bench/build_speed.py does), ``sphinx-build -b html -W``
builds it (Pagefind's index included), and the build is served on 127.0.0.1.
Chromium (Debian's, the browser tests' flags) opens ``search.html?q=QUERY``
with an empty cache and waits until the results are drawn and the network is
idle. Every response is counted at the size a production server sends it:
nginx with ``gzip_static`` (deploy/nginx/) sends the ``.gz`` the build wrote
beside a text file, and the rest as it is (Pagefind's chunks and WebAssembly
are gzipped by Pagefind). Printed per size:

- search: what the search itself fetches (``_static/techblog-search.js`` and
  everything under ``_pagefind/``), the figure the issue targets (< 150 KB at
  N=1000; Sphinx's ``searchindex.js`` was 1.3 MB, 296 KB gzipped, at N=1000);
- page: the search page's HTML, and the rest of what any page loads (theme
  styles, scripts, fonts);
- the index on disk, and the files fetched, largest first.

Writes bench/results/search-bytes.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))  # techblog: the test servers use it

import corpus  # noqa: E402
from browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from browser.servers import static_server  # noqa: E402

RESULTS = REPO / "bench" / "results" / "search-bytes.json"
KB = 1000
# A "now" after every generated post, so that all of them are published.
ENV = {"SOURCE_DATE_EPOCH": "1769904000"}


def build(site: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", str(site), str(out)],
                   check=True, env={**os.environ, **ENV})
    return time.perf_counter() - started


def sent_size(outdir: Path, url: str) -> int:
    """What nginx sends for this file: its .gz (gzip_static) when the build wrote one."""
    path = outdir / unquote(urlsplit(url).path).lstrip("/")
    gz = path.with_name(path.name + ".gz")
    return (gz if gz.is_file() else path).stat().st_size


def kind(url: str) -> str:
    path = urlsplit(url).path
    if "/_pagefind/" in path or path.endswith("/_static/techblog-search.js"):
        return "search"
    return "page"


def measure(browser, origin: str, outdir: Path, query: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    fetched = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    page.goto(f"{origin}/search.html?q={quote(query)}")
    page.locator("#techblog-search-results[aria-busy=false]").wait_for(state="attached", timeout=60_000)
    page.wait_for_load_state("networkidle")
    status = page.locator("#techblog-search-status").inner_text()
    shown = page.locator("#techblog-search-results > li").count()
    context.close()
    files = []
    for url in fetched:
        if not url.startswith(origin):
            raise SystemExit(f"a request left the site: {url}")
        files.append({"url": url.removeprefix(origin), "kind": kind(url), "sent": sent_size(outdir, url)})
    totals = {name: sum(f["sent"] for f in files if f["kind"] == name) for name in ("search", "page")}
    return {"status": status, "results_shown": shown, "requests": len(files),
            "search_requests": sum(f["kind"] == "search" for f in files), **{f"{k}_bytes": v for k, v in totals.items()},
            "files": sorted(files, key=lambda f: -f["sent"])}


def disk_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and path.suffix != ".gz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--query", default="ceph upgrade")
    parser.add_argument("--keep", type=Path, help="build the sites here and keep them (default: a scratch folder)")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for n in args.sizes:
                site = corpus.make_site(root / f"site-{n}", n)
                out = root / f"html-{n}"
                print(f"N={n}: building...", flush=True)
                seconds = build(site, out)
                with static_server(out) as origin:
                    result = measure(browser, origin, out, args.query)
                index = out / "_pagefind"
                result.update({"posts": n, "query": args.query, "build_seconds": round(seconds, 1),
                               "index_files": sum(1 for path in index.rglob("*") if path.is_file()),
                               "index_bytes": disk_size(index)})
                results.append(result)
            browser.close()

    for r in results:
        print(f"\nN={r['posts']}: search for {r['query']!r}: {r['status']} ({r['results_shown']} shown)")
        print(f"  search: {r['search_bytes'] / KB:7.1f} KB in {r['search_requests']} requests "
              f"(techblog-search.js and _pagefind/, as sent with gzip)")
        print(f"  page:   {r['page_bytes'] / KB:7.1f} KB in {r['requests'] - r['search_requests']} requests "
              f"(search.html and what every page loads)")
        print(f"  index on disk: {r['index_bytes'] / KB:.0f} KB in {r['index_files']} files; "
              f"built in {r['build_seconds']} s")
        print("  largest search files: " + ", ".join(
            f"{f['url']} {f['sent'] / KB:.1f}" for f in r["files"] if f["kind"] == "search")[:400])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
