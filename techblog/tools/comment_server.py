"""Run the blog's Isso comment server: ``python -m techblog comments``.

Isso runs in an environment of its own, ``.venv-comments`` (``make
comments-env``; ``comments/requirements.txt``), apart from the site's: it
needs a compiler for misaka, and building the site never runs it. There
this module is the server itself (``python -m
techblog.tools.comment_server``); run from the site's environment, the
``comments`` command checks its arguments and hands over to that one.

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
- The hash salt is never Isso's public default: without ``ISSO_HASH_SALT``
  a random one is made on the first start and kept beside the database
  (``<database>.hash-salt``, mode 0600), so hashes stay the same across
  restarts. A salt that is Isso's default or too short is refused.
- Only a trusted proxy's ``X-Forwarded-For`` is believed, and only the
  address that proxy added (see ``ForwardedFor``), so a reader cannot dodge
  the rate limits by sending the header themselves.
- While it serves, the server holds a shared lock on ``<database>.lock``:
  ``comment_backup restore`` refuses to replace a database in use, and a
  server started during a restore waits for it.

Relative database paths are relative to the repository root, and the
database's folder is created, so a fresh clone needs no set-up.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import ipaddress
import os
import secrets
import sys
import tempfile
from configparser import ConfigParser
from configparser import Error as ConfigParserError
from pathlib import Path
from urllib.parse import urlsplit

from techblog.tools import arguments
from techblog.tools.arguments import one_line

REPO = Path(__file__).resolve().parents[2]  # techblog/tools/ -> the repository
CONFIG = REPO / "comments" / "isso.cfg"
# The comment server's own environment (Makefile: comments-env); TECHBLOG_COMMENTS_PYTHON names another.
ENVIRONMENT = REPO / ".venv-comments"
PREVIEW_DB = ".data/comments/preview.db"
SECRETS = {
    "ISSO_ADMIN_PASSWORD": ("admin", "password"),
    "ISSO_SMTP_USERNAME": ("smtp", "username"),
    "ISSO_SMTP_PASSWORD": ("smtp", "password"),
    "ISSO_HASH_SALT": ("hash", "salt"),
}


SALT_SUFFIX = ".hash-salt"
LOCK_SUFFIX = ".lock"
MIN_SALT_LENGTH = 16
# The salt every Isso installation ships with (isso/isso.cfg and isso/utils/hash.py, 0.14.0):
# public, so hashes made with it confirm a guessed e-mail address. Also read from Isso itself below.
ISSO_PUBLIC_SALTS = {"Eech7co8Ohloopo9Ol6baimi"}
# Headers only a proxy in front of Isso may set; dropped from every other peer.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                      "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_X_SCRIPT_NAME",
                      "HTTP_X_REAL_IP", "HTTP_FORWARDED")


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


def check_config(config: Path) -> None:
    """``config`` is a settings file that can be read, or BadServerSettings naming it."""
    expected = "Isso's configuration file (comments/isso.cfg)"
    try:
        if not config.is_file():  # nor a pipe, whose reading would never end
            problem = "a folder" if config.is_dir() else "not a regular file" if config.exists() else "no such file"
            raise BadServerSettings(f"--config {config}: {problem}; expected {expected}")
        ConfigParser(interpolation=None).read_string(config.read_text(encoding="utf-8"), str(config))
    except ConfigParserError as err:
        raise BadServerSettings(f"--config {config}: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else f"not UTF-8: {err.reason}"
        raise BadServerSettings(f"--config {config}: cannot be read ({reason}); expected {expected}") from None


def check_listen(address: str, where: str) -> None:
    if not address.startswith("http://"):
        raise BadServerSettings(f"{where}: {address!r} is not supported here; expected http://host:port")
    http_origin(address, where)
    if not urlsplit(address).port:  # none, or 0: a free port chosen at random, which no page would know
        raise BadServerSettings(f"{where}: {address!r} has no port; expected http://host:port with a port "
                                "from 1 to 65535")


def database(given: str, what: str) -> Path:
    """The database's path (relative: to the repository), its folder made and writable."""
    path = Path(given)
    if not path.is_absolute():
        path = REPO / path
    where, expected = f"{what} {path}", "an SQLite file in a folder this user can write"
    try:
        if path.is_dir():
            raise BadServerSettings(f"{where}: a folder; expected {expected}")
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BadServerSettings(f"{where}: cannot make its folder ({err.strerror}); expected {expected}") from None
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise BadServerSettings(f"{where}: its folder is not writable; expected {expected}")
    return path


