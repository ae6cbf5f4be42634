"""Drafts stay out of the published site.

A post is a draft when its front matter says ``draft: true`` or its date is
after today. ABlog would still build a draft's page and list it in the
navigation; we leave drafts out of the build entirely (like
``exclude_patterns``) unless ``techblog_show_drafts`` is set for a preview.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

from .frontmatter import post_day, read_front_matter

logger = logging.getLogger(__name__)


def is_draft(front_matter: dict, today: dt.date) -> bool:
    if front_matter.get("draft") is True:
        return True
    day = post_day(front_matter.get("date"))
    return day is not None and day > today


def find_drafts(srcdir: Path, patterns: list[str], today: dt.date) -> list[str]:
    """Source paths (relative, POSIX) of the posts that are drafts."""
    found = []
    for pattern in patterns:
        for path in sorted(srcdir.glob(pattern)):
            if path.suffix != ".md":
                continue
            try:
                front_matter = read_front_matter(path)
            except yaml.YAMLError:
                continue  # the build reports bad front matter itself
            if is_draft(front_matter, today):
                found.append(path.relative_to(srcdir).as_posix())
    return found


def exclude_drafts(app: Sphinx, config: Config) -> None:
    if config.techblog_show_drafts:
        return
    patterns = config.blog_post_pattern
    if isinstance(patterns, str):
        patterns = [patterns]
    for draft in find_drafts(Path(app.srcdir), patterns, dt.date.today()):
        logger.info("draft, not published: %s", draft)
        config.exclude_patterns.append(draft)


def setup(app: Sphinx) -> None:
    # Before ABlog's own config-inited handler, which lists the post files.
    app.connect("config-inited", exclude_drafts, priority=400)
