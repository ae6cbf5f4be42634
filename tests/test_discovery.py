"""How the site is found and shared: link previews (OpenGraph, Twitter card),
canonical links, sitemap.xml, robots.txt and the 404 page.

A tiny site (tests/roots/test-discovery: a post with its own image, one
previewed from its excerpt, a legacy post, a draft, a future post, a
redirect from an old address) and the real site, both built with -W.
"""

from __future__ import annotations

import multiprocessing
import struct
from urllib.parse import urlsplit

import pytest
import yaml
from lxml import etree

from conftest import REPO, sphinx_build
from sources import conf, published_posts, read_source

ROOT = REPO / "tests" / "roots" / "test-discovery"
EPOCH = "1735689600"  # 2025-01-01: the 2999 post is in the future, the 2023 ones are not
BASE = conf()["blog_baseurl"]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Pages that are not for search engines; every other page belongs in the sitemap.
NOT_LISTED = {"search.html", "genindex.html", "404.html", "blog/drafts.html"}
DRAFTS = ["posts/2023/marked-draft.html", "posts/2999/future.html"]


def build_site(tmp_path_factory, name: str, *options: str, env: dict | None = None):
    out = tmp_path_factory.mktemp(name)
    build = sphinx_build(ROOT, out / "html", out / "doctrees", *options,
                         env={"SOURCE_DATE_EPOCH": EPOCH, **(env or {})})
    assert build.returncode == 0, build.output
    assert "WARNING" not in build.output
    return build


@pytest.fixture(scope="module")
def discovery(tmp_path_factory):
    return build_site(tmp_path_factory, "discovery")


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    return build_site(tmp_path_factory, "preview", "-D", "techblog_show_drafts=1")


def preview_tags(soup) -> dict[str, str]:
    tags = {m["property"]: m["content"] for m in soup.select("meta[property^='og:']")}
    tags.update({m["name"]: m["content"] for m in soup.select("meta[name^='twitter:']")})
    return tags


def built_file(build, url: str, base: str = BASE):
    """The output file an absolute address of the site points to."""
    assert url.startswith(base), url
    path = build.outdir / urlsplit(url).path[len(urlsplit(base).path):]
    assert path.is_file(), url
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def html_pages(build) -> set[str]:
    """Every page of the output, but the redirects from the old blog's addresses."""
    return {p.relative_to(build.outdir).as_posix() for p in build.outdir.rglob("*.html")
            if "_static" not in p.parts and "This page has moved" not in p.read_text(encoding="utf-8")}


def sitemap_pages(build, base: str = BASE) -> list[str]:
    root = etree.parse(str(build.outdir / "sitemap.xml")).getroot()
    assert root.tag == SITEMAP + "urlset"
    locs = [url.findtext(SITEMAP + "loc") for url in root.iter(SITEMAP + "url")]
    assert len(locs) == len(set(locs)), "listed twice"
    return [built_file(build, loc, base).relative_to(build.outdir).as_posix() for loc in locs]


# -- Link previews -------------------------------------------------------------


def test_a_post_previews_its_description_and_its_own_image(discovery):
    source = read_source(ROOT, ROOT / "posts/2023/with-image.md")
    soup = discovery.html("posts/2023/with-image.html")
    tags = preview_tags(soup)
    description = source.front_matter["description"]
    assert '"' in description and "&" in description  # escaped, not cut short
    assert tags["og:title"] == source.title
    assert tags["og:type"] == "article"
    assert tags["og:description"] == description
    assert soup.select_one("meta[name=description]")["content"] == description
    assert len(soup.select("meta[name=description]")) == 1
    assert tags["og:url"] == BASE + "posts/2023/with-image.html"
    # a path relative to the post, made absolute; the body never shows it, yet it is published
    assert tags["og:image"] == BASE + "posts/2023/" + source.front_matter["image"]
    image = built_file(discovery, tags["og:image"]).read_bytes()
    assert image == (ROOT / "posts/2023" / source.front_matter["image"]).read_bytes()
    assert (int(tags["og:image:width"]), int(tags["og:image:height"])) == png_size(image)
    assert tags["twitter:card"] == "summary_large_image"


