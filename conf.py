"""Sphinx configuration of the team's tech blog.

Short sections, each one thing: project, extensions, MyST, the blog (ABlog),
who writes and under what categories, navigation and sidebars, the theme.
The README is the author's guide; this file is the site's settings.
"""

import os
import sys
from urllib.parse import urlsplit

# Our extension package, techblog/, sits beside this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# -- Project ------------------------------------------------------------------

project = "Tech Blog"
author = "The Cloud Infrastructure Team"
copyright = "2013-2026, the Cloud Infrastructure Team"
language = "en"

# -- Extensions ---------------------------------------------------------------

extensions = [
    "myst_parser",
    "ablog",
    "techblog",  # our own: navigation, post header, legacy banner, adapters
    "sphinx_copybutton",  # a copy button on code blocks
]

templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["techblog.css"]
exclude_patterns = ["_build", ".*", "README.md", "tests", "techblog", "legacy/_export", "bench", "comments", "screenshots",
                    "wheels", "deploy", "talks", "assets"]

# -- MyST ---------------------------------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# `site:` links point at pages Sphinx generates (tag pages, say), which a
# Markdown link to a document cannot name; the importer writes them.
myst_url_schemes = {
    "http": None, "https": None, "mailto": None, "ftp": None,
    "site": {"url": "{{path}}", "title": "", "classes": []},
}

# -- Diagrams and math (techblog/pages/diagrams.py, mathml.py) ----------------
# ```{mermaid} (and GitHub's ```mermaid) draws a diagram with the site's own
# Mermaid, on pages that have one; $...$, $$...$$ and {math} become MathML at
# build time.

myst_enable_extensions += ["dollarmath"]
myst_update_mathjax = False  # no MathJax: MyST would mark every page's sections for it
# "$5 and $10" stays text: math starts and ends with no space or digit outside.
myst_dmath_allow_space = False
myst_dmath_allow_digits = False
myst_fence_as_directive = ["mermaid"]
html_math_renderer = "mathml"

# -- The blog (ABlog) ---------------------------------------------------------

blog_title = "Tech Blog"
# Absolute links in feeds need the published address; CI may point it elsewhere.
blog_baseurl = os.environ.get("TECHBLOG_BASEURL", "https://techblog.web.cern.ch/techblog/")
blog_path = "blog"
blog_post_pattern = ["posts/*/*.md", "legacy/*/*/*.md"]
blog_feed_archives = True  # one feed per tag, category, author and year
blog_feed_fulltext = True  # whole posts in feeds; `description` is the summary
blog_feed_length = 20
blog_feed_subtitle = "How the team runs its cloud, and the open-source communities behind it."
# Permanent ids of feeds and entries (RFC 4151 tag URIs); never change it.
techblog_feed_id = "tag:techblog.web.cern.ch,2019:"
# A post's date without an offset is a wall-clock time here, whatever the
# build machine's TZ; pages show every date in this zone.
techblog_timezone = "Europe/Zurich"
post_date_format = "%d %B %Y"
post_date_format_short = "%d %b %Y"
post_auto_excerpt = 1
post_auto_orphan = False  # posts live in toctrees: the left navigation stays
post_show_prev_next = False  # the theme's bar is kept, fed in date order by techblog
fontawesome_included = True  # the theme ships Font Awesome; also keeps rebuilds incremental
# Long listings (all posts, legacy, every tag, category, author and year) are
# shown in pages of this many posts; page N of X.html is X/page/N.html.
techblog_posts_per_page = 20
# The one list of every post; ABlog's own, blog.html, redirects to it.
techblog_all_posts_page = "posts/index"

# -- Who writes, and under which categories -----------------------------------
# Posts name authors and categories by these keys; display names and links
# come from here.

blog_authors = {
    "alice": ("Alice Martin", blog_baseurl + "about.html#alice-martin"),
    "bruno": ("Bruno Keller", blog_baseurl + "about.html#bruno-keller"),
    "chiara": ("Chiara Rossi", blog_baseurl + "about.html#chiara-rossi"),
    "daniel": ("Daniel Okafor", blog_baseurl + "about.html#daniel-okafor"),
    # Guest authors of the old blog, kept with their posts.
    "tomas": ("Tomás Ortega", blog_baseurl + "about.html#tomas-ortega"),
}
blog_default_author = None

# A closed list: a post's `category` must be one of these keys.
techblog_categories = {
    "operations": ("Operations", "Running the cloud and its services in production."),
    "upstream": ("Upstream", "Work with the open-source communities we depend on."),
    "announcements": ("Announcements", "News about the team and this blog."),
    "events": ("Events", "Summits, meet-ups and talks."),
    "legacy": ("Legacy", "Posts imported from the old blog."),
}

# -- Series -------------------------------------------------------------------
# A post joins a series with `series: <key>`; its parts are in date order.
# Each series has a page, blog/series/<key>.html, and a feed (README "Series").

techblog_series = {
    "observability": ("Watching the cloud",
                      "How we see what thousands of hypervisors and services are doing: "
                      "metrics on dashboards, then every log line searchable."),
}

