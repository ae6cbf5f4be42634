"""Live comments in a real browser: the test site (tests/roots/test-comments)
built for an Isso on 127.0.0.1, served on 127.0.0.1, read in Chromium."""

from __future__ import annotations

import json
import shutil
import socket
import urllib.error
import urllib.request

import pytest

from conftest import REPO, sphinx_build
from .servers import Isso, free_port, is_down

POST = "posts/2024/open-thread.html"
POST_OFF = "posts/2024/comments-off.html"
LEGACY = "legacy/2015/06/old-thread.html"

# Chrome's layout shifts (as in Cumulative Layout Shift) of anything outside
# the navbar, whose icons the theme draws with a script after load.
CLS = """() => new Promise(resolve => {
  let total = 0;
  const inHeader = source => source.node && source.node.closest && source.node.closest("header");
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.sources.every(inHeader)) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory, serve_dir):
    """The comments test site, built for an Isso on a fixed port, and served."""
    tmp = tmp_path_factory.mktemp("comments-site")
    src = tmp / "src"
    shutil.copytree(REPO / "tests" / "roots" / "test-comments", src)
    isso_port = free_port()
    build = sphinx_build(src, tmp / "html", tmp / "doctrees", "-D",
                         f"techblog_comments_server=http://127.0.0.1:{isso_port}")
    assert build.returncode == 0, build.output
    origin = serve_dir(build.outdir)
    return {"origin": origin, "isso_port": isso_port, "isso_url": f"http://127.0.0.1:{isso_port}"}


@pytest.fixture
def isso(site, tmp_path):
    """A fresh Isso (throw-away database) for each test, stopped after it."""
    server = Isso(site["isso_port"], site["origin"], tmp_path / "comments.db").start()
    yield server
    server.stop()


def open_post(new_page, site, path: str, **options):
    page, watch = new_page(site["origin"], site["isso_url"], **options)
    page.goto(f"{site['origin']}/{path}")
    return page, watch


def write_comment(page, text: str, author: str = "", website: str = "") -> None:
    page.wait_for_selector("#isso-thread .isso-postbox textarea")
    page.fill("#isso-thread .isso-postbox textarea", text)
    if author:
        page.fill("#isso-thread .isso-postbox input[name=author]", author)
    if website:
        page.fill("#isso-thread .isso-postbox input[name=website]", website)
    page.click("#isso-thread .isso-postbox input[type=submit]")


def assert_clean(watch) -> None:
    assert watch.errors == [], "uncaught script errors"
    assert watch.dialogs == [], "a dialog opened"
    assert watch.foreign_requests == [], "requests to hosts other than the site and the comment server"


def test_a_comment_written_on_a_post_is_there_after_reload(new_page, site, isso):
    page, watch = open_post(new_page, site, POST)
    write_comment(page, "Thanks, this saved us a day of debugging.", author="Reader One")
    page.wait_for_selector("#isso-root .isso-comment .isso-text >> text=saved us a day")
    page.reload()
    comment = page.wait_for_selector("#isso-root .isso-comment")
    assert "saved us a day of debugging" in comment.inner_text()
    assert "Reader One" in page.inner_text("#isso-root .isso-comment .isso-author")
    assert page.get_attribute(".techblog-live-comments", "data-comments-state") == "ready"
    assert not page.is_visible(".comments-unavailable")
    # Counted under the post's thread key, the one listings ask for.
    key = page.get_attribute("#isso-thread", "data-isso-id")
    with urllib.request.urlopen(urllib.request.Request(
            f"{site['isso_url']}/count", data=json.dumps([key]).encode(), method="POST",
            headers={"Content-Type": "application/json"})) as response:
        assert json.load(response) == [1]
    assert_clean(watch)


HOSTILE = (
    "<script>window.__pwned = 'script'; alert('script')</script>\n\n"
    "<img src=x onerror=\"window.__pwned = 'onerror'; alert('onerror')\">\n\n"
    "[a javascript link](javascript:window.__pwned='markdown-link')\n\n"
    "<a href=\"javascript:window.__pwned='html-link'\">an html link</a>"
)


def test_a_hostile_comment_is_harmless_text(new_page, site, isso):
    page, watch = open_post(new_page, site, POST)
    write_comment(page, HOSTILE, author="<img src=x onerror=alert('author')>", website="https://example.org/")
    page.wait_for_selector("#isso-root .isso-comment")
    page.reload()
    comment = page.wait_for_selector("#isso-root .isso-comment")
    for link in page.query_selector_all("#isso-root .isso-comment .isso-text a"):
        link.click()  # what is left of the javascript: links
    page.wait_for_timeout(300)  # let anything that was going to run, run
    assert page.evaluate("window.__pwned") is None
    injected = page.query_selector_all(
        "#isso-root script, #isso-root img[onerror], #isso-root [onerror], #isso-root a[href^='javascript:']"
    )
    assert injected == []
    # What the reader wrote is still there to read, as text.
    assert "window.__pwned" in comment.inner_text()
    assert_clean(watch)


def test_a_javascript_website_is_refused(site, isso):
    request = urllib.request.Request(
        f"{isso.url}/new?uri=/techblog/{POST}", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"text": "Nice post", "title": "A post", "website": "javascript:alert(1)"}).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400


def test_a_legacy_post_shows_archived_comments_above_the_live_thread(new_page, site, isso):
    page, watch = open_post(new_page, site, LEGACY)
    page.wait_for_selector("#isso-thread .isso-postbox")
    archived = page.query_selector(".techblog-archived-comments")
    live = page.query_selector(".techblog-live-comments")
    assert archived.is_visible() and live.is_visible()
    # DOCUMENT_POSITION_FOLLOWING: the live thread comes after the archived one.
    assert page.evaluate("([a, b]) => a.compareDocumentPosition(b) & 4", [archived, live])
    assert archived.query_selector("h2").inner_text() == "Comments archived from the old blog"
    assert "A plain old comment." in archived.inner_text()
    assert live.query_selector("h2").inner_text() == "New comments"
    # One look: both threads share the comment styles.
    assert page.evaluate("""() => [...document.querySelectorAll('.techblog-comments')]
        .map(s => getComputedStyle(s).borderTopStyle)""") == ["solid", "solid"]
    # The hand-edited hostile archived comment is inert too.
    for link in archived.query_selector_all(".comment-body a, .comment-author a"):
        link.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert archived.query_selector_all("script, [onerror], [onclick], a[href^='javascript:']") == []
    assert_clean(watch)


def test_with_the_comment_server_down_the_post_reads_fine_and_says_so(new_page, site):
    assert is_down(site["isso_url"] + "/config")
    page, watch = open_post(new_page, site, POST)
    page.wait_for_selector(".comments-unavailable", state="visible")
    assert "unavailable" in page.inner_text(".techblog-live-comments")
    assert page.is_visible("article h1") and "the thread is below" in page.inner_text("article")
    assert page.evaluate(CLS) == 0
    assert_clean(watch)


def test_with_the_comment_server_hanging_the_page_does_not_wait(new_page, site):
    """A server that accepts connections and never answers."""
    with socket.socket() as silent:
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the last test's Isso may linger in TIME_WAIT
        silent.bind(("127.0.0.1", site["isso_port"]))
        silent.listen(16)
        page, watch = open_post(new_page, site, POST)
        # The page has loaded (goto waits for "load") while comments are still pending.
        assert page.is_visible("article h1")
        assert page.is_visible(".comments-loading")
        page.wait_for_selector(".comments-unavailable", state="visible", timeout=15_000)
        assert page.evaluate(CLS) == 0
    assert_clean(watch)


def test_a_post_with_comments_off_has_no_thread_and_asks_nothing(new_page, site, isso):
    page, watch = open_post(new_page, site, POST_OFF)
    page.wait_for_load_state("networkidle")
    assert page.query_selector("#isso-thread") is None
    assert page.query_selector(".techblog-live-comments") is None
    assert not [url for url in watch.requests if url.startswith(site["isso_url"])]
    assert_clean(watch)


def test_listings_show_comment_counts_from_the_server(new_page, site, isso):
    page, _ = open_post(new_page, site, POST)
    write_comment(page, "First!")
    page.wait_for_selector("#isso-root .isso-comment")

    page, watch = open_post(new_page, site, "index.html")
    counted = page.locator(f"a.comment-count[href$='{POST.split('/')[-1]}#isso-thread']")
    counted.wait_for()
    page.wait_for_function("el => el.textContent !== 'Comments'", arg=counted.element_handle())
    assert counted.inner_text() == "One comment"
    other = page.locator("a.comment-count[href*='old-thread']")
    assert other.inner_text() == "0 comments"
    assert page.locator("a.comment-count[href*='comments-off']").count() == 0
    # One request for all the page's counts, and not Isso's 52 KB count script
    fetched = page.evaluate("() => performance.getEntriesByType('resource').map(entry => entry.name)")
    assert [name for name in fetched if name.startswith(site["isso_url"] + "/js/")] == []
    assert len([name for name in fetched if name.endswith("/count")]) == 1
    assert_clean(watch)


def test_listings_without_the_server_keep_plain_comment_links(new_page, site):
    page, watch = open_post(new_page, site, "index.html")
    page.wait_for_load_state("networkidle")
    links = page.locator("a.comment-count")
    assert links.count() == 2
    assert links.all_inner_texts() == ["Comments", "Comments"]
    assert_clean(watch)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_comment_form_follows_the_colour_mode(new_page, site, isso, scheme):
    page, watch = open_post(new_page, site, POST, color_scheme=scheme)
    page.wait_for_selector("#isso-thread .isso-postbox textarea")
    assert page.get_attribute("html", "data-theme") == scheme
    colours = page.evaluate("""() => {
        const style = el => getComputedStyle(document.querySelector(el));
        return {page: style('body').backgroundColor, box: style('.isso-postbox textarea').backgroundColor,
                text: style('.isso-postbox textarea').color, body: style('body').color};
    }""")
    assert colours["box"] == colours["page"]
    assert colours["text"] == colours["body"]
    assert_clean(watch)
