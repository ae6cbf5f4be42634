"""The hostile test site in Chromium: no payload runs on any page.

tests/test_hostile_site.py checks the parsed pages; this loads each one as a
reader would, with every payload's alert() turned into a recorded dialog.
"""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def hostile_origin(hostile_site, serve_dir):
    return serve_dir(hostile_site.outdir)


def test_no_script_from_data_runs_on_any_page(hostile_site, hostile_origin, new_page):
    pages = sorted(p.relative_to(hostile_site.outdir).as_posix() for p in hostile_site.outdir.rglob("*.html"))
    assert "posts/2024/iframe-embeds.html" in pages and "404.html" in pages
    page, watch = new_page(hostile_origin)
    ran = {}
    for name in pages:
        page.goto(f"{hostile_origin}/{name}")
        page.wait_for_load_state("load")
        if (hostile_site.outdir / name).read_text(encoding="utf-8").count('http-equiv="refresh"'):
            # A page that moved (blog.html): let its redirect finish, or it cuts the next load short.
            page.wait_for_function(f"!location.pathname.endsWith('/{name}')")
            page.wait_for_load_state("load")
        if watch.dialogs:
            ran[name] = list(watch.dialogs)
            watch.dialogs.clear()
    # The search page draws titles, dates, authors, excerpts and filter values from the index.
    page.goto(f"{hostile_origin}/search.html?q=embeds")
    page.locator("#techblog-search-results[aria-busy=false]").wait_for(state="attached")
    result = page.locator("#techblog-search-results > li").first
    assert 'embeds <script>alert("XSS")</script> and' in result.locator("h2 a").inner_text()
    assert result.locator(".search-result-authors").inner_text().startswith(' · by Mallory <script>alert("XSS")')
    page.locator("details[data-filter=tag] summary").click()  # its counts load
    page.locator("details[data-filter=tag] label .techblog-search-count:not(:empty)").first.wait_for()
    choices = page.locator("details[data-filter=tag] label").all_text_contents()
    assert any(choice.startswith("<script>alert('XSS')</script> (") for choice in choices)
    assert any(choice.startswith('"><img src=x onerror=alert(\'XSS\')> (') for choice in choices)
    page.locator("details[data-filter=category] summary").click()
    page.get_by_label(re.compile(r"^Evil <script>")).check()
    page.locator("#techblog-search-results[aria-busy=false]").wait_for(state="attached")
    assert page.locator("#techblog-search-results > li").count() == 1
    assert page.locator("#techblog-search-results img, #techblog-search-results script").count() == 0
    if watch.dialogs:
        ran["search.html?q=embeds"] = list(watch.dialogs)
    assert ran == {}
    # The payloads are on the pages, as text: the check above had something to stop.
    page.goto(f"{hostile_origin}/index.html")
    titles = page.locator(".post-summary-title").all_inner_texts()
    assert any('<script>alert("XSS")</script>' in title for title in titles)
