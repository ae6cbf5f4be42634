"""What each folder of techblog/ may import (README, "How techblog/ is organised").

- Only ``techblog/ablog/`` imports ``ablog``: the rest reaches the blog
  through :mod:`techblog.ablog.bridge`.
- ``techblog/posts/`` (front matter -> ``PostMeta``) imports nothing from
  Sphinx, docutils or ABlog, but ``sphinx.util.matching`` (so that
  ``exclude_patterns`` mean what they mean to Sphinx): it is checked and
  tested without a build.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "techblog"
MODULES = sorted(PACKAGE.rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """The modules a module imports, anywhere in it (relative imports are techblog's own)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def imported_packages(path: Path) -> set[str]:
    return {module.split(".")[0] for module in imported_modules(path)}


def name(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def test_modules_found():
    assert PACKAGE / "ablog" / "bridge.py" in MODULES
    assert any(path.parent.name == "posts" for path in MODULES)


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent != PACKAGE / "ablog"], ids=name)
def test_only_the_ablog_folder_imports_ablog(path):
    assert "ablog" not in imported_packages(path), (
        f"{name(path)} imports ablog; reach the blog through techblog.ablog.bridge")


# Sphinx's pattern matching, so that check and the build exclude the same files.
ALLOWED_IN_POSTS = {"sphinx.util.matching"}


@pytest.mark.parametrize("path", sorted((PACKAGE / "posts").rglob("*.py")), ids=name)
def test_posts_folder_needs_no_build(path):
    forbidden = sorted(module for module in imported_modules(path) - ALLOWED_IN_POSTS
                       if module.split(".")[0] in {"sphinx", "docutils", "ablog"})
    assert not forbidden, f"{name(path)} imports {forbidden}; techblog/posts/ must not"