def check_arguments(args: argparse.Namespace) -> None:
    """The command line's values, checked without Isso, so the site's environment,
    which has none, refuses them itself before handing over (:func:`run`)."""
    check_config(args.config)
    if args.listen:
        check_listen(args.listen, "--listen")
    for origin in args.origin or []:
        http_origin(origin, "--origin")
    if args.db:
        database(args.db, "--db")


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
    check_config(config)
    conf = isso_config.load(isso_config.default_file(), str(config))

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
    configured_salt = conf.get("hash", "salt")
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
    check_listen(conf.get("server", "listen"), "--listen" if listen else "[server] listen")

    trusted_networks(conf)  # refuses an entry that is not an address or a network

    path = database(conf.get("general", "dbpath"), "--db" if db else "[general] dbpath")
    conf.set("general", "dbpath", str(path))

    public = ISSO_PUBLIC_SALTS | {isso_config.load(isso_config.default_file()).get("hash", "salt")}
    if environ.get("ISSO_HASH_SALT"):
        conf.set("hash", "salt", checked_salt(environ["ISSO_HASH_SALT"], "ISSO_HASH_SALT", public))
    elif configured_salt.strip() and configured_salt not in public:
        instead = "or remove it to use one generated and kept beside the database"
        conf.set("hash", "salt", checked_salt(configured_salt, f"{config}: [hash] salt", public, instead))
    else:
        conf.set("hash", "salt", kept_salt(salt_file(path), public))
    return conf


def salt_file(db: Path) -> Path:
    """Where the generated hash salt of database ``db`` is kept: beside it."""
    return db.with_name(db.name + SALT_SUFFIX)


UNSET_SALT = "or leave ISSO_HASH_SALT unset to use one generated and kept beside the database"


def checked_salt(salt: str, where: str, public: set[str], instead: str = UNSET_SALT) -> str:
    """``salt`` if it is secret enough, or BadServerSettings naming ``where``."""
    expected = f"expected a random secret of at least {MIN_SALT_LENGTH} characters ({instead})"
    if salt in public:
        raise BadServerSettings(f"{where}: this is Isso's public default hash salt; {expected}")
    if len(salt) < MIN_SALT_LENGTH:
        raise BadServerSettings(f"{where}: the hash salt has {len(salt)} characters; {expected}")
    return salt


def kept_salt(path: Path, public: set[str]) -> str:
    """The salt kept in ``path``; on the first start a random one, written there first.

    The file is made with mode 0600 and appears whole or not at all: the salt
    is written to a temporary file and hard-linked to ``path``, which never
    replaces a salt already there (two servers starting at once both end up
    with the one that was linked first).
    """
    if not path.exists():
        try:
            # mkstemp makes the file 0600, and the salt is never readable by others, not even briefly
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(handle, "w", encoding="ascii") as out:
                    out.write(secrets.token_urlsafe(32) + "\n")
                    out.flush()
                    os.fsync(out.fileno())
                os.link(temporary, path)
            except FileExistsError:
                pass
            finally:
                os.unlink(temporary)
        except OSError as err:
            raise BadServerSettings(f"{path}: cannot keep a generated hash salt ({err.strerror}); expected a "
                                    "writable folder beside the database, or set ISSO_HASH_SALT") from None
    try:
        salt = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as err:
        raise BadServerSettings(f"{path}: cannot read the kept hash salt ({err}); expected the file this "
                                "command wrote on its first start, or set ISSO_HASH_SALT") from None
    return checked_salt(salt, str(path), public,
                        "delete the file to have a new one made on the next start, or set ISSO_HASH_SALT")


