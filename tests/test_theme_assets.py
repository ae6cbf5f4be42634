"""What every page loads from the theme and Sphinx (techblog/site/theme_assets.py):
Bootstrap's Tooltip and Dropdown instead of all of Bootstrap, no helpers of
Sphinx's search, the theme's three stylesheets as one; all of them as the
theme has them with ``techblog_trim_assets`` off. The vendored Bootstrap is
what assets/bootstrap/ builds. What a reader sees and does with both is
compared in tests/browser/test_used_css.py."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from conftest import REPO, sphinx_build
from techblog.site import theme_assets, used_css

VENDORED = REPO / "_static" / theme_assets.BOOTSTRAP
RECIPE = REPO / "assets" / "bootstrap"
THEIRS = {"styles/theme.css", "basic.css", "pygments.css", "doctools.js", "sphinx_highlight.js",
          "scripts/bootstrap.js"}


def assets(page: Path) -> list[str]:
    """The stylesheets and scripts a page loads, as addresses under _static/."""
    tree = lxml.html.parse(str(page)).getroot()
    found = [*tree.xpath("//link[@rel='stylesheet']/@href"), *tree.xpath("//script/@src")]
    return [address.split("_static/", 1)[1] for address in found if "_static/" in address]


def themed_pages(outdir: Path) -> list[Path]:
    """Pages drawn with the theme (not the old blog's redirect pages)."""
    return [page for page in used_css.html_pages(outdir) if b"pydata-sphinx-theme.js" in page.read_bytes()]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_pages_load_only_what_they_use(site):
    pages = themed_pages(site.outdir)
    assert len(pages) > 50
    expected_bootstrap = f"{theme_assets.BOOTSTRAP}?digest={digest(site.outdir / '_static' / theme_assets.BOOTSTRAP)}"
    css = site.outdir / used_css.USED_CSS
    for page in pages:
        loaded = assets(page)
        names = {address.split("?")[0] for address in loaded}
        assert not names & THEIRS, page
        assert expected_bootstrap in loaded, page
        assert f"styles/pydata-sphinx-theme.used.css?digest={digest(css)}" in loaded, page
        # Bootstrap first: the theme's script uses window.bootstrap (both deferred, run in order)
        assert loaded.index(expected_bootstrap) < [a.split("?")[0] for a in loaded].index(
            "scripts/pydata-sphinx-theme.js"), page
    # the build's copy is the repository's
    assert (site.outdir / "_static" / theme_assets.BOOTSTRAP).read_bytes() == VENDORED.read_bytes()


def test_what_no_page_loads_is_not_in_the_output(site):
    """(test_no_foreign_assets.py: every file a page loads is in the build.)"""
    static = site.outdir / "_static"
    assert [name for name in theme_assets.UNUSED if (static / name).exists()] == []
    assert sorted(font.name for font in (static / theme_assets.FONTS).glob("*.woff2")) == [
        "fa-brands-400.used.woff2", "fa-regular-400.used.woff2", "fa-solid-900.used.woff2"]
    assert not list(static.rglob("*.map")) and not list(static.rglob("*.map.gz"))


def test_untrimmed_pages_load_the_theme_files_as_they_are(tmp_path):
    root = REPO / "tests" / "roots" / "test-page-weight"
    build = sphinx_build(root, tmp_path / "html", tmp_path / "doctrees", "-D", "techblog_trim_assets=0")
    assert build.returncode == 0, build.output
    for page in themed_pages(build.outdir):
        names = {address.split("?")[0] for address in assets(page)}
        assert THEIRS - {"basic.css"} <= names, page  # (theme.css @imports basic.css)
        assert theme_assets.BOOTSTRAP not in names, page
    assert [name for name in theme_assets.UNUSED if not (build.outdir / "_static" / name).is_file()] == [
        "base-stemmer.js", "english-stemmer.js"]  # (copied only with Sphinx's own search, which is off)


def test_the_vendored_bootstrap_names_the_versions_it_is_built_from():
    lock = json.loads((RECIPE / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    banner = VENDORED.read_text(encoding="utf-8").split("\n", 1)[0]
    assert f"Bootstrap {lock['node_modules/bootstrap']['version']} " in banner
    assert f"Popper {lock['node_modules/@popperjs/core']['version']} " in banner
    licence = (VENDORED.parent / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright (c) 2011-2024 The Bootstrap Authors" in licence and "Popper" in licence \
        and "BSD 3-Clause" in licence


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed (make test's axe-core needs it too)")
def test_the_vendored_bootstrap_is_what_its_recipe_builds(tmp_path):
    """From the lock file (npm's registry), the same bytes as committed."""
    recipe = tmp_path / "assets" / "bootstrap"
    recipe.mkdir(parents=True)
    for name in ("package.json", "package-lock.json", "entry.js"):
        shutil.copy(RECIPE / name, recipe / name)
    (tmp_path / theme_assets.BOOTSTRAP).parent.mkdir(parents=True)  # the build writes ../../_static/vendor/...
    env = {**os.environ, "npm_config_update_notifier": "false"}
    for command in (["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                    ["npm", "run", "--silent", "build"]):
        result = subprocess.run(command, cwd=recipe, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
    built = tmp_path / "_static" / theme_assets.BOOTSTRAP
    assert built.read_bytes() == VENDORED.read_bytes()
