"""Answering a comment archived from the old blog, as readers and moderators
do it in production: tests/roots/test-archived-replies served by nginx with
deploy/nginx/ (its Content-Security-Policy) and a moderated Isso, in
Chromium. An answer waits for a moderator, then shows under the comment it
answers, as text; old #c<id> addresses still land on their comment; without
JavaScript the archive is what the build wrote."""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import time
import urllib.parse
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from conftest import REPO, sphinx_build
from .servers import moderated_stack
from .test_production import Watched, comments_ready, log_in
from .accessibility import axe_violations

ROOT = REPO / "tests" / "roots" / "test-archived-replies"
SITE = "/techblog"
POST = "legacy/2015/06/old-thread.html"
ADMIN_PASSWORD = "moderator-secret-for-archived-replies"
FEATURE_ATTRIBUTES = ("data-replies-thread", "data-replies-title")


class Stack:
    """nginx with deploy/nginx/ serving the test site, and Isso behind it with
    the production settings (moderation on), as conftest.production runs them."""

    def __init__(self, origin, html, nginx, isso) -> None:
        self.origin = origin
        self.html = html
        self.nginx = nginx
        self.isso = isso
        self.admin_password = ADMIN_PASSWORD

    @property
    def post(self) -> str:
        return f"{self.origin}{SITE}/{POST}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from techblog.tools import prod_preview

    try:
        prod_preview.nginx()
    except prod_preview.PreviewError as err:
        pytest.skip(str(err))
    tmp = tmp_path_factory.mktemp("archived-replies")
    shutil.copytree(ROOT, tmp / "src")
    site = sphinx_build(tmp / "src", tmp / "html", tmp / "doctrees")
    assert site.returncode == 0, site.output
    with moderated_stack(tmp, site.outdir, ADMIN_PASSWORD) as (nginx, isso):
        yield Stack(nginx.origin, site.outdir, nginx, isso)


@pytest.fixture(scope="module")
def site_without_comments(tmp_path_factory, serve_dir):
    """The same site with comments off: its archive is what readers had before (served as files)."""
    tmp = tmp_path_factory.mktemp("archived-replies-off")
    shutil.copytree(ROOT, tmp / "src")
    site = sphinx_build(tmp / "src", tmp / "html", tmp / "doctrees", "-D", "techblog_comments_server=")
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


def answers_ready(page) -> None:
    """The script has asked Isso and drawn what there is (the live thread too)."""
    expect(page.locator(".techblog-archived-comments")).to_have_attribute("data-replies-state", "ready")
    comments_ready(page)


def answer_of(page, text: str):
    return page.locator(".techblog-archived-comments .comment-answers article.comment", has_text=text)


def answered_comment(answer) -> str:
    """The id of the archived comment an answer is drawn under (its list item's own article)."""
    return answer.evaluate("a => a.closest('ol.comment-answers').parentElement.querySelector(':scope > article').id")


# A reader's answer that tries to run a script every way Isso could let through.
HOSTILE = (
    "Did it? <img src=x onerror=alert(1)>\n\n"
    "<script>window.__pwned = 'script'; alert('script')</script>\n\n"
    "[a javascript link](javascript:window.__pwned='markdown-link')"
)
HOSTILE_NAME = "<img src=x onerror=alert('name')>"


