"""A tiny blog for the search: posts with tags, categories, authors and
years to filter by, a legacy post, a page, a draft, a future post, listings
and a redirect page, each with a word of its own (tests/test_search.py)."""

from pathlib import Path

import techblog

REPO = Path(techblog.__file__).resolve().parent.parent
exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), str(REPO / "conf.py"), "exec"))
templates_path = [str(REPO / "_templates")]
html_static_path = [str(REPO / "_static")]
redirect_html_template_file = str(REPO / "_templates" / "redirect.html")
redirects = {"moved-page": "about.html"}  # a page that only redirects
techblog_talks = ""  # no talks on this site (the real site's file is talks/talks.yaml)
