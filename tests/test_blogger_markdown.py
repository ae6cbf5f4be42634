"""The Blogger importer's HTML -> MyST conversion and its sanitiser.

Exact MyST output for small inputs; for the tricky rules the output is also
rendered with MyST's own parser, to show it means what we want.
"""

from __future__ import annotations

import re

import lxml.html
import pytest
from docutils.core import publish_string
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.docutils_ import Parser as DocutilsParser
from myst_parser.parsers.mdit import create_md_parser

from techblog.legacy.markdown import Conversion, to_myst
from techblog.legacy.sanitize import VIDEO_HOSTS, clean_html
from techblog.posts.contract import MORE

EXTENSIONS = {"colon_fence", "deflist", "dollarmath"}


def myst(html: str, **kwargs) -> str:
    return to_myst(html, **kwargs).text


def render(text: str) -> str:
    """HTML as MyST's markdown-it parser renders it (directives stay unrendered)."""
    return create_md_parser(MdParserConfig(enable_extensions=EXTENSIONS), RendererHTML).render(text)


def render_docutils(text: str) -> str:
    """HTML as MyST's docutils parser renders it: directives (figure) and roles run."""
    out = publish_string(
        text,
        parser=DocutilsParser(),
        writer="html5",
        settings_overrides={
            "myst_enable_extensions": sorted(EXTENSIONS),
            "output_encoding": "unicode",
            "report_level": 2,
            "halt_level": 5,
            "warning_stream": False,
        },
    )
    return out[out.index("<main") : out.index("</main>")]


def words(html: str) -> set[str]:
    return set(lxml.html.fromstring(f"<div>{html}</div>").text_content().split())


# -- paragraphs and line breaks ------------------------------------------------------


def test_conversion_fields():
    assert to_myst("<p>Hi</p>") == Conversion(text="Hi\n", flattened=0)


def test_double_br_is_a_paragraph_break_single_br_a_hard_break():
    html = '<div dir="ltr">Line one<br />Line two<br /><br />Para two<br /></div>'
    assert myst(html) == "Line one\\\nLine two\n\nPara two\n"


def test_hard_break_renders_as_br_and_paragraphs_as_p():
    html = "One<br />two<br /><br />three"
    assert render(myst(html)) == "<p>One<br />\ntwo</p>\n<p>three</p>\n"


def test_br_runs_with_nbsp_between_are_one_paragraph_break():
    assert myst("a<br />&nbsp;<br />\n<br />b") == "a\n\nb\n"


def test_br_at_block_edges_is_dropped():
    assert myst("<p><br />a<br /></p><div><br /></div><p>b</p>") == "a\n\nb\n"


def test_paragraphs_and_headings():
    html = "<h2>Setup</h2><p>First.</p><h3>Details</h3><p>Second.</p>"
    assert myst(html) == "## Setup\n\nFirst.\n\n### Details\n\nSecond.\n"


def test_heading_closing_hash_is_kept():
    assert myst("<h2>Learning C #</h2>") == "## Learning C \\#\n"
    assert "Learning C #</h2>" in render(myst("<h2>Learning C #</h2>"))


def test_span_and_font_wrappers_are_unwrapped():
    html = '<span style="font-family: Arial;">Plain <font color="red">red</font> text</span>'
    assert myst(html) == "Plain red text\n"


def test_emphasis_strong_and_inline_code():
    html = "<b>bold</b>, <i>italic</i>, <strong><em>both</em></strong> and <code>a_b `c`</code>"
    assert myst(html) == "**bold**, *italic*, ***both*** and `` a_b `c` ``\n"


def test_emphasis_across_a_paragraph_break_is_split():
    assert myst("<b>one<br /><br />two</b>") == "**one**\n\n**two**\n"


# -- lists and quotes ----------------------------------------------------------------


def test_nested_lists():
    html = "<ol><li>First<ul><li>a</li><li>b<ul><li>deep</li></ul></li></ul></li><li>Second</li></ol>"
    assert myst(html) == "1. First\n   - a\n   - b\n     - deep\n2. Second\n"


def test_nested_lists_render_nested():
    html = "<ul><li>a<ul><li>b</li></ul></li></ul>"
    assert render(myst(html)) == "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>\n"


def test_ordered_list_keeps_its_start():
    assert myst('<ol start="3"><li>c</li><li>d</li></ol>') == "3. c\n4. d\n"


