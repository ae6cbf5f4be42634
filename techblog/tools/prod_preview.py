"""The production web server, run locally: ``make prod-preview``, and the tests.

``deploy/nginx/techblog.conf`` is the file an operator installs; its
production-only lines (the TLS server's address and certificates, the port-80
server, the paths under /srv/techblog) end in ``# preview: ...``.
:func:`render` replaces those lines, and only those, by what follows
``preview:``, and :func:`write_nginx_conf` puts the result in a run folder
beside a throw-away main ``nginx.conf`` (logs, pid and temporary files in
that folder, ``/etc/nginx/mime.types``). The snippets it includes are the
repository's own files. So the preview and the tests run the production
files, and what differs is in one place, the marked lines.

Isso runs with the production settings (``comments/isso.cfg``: moderation
on, the admin page on with ``ISSO_ADMIN_PASSWORD``) but for two, in a copy
written by :func:`comment_settings`: new comments are printed, not mailed
(Isso 0.14 connects to ``[smtp]`` when it starts and mails each new comment:
a real message, if the machine runs a mail server), and its public address is
the preview's (the admin page loads its script from ``[server]
public-endpoint``). :func:`comment_server_command` is the one place that says
how Isso is started, for the preview and the browser tests.

``make prod-preview`` builds the site, then runs Isso and nginx on 127.0.0.1
until Ctrl-C or SIGTERM, which stop both; when one stops by itself, so does
the other.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from techblog.tools import comment_server
from techblog.tools.processes import stop

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy" / "nginx"
PRODUCTION = DEPLOY / "techblog.conf"
COMMENT_SETTINGS = REPO / "comments" / "isso.cfg"
RUN = REPO / ".data" / "prod-preview"
MIME_TYPES = "/etc/nginx/mime.types"
MARK = re.compile(r"^(?P<indent>\s*)(?P<line>.*?)\s*# preview:(?P<preview>.*)$")
# What only production has; none may be left once the marked lines are replaced.
PRODUCTION_ONLY = ("/srv/techblog", "/etc/pki", "listen 443", "listen 80")
# Characters nginx would read as syntax in an unquoted path.
UNSAFE_PATH = re.compile(r"""[\s;{}#$'"\\]""")

MAIN = """\
# Written by techblog/tools/prod_preview.py for one run of deploy/nginx/ (the
# production file, rendered beside this one); thrown away after.
daemon off;
pid {run}/nginx.pid;
error_log {run}/error.log notice;
worker_processes 1;
{user}
events {{
    worker_connections 256;
}}
http {{
    include {mime_types};
    default_type application/octet-stream;
    types_hash_max_size 2048;
    access_log {run}/access.log;
    client_body_temp_path {run}/temp/client_body;
    proxy_temp_path {run}/temp/proxy;
    fastcgi_temp_path {run}/temp/fastcgi;
    uwsgi_temp_path {run}/temp/uwsgi;
    scgi_temp_path {run}/temp/scgi;
    include {run}/techblog.conf;
}}
"""


class PreviewError(Exception):
    """Something the preview cannot run with; the message says what."""


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each line ending in ``# preview: X`` replaced by X, its
    ``{name}`` filled from ``values``, or left out when X is empty."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        marked = None if line.lstrip().startswith("#") else MARK.match(line)
        if marked is None:
            lines.append(line)
            continue
        preview = marked["preview"].strip()
        if preview:
            try:
                filled = re.sub(r"\{(\w+)\}", lambda name: values[name[1]], preview)
            except KeyError as err:
                raise PreviewError(f"{PRODUCTION.name}:{number}: no value for {{{err.args[0]}}}") from None
            lines.append(marked["indent"] + filled)
    rendered = "\n".join(lines) + "\n"
    for number, line in enumerate(rendered.splitlines(), 1):
        if not line.lstrip().startswith("#") and any(word in line for word in PRODUCTION_ONLY):
            raise PreviewError(f"{PRODUCTION.name}: a production-only line without '# preview:': {line.strip()}")
    return rendered


def checked_path(path: Path) -> str:
    text = str(path.resolve())
    if UNSAFE_PATH.search(text):
        raise PreviewError(f"{text}: a path with spaces, quotes or any of ;{{}}#$\\ cannot go in the nginx "
                           "configuration; expected a plain one")
    return text


def write_nginx_conf(run: Path, *, html: Path, port: int, comments_port: int) -> Path:
    """The production files made runnable in ``run``: ``techblog.conf`` (rendered) and
    the ``nginx.conf`` that includes it. Returns the latter."""
    run.mkdir(parents=True, exist_ok=True)
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run / "temp" / temp).mkdir(parents=True, exist_ok=True)
    values = {"port": str(port), "comments_port": str(comments_port), "repo": checked_path(REPO),
              "deploy": checked_path(DEPLOY), "html": checked_path(html)}
    (run / "techblog.conf").write_text(render(PRODUCTION.read_text(encoding="utf-8"), values), encoding="utf-8")
    # As root, nginx's workers would run as nobody, who cannot read a site in a private folder (the tests').
    user = "user root;" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
    main = run / "nginx.conf"
    main.write_text(MAIN.format(run=checked_path(run), user=user, mime_types=MIME_TYPES), encoding="utf-8")
    return main


def nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise PreviewError("nginx not found; expected Debian's nginx package (apt-get install nginx)")
    return found


def nginx_command(conf: Path, *options: str) -> list[str]:
    """nginx in the foreground with ``conf``, its early errors in the run folder too."""
    run = conf.parent
    return [nginx(), "-p", f"{run}/", "-c", str(conf), "-e", str(run / "error.log"), *options]


def comment_settings(run: Path, origin: str) -> Path:
    """``comments/isso.cfg`` for a preview at ``origin``: new comments printed, not
    mailed, and the admin page's own files from the preview."""
    settings = configparser.ConfigParser(interpolation=None)
    settings.read(COMMENT_SETTINGS, encoding="utf-8")
    settings.set("general", "notify", "stdout")
    settings.set("server", "public-endpoint", origin.rstrip("/") + "/comments")
    run.mkdir(parents=True, exist_ok=True)
    target = run / "isso.cfg"
    with target.open("w", encoding="utf-8") as out:
        out.write("# comments/isso.cfg for a local preview (techblog/tools/prod_preview.py): "
                  "[general] notify and [server] public-endpoint differ.\n")
        settings.write(out)
    return target


def comment_server_command(db: Path, listen: str, origin: str, settings: Path | None = None) -> list[str]:
    """How Isso is started for a preview or a test: with ``settings`` (see
    :func:`comment_settings`: moderation on), else ``--local`` (no moderation)."""
    command = [str(comment_server.interpreter()), "-m", "techblog.tools.comment_server", "--db", str(db),
               "--listen", listen, "--origin", origin]
    return command + (["--config", str(settings)] if settings else ["--local"])


def run(args: argparse.Namespace) -> int:
    html = args.html.resolve()
    if not (html / "index.html").is_file():
        print(f"error: {html}/index.html not found; build the site first (make html)", file=sys.stderr)
        return 2
    origin = f"http://127.0.0.1:{args.port}"
    comments = f"http://127.0.0.1:{args.comments_port}"
    try:
        conf = write_nginx_conf(args.run, html=html, port=args.port, comments_port=args.comments_port)
        settings = comment_settings(args.run, origin)
        commands = [comment_server_command(args.run / "comments.db", comments, origin, settings),
                    nginx_command(conf)]
    except (PreviewError, comment_server.BadServerSettings) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    password = os.environ.get("ISSO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    told = "ISSO_ADMIN_PASSWORD" if os.environ.get("ISSO_ADMIN_PASSWORD") else password
    environ = comment_server.environment({"ISSO_ADMIN_PASSWORD": password})
    processes: list[subprocess.Popen] = []

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        for command in commands:
            processes.append(subprocess.Popen(command, cwd=REPO, env=environ))
        print(f"Production preview: {origin}/techblog/ (nginx with deploy/nginx/, logs in {args.run});\n"
              f"moderate comments at {origin}/comments/admin/ (password: {told}). Ctrl-C stops both.",
              file=sys.stderr, flush=True)
        while all(process.poll() is None for process in processes):
            time.sleep(0.3)
        stopped = next(p for p in processes if p.returncode is not None)
        name = "Isso" if stopped is processes[0] else f"nginx (see {args.run / 'error.log'})"
        print(f"{name} stopped (status {stopped.returncode}); stopping the other", file=sys.stderr)
        return stopped.returncode or 1
    except KeyboardInterrupt:
        return 0
    finally:
        # A second Ctrl-C (or SIGTERM) while stopping must not leave a server running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop(processes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m techblog.tools.prod_preview",
                                     description="The built site behind nginx with deploy/nginx/, and Isso.")
    parser.add_argument("--port", type=int, default=8080, help="nginx, on 127.0.0.1 (default: 8080)")
    parser.add_argument("--comments-port", type=int, default=8081, help="Isso, on 127.0.0.1 (default: 8081)")
    parser.add_argument("--html", type=Path, default=REPO / "_build" / "html", help="the built site")
    parser.add_argument("--run", type=Path, default=RUN, help="configuration, logs and comments (default: "
                        ".data/prod-preview)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
