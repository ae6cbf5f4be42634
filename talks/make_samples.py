"""Writes the sample files of the site's talks and author pages (run once; the
output is committed): a one-page PDF per sample talk with local slides, and
an initials avatar per author (SVG). No image or document comes from elsewhere.

    .venv/bin/python talks/make_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent


def pdf(title: str) -> bytes:
    """A valid one-page PDF (A4 landscape) with ``title`` in Helvetica, a few hundred bytes."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 28 Tf 60 300 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 842 595] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def avatar(initials: str, colour: str) -> str:
    """A 96x96 initials avatar; its text is the initials only (the page gives the name as alt text)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
            f'<rect width="96" height="96" rx="48" fill="{colour}"/>'
            f'<text x="48" y="60" font-family="sans-serif" font-size="36" font-weight="bold" fill="#fff" '
            f'text-anchor="middle">{escape(initials)}</text></svg>\n')


SLIDES = {
    "talks/slides/2015-fosdem-rdo-packaging.pdf": "Packaging OpenStack for people who just want it to work",
    "talks/slides/2019-fosdem-bare-metal.pdf": "Bare metal as a service for physicists",
}
# Dark enough for white text (contrast above 4.5:1).
AVATARS = {"alice": ("AM", "#1f5f8b"), "bruno": ("BK", "#7a3e00"), "chiara": ("CR", "#6b2d6b"),
           "daniel": ("DO", "#1d6b3a"), "tomas": ("TO", "#8b1f1f")}


def main() -> int:
    for path, title in SLIDES.items():
        (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / path).write_bytes(pdf(title))
    for key, (initials, colour) in AVATARS.items():
        target = ROOT / "_static" / "authors" / f"{key}.svg"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(avatar(initials, colour), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
