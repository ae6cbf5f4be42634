"""A tiny blog with the real site's settings, templates and styles."""

from pathlib import Path

import techblog

REPO = Path(techblog.__file__).resolve().parent.parent
exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), str(REPO / "conf.py"), "exec"))
templates_path = [str(REPO / "_templates")]
html_static_path = [str(REPO / "_static")]

techblog_talks = ""  # no talks on this site (the real site's file is talks/talks.yaml)
