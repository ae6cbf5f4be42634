"""CI's own scripts: .ci/install-packages (apt-get as root, through sudo
otherwise), .ci/find-python (each leg's interpreter) and .ci/run (the legs),
run with stub commands on a PATH of their own: nothing is installed, no Python
is looked for on this machine and no test suite is run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BASH = shutil.which("bash")
EVERY_PACKAGE = ["make", "python3", "python3-venv", "chromium", "npm", "gcc", "nginx", "openssl"]
# The commands that tell .ci/install-packages those packages are there.
COMMANDS = ("make", "python3", "chromium", "npm", "gcc", "nginx", "openssl")


def stub(bindir: Path, name: str, body: str) -> None:
    path = bindir / name
    path.write_text(f"#!{BASH}\n{body}\n")
    path.chmod(0o755)


def machine(tmp_path: Path, uid: int, sudo: bool) -> tuple[Path, Path]:
    """A PATH holding stub ``id`` (says ``uid``), ``apt-get`` and maybe ``sudo``,
    and nothing else but ``env``: every package check sees its command missing.
    Each call is logged, one line each."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.log"
    os.symlink(shutil.which("env"), bindir / "env")
    stub(bindir, "id", f'[ "$1" = -u ] && echo {uid} || echo "uid={uid}"')
    stub(bindir, "apt-get", f'echo "apt-get $* | DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}} via_sudo=${{VIA_SUDO:-no}}" >> {log}')
    if sudo:
        # Like the real sudo: the command runs with a reset environment; VAR=value
        # arguments before it are set.
        stub(bindir, "sudo", f'echo "sudo $*" >> {log}\n'
                             f'vars=(); while [[ $1 == *=* ]]; do vars+=("$1"); shift; done\n'
                             f'exec {shutil.which("env")} -i PATH="$PATH" VIA_SUDO=yes "${{vars[@]}}" "$@"')
    return bindir, log


def install_packages(bindir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(REPO / ".ci" / "install-packages")], capture_output=True, text=True,
                          timeout=60, env={"PATH": str(bindir), "HOME": str(bindir.parent), **env})


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_as_root_apt_get_runs_without_sudo(tmp_path):
    bindir, log = machine(tmp_path, uid=0, sudo=True)
    proc = install_packages(bindir)
    assert proc.returncode == 0, proc.stderr
    assert calls(log) == [
        "apt-get update -qq | DEBIAN_FRONTEND=noninteractive via_sudo=no",
        f"apt-get install -y -qq {' '.join(EVERY_PACKAGE)} | DEBIAN_FRONTEND=noninteractive via_sudo=no",
    ]


def test_as_a_user_apt_get_runs_through_sudo_with_debian_frontend(tmp_path):
    bindir, log = machine(tmp_path, uid=1000, sudo=True)
    proc = install_packages(bindir)
    assert proc.returncode == 0, proc.stderr
    apt_calls = [line for line in calls(log) if line.startswith("apt-get")]
    assert apt_calls == [
        "apt-get update -qq | DEBIAN_FRONTEND=noninteractive via_sudo=yes",
        f"apt-get install -y -qq {' '.join(EVERY_PACKAGE)} | DEBIAN_FRONTEND=noninteractive via_sudo=yes",
    ]
    sudo_calls = [line for line in calls(log) if line.startswith("sudo")]
    assert len(sudo_calls) == 2 and all("apt-get" in line for line in sudo_calls)


def test_as_a_user_without_sudo_it_stops_with_one_clear_line(tmp_path):
    bindir, log = machine(tmp_path, uid=1000, sudo=False)
    proc = install_packages(bindir)
    assert proc.returncode != 0
    assert calls(log) == []
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "sudo" in lines[0] and "root" in lines[0] and "nginx" in lines[0]


def test_a_machine_that_has_everything_needs_neither_root_nor_sudo(tmp_path):
    bindir, log = machine(tmp_path, uid=1000, sudo=False)
    for command in COMMANDS:
        stub(bindir, command, "exit 0")
    proc = install_packages(bindir)
    assert proc.returncode == 0, proc.stderr
    assert calls(log) == [] and proc.stdout == ""


def test_nginx_installed_outside_the_path_is_not_installed_again(tmp_path):
    """A user's PATH may leave out /usr/sbin: dpkg says nginx is there."""
    bindir, log = machine(tmp_path, uid=0, sudo=False)
    stub(bindir, "dpkg-query", '[ "${@: -1}" = nginx ] && printf installed || exit 1')
    proc = install_packages(bindir)
    assert proc.returncode == 0, proc.stderr
    assert calls(log)[-1].startswith(
        f"apt-get install -y -qq {' '.join(p for p in EVERY_PACKAGE if p != 'nginx')} |")


# -- .ci/find-python --------------------------------------------------------


def find_python(bindir: Path, version: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(REPO / ".ci" / "find-python"), version], capture_output=True, text=True,
                          timeout=60, env={"PATH": str(bindir), "HOME": str(bindir.parent), **env})


