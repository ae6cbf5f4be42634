"""What the web server's gzip_static finds in a built site
(techblog/site/precompress.py): every .gz is its file, gzipped; every text
file big enough has one; no .gz is left without its file."""

from __future__ import annotations

import gzip
from pathlib import Path

from techblog.site.precompress import MIN_SIZE, SUFFIXES


def gz_problems(outdir: Path) -> list[str]:
    problems = []
    for path in sorted(outdir.rglob("*")):
        name = path.relative_to(outdir).as_posix()
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(outdir).parts):
            continue
        if path.suffix == ".gz":
            source = path.with_name(path.name[:-len(".gz")])
            if not source.is_file():
                problems.append(f"{name}: its file is gone")
            elif gzip.decompress(path.read_bytes()) != source.read_bytes():
                problems.append(f"{name}: not its file, gzipped")
        elif path.suffix.lower() in SUFFIXES and path.stat().st_size >= MIN_SIZE:
            if not path.with_name(path.name + ".gz").is_file():
                problems.append(f"{name}: no .gz")
    return problems
