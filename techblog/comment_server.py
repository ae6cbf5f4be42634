"""Run the blog's Isso comment server: ``python -m techblog comments``.

``comments/isso.cfg`` holds the production settings; this reads it over
Isso's own defaults, applies the command line and the environment, and
serves Isso as ``isso run`` does (Werkzeug's threaded server).

- ``--local`` is for previews (``make serve``, the browser tests):
  moderation and e-mail off, the preview's origin allowed, and a database
  of its own, ``.data/comments/preview.db``.
- ``--db``, ``--listen`` and ``--origin`` override the file for one run.
- Secrets come from the environment only: ``ISSO_ADMIN_PASSWORD`` (turns
  the admin page on), ``ISSO_SMTP_USERNAME``, ``ISSO_SMTP_PASSWORD`` and
  ``ISSO_HASH_SALT``.

Relative database paths are relative to the repository root, and the
database's folder is created, so a fresh clone needs no set-up.
"""

from __future__ import annotations

import argparse
import os
import sys
from configparser import Error as ConfigParserError
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "comments" / "isso.cfg"
PREVIEW_DB = ".data/comments/preview.db"
SECRETS = {
    "ISSO_ADMIN_PASSWORD": ("admin", "password"),
    "ISSO_SMTP_USERNAME": ("smtp", "username"),
    "ISSO_SMTP_PASSWORD": ("smtp", "password"),
    "ISSO_HASH_SALT": ("hash", "salt"),
}


class BadServerSettings(ValueError):
    """A setting the server cannot run with; the message says which and why."""


def http_origin(value: str, what: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL, or BadServerSettings."""
    parts = urlsplit(value.strip())
    try:
        parts.port
    except ValueError:
        raise BadServerSettings(f"{what}: {value!r} has an invalid port; expected http(s)://host[:port]") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadServerSettings(f"{what}: {value!r} is not an http(s) URL; expected http(s)://host[:port]")
    return f"{parts.scheme}://{parts.netloc}"


def load(
    config: Path = CONFIG,
    *,
    local: bool = False,
    db: str | None = None,
    listen: str | None = None,
    origins: list[str] | None = None,
    environ: dict | None = None,
):
    """Isso's configuration: its defaults, then ``config``, then the overrides."""
    from isso import config as isso_config

    environ = os.environ if environ is None else environ
    if not config.is_file():
        raise BadServerSettings(f"{config}: no such file; expected Isso's configuration (comments/isso.cfg)")
    try:
        conf = isso_config.load(isso_config.default_file(), str(config))
    except ConfigParserError as err:
        raise BadServerSettings(f"{config}: {err}") from None

    if local:
        conf.set("moderation", "enabled", "false")
        conf.set("general", "notify", "stdout")  # new comments are printed, not mailed
        conf.set("general", "dbpath", PREVIEW_DB)
        conf.set("server", "public-endpoint", "")
        conf.set("server", "trusted-proxies", "")
    if db:
        conf.set("general", "dbpath", db)
    if listen:
        conf.set("server", "listen", listen)
    if origins:
        conf.set("general", "host", "\n".join(http_origin(o, "--origin") for o in origins))
    for variable, (section, option) in SECRETS.items():
        if environ.get(variable):
            conf.set(section, option, environ[variable])
    if environ.get("ISSO_ADMIN_PASSWORD"):
        conf.set("admin", "enabled", "true")

    for host in conf.getiter("general", "host"):
        http_origin(host, f"{config}: [general] host")
    if not any(conf.getiter("general", "host")):
        raise BadServerSettings(f"{config}: [general] host is empty; expected the site's origin, "
                                "e.g. https://techblog.web.cern.ch")
    address = conf.get("server", "listen")
    if not address.startswith("http://"):
        raise BadServerSettings(f"[server] listen: {address!r} is not supported here; expected http://host:port")
    http_origin(address, "[server] listen")
    if urlsplit(address).port is None:
        raise BadServerSettings(f"[server] listen: {address!r} has no port; expected http://host:port")

    path = Path(conf.get("general", "dbpath"))
    if not path.is_absolute():
        path = REPO / path
    path.parent.mkdir(parents=True, exist_ok=True)
    conf.set("general", "dbpath", str(path))
    return conf


def serve(conf) -> None:
    """Serve Isso until interrupted."""
    from isso import make_app
    from werkzeug.serving import run_simple

    address = urlsplit(conf.get("server", "listen"))
    hosts = ", ".join(conf.getiter("general", "host"))
    moderated = "on" if conf.getboolean("moderation", "enabled") else "off"
    print(f"Isso on http://{address.netloc}/ for {hosts}; database {conf.get('general', 'dbpath')}; "
          f"moderation {moderated}", file=sys.stderr, flush=True)
    run_simple(address.hostname, address.port, make_app(conf), threaded=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=CONFIG, help="Isso settings (default: comments/isso.cfg)")
    parser.add_argument("--local", action="store_true",
                        help="for a local preview: no moderation, no e-mail, database .data/comments/preview.db")
    parser.add_argument("--db", help="the SQLite file (relative: to the repository root)")
    parser.add_argument("--listen", help="http://host:port to listen on (default: the file's [server] listen)")
    parser.add_argument("--origin", action="append", metavar="URL",
                        help="a site origin allowed to use the comments (repeatable; replaces [general] host)")


def run(args: argparse.Namespace) -> int:
    try:
        conf = load(args.config, local=args.local, db=args.db, listen=args.listen, origins=args.origin)
    except BadServerSettings as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        serve(conf)
    except KeyboardInterrupt:
        pass
    return 0
