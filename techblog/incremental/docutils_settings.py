"""Docutils settings worked out once per build, not once per post.

Reading a post, Sphinx (``sphinx.util.docutils._get_settings``, Sphinx 9)
builds a docutils ``OptionParser`` from the reader's and the parser's
settings specifications to get their default settings, and MyST builds
another one (``get_default_settings(RSTParser)`` in ``make_document``, an
argument default that ``DocutilsRenderer.setup_render`` evaluates even
though Sphinx hands it the document). Building one costs more than a
millisecond: at 1,000 posts the two took about 5% of a clean build.

The specifications and the configuration files do not change during a
build, so the parser's defaults are worked out once per set of components
and each call gets its own fresh ``Values`` from them, in the order docutils
applies them (the components' defaults, then the caller's, then the
configuration files'), with list and dict values copied: a document may
change its settings, never another document's. Where Sphinx or MyST no
longer has the function (another version), nothing is replaced.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from typing import Any

from docutils import frontend

# (component specs...) -> (the specs, kept so their ids stay theirs; the parser; its defaults)
_parsers: dict[tuple, tuple] = {}
_config: dict[bool, tuple[dict, list]] = {}


def _spec_key(component) -> tuple:
    names = ("settings_spec", "settings_defaults", "settings_default_overrides", "relative_path_settings")
    return tuple(id(getattr(component, name, None)) for name in names)


def _parser(components: tuple) -> tuple[frontend.OptionParser, dict]:
    key = tuple(_spec_key(c) for c in components)
    if key not in _parsers:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            parser = frontend.OptionParser(components=components)
        specs = [getattr(c, "settings_spec", None) for c in components]
        _parsers[key] = (specs, parser, dict(parser.defaults))
    _specs, parser, defaults = _parsers[key]
    return parser, defaults


def _config_files(parser: frontend.OptionParser) -> tuple[dict, list]:
    """The settings docutils.conf files give (read once: they are read at the start of a build)."""
    if True not in _config:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            before = list(parser.config_files)
            settings = parser.get_standard_config_settings()
            _config[True] = (dict(settings.__dict__), list(parser.config_files))
            parser.config_files[:] = before
    return _config[True]


def settings(components: tuple, defaults: Mapping[str, Any] | None = None,
             read_config_files: bool = False) -> frontend.Values:
    """What ``OptionParser(components, defaults, read_config_files).get_default_values()`` gives."""
    parser, base = _parser(components)
    values = {**base, **(defaults or {})}
    config_files: list = []
    if read_config_files and not values["_disable_config"]:
        config, config_files = _config_files(parser)
        values.update(config)
    fresh = {key: (value.copy() if isinstance(value, (list, dict, set)) else value)
             for key, value in values.items()}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        result = frontend.Values(fresh)
    result._config_files = list(config_files)
    return result


def _sphinx_get_settings(*components, defaults: Mapping[str, Any], read_config_files: bool = False):
    return settings(components, defaults, read_config_files)


def _myst_get_default_settings(*components):
    return settings(components)


def install() -> None:
    """Replace Sphinx's and MyST's per-document settings with :func:`settings`."""
    from sphinx.util import docutils as sphinx_docutils

    original = getattr(sphinx_docutils, "_get_settings", None)
    if original is not None and original is not _sphinx_get_settings:
        parameters = inspect.signature(original).parameters
        if list(parameters) == ["components", "defaults", "read_config_files"]:
            sphinx_docutils._get_settings = _sphinx_get_settings
    try:
        from myst_parser.mdit_to_docutils import base as myst_base
    except ImportError:
        return
    if getattr(myst_base, "get_default_settings", None) is frontend.get_default_settings:
        myst_base.get_default_settings = _myst_get_default_settings
