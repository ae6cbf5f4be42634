"""Benchmark (not a test): the bytes a reader's browser fetches on a first
visit to a page (HTML, CSS, JS, fonts, images), measured in Chromium.

    .venv/bin/python bench/page_weight.py [--build DIR] [--posts N] [-D setting=value] [PAGE ...]

Builds the site into a scratch folder (or measures --build DIR), serves it on
127.0.0.1, opens each page with an empty cache, and counts every response
body the page loads until the network is idle. Prints a table per page and
writes bench/results/page-weight.json. The default pages are a post, a
legacy post and the home page; with ``--posts N``, the site generated with N
posts (bench/corpus.py) and its first post and home page. ``-D
techblog_trim_assets=0`` measures the theme's files as they are.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))  # techblog: the test servers use it

from browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from browser.servers import static_server  # noqa: E402

PAGES = ["posts/2021/collectd-to-grafana.html", "legacy/2013/11/keystone-and-active-directory.html", "index.html"]
KINDS = {"document": "HTML", "stylesheet": "CSS", "script": "JS", "font": "fonts", "image": "images"}


def build(out: Path, source: Path = REPO, settings: tuple[str, ...] = ()) -> Path:
    options = [arg for setting in settings for arg in ("-D", setting)]
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", *options, str(source), str(out)],
                   check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    return out


def generated(scratch: Path, posts: int, settings: tuple[str, ...]) -> tuple[Path, list[str]]:
    """A site of ``posts`` generated posts, built; its first post and home page."""
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import make_site, post_files

    source = make_site(scratch / "src", posts)
    first = post_files(source)[0].relative_to(source).with_suffix(".html").as_posix()
    return build(scratch / "html", source, settings), [first, "index.html"]


def weigh(browser, origin: str, page_path: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(f"{origin}/{page_path}", wait_until="networkidle")
    by_kind: dict[str, int] = defaultdict(int)
    files = []
    gzipped = 0
    for response in responses:
        try:
            body = response.body()
        except Exception:  # a failed request (the comment server is not running here): nothing transferred
            body = b""
        kind = KINDS.get(response.request.resource_type, "other")
        by_kind[kind] += len(body)
        # What a web server with gzip on (nginx's gzip_types) sends; fonts and images are compressed already.
        gzipped += len(gzip.compress(body, 6)) if kind in ("HTML", "CSS", "JS", "other") else len(body)
        files.append({"url": response.url.removeprefix(origin), "kind": kind, "bytes": len(body),
                      "status": response.status})
    context.close()
    return {"page": page_path, "total": sum(by_kind.values()), "gzipped": gzipped, "by_kind": dict(by_kind),
            "requests": len(files), "files": sorted(files, key=lambda f: -f["bytes"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, help="an existing HTML build to measure (default: build one)")
    parser.add_argument("--posts", type=int, help="measure a generated site of N posts (bench/corpus.py)")
    parser.add_argument("-D", dest="settings", action="append", default=[], help="a conf.py setting for the build")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        pages = args.pages or PAGES
        if args.build:
            site = args.build
        elif args.posts:
            site, pages = generated(Path(scratch), args.posts, tuple(args.settings))
            pages = args.pages or pages
        else:
            site = build(Path(scratch) / "html", settings=tuple(args.settings))
        with static_server(site) as origin, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results = [weigh(browser, origin, page) for page in pages]
            browser.close()

    for result in results:
        print(f"\n{result['page']}: {result['total'] / 1024:.0f} KiB in {result['requests']} requests "
              f"({result['gzipped'] / 1024:.0f} KiB with gzip)")
        for kind in ("HTML", "CSS", "JS", "fonts", "images", "other"):
            print(f"  {kind:7} {result['by_kind'].get(kind, 0) / 1024:8.1f} KiB")
        print("  largest: " + ", ".join(f"{f['url']} {f['bytes'] / 1024:.0f} KiB" for f in result["files"][:4]))
    out = REPO / "bench" / "results" / "page-weight.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