def test_an_answer_waits_for_a_moderator_then_shows_under_its_comment(stack, new_page):
    token = uuid.uuid4().hex[:8]
    text = f"Hammer worked for us ({token}). {HOSTILE}"
    watched = Watched(new_page, stack)
    reader = watched.page
    reader.goto(stack.post)
    answers_ready(reader)
    watched.note("legacy post")

    # A real button, named after the comment it answers; focus goes to the form's text.
    reply = reader.get_by_role("button", name="Reply to Ana Reader")
    expect(reply).to_have_accessible_name("Reply to Ana Reader (03 June 2015)")
    expect(reply).to_have_attribute("aria-expanded", "false")
    reply.click()
    expect(reply).to_have_attribute("aria-expanded", "true")
    field = reader.get_by_label("Your answer to Ana Reader")
    expect(field).to_be_focused()
    field.fill(text)
    reader.get_by_label("Name (optional)").first.fill(HOSTILE_NAME)
    reader.get_by_role("button", name="Send answer").click()
    status = reader.locator("#c1001 ~ .archived-reply [role=status]")
    expect(status).to_contain_text("awaiting moderation")
    expect(reply).to_be_focused()
    pending = answer_of(reader, token)
    expect(pending).to_contain_text("Awaiting moderation")
    assert answered_comment(pending) == "c1001"
    watched.note("answering")

    def fresh_reader_sees_it() -> bool:
        page, watch = new_page(stack.origin)
        page.goto(stack.post)
        answers_ready(page)
        shown = answer_of(page, token)
        found = shown.count() == 1
        if found:
            assert answered_comment(shown) == "c1001"
            # After the archived reply to the same comment, which is older.
            assert page.locator("#c1002").evaluate(
                "(old, answer) => !!(old.compareDocumentPosition(answer) & Node.DOCUMENT_POSITION_FOLLOWING)",
                shown.element_handle())
            # Isso's HTML, copied from an allowlist: the markup is shown as text, nothing runs.
            page.wait_for_timeout(300)  # let anything that was going to run, run
            assert page.evaluate("window.__pwned") is None
            assert shown.locator("img, script, [onerror], a[href^='javascript:']").count() == 0
            assert "<img src=x onerror=alert(1)>" in shown.locator(".comment-body").inner_text()
            assert shown.locator(".comment-author").inner_text() == HOSTILE_NAME
            assert shown.locator(".comment-pending").count() == 0
        assert watch.errors == [] and watch.dialogs == [] and watch.foreign_requests == []
        return found

    assert not fresh_reader_sees_it()

    moderator = Watched(new_page, stack)  # Isso's admin page runs onclick handlers: its policy allows them
    log_in(moderator.page, stack)
    pending = moderator.page.locator(".isso-comment", has_text=token)
    assert pending.locator(".label-pending").count() == 1
    # The moderator sees which archived comment it answers, and its address on the site.
    thread = pending.locator(".isso-comment-header a").first
    assert thread.get_attribute("href") == f"{SITE}/{POST}#c1001"
    assert "Ana Reader" in pending.locator(".isso-comment-header").inner_text()
    with moderator.page.expect_response(lambda r: "/activate/" in r.url and r.request.method == "POST") as approved:
        pending.locator("a.validate").click()
    assert approved.value.status == 200
    moderator.note("comments admin")

    assert fresh_reader_sees_it()
    assert watched.found == {} and moderator.found == {}
    assert watched.watch.errors == [] and watched.watch.dialogs == [] and watched.watch.foreign_requests == []


# -- an answer put in by the test itself (for the tests that need one) ----------------

