"""Our templates and ABlog's escape every value they print.

Sphinx's Jinja environment does not autoescape: its own templates print
HTML that Sphinx made (a page's body, its title) and escape the rest by
hand with ``|e``. Ours and ABlog's print values from front matter,
``conf.py`` and the old blog's export (titles, tag, category and author
names, descriptions, addresses), where one forgotten ``|e`` lets a title
like ``Lazy-loading `<iframe>` embeds`` become a real element. So every
template in ``templates_path`` and every ``ablog/`` template is compiled
with autoescaping on: a value is escaped for HTML text and attributes
unless it is :class:`markupsafe.Markup`, which only our code makes, for
HTML it built or sanitised itself (:func:`html`).

The theme's templates are left as they are: they print Sphinx's HTML. The
few ``conf.py`` settings Sphinx hands them as text (its own templates print
them with ``|e``) are escaped before any template sees them, since
pydata-sphinx-theme 0.24.0 prints some as they are (``html_title`` in
``navbar-logo.html``); :func:`escape_settings_text`.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

from markupsafe import Markup, escape
from sphinx.application import Sphinx

from techblog.state import state_of

# Page context values from conf.py that Sphinx treats as text (html_title,
# html_short_title, project, copyright).
SETTINGS_TEXT = ("docstitle", "shorttitle", "project", "copyright")
# ABlog's templates that a page may use (sidebars, catalog and collection pages).
ABLOG = "ablog/"
# Files in templates_path that are not Jinja templates: sphinx-reredirects fills
# redirect.html with string.Template, and og-default-card.html is a page to
# screenshot. (Both handled where they are used.)
NOT_JINJA = frozenset({"redirect.html", "techblog/og-default-card.html"})


def html(trusted: str) -> Markup:
    """HTML that our code drew from escaped values or sanitised (nh3): printed as is."""
    return Markup(trusted)


def own_templates(app: Sphinx) -> frozenset[str]:
    """Template names of the site's files in ``templates_path`` (``techblog/post-meta.html``...).

    Themes add their own folders to ``templates_path`` (pydata-sphinx-theme its
    ``components/``); those live among the installed packages and are not ours.
    """
    installed = {Path(sysconfig.get_paths()[key]).resolve() for key in ("purelib", "platlib")}
    names = set()
    for folder in app.config.templates_path:
        root = Path(app.confdir, folder).resolve()
        if any(root.is_relative_to(packages) for packages in installed):
            continue
        names.update(path.relative_to(root).as_posix() for path in root.rglob("*.html"))
    return frozenset(names - NOT_JINJA)


def turn_on(app: Sphinx) -> None:
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None:
        return
    ours = own_templates(app)

    def autoescaped(name: str | None) -> bool:
        return name is not None and (name in ours or name.startswith(ABLOG))

    environment.autoescape = autoescaped
    state_of(app).autoescaped = ours  # compiled templates are kept per setting (template_cache)


def escape_settings_text(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Text settings as Markup: escaped once, and left alone by the ``|e`` of Sphinx's templates."""
    for key in SETTINGS_TEXT:
        if isinstance(context.get(key), str):
            context[key] = escape(context[key])
