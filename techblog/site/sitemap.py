"""What search engines read: ``sitemap.xml`` and ``robots.txt``.

sphinx-sitemap lists every page the build writes, with the absolute address
from ``html_baseurl`` (``blog_baseurl``). Left out: the pages in
:data:`NOT_LISTED` (search, the general index, the 404 page) and ABlog's empty
drafts page (``<blog_path>/drafts``), pages that only redirect (drawn with :data:`REDIRECT_TEMPLATES`) and,
in a preview build (``techblog_show_drafts``), the unpublished posts.
Redirect pages from the old blog's addresses are not written as Sphinx
pages, so they are never listed.

No ``<lastmod>``: sphinx-sitemap takes it from git (sphinx-last-updated-by-git),
which warns outside a checkout and gives a copied tree other dates than the
commit; the feeds already carry each post's ``updated``.

``robots.txt`` is written at the output root from ``html_baseurl``, so it
names the sitemap wherever the site is published.

sphinx-sitemap gathers the pages in a ``multiprocessing`` manager: a
process of its own, which outlives a build stopped by SIGTERM (and holds
its output pipes open). The pages are gathered in the building process
instead (:func:`gather_pages_locally`).
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from queue import Queue

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx_sitemap import is_excluded, record_builder_type  # the second is taken over (pipeline.py)

from techblog import atomic
from techblog.incremental import rewrites, stale_output
from techblog.ablog.drafts import is_unpublished
from techblog.ablog.metadata import posts_of


# Docnames that are pages but not worth a search result (and ABlog's drafts
# page, <blog_path>/drafts: see exclude_from_sitemap).
NOT_LISTED = ("search", "genindex", "404")
# Pages that send the reader elsewhere: ABlog's for a post's `redirect`, ours
# for blog.html (techblog/pages/collections.py).
REDIRECT_TEMPLATES = ("ablog/redirect.html", "techblog/moved.html")


def page_path(app: Sphinx, docname: str) -> str:
    """The sitemap's entry for a docname: its path relative to ``html_baseurl``
    (``docname.html``), not a URL."""
    return docname + (app.config.html_file_suffix or ".html")


def exclude_from_sitemap(app: Sphinx, config: Config) -> None:
    drafts = [docname for docname in posts_of(app) if is_unpublished(app, docname)]
    not_listed = [*NOT_LISTED, posixpath.join(config.blog_path, "drafts")]
    config.sitemap_excludes = [*config.sitemap_excludes,
                               *(page_path(app, docname) for docname in [*not_listed, *drafts])]


def exclude_redirects(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    # Before sphinx-sitemap (500) reads the exclusions for this page.
    if templatename in REDIRECT_TEMPLATES:
        app.config.sitemap_excludes.append(page_path(app, pagename))


def gather_pages_locally(app: Sphinx) -> None:
    """sphinx-sitemap's ``record_builder_type`` (2.9.0), with a queue of this
    process instead of a ``multiprocessing.Manager().Queue()``, whose server
    process outlived a build stopped by a signal. With ``-j`` the pages
    written in the forked processes are not put in it: they are documents,
    which :func:`list_unwritten_pages` adds (each document is in the sitemap
    unless excluded; every exclusion of a document is known to this process)."""
    builder = getattr(app, "builder", None)
    if builder is None:
        return
    builder.env.is_directory_builder = type(builder).__name__ == "DirectoryHTMLBuilder"
    app.sitemap_links = Queue()


def list_unwritten_pages(app: Sphinx, exception: Exception | None) -> None:
    """sphinx-sitemap lists only the pages written in this build
    (jdillard/sphinx-sitemap#13, sphinx-sitemap 2.9.0), and an incremental
    build writes only what changed (rewrites.py). Before it writes the
    sitemap, the documents and generated pages not written this time are
    added, and the entries put in the order a clean build gives: documents by
    name (as Sphinx writes them), then the generated pages in the order they
    were made."""
    queue = getattr(app, "sitemap_links", None)
    if exception is not None or queue is None or app.builder.format != "html":
        return
    entries = []
    while not queue.empty():
        entries.append(queue.get_nowait())
    seen = {link for link, _ in entries}

    def add(pagename: str) -> None:
        link = page_path(app, pagename)
        if link not in seen and not is_excluded(link, app.config.sitemap_excludes):
            entries.append((link, None))
            seen.add(link)

    for docname in sorted(app.env.found_docs - stale_output.written_pages(app)):
        add(docname)
    generated, skipped = rewrites.skipped_pages(app)
    for pagename, template in generated:
        if pagename in skipped and template not in REDIRECT_TEMPLATES:
            add(pagename)
    documents = {page_path(app, docname) for docname in app.env.found_docs}
    made = {page_path(app, pagename): rank for rank, (pagename, _) in enumerate(generated)}
    ordered = sorted((e for e in entries if e[0] in documents), key=lambda e: e[0]) + sorted(
        (e for e in entries if e[0] not in documents), key=lambda e: made.get(e[0], len(made)))
    for entry in ordered:  # sphinx-sitemap reads them from here
        queue.put(entry)


def release_sitemap_queue(app: Sphinx, exception: Exception | None) -> None:
    """The pages are not kept past the build (the application may build again)."""
    app.sitemap_links = None


def robots_txt(sitemap_url: str) -> str:
    return f"User-agent: *\nDisallow:\n\nSitemap: {sitemap_url}\n"


def write_robots_txt(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    sitemap_url = app.config.html_baseurl + app.config.sitemap_filename
    atomic.write_text(Path(app.outdir, "robots.txt"), robots_txt(sitemap_url))