def isso_post(stack, article_id: str, text: str, forwarded_for: str) -> int:
    """An answer posted straight to Isso (from 127.0.0.1, a trusted proxy, so
    X-Forwarded-For gives it a reader address of its own and its own rate limit)."""
    uri = f"{SITE}/{POST}#{article_id}"
    request = urllib.request.Request(
        f"{stack.isso.url}/new?uri={urllib.parse.quote(uri, safe='')}",
        data=json.dumps({"text": text, "author": "A long answer", "title": "Answers"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202  # moderation is on
        return json.loads(response.read())["id"]


def isso_approve(stack, comment_id: int) -> None:
    """What the admin page's Validate does, from its own page: log in, read the key, POST it."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(urllib.request.Request(f"{stack.isso.url}/login/", method="POST",
                                       data=urllib.parse.urlencode({"password": ADMIN_PASSWORD}).encode()), timeout=30)
    admin = opener.open(f"{stack.isso.url}/admin/", timeout=30).read().decode()
    key = re.search(rf"validate_com\({comment_id}, '([^']+)'", admin).group(1)
    with opener.open(urllib.request.Request(f"{stack.isso.url}/id/{comment_id}/activate/{key}", method="POST"),
                     timeout=30) as response:
        assert response.status == 200


@pytest.fixture(scope="module")
def long_answer(stack):
    """An approved answer to the first archived comment, tall enough to push the later ones down."""
    text = "\n\n".join(f"Paragraph {n} of a long answer." for n in range(40))
    comment_id = isso_post(stack, "c1001", text, "198.51.100.7")
    isso_approve(stack, comment_id)
    return comment_id


@pytest.fixture
def no_scroll_anchoring(new_page, stack):
    """A page of a browser without scroll anchoring (Safari), on a slow
    comment server: the answers come after the page has loaded, when the
    browser no longer keeps the address's target in view by itself. Content
    drawn above the viewport then moves what the reader sees, unless the
    script keeps it in place."""
    page, watch = new_page(stack.origin, viewport={"width": 1280, "height": 700})
    page.add_init_script("document.addEventListener('DOMContentLoaded', "
                         "() => { document.documentElement.style.overflowAnchor = 'none'; })")

    def slowly(route):
        time.sleep(1.5)
        route.continue_()

    page.route(re.compile(r"/comments/\?uri="), slowly)
    return page, watch


def landed_on(locator) -> bool:
    """The element is where the browser puts an address's target: at the top,
    under the sticky navbar (the page's scroll-padding-top), not pushed down."""
    top, padding = locator.evaluate("e => [e.getBoundingClientRect().top, "
                                    "parseFloat(getComputedStyle(document.documentElement).scrollPaddingTop) || 0]")
    return abs(top - padding) < 2


def test_an_old_address_still_lands_on_its_comment_when_answers_are_drawn_above_it(stack, long_answer,
                                                                                  no_scroll_anchoring):
    page, watch = no_scroll_anchoring
    page.goto(f"{stack.post}#c1003")
    answers_ready(page)
    expect(page.locator(f"#isso-{long_answer}")).to_be_visible()
    target = page.locator(":target")
    assert target.get_attribute("id") == "c1003"
    assert landed_on(target)
    assert watch.errors == [] and watch.foreign_requests == []


def test_the_link_of_a_moderation_email_lands_on_the_answer(stack, long_answer, no_scroll_anchoring):
    """Isso's e-mail links to <thread key>#isso-<id>: here ...html#c1001#isso-<id>."""
    page, watch = no_scroll_anchoring
    page.goto(f"{stack.post}#c1001#isso-{long_answer}")
    answers_ready(page)
    assert landed_on(page.locator(f"#isso-{long_answer}"))
    assert watch.errors == []


def test_answers_cost_one_request_for_all_counts_and_one_per_answered_comment(stack, long_answer, new_page):
    page, watch = new_page(stack.origin)
    page.goto(stack.post)
    answers_ready(page)
    mine = [r for r in watch.requests if "%23c" in r or r.endswith("/comments/count")]
    threads = [r for r in mine if "/comments/?uri=" in r]
    # Only the first comment has answers; the three that can be answered are counted in one request.
    assert [urllib.parse.unquote(r.split("uri=")[1].split("&")[0]) for r in threads] == [f"{SITE}/{POST}#c1001"]
    assert len([r for r in mine if r.endswith("/comments/count")]) == 1
    assert page.get_by_role("button", name=re.compile("^Reply to ")).count() == 3  # not the deleted comment


# -- without JavaScript ---------------------------------------------------------------

def archive_without_javascript(browser, url: str) -> dict:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url)
        section = page.locator(".techblog-archived-comments")
        html = section.evaluate(f"s => {{ const c = s.cloneNode(true); {json.dumps(FEATURE_ATTRIBUTES)}"
                                ".forEach(a => c.removeAttribute(a)); return c.outerHTML; }")
        return {"html": html, "text": section.inner_text(), "controls": section.locator("button, form").count()}
    finally:
        context.close()


def test_without_javascript_the_archive_reads_as_before(stack, site_without_comments, browser):
    answerable = archive_without_javascript(browser, stack.post)
    before = archive_without_javascript(browser, f"{site_without_comments}/{POST}")
    assert answerable == before
    assert answerable["controls"] == 0
    assert "Ana Reader" in answerable["text"]


# -- accessibility, with the form open ------------------------------------------------

@pytest.mark.a11y
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violations_with_the_reply_form_open(stack, browser, width, scheme):
    # axe is put in as an inline script, which the site's policy (rightly) blocks.
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 844})
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(stack.post)
        answers_ready(page)
        page.get_by_role("button", name="Reply to Chiara Rossi").click()
        expect(page.get_by_label("Your answer to Chiara Rossi")).to_be_focused()
        violations = axe_violations(page)
        assert violations == []
        widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1]
        assert errors == []
    finally:
        context.close()
