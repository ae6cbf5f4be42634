"""The production web server (deploy/nginx/), run as ``make prod-preview``
runs it (conftest.production: Debian's nginx with the production files, the
real site, a moderated Isso), asked over HTTP: old addresses, the 404 page,
security headers, gzip, caching, the comment server."""

from __future__ import annotations

import csv
import gzip
import http.client
import json
import re
import subprocess
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from conftest import REPO
from sources import conf
from techblog.tools import prod_preview

SITE = "/techblog"  # the path of blog_baseurl, where deploy/nginx/ serves the site
ROWS = list(csv.DictReader((REPO / "legacy" / "redirects.csv").open(encoding="utf-8")))
POLICY_SOURCES = ("script-src", "style-src", "img-src", "font-src", "connect-src", "frame-src", "default-src")


def get(production, path: str, headers: dict | None = None, method: str = "GET",
        body: str | None = None) -> http.client.HTTPResponse:
    """``path`` sent as written (percent-encoded, query and all); the answer, read."""
    address = urlsplit(production.origin)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    values = response.headers.get_all("Content-Security-Policy") or []
    assert len(values) == 1, values
    directives = {}
    for part in values[0].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name] = sources
    return directives


def test_the_site_is_served_where_blog_baseurl_puts_it():
    assert urlsplit(conf()["blog_baseurl"]).path == SITE + "/"
    assert f"location {SITE}/ {{" in (REPO / "deploy" / "nginx" / "techblog.conf").read_text(encoding="utf-8")


def test_the_preview_differs_from_production_only_on_the_marked_lines(production):
    production_lines = (REPO / "deploy" / "nginx" / "techblog.conf").read_text(encoding="utf-8").splitlines()
    preview = (production.nginx.conf.parent / "techblog.conf").read_text(encoding="utf-8").splitlines()
    unmarked = [line for line in production_lines if "# preview:" not in line or line.lstrip().startswith("#")]
    assert [line for line in preview if line in unmarked] == unmarked
    assert len(preview) < len(production_lines)
    with pytest.raises(prod_preview.PreviewError, match="production-only"):
        prod_preview.render("server {\n    listen 443 ssl;\n}\n", {})


