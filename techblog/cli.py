"""Author tools: ``python -m techblog new|check``.

Both read the site's settings from ``conf.py`` (without starting Sphinx) and
use the same contract as the build, so ``check`` prints the build's messages.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
from pathlib import Path

from . import newpost
from .contract import CONFIG_DEFAULTS, SiteRules, check_site, post_files
from .dates import DateError


def load_rules(root: Path) -> SiteRules:
    conf = root / "conf.py"
    if not conf.is_file():
        raise SystemExit(f"error: {conf} not found; run from the site's root or pass --root")
    settings = runpy.run_path(str(conf))
    try:
        return SiteRules.from_config(lambda name: settings.get(name, CONFIG_DEFAULTS.get(name)), root)
    except DateError as err:
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
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)