def trusted_networks(conf) -> list:
    """``[server] trusted-proxies`` as networks (a single address is a /32 or /128)."""
    networks = []
    for entry in conf.getiter("server", "trusted-proxies"):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise BadServerSettings(f"[server] trusted-proxies: {entry!r} is not an IP address or network; "
                                    "expected e.g. 127.0.0.1") from None
    return networks


def ip_address(value: str):
    """``value`` as an IP address (IPv4-mapped IPv6 as IPv4), or None."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


class ForwardedFor:
    """WSGI middleware: the reader's address is the peer's, unless the peer is a trusted proxy.

    Works around Isso 0.14.0, whose app is wrapped in Werkzeug's ProxyFix with
    ``x_for=1``: it takes the right-most ``X-Forwarded-For`` element as the
    client's address whatever the peer, so a reader reaching Isso directly can
    send a new made-up address with each comment and never meet the rate
    limits (``[guard] ratelimit``, ``direct-reply``), which count comments per
    address. ``[server] trusted-proxies`` only changes which element Isso picks.

    Here, when the peer is in ``trusted-proxies``, the address is the
    right-most element of ``X-Forwarded-For`` (the one the proxy itself added:
    nginx's ``$remote_addr``; elements to its left came from the reader) and
    the header is then removed; from any other peer every forwarding header is
    removed, so Isso sees the peer's address. One proxy hop is supported.
    """

    def __init__(self, app, trusted: list) -> None:
        self.app = app
        self.trusted = trusted

    def trusts(self, peer: str) -> bool:
        address = ip_address(peer)
        return address is not None and any(address in network for network in self.trusted)

    def __call__(self, environ, start_response):
        if self.trusts(environ.get("REMOTE_ADDR", "")):
            forwarded = environ.pop("HTTP_X_FORWARDED_FOR", "")
            client = ip_address(forwarded.rsplit(",", 1)[-1]) if forwarded.strip() else None
            if client is not None:
                environ["REMOTE_ADDR"] = str(client)
        else:
            for header in FORWARDING_HEADERS:
                environ.pop(header, None)
        return self.app(environ, start_response)


def wsgi_app(conf):
    """Isso's WSGI application for ``conf``, behind ``ForwardedFor``."""
    from isso import make_app

    return ForwardedFor(make_app(conf), trusted_networks(conf))


def lock_file(db: Path) -> Path:
    """The file a running server holds a shared lock on: beside the database."""
    return db.with_name(db.name + LOCK_SUFFIX)


def hold_database(db: Path) -> None:
    """Take a shared lock on ``<db>.lock``, held until the process ends (the descriptor stays open).

    Isso holds no SQLite lock between requests, so this is how a restore
    (techblog/tools/comment_backup.py, which takes the lock exclusively)
    knows the database is in use, and a server started during a restore
    waits for it to finish instead of opening a half-restored database.
    """
    import fcntl  # POSIX only, and only the server needs it

    try:
        handle = os.open(lock_file(db), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:
        raise BadServerSettings(f"{lock_file(db)}: cannot open the database's lock file ({err.strerror}); "
                                "expected a writable folder beside the database") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"{db} is being restored; waiting for the restore to finish", file=sys.stderr, flush=True)
        fcntl.flock(handle, fcntl.LOCK_SH)


def serve(conf) -> None:
    """Serve Isso until interrupted, holding the database's lock."""
    from werkzeug.serving import run_simple

    hold_database(Path(conf.get("general", "dbpath")))
    address = urlsplit(conf.get("server", "listen"))
    hosts = ", ".join(conf.getiter("general", "host"))
    moderated = "on" if conf.getboolean("moderation", "enabled") else "off"
    print(f"Isso on http://{address.netloc}/ for {hosts}; database {conf.get('general', 'dbpath')}; "
          f"moderation {moderated}", file=sys.stderr, flush=True)
    run_simple(address.hostname, address.port, wsgi_app(conf), threaded=True)


def interpreter(environ: dict | None = None) -> Path:
    """The Python of the comment server's environment, or BadServerSettings saying how to make it."""
    environ = os.environ if environ is None else environ
    given = environ.get("TECHBLOG_COMMENTS_PYTHON")
    python = Path(given) if given else ENVIRONMENT / "bin" / "python"
    if not python.is_file():
        where = "TECHBLOG_COMMENTS_PYTHON" if given else "the comment server's environment"
        raise BadServerSettings(f"{where}: {python} not found; expected a Python with Isso "
                                "(run `make comments-env`, which makes .venv-comments)")
    return python


def environment(extra: dict | None = None) -> dict:
    """The process environment for the server in its own environment, which finds
    this package by PYTHONPATH (it is not installed there)."""
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, **(extra or {}), "PYTHONPATH": path}