def test_blockquote():
    assert myst("<blockquote>Quoted<br />twice</blockquote>") == "> Quoted\\\n> twice\n"


# -- code ------------------------------------------------------------------------------


def test_pre_with_language_class():
    html = '<pre><code class="language-python">print("hi")</code></pre>'
    assert myst(html) == '```python\nprint("hi")\n```\n'


def test_pre_with_syntaxhighlighter_brush_and_entities():
    html = '<pre class="brush: bash; gutter: false">echo "a" &amp;&amp; cat &lt;file&gt;\n\n  exit</pre>'
    assert myst(html) == '```bash\necho "a" && cat <file>\n\n  exit\n```\n'


def test_pre_with_br_lines():
    assert myst("<pre>one<br />two</pre>") == "```\none\ntwo\n```\n"


def test_pre_containing_triple_backticks_gets_a_longer_fence():
    html = "<pre>Markdown:\n```\ncode\n```</pre>"
    text = myst(html)
    assert text == "````\nMarkdown:\n```\ncode\n```\n````\n"
    assert render(text) == "<pre><code>Markdown:\n```\ncode\n```\n</code></pre>\n"


def test_code_block_inside_a_list_item_is_indented():
    html = "<ul><li>Run:<pre>make\n\nmake install</pre></li></ul>"
    assert myst(html) == "- Run:\n\n  ```\n  make\n\n  make install\n  ```\n"


# -- tables ----------------------------------------------------------------------------


def test_simple_table_becomes_a_pipe_table():
    html = "<table><tr><th>Host</th><th>Load</th></tr><tr><td>p01</td><td>a | b</td></tr></table>"
    text = myst(html)
    assert text == "| Host | Load |\n| --- | --- |\n| p01 | a \\| b |\n"
    assert "<td>a | b</td>" in render(text)


def test_table_with_colspan_stays_sanitised_raw_html():
    html = (
        '<table style="x"><tr><td colspan="2" onclick="x()">wide</td></tr>'
        "<tr><td>1</td><td>2</td></tr></table>"
    )
    conversion = to_myst(html)
    assert conversion.text == (
        '<table><tbody><tr><td colspan="2">wide</td></tr><tr><td>1</td><td>2</td></tr></tbody></table>\n'
    )


def test_table_with_block_content_stays_raw_html_without_blank_lines():
    html = "<table><tr><td><pre>a\n\nb</pre></td><td><ul><li>x</li></ul></td></tr></table>"
    text = myst(html)
    assert "\n\n" not in text.strip()
    assert render(text) == text  # one HTML block, passed through whole


# -- images ----------------------------------------------------------------------------

BIG = "https://blogger.googleusercontent.com/img/b/R29v/AVvX/s1600/rack.jpg"
SMALL = "https://blogger.googleusercontent.com/img/b/R29v/AVvX/s320/rack.jpg"


def test_image_without_alt_gets_an_empty_alt():
    assert myst('<img src="http://x.org/a.png" width="10">') == "![](http://x.org/a.png)\n"


def test_image_alt_and_title():
    text = myst('<img src="http://x.org/a.png" alt="A [b]" title="T">')
    assert text == '![A \\[b\\]](http://x.org/a.png "T")\n'


def test_caption_table_becomes_a_figure_with_the_big_image():
    html = (
        '<table class="tr-caption-container" style="margin: auto;"><tbody>'
        f'<tr><td style="text-align: center;"><a href="{BIG}" imageanchor="1">'
        f'<img src="{SMALL}" /></a></td></tr>'
        '<tr><td class="tr-caption">The new <i>rack</i></td></tr></tbody></table>'
    )
    text = myst(html)
    assert text == f"```{{figure}} {BIG}\n:alt: The new rack\n\nThe new *rack*\n```\n"
    rendered = render_docutils(text)
    assert f'<img alt="The new rack" src="{BIG}" />' in rendered
    assert "<figcaption>\n<p>The new <em>rack</em></p>" in rendered


def test_caption_table_with_a_link_elsewhere_keeps_it_as_target():
    html = (
        '<table class="tr-caption-container"><tr><td><a href="http://example.org/page">'
        f'<img src="{SMALL}" alt="Rack"></a></td></tr><tr><td class="tr-caption">1. Rack</td></tr></table>'
    )
    text = myst(html)
    assert text == f"```{{figure}} {SMALL}\n:alt: Rack\n:target: http://example.org/page\n\n1\\. Rack\n```\n"
    rendered = render_docutils(text)
    assert '<a class="reference external image-reference" href="http://example.org/page">' in rendered


