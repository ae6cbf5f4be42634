"""What each folder of techblog/ may import (README, "How techblog/ is organised").

- Only ``techblog/ablog/`` imports ``ablog``: the rest reaches the blog
  through :mod:`techblog.ablog.bridge`.
- ``techblog/posts/`` (front matter -> ``PostMeta``) imports nothing from
  Sphinx, docutils or ABlog: it is checked and tested without a build.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "techblog"
MODULES = sorted(PACKAGE.rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports (relative imports are techblog's own)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_modules_found():
    assert PACKAGE / "ablog" / "bridge.py" in MODULES
    assert any(path.parent.name == "posts" for path in MODULES)


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent != PACKAGE / "ablog"], ids=name)
def test_only_the_ablog_folder_imports_ablog(path):
    assert "ablog" not in imported_packages(path), (
        f"{name(path)} imports ablog; reach the blog through techblog.ablog.bridge")


# contract.py still lists the site's Markdown files with Sphinx's own pattern
# matching (sphinx.util.matching, imported inside markdown_sources/excluded),
# so that exclude_patterns mean exactly what they mean to Sphinx. Left to do:
# the caller (the build, the CLI) hands that matching in.
SPHINX_MATCHING = pytest.mark.xfail(strict=True, reason="contract.py uses sphinx.util.matching")


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=SPHINX_MATCHING) if path.name == "contract.py" else path
    for path in sorted((PACKAGE / "posts").rglob("*.py"))], ids=name)
def test_posts_folder_needs_no_build(path):
    forbidden = imported_packages(path) & {"sphinx", "docutils", "ablog"}
    assert not forbidden, f"{name(path)} imports {sorted(forbidden)}; techblog/posts/ must not"


def test_the_rule_sees_every_kind_of_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import ablog.blog\nfrom docutils import nodes\nfrom . import x\n"
                      "def f():\n    from sphinx.util import logging\n")
    assert imported_packages(module) == {"ablog", "docutils", "sphinx"}
