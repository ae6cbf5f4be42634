"""Reader comments from the old blog, shown as a read-only thread.

The importer writes them at the end of a legacy post as data, not HTML::

    ```{archived-comments}
    - id: "4419087256"
      author: Jane Doe
      author_url: https://example.org/
      date: 2014-03-11T10:15:00+01:00
      body: <p>Sanitised HTML</p>
      replies: [...]
    ```

so that the page draws them with ``_templates/techblog/archived-comments.html``
(styled like the live thread) and every body is sanitised again when the page
is written, whatever happened to the file since the import. Each comment
keeps the anchor ``c<id>``, so old ``#c...`` links land on it. When the post
takes comments, readers can answer them (:mod:`techblog.legacy.archived_replies`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import yaml
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from techblog.pages import autoescape
from techblog.legacy import archived_replies
from techblog.legacy.sanitize import clean_html  # the importer's policy, applied again at render time
from techblog.posts.dates import DateError, parse_date
from techblog.state import BuildState

TEMPLATE = "techblog/archived-comments.html"
FIELDS = {"id", "author", "author_url", "date", "body", "removed", "replies"}
# Replies nested deeper are refused with an error, not a crash of the build (the
# page draws the thread recursively); the importer nests at most 8 levels.
MAX_DEPTH = 20


class archived_comments_node(nodes.General, nodes.Element):
    """Placeholder, replaced by the rendered thread when the page is written."""


class ArchivedCommentsDirective(SphinxDirective):
    has_content = True
    #: The application's state (a directive is given the environment, not the
    #: application): set on the class registered for it, :meth:`bound_to`.
    build_state: BuildState | None = None

    @classmethod
    def bound_to(cls, state: BuildState) -> type[ArchivedCommentsDirective]:
        return type(cls.__name__, (cls,), {"build_state": state})

    def run(self) -> list[nodes.Node]:
        try:
            data = yaml.safe_load("\n".join(self.content)) or []
        except yaml.YAMLError as err:
            raise self.error(f"archived-comments: not valid YAML ({err}); expected a list of comments") from None
        except RecursionError:  # PyYAML composes nested collections recursively
            raise self.error(f"archived-comments: the YAML is nested too deeply; expected replies at most "
                             f"{MAX_DEPTH} levels deep") from None
        tz = self.build_state.rules.tz
        comments = [self.comment(item, tz, f"comment {n}") for n, item in enumerate(_as_list(data, self), 1)]
        node = archived_comments_node()
        self.set_source_info(node)
        node["comments"] = comments
        # Named targets make "post.md#c123" links checkable by MyST; they go
        # away with this node when the page is written (the thread carries the ids).
        for comment_id in _ids(comments):
            target = nodes.target("", "", ids=[comment_id], names=[comment_id])
            self.state.document.note_explicit_target(target)
            node += target
        return [node]

    def comment(self, item: object, tz, where: str, depth: int = 1) -> dict:
        if depth > MAX_DEPTH:
            raise self.error(f"archived-comments: {where} is nested {depth} levels deep; expected at most {MAX_DEPTH}")
        if not isinstance(item, dict):
            raise self.error(f"archived-comments: {where} is not a mapping; expected id, author, date, body")
        unknown = set(item) - FIELDS
        if unknown:
            raise self.error(f"archived-comments: {where} has unknown field(s) {sorted(unknown)}; "
                             f"expected some of {sorted(FIELDS)}")
        missing = [k for k in ("id", "author", "date") if not item.get(k)]
        if missing or not ("body" in item or item.get("removed")):  # an empty body is still a comment
            raise self.error(f"archived-comments: {where} lacks {missing or ['body']}; expected id, author, date, "
                             "and body (or removed: true)")
        try:
            when = parse_date(str(item["date"]), tz)
        except DateError as err:
            raise self.error(f"archived-comments: {where} date {item['date']!r} ({err})") from None
        url = item.get("author_url")
        if url and urlsplit(str(url)).scheme not in ("http", "https"):
            url = None  # only web addresses become links
        return {
            "id": str(item["id"]),
            "author": str(item["author"]),
            "author_url": url,
            "date": when,
            "site_date": when.astimezone(tz),
            "removed": bool(item.get("removed")),
            "body": autoescape.html(clean_html(str(item.get("body") or ""), comment=True)),  # sanitised
            "replies": [self.comment(reply, tz, f"a reply to {item['id']}", depth + 1)
                        for reply in _as_list(item.get("replies") or [], self)],
        }


def _as_list(data: object, directive: SphinxDirective) -> list:
    if not isinstance(data, list):
        raise directive.error("archived-comments: expected a YAML list of comments")
    return data


def _all(comments: list[dict]) -> list[dict]:
    """Every comment of the thread, in page order (each once: no list is copied per level)."""
    out: list[dict] = []
    stack = list(reversed(comments))
    while stack:
        comment = stack.pop()
        out.append(comment)
        stack.extend(reversed(comment["replies"]))
    return out


def _ids(comments: list[dict]) -> list[str]:
    return [f"c{c['id']}" for c in _all(comments)]


def count(comments: list[dict]) -> int:
    return len(_all(comments))


def render_archived_comments(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(archived_comments_node)):
        if app.builder.format != "html" or not doctree.get("source"):
            node.replace_self([])  # a feed entry or an excerpt: the post, not its comments
            continue
        html = app.builder.templates.render(TEMPLATE, {
            "comments": node["comments"],
            "total": count(node["comments"]),
            "date_format": app.config.post_date_format,
            "legacy_name": app.config.techblog_legacy_name,
            "replies": (replies := archived_replies.replies_context(app, docname)),
        })
        raw = nodes.raw("", html, format="html")
        node.replace_self(archived_replies.mark(raw) if replies else raw)