def test_separator_div_shows_the_big_image():
    html = (
        '<div class="separator" style="clear: both;"><a href="http://1.bp.blogspot.com/-a/b/c/d/s1600/x.png" '
        'imageanchor="1"><img border="0" src="http://3.bp.blogspot.com/-a/b/c/d/s320/x.png" /></a></div>'
    )
    conversion = to_myst(html)
    assert conversion.text == "![](http://1.bp.blogspot.com/-a/b/c/d/s1600/x.png)\n"


def test_link_around_an_image_elsewhere_stays_a_link():
    html = '<a href="http://flickr.example/p/1"><img src="http://img.example/1.jpg" alt="x"></a>'
    assert myst(html) == "[![x](http://img.example/1.jpg)](http://flickr.example/p/1)\n"


# -- videos ----------------------------------------------------------------------------

# A click-to-load facade: a link to the video, and the player's address for
# _static/techblog-video.js; nothing is loaded from the video host with the page.
EMBED = (
    '<div class="video-embed" data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" '
    'data-embed-title="YouTube video"><a class="video-link" '
    'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'
    "Watch the video on YouTube</a></div>\n"
)


def test_youtube_iframe_becomes_a_click_to_load_facade():
    html = (
        '<iframe width="560" height="315" src="//www.youtube.com/embed/dQw4w9WgXcQ?rel=0" '
        'frameborder="0"></iframe>'
    )
    conversion = to_myst(html)
    assert conversion.text == EMBED
    assert "<iframe" not in conversion.text


def test_youtube_object_embed_becomes_a_facade():
    html = (
        '<object width="425" height="344">'
        '<param name="movie" value="http://www.youtube.com/v/dQw4w9WgXcQ&hl=en"></param>'
        '<embed src="http://www.youtube.com/v/dQw4w9WgXcQ&hl=en" type="application/x-shockwave-flash" '
        'width="425" height="344"></embed></object>'
    )
    assert myst(html) == EMBED


def test_youtube_embed_alone_becomes_a_facade():
    assert myst('<embed src="http://www.youtube.com/v/dQw4w9WgXcQ">') == EMBED


def test_a_videos_title_names_it_in_the_link_and_the_player():
    text = myst('<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="Cells &amp; &quot;v2&quot;">'
                "</iframe>")
    assert text == (
        '<div class="video-embed" data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" '
        'data-embed-title="Cells &amp; &quot;v2&quot;"><a class="video-link" '
        'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">'
        'Watch the video “Cells &amp; "v2"” on YouTube</a></div>\n'
    )


def test_youtubes_default_iframe_title_says_nothing_and_is_not_shown():
    html = '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" title="YouTube video player"></iframe>'
    assert myst(html) == EMBED


def test_a_video_hosts_address_that_is_no_player_becomes_a_link_only():
    text = myst('<iframe src="https://www.youtube.com/watch?v=dQw4w9WgXcQ"></iframe>')
    assert text == (
        '<div class="video-embed" data-embed-title="YouTube video"><a class="video-link" '
        'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ">Watch the video on YouTube</a></div>\n'
    )


def test_a_video_in_a_raw_html_table_is_a_facade_too():
    html = ('<table><tr><td><p>a</p><p>b</p></td><td><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ">'
            "</iframe></td></tr></table>")
    text = myst(html)
    assert "<table>" in text and "<iframe" not in text
    player = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert f'<div class="video-embed" data-embed-src="{player}"' in text


def test_video_embed_is_an_html_block_in_myst():
    text = myst('<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>')
    assert render(text) == text


def test_iframe_from_elsewhere_is_dropped():
    html = '<p>a</p><iframe src="https://evil.example/x">fallback</iframe>'
    assert to_myst(html) == Conversion("a\n")


# -- the jump break --------------------------------------------------------------------


def test_jump_break_anchor_becomes_the_excerpt_marker_line():
    assert myst('Intro.<a name="more"></a>Rest.') == f"Intro.\n\n{MORE}\n\nRest.\n"


def test_jump_break_comment_becomes_the_excerpt_marker_line():
    assert myst("<div>Intro<!--more--><br />Rest</div>") == f"Intro\n\n{MORE}\n\nRest\n"


