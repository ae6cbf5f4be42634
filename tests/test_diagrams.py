"""Diagrams and math (techblog/pages/diagrams.py, mathml.py) in the built
pages: Mermaid's scripts only on the pages with a diagram, the site's own
copy of Mermaid as npm published it, math as MathML, bad LaTeX stopping the
build at its file and line, and markup in either staying text
(tests/roots/test-diagrams)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from conftest import REPO, build_root, sphinx_build
from hostile import problems

ROOT = REPO / "tests" / "roots" / "test-diagrams"
VENDOR = REPO / "_static" / "vendor" / "mermaid"
MODULE = "_static/techblog-diagrams.mjs"
DIAGRAM_CSS = "_static/techblog-diagrams.css"
MATH_CSS = "_static/techblog-math.css"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
# What docutils' converter writes (presentation MathML); nothing that loads or runs.
MATHML_ELEMENTS = {"math", "mi", "mn", "mo", "mtext", "mrow", "mfrac", "msqrt", "mroot", "msub", "msup",
                   "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mspace", "mstyle",
                   "mpadded", "mphantom", "menclose"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_root(tmp_path_factory, ROOT)


def parsed(build, page: str):
    return lxml.html.parse(str(build.outdir / page)).getroot()


def loaded(root) -> tuple[list[str], list[str]]:
    """(script addresses, stylesheet addresses) of a page, without their ?v=."""
    scripts = [src.split("?")[0] for src in root.xpath("//script/@src")]
    styles = [href.split("?")[0] for href in root.xpath("//link[@rel='stylesheet']/@href")]
    return scripts, styles


def ends(addresses: list[str], name: str) -> bool:
    return any(address.endswith(name) for address in addresses)


def test_mermaid_and_math_files_load_only_on_the_pages_that_use_them(built):
    pages = sorted(path.relative_to(built.outdir).as_posix() for path in built.outdir.rglob("*.html"))
    with_diagram = {"posts/2024/with-diagram.html", "posts/2024/hostile.html"}
    # Generated pages (no doctree) list the diagram's post too, and ABlog's tag
    # page shows its excerpt: sphinxcontrib-mermaid 2.1.1 would load Mermaid there.
    assert {"blog/tag/ceph.html", "posts/2024/plain.html", "index.html", "search.html"} <= set(pages)
    for page in pages:
        root = parsed(built, page)
        scripts, styles = loaded(root)
        assert ends(scripts, MODULE) == (page in with_diagram), page
        assert ends(styles, DIAGRAM_CSS) == (page in with_diagram), page
        assert ends(styles, MATH_CSS) == (page in with_diagram), page  # both have math too
        assert bool(root.xpath("//pre[@class='mermaid']")) == (page in with_diagram), page
        # Nothing from elsewhere, nothing inline (the production policy runs neither).
        for address in scripts + styles:
            assert not urlsplit(address).scheme and not urlsplit(address).netloc, f"{page}: {address}"
        assert [p for p in problems(root, page) if "inline <script>" in p] == []
    # Dollars that are no math stay text.
    assert "it costs $5 and $10 a month" in parsed(built, "posts/2024/plain.html").text_content()
    module = parsed(built, "posts/2024/with-diagram.html").xpath("//script[contains(@src, 'techblog-diagrams.mjs')]")
    assert len(module) == 1 and module[0].get("type") == "module"


def test_the_module_imports_the_vendored_mermaid(built):
    source = (REPO / MODULE).read_text(encoding="utf-8")
    imports = re.findall(r'^import .* from "([^"]+)";', source, re.M)
    assert imports == ["./vendor/mermaid/mermaid.esm.min.mjs"]
    target = built.outdir / "_static" / imports[0]
    assert target.is_file()
    # Mermaid's own imports are its chunks, beside it: never a package name or a URL.
    for specifier in re.findall(r'from"([^"]+)"|import\("([^"]+)"\)', target.read_text(encoding="utf-8")):
        name = "".join(specifier)
        assert name.startswith("./chunks/") and (target.parent / name).is_file(), name


def test_the_vendored_mermaid_is_the_npm_release_its_readme_names():
    listed = {}
    for line in (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {path.relative_to(VENDOR).as_posix() for path in VENDOR.rglob("*") if path.is_file()}
    assert present - set(listed) == {"README.md", "SHA256SUMS"}
    assert set(listed) <= present
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    version = re.search(r"mermaid@(\d+\.\d+\.\d+)", readme)[1]
    # Mermaid hands its version to each diagram it draws: render() in the module.
    assert f'draw(e,t,"{version}",' in (VENDOR / "mermaid.esm.min.mjs").read_text(encoding="utf-8")


def test_math_is_mathml_with_numbered_equations(built):
    root = parsed(built, "posts/2024/with-diagram.html")
    inline = root.xpath("//span[@class='math']/math")
    assert len(inline) == 4
    assert [element.tag for element in inline[2].iter()][:2] == ["math", "mfrac"]  # \frac{100 n}{r}
    display = root.xpath("//div[@class='math' and @id='equation-pg-count']/math[@display='block']")
    assert len(display) == 1 and display[0].xpath(".//msup")
    number = root.xpath("//div[@id='equation-pg-count']/span[@class='eqno']")
    assert number[0].text_content().startswith("(1)")
    assert root.xpath("//a[@href='#equation-pg-count']")  # {eq}`pg-count`
    text = root.xpath("//article")[0].text_content()
    assert "\\frac" not in text and "\\lceil" not in text and "$" not in text


def test_markup_in_a_diagram_or_in_math_stays_text(built):
    root = parsed(built, "posts/2024/hostile.html")
    found = [problem for problem in problems(root, "hostile") if not problem.endswith(": <math> element")]
    assert found == []
    for math in root.iter("math", f"{MATHML}math"):
        for element in math.iter():
            assert element.tag.rsplit("}", 1)[-1] in MATHML_ELEMENTS, element.tag
            assert set(element.attrib) <= {"xmlns", "display", "mathvariant", "stretchy", "movablelimits",
                                           "class", "displaystyle"}, element.attrib
    texts = [element.text for element in root.iter("mtext", f"{MATHML}mtext")]
    assert "</math><script>alert(3)</script>" in texts and '"><img src=x onerror=alert(4)>' in texts
    assert "<script>alert(1)</script>" in root.xpath("//pre[@class='mermaid']")[0].text_content()


BAD = """---
date: 2024-05-03
author: alice
category: operations
---

