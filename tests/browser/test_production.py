"""The site as readers and moderators meet it in production: through nginx
with deploy/nginx/ and a moderated Isso (conftest.production, as ``make
prod-preview`` runs them), in Chromium. Old addresses land on the right
comment, a comment waits for a moderator, and no page breaks the
Content-Security-Policy."""

from __future__ import annotations

import csv
import re
import uuid

import lxml.html
import pytest
from playwright.sync_api import expect

from conftest import REPO

SITE = "/techblog"
POST = "posts/2021/collectd-to-grafana.html"

# Every violation the page sees, as "<directive> <blocked URI> (<script>)", recorded before any
# script of the page runs.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
    e => window.__violations.push(e.violatedDirective + " " + e.blockedURI + " (" + e.sourceFile + ")"));
"""


def legacy_post_with_archived_comments(site) -> tuple[str, str, str]:
    """(old Blogger path, new page, the id of an archived comment on it)."""
    rows = csv.DictReader((REPO / "legacy" / "redirects.csv").open(encoding="utf-8"))
    for row in rows:
        page = site.outdir / row["new_path"].lstrip("/")
        if row["new_path"].startswith("/legacy/") and page.is_file():
            comments = lxml.html.parse(str(page)).xpath("//article[contains(@class, 'comment')]/@id")
            if len(comments) > 1:
                return row["old_path"], row["new_path"], comments[-1]
    pytest.fail("no legacy post with archived comments in legacy/redirects.csv")


class Watched:
    """A page that records CSP violations: the events, and Chromium's console reports."""

    def __init__(self, new_page, production) -> None:
        self.page, self.watch = new_page(production.origin)
        self.console: list[str] = []
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.page.on("console", lambda message: self.console.append(message.text)
                     if "Content Security Policy" in message.text else None)
        self.found: dict[str, list[str]] = {}

    def note(self, name: str) -> None:
        seen = self.page.evaluate("window.__violations") + self.console
        if seen:
            self.found[name] = seen
        self.console = []


def comments_ready(page) -> None:
    """Wait for the live thread (a post) or the comment counts (a listing) to be drawn by Isso."""
    if page.locator("#isso-thread").count():
        page.wait_for_selector(".techblog-live-comments[data-comments-state=ready]")
        page.wait_for_selector("#isso-thread .isso-postbox textarea")
        page.wait_for_selector("#isso-thread .isso-thread-heading:not(:empty)")
    elif page.locator("a.comment-count").count():
        # (Not wait_for_function: Playwright polls it with eval, which the policy forbids.)
        expect(page.locator("a.comment-count").filter(has_text=re.compile(r"^Comments$"))).to_have_count(0)
    page.wait_for_load_state("networkidle")


def test_an_old_address_of_an_archived_comment_lands_on_that_comment(production, new_page):
    old, new, comment = legacy_post_with_archived_comments(production.site)
    page, watch = new_page(production.origin, viewport={"width": 1280, "height": 700})
    page.goto(f"{production.origin}{old}?m=1#{comment}")
    assert page.url == f"{production.origin}{SITE}{new}#{comment}"
    target = page.locator(":target")
    assert target.get_attribute("id") == comment
    assert target.evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; }")
    assert watch.errors == [] and watch.foreign_requests == []


def test_a_static_host_redirect_page_keeps_the_comment_anchor_too(production, serve_dir, new_page):
    """Without nginx's 301 (a static host), the build's redirect page does it (_static/techblog-redirect.js)."""
    old, new, comment = legacy_post_with_archived_comments(production.site)
    origin = serve_dir(production.site.outdir)
    page, watch = new_page(origin)
    page.goto(f"{origin}{old}#{comment}")
    page.wait_for_url(f"{origin}{new}#{comment}")
    assert page.locator(":target").get_attribute("id") == comment
    assert watch.errors == []


def write_comment(page, text: str) -> None:
    page.wait_for_selector("#isso-thread .isso-postbox textarea")
    page.fill("#isso-thread .isso-postbox textarea", text)
    page.fill("#isso-thread .isso-postbox input[name=author]", "A reader")
    page.click("#isso-thread .isso-postbox input[type=submit]")


