"""Author and operator tools: ``python -m techblog new|check|import-blogger|serve|comments[-backup|-restore]``.

``new`` and ``check`` read the site's settings from ``conf.py`` (without starting Sphinx) and
use the same contract as the build, so ``check`` prints the build's messages.

An argument a command cannot use is refused before anything is written:
one line, ``error: <argument> <value>: <problem>; expected ...``, and exit
status 2 (see tools/arguments.py). Exit status 1 is the command's own
verdict: ``check`` found problems, ``new`` refused the post,
``import-blogger`` left something out.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

from techblog.tools import new_post as newpost
from techblog.tools.arguments import (Parser, UsageError, folder_inside, one_line, readable_file, readable_folder,
                                      shown, site_root)
from techblog.posts.contract import CONFIG_DEFAULTS, SettingsError, SiteRules, check_site, post_files
from techblog.posts.dates import DateError
from techblog.posts.talks import TALKS_EXPECTED, check_talks


def load_settings(root: Path) -> dict:
    """conf.py's settings; ``root`` is checked first (arguments.site_root)."""
    return runpy.run_path(str(root / "conf.py"))


def load_rules(root: Path, settings: dict | None = None) -> SiteRules:
    settings = settings if settings is not None else load_settings(root)
    try:
        return SiteRules.from_config(lambda name: settings.get(name, CONFIG_DEFAULTS.get(name)), root)
    except (DateError, SettingsError) as err:
        raise SystemExit(f"error: conf.py: {err}") from None


def checked_path(given: Path, root: Path) -> Path:
    """A file ``check`` can take: a Markdown file inside the site. Pages and files the site
    excludes are taken too (nothing to check in them), as a pre-commit hook passes every
    Markdown file a commit touches."""
    expected = "a Markdown file of the site, e.g. posts/2024/my-post.md"
    path = readable_file("path", given, expected).resolve()
    if not path.is_relative_to(root):
        raise UsageError("path", given, f"outside the site ({shown(root)})", expected)
    if path.suffix != ".md":
        raise UsageError("path", given, "not a Markdown file", expected)
    return path


def cmd_check(args: argparse.Namespace) -> int:
    root = site_root(args.root)
    paths = [checked_path(given, root) for given in args.paths] or None
    settings = load_settings(root)
    rules = load_rules(root, settings)
    report = check_site(rules, paths)
    problems = list(report.problems)
    talks_note = ""
    if paths is None:  # the whole site: its talks too (techblog_talks), against every post
        setting = settings.get("techblog_talks", "")
        try:
            talks_report = check_talks(setting, rules, report.posts)
        except ValueError as err:
            raise SystemExit(f"error: conf.py: techblog_talks: {setting!r} {err}; expected {TALKS_EXPECTED}") from None
        problems.extend(talks_report.problems)
        if talks_report.path:
            talks_note = f", {len(talks_report.talks)} talk(s)" if not talks_report.problems else ", talks"
    for problem in problems:
        print(f"{problem.location}: ERROR: {problem.message}")
    checked = report.files if paths is None else len(set(paths) & {p.resolve() for p in post_files(rules)})
    if problems:
        files = len({p.path for p in problems})
        print(f"{len(problems)} problem(s) in {files} file(s); {checked} post(s){talks_note} checked", file=sys.stderr)
        return 1
    print(f"{checked} post(s){talks_note} checked, no problems", file=sys.stderr)
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    rules = load_rules(site_root(args.root))
    try:
        path, adopted = newpost.create(
            rules,
            title=args.title,
            author=args.author or os.environ.get("TECHBLOG_AUTHOR"),
            category=args.category,
            tags=args.tags,
            date=args.date,
            series=args.series,
        )
    except newpost.Refused as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for tag in adopted:
        print(tag, file=sys.stderr)
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

    root = site_root(args.root)
    download = "--images download as well"
    if args.images_from is not None and args.images != "download":
        raise UsageError("--images-from", args.images_from, "goes with --images download", download)
    if args.images_deadline is not None and args.images != "download":
        raise UsageError("--images-deadline", f"{args.images_deadline:g}", "goes with --images download", download)
    expected = "a Blogger export: blog-MM-DD-YYYY.xml, a Takeout feed.atom or the Takeout .zip"
    export = readable_file("export", args.export, expected)
    if export.stat().st_size == 0:
        raise UsageError("export", args.export, "an empty file", expected)
    # Relative to the site, and never outside it: the importer writes only there.
    out = folder_inside("--out", args.out, root, "a folder inside the site, e.g. legacy")
    if args.images_from is not None:
        readable_folder("--images-from", args.images_from, "a folder holding a copy of the image hosts")
    settings = load_settings(root)
    rules = load_rules(root, settings)
    authors = {}
    for pair in args.author or []:
        name, _, key = pair.rpartition("=")
        if not name or key not in rules.authors:
            raise UsageError("--author", pair, "not a Blogger name and a key of blog_authors",
                             f"'Blogger name=key' with a key among {', '.join(rules.authors)}")
        authors[name] = key
    options = importer.Options(export=export, out=out, timezone=args.timezone, images=args.images,
                               images_from=args.images_from,
                               images_deadline=args.images_deadline or images.DEADLINE_SECONDS,
                               drafts=args.drafts, dry_run=args.dry_run, force=args.force, authors=authors,
                               blog_url=args.blog_url)
    try:
        report, changes, unchanged = importer.run(options, rules, settings.get("techblog_legacy_url", ""))
    except UnusableExport as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    print(importer.summary(report, changes, unchanged, dry_run=args.dry_run))
    return importer.exit_status(report)


def parser() -> argparse.ArgumentParser:
    top = Parser(prog="python -m techblog", description=__doc__.splitlines()[0])
    top.add_argument("--root", type=Path, default=Path("."), help="the site's root, where conf.py is (default: .)")
    commands = top.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="check posts' front matter without building (exit 1 on any problem)")
    check.add_argument("paths", nargs="*", type=Path, metavar="path",
                       help="Markdown files of the site to check (default: every post)")
    check.set_defaults(run=cmd_check)

    new = commands.add_parser("new", help="write posts/YYYY/slug.md with valid front matter, as a draft (exit 1: "
                              "the post was refused)")
    new.add_argument("title")
    new.add_argument("--author", help="author key(s), comma-separated (default: $TECHBLOG_AUTHOR)")
    new.add_argument("--category", help="category key(s), comma-separated")
    new.add_argument("--tags", help="tags, comma-separated")
    new.add_argument("--series", help="the key of a series in techblog_series (conf.py), if the post is part of one")
    new.add_argument("--date", help="ISO 8601 date or date-time (default: today, in the site's time zone)")
    new.set_defaults(run=cmd_new)

    from techblog.legacy import images

    imp = commands.add_parser("import-blogger", help="import a Blogger export into legacy/ (exit 1: something "
                              "was not imported, 2: unusable input)")
    imp.add_argument("export", type=Path, help="blog-MM-DD-YYYY.xml, a Takeout feed.atom, or the Takeout .zip")
    imp.add_argument("--out", default="legacy",
                     help="where the posts go, a folder inside the site (default: legacy)")
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
                                "server; Ctrl-C stops both (exit 2: unusable arguments)")
    preview.add_arguments(serve)
    serve.set_defaults(run=preview.run)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except UsageError as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
