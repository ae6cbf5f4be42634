"""Benchmark (not a test): import a generated Blogger export of 2,000 posts
and 10,000 comments, and print how long it takes.

    .venv/bin/python bench/import_blogger.py [--posts 2000] [--comments 10000]

The export is written to a scratch folder together with a copy of the
site's conf.py; the site itself is not touched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from techblog.legacy import importer  # noqa: E402
from techblog.tools.cli import load_rules  # noqa: E402

BLOG = "1234567890123456789"
HOST = "https://openstack-in-production.blogspot.com"
WORDS = ("nova cells ceph glance keystone puppet foreman rdo centos kubernetes magnum grafana collectd "
         "elastic hypervisor quota scheduler upgrade network volume image flavor project").split()
AUTHORS = ["Alice Martin", "Bruno Keller", "Chiara Rossi", "Daniel Okafor"]
LABELS = ["OpenStack", "Nova", "Ceph", "Puppet", "High Availability", "Zürich meet-up", "Monitoring", "RDO"]


def paragraph(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(posts: int, comments: int, rng: random.Random) -> str:
    out = [f"<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom' "
           f"xmlns:thr='http://purl.org/syndication/thread/1.0'><id>tag:blogger.com,1999:blog-{BLOG}</id>"
           f"<title type='text'>Bench blog</title><link rel='alternate' type='text/html' href='{HOST}/'/>"]
    kind = "<category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#{}'/>"
    start = dt.datetime(2010, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    urls = []
    for n in range(posts):
        when = start + dt.timedelta(hours=40 * n)
        url = f"{HOST}/{when:%Y}/{when:%m}/post-{n}.html"
        urls.append((n, url))
        body = "".join(f"<div>{paragraph(rng, 60)}<br /><br /></div>" for _ in range(8))
        body += f"<a name='more'></a><h3>Details</h3><pre>openstack server list --limit {n}</pre>"
        if n:
            body += f"<div>See <a href='{urls[rng.randrange(n)][1]}?m=1'>an older post</a>.</div>"
        labels = "".join(f"<category scheme='http://www.blogger.com/atom/ns#' term='{escape(label)}'/>"
                         for label in rng.sample(LABELS, 3))
        out.append(f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.post-{10**9 + n}</id>"
                   f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
                   f"{kind.format('post')}{labels}<title type='text'>Post number {n}</title>"
                   f"<content type='html'>{escape(body)}</content><link rel='alternate' type='text/html' "
                   f"href='{url}'/><author><name>{rng.choice(AUTHORS)}</name></author></entry>")
    for c in range(comments):
        n, url = urls[rng.randrange(posts)]
        when = start + dt.timedelta(hours=40 * n + 1 + c % 30)
        out.append(f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.post-{5 * 10**9 + c}</id>"
                   f"<published>{when.isoformat()}</published><updated>{when.isoformat()}</updated>"
                   f"{kind.format('comment')}<content type='html'>{escape(paragraph(rng, 30))}</content>"
                   f"<thr:in-reply-to ref='tag:blogger.com,1999:blog-{BLOG}.post-{10**9 + n}' href='{url}'/>"
                   f"<author><name>Reader {c % 97}</name></author></entry>")
    out.append("</feed>\n")
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch)
        shutil.copy(REPO / "conf.py", site / "conf.py")
        export = site / "blog-bench.xml"
        export.write_text(generate(args.posts, args.comments, random.Random(1)), encoding="utf-8")
        rules = load_rules(site)
        options = importer.Options(export=export, out=site / "legacy")
        started = time.perf_counter()
        report, changes, _ = importer.run(options, rules, HOST + "/")
        first = time.perf_counter() - started
        started = time.perf_counter()
        _, again, _ = importer.run(options, rules, HOST + "/")
        second = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"export: {export.stat().st_size / 1e6:.1f} MB, {args.posts} posts, {args.comments} comments")
        print(f"import: {first:.1f} s ({len(changes)} files written; posts {report['written']['posts']}, "
              f"comments {report['written']['comments']}, links rewritten {report['links']['rewritten']})")
        print(f"re-run: {second:.1f} s ({len(again)} files changed)")
        print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
