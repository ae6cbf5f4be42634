"""Diagrams and math as readers get them, in Chromium: a Mermaid diagram is
drawn by the site's own Mermaid in the reader's colours, math is MathML,
nothing is fetched from elsewhere, and the production web server's
Content-Security-Policy blocks nothing (tests/roots/test-diagrams)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO, sphinx_build

from .test_production import RECORD_VIOLATIONS
from .accessibility import axe_violations

DIAGRAM = "posts/2024/with-diagram.html"
PLAIN = "posts/2024/plain.html"
LABELS = ["Client", "Placement group", "OSD 12"]
DRAWN = ".techblog-diagram[data-diagram=drawn] svg"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("diagrams")
    # No comment server here: the pages load nothing but their own files.
    build = sphinx_build(REPO / "tests" / "roots" / "test-diagrams", out / "html", out / "doctrees",
                         env={"TECHBLOG_COMMENTS_SERVER": ""})
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="module")
def origin(built, serve_dir):
    return serve_dir(built.outdir)


# Console errors of every page served here, whatever it holds: the theme's
# complaint about the empty default mode, the favicon the test server does not
# have, and the comment server it does not run (the real site's posts ask it).
ELSEWHERE = re.compile(r"/_static/scripts/pydata-sphinx-theme\.js|/favicon\.ico$|/comments/")


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"{message.text} ({message.location['url']})")
            if message.type == "error" and not ELSEWHERE.search(message.location["url"]) else None)
    return errors


def node_fill(page) -> str:
    """The fill of the first node's shape, as the browser computes it."""
    return page.locator(f"{DRAWN} .node rect, {DRAWN} .node path").first.evaluate("e => getComputedStyle(e).fill")


def luminance(rgb: str) -> float:
    red, green, blue = (int(part) for part in rgb.removeprefix("rgb(").rstrip(")").split(",")[:3])
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255


def test_the_diagram_is_drawn_with_its_labels_and_the_math_as_mathml(origin, new_page):
    page, watch = new_page(origin)
    errors = console_errors(page)
    page.goto(f"{origin}/{DIAGRAM}")
    page.wait_for_selector(DRAWN)
    page.wait_for_load_state("networkidle")
    text = page.locator(DRAWN).text_content()
    for label in LABELS:
        assert label in text
    assert page.locator("pre.mermaid").count() == 0  # the source was replaced by the drawing
    box = page.locator(DRAWN).bounding_box()
    assert box["width"] > 200 and box["height"] > 20
    # Mermaid's colours reached the drawing: an SVG shape without them is filled black.
    assert luminance(node_fill(page)) > 0.5
    # Math: MathML drawn by the browser itself, inline and displayed.
    assert page.locator("span.math > math").count() >= 3
    display = page.locator("div.math > math[display=block]")
    assert display.count() == 1 and display.locator("msup").count() == 1
    math_box = display.bounding_box()
    assert math_box["width"] > 50 and math_box["height"] > 10
    assert page.locator("span.math math mfrac").count() == 1
    assert [url for url in watch.requests if "vendor/mermaid/" in url]  # the site's own copy
    assert watch.foreign_requests == [] and watch.errors == [] and errors == []


def test_the_diagram_follows_the_dark_mode_and_a_switch_of_mode(origin, new_page):
    page, watch = new_page(origin, color_scheme="dark")
    errors = console_errors(page)
    page.goto(f"{origin}/{DIAGRAM}")
    page.wait_for_selector(DRAWN)
    assert page.get_attribute("html", "data-theme") == "dark"
    assert luminance(node_fill(page)) < 0.5
    # The reader switches to light: drawn again in light colours.
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    page.wait_for_function("""() => {
        const shape = document.querySelector('.techblog-diagram svg .node rect, .techblog-diagram svg .node path');
        if (!shape) return false;
        const [r, g, b] = getComputedStyle(shape).fill.match(/\\d+/g).map(Number);
        return (0.299 * r + 0.587 * g + 0.114 * b) / 255 > 0.5;
    }""")
    assert page.locator(DRAWN).count() == 1 and "Placement group" in page.locator(DRAWN).text_content()
    assert watch.foreign_requests == [] and watch.errors == [] and errors == []


def test_a_page_without_a_diagram_loads_nothing_of_it(origin, new_page):
    page, watch = new_page(origin)
    page.goto(f"{origin}/{PLAIN}")
    page.wait_for_load_state("networkidle")
    assert [url for url in watch.requests if "mermaid" in url or "diagrams" in url or "math" in url] == []
    assert watch.errors == []


def assert_accessible(page, width: int) -> None:
    """axe finds nothing serious on the whole page, and nothing scrolls sideways."""
    violations = axe_violations(page)
    assert violations == []
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == width


@pytest.mark.a11y
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violations_and_no_sideways_scrolling(origin, new_page, width, scheme):
    page, watch = new_page(origin, color_scheme=scheme, viewport={"width": width, "height": 900})
    page.goto(f"{origin}/{DIAGRAM}")
    page.wait_for_selector(DRAWN)
    page.wait_for_load_state("networkidle")
    assert_accessible(page, width)
    assert watch.errors == []


REAL_POST = "posts/2026/sizing-ceph-placement-groups.html"


@pytest.fixture(scope="module")
def real_origin(site, serve_dir):
    assert site.returncode == 0, site.output
    return serve_dir(site.outdir)


@pytest.mark.a11y
@pytest.mark.parametrize("width", [1280, 390])
def test_the_real_post_draws_its_diagram_and_math(real_origin, new_page, width):
    page, watch = new_page(real_origin, viewport={"width": width, "height": 900})
    errors = console_errors(page)
    page.goto(f"{real_origin}/{REAL_POST}")
    page.wait_for_selector(DRAWN)
    page.wait_for_load_state("networkidle")
    text = page.locator(DRAWN).text_content()
    assert all(label in text for label in ["Placement group 3.1a", "osd.112 (primary)", "osd.47", "osd.203"])
    assert page.locator(f"{DRAWN} > title").text_content() == "How Ceph places an object"  # its accTitle
    assert page.locator("div.math > math[display=block]").count() == 2
    assert_accessible(page, width)
    assert watch.foreign_requests == [] and watch.errors == [] and errors == []


@pytest.fixture(scope="module")
def production(built, tmp_path_factory):
    """The test site behind nginx with deploy/nginx/ (as tests/conftest.py's
    ``production`` serves the real one), without a comment server."""
    from browser.servers import Nginx, free_port
    from techblog.tools import prod_preview

    try:
        prod_preview.nginx()
    except prod_preview.PreviewError as err:
        pytest.skip(str(err))
    nginx = Nginx(tmp_path_factory.mktemp("nginx"), Path(built.outdir), free_port(), free_port())
    checked = nginx.check()
    assert checked.returncode == 0, checked.stderr
    nginx.start()
    yield nginx.origin
    nginx.stop()


def test_the_production_policy_blocks_nothing(production, new_page):
    page, watch = new_page(production)
    page.add_init_script(RECORD_VIOLATIONS)
    reports = console_errors(page)  # Chromium reports what the policy blocked there too
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        response = page.goto(f"{production}/techblog/{DIAGRAM}")
        assert "style-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(DRAWN)
        page.wait_for_load_state("networkidle")
        assert luminance(node_fill(page)) > 0.5 if scheme == "light" else luminance(node_fill(page)) < 0.5
        assert page.evaluate("window.__violations") == []
    assert page.locator("span.math > math").count() >= 3
    assert reports == [] and watch.errors == [] and watch.foreign_requests == []
