"""A tiny blog whose every textual field carries markup and quotes.

The real site's settings, templates and styles, with display names, titles,
tags, descriptions and URLs that try to end an element or an attribute and
run a script. Every payload calls alert() or sets a property with the
marker XSS, so a test can look for it in the parsed pages and in a browser.
"""

from pathlib import Path

import techblog

REPO = Path(techblog.__file__).resolve().parent.parent
exec(compile((REPO / "conf.py").read_text(encoding="utf-8"), str(REPO / "conf.py"), "exec"))
templates_path = [str(REPO / "_templates")]
html_static_path = [str(REPO / "_static")]

HOSTILE = """<script>alert("XSS")</script>"><img src=x onerror=alert('XSS')>"""

project = "Tech " + HOSTILE
copyright = "2013-2026, " + HOSTILE
blog_title = "Blog " + HOSTILE
html_title = "Title " + HOSTILE
blog_feed_subtitle = "Subtitle " + HOSTILE
techblog_legacy_name = "Old blog " + HOSTILE
blog_authors = {
    **blog_authors,
    "mallory": ("Mallory " + HOSTILE, blog_baseurl + "about.html#mallory?a=1&b=2"),
}
techblog_categories = {
    **techblog_categories,
    "evil": ("Evil " + HOSTILE, "Description " + HOSTILE),
}
techblog_navbar = [*techblog_navbar, ("Nav " + HOSTILE, "about", [])]
techblog_series = {
    **techblog_series,
    "evil": ("Series " + HOSTILE, "Series description " + HOSTILE),
}


techblog_talks = "talks/talks.yaml"  # every field of a talk carries the payload too
techblog_author_profiles = {
    **techblog_author_profiles,
    "mallory": {"photo": "authors/alice.svg", "bio": "Bio " + HOSTILE},
}