def test_the_production_file_as_installed_passes_nginx_t(tmp_path):
    """techblog.conf with its own lines (TLS, port 80), as nginx -t reads it in
    conf.d: only the checkout's path and the certificate are this machine's."""
    key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=techblog.web.cern.ch", "-keyout", str(key), "-out", str(certificate)],
                   check=True, capture_output=True)
    text = (REPO / "deploy" / "nginx" / "techblog.conf").read_text(encoding="utf-8")
    text = re.sub(r"ssl_certificate \S+;", f"ssl_certificate {certificate};", text)
    text = re.sub(r"ssl_certificate_key \S+;", f"ssl_certificate_key {key};", text)
    (tmp_path / "techblog.conf").write_text(text.replace("/srv/techblog", str(REPO)), encoding="utf-8")
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n    include {prod_preview.MIME_TYPES};\n"
                    f"    include {tmp_path}/techblog.conf;\n}}\n", encoding="utf-8")
    checked = subprocess.run(prod_preview.nginx_command(main, "-t"), capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_the_importer_map_has_every_row_of_the_csv():
    keys = re.findall(r'^"(.*)" (\S+);$', (REPO / "legacy" / "redirects.nginx.map").read_text(encoding="utf-8"), re.M)
    assert len(keys) == len(ROWS) > 80


@pytest.mark.parametrize("prefix", ["", SITE], ids=["at the root", "under /techblog"])
def test_every_old_address_answers_301_with_its_new_page(production, prefix):
    checked = 0
    for row in ROWS:
        old, new = row["old_path"], row["new_path"]
        queries = [""]
        if old.endswith(".html") or old.endswith("/"):
            queries.append("?m=1")  # Blogger's mobile pages
        if old.startswith("/feeds/"):
            queries += ["?alt=rss", "?alt=atom&max-results=25"]
        for query in queries:
            answer = get(production, prefix + old + query)
            assert answer.status == 301, (old + query, answer.status)
            # The new page, without the old query.
            assert answer.headers["Location"] == production.origin + SITE + new, old + query
            checked += 1
        assert get(production, SITE + new).status == 200, new
    assert checked > 2 * len(ROWS)


FORMS = {
    "post": r"/\d{4}/\d{2}/[^/]+\.html",
    "monthly archive": r"/\d{4}/\d{2}/",
    "page": r"/p/[^/]+\.html",
    "label": r"/search/label/[^/]+",
    "feed": r"/feeds/posts/default",
    "label feed": r"/feeds/posts/default/-/[^/]+",
    "summary feed": r"/feeds/posts/summary",
    "label summary feed": r"/feeds/posts/summary/-/[^/]+",
    "feed at the top": r"/(atom|rss)\.xml",
}


def test_the_map_has_every_form_of_old_address_and_only_those():
    forms = {row["old_path"]: [form for form, pattern in FORMS.items() if re.fullmatch(pattern, row["old_path"])]
             for row in ROWS}
    assert {path: found for path, found in forms.items() if len(found) != 1} == {}
    assert {found[0] for found in forms.values()} == set(FORMS)
    assert any("%" in path for path in forms)  # a label with a space and a non-ASCII letter


@pytest.mark.parametrize("path", ["/a/b/c/missing", "/missing.html", f"{SITE}/a/b/c/missing",
                                  f"{SITE}/posts/2099/none.html", f"{SITE}/.doctrees/environment.pickle",
                                  f"{SITE}/.buildinfo"])
def test_a_missing_address_at_any_depth_gets_the_404_page_and_its_assets_load(production, path):
    answer = get(production, path)
    assert answer.status == 404
    page = lxml.html.document_fromstring(answer.body)
    assert "Page not found" in page.findtext(".//h1")
    assets = page.xpath("//link[@rel='stylesheet']/@href | //script/@src")
    assert len(assets) > 4
    for asset in assets:
        assert asset.startswith(SITE + "/"), asset
        assert get(production, asset).status == 200, asset


def fingerprinted(production) -> str:
    page = lxml.html.document_fromstring(get(production, f"{SITE}/index.html").body)
    return urljoin(f"{SITE}/index.html", next(href for href in page.xpath("//link[@rel='stylesheet']/@href")
                                              if "?v=" in href or "?digest=" in href))


def kinds_of_answer(production) -> dict[str, str]:
    return {
        "page": f"{SITE}/index.html",
        "directory": f"{SITE}/posts/",
        "asset": fingerprinted(production),
        "feed": f"{SITE}/blog/atom.xml",
        "404": f"{SITE}/no/such/page",
        "404 outside the site": "/no/such/page",
        "301 old address": ROWS[1]["old_path"],
        "301 root": "/",
        "comments": "/comments/config",
        "comments 404": "/comments/no-such-thing",
        "comments admin": "/comments/admin/",
    }


def test_every_kind_of_answer_has_the_security_headers(production):
    statuses = {}
    for kind, path in kinds_of_answer(production).items():
        answer = get(production, path)
        statuses[kind] = answer.status
        directives = policy(answer)
        assert directives["default-src"] == ["'self'"], kind
        for name in POLICY_SOURCES:
            assert "'unsafe-eval'" not in directives.get(name, []), (kind, name)
        if kind != "comments admin":
            assert not {"'unsafe-inline'", "'unsafe-hashes'"} & set(directives["script-src"]), kind
        assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'self'"], kind
        assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"], kind
        assert not any("*" in source or source in ("http:", "https:")
                       for name in POLICY_SOURCES for source in directives.get(name, [])), kind
        for header, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                              ("Referrer-Policy", "strict-origin-when-cross-origin")):
            assert answer.headers.get_all(header) == [value], (kind, header)
    assert statuses == {"page": 200, "directory": 200, "asset": 200, "feed": 200, "404": 404,
                        "404 outside the site": 404, "301 old address": 301, "301 root": 301, "comments": 200,
                        "comments 404": 404, "comments admin": 200}


def test_the_site_policy_allows_what_the_pages_use_and_no_more(production):
    directives = policy(get(production, f"{SITE}/index.html"))
    # WebAssembly for the search (Pagefind), and still no eval() of JavaScript, no inline script.
    assert directives["script-src"] == ["'self'", "'wasm-unsafe-eval'"] and directives["style-src"] == ["'self'"]
    assert "script-src-elem" not in directives and "script-src-attr" not in directives
    assert directives["style-src-attr"] == ["'unsafe-inline'"]  # Isso's identicons; no <style> element
    assert directives["img-src"] == ["'self'", "data:"] and directives["connect-src"] == ["'self'"]
    # Only the players a click on a video's "Play here" puts in (_static/techblog-video.js).
    assert directives["frame-src"] == ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
    players = re.search(r"var PLAYER = /\^(.*)\$/;", (REPO / "_static" / "techblog-video.js").read_text()).group(1)
    assert "www\\.youtube-nocookie\\.com" in players and "player\\.vimeo\\.com" in players


