"""Answers to comments archived from the old blog, through Isso.

A legacy post's archived comments (:mod:`techblog.legacy.archived_comments`)
are not in Isso, and Isso's ``parent`` must be a comment of the same Isso
thread, so an answer cannot name an archived comment as its parent. Isso
stores nothing else per comment that could say which archived comment it
answers (``text``, ``author``, ``website``, ``email``: a marker in the text
would be forgeable, shown, and edited away by a moderator). So:

- **One Isso thread per archived comment**, keyed by the archived comment's
  own address: the post's thread key (:func:`techblog.pages.comments.thread_key`)
  plus ``#c<id>``, e.g. ``/techblog/legacy/2014/05/post.html#c4419087256``.
  Isso keeps it as an opaque string, so it never collides with the post's own
  thread, and its admin page links each answer to that address: the
  moderator lands on the comment being answered. The browser sends the
  thread's title with the first answer, so Isso never fetches the page.
- **Moderation is Isso's own**: an answer is a comment like any other (mode
  2 until approved), listed on ``/comments/admin/`` and in the moderators'
  e-mail, and only approved answers are ever returned to readers.
- **Few requests**: ``_static/techblog-archived-replies.js`` asks Isso once
  for the counts of all the post's answer threads (``POST /count``, which
  counts approved comments only), then fetches only the threads that have
  answers (``GET /?uri=``): two requests for a post without answers, however
  many comments it archives.
- **Safe under the strict CSP**: same-origin fetches (``connect-src 'self'``),
  no inline script, no native form submission. Isso's rendered ``text`` (HTML
  it sanitised) is parsed in an inert document (``DOMParser``) and copied
  element by element from a short allowlist, ``href`` only when ``http(s):``
  or ``mailto:``; every other value is set as text. Reader data is never
  given to ``innerHTML``.
- **Without JavaScript nothing changes**: the build only adds
  ``data-replies-thread`` and ``data-replies-title`` to the archive's
  section; the Reply buttons and forms are made by the script, and only once
  the comment server has answered.

This module gives the archive's template those two values when the post
takes comments, and adds the script to the pages that have them.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from techblog.pages import comments

SCRIPT = "techblog-archived-replies.js"
#: Set on the rendered archive's raw node when its comments can be answered,
#: so that html-page-context knows to add the script to this page only.
MARK = "techblog_archived_replies"


def replies_context(app: Sphinx, docname: str) -> dict | None:
    """What ``archived-comments.html`` needs to make the archive answerable;
    None when the post takes no comments (``comments: false``, or comments
    off for the whole site)."""
    if app.builder.format != "html" or not comments.comments_open(app, docname):
        return None
    title = app.env.titles.get(docname)
    return {
        "thread": comments.thread_key(app, docname),
        "title": title.astext() if title is not None else docname,
    }


def mark(node: nodes.raw) -> nodes.raw:
    node[MARK] = True
    return node


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The answers' script, on the pages whose archive can be answered only."""
    if doctree is not None and any(node.get(MARK) for node in doctree.findall(nodes.raw)):
        # Sphinx adds a script to this page only when asked from this event.
        app.add_js_file(SCRIPT, loading_method="defer",
                        **{"data-comments-server": app.config[comments.SETTING]})