def shown_to_a_new_reader(new_page, production, text: str) -> bool:
    page, watch = new_page(production.origin)
    page.goto(f"{production.origin}{SITE}/{POST}")
    comments_ready(page)
    assert watch.errors == []
    return page.locator("#isso-root .isso-comment .isso-text", has_text=text).count() > 0


def log_in(page, production) -> None:
    """Isso's admin page, with the password the test's Isso was given."""
    page.goto(f"{production.origin}/comments/admin/")
    page.fill("input[name=password]", production.admin_password)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("#logout")
    assert page.url == f"{production.origin}/comments/admin/"


def test_a_comment_appears_once_a_moderator_approved_it(production, new_page):
    text = f"Does this work with Collectd 5.12? ({uuid.uuid4().hex[:8]})"
    reader, watch = new_page(production.origin)
    reader.goto(f"{production.origin}{SITE}/{POST}")
    write_comment(reader, text)
    reader.wait_for_selector(f"#isso-root .isso-comment .isso-text >> text={text}")  # the writer sees it, pending
    assert not shown_to_a_new_reader(new_page, production, text)

    watched = Watched(new_page, production)  # Isso's admin page runs onclick handlers: its policy allows them
    moderator = watched.page
    log_in(moderator, production)
    pending = moderator.locator(".isso-comment", has_text=text)
    assert pending.locator(".label-pending").count() == 1
    with moderator.expect_response(lambda r: "/activate/" in r.url and r.request.method == "POST") as approved:
        pending.locator("a.validate").click()
    assert approved.value.status == 200
    watched.note("comments admin")
    assert watched.found == {} and watched.watch.errors == []

    assert shown_to_a_new_reader(new_page, production, text)
    assert watch.errors == [] and watch.foreign_requests == []


def test_no_page_breaks_the_content_security_policy(production, new_page):
    old, new, _ = legacy_post_with_archived_comments(production.site)
    watched = Watched(new_page, production)
    page = watched.page
    for name, path in [("home", "/index.html"), ("post", f"/{POST}"), ("legacy post", new),
                       ("tag", "/blog/tag/openstack.html"), ("404", "/no/such/page")]:
        page.goto(f"{production.origin}{SITE}{path}")
        comments_ready(page)
        watched.note(name)
    # Writing a comment: its author sees it at once (pending), drawn with an identicon.
    page.goto(f"{production.origin}{SITE}/{POST}")
    text = f"Which Grafana version? ({uuid.uuid4().hex[:8]})"
    write_comment(page, text)
    page.wait_for_selector(f"#isso-root .isso-comment .isso-text >> text={text}")
    page.wait_for_selector("#isso-root .isso-comment .isso-avatar svg rect")
    watched.note("writing a comment")
    # A legacy post's video: its player, put in on a click, is allowed to load.
    page.goto(f"{production.origin}{SITE}/legacy/2014/12/paris-summit-report.html")
    page.route("https://**/*", lambda route: route.fulfill(status=204))  # the network here reaches no host
    page.click(".video-embed .video-play")
    page.wait_for_selector(".video-embed iframe")
    watched.note("video")
    # A search: Pagefind's script and its WebAssembly (script-src 'wasm-unsafe-eval'),
    # its chunks fetched and unpacked; a filter narrows the results.
    page.goto(f"{production.origin}{SITE}/search.html")
    field = page.locator(".bd-search-container form.bd-search input[name=q]")
    field.fill("ceph")
    field.press("Enter")
    page.wait_for_url("**/search.html?q=ceph*")
    page.wait_for_selector("#techblog-search-results[aria-busy=false] > li h2 a")
    found = page.locator("#techblog-search-results > li").count()
    page.locator("details[data-filter=year] summary").click()
    page.locator("details[data-filter=year] input[type=checkbox]").first.check()
    page.wait_for_selector("#techblog-search-results[aria-busy=false]", state="attached")
    assert 0 < page.locator("#techblog-search-results > li").count() < found
    assert any("/_pagefind/" in url and url.endswith(".pf_fragment") for url in watched.watch.requests)
    assert any(url.endswith("/_pagefind/wasm.en.pagefind") for url in watched.watch.requests)
    watched.note("search")
    log_in(page, production)
    page.wait_for_load_state("networkidle")
    watched.note("comments admin")
    assert watched.found == {}
    assert watched.watch.errors == []
