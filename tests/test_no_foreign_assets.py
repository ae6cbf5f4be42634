"""Nothing from elsewhere: a reader's browser requests only the site's own files.

Every HTML page of the real site's build (the session ``site`` fixture) is
parsed; each element that makes the browser fetch something by itself
(images, frames, scripts, stylesheets, icons, media) must point at this site:
a relative URL, or an absolute one on the host of ``blog_baseurl``. The
stylesheets are read too (``url(...)``, ``@import``). Links (``<a href>``) do
not count: they load only when the reader follows them.

The old blog's posts are where this used to break: hot-linked Blogger images
and YouTube iframes. Their images are now files of the site, and a video is a
link with a "Play here" button that loads the player on a click only.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from conftest import REPO
from techblog.tools.cli import load_settings

BASEURL = load_settings(REPO)["blog_baseurl"]
SITE_HOST = urlsplit(BASEURL).hostname
SITE_PATH = urlsplit(BASEURL).path  # /techblog/: where absolute paths of the site start

# Element -> attributes whose URL the browser loads with the page.
FETCHED = {
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "script": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "input": ("src",),
}
# <link rel=...> values that make the browser fetch (or connect to) the href.
FETCHED_LINKS = {"stylesheet", "icon", "apple-touch-icon", "mask-icon", "manifest", "preload",
                 "modulepreload", "prefetch", "preconnect", "dns-prefetch"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I)


def is_foreign(url: str) -> bool:
    """Whether loading ``url`` would contact a host other than the site's."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() in ("data", "blob"):
        return False
    if not parts.scheme and not parts.netloc:
        return False  # relative, or a path on this host
    return parts.scheme.lower() not in ("http", "https") or parts.hostname != SITE_HOST


