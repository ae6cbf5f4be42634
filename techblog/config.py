"""The extension's conf.py settings: each declared once here, and a setting
that cannot work stops the build with one clear line."""

from __future__ import annotations

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
]


def declare(app) -> None:
    """Every ``techblog_*`` setting, so that conf.py and ``-D`` can set it."""
    for name, default, rebuild, kind, _ in SETTINGS:
        app.add_config_value(name, default, rebuild, types=[kind])