def isso_installed() -> bool:
    return importlib.util.find_spec("isso") is not None


def fingerprint(secret: str) -> str:
    """Enough of a secret's hash to tell two apart, never the secret."""
    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


SECRET_OPTIONS = {(section, option) for section, option in SECRETS.values()}


def settings_text(conf) -> str:
    """The settings a server would run with, as INI, secrets shown by fingerprint only."""
    lines = []
    for section in conf.sections():
        lines.append(f"[{section}]")
        for option, value in conf.items(section):
            if (section, option) in SECRET_OPTIONS and value:
                value = fingerprint(value)
            value = "\n    ".join(value.splitlines())
            lines.append(f"{option} = {value}")
        lines.append("")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=CONFIG, help="Isso settings (default: comments/isso.cfg)")
    parser.add_argument("--local", action="store_true",
                        help="for a local preview: no moderation, no e-mail, database .data/comments/preview.db")
    parser.add_argument("--db", help="the SQLite file (relative: to the repository root)")
    parser.add_argument("--listen", help="http://host:port to listen on (default: the file's [server] listen)")
    parser.add_argument("--origin", action="append", metavar="URL",
                        help="a site origin allowed to use the comments (repeatable; replaces [general] host)")
    parser.add_argument("--print-settings", action="store_true",
                        help="print the settings the server would run with (secrets as fingerprints) and exit")


def server_arguments(args: argparse.Namespace) -> list[str]:
    """``args`` as this module's command line, for the server's own environment."""
    argv = ["--config", str(args.config)]
    argv += ["--local"] if args.local else []
    argv += ["--db", args.db] if args.db else []
    argv += ["--listen", args.listen] if args.listen else []
    for origin in args.origin or []:
        argv += ["--origin", origin]
    argv += ["--print-settings"] if args.print_settings else []
    return argv


def hand_over(args: argparse.Namespace) -> None:
    """Become the server in its own environment, with the same arguments (never returns)."""
    python = interpreter()
    command = [str(python), "-m", "techblog.tools.comment_server", *server_arguments(args)]
    os.execve(python, command, environment())


def run(args: argparse.Namespace) -> int:
    try:
        check_arguments(args)
        if not isso_installed():  # the site's environment
            hand_over(args)
        conf = load(args.config, local=args.local, db=args.db, listen=args.listen, origins=args.origin)
    except BadServerSettings as err:
        print(f"error: {one_line(str(err))}", file=sys.stderr)
        return 2
    if args.print_settings:
        print(settings_text(conf), end="")
        return 0
    try:
        serve(conf)
    except BadServerSettings as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = arguments.Parser(prog="python -m techblog.tools.comment_server",
                              description="The blog's Isso comment server (comments/isso.cfg).")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
