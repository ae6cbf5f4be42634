"""Every hook of the extension, in the order a build runs them.

A Sphinx build passes through these events, once or per document:

1. ``config-inited``: the settings and every post's front matter are checked;
2. ``builder-inited``: per-build state is reset (:mod:`techblog.state`),
   templates are set up;
3. reading: ``env-purge-doc`` and ``doctree-read`` per changed document,
   ``env-merge-info`` when reading in parallel (``-j``); what the environment
   keeps per document is owned by the collectors registered in :func:`register`;
4. ``env-updated``: reading is done, the blog's posts are known;
5. writing: ``doctree-resolved`` per document, ``html-collect-pages`` for
   the generated pages and feeds, ``html-page-context`` per page;
6. ``build-finished``: what the build keeps for the next one is saved.

Within an event Sphinx calls handlers by priority, lowest first (500 when
none is given), and in the order they were connected when priorities are
equal; the handlers of the extensions set up below (ABlog, the redirects,
link previews, the 404 page, the sitemap) run at 500. A priority is given
only where the order matters, and the reason is beside it.

Each module says what its handlers do; this one only says when.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from techblog import config, listeners, state
from techblog.ablog import adapters, drafts, metadata
from techblog.incremental import (build_cache, highlighting, interrupts, parallel_read,
                                  rewrites, stale_output, template_cache, warnings_record)
from techblog.legacy import archived_comments, archived_replies, redirects, video_embeds
from techblog.pages import (autoescape, collections, comments, copy_button, diagrams, feeds, listings, mathml,
                            navigation, next_reading, pagination, post_header, series, sidebars, talks)
from techblog.site import (inline_scripts, link_previews, notfound, pagefind_index, precompress, search, sitemap,
                           theme_assets, used_css)

# The extensions we build on; ours wrap some of their handlers (below).
EXTENSIONS = ["ablog", "sphinx_reredirects", "sphinxext.opengraph", "notfound.extension", "sphinx_sitemap",
              "sphinxcontrib.mermaid"]

# (event, handler, priority or None, why this priority)
HOOKS = [
    # -- 1. config-inited: posts first, then what depends on them --------------------
    ("config-inited", metadata.check_posts, 300, "every post checked before anything uses one"),
    ("config-inited", drafts.exclude_drafts, 400, "after the posts are checked, before ABlog lists them"),
    ("config-inited", config.check, None, ""),
    ("config-inited", talks.check_talks, 350, "after the posts are checked (300): tags are spelt as posts spell them"),
    ("config-inited", config.check_profiles, None, ""),
    ("config-inited", sitemap.exclude_from_sitemap, 500, "after the drafts are decided (400)"),
    ("config-inited", redirects.add_redirects, 600, "checked against the pages of the site"),
    # -- 2. builder-inited: a fresh start for each build ---------------------------------
    ("builder-inited", adapters.reset_blog_state, 100, "before ABlog's own handler fills Blog again"),
    ("builder-inited", autoescape.turn_on, 400, "before any template is compiled (600)"),
    ("builder-inited", drafts.leave_drafts_unfound, None, ""),
    ("builder-inited", comments.add_template_functions, None, ""),
    ("builder-inited", interrupts.stop_on_sigterm, None, ""),
    ("builder-inited", search.leave_out_sphinx_index, None, ""),
    ("builder-inited", template_cache.keep_compiled_templates, 600, "after autoescaping is set (400)"),
    ("builder-inited", highlighting.share_formatters, None, ""),
    ("builder-inited", adapters.register_categories, 900, "after ABlog's handler made the Blog"),
    # -- 3. reading, per changed document -----------------------------------------------
    ("env-before-read-docs", parallel_read.note_read_order, 900, "late: the list is final"),
    # (the listings, references and ABlog's posts of a document: the collectors in register())
    ("env-purge-doc", rewrites.note_read, None, ""),
    ("doctree-read", rewrites.note_read, None, ""),
    ("doctree-read", adapters.keep_post_doctrees_on_disk, 900, "after ABlog's process_posts"),
    ("doctree-read", mathml.check_math, None, ""),
    ("doctree-read", diagrams.refuse_zoom, None, ""),
    # -- 4. env-updated: every post known ---------------------------------------------
    ("env-updated", adapters.register_posts_before_writing, None, ""),
    ("env-updated", collections.point_blog_posts_reference, None, ""),
    ("env-updated", talks.note_talks, 800, "before the pages' digests are compared (900)"),
    ("env-updated", rewrites.rewrite_changed_documents, 900, "after ABlog's posts are registered (500)"),
    # -- 5. writing ---------------------------------------------------------------------
    ("doctree-resolved", listings.render_listings, None, ""),
    ("doctree-resolved", post_header.insert_post_header, None, ""),
    ("doctree-resolved", archived_comments.render_archived_comments, None, ""),
    ("html-collect-pages", feeds.write_feeds, None, ""),
    ("html-collect-pages", listings.listing_pages, None, ""),
    ("html-collect-pages", collections.archive_pages, None, ""),
    ("html-collect-pages", series.write_series, None, ""),
    ("html-collect-pages", talks.talk_pages, None, ""),
    ("html-collect-pages", talks.write_talks_feed, None, ""),
    ("html-collect-pages", search.search_page, None, ""),
    ("html-page-context", autoescape.escape_settings_text, 100, "before anything reads the settings' texts"),
    ("html-page-context", rewrites.journal_document, 100, "before the page is written"),
    ("html-page-context", link_previews.add_preview_fields, 450, "before sphinxext-opengraph (500)"),
    ("html-page-context", sitemap.exclude_redirects, 450, "before sphinx-sitemap's handler (500)"),
    ("html-page-context", listings.add_first_page, None, ""),
    ("html-page-context", collections.add_all_posts_page, None, ""),
    ("html-page-context", comments.add_thread, None, ""),
    ("html-page-context", next_reading.add_next_reading, None, ""),
    ("html-page-context", archived_replies.add_script, None, ""),
    ("html-page-context", search.add_search_fields, None, ""),
    ("html-page-context", diagrams.add_diagram_scripts, None, ""),
    ("html-page-context", mathml.add_math_stylesheet, None, ""),
    ("html-page-context", sidebars.add_sidebar_context, None, ""),
    ("html-page-context", stale_output.record_page, None, ""),
    ("html-page-context", inline_scripts.move_theme_options, 510, "after the theme adds its inline scripts (500)"),
    ("html-page-context", link_previews.preview_without_doctree, 550, "after sphinxext-opengraph (500)"),
    ("html-page-context", navigation.add_navigation, 600, "replaces the theme's prev/next, set at 500"),
    ("html-page-context", notfound.absolute_content_root, 650, "after sphinx-notfound-page's handler (500)"),
    ("html-page-context", copy_button.load_only_with_code, 700, "after the theme's and ours added their files"),
    ("html-page-context", theme_assets.trim_page_assets, 700, "after the theme and Sphinx added their files"),
    ("html-page-context", pagination.add_head_links, 700, "after listings and collections put their page in"),
    # -- 6. build-finished: keep what the next build needs ------------------------------
    ("build-finished", listings.keep_current_summaries, 400, "before build_cache saves what is kept (500)"),
    ("build-finished", feeds.keep_current_content, 400, "before build_cache saves what is kept (500)"),
    ("build-finished", sitemap.list_unwritten_pages, 400, "before sphinx-sitemap writes sitemap.xml (500)"),
    ("build-finished", build_cache.save_kept, None, ""),
    ("build-finished", stale_output.remove_stale_outputs, None, ""),
    ("build-finished", link_previews.copy_post_images, None, ""),
    ("build-finished", sitemap.write_robots_txt, None, ""),
    ("build-finished", rewrites.save_digests, 800, "after the sitemap asked which pages were skipped (400)"),
    ("build-finished", sitemap.release_sitemap_queue, 900, "after sphinx-sitemap used it (500)"),
    ("build-finished", used_css.ship_used_css, 910, "after every page is written or removed (800, 900); "
     "it rewrites the pages' stylesheet links, so before Pagefind reads them (920)"),
    ("build-finished", theme_assets.leave_out_unused_files, 915, "after the used CSS is made from them (910), "
     "before the .gz copies (950)"),
    ("build-finished", pagefind_index.build_index, 920, "after the pages are final (910), before their "
     ".gz copies (950)"),
    ("build-finished", precompress.precompress, 950, "after the last file is written or removed (500)"),
    ("build-finished", interrupts.restore_sigterm, 1000, "last: the build is over"),
]


def state_hooks(build: state.BuildState) -> list[tuple]:
    """The application's state (techblog/state.py) starts each build afresh:
    nothing read, written or worked out yet; what was worked out while reading
    is worked out again once every post is known."""
    return [
        ("builder-inited", build.reset, 50, "before any handler of the build uses the state"),
        ("env-updated", build.reading_done, 50, "before anything reads the per-build store"),
    ]


def warning_hooks(record: warnings_record.WarningsRecord) -> list[tuple]:
    """Problems reported on every build until fixed, each once: the record sees
    every warning of the build and says again what the build did not redo."""
    return [
        ("builder-inited", record.install, None, ""),
        ("env-before-read-docs", record.before_read, 900, "late: the list is final"),
        ("env-updated", record.replay_unread, None, ""),
        ("env-check-consistency", record.checked, None, ""),
        ("write-started", record.start_writing, None, ""),
        ("doctree-resolved", record.resolved, None, ""),
        ("html-collect-pages", record.pages_written, 1, "before the feeds and generated pages are drawn"),
        ("build-finished", record.finish, 100, "before anything else is saved"),
    ]


def register(app: Sphinx) -> None:
    build = state.create(app)
    for extension in EXTENSIONS:
        app.setup_extension(extension)
    config.declare(app)

    # What is not a hook: nodes, directives, a transform, scripts.
    app.add_node(listings.blogposts_node)
    app.add_directive("blogposts", listings.BlogPostsDirective)
    app.add_node(archived_comments.archived_comments_node)
    app.add_directive("archived-comments", archived_comments.ArchivedCommentsDirective.bound_to(build))
    app.add_transform(metadata.ApplyFrontMatter.bound_to(build))
    # What the environment keeps per document, each piece with its owner: Sphinx
    # calls them as a document is read or purged, and merges them after a -j read.
    app.add_env_collector(listings.ListingDocs)
    app.add_env_collector(rewrites.References)
    app.add_env_collector(parallel_read.AblogPosts)
    app.add_env_collector(warnings_record.ReadWarnings)
    app.add_js_file(video_embeds.SCRIPT, loading_method="defer")
    mathml.register(app)  # the MathML renderer

    # Handlers of other extensions that we run ourselves, at their priority.
    adapters.install(app)  # ABlog's feeds and archive pages
    parallel_read.mark_ablog_safe(app)  # its data is merged across -j processes (AblogPosts above)
    taken = listeners.take_out(app, "html-collect-pages", notfound.html_collect_pages)
    if taken is not None:  # sphinx-notfound-page draws the 404 page in every build
        app.connect("html-collect-pages", notfound.notfound_page_when_changed, priority=taken)
    taken = listeners.take_out(app, "html-collect-pages", redirects.init)
    if taken is not None:  # its pages load a script rather than run one inline (CSP)
        app.connect("html-collect-pages", redirects.write_redirect_pages, priority=taken)
    # sphinxcontrib-mermaid's scripts: from a CDN, inline, and on pages without a diagram (diagrams.py)
    listeners.take_out(app, "html-page-context", diagrams.mermaid_install_js)
    taken = listeners.take_out(app, "builder-inited", sitemap.record_builder_type)
    # sphinx-sitemap's queue is a multiprocessing manager: ours is local
    app.connect("builder-inited", sitemap.gather_pages_locally, priority=500 if taken is None else taken)

    record = warnings_record.WarningsRecord(app)
    for event, handler, priority, _why in [*state_hooks(build), *warning_hooks(record), *HOOKS]:
        app.connect(event, handler, priority=500 if priority is None else priority)
