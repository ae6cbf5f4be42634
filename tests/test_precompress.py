"""The build's gzip copies for nginx's gzip_static (techblog/site/precompress.py):
on the real site, and step by step on a folder standing in for the output.
After incremental builds: tests/test_incremental.py checks the same."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from precompressed import gz_problems
from techblog.site import precompress


def test_every_text_file_of_the_site_has_its_gz_and_every_gz_its_file(site):
    assert site.returncode == 0, site.output
    assert gz_problems(site.outdir) == []
    for page in ("index.html", "404.html", "blog/atom.xml", "sitemap.xml", "_pagefind/pagefind.js",
                 "_static/techblog.css"):
        assert (site.outdir / (page + ".gz")).is_file(), page
    assert not list(site.outdir.glob(".doctrees/**/*.gz")) and not list(site.outdir.rglob("*.png.gz"))
    # Pagefind's chunks and WebAssembly are gzipped by Pagefind: never twice.
    assert list(site.outdir.glob("_pagefind/fragment/*.pf_fragment"))
    assert not [path for path in site.outdir.glob("_pagefind/**/*.gz") if path.name != "pagefind.js.gz"]


def build(out: Path, doctrees: Path, enabled: bool = True) -> None:
    """The build-finished step, as a build of ``out`` runs it."""
    app = SimpleNamespace(outdir=str(out), doctreedir=str(doctrees), builder=SimpleNamespace(format="html"),
                          config=SimpleNamespace(techblog_precompress=enabled))
    precompress.precompress(app, None)


TEXT = "<p>A paragraph long enough to be worth compressing.</p>\n" * 10


@pytest.fixture
def output(tmp_path):
    out, doctrees = tmp_path / "html", tmp_path / "doctrees"
    for name in ("index.html", "posts/a.html", "_static/site.css", "blog/atom.xml", ".doctrees/env.html"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(TEXT, encoding="utf-8")
    (out / "small.html").write_text("<p>tiny</p>", encoding="utf-8")
    (out / "picture.png").write_bytes(os.urandom(2000))
    doctrees.mkdir()
    return out, doctrees


def test_text_files_get_a_gz_with_the_same_bytes_every_time(output):
    out, doctrees = output
    build(out, doctrees)
    gz = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.gz"))
    assert gz == ["_static/site.css.gz", "blog/atom.xml.gz", "index.html.gz", "posts/a.html.gz"]
    data = (out / "index.html.gz").read_bytes()
    assert gzip.decompress(data) == TEXT.encode()
    assert data[3] == 0 and data[4:8] == b"\0\0\0\0"  # no file name, mtime 0
    assert (out / "index.html.gz").stat().st_mtime_ns == (out / "index.html").stat().st_mtime_ns
    (out / "index.html.gz").unlink()
    build(out, doctrees)
    assert (out / "index.html.gz").read_bytes() == data
    assert gz_problems(out) == []


def test_a_gz_is_written_again_only_when_its_file_changed(output):
    out, doctrees = output
    build(out, doctrees)
    before = {p.name: p.stat().st_mtime_ns for p in out.rglob("*.gz")}
    (out / "posts/a.html").write_text(TEXT + "<p>Edited.</p>\n", encoding="utf-8")
    build(out, doctrees)
    after = {p.name: p.stat().st_mtime_ns for p in out.rglob("*.gz")}
    assert [name for name in after if after[name] != before[name]] == ["a.html.gz"]
    assert gz_problems(out) == []
    # Same mtime (a file copied with its times, say), another size: written again too.
    stat = (out / "index.html").stat()
    (out / "index.html").write_text(TEXT * 2, encoding="utf-8")
    os.utime(out / "index.html", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    build(out, doctrees)
    assert gz_problems(out) == []


def test_the_gz_of_a_removed_or_shrunk_file_goes_and_a_downloadable_gz_stays(output):
    out, doctrees = output
    (out / "_downloads").mkdir()
    (out / "_downloads/trace.json.gz").write_bytes(gzip.compress(b"{}"))  # a post's download: not ours
    build(out, doctrees)
    (out / "posts/a.html").unlink()
    (out / "blog/atom.xml").write_text("<feed/>", encoding="utf-8")  # now too small to be worth it
    build(out, doctrees)
    assert not (out / "posts/a.html.gz").exists() and not (out / "blog/atom.xml.gz").exists()
    assert (out / "_downloads/trace.json.gz").is_file()
    assert gz_problems(out) == ["_downloads/trace.json.gz: its file is gone"]  # and only that one


def test_turned_off_it_removes_the_gz_files_it_wrote(output):
    out, doctrees = output
    build(out, doctrees)
    build(out, doctrees, enabled=False)
    assert list(out.rglob("*.gz")) == []


def test_a_build_stopped_while_writing_them_has_listed_them_first(output, monkeypatch):
    out, doctrees = output

    def stop(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(precompress, "write_gz", stop)
    with pytest.raises(KeyboardInterrupt):
        build(out, doctrees)
    listed = set(json.loads((doctrees / precompress.MANIFEST).read_text()))
    assert "posts/a.html.gz" in listed
