"""A tiny blog for the page weight (tests/test_used_css.py,
tests/browser/test_used_css.py): a post with code, a table, an admonition,
a figure-less legacy post with archived comments, tag pages, the search page;
built with and without the theme's unused CSS."""

from pathlib import Path

import techblog

REPO = Path(techblog.__file__).resolve().parent.parent
exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), str(REPO / "conf.py"), "exec"))
templates_path = [str(REPO / "_templates")]
html_static_path = [str(REPO / "_static")]
redirect_html_template_file = str(REPO / "_templates" / "redirect.html")
techblog_talks = ""  # no talks on this site (the real site's file is talks/talks.yaml)