def test_a_post_without_description_previews_its_excerpt_and_the_default_image(discovery):
    source = read_source(ROOT, ROOT / "posts/2023/long-read.md")
    soup = discovery.html("posts/2023/long-read.html")
    tags = preview_tags(soup)
    assert "description" not in source.front_matter
    first_paragraph = source_body(ROOT / "posts/2023/long-read.md").split("\n\n")[0]
    assert tags["og:description"] == first_paragraph
    assert soup.select_one("meta[name=description]")["content"] == first_paragraph
    assert tags["og:type"] == "article"
    assert tags["og:image"] == BASE + "_static/og-default.png"
    image = built_file(discovery, tags["og:image"]).read_bytes()
    assert image == (REPO / "_static/og-default.png").read_bytes()
    assert png_size(image) == (1200, 630) == (int(tags["og:image:width"]), int(tags["og:image:height"]))
    assert tags["twitter:card"] == "summary_large_image"


def test_a_long_excerpt_is_cut_at_a_word(discovery):
    excerpt = " ".join(source_body(ROOT / "posts/2023/jump-break.md").split("<!-- more -->")[0].split())
    description = preview_tags(discovery.html("posts/2023/jump-break.html"))["og:description"]
    assert len(excerpt) > 200 >= len(description)
    assert description.endswith("…") and excerpt.startswith(description[:-1])
    assert excerpt[len(description) - 1] in " ,;:."  # not in the middle of a word


def test_an_image_address_is_kept_as_written(discovery):
    source = read_source(ROOT, ROOT / "legacy/2014/03/old.md")
    tags = preview_tags(discovery.html("legacy/2014/03/old.html"))
    assert tags["og:image"] == source.front_matter["image"]
    assert "og:image:width" not in tags  # unknown for an image elsewhere


def test_pages_that_are_not_posts_have_previews_too(discovery):
    home = preview_tags(discovery.html("index.html"))
    assert home["og:type"] == "website"
    assert home["og:description"] == read_source_meta(ROOT / "index.md")["description"]
    about = preview_tags(discovery.html("about.html"))
    assert about["og:description"] == "This page has no description, so its first paragraph is its preview."
    # pages ABlog generates: the category's own description, the site's tagline elsewhere
    category = preview_tags(discovery.html("blog/category/operations.html"))
    assert category["og:description"] == conf()["techblog_categories"]["operations"][1]
    tag = preview_tags(discovery.html("blog/tag/openstack.html"))
    assert tag["og:title"] == "Posts tagged openstack"
    assert tag["og:description"] == conf()["blog_feed_subtitle"]
    for tags in (home, about, category, tag):
        assert tags["og:image"] == BASE + "_static/og-default.png"
        assert tags["twitter:card"] == "summary_large_image"


def test_every_page_of_the_real_site_has_a_preview_with_working_addresses(site):
    posts = {p.path + ".html" for p in published_posts(REPO)}
    pages = html_pages(site) - {"search.html", "genindex.html", "404.html"}
    assert len(pages) > 40
    for page in sorted(pages):
        soup = site.html(page)
        tags = preview_tags(soup)
        assert tags["og:url"] == BASE + page, page
        assert soup.select_one("link[rel=canonical]")["href"] == tags["og:url"], page
        assert tags["og:title"] and tags["og:description"], page
        assert tags["og:type"] == ("article" if page in posts else "website"), page
        assert tags["twitter:card"] == "summary_large_image", page
        if tags["og:image"].startswith(BASE):
            built_file(site, tags["og:image"])


def test_canonical_links_are_absolute_on_posts_and_index_pages(site):
    post = next(p for p in published_posts(REPO) if p.path.startswith("posts/"))
    old = next(p for p in published_posts(REPO) if p.path.startswith("legacy/"))
    for page in [post.path + ".html", old.path + ".html", "index.html", "posts/index.html",
                 "legacy/index.html", "blog/tag/openstack.html", "blog/category/operations.html"]:
        links = site.html(page).select("link[rel=canonical]")
        assert [link["href"] for link in links] == [BASE + page], page
        built_file(site, links[0]["href"])


# -- sitemap.xml and robots.txt ------------------------------------------------------


def test_the_sitemap_lists_every_published_page_and_nothing_else(discovery):
    listed = sitemap_pages(discovery)
    assert set(listed) == html_pages(discovery) - NOT_LISTED
    for page in ["posts/2023/with-image.html", "posts/2023/long-read.html", "legacy/2014/03/old.html",
                 "index.html", "about.html", "blog/tag/openstack.html"]:
        assert page in listed
    for draft in DRAFTS:
        assert draft not in listed and not (discovery.outdir / draft).exists()
    # the old blog's address is a redirect page in the output, not a page to index
    assert (discovery.outdir / "2014/03/old.html").is_file() and "2014/03/old.html" not in listed


def test_a_preview_build_keeps_drafts_out_of_the_sitemap(preview):
    listed = sitemap_pages(preview)
    for draft in DRAFTS:
        assert (preview.outdir / draft).is_file()
        assert draft not in listed
    assert "posts/2023/with-image.html" in listed


