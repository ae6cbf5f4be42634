"""Drafts stay out of the published site.

A post is unpublished when its front matter says ``draft: true`` or its date
is after now (in the site's time zone; ``SOURCE_DATE_EPOCH`` pins "now").
ABlog would still build such a page and list it; we leave it out of the
build entirely (Sphinx does not find its source), so it is in no listing, feed,
sitemap or search index, unless ``techblog_show_drafts`` is set for a
preview, where the post header marks it as a draft.
"""

from __future__ import annotations

import functools

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.project import Project
from sphinx.util import logging

from techblog.ablog.metadata import posts_of, rules_of
from techblog.state import state_of

logger = logging.getLogger(__name__)


def exclude_drafts(app: Sphinx, config: Config) -> None:
    if config.techblog_show_drafts:
        return
    now = rules_of(app).now
    paths = state_of(app).drafts
    for meta in posts_of(app).values():
        if meta.unpublished(now):
            reason = "draft" if meta.draft else f"dated {meta.date.isoformat()}, after now"
            logger.info("not published (%s): %s", reason, meta.path)
            paths.append(meta.path)


def leave_drafts_unfound(app: Sphinx) -> None:
    """Sphinx finds no draft among the sources, as if ``exclude_patterns`` named them.

    Not through ``exclude_patterns`` itself: Sphinx re-reads every document
    when an ``"env"`` setting changes (Sphinx 9.0.4,
    ``BuildEnvironment._update_config``), so each new, scheduled or
    published draft would cost a full build.
    """
    paths = state_of(app).drafts
    if paths:
        # A partial, not a closure: the project is pickled with the environment.
        app.project.discover = functools.partial(discover_without, app.project, tuple(paths))


def discover_without(project: Project, drafts: tuple[str, ...], exclude_paths=(), include_paths=("**",)) -> set[str]:
    return Project.discover(project, [*exclude_paths, *drafts], include_paths)


def is_unpublished(app: Sphinx, docname: str) -> bool:
    meta = posts_of(app).get(docname)
    return meta is not None and meta.unpublished(rules_of(app).now)
