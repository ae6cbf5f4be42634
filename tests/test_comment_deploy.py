"""The comment server's deployment files (deploy/isso/): the systemd units.

The unit runs ``python -m techblog.tools.comment_server --db <state
folder>/comments.db`` in the repository (``/srv/techblog``), so the module
reads comments/isso.cfg. The tests run the units' commands as systemd would
(paths moved into a temporary folder), and ``systemd-analyze verify`` and
``security`` on the units when systemd-analyze is installed.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from browser.servers import free_port, wait_until_up
from comment_env import REPO, post, run_server_command

DEPLOY = REPO / "deploy" / "isso"
UNIT = DEPLOY / "techblog-comments.service"
BACKUP_UNIT = DEPLOY / "techblog-comments-backup.service"
TIMER = DEPLOY / "techblog-comments-backup.timer"
UNIT_ROOT = "/srv/techblog"
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