def test_only_isso_pages_for_moderators_may_run_inline_scripts(production):
    site = policy(get(production, f"{SITE}/index.html"))
    for path in ("/comments/admin/", "/comments/admin/?mode=2", "/comments/id/1/activate/key"):
        admin = policy(get(production, path))
        assert admin["script-src"] == ["'self'", "'unsafe-inline'"], path
        assert {name: sources for name, sources in admin.items() if name != "script-src"} == {
            name: sources for name, sources in site.items()
            if name not in ("script-src", "frame-src", "font-src", "style-src-attr")}, path
    for path in ("/comments/config", "/comments/login/", "/comments/admin/../config", f"{SITE}/comments/admin/"):
        assert "'unsafe-inline'" not in policy(get(production, path))["script-src"], path


def test_no_page_of_the_site_has_an_inline_script_or_style(site):
    """The policy's other half: what it forbids, the pages do not have."""
    found = []
    for path in sorted(site.outdir.rglob("*.html")):
        page = lxml.html.document_fromstring(path.read_bytes())
        name = path.relative_to(site.outdir).as_posix()
        found += [f"{name}: <script>{s.text[:40]!r}" for s in page.xpath("//script[not(@src)]")
                  if (s.get("type") or "") not in ("application/json", "application/ld+json")]
        # Not even in <noscript>: a search parses the pages it shows, and the browser checks their styles.
        found += [f"{name}: <style>" for s in page.xpath("//style")]
        found += [f"{name}: <{e.tag} {a}=...>" for e in page.iter() if isinstance(e.tag, str)
                  for a in e.attrib if a == "style" or a.startswith("on")]
    assert found == []


@pytest.mark.parametrize("name", ["index.html", "legacy/2014/01/nova-cells.html", "_static/techblog.css",
                                  "blog/atom.xml", "_pagefind/pagefind.js", "404.html"])
