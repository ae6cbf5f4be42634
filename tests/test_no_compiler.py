"""`make html` needs Python and make and nothing else: every package the site
installs comes as a wheel (pip install --only-binary :all:), and the build runs
with no C compiler to be found (PATH holds only make, a shell, a few core
utilities and the environment's bin; CC=/bin/false)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The Makefile's choice (CONSTRAINTS): the pins of this interpreter's stack.
CONSTRAINTS = REPO / ("constraints-3.13.txt" if sys.version_info >= (3, 13) else "constraints.txt")
# What the Makefile's recipes run besides the environment's programs.
TOOLS = ("make", "sh", "bash", "env", "test", "[", "touch", "rm", "mkdir", "cat", "echo", "dirname", "uname")
COMPILERS = ("gcc", "cc", "c++", "g++", "clang", "x86_64-linux-gnu-gcc")

pytestmark = pytest.mark.slow


def fresh_environment(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    return path / "bin" / "python"


def install_wheels_only(python: Path, requirements: Path) -> subprocess.CompletedProcess:
    """pip install with wheels only, from the repository root as make does
    (requirements.txt's --find-links wheels is relative to it)."""
    return subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--only-binary", ":all:",
                           "-r", str(requirements), "-c", str(CONSTRAINTS)],
                          cwd=REPO, capture_output=True, text=True, timeout=900)


def no_compiler_path(tmp_path: Path, venv: Path) -> str:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run make here"
        os.symlink(found, bindir / tool)
    path = f"{venv / 'bin'}:{bindir}"
    for compiler in COMPILERS:
        assert shutil.which(compiler, path=path) is None, compiler
    return path


def test_make_html_builds_the_site_from_wheels_with_no_compiler(tmp_path):
    assert CONSTRAINTS.is_file()
    venv = tmp_path / "venv"
    python = fresh_environment(venv)
    proc = install_wheels_only(python, REPO / "requirements.txt")
    assert proc.returncode == 0, proc.stderr[-3000:]

    build = tmp_path / "build"
    # Not the make of a `make test` that runs this: none of its variables.
    environ = {key: value for key, value in os.environ.items()
               if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "VIRTUAL_ENV", "PYTHONPATH"}}
    environ.update(PATH=no_compiler_path(tmp_path, venv), CC="/bin/false", CXX="/bin/false",
                   PIP_ONLY_BINARY=":all:")
    proc = subprocess.run(["make", "html", f"PYTHON={python}", f"VENV={venv}", f"BUILDDIR={build}"],
                          cwd=REPO, capture_output=True, text=True, timeout=900, env=environ)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert "build succeeded" in proc.stdout + proc.stderr
    assert "making it anew" not in proc.stdout  # the environment above, not one make made
    assert (build / "html" / "index.html").is_file()
    assert (build / "html" / "posts").is_dir()


def test_a_package_without_a_wheel_is_refused(tmp_path):
    """What the test above would see if the site needed a compiled package:
    misaka (Isso's, kept out of the site for this reason) has no wheel."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text((REPO / "requirements.txt").read_text() + "misaka==2.1.1\n")
    python = fresh_environment(tmp_path / "venv")
    proc = install_wheels_only(python, requirements)
    assert proc.returncode != 0
    assert "misaka" in proc.stderr
