"""Benchmark corpus (not a test): a scratch copy of the site with N generated
posts, for timing builds (bench/build_speed.py) and for tests.

    .venv/bin/python bench/corpus.py DEST [--posts 1000] [--seed 1] [--pelican DIR]

From other scripts::

    from corpus import make_site, edit_post, add_post, retag_post, delete_post
    site = make_site(Path("/tmp/site"), 1000)        # seeded: same N and seed, same bytes
    edit_post(site)                                   # a paragraph of one post rewritten
    add_post(site)                                    # a new post, newer than all others

The copy holds the site's own conf.py, _templates/, _static/ (any top-level
_folder but _build), techblog/, the landing pages (index.md, about.md and any
other top-level page but the README, posts/index.md, legacy/index.md and the
old blog's page legacy/pages/) and an empty legacy/redirects.csv (header
only); none of the real posts. Three categories used only here are
appended to the copied conf.py, so posts use 8 categories, 40 tags and 3
authors, dated over ten years (2016-2025).

Each post has about 800 words: paragraphs under a few ``##`` headings, a
code block, a list, sometimes a table, a note or a link to another generated
post. Posts of the ``legacy`` category live where the importer puts old
posts, ``legacy/YYYY/MM/slug.md`` (with ``original_url``), the others in
``posts/YYYY/slug.md``; that also keeps the legacy landing page's toctree
glob from matching nothing, which is an (unsuppressible) warning under -W.

The same posts can be written for Pelican (:func:`make_pelican_site`), as a
yardstick.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# What the site needs to build, besides posts (see conf.py: templates_path,
# html_static_path, techblog_redirects, and the toctrees of index.md): also
# every other top-level page (*.md but the README) and folder named _* (but _build), and the talks.
SITE_FILES = ["conf.py", "index.md", "about.md", "posts/index.md", "legacy/index.md"]
SITE_DIRS = ["_templates", "_static", "techblog", "legacy/pages", "talks"]

AUTHORS = ["alice", "bruno", "chiara"]
AUTHOR_NAMES = {"alice": "Alice Martin", "bruno": "Bruno Keller", "chiara": "Chiara Rossi"}
BENCH_CATEGORIES = {
    "storage": ("Storage", "Block, object and file storage (benchmark corpus only)."),
    "networking": ("Networking", "Networks, load balancers and DNS (benchmark corpus only)."),
    "tooling": ("Tooling", "The scripts and services that keep us sane (benchmark corpus only)."),
}
CATEGORIES = ["operations", "upstream", "announcements", "events", "legacy", *BENCH_CATEGORIES]
CATEGORY_NAMES = {
    "operations": "Operations",
    "upstream": "Upstream",
    "announcements": "Announcements",
    "events": "Events",
    "legacy": "Legacy",
    **{key: name for key, (name, _) in BENCH_CATEGORIES.items()},
}
# 40 tags, most used first (picked with Zipf-like weights). index.md links to tag-openstack.
TAGS = [
    "openstack",
    "ceph",
    "kubernetes",
    "nova",
    "puppet",
    "monitoring",
    "grafana",
    "upgrades",
    "neutron",
    "keystone",
    "cinder",
    "glance",
    "foreman",
    "rdo",
    "centos",
    "elastic",
    "collectd",
    "magnum",
    "ironic",
    "performance",
    "security",
    "networking",
    "rabbitmq",
    "mariadb",
    "haproxy",
    "ansible",
    "python",
    "containers",
    "high availability",
    "scheduling",
    "quotas",
    "gpu",
    "summit",
    "community",
    "logging",
    "backups",
    "dns",
    "capacity planning",
    "ci",
    "documentation",
]
FIRST = dt.datetime(2016, 1, 1, 8, 0)
SPAN = dt.datetime(2025, 12, 31, 18, 0) - FIRST
ADDED = dt.datetime(2026, 1, 5, 9, 30)  # add_post: newer than every generated post, and in the past
LEGACY_URL = "https://openstack-in-production.blogspot.com/"

COMPONENTS = [
    "the Nova scheduler",
    "Ceph OSDs",
    "the Keystone catalogue",
    "Puppet agents",
    "Foreman",
    "the Glance image store",
    "RabbitMQ",
    "the Neutron agents",
    "Kubernetes control planes",
    "Elasticsearch",
    "the Grafana dashboards",
    "Collectd",
    "the placement service",
    "Ironic",
    "Magnum clusters",
    "HAProxy",
    "the Galera cluster",
    "memcached",
    "the hypervisors",
    "Cinder volumes",
    "Manila shares",
    "Heat stacks",
    "the API nodes",
    "the metadata service",
    "the build farm",
    "the DNS resolvers",
    "the object store",
    "the GPU nodes",
    "the batch cluster",
    "the configuration repository",
]
SYMPTOMS = [
    "time out under load",
    "drop messages at night",
    "answer slower every week",
    "fill its disks",
    "restart without a reason",
    "leak memory after an upgrade",
    "disagree with the database",
    "lose its connection to the message queue",
    "schedule everything on the same rack",
    "log far too much",
]
FIXES = [
    "a larger connection pool and a shorter timeout",
    "one more worker per API node",
    "an index on a single column",
    "a retry with exponential back-off",
    "moving the queue to its own hosts",
    "pinning the kernel version",
    "a cron job that cleans up stale records",
    "splitting the cell in two",
    "turning off a debug option",
    "a patch of twelve lines that we sent upstream",
]
PROJECTS = [
    "OpenStack",
    "Ceph",
    "Kubernetes",
    "Puppet",
    "Foreman",
    "RDO",
    "CentOS",
    "Elastic",
    "Grafana",
    "Collectd",
]
PEOPLE = [
    "the on-call engineer",
    "our users",
    "the storage team",
    "the network team",
    "a summer student",
    "the upstream maintainers",
    "the release managers",
    "two colleagues from the database team",
]
ADJECTIVES = [
    "boring",
    "surprising",
    "painful",
    "quick",
    "careful",
    "gradual",
    "noisy",
    "quiet",
    "expensive",
    "cheap",
    "reliable",
    "fragile",
]
SENTENCES = [
    "{Comp} now handles {n} requests a minute, about {p} percent more than a year ago.",
    "We first noticed the problem when {comp} started to {symptom}.",
    "The fix turned out to be {fix}, which is rarely where one starts looking.",
    "Upstream, the {proj} community had discussed the same issue, "
    "so we joined the review instead of forking.",
    "None of this would have been visible without the graphs that {people} look at every morning.",
    "It took {d} days to find and {h} hours to fix, a ratio that will not surprise anyone who runs {comp}.",
    "The migration itself was {adj}: {n} servers, one rack at a time, with {people} watching the dashboards.",
    "We keep {n} days of history, enough to compare any change with the same week of the previous month.",
    "At our scale a rare race condition happens {d} times a day, "
    "so we treat every warning in the logs seriously.",
    "Before the change {comp} needed {h} minutes to recover after a restart; now it needs less than one.",
    "Our first attempt was {adj} and we rolled it back after {h} hours, but it taught us what to measure.",
    "{People} asked for a simpler way to do this, and the result is the small tool described below.",
    "The configuration lives in the same repository as everything else, reviewed like any other code.",
    "Most of the time goes into {comp}, which waits for {comp2} more often than it should.",
    "Capacity is planned per cell: each one has about {n} hypervisors "
    "and its own database and message queue.",
    "When {comp2} is slow, {comp} notices first, which makes it a good early warning for the whole cloud.",
    "We wrote the runbook after the third incident; since then {people} resolve most alerts without help.",
    "A {adj} upgrade is a good upgrade, and this one was exactly that, apart from one forgotten option.",
    "The numbers below come from the production cloud, "
    "measured over {d} weeks with the usual mix of workloads.",
    "We still run {n} virtual machines that were created before this change, "
    "and they keep working unmodified.",
    "Every release of {proj} brings something we can delete from our own patches, "
    "which is the best kind of news.",
    "The alert fires when more than {p} percent of {comp} report errors for five minutes in a row.",
    "In hindsight the warning signs were there: {comp} had been trying to {symptom} for weeks.",
    "This post is a summary of the talk we gave about {comp} at the {proj} meet-up last spring.",
    "Rolling it back is one command, which made it easy to convince {people} to try it on a Friday.",
    "What used to be a manual checklist of {d} steps is now a single job in the pipeline.",
    "We measured it twice: once with synthetic load, and once on a normal Tuesday, which is harder to fake.",
    "The packages come from RDO and CentOS, rebuilt with two patches of ours until they land upstream.",
    "Our users rarely notice any of this, which is exactly how it should be.",
    "If you run {comp} at a similar scale, we would love to compare notes in the comments.",
    "The option that matters is `{option}`; the default is fine for a laptop and wrong for a data centre.",
    "We set `{option}` to {d} on every node, and **only** there, because the controllers behave differently.",
    "A quick `grep` through a week of logs showed {n} occurrences, almost all of them on {comp}.",
    "Thanks to {people} for the patient reviews, and to the {proj} maintainers for merging it so quickly.",
    "The graph looks *almost* flat now, which is what a healthy {comp} should look like.",
    "Nobody had touched that part of the code since {year}, and the comments in it were optimistic.",
    "Half of the work was writing down what {comp} actually does, as opposed to what we believed it did.",
    "The vendor's documentation says {n} is the limit; in practice we hit trouble at half of that.",
    "During the summit in {year} three other operators told us the same story about {comp}.",
    "Each change went through the staging cloud first, where {people} tried hard to break it.",
    "Latency at the 99th percentile dropped from {h}0 to {d} milliseconds, and the median barely moved.",
    "We keep a spare {comp2} around for exactly this kind of afternoon.",
    "Ironically, the most reliable part of the whole chain was the oldest one.",
    "Our dashboards now show {comp} next to {comp2}, so that nobody has to guess which one is late.",
    "The whole procedure is scripted, idempotent and dull, three properties we now require of every runbook.",
    "It is tempting to tune everything at once; we changed one setting a week and wrote each result down.",
    "That decision saved us roughly {p} rack units of hardware and a lot of weekend work.",
    "Cold starts remain slow, and we have not yet found a way to make {comp} warm up faster.",
    "For details, see the upstream specification and the discussion on the {proj} mailing list.",
    "We expect to retire the remaining {n} legacy nodes by the end of {year}.",
]
OPTIONS = [
    "max_pool_size",
    "rpc_response_timeout",
    "osd_op_threads",
    "scheduler_max_attempts",
    "cpu_allocation_ratio",
    "heartbeat_timeout_threshold",
    "reserved_host_memory_mb",
    "workers",
    "token_expiration",
    "api_rate_limit",
    "filestore_queue_max_ops",
    "conntrack_max",
]
HEADINGS = [
    "Why we changed it",
    "The old setup",
    "What we measured",
    "Rolling it out",
    "What went wrong",
    "Lessons learnt",
    "Next steps",
    "The numbers",
    "Working upstream",
    "The configuration",
    "Testing it",
    "Monitoring it",
    "What it costs",
    "A closer look",
    "Before and after",
    "The details",
    "Surprises",
    "Who uses it",
    "Keeping it running",
    "Open questions",
]
TITLES = [
    "{Comp} at scale",
    "How we upgraded {comp}",
    "{n} lessons from running {comp}",
    "Moving {comp} to new hardware",
    "When {comp} started to {symptom}",
    "A year with {comp}",
    "Tuning {comp} for {n} nodes",
    "Debugging {comp} in production",
    "{Proj} and {comp}: notes from the field",
    "Automating {comp}",
    "What we learnt from {comp}",
    "Monitoring {comp} with {proj}",
    "Replacing {comp}",
    "{Comp} after the {proj} upgrade",
    "Scaling {comp} past {n} servers",
]
LIST_ITEMS = [
    "check that {comp} reports healthy before draining the next host",
    "keep the old configuration for {d} days in case we need to roll back",
    "raise the alert threshold only after the graphs agree",
    "announce the maintenance window to {people} a week before",
    "upgrade one cell first and wait a full day",
    "compare the latency of {comp} before and after the change",
    "file a bug upstream for anything that surprised us",
    "document the new runbook next to the alert",
    "remove the temporary patches once {proj} ships the fix",
    "write a test that fails if {comp} starts to {symptom} again",
]
CODE = {
    "bash": "openstack server list --all-projects --host hv{n} -f value -c ID \\\n"
    "  | xargs -n1 openstack server migrate --live-migration\n"
    "openstack compute service set --disable hv{n} nova-compute\n"
    "openstack hypervisor show hv{n} -c running_vms",
    "yaml": "ceph:\n  pool: volumes-{n}\n  replicas: 3\n  pg_num: 1024\n  application: rbd\n"
    "alerts:\n  - name: osd-slow\n    threshold_ms: {p}",
    "python": "def drain(nova, host, limit={n}):\n"
    '    """Live-migrate up to limit servers away from host."""\n'
    '    for server in nova.servers.list(search_opts={{"host": host}})[:limit]:\n'
    "        server.live_migrate()\n    return limit",
    "ini": "[DEFAULT]\ndebug = false\nworkers = {d}\n\n"
    "[database]\nmax_pool_size = {n}\nconnection_recycle_time = 600",
    "console": "$ ceph osd pool stats volumes-{n}\npool volumes-{n} id 3\n"
    "  client io 120 MiB/s rd, {p} MiB/s wr, 900 op/s rd, 450 op/s wr",
    "json": '{{\n  "index_patterns": ["openstack-nova-*"],\n  "template": {{\n'
    '    "settings": {{"number_of_shards": 3, "number_of_replicas": {d}}}\n  }}\n}}',
}


@dataclass
class Post:
    """One generated post, independent of the tool that builds it."""

    number: int
    title: str
    slug: str
    date: dt.datetime
    authors: list[str]
    category: str
    tags: list[str]
    description: str | None
    blocks: list[tuple[str, object]] = field(default_factory=list)  # (kind, data), in order
    links: list[int] = field(default_factory=list)  # numbers of the posts it links to

    @property
    def path(self) -> str:
        """Where the post lives, relative to the site root."""
        if self.category == "legacy":
            return f"legacy/{self.date:%Y}/{self.date:%m}/{self.slug}.md"
        return f"posts/{self.date:%Y}/{self.slug}.md"


def slugify(text: str) -> str:
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


class Writer:
    """Seeded text: sentences, paragraphs, titles."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def fill(self, template: str) -> str:
        rng = self.rng
        comp, comp2 = rng.sample(COMPONENTS, 2)
        people = rng.choice(PEOPLE)
        values = {
            "comp": comp,
            "Comp": comp[0].upper() + comp[1:],
            "comp2": comp2,
            "symptom": rng.choice(SYMPTOMS),
            "fix": rng.choice(FIXES),
            "proj": rng.choice(PROJECTS),
            "Proj": rng.choice(PROJECTS),
            "people": people,
            "People": people[0].upper() + people[1:],
            "adj": rng.choice(ADJECTIVES),
            "n": rng.choice([40, 120, 300, 800, 1500, 4000, 12000]),
            "p": rng.randint(3, 95),
            "d": rng.randint(2, 30),
            "h": rng.randint(2, 48),
            "option": rng.choice(OPTIONS),
            "year": rng.randint(2008, 2025),
        }
        return template.format(**values)

    def sentence(self) -> str:
        return self.fill(self.rng.choice(SENTENCES))

    def paragraph(self, words: int) -> str:
        out: list[str] = []
        count = 0
        while count < words:
            sentence = self.sentence()
            if sentence in out:
                continue
            out.append(sentence)
            count += len(sentence.split())
        return " ".join(out)