def urls_of(tag, attribute: str) -> list[str]:
    value = tag.get(attribute)
    if not value:
        return []
    if attribute == "srcset":  # "a.png 1x, b.png 2x"
        return [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
    return [value]


def fetched_urls(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(element, URL) for everything a browser loads with this page."""
    found = []
    for name, attributes in FETCHED.items():
        for tag in soup.find_all(name):
            found += [(name, url) for attribute in attributes for url in urls_of(tag, attribute)]
    for tag in soup.find_all("link", href=True):
        if {rel.lower() for rel in tag.get("rel", [])} & FETCHED_LINKS:
            found.append((f"link rel={' '.join(tag['rel'])}", tag["href"]))
    for tag in soup.find_all(style=True):
        found += [(f"{tag.name} style", m[2] or m[4]) for m in CSS_URL.finditer(tag["style"])]
    for tag in soup.find_all("style"):
        found += [("style", m[2] or m[4]) for m in CSS_URL.finditer(tag.get_text())]
    return found


@pytest.fixture(scope="module")
def pages(site) -> dict[str, BeautifulSoup]:
    assert site.returncode == 0, site.output
    return {path.relative_to(site.outdir).as_posix():
            BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            for path in sorted(site.outdir.rglob("*.html"))}


def local_file(outdir: Path, page: str, url: str) -> Path | None:
    """The output file a same-site URL on ``page`` names (None for data: URLs)."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return None
    path = parts.path
    if parts.netloc or path.startswith("/"):  # absolute: from the site's path on its host
        assert path.startswith(SITE_PATH), (page, url)
        rel = path[len(SITE_PATH):]
    else:
        rel = str(PurePosixPath(urljoin("/" + page, path)).relative_to("/"))
    return outdir / unquote(rel)


def test_the_build_has_pages_and_the_checks_see_their_assets(pages):
    assert len(pages) > 50
    kinds = {kind for soup in pages.values() for kind, _ in fetched_urls(soup)}
    assert {"img", "script", "link rel=stylesheet"} <= kinds, kinds


def test_no_page_loads_anything_from_another_host(pages):
    foreign = [(page, kind, url) for page, soup in pages.items() for kind, url in fetched_urls(soup)
               if is_foreign(url)]
    assert foreign == []


def test_no_stylesheet_loads_anything_from_another_host(site):
    stylesheets = sorted(site.outdir.rglob("*.css"))
    assert stylesheets
    foreign = [(css.relative_to(site.outdir).as_posix(), m[2] or m[4]) for css in stylesheets
               for m in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace"))
               if is_foreign(m[2] or m[4])]
    assert foreign == []


def test_every_image_script_and_stylesheet_of_a_page_is_in_the_build(site, pages):
    missing = []
    for page, soup in pages.items():
        if page.startswith("_static/"):
            continue  # the theme's template macros, copied as they are: not pages
        for kind, url in fetched_urls(soup):
            if kind in ("img", "script", "link rel=stylesheet") and not is_foreign(url):
                target = local_file(site.outdir, page, url)
                if target is not None and not target.is_file():
                    missing.append((page, url))
    assert missing == []


def test_the_checks_see_foreign_assets():
    soup = BeautifulSoup(
        '<img src="https://blogger.googleusercontent.com/img/s320/x.png">'
        '<img srcset="a.png 1x, //2.bp.blogspot.com/x.png 2x">'
        '<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>'
        '<script src="https://cdn.example/x.js"></script>'
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=x">'
        '<link rel="canonical" href="https://elsewhere.example/">'  # not fetched
        '<video poster="http://img.example/p.jpg"><source src="https://media.example/v.mp4"></video>'
        '<audio src="https://media.example/a.mp3"></audio>'
        '<div style="background: url(\'https://img.example/b.png\')"></div>'
        '<style>@import "https://css.example/x.css";</style>'
        f'<img src="{BASEURL}_images/ours.png"><img src="../_images/ours.png">'
        '<img src="data:image/png;base64,AA">'
        '<a href="https://www.youtube.com/watch?v=x">a link is not a request</a>', "html.parser")
    foreign = {url for _, url in fetched_urls(soup) if is_foreign(url)}
    assert foreign == {
        "https://blogger.googleusercontent.com/img/s320/x.png", "//2.bp.blogspot.com/x.png",
        "https://www.youtube-nocookie.com/embed/x", "https://cdn.example/x.js", "http://img.example/p.jpg",
        "https://media.example/v.mp4", "https://media.example/a.mp3",
        "https://fonts.googleapis.com/css?family=x", "https://img.example/b.png", "https://css.example/x.css",
    }


# -- the old blog's posts ----------------------------------------------------------------

# The sample export's images (legacy/_export/README.md), with the alt text each post gives them.
LEGACY_IMAGES = {
    "legacy/2014/01/nova-cells.html": ("nova-cells-layout.png",
                                       "One API cell at the top, one child cell per group of hypervisors"),
    "legacy/2014/03/cern-cloud-architecture-overview.html": (
        "cloud-architecture-2014.png",
        "The cloud in March 2014: one API, four child cells, two data centres"),
    "legacy/2015/08/numa-hyperthreading-and-huge-pages.html": ("numa-layout.png", ""),
    "legacy/2017/09/monitoring-with-collectd-elasticsearch-and-grafana.html": (
        "grafana-cloud-overview.png",
        "The cloud overview dashboard: API errors, boot times and RabbitMQ queues per cell"),
}


def test_no_legacy_page_has_an_iframe(pages):
    legacy = {page: soup for page, soup in pages.items() if page.startswith("legacy/")}
    assert len(legacy) > 16
    assert [page for page, soup in legacy.items() if soup.find("iframe")] == []


def test_no_feed_embeds_an_iframe(site):
    feeds = sorted(site.outdir.rglob("atom.xml"))
    assert feeds
    iframe = re.compile(r"(?:<|&lt;|&#60;)iframe", re.I)  # entries' content is escaped HTML
    with_iframes = [feed for feed in feeds if iframe.search(feed.read_text(encoding="utf-8"))]
    assert [feed.relative_to(site.outdir).as_posix() for feed in with_iframes] == []


@pytest.mark.parametrize("page", sorted(LEGACY_IMAGES))
def test_the_old_posts_show_their_images_from_the_site_with_their_alt_text(site, pages, page):
    name, alt = LEGACY_IMAGES[page]
    [img] = pages[page].select("article.bd-article img")
    assert img["src"].endswith(name) and not is_foreign(img["src"]), img
    assert img["alt"] == alt
    data = local_file(site.outdir, page, img["src"]).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and 2_000 < len(data) < 60_000


def test_a_video_is_a_link_with_a_play_button_that_loads_on_a_click(site, pages):
    page = pages["legacy/2014/12/paris-summit-report.html"]
    [video] = page.select("article.bd-article .video-embed")
    assert video["data-embed-src"] == "https://www.youtube-nocookie.com/embed/Xk3TqJwVr7E"
    link = video.select_one("a.video-link")
    assert link["href"] == "https://www.youtube.com/watch?v=Xk3TqJwVr7E"
    assert link.get_text() == "Watch the video on YouTube"
    [script] = [s for s in page.find_all("script", src=True) if "techblog-video.js" in s["src"]]
    assert script.has_attr("defer")
    source = local_file(site.outdir, "legacy/2014/12/paris-summit-report.html", script["src"]).read_text()
    assert ".video-embed[data-embed-src]" in source and "Play here" in source
