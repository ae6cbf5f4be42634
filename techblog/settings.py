"""conf.py settings that cannot work stop the build with one clear line."""

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
        self.message = f"conf.py: {name}: {value!r} {reason}; {expected}"
        logger.error(self.message, type="techblog", subtype="setting")