def test_jump_break_is_not_rendered():
    assert render(myst('a<a name="more"></a>b')) == "<p>a</p>\n<!-- more -->\n<p>b</p>\n"


# -- MyST escaping ---------------------------------------------------------------------


def test_dollars_are_escaped_and_render_literally():
    text = myst("It cost $5 and $6.")
    assert text == "It cost \\$5 and \\$6.\n"
    assert render(text) == "<p>It cost $5 and $6.</p>\n"


def test_leading_number_is_not_a_list():
    text = myst("<p>1. First</p><p>Line<br />2) second</p>")
    assert text == "1\\. First\n\nLine\\\n2\\) second\n"
    assert "<ol" not in render(text)
    assert "<p>1. First</p>" in render(text)


def test_role_before_code_stays_text():
    text = myst("Use {ref}<code>target</code> here")
    assert text == "Use \\{ref}`target` here\n"
    assert render(text) == "<p>Use {ref}<code>target</code> here</p>\n"


@pytest.mark.parametrize(
    "line",
    [
        "# not a heading", "> not a quote", "- not an item", "+ not an item", "* not an item",
        "| not a table", "% not a comment", "--- not a rule", "(label)=", "::: not a fence",
        "<b>not html</b>", ": not a definition", "~~~ not a fence", "+++", "===",
    ],
)
def test_line_start_markup_stays_text(line):
    text = myst(f"Before<br />{_escape_html(line)}")
    assert render(text) == f"<p>Before<br />\n{_escape_html(line)}</p>\n"


def _escape_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_markdown_specials_are_escaped():
    text = myst("a*b* _c_ [d](e) `f` \\* &amp;copy;")
    assert text == "a\\*b\\* \\_c\\_ \\[d\\](e) \\`f\\` \\\\\\* \\&copy;\n"
    assert render(text) == "<p>a*b* _c_ [d](e) `f` \\* &amp;copy;</p>\n"


def test_snake_case_is_not_escaped():
    assert myst("set max_open_files now") == "set max_open_files now\n"


def test_escaping_does_not_apply_in_code():
    assert myst("<code>$x *y* [z]</code>") == "`$x *y* [z]`\n"


def test_emphasis_next_to_punctuation_and_letters_uses_html():
    text = myst('x<b>"quoted"</b>y and <b>"fine"</b> here')
    assert text == 'x<strong>"quoted"</strong>y and **"fine"** here\n'
    assert render(text) == (
        "<p>x<strong>&quot;quoted&quot;</strong>y and <strong>&quot;fine&quot;</strong> here</p>\n"
    )


def test_exclamation_mark_before_a_link_is_not_an_image():
    text = myst('Wow!<a href="http://x.org/">site</a>')
    assert text == "Wow\\![site](http://x.org/)\n"
    assert "<img" not in render(text)


def test_markup_split_across_elements_stays_text():
    text = myst("<span>a &lt;</span>b&gt; c &amp;<i>amp;</i>")
    assert render(text) == "<p>a &lt;b&gt; c &amp;<em>amp;</em></p>\n"


def test_adjacent_code_elements_make_one_code_span():
    assert myst("<code>a`</code><code>b</code>") == "`` a`b ``\n"


def test_text_after_a_block_inside_an_inline_element_starts_a_line():
    text = myst("<u>a<p>b</p></u>&gt; c")
    assert text == "a\n\nb\n\n\\> c\n"
    assert "<blockquote>" not in render(text)


def test_rule_between_paragraphs_is_a_transition_but_not_at_the_edges():
    assert myst("<hr><p>a</p><hr><hr><p>b</p><hr>") == "a\n\n***\n\nb\n"


def test_vimeo_iframe_becomes_a_facade():
    text = myst('<iframe src="//player.vimeo.com/video/123" title="Talk"></iframe>')
    assert text == (
        '<div class="video-embed" data-embed-src="https://player.vimeo.com/video/123" data-embed-title="Talk">'
        '<a class="video-link" href="https://vimeo.com/123">Watch the video “Talk” on Vimeo</a></div>\n'
    )


def test_blogger_page_link_s1600_h_shows_the_image():
    html = (
        '<a href="http://1.bp.blogspot.com/a/b/s1600-h/x.jpg">'
        '<img src="http://1.bp.blogspot.com/a/b/s320/x.jpg"></a>'
    )
    assert myst(html) == "![](http://1.bp.blogspot.com/a/b/s1600/x.jpg)\n"


