"""The extension's conf.py settings: each declared once here (:data:`SETTINGS`),
the values that are more than a type checked here (:func:`check`), and a
setting that cannot work stops the build with one clear line
(:class:`InvalidSetting`)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from sphinx.util import logging

logger = logging.getLogger(__name__)


class InvalidSetting(SystemExit):
    """A ``conf.py`` setting (or its ``-D`` override) that cannot work.

    The message names the setting, the value, why and what was expected; it
    is logged as an error and the build stops with status 1. A ``SystemExit``
    rather than Sphinx's ``ConfigError``: Sphinx 9.0 answers that with a
    crash report (versions, traceback, "please report this to the Sphinx
    developers") that buries the one line that matters.
    """

    def __init__(self, name: str, value: object, reason: str, expected: str) -> None:
        super().__init__(1)
        self._stop(f"conf.py: {name}: {value!r} {reason}; {expected}")

    @classmethod
    def worded(cls, message: str) -> InvalidSetting:
        """The same stop for a problem already put into words, such as a
        :class:`~techblog.posts.contract.SettingsError` (``posts/`` has no Sphinx)."""
        error = cls.__new__(cls)
        SystemExit.__init__(error, 1)
        error._stop(message)
        return error

    def _stop(self, message: str) -> None:
        self.message = message
        logger.error(self.message, type="techblog", subtype="setting")


# Every techblog_* setting of conf.py: (name, default, what a change rebuilds, type, what it is).
# "env": a change re-reads every document; "html": it rewrites every page.
SETTINGS = [
    ("techblog_timezone", "UTC", "env", str, "the zone of dates written without an offset"),
    ("techblog_categories", {}, "env", dict, "category key -> (display name, description): a closed list"),
    # Checked with the posts, as the categories are (posts/contract.py: _series_setting).
    ("techblog_series", {}, "html", dict, "series key -> (title, description): the series posts may belong to"),
    ("techblog_show_drafts", False, "env", bool, "drafts and future posts in the build (make serve)"),
    ("techblog_redirects", "", "env", str, "the importer's map of old Blogger paths to pages here"),
    ("techblog_navbar", [], "html", list, "(title, docname, prefixes) of the navbar's items"),
    ("techblog_legacy_name", "", "html", str, "the old blog's name, on the legacy banner"),
    ("techblog_legacy_url", "", "html", str, "the old blog's address, on the legacy banner"),
    ("techblog_posts_per_page", 20, "html", int, "posts on one page of a long listing"),
    ("techblog_feed_id", "", "html", str, "the tag: URI that feed and entry ids start with"),
    ("techblog_all_posts_page", "posts/index", "html", str, "the one page listing every post"),
    ("techblog_nearby_posts", 5, "html", int, "posts on either side of a post in its sidebar"),
    ("techblog_comments_server", "", "html", str, "where readers' browsers find Isso; empty: no comments"),
    ("techblog_trim_assets", True, "html", bool,
     "ship only the theme's CSS, icons and scripts the built pages use (site/theme_assets.py)"),
    ("techblog_precompress", True, "", bool, "a .gz beside each text file of the output, for gzip_static"),
    # Not in the build: make serve shows the page without waiting for Pagefind (site/pagefind_index.py).
    ("techblog_search_index_later", False, "", bool, "the search index made after the build, by "
     "`python -m techblog.site.pagefind_index` (make serve), not in it"),
    ("techblog_talks", "", "html", str, "the talks data file, e.g. talks/talks.yaml; '' for a site without talks"),
    # Not "html": a change rewrites only the author pages (pages/talks.py notes it as data).
    ("techblog_author_profiles", {}, "", dict, "author key -> {'photo': file in html_static_path, 'bio': text}"),
]


def declare(app) -> None:
    """Every ``techblog_*`` setting, so that conf.py and ``-D`` can set it."""
    for name, default, rebuild, kind, _ in SETTINGS:
        app.add_config_value(name, default, rebuild, types=[kind])


# -- Checks: a value that cannot work stops the build (InvalidSetting) --------

TAG_URI = re.compile(r"tag:[a-z0-9.-]+\.[a-z]{2,},\d{4}(-\d{2}(-\d{2})?)?:", re.IGNORECASE)
COMMENTS_EXPECTED = (
    "expected a path on this site such as '/comments/', an http(s) URL such as "
    "'https://comments.example.org/', or '' to switch comments off"
)


def server_address(value: object) -> str:
    """The Isso server address without a trailing slash; '' when comments are off.

    Raises ValueError with the reason when the value cannot be an address.
    """
    if not isinstance(value, str):
        raise ValueError(f"is a {type(value).__name__}, not text")
    if value == "":
        return ""
    if value != value.strip() or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValueError("contains spaces or control characters")
    if value.startswith("//"):
        raise ValueError("has no scheme (write https:// or http://)")
    parts = urlsplit(value)
    if parts.query or parts.fragment:
        raise ValueError("has a query or fragment")
    if value.startswith("/"):
        return value.rstrip("/")
    if parts.scheme not in ("http", "https"):
        raise ValueError("is neither a path starting with '/' nor an http(s) URL")
    if parts.username or parts.password:
        raise ValueError("carries a user name or password")
    try:
        parts.port  # raises on a port that is not a number in range
    except ValueError:
        raise ValueError("has an invalid port") from None
    host = parts.hostname or ""
    if not host or not all(c.isalnum() or c in ".-:[]" for c in host) or ".." in host:
        raise ValueError("has no valid host name")
    return value.rstrip("/")


def check(app, config) -> None:
    """The settings whose value is more than a type (config-inited): the feed
    id, the site's address that feeds and the sitemap append paths to, and the
    comment server's address (kept without its final '/'). The time zone, the
    categories and the series are checked with the posts (ablog/metadata.check_posts)."""
    if not TAG_URI.match(config.techblog_feed_id):
        raise InvalidSetting(
            "techblog_feed_id", config.techblog_feed_id, "is not a tag URI prefix",
            "expected 'tag:<your domain>,<year>:', e.g. 'tag:blog.example.org,2019:' (RFC 4151), "
            "chosen once and never changed")
    if config.blog_baseurl and not re.match(r"https?://", config.blog_baseurl):
        raise InvalidSetting("blog_baseurl", config.blog_baseurl, "is not absolute",
                             "expected https://host/path/")
    if not config.html_baseurl.endswith("/"):
        raise InvalidSetting("html_baseurl (blog_baseurl, TECHBLOG_BASEURL)", config.html_baseurl,
                             "does not end with '/'",
                             "expected the site's address with its final '/', e.g. https://host/path/")
    try:
        config.techblog_comments_server = server_address(config.techblog_comments_server)
    except ValueError as err:
        raise InvalidSetting("techblog_comments_server", config.techblog_comments_server, str(err),
                             COMMENTS_EXPECTED) from None


# -- Author profiles: the photo and bio on an author's page -------------------------

PHOTO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp")
MAX_PHOTO_BYTES = 200 * 1024  # a small portrait; the page shows it at 96 px
MAX_BIO = 600
PROFILE_EXPECTED = ("expected {'photo': an image (" + ", ".join(PHOTO_SUFFIXES) + f", at most {MAX_PHOTO_BYTES // 1024}"
                    " KiB) in a folder of html_static_path, e.g. 'authors/alice.svg', 'bio': a sentence or two "
                    f"of plain text (at most {MAX_BIO} characters)}}")


def check_profiles(app, config) -> None:
    """``techblog_author_profiles``: every key an author, every photo a small image the
    site serves (inside a folder of ``html_static_path``, which Sphinx copies to
    ``_static/``), every bio printable text. Kept as {key: {"photo", "bio"}}, the
    photo as its path under ``_static/``."""
    from techblog.posts.frontmatter import bad_character

    profiles = config.techblog_author_profiles
    name = "techblog_author_profiles"
    authors = config.blog_authors or {}
    folders = [(Path(app.confdir) / folder).resolve() for folder in config.html_static_path]
    checked = {}
    for key, profile in profiles.items():
        where = f"{name}[{key!r}]"
        if key not in authors:
            raise InvalidSetting(where, key, "is not a key of blog_authors",
                                 "expected one of: " + ", ".join(map(str, authors)))
        if not isinstance(profile, dict) or not set(profile) <= {"photo", "bio"}:
            raise InvalidSetting(where, profile, "is not a profile", PROFILE_EXPECTED)
        photo, bio = profile.get("photo"), profile.get("bio")
        if photo is not None:
            if not isinstance(photo, str) or not photo or photo.startswith("/") or "\\" in photo:
                raise InvalidSetting(f"{where}['photo']", photo, "is not a relative path", PROFILE_EXPECTED)
            found = [(folder, (folder / photo).resolve()) for folder in folders]
            inside = [(folder, path) for folder, path in found if path.is_relative_to(folder)]
            if not inside:
                raise InvalidSetting(f"{where}['photo']", photo, "is outside the site's static folders "
                                     f"(html_static_path: {config.html_static_path})", PROFILE_EXPECTED)
            existing = [(folder, path) for folder, path in inside if path.is_file()]
            if not existing:
                raise InvalidSetting(f"{where}['photo']", photo, "is not a file in html_static_path",
                                     PROFILE_EXPECTED)
            folder, path = existing[0]
            if path.suffix.lower() not in PHOTO_SUFFIXES:
                raise InvalidSetting(f"{where}['photo']", photo, "is not an image", PROFILE_EXPECTED)
            if path.stat().st_size > MAX_PHOTO_BYTES:
                raise InvalidSetting(f"{where}['photo']", photo, f"is {path.stat().st_size} bytes", PROFILE_EXPECTED)
            photo = path.relative_to(folder).as_posix()
            if any(ch in photo for ch in "\"'<>` ") or bad_character(photo):
                raise InvalidSetting(f"{where}['photo']", photo, "has characters a link cannot hold", PROFILE_EXPECTED)
        if bio is not None:
            bad = bad_character(bio) if isinstance(bio, str) else "a value that is not text"
            if bad or not bio.strip() or len(bio) > MAX_BIO:
                raise InvalidSetting(f"{where}['bio']", bio, f"contains {bad}" if bad else
                                     "is empty" if not bio.strip() else f"is {len(bio)} characters long",
                                     PROFILE_EXPECTED)
            bio = " ".join(bio.split())
        checked[key] = {"photo": photo, "bio": bio}
    config.techblog_author_profiles = checked
