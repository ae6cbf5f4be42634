"""Shared fixtures: sphinx.testing for the tiny sites under tests/roots, and one
session-wide -W build of the real site."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

pytest_plugins = ("sphinx.testing.fixtures", "generated_site")


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return REPO / "tests" / "roots"


@dataclass
class Build:
    srcdir: Path
    outdir: Path
    doctreedir: Path
    returncode: int
    output: str

    def html(self, page: str):
        from bs4 import BeautifulSoup

        return BeautifulSoup((self.outdir / page).read_text(encoding="utf-8"), "html.parser")


def sphinx_build(srcdir: Path, outdir: Path, doctreedir: Path, *options: str, env: dict | None = None) -> Build:
    """Run sphinx-build as CI and authors do (-W: warnings are errors).

    ``env`` adds to the environment (TZ, SOURCE_DATE_EPOCH, ...); the test
    roots find the techblog package through PYTHONPATH.
    """
    environ = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-d", str(doctreedir), *options,
         str(srcdir), str(outdir)],
        capture_output=True,
        text=True,
        env=environ,
    )
    return Build(srcdir, outdir, doctreedir, proc.returncode, proc.stdout + proc.stderr)


def build_root(tmp_path_factory, root: Path) -> Build:
    """A test root built once into a fresh folder (for a module-scoped fixture);
    the build must succeed."""
    out = tmp_path_factory.mktemp(root.name)
    build = sphinx_build(root, out / "html", out / "doctrees")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Build:
    """The real site, built once for the whole session."""
    out = tmp_path_factory.mktemp("site")
    return sphinx_build(REPO, out / "html", out / "doctrees")


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory) -> Build:
    """tests/roots/test-hostile (markup and quotes in every field), built once."""
    out = tmp_path_factory.mktemp("hostile")
    build = sphinx_build(REPO / "tests" / "roots" / "test-hostile", out / "html", out / "doctrees")
    assert build.returncode == 0, build.output
    return build


@dataclass
class Production:
    """The real site behind nginx with deploy/nginx/, and a moderated Isso."""
    origin: str
    site: Build
    nginx: object
    isso: object
    admin_password: str


ADMIN_PASSWORD = "moderator-secret-for-tests"


@pytest.fixture(scope="session")
def production(site, tmp_path_factory) -> Production:
    """``make prod-preview`` for the session: the session's build of the real
    site served by nginx with the production files (tests/browser/servers.py:
    Nginx), Isso with the production settings and an admin password."""
    from browser.servers import moderated_stack
    from techblog.tools import prod_preview

    try:
        prod_preview.nginx()
    except prod_preview.PreviewError as err:
        pytest.skip(str(err))
    assert site.returncode == 0, site.output
    with moderated_stack(tmp_path_factory.mktemp("prod-preview"), site.outdir, ADMIN_PASSWORD) as (nginx, isso):
        yield Production(nginx.origin, site, nginx, isso, ADMIN_PASSWORD)
