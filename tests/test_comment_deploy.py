"""The comment server's deployment files (deploy/isso/): the systemd units and the container file.

Both run the same command: ``python -m techblog.tools.comment_server --db
<state folder>/comments.db``, with the repository's layout (``/srv/techblog``
for the unit, ``/app`` in the image) so that the module reads the same
settings file, comments/isso.cfg. The tests run the units' commands as
systemd would (paths moved into a temporary folder), the image's command on
exactly the files the container file copies, and ``systemd-analyze verify``
and ``security`` on the units when systemd-analyze is installed. Building and
running the image needs a container engine (podman or docker) and a network.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from browser.servers import free_port, wait_until_up
from comment_env import REPO, comments_python, post, run_server_command

DEPLOY = REPO / "deploy" / "isso"
UNIT = DEPLOY / "techblog-comments.service"
BACKUP_UNIT = DEPLOY / "techblog-comments-backup.service"
TIMER = DEPLOY / "techblog-comments-backup.timer"
CONTAINERFILE = DEPLOY / "Containerfile"
IGNORE_FILE = DEPLOY / "Containerfile.dockerignore"
UNIT_ROOT = "/srv/techblog"
IMAGE_ROOT = "/app"
MODULE = ["-m", "techblog.tools.comment_server"]


# -- Reading the files -------------------------------------------------------------

def unit_file(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit: each section's settings in order (a key may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    section = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = sections.setdefault(line.strip("[]"), [])
        else:
            key, _, value = line.partition("=")
            section.append((key.strip(), value.strip()))
    return sections


def values(unit: dict, section: str, key: str) -> list[str]:
    return [value for k, value in unit[section] if k == key]


def one(unit: dict, section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, f"[{section}] {key}: {found}"
    return found[0]


def instructions(path: Path) -> list[tuple[str, str]]:
    """A container file's instructions, continuation lines joined."""
    text = re.sub(r"\\\n", " ", "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                                          if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip())
            for line in text.splitlines() if line.strip()]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions(CONTAINERFILE)
    last = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return steps[last:]


def instruction(name: str) -> str:
    found = [args for step, args in final_stage() if step == name]
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def image_environment() -> dict[str, str]:
    return dict(item.split("=", 1) for args in (a for s, a in final_stage() if s == "ENV")
                for item in shlex.split(args))


def copies() -> list[tuple[list[str], str]]:
    """What the final stage copies from the build context: (sources, destination)."""
    found = []
    for step, args in final_stage():
        words = shlex.split(args)
        if step == "COPY" and not any(word.startswith("--from") for word in words):
            found.append((words[:-1], words[-1]))
    return found


def build_stage_copies() -> list[str]:
    steps = instructions(CONTAINERFILE)
    last = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return [source for step, args in steps[:last] if step == "COPY" for source in shlex.split(args)[:-1]]


# -- The unit's command, run as systemd would ---------------------------------------

def in_tmp(text: str, tmp: Path) -> str:
    """``text`` with the unit's repository replaced by this one and /var/lib/ by a folder of ``tmp``."""
    return text.replace(UNIT_ROOT, str(REPO)).replace("/var/lib/", f"{tmp}/var/lib/")


def as_systemd_runs(path: Path, tmp: Path) -> tuple[list[str], dict, Path]:
    """The unit's ExecStart, environment and working folder, with its state folders made (StateDirectory=)."""
    unit = unit_file(path)
    for name in one(unit, "Service", "StateDirectory").split():
        (tmp / "var" / "lib" / name).mkdir(parents=True, exist_ok=True)
    env = dict(item.split("=", 1) for value in values(unit, "Service", "Environment")
               for item in shlex.split(in_tmp(value, tmp)))
    command = shlex.split(in_tmp(one(unit, "Service", "ExecStart"), tmp))
    return command, {**os.environ, **env}, Path(in_tmp(one(unit, "Service", "WorkingDirectory"), tmp))


def test_the_unit_runs_the_server_as_the_repository_environment_does():
    unit = unit_file(UNIT)
    command = shlex.split(one(unit, "Service", "ExecStart"))
    assert command[:3] == [f"{UNIT_ROOT}/.venv-comments/bin/python", *MODULE]
    assert values(unit, "Service", "Environment") == [f"PYTHONPATH={UNIT_ROOT}"]
    assert one(unit, "Service", "WorkingDirectory") == UNIT_ROOT
    assert one(unit, "Service", "EnvironmentFile") == "/etc/techblog/comments.env"
    assert one(unit, "Service", "User") == "techblog"
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Service", "UMask") == "0077"
    database = Path(command[command.index("--db") + 1])
    assert database.parent == Path("/var/lib") / one(unit, "Service", "StateDirectory")