def test_superscript_becomes_a_role():
    text = myst("E = mc<sup>2</sup>")
    assert text == "E = mc{sup}`2`\n"
    assert "mc<sup>2</sup>" in render_docutils(text)


def test_definition_list():
    assert render(myst("<dl><dt>RBD</dt><dd>block device</dd></dl>")) == (
        "<dl>\n<dt>RBD</dt>\n<dd>block device</dd>\n</dl>\n"
    )


# -- untrusted input -------------------------------------------------------------------

HOSTILE = (
    '<script>alert(1)</script><img src="x.png" onerror="alert(2)">'
    '<a href="javascript:alert(3)">click me</a> <a href="JaVaScRiPt:alert(4)">two</a>'
    '<p onclick="alert(5)" style="position:fixed">para</p><svg onload="alert(6)"></svg>'
    '<iframe src="javascript:alert(7)"></iframe><a href="data:text/html,x">data</a>'
    "&lt;script&gt;alert(8)&lt;/script&gt; [x](javascript:alert(9)) &lt;javascript:alert(10)&gt;"
)


def test_hostile_input_renders_nothing_active():
    html = render(myst(HOSTILE)).lower()
    assert "<script" not in html
    assert "onerror" not in html and "onclick" not in html and "onload" not in html
    assert not re.search(r"(href|src)=\"\s*(javascript|data):", html)
    assert "<iframe" not in html and "style=" not in html


def test_javascript_link_becomes_plain_text():
    assert to_myst('<a href="javascript:alert(1)">click me</a>') == Conversion("click me\n")


def test_script_text_is_dropped_escaped_html_text_is_kept():
    assert myst("<script>alert(1)</script>&lt;script&gt;") == "\\<script>\n"


# -- callbacks, determinism, text ------------------------------------------------------


def test_rewrite_url_and_image_url_are_applied():
    html = (
        '<a href="http://old.blogspot.com/2016/05/x.html">old post</a> <a href="https://example.org/">ext</a>'
        f'<div class="separator"><a href="{BIG}"><img src="{SMALL}"></a></div>'
        '<img src="http://i.example/b.png">'
        '<table><tr><td colspan="2"><a href="http://old.blogspot.com/2016/05/y.html">y</a></td></tr></table>'
    )

    def rewrite(url: str) -> str:
        return "../05/" + url.rsplit("/", 1)[1].replace(".html", ".md") if "old." in url else url

    conversion = to_myst(html, rewrite_url=rewrite, image_url=lambda url: "_images/" + url.rsplit("/", 1)[1])
    assert conversion.text == (
        "[old post](../05/x.md) [ext](https://example.org/)\n\n"
        "![](_images/rack.jpg)\n\n![](_images/b.png)\n\n"
        '<table><tbody><tr><td colspan="2"><a href="../05/y.html">y</a></td></tr></tbody></table>\n'
    )


SAMPLE = """<div dir="ltr" style="text-align: left;" trbidi="on">
<span style="font-family: Arial;">Last week we moved the <b>Nova</b> cells to
<a href="http://old.blogspot.com/2016/05/ceph.html">Ceph-backed images</a>.</span><br />
It took 3&nbsp;hours and cost $5 (or $6 with coffee) in Zürich, naïvely.<br />
<br />
<a name="more"></a><br />
<h3>What we did #1</h3>
<ol><li>Drained the hypervisors, one <i>cell</i> at a time.</li>
<li>Ran <code>nova-manage cell_v2 discover_hosts</code>:
<ul>
<li>first on the test cell</li>
<li>then everywhere &mdash; café</li>
</ul></li></ol>
<table class="tr-caption-container"><tr><td><a href="https://bp.example/s1600/g.png">
<img src="https://bp.example/s400/g.png" /></a></td></tr>
<tr><td class="tr-caption">Load after the move</td></tr></table>
<pre class="brush: bash">nova-manage cell_v2 list_cells
echo "done" &amp;&amp; exit 0</pre>
<blockquote>1. This is a quote, not a list.</blockquote>
<font color="#cc0000">Red text</font> with a <span style="color: red;">span</span>.<br />
<table border="1"><tr><td><b>Host</b></td> <td><b>Load</b></td></tr>
<tr><td>p01</td> <td>0.5</td></tr></table>
<table border="1"><tr><td rowspan="2">Merged</td> <td>left</td></tr>
<tr><td>right</td></tr></table>
<form action="http://evil.example">Form words <input type="text" value="x" /></form>
<dl><dt>RBD</dt>
<dd>RADOS block device</dd></dl>
Thanks to the {ref}<code>team</code> - see you (soon)= <br />
% not a comment, *not* [a link] and 1. not a list
</div>"""