def fake_python(path: Path, version: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    stub(path.parent, path.name, f"echo {version}")
    return path


def test_find_python_takes_the_one_on_path_when_it_runs(tmp_path):
    bindir = tmp_path / "bin"
    python = fake_python(bindir / "python3.13", "3.13")
    proc = find_python(bindir, "3.13")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(python)


def test_find_python_passes_over_a_pyenv_shim_that_fails_to_pyenvs_own(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    stub(bindir, "python3.13", 'echo "pyenv: python3.13: command not found" >&2; exit 127')
    root = tmp_path / "pyenv"
    stub(bindir, "pyenv", f'[ "$1" = root ] && echo {root}')
    python = fake_python(root / "versions" / "3.13.0" / "bin" / "python3.13", "3.13")
    fake_python(root / "versions" / "3.11.7" / "bin" / "python3.11", "3.11")
    proc = find_python(bindir, "3.13")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(python)


@pytest.mark.parametrize("wrong", ["3.11", ""])
def test_find_python_fails_with_one_line_when_there_is_none(tmp_path, wrong):
    bindir = tmp_path / "bin"
    if wrong:
        fake_python(bindir / "python3.13", wrong)  # answers, but is another version
    else:
        bindir.mkdir()
    proc = find_python(bindir, "3.13", PYENV_ROOT=str(tmp_path / "no-pyenv"))
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "install" in lines[0] and "3.13" in lines[0], proc.stderr


# -- .ci/run ----------------------------------------------------------------


def make_logging(log: Path) -> str:
    """A stub make's body: its arguments as one line of ``log``, in one write
    (the two legs' runs call make at the same time)."""
    return f'line=$(printf " [%s]" "$@"); printf "make%s\\n" "$line" >> {log}'


def ci_machine(tmp_path: Path, pythons: tuple[str, ...]) -> tuple[Path, Path]:
    """Root, every Debian package there, ``make`` a stub that logs its
    arguments, and a pythonX.Y for each of ``pythons``."""
    bindir, log = machine(tmp_path, uid=0, sudo=False)
    for tool in ("dirname", "bash", "mktemp", "cat", "rm"):
        os.symlink(shutil.which(tool), bindir / tool)
    for command in COMMANDS:
        stub(bindir, command, "exit 0")
    stub(bindir, "make", make_logging(log))
    for version in pythons:
        fake_python(bindir / f"python{version}", version)
    return bindir, log


def ci_run(bindir: Path, *legs: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(REPO / ".ci" / "run"), *legs], capture_output=True, text=True, timeout=60,
                          env={"PATH": str(bindir), "HOME": str(bindir.parent),
                               "PYENV_ROOT": str(bindir.parent / "no-pyenv")})


def test_ci_makes_both_environments_then_runs_everything_on_311_and_313_without_the_browser_tests(tmp_path):
    bindir, log = ci_machine(tmp_path, ("3.11", "3.13"))
    proc = ci_run(bindir)
    assert proc.returncode == 0, proc.stderr
    made = calls(log)
    # The environments one after the other (they share folders), then the two runs side by side.
    assert made[:2] == [f"make [test-env] [PYTHON={bindir}/python3.11]", f"make [test-env] [PYTHON={bindir}/python3.13]"]
    runs = sorted(made[2:])
    assert len(runs) == 2
    assert runs[0].startswith(f"make [test] [PYTHON={bindir}/python3.11] [PYTEST_ARGS= -p no:cacheprovider --basetemp=")
    assert runs[1].startswith(f'make [test] [PYTHON={bindir}/python3.13] [PYTEST_ARGS=-m "not browser" '
                              "-p no:cacheprovider --basetemp=")
    assert runs[0].split("--basetemp=")[1] != runs[1].split("--basetemp=")[1]  # a pytest folder each
    assert "=== Python 3.11: passed" in proc.stdout and "=== Python 3.13: passed" in proc.stdout


def test_ci_fails_when_one_leg_fails_and_shows_that_legs_output(tmp_path):
    bindir, log = ci_machine(tmp_path, ("3.11", "3.13"))
    stub(bindir, "make", make_logging(log) + "\n"
                         'case "$*" in *"test PYTHON"*python3.13*) echo "1 failed: test_x"; exit 2;; esac')
    proc = ci_run(bindir)
    assert proc.returncode != 0
    assert "1 failed: test_x" in proc.stdout and "=== Python 3.13: FAILED (exit 2) ===" in proc.stdout
    assert "=== Python 3.11: passed" in proc.stdout  # the other leg still ran to its end
    assert "failed: 3.13" in proc.stderr


def test_ci_runs_one_leg_whole_when_asked(tmp_path):
    bindir, log = ci_machine(tmp_path, ("3.13",))
    proc = ci_run(bindir, "3.13")
    assert proc.returncode == 0, proc.stderr
    assert calls(log) == [f"make [test] [PYTHON={bindir}/python3.13] [PYTEST_ARGS=]"]


def test_ci_without_python_313_fails_before_testing_anything(tmp_path):
    bindir, log = ci_machine(tmp_path, ("3.11",))
    proc = ci_run(bindir)
    assert proc.returncode != 0
    assert calls(log) == []
    assert "no Python 3.13" in proc.stderr and "install" in proc.stderr