def words_of(post: Post) -> int:
    total = 0
    for kind, data in post.blocks:
        if kind in ("paragraph", "heading", "note", "link"):
            total += len(str(data).split())
        elif kind == "list":
            total += sum(len(item.split()) for item in data)
        elif kind == "code":
            total += len(data[1].split())
        elif kind == "table":
            total += sum(len(cell.split()) for row in data for cell in row)
    return total


def generate(
    n: int,
    seed: int = 1,
    first_number: int = 0,
    dates: list[dt.datetime] | None = None,
    taken: set[str] | None = None,
) -> list[Post]:
    """N posts, deterministic for (n, seed): metadata first, then bodies."""
    rng = random.Random(seed)
    writer = Writer(rng)
    taken = set() if taken is None else taken
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(TAGS))]
    if dates is None:
        dates = sorted(
            FIRST + dt.timedelta(minutes=rng.randrange(int(SPAN.total_seconds() // 60) // 15) * 15)
            for _ in range(n)
        )
    # The oldest eighth are the old blog's (legacy); the others are spread over the
    # seven other categories, each used once before any is used twice (so a
    # 12-post site has all eight).
    legacy = max(1, n // len(CATEGORIES)) if n > 1 else 0
    others = [key for key in CATEGORIES if key != "legacy"]
    categories = [others[i % len(others)] for i in range(n - legacy)]
    rng.shuffle(categories)
    categories = ["legacy"] * legacy + categories
    posts = []
    for i in range(n):
        title = writer.fill(rng.choice(TITLES))
        slug = slugify(title)
        suffix = 2
        while slug in taken:  # ABlog labels posts by file name: one name, one post
            slug = f"{slugify(title)}-{suffix}"
            suffix += 1
        if slug != slugify(title):
            title = f"{title} (part {suffix - 1})"
        taken.add(slug)
        authors = rng.sample(AUTHORS, 2) if rng.random() < 0.15 else [rng.choice(AUTHORS)]
        tags: list[str] = []
        wanted = rng.randint(2, 5)
        while len(tags) < wanted:
            tag = rng.choices(TAGS, weights)[0]
            if tag not in tags:
                tags.append(tag)
        description = writer.paragraph(18) if rng.random() < 0.4 else None
        post = Post(first_number + i, title, slug, dates[i], authors, categories[i], tags, description)
        fill_body(post, writer, older=first_number + i)
        posts.append(post)
    return posts


def fill_body(post: Post, writer: Writer, older: int) -> None:
    """About 800 words (760-840): intro, 3-4 sections, a code block, a list, extras."""
    rng = writer.rng
    target = rng.randint(760, 840)
    blocks = post.blocks
    blocks.append(("paragraph", writer.paragraph(rng.randint(55, 80))))
    headings = rng.sample(HEADINGS, rng.randint(3, 4))
    language = rng.choice(sorted(CODE))
    blocks.append(("paragraph", writer.paragraph(rng.randint(40, 70))))
    extras = ["code", "list"]
    if rng.random() < 0.25:
        extras.append("table")
    if rng.random() < 0.2:
        extras.append("note")
    if older and rng.random() < 0.3:
        extras.append("link")
    rng.shuffle(extras)
    for number, heading in enumerate(headings):
        blocks.append(("heading", heading))
        blocks.append(("paragraph", writer.paragraph(rng.randint(45, 90))))
        mine = extras[number :: len(headings)]
        for kind in mine:
            if kind == "code":
                blocks.append(("code", (language, writer.fill(CODE[language]))))
            elif kind == "list":
                blocks.append(
                    ("list", [writer.fill(rng.choice(LIST_ITEMS)) for _ in range(rng.randint(3, 6))])
                )
            elif kind == "table":
                rows = [["Measure", "Before", "After"]]
                rows += [
                    [
                        f"{rng.choice(COMPONENTS)} {what}",
                        f"{rng.randint(10, 900)} ms",
                        f"{rng.randint(5, 400)} ms",
                    ]
                    for what in rng.sample(["p50", "p95", "p99", "max"], 3)
                ]
                blocks.append(("table", rows))
            elif kind == "note":
                blocks.append(("note", writer.paragraph(25)))
            elif kind == "link":
                target_post = rng.randrange(older)
                post.links.append(target_post)
                blocks.append(("link", target_post))
        blocks.append(("paragraph", writer.paragraph(rng.randint(40, 80))))
    # Whole sentences added to, or taken from, the body's paragraphs until the
    # post has its target word count (give or take a sentence).
    paragraphs = [i for i, (kind, _) in enumerate(blocks) if kind == "paragraph"]
    while words_of(post) < target:
        i = rng.choice(paragraphs)
        blocks[i] = ("paragraph", blocks[i][1] + " " + writer.sentence())
    while words_of(post) > target + 20:
        longer = [i for i in paragraphs if ". " in blocks[i][1]]
        if not longer:
            break
        i = max(longer, key=lambda i: len(blocks[i][1]))
        sentences = blocks[i][1].split(". ")
        blocks[i] = ("paragraph", ". ".join(sentences[:-1]) + ".")


def link_sentence(post: Post, target: Post, link: str) -> str:
    return f"We wrote about a related problem in [{target.title}]({link}); the numbers there still hold."


def myst(post: Post, everyone: dict[int, Post]) -> str:
    """The post as MyST Markdown with the site's front matter."""
    lines = [
        "---",
        f"date: {post.date:%Y-%m-%dT%H:%M}",
        f"author: {', '.join(post.authors)}",
        f"category: {post.category}",
        f"tags: {', '.join(post.tags)}",
    ]
    if post.description:
        lines.append(f'description: "{post.description}"')
    if post.category == "legacy":
        lines.append(f"original_url: {LEGACY_URL}{post.date:%Y/%m}/{post.slug}.html")
    lines += ["---", "", f"# {post.title}", ""]
    for kind, data in post.blocks:
        lines += render_block(
            kind,
            data,
            post,
            everyone,
            link=lambda target: os.path.relpath(target.path, os.path.dirname(post.path)),
        )
    return "\n".join(lines)


def render_block(kind: str, data, post: Post, everyone: dict[int, Post], link) -> list[str]:
    if kind == "paragraph":
        return [data, ""]
    if kind == "heading":
        return [f"## {data}", ""]
    if kind == "code":
        language, code = data
        return [f"```{language}", code, "```", ""]
    if kind == "list":
        return [
            *(f"- {item[0].upper()}{item[1:]};" for item in data[:-1]),
            f"- {data[-1][0].upper()}{data[-1][1:]}.",
            "",
        ]
    if kind == "table":
        rows = [f"| {' | '.join(row)} |" for row in data]
        return [rows[0], "| --- | ---: | ---: |", *rows[1:], ""]
    if kind == "note":
        return [":::{note}", data, ":::", ""]
    if kind == "link":
        target = everyone.get(data)
        if target is None:  # deleted by delete_post
            return []
        return [link_sentence(post, target, link(target)), ""]
    raise ValueError(kind)


# -- The site -------------------------------------------------------------------

CONF_APPENDIX = f"""

# -- Added by bench/corpus.py (benchmark corpus only) ----------------------------
# Three more categories, so that generated posts use eight.
techblog_categories = {{**techblog_categories, **{BENCH_CATEGORIES!r}}}
"""


def copy_site(dest: Path) -> None:
    """The site without its posts: settings, templates, extension, landing pages."""
    dest.mkdir(parents=True, exist_ok=True)
    dirs = SITE_DIRS + [
        path.name for path in sorted(REPO.glob("_*")) if path.is_dir() and path.name != "_build"
    ]
    files = SITE_FILES + [path.name for path in sorted(REPO.glob("*.md")) if path.name != "README.md"]
    for name in dict.fromkeys(dirs):
        shutil.copytree(
            REPO / name,
            dest / name,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
    for name in dict.fromkeys(files):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest / name)
    with (dest / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(CONF_APPENDIX)
    # The importer's redirect map, with nothing imported (techblog/legacy/redirects.py reads the header).
    (dest / "legacy" / "redirects.csv").write_text("old_path,new_path\n", encoding="utf-8")


def write_posts(dest: Path, posts: list[Post], everyone: dict[int, Post]) -> list[Path]:
    written = []
    for post in posts:
        path = dest / post.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(myst(post, everyone), encoding="utf-8")
        written.append(path)
    return written


def make_site(dest: Path, n: int, seed: int = 1) -> Path:
    """Write the site with N generated posts into ``dest`` (emptied first); returns ``dest``."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    copy_site(dest)
    posts = generate(n, seed)
    write_posts(dest, posts, {post.number: post for post in posts})
    return dest


# -- Changes, for incremental builds -------------------------------------------------

POST_GLOBS = ("posts/*/*.md", "legacy/*/*/*.md")


def post_files(site: Path) -> list[Path]:
    """Every post of the site (landing pages excluded), in a stable order."""
    found = [
        path
        for pattern in POST_GLOBS
        for path in Path(site).glob(pattern)
        if path.name != "index.md" and "pages" not in path.parts
    ]
    return sorted(found, key=lambda path: path.relative_to(site).as_posix())


def pick(site: Path, post: Path | str | None) -> Path:
    """``post`` (a path, absolute or relative to the site), or by default a post
    in the middle of the corpus (its list position, not its date)."""
    if post is None:
        files = [path for path in post_files(site) if path.parts[-3] == "posts"]
        return files[len(files) // 2]
    path = Path(post)
    return path if path.is_absolute() else Path(site) / path


def split_front_matter(text: str) -> tuple[str, str]:
    end = text.index("\n---\n", 4) + len("\n---\n")
    return text[:end], text[end:]


def edit_post(site: Path, post: Path | str | None = None, *, excerpt: bool = False, seed: int = 0) -> Path:
    """Rewrite one paragraph of a post: by default one in its body, which no
    listing shows; with ``excerpt=True`` its first paragraph (the excerpt when
    the post has no description). Returns the post's path."""
    path = pick(site, post)
    head, body = split_front_matter(path.read_text(encoding="utf-8"))
    chunks = body.split("\n\n")
    paragraphs = [
        i
        for i, chunk in enumerate(chunks)
        if chunk and chunk[0].isalpha() and "\n" not in chunk.strip() and not chunk.startswith("We wrote")
    ]
    index = paragraphs[0] if excerpt else paragraphs[len(paragraphs) // 2]
    rng = random.Random(f"edit-{seed}-{path.name}")
    chunks[index] = Writer(rng).paragraph(len(chunks[index].split()))
    path.write_text(head + "\n\n".join(chunks), encoding="utf-8")
    return path


def add_post(site: Path, seed: int = 0, date: dt.datetime | None = None, category: str = "operations") -> Path:
    """Write a new post, newer than every generated one (``ADDED`` plus ``seed`` days),
    in ``category`` (``legacy`` puts it in the legacy section). Returns its path."""
    site = Path(site)
    when = date or ADDED + dt.timedelta(days=seed)
    taken = {path.stem for path in post_files(site)}
    [post] = generate(1, seed=10_000 + seed, first_number=10**6 + seed, dates=[when], taken=taken)
    post.category = category
    post.blocks = [block for block in post.blocks if block[0] != "link"]
    return write_posts(site, [post], {post.number: post})[0]


def retag_post(site: Path, post: Path | str | None = None, tags: list[str] | None = None) -> Path:
    """Give a post other tags (default: its tags with ``performance`` swapped in or out)."""
    path = pick(site, post)
    head, body = split_front_matter(path.read_text(encoding="utf-8"))
    match = re.search(r"^tags: (.*)$", head, re.M)
    current = [tag.strip() for tag in match.group(1).split(",")] if match else []
    if tags is None:
        tags = (
            [tag for tag in current if tag != "performance"]
            if "performance" in current
            else [*current, "performance"]
        )
    line = f"tags: {', '.join(tags)}"
    head = (
        head[: match.start()] + line + head[match.end() :]
        if match
        else head.replace("\n---\n", f"\n{line}\n---\n", 1)
    )
    path.write_text(head + body, encoding="utf-8")
    return path


def delete_post(site: Path, post: Path | str | None = None) -> Path:
    """Remove a post, and the sentences of other posts that link to it (an
    author would, or the build fails). Returns the removed path."""
    site = Path(site)
    path = pick(site, post)
    path.unlink()
    name = re.escape(path.name)
    pattern = re.compile(
        r"^We wrote about a related problem in \[[^\]]*\]\((?:[^)]*/)?" + name + r"\);.*\n\n", re.M
    )
    for other in post_files(site):
        text = other.read_text(encoding="utf-8")
        if path.name in text:
            new = pattern.sub("", text)
            if new != text:
                other.write_text(new, encoding="utf-8")
    return path


# -- The same posts for Pelican -----------------------------------------------------

PELICAN_CONF = '''"""Pelican settings for the benchmark corpus (bench/corpus.py): the default theme,
listings in pages of 20 and an Atom feed per tag, category and author, like the site."""

AUTHOR = "The Cloud Infrastructure Team"
SITENAME = "Tech Blog"
SITEURL = ""
PATH = "content"
TIMEZONE = "Europe/Zurich"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 20
RELATIVE_URLS = True
ARTICLE_URL = ARTICLE_SAVE_AS = "{path_no_ext}.html"
PATH_METADATA = r"(?P<path_no_ext>.*)\\..*"
FEED_DOMAIN = "https://techblog.web.cern.ch/techblog"
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/category/{slug}.atom.xml"
TAG_FEED_ATOM = "feeds/tag/{slug}.atom.xml"
AUTHOR_FEED_ATOM = "feeds/author/{slug}.atom.xml"
TRANSLATION_FEED_ATOM = None
FEED_MAX_ITEMS = 20
ARCHIVES_SAVE_AS = "archives.html"
YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"
'''


def pelican(post: Post, everyone: dict[int, Post]) -> str:
    """The post as Pelican Markdown (metadata lines, then the same body)."""
    lines = [
        f"Title: {post.title}",
        f"Date: {post.date:%Y-%m-%d %H:%M}",
        f"Tags: {', '.join(post.tags)}",
        f"Category: {CATEGORY_NAMES[post.category]}",
        f"Authors: {', '.join(AUTHOR_NAMES[key] for key in post.authors)}",
        f"Slug: {post.slug}",
    ]
    if post.description:
        lines.append(f"Summary: {post.description}")
    lines.append("")
    for kind, data in post.blocks:
        if kind == "note":  # no directives in Python-Markdown: a quote
            lines += [f"> **Note:** {data}", ""]
        else:
            lines += render_block(kind, data, post, everyone, link=lambda target: "{filename}/" + target.path)
    return "\n".join(lines)


def make_pelican_site(dest: Path, n: int, seed: int = 1) -> Path:
    """The same N posts as a Pelican site: ``dest/pelicanconf.py`` and ``dest/content/``."""
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    posts = generate(n, seed)
    everyone = {post.number: post for post in posts}
    for post in posts:
        path = dest / "content" / post.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pelican(post, everyone), encoding="utf-8")
    (dest / "pelicanconf.py").write_text(PELICAN_CONF, encoding="utf-8")
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pelican", type=Path, help="also write the posts as a Pelican site here")
    args = parser.parse_args()
    make_site(args.dest, args.posts, args.seed)
    print(f"{args.dest}: {len(post_files(args.dest))} posts")
    if args.pelican:
        make_pelican_site(args.pelican, args.posts, args.seed)
        print(f"{args.pelican}: Pelican site")


if __name__ == "__main__":
    main()