# -- Talks and author pages ----------------------------------------------------
# The team's talks: one YAML file, checked like posts (README "Talks"); the
# Talks page, the talks feed, and a "Talks" section on tag and author pages.
techblog_talks = "talks/talks.yaml"
# An author's page shows a photo (a small image in html_static_path) and a bio.
techblog_author_profiles = {
    "alice": {"photo": "authors/alice.svg",
              "bio": "Leads the cloud team; OpenStack and RDO upstream work, capacity planning."},
    "bruno": {"photo": "authors/bruno.svg", "bio": "Compute and provisioning: Nova, Ironic, Foreman."},
    "chiara": {"photo": "authors/chiara.svg", "bio": "Storage and monitoring: Ceph, Collectd, Grafana."},
    "daniel": {"photo": "authors/daniel.svg", "bio": "Configuration management and logging: Puppet, Elastic."},
    "tomas": {"photo": "authors/tomas.svg",
              "bio": "Guest author on the old blog: his notes from the 2018 Vancouver summit."},
}

# -- Reader comments (Isso) ----------------------------------------------------
# Where readers' browsers find the Isso comment server (comments/isso.cfg): a
# path on this site's host that the web server passes to Isso, or an http(s)
# URL. "" switches comments off everywhere; a post turns its own thread off
# with `comments: false`. `make serve` points it at a local Isso.
techblog_comments_server = os.environ.get("TECHBLOG_COMMENTS_SERVER", "/comments/")

# -- The old blog --------------------------------------------------------------

techblog_legacy_name = "OpenStack in Production"
techblog_legacy_url = "https://openstack-in-production.blogspot.com/"
# Written by the importer: old Blogger paths -> pages here (redirect pages).
techblog_redirects = "legacy/redirects.csv"
redirect_html_template_file = "_templates/redirect.html"

# -- Link previews, sitemap, robots.txt, the 404 page -------------------------
# (techblog/site/: link_previews.py, sitemap.py, notfound.py; README "The site")

html_baseurl = blog_baseurl  # canonical links, og:url, sitemap and robots.txt
ogp_site_url = blog_baseurl
ogp_image = "_static/og-default.png"  # from the site root; a post's `image` replaces it
ogp_social_cards = {"enable": False}  # generated cards need matplotlib; one default image instead
# Every page has an image (its own or ogp_image): large cards everywhere.
ogp_custom_meta_tags = ['<meta name="twitter:card" content="summary_large_image" />']
sitemap_url_scheme = "{link}"  # addresses have no language or version folder
sitemap_show_lastmod = False  # git dates are not reproducible (techblog/site/sitemap.py)
# The 404 page is served at any depth: its links start from the site's path.
notfound_urls_prefix = urlsplit(blog_baseurl).path
notfound_template = "techblog/404.html"

# -- Navigation and sidebars (defined once, reused) ----------------------------

techblog_navbar = [
    # (title, docname, other docname prefixes that belong to this section)
    ("Home", "index", []),
    ("Posts", "posts/index", ["posts/", "blog/20", "blog/author", "blog/series"]),
    ("Tags", "blog/tag", ["blog/tag/"]),
    ("Categories", "blog/category", ["blog/category/"]),
    ("Archive", "blog/archive", []),
    ("Talks", "talks", []),
    ("Legacy", "legacy/index", ["legacy/"]),
    ("About", "about", []),
]

blog_sidebars = [
    "techblog/recent-posts.html",  # ABlog's, with its heading linking to the all-posts page
    "ablog/tagcloud.html",
    "ablog/categories.html",
    "ablog/archives.html",
    "techblog/feed-link.html",
]
# Post pages and tag (category, author, year) pages show only what is near
# them (techblog/pages/sidebars.py): lists of the whole site on every page would
# make every page change with every new post.
post_sidebars = ["techblog/section-nav.html", "techblog/feed-link.html"]
collection_sidebars = ["techblog/collection-nav.html", "techblog/feed-link.html"]
html_sidebars = {
    "index": blog_sidebars,
    "about": blog_sidebars,
    "blog": blog_sidebars,
    "blog/**": collection_sidebars,
    # ABlog's catalog pages: every tag (category, author, year) with its posts.
    **{catalog: blog_sidebars for catalog in ["blog/tag", "blog/category", "blog/author", "blog/archive"]},
    "posts/**": post_sidebars,
    "legacy/**": post_sidebars,
    "404": [],
    "talks": ["techblog/feed-link.html"],  # the Talks page (generated): nothing that changes with posts
}

# -- Theme ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = "Tech Blog"
html_show_sourcelink = False
html_copy_source = False  # no "show source" link, so no _sources/ copy of every post
html_use_index = False  # posts have no index entries: genindex.html was an empty page
html_theme_options = {
    "navbar_center": ["navbar-nav"],  # ours, from techblog_navbar
    "navbar_end": ["theme-switcher", "techblog/navbar-feed.html"],
    "footer_start": ["copyright"],
    "footer_center": ["techblog/footer-feed.html"],
    "footer_end": [],
    "secondary_sidebar_items": ["page-toc"],
    # The theme's default here is a Read the Docs ad slot: no ads on this blog
    # (an empty slot, it also moved when the page settled).
    "primary_sidebar_end": [],
    "show_prev_next": True,  # fed in date order on posts, hidden elsewhere
    "navigation_with_keys": False,
    # The theme draws each component twice per page, once only to drop those
    # that come out empty; these never do (no condition around their markup),
    # so they are drawn once (a faster build, the same pages).
    "templates_skip_empty_check": ["sidebar-nav-bs.html", "navbar-nav.html", "navbar-logo.html",
                                   "theme-switcher.html", "search-button-field.html", "copyright.html",
                                   "techblog/navbar-feed.html", "techblog/footer-feed.html",
                                   "techblog/feed-link.html"],
}

# -- Page weight (techblog/site/theme_assets.py, used_css.py) -----------------

# Ship only the CSS rules, Font Awesome glyphs and Bootstrap components that the
# built pages and the site's scripts use; False ships the theme's files as they are.
techblog_trim_assets = True