def test_a_browser_that_accepts_gzip_gets_the_precompressed_file_and_another_the_plain_one(production, name):
    file = production.site.outdir / name
    zipped = get(production, f"{SITE}/{name}", {"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.body == (production.site.outdir / (name + ".gz")).read_bytes()
    assert gzip.decompress(zipped.body) == file.read_bytes()
    assert "Accept-Encoding" in zipped.headers["Vary"]
    plain = get(production, f"{SITE}/{name}")
    assert plain.headers.get("Content-Encoding") is None and plain.body == file.read_bytes()
    assert "Accept-Encoding" in plain.headers["Vary"]


def test_the_search_index_is_sent_as_pagefind_wrote_it(production):
    """Pagefind gzips its chunks and WebAssembly itself, and its script unpacks
    them: nginx sends their bytes as they are, with no Content-Encoding (a
    browser would unpack them before Pagefind does), and the build writes no
    .gz of them (techblog/site/precompress.py leaves them alone)."""
    bundle = production.site.outdir / "_pagefind"
    chunks = {}
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and path.suffix in (".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta", ".pagefind"):
            chunks.setdefault(path.suffix, path)
    assert set(chunks) == {".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta", ".pagefind"}
    for path in chunks.values():
        name = path.relative_to(production.site.outdir).as_posix()
        assert not path.with_name(path.name + ".gz").exists(), name
        answer = get(production, f"{SITE}/{name}", {"Accept-Encoding": "gzip"})
        assert answer.status == 200 and answer.headers.get("Content-Encoding") is None, name
        assert answer.body == path.read_bytes() and answer.body[:2] == b"\x1f\x8b", name
        assert answer.headers["Content-Type"] == "application/octet-stream", name
    # Its script is a module the page imports: a JavaScript type (nosniff checks it).
    script = get(production, f"{SITE}/_pagefind/pagefind.js", {"Accept-Encoding": "gzip"})
    assert script.headers["Content-Type"] == "application/javascript" and script.headers["Content-Encoding"] == "gzip"
    # The work folder of an index being written is never served (hidden, like .doctrees).
    assert get(production, f"{SITE}/.pagefind-work/").status == 404


def test_the_404_page_comes_gzipped_too(production):
    answer = get(production, "/a/b/c/missing", {"Accept-Encoding": "gzip"})
    assert answer.status == 404 and answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.body) == (production.site.outdir / "404.html").read_bytes()


def test_fingerprinted_assets_are_cached_for_a_year_and_pages_are_asked_again(production):
    asset = fingerprinted(production)
    assert get(production, asset).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    digest = next(src for src in lxml.html.document_fromstring(get(production, f"{SITE}/index.html").body)
                  .xpath("//script/@src | //link/@href") if "?digest=" in src)
    assert "immutable" in get(production, urljoin(f"{SITE}/index.html", digest)).headers["Cache-Control"]
    for path in (f"{SITE}/index.html", f"{SITE}/posts/", f"{SITE}/no/such/page"):
        assert get(production, path).headers["Cache-Control"] == "no-cache", path
    for path in (asset.split("?")[0], f"{SITE}/blog/atom.xml", f"{SITE}/_static/og-default.png",
                 f"{SITE}/index.html?v=1"):
        assert "immutable" not in get(production, path).headers["Cache-Control"], path


def test_a_page_not_changed_is_answered_304(production):
    first = get(production, f"{SITE}/index.html", {"Accept-Encoding": "gzip"})
    again = get(production, f"{SITE}/index.html", {"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and again.headers["Cache-Control"] == "no-cache"


def test_the_comment_server_answers_through_nginx(production):
    answer = get(production, "/comments/config")
    assert answer.status == 200 and "config" in json.loads(answer.body)
    assert get(production, "/comments/js/embed.min.js").status == 200
    # The admin page: Isso's own, its files from here (public-endpoint), the password asked.
    admin = get(production, "/comments/admin/")
    assert b'action="' + production.origin.encode() + b'/comments/login/"' in admin.body
    # After the login Isso sends the moderator to its admin page: under /comments/ (X-Script-Name),
    # on this site (proxy_redirect; Isso writes http://127.0.0.1/..., without the port, or in
    # production http: for https).
    login = get(production, "/comments/login/", {"Content-Type": "application/x-www-form-urlencoded",
                                                 "Origin": production.origin}, method="POST",
                body=f"password={production.admin_password}")
    assert login.status == 302 and login.headers["Location"] == production.origin + "/comments/admin/"
    assert "admin-session=" in login.headers["Set-Cookie"]


def test_isso_scripts_and_stylesheet_come_gzipped_and_nothing_else_of_isso(production):
    """Its script is most of a post's first visit: compressed. Its pages and
    answers (moderation keys in them: BREACH) never are."""
    for path in ("/comments/js/embed.min.js", "/comments/js/count.min.js", "/comments/css/isso.css"):
        plain = get(production, path)
        zipped = get(production, path, {"Accept-Encoding": "gzip"})
        assert zipped.status == 200 and zipped.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in zipped.headers["Vary"], path
        assert gzip.decompress(zipped.body) == plain.body and len(zipped.body) < len(plain.body) / 2, path
        # the reader's address still reaches Isso as nginx saw it, the headers of /comments/ apply
        assert zipped.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"], path
    for path in ("/comments/config", "/comments/admin/"):
        answer = get(production, path, {"Accept-Encoding": "gzip"})
        assert answer.status == 200 and answer.headers.get("Content-Encoding") is None, path


def test_isso_is_passed_the_reader_address_nginx_saw_and_where_it_lives():
    """README "Comments in production": X-Forwarded-For is $remote_addr alone (a
    reader's own header is not passed on), X-Script-Name /comments."""
    proxy = (REPO / "deploy" / "nginx" / "server.conf").read_text(encoding="utf-8")
    proxy = proxy[proxy.index("location /comments/ {"):]
    for line in ("proxy_pass http://techblog_comments/;", "proxy_set_header Host $host;",
                 "proxy_set_header X-Forwarded-For $remote_addr;", "proxy_set_header X-Forwarded-Proto $scheme;",
                 "proxy_set_header X-Script-Name /comments;"):
        assert line in proxy
    assert "upstream techblog_comments {" in (REPO / "deploy" / "nginx" / "techblog.conf").read_text()


def test_nginx_logged_no_error(production):
    errors = [line for line in production.nginx.errors().splitlines()
              if re.search(r"\[(warn|error|crit|alert|emerg)\]", line) and "No such file" not in line
              and "is forbidden" not in line]
    assert errors == []