def test_an_incremental_build_keeps_the_whole_sitemap(tmp_path):
    first = sphinx_build(ROOT, tmp_path / "html", tmp_path / "doctrees", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert first.returncode == 0, first.output
    sitemap = (tmp_path / "html/sitemap.xml").read_bytes()
    again = sphinx_build(ROOT, tmp_path / "html", tmp_path / "doctrees", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert again.returncode == 0, again.output
    assert "0 added, 0 changed, 0 removed" in again.output
    assert (tmp_path / "html/sitemap.xml").read_bytes() == sitemap


def test_the_real_sitemap_has_every_published_post(site):
    listed = sitemap_pages(site)
    assert {p.path + ".html" for p in published_posts(REPO)} <= set(listed)
    assert set(listed) == html_pages(site) - NOT_LISTED
    assert not any(page.startswith(("20", "p/", "search/")) for page in listed)  # old addresses


@pytest.mark.sphinx("html", testroot="discovery")
def test_a_build_in_this_process_leaves_no_process_behind(app):
    """sphinx-sitemap's queue is a forked manager process; left running it keeps
    this process's pipes open (a browser driver's, in a test run) and the run hangs."""
    app.build()
    assert (app.outdir / "sitemap.xml").is_file()
    assert multiprocessing.active_children() == []


def test_robots_txt_points_at_the_sitemap(discovery):
    robots = (discovery.outdir / "robots.txt").read_text(encoding="utf-8")
    assert robots == f"User-agent: *\nDisallow:\n\nSitemap: {BASE}sitemap.xml\n"
    built_file(discovery, robots.split("Sitemap: ")[1].strip())


def test_addresses_follow_blog_baseurl(tmp_path_factory):
    base = "https://blog.example.org/"
    build = build_site(tmp_path_factory, "elsewhere", env={"TECHBLOG_BASEURL": base})
    robots = (build.outdir / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {base}sitemap.xml\n" in robots
    assert "posts/2023/with-image.html" in sitemap_pages(build, base)
    soup = build.html("posts/2023/with-image.html")
    assert soup.select_one("link[rel=canonical]")["href"] == base + "posts/2023/with-image.html"
    assert preview_tags(soup)["og:image"] == base + "posts/2023/images/card.png"
    # the site is at the host's root now: so are the 404 page's links
    notfound = build.html("404.html")
    assert notfound.select_one("link[rel=stylesheet][href*='pydata-sphinx-theme.']")["href"].startswith(
        "/_static/")


# -- The 404 page ------------------------------------------------------------------


def test_the_404_page_works_at_any_depth(site):
    """Served for /techblog/a/b/c/missing.html: nothing may be relative to where it is served."""
    prefix = urlsplit(BASE).path
    soup = site.html("404.html")
    assert soup.h1.get_text(strip=True) == "Page not found"
    addresses = [tag[attr] for tag in soup.find_all(True) for attr in ("href", "src", "action")
                 if tag.get(attr)]
    assert len(addresses) > 20
    for address in addresses:
        parts = urlsplit(address)
        if address.startswith("#") or parts.scheme in ("http", "https"):
            continue
        assert address.startswith(prefix), address
        target = site.outdir / parts.path[len(prefix):]
        assert target.is_file(), address
    assert soup.html["data-content_root"] == prefix  # where Sphinx's scripts find the search index
    stylesheets = [link["href"] for link in soup.select("link[rel=stylesheet]")]
    assert any("/pydata-sphinx-theme." in href for href in stylesheets)
    assert any("techblog.css" in href for href in stylesheets)
    nav = soup.select("#pst-header nav[aria-label=Site] a.nav-link")
    assert [a.get_text(strip=True) for a in nav] == [
        "Home", "Posts", "Tags", "Categories", "Archive", "Talks", "Legacy", "About"]
    body = soup.select_one("article .techblog-notfound")
    links = {a["href"] for a in body.select("a")}
    assert {prefix + "index.html", prefix + "posts/index.html", prefix + "search.html"} <= links
    assert body.select_one("form")["action"] == prefix + "search.html"
    assert soup.select_one("meta[name=robots]")["content"] == "noindex"


# -- Reading the sources -------------------------------------------------------------


def read_source_meta(path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


def source_body(path) -> str:
    """The text after the title line."""
    body = path.read_text(encoding="utf-8").split("---\n", 2)[2]
    return body.split("\n# ", 1)[1].split("\n", 1)[1].strip()
