"""A tiny blog with the real site's settings, templates and styles, whose
posts' tags and series make every rule of "what to read next" show
(tests/test_next_reading.py says which post shows which)."""

from pathlib import Path

import techblog

REPO = Path(techblog.__file__).resolve().parent.parent
exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), str(REPO / "conf.py"), "exec"))
templates_path = [str(REPO / "_templates")]
html_static_path = [str(REPO / "_static")]
techblog_redirects = ""

techblog_series = {
    "upgrades": ("Upgrading the cloud", "Every component, one at a time, without a flag day."),
    "unstarted": ("Not started yet", "A series whose only part is a draft."),
}
techblog_talks = ""  # no talks on this site (the real site's file is talks/talks.yaml)