# Bad math

An unknown command: $\\foo x$.

A brace left open:

$$
\\frac{a}{
$$
"""


def test_latex_that_cannot_be_drawn_stops_the_build_at_its_file_and_line(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    (src / "posts" / "2024" / "bad-math.md").write_text(BAD, encoding="utf-8")
    build = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode != 0
    path = Path("posts") / "2024" / "bad-math.md"
    assert re.search(rf"{re.escape(str(path))}:9: WARNING: math: '\\\\foo x' cannot be drawn: "
                     r'Unknown LaTeX command "\\foo"\.; expected LaTeX math', build.output), build.output
    assert re.search(rf"{re.escape(str(path))}:13: WARNING: math: '\\\\frac\{{a\}}\{{' cannot be drawn: "
                     r"1 '\{' not closed; expected", build.output), build.output


def test_a_zoomable_diagram_is_refused_at_its_file_and_line(tmp_path):
    """sphinxcontrib-mermaid's :zoom: would load d3 from a CDN and give the
    diagram a random id, so that two builds differ."""
    src = tmp_path / "src"
    shutil.copytree(ROOT, src)
    post = src / "posts" / "2024" / "with-diagram.md"
    post.write_text(post.read_text(encoding="utf-8").replace("```{mermaid}\n", "```{mermaid}\n:zoom:\n"),
                    encoding="utf-8")
    build = sphinx_build(src, tmp_path / "html", tmp_path / "doctrees")
    assert build.returncode != 0
    path = Path("posts") / "2024" / "with-diagram.md"
    assert re.search(rf"{re.escape(str(path))}:\d+: WARNING: mermaid: ':zoom:' is not supported here", build.output), \
        build.output
    assert "data-zoom-id" not in (tmp_path / "html" / "posts" / "2024" / "with-diagram.html").read_text(encoding="utf-8")
