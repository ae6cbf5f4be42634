"""A tiny blog with talks: the real site's settings, templates and styles, two
posts, and talks that use every field (tests/test_talks.py)."""

from pathlib import Path

import techblog

REPO = Path(techblog.__file__).resolve().parent.parent
exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), str(REPO / "conf.py"), "exec"))
templates_path = [str(REPO / "_templates")]
html_static_path = [str(REPO / "_static")]

techblog_talks = "talks/talks.yaml"