def test_the_units_command_uses_the_settings_file_and_the_state_folders_database(tmp_path):
    command, env, cwd = as_systemd_runs(UNIT, tmp_path)
    proc = subprocess.run([*command, "--print-settings"], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    database = tmp_path / "var" / "lib" / "techblog-comments" / "comments.db"
    # What the tests' own server command prints for comments/isso.cfg and that database, to the byte.
    assert proc.stdout == run_server_command("--db", str(database), "--print-settings").stdout
    printed = configparser.ConfigParser(interpolation=None)
    printed.read_string(proc.stdout)
    assert printed.get("general", "dbpath") == str(database)
    assert printed.get("general", "host").split() == ["https://techblog.web.cern.ch"]
    assert printed.get("server", "listen") == "http://127.0.0.1:8090/"
    assert printed.getboolean("moderation", "enabled")


def test_the_units_command_serves_comments_and_the_backup_units_command_backs_them_up(tmp_path):
    command, env, cwd = as_systemd_runs(UNIT, tmp_path)
    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "isso.log"
    with log.open("w") as output:
        server = subprocess.Popen([*command, "--listen", url], cwd=cwd, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_up(url + "/config")
        except OSError:
            pytest.fail(f"the unit's command did not serve: {log.read_text()}")
        with urllib.request.urlopen(url + "/config", timeout=10) as response:
            assert "config" in json.loads(response.read())
        assert post(url, 1, forwarded_for="192.0.2.7")[0] == 202  # moderation on: waits for a moderator

        backup, backup_env, backup_cwd = as_systemd_runs(BACKUP_UNIT, tmp_path)
        proc = subprocess.run(backup, cwd=backup_cwd, env=backup_env, capture_output=True, text=True,
                              timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr
    made = list((tmp_path / "var" / "lib" / "techblog-comments-backup").glob("comments-*Z.db"))
    assert len(made) == 1 and f"{made[0]}: 1 comment, " in proc.stdout
    assert made[0].with_name(made[0].name + ".hash-salt").exists()


def test_the_backup_timer_runs_daily_and_catches_up():
    timer = unit_file(TIMER)
    assert one(timer, "Timer", "OnCalendar") == "daily" and one(timer, "Timer", "Persistent") == "true"
    assert one(timer, "Install", "WantedBy") == "timers.target"
    backup = unit_file(BACKUP_UNIT)
    assert one(backup, "Service", "Type") == "oneshot"
    assert one(backup, "Service", "User") == one(unit_file(UNIT), "Service", "User")
    command = shlex.split(one(backup, "Service", "ExecStart"))
    python = f"{UNIT_ROOT}/.venv-comments/bin/python"
    assert command[:4] == [python, "-m", "techblog.tools.comment_backup", "backup"]
    assert command[command.index("--db") + 1] == "/var/lib/techblog-comments/comments.db"


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze is not installed "
                                           "(apt-get install systemd)")


def units_in(tmp: Path) -> list[Path]:
    """The three units, with paths moved into ``tmp``, side by side (the timer finds its service)."""
    folder = tmp / "units"
    folder.mkdir()
    for path in (UNIT, BACKUP_UNIT, TIMER):
        (folder / path.name).write_text(in_tmp(path.read_text(encoding="utf-8"), tmp), encoding="utf-8")
    return sorted(folder.iterdir())


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    """Unknown keys, bad values and a missing executable are all reported by verify."""
    proc = subprocess.run([SYSTEMD_ANALYZE, "verify", *map(str, units_in(tmp_path))], capture_output=True,
                          text=True, timeout=60)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")


@needs_systemd_analyze
@pytest.mark.parametrize("name, highest", [("techblog-comments.service", 2.0),
                                           ("techblog-comments-backup.service", 1.0)])
def test_the_services_are_confined(tmp_path, name, highest):
    """systemd's own exposure score: 0 (confined) to 10 (exposed); 'OK' is below 5, 'SAFE' below 1.5."""
    unit = next(path for path in units_in(tmp_path) if path.name == name)
    proc = subprocess.run([SYSTEMD_ANALYZE, "security", "--offline=true", str(unit)], capture_output=True,
                          text=True, timeout=60)
    score = re.search(r"Overall exposure level for \S+: ([0-9.]+)", proc.stdout)
    assert score, proc.stdout + proc.stderr
    assert float(score[1]) <= highest, proc.stdout


# -- The container file ------------------------------------------------------------

def test_the_image_runs_the_units_command_with_the_same_settings_file():
    """Same interpreter and module (each under its repository's root), the database in the state
    folder (the unit's StateDirectory, the image's VOLUME), no other argument: so the same file,
    <root>/comments/isso.cfg, and the same [server] listen, 127.0.0.1:8090."""
    unit = unit_file(UNIT)
    unit_command = shlex.split(one(unit, "Service", "ExecStart"))
    image_command = json.loads(instruction("CMD"))
    for command, root in ((unit_command, UNIT_ROOT), (image_command, IMAGE_ROOT)):
        assert command[:4] == [f"{root}/.venv-comments/bin/python", *MODULE, "--db"], command
        assert len(command) == 5 and Path(command[4]).name == "comments.db", command
    assert Path(unit_command[4]).parent == Path("/var/lib") / one(unit, "Service", "StateDirectory")
    assert Path(image_command[4]).parent == Path(instruction("VOLUME"))
    assert image_environment()["PYTHONPATH"] == IMAGE_ROOT and instruction("WORKDIR") == IMAGE_ROOT
    destinations = {Path(destination) for _, destination in copies()}
    assert Path(IMAGE_ROOT) / "comments" / "isso.cfg" in destinations
    assert instruction("USER") not in ("root", "0")


def ignored(path: str) -> bool:
    """Whether docker/podman leave ``path`` out of the build context (last matching pattern wins)."""
    excluded = False
    for line in IGNORE_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!").strip()
        regex = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            excluded = not negated
    return excluded


def test_every_file_the_container_file_copies_exists_and_is_in_the_build_context():
    sources = [source for sources, _ in copies() for source in sources] + build_stage_copies()
    assert "techblog/tools/comment_server.py" in sources and "comments/requirements.txt" in sources
    for source in sources:
        assert (REPO / source).is_file(), f"COPY {source}: no such file"
        assert not ignored(source), f"COPY {source}: left out of the build context by {IGNORE_FILE.name}"
    for kept_out in (".venv-comments/bin/python", ".data/comments/comments.db", ".git/config", "conf.py"):
        assert ignored(kept_out), kept_out


def image_layout(tmp: Path) -> Path:
    """The image's /app, from exactly what the final stage copies; the environment linked in
    (the build stage makes it from the same requirements). Copies, not links, of our files:
    the module finds its repository from its own resolved path."""
    app = tmp / "app"
    for sources, destination in copies():
        target = Path(destination.replace(IMAGE_ROOT, str(app), 1))
        for source in sources:
            path = target / Path(source).name if destination.endswith("/") else target
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / source, path)
    (app / ".venv-comments").symlink_to(comments_python().parent.parent)
    return app


def test_the_images_command_runs_on_the_files_the_image_holds(tmp_path):
    app = image_layout(tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    command = [arg.replace(IMAGE_ROOT, str(app), 1).replace("/data/", f"{data}/")
               for arg in json.loads(instruction("CMD"))]
    env = {**os.environ, **image_environment(), "PYTHONPATH": str(app)}
    proc = subprocess.run([*command, "--print-settings"], cwd=app, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == run_server_command("--db", str(data / "comments.db"), "--print-settings").stdout

    url = f"http://127.0.0.1:{free_port()}"
    log = tmp_path / "isso.log"
    with log.open("w") as output:
        server = subprocess.Popen([*command, "--listen", url], cwd=app, env=env, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        try:
            wait_until_up(url + "/config")
        except OSError:
            pytest.fail(f"the image's command did not serve: {log.read_text()}")
        assert post(url, 1, forwarded_for="192.0.2.7")[0] == 202
        backup = subprocess.run([command[0], "-m", "techblog.tools.comment_backup", "backup", "--db",
                                 str(data / "comments.db"), str(tmp_path / "backup.db")],
                                cwd=app, env=env, capture_output=True, text=True, timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert backup.returncode == 0, backup.stderr
    assert backup.stdout.startswith(f"{tmp_path / 'backup.db'}: 1 comment, ")


# -- Building and running the image ------------------------------------------------

def container_engine() -> tuple[str | None, str]:
    """podman or docker if one answers, else None and why not."""
    reasons = []
    for name in ("podman", "docker"):
        if not shutil.which(name):
            reasons.append(f"{name}: not installed")
            continue
        proc = subprocess.run([name, "info"], capture_output=True, text=True, timeout=60)
        if proc.returncode == 0:
            return name, ""
        reasons.append(f"{name} info: {(proc.stderr.strip().splitlines() or ['failed'])[-1]}")
    return None, "; ".join(reasons)


@pytest.mark.slow
def test_the_image_builds_serves_and_backs_up(tmp_path):
    """Built as README says, run on the host's network with a data folder owned by the caller."""
    engine, reason = container_engine()
    if engine is None:
        pytest.skip(f"no container engine to build the image with ({reason})")
    tag = "techblog-comments:test"
    build = [engine, "build", "-f", str(CONTAINERFILE), "-t", tag]
    build += ["--ignorefile", str(IGNORE_FILE)] if engine == "podman" else []
    proc = subprocess.run([*build, str(REPO)], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    data = tmp_path / "data"
    data.mkdir()
    url = f"http://127.0.0.1:{free_port()}"
    name = f"techblog-comments-test-{os.getpid()}"
    command = [*json.loads(instruction("CMD")), "--listen", url]
    run = [engine, "run", "-d", "--rm", "--name", name, "--network", "host", "--user",
           f"{os.getuid()}:{os.getgid()}", "-v", f"{data}:/data", tag, *command]
    proc = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    try:
        wait_until_up(url + "/config", timeout=60)
        assert post(url, 1, forwarded_for="192.0.2.7")[0] == 202
        backup = [command[0], "-m", "techblog.tools.comment_backup", "backup", "--db", "/data/comments.db",
                  "/data/backup.db"]
        proc = subprocess.run([engine, "exec", name, *backup], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        with sqlite3.connect(data / "backup.db") as db:
            assert db.execute("SELECT count(*) FROM comments").fetchone() == (1,)
    finally:
        started = time.monotonic()
        subprocess.run([engine, "stop", "--time", "30", name], capture_output=True, timeout=120)
    assert time.monotonic() - started < 10, "the container ignored its stop signal"
