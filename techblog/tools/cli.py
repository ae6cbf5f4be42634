"""Author and operator tools: ``python -m techblog new|check|import-blogger|serve|comments[-backup|-restore]``.

``new`` and ``check`` read the site's settings from ``conf.py`` (without starting Sphinx) and
use the same contract as the build, so ``check`` prints the build's messages.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

from techblog.tools import new_post as newpost
from techblog.posts.contract import CONFIG_DEFAULTS, SettingsError, SiteRules, check_site, post_files
from techblog.posts.dates import DateError


def load_settings(root: Path) -> dict:
    conf = root / "conf.py"
    if not conf.is_file():
        raise SystemExit(f"error: {conf} not found; run from the site's root or pass --root")
    return runpy.run_path(str(conf))


def load_rules(root: Path, settings: dict | None = None) -> SiteRules:
    settings = settings if settings is not None else load_settings(root)
    try:
        return SiteRules.from_config(lambda name: settings.get(name, CONFIG_DEFAULTS.get(name)), root)
    except (DateError, SettingsError) as err:
        raise SystemExit(f"error: conf.py: {err}") from None


def cmd_check(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    rules = load_rules(root)
    paths = None
    if args.paths:
        paths = []
        for given in args.paths:
            path = given.resolve()
            if not path.is_file():
                print(f"{given}: ERROR: no such file", file=sys.stderr)
                return 1
            paths.append(path)
    report = check_site(rules, paths)
    for problem in report.problems:
        print(f"{problem.location}: ERROR: {problem.message}")
    checked = report.files if paths is None else len(set(paths) & {p.resolve() for p in post_files(rules)})
    if report.problems:
        files = len({p.path for p in report.problems})
        print(f"{len(report.problems)} problem(s) in {files} post(s); {checked} post(s) checked", file=sys.stderr)
        return 1
    print(f"{checked} post(s) checked, no problems", file=sys.stderr)
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    rules = load_rules(args.root.resolve())
    try:
        path = newpost.create(
            rules,
            title=args.title,
            author=args.author or os.environ.get("TECHBLOG_AUTHOR"),
            category=args.category,
            tags=args.tags,
            date=args.date,
        )
    except newpost.Refused as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(path.relative_to(rules.srcdir).as_posix())
    return 0


def positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {text!r}")
    return seconds


def cmd_import_blogger(args: argparse.Namespace) -> int:
    from techblog.legacy import images, importer
    from techblog.legacy.parse import UnusableExport

    root = args.root.resolve()
    settings = load_settings(root)
    rules = load_rules(root, settings)
    authors = {}
    for pair in args.author or []:
        name, _, key = pair.rpartition("=")
        if not name or key not in rules.authors:
            print(f"error: --author {pair!r}: expected 'Blogger name=key' with a key of blog_authors "
                  f"({', '.join(rules.authors)})", file=sys.stderr)
            return 2
        authors[name] = key
    out = args.out if args.out.is_absolute() else root / args.out
    if args.images_from is not None:
        if args.images != "download":
            print("error: --images-from goes with --images download", file=sys.stderr)
            return 2
        if not args.images_from.is_dir():
            print(f"error: --images-from {args.images_from}: no such folder", file=sys.stderr)
            return 2
    if args.images_deadline is not None and args.images != "download":
        print("error: --images-deadline goes with --images download", file=sys.stderr)
        return 2
    options = importer.Options(export=args.export, out=out, timezone=args.timezone, images=args.images,
                               images_from=args.images_from,
                               images_deadline=args.images_deadline or images.DEADLINE_SECONDS,
                               drafts=args.drafts, dry_run=args.dry_run, force=args.force, authors=authors,
                               blog_url=args.blog_url)
    try:
        report, changes, unchanged = importer.run(options, rules, settings.get("techblog_legacy_url", ""))
    except UnusableExport as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(importer.summary(report, changes, unchanged, dry_run=args.dry_run))
    return importer.exit_status(report)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m techblog", description=__doc__.splitlines()[0])
    top.add_argument("--root", type=Path, default=Path("."), help="the site's root, where conf.py is (default: .)")
    commands = top.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="check posts' front matter without building (exit 1 on any problem)")
    check.add_argument("paths", nargs="*", type=Path, help="posts to check (default: every post)")
    check.set_defaults(run=cmd_check)

    new = commands.add_parser("new", help="write posts/YYYY/slug.md with valid front matter, as a draft")
    new.add_argument("title")
    new.add_argument("--author", help="author key(s), comma-separated (default: $TECHBLOG_AUTHOR)")
    new.add_argument("--category", help="category key(s), comma-separated")
    new.add_argument("--tags", help="tags, comma-separated")
    new.add_argument("--date", help="ISO 8601 date or date-time (default: today, in the site's time zone)")
    new.set_defaults(run=cmd_new)

    from techblog.legacy import images

    imp = commands.add_parser("import-blogger", help="import a Blogger export into legacy/ (exit 1: something "
                              "was not imported, 2: unusable input)")
    imp.add_argument("export", type=Path, help="blog-MM-DD-YYYY.xml, a Takeout feed.atom, or the Takeout .zip")
    imp.add_argument("--out", type=Path, default=Path("legacy"), help="where the posts go (default: legacy)")
    imp.add_argument("--timezone", help="the old blog's time zone (default: its BLOG_TIME_ZONE setting, else the "
                     "site's)")
    imp.add_argument("--images", choices=["keep", "download"], default="keep",
                     help="keep images hot-linked, or download them into <out>/_images")
    imp.add_argument("--images-from", type=Path, metavar="DIR",
                     help="with --images download: copy images from DIR/<host>/<path> (a local mirror of the "
                     "image hosts, e.g. from wget --mirror) instead of the network")
    imp.add_argument("--images-deadline", type=positive_seconds, metavar="SECONDS",
                     help="with --images download: stop downloading after SECONDS in all; the rest stay "
                     f"hot-linked and are reported (default: {images.DEADLINE_SECONDS:g})")
    imp.add_argument("--drafts", action="store_true", help="import drafts too, as draft: true")
    imp.add_argument("--dry-run", action="store_true", help="write nothing; print what would change")
    imp.add_argument("--force", action="store_true", help="overwrite files edited by hand since the last import")
    imp.add_argument("--blog-url", help="the old blog's address, for links between its posts (default: the "
                     "export's, else techblog_legacy_url)")
    imp.add_argument("--author", action="append", metavar="NAME=KEY",
                     help="map a Blogger author name to a blog_authors key (repeatable)")
    imp.set_defaults(run=cmd_import_blogger)

    from techblog.tools import comment_backup, comment_server, preview

    comments = commands.add_parser("comments", help="run the Isso comment server with comments/isso.cfg "
                                   "(exit 2: unusable settings)")
    comment_server.add_arguments(comments)
    comments.set_defaults(run=comment_server.run)

    backup = commands.add_parser("comments-backup", help="copy the comment database and its hash salt, safe "
                                 "while the server writes (exit 2: nothing written)")
    comment_backup.add_backup_arguments(backup)
    backup.set_defaults(run=comment_backup.run_backup)

    restore = commands.add_parser("comments-restore", help="put a comment backup back, keeping the current "
                                  "database; the server must be stopped (exit 2: nothing changed)")
    comment_backup.add_restore_arguments(restore)
    restore.set_defaults(run=comment_backup.run_restore)

    serve = commands.add_parser("serve", help="live preview of the site (drafts shown) with a local comment "
                                "server; Ctrl-C stops both")
    preview.add_arguments(serve)
    serve.set_defaults(run=preview.run)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