def test_nothing_of_the_text_is_lost():
    rendered = render(myst(SAMPLE))
    assert words(SAMPLE) - words(rendered) == set()


def test_conversion_is_deterministic():
    assert to_myst(SAMPLE) == to_myst(SAMPLE)
    assert myst(SAMPLE).encode() == myst(SAMPLE).encode()


def test_non_ascii_text_is_kept():
    assert myst("<p>Zürich, naïve café — 東京 ✓</p>") == "Zürich, naïve café — 東京 ✓\n"


def test_output_layout():
    text = myst(SAMPLE)
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))


def test_empty_body_is_empty():
    assert to_myst(" <div>&nbsp;</div><br />") == Conversion("")


# -- the sanitiser ---------------------------------------------------------------------


def test_clean_html_keeps_the_allowlist():
    html = (
        '<p style="color:red" onclick="x()"><a href="mailto:a@b.c" title="t" target="_blank">m</a>'
        '<img src="http://x/a.png" alt="a" width="1" height="2" onerror="x()"><img src="mailto:a@b.c"></p>'
    )
    assert clean_html(html) == (
        '<p><a href="mailto:a@b.c" title="t">m</a>'
        '<img src="http://x/a.png" alt="a" width="1" height="2"><img></p>'
    )


def test_clean_html_keeps_only_video_iframes():
    html = "".join(f'<iframe src="https://{host}/embed/x">fallback</iframe>' for host in sorted(VIDEO_HOSTS))
    html += '<iframe src="http://www.youtube.com/embed/x"></iframe>'
    html += '<iframe src="https://evil.example/">t</iframe>'
    html += '<iframe src="https://evil.example\\@www.youtube.com/">t</iframe>'
    expected = "".join(f'<iframe src="https://{host}/embed/x"></iframe>' for host in sorted(VIDEO_HOSTS))
    assert clean_html(html) == expected


FACADE = (
    '<div class="video-embed" data-embed-src="{src}" data-embed-title="t">'
    '<a class="video-link other" href="https://www.youtube.com/watch?v=x">w</a></div>'
)


@pytest.mark.parametrize("src", ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                                 "https://player.vimeo.com/video/123"])
def test_clean_html_keeps_a_facades_player_of_the_privacy_friendly_hosts(src):
    assert clean_html(FACADE.format(src=src)) == (
        f'<div class="video-embed" data-embed-src="{src}" data-embed-title="t">'
        '<a class="video-link" href="https://www.youtube.com/watch?v=x">w</a></div>'
    )


@pytest.mark.parametrize("src", [
    "https://www.youtube.com/embed/dQw4w9WgXcQ",  # sets cookies
    "http://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
    "https://evil.example/embed/x",
    "https://www.youtube-nocookie.com.evil.example/embed/x",
    "https://evil.example\\@www.youtube-nocookie.com/embed/x",
    "https://www.youtube-nocookie.com/embed/x?autoplay=1&origin=https://evil.example",
    "https://player.vimeo.com/video/123/../../x",
    "javascript:alert(1)",
])
def test_clean_html_drops_any_other_player(src):
    assert 'data-embed-src' not in clean_html(FACADE.format(src=src))


def test_comments_keep_no_facade_attributes():
    """The archived comments' policy did not change: no player, no classes on links."""
    src = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert clean_html(FACADE.format(src=src), comment=True) == (
        '<div class="video-embed"><a href="https://www.youtube.com/watch?v=x" rel="nofollow ugc">w</a></div>'
    )


def test_clean_html_for_comments():
    html = (
        '<h2>Hi</h2><p>See <a href="http://spam.example">this</a><img src="http://x/a.png"></p>'
        '<iframe src="https://www.youtube.com/embed/x">f</iframe>'
    )
    assert clean_html(html, comment=True) == (
        '<p>Hi</p><p>See <a href="http://spam.example" rel="nofollow ugc">this</a></p>'
    )
