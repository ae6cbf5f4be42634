"""The metadata contract, enforced in the build before ABlog sees a post.

When the configuration is read, every file matching ``blog_post_pattern`` is
checked (:mod:`techblog.posts.contract`). Each problem is logged with its file and
line, and then the build stops: ABlog would otherwise drop such a post or
crash on it with a message that names neither field nor value.

Valid posts are handed to ABlog as a ready-made post node, so ABlog never
parses front matter itself: lists stay lists, dates are exact instants shown
in the site's time zone, ``description`` becomes the excerpt, and fields
ABlog reads differently (``image`` is a picture for link previews, not an
image number) do not reach it.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from urllib.parse import urlsplit

from ablog.post import PostNode
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from techblog import atomic
from techblog.config import InvalidSetting
from techblog.posts import dates
from techblog.posts.contract import MORE, PostMeta, SettingsError, SiteRules, check_site, read_post
from techblog.state import BuildState, state_of

logger = logging.getLogger(__name__)


def posts_of(app: Sphinx) -> dict[str, PostMeta]:
    """Every valid post of this build by docname, drafts included (kept in
    the application's state, never pickled with the env)."""
    return state_of(app).posts


def rules_of(app: Sphinx) -> SiteRules:
    return state_of(app).rules


class InvalidPosts(SystemExit):
    """Stop the build after the front-matter problems have been logged.

    A ``SystemExit`` (status 1) rather than a ``SphinxError``: Sphinx 9.0
    answers every exception with a crash report (versions, traceback, "please
    report this to the Sphinx developers"), which would bury the problems.
    """

    def __init__(self, problems: list) -> None:
        files = len({problem.path for problem in problems})
        super().__init__(1)
        self.problems = problems
        self.summary = (
            f"{len(problems)} front-matter problem(s) in {files} file(s), listed above; the build stopped. "
            "'python -m techblog check' (make check) lists them without building."
        )


class PostsRead:
    """:func:`contract.read_post`, answered from the previous build for a file
    that has not changed since (same size and modification time) under the
    same rules. Reading every post's front matter again was a tenth of a
    build with nothing to do. The answers are saved with the doctrees."""

    FILE = "techblog-front-matter.pickle"

    def __init__(self, doctreedir: Path, rules: SiteRules) -> None:
        self.path = doctreedir / self.FILE
        # What a post's reading depends on, but "now" (a post is checked the same whatever the date).
        self.rules = repr(dataclasses.replace(rules, now=None))
        try:
            with self.path.open("rb") as stream:
                rules_then, self.previous = pickle.load(stream)
            if rules_then != self.rules:
                self.previous = {}
        except Exception:  # a cache: unreadable, cut short, or of classes that moved since
            self.previous = {}
        self.current: dict = {}

    def __call__(self, path: Path, rules: SiteRules):
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        answer = self.previous.get(key)
        if answer is None:
            answer = read_post(path, rules)
        meta, problems = answer
        # Kept only when it depends on this file alone: a valid post without a
        # local image (whose existence is checked too).
        if meta is not None and not problems and (meta.image is None or urlsplit(meta.image).scheme):
            self.current[key] = answer
        return answer

    def save(self) -> None:
        try:
            atomic.write_bytes(self.path, pickle.dumps((self.rules, self.current), protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # a cache: the next build reads the posts again


def check_posts(app: Sphinx, config: Config) -> None:
    try:
        rules = SiteRules.from_config(lambda name: config[name], Path(app.srcdir))
    except (dates.DateError, SettingsError) as err:
        # One line naming the setting, as for the posts' problems (not Sphinx's crash report).
        where = "conf.py" if isinstance(err, SettingsError) else "techblog_timezone or SOURCE_DATE_EPOCH"
        raise InvalidSetting.worded(f"{where}: {err}") from None
    read = PostsRead(Path(app.doctreedir), rules)
    report = check_site(rules, read=read)
    read.save()
    for problem in report.problems:
        logger.error(problem.message, location=problem.location, type="techblog", subtype="front_matter")
    if report.problems:
        logger.error(InvalidPosts(report.problems).summary)
        raise InvalidPosts(report.problems)
    state = state_of(app)
    state.rules = rules
    state.posts = report.posts


class ApplyFrontMatter(SphinxTransform):
    """Turn a checked post's metadata into ABlog's post node.

    Runs just before ABlog's ``CheckFrontMatter`` (priority 800), which then
    finds no docinfo and leaves the document to us.
    """

    default_priority = 799
    #: The application's state (a transform is given the environment, not the
    #: application): set on the class registered for it, :meth:`bound_to`.
    build_state: BuildState | None = None

    @classmethod
    def bound_to(cls, state: BuildState) -> type[ApplyFrontMatter]:
        return type(cls.__name__, (cls,), {"build_state": state})

    def apply(self) -> None:
        meta = self.build_state.posts.get(self.env.docname)
        if meta is None:
            return
        for docinfo in list(self.document.findall(nodes.docinfo)):
            docinfo.parent.remove(docinfo)
        section = self.document.next_node(nodes.section)
        if section is not None:
            section.append(post_node(meta, excerpt_before_marker(section)))


def excerpt_before_marker(section: nodes.section) -> list[nodes.Node]:
    """What comes before a :data:`~techblog.posts.contract.MORE` line
    (``<!-- more -->``, which MyST reads as a raw HTML block): the author's
    chosen excerpt.

    Blogger's "jump break" becomes this marker on import; authors can use it
    too. Without a marker ABlog's automatic excerpt (the first paragraph) is
    used.
    """
    before = []
    for child in section.children:
        if isinstance(child, nodes.raw) and child.astext().strip() == MORE:
            return before
        if not isinstance(child, nodes.title):
            before.append(child.deepcopy())
    return []


def post_node(meta: PostMeta, excerpt: list[nodes.Node] | None = None) -> PostNode:
    node = PostNode()
    # ABlog parses this text back into the same naive wall-clock time in the
    # site's zone, which is what it sorts and groups posts by.
    node["date"] = meta.site_date.replace(tzinfo=None).isoformat()
    node["tags"] = list(meta.tags)
    node["author"] = list(meta.authors)
    node["category"] = list(meta.categories)
    for key in ("location", "language", "redirect", "canonical_link", "external_link"):
        node[key] = []
    # The contract's title (MyST's reading of the '# Title' line, in plain
    # text), so that every listing and feed shows what check saw.
    node["title"] = meta.title
    node["image"] = None
    node["nocomments"] = not meta.comments
    node["excerpt"] = None
    node["exclude"] = False
    # Children of the post node are ABlog's excerpt; "exclude" keeps them out
    # of the post's own page (they are copies).
    if meta.description:
        node += nodes.paragraph(meta.description, meta.description)
        node["exclude"] = True
    elif excerpt:
        node.extend(excerpt)
        node["exclude"] = True
    return node
