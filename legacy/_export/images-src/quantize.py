"""Shrink a headless-chromium screenshot: RGB(A) PNG in, 8-bit palette PNG out.

Standard library only (the site's tools have no imaging library). The palette is
the N most frequent colours, every other colour goes to its nearest one: right
for flat diagrams, whose few odd colours are anti-aliasing at edges. Nothing in
the output depends on the time or the machine, so re-rendering gives the same
bytes as long as chromium draws the same pixels.

    python3 quantize.py in.png out.png [colours, default 96]
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections import Counter

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_rgb(path: str) -> tuple[int, int, list[list[tuple[int, int, int]]]]:
    data = open(path, "rb").read()
    if data[:8] != SIGNATURE:
        raise SystemExit(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        pos += 12 + size
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace:
        raise SystemExit(f"{path}: expected an 8-bit RGB or RGBA PNG, not interlaced")
    bpp = 4 if colour_type == 6 else 3
    stride = width * bpp
    raw = zlib.decompress(idat)
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp : x * bpp + 3]) for x in range(width)])
        previous = line
    return width, height, rows


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_palette(path: str, width: int, height: int, rows: list, colours: int) -> None:
    counts = Counter(pixel for row in rows for pixel in row)
    palette = [colour for colour, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:colours]]
    nearest: dict[tuple[int, int, int], int] = {}

    def index(colour: tuple[int, int, int]) -> int:
        if colour not in nearest:  # weighted RGB distance, close enough to perceived difference here
            nearest[colour] = min(range(len(palette)), key=lambda i: (
                3 * (palette[i][0] - colour[0]) ** 2 + 4 * (palette[i][1] - colour[1]) ** 2
                + 2 * (palette[i][2] - colour[2]) ** 2))
        return nearest[colour]

    raw = bytearray()
    for row in rows:
        raw.append(0)  # filter "none": the best for palette images of this kind
        raw.extend(index(pixel) for pixel in row)
    out = SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
    out += _chunk(b"PLTE", b"".join(bytes(colour) for colour in palette))
    out += _chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + _chunk(b"IEND", b"")
    with open(path, "wb") as target:
        target.write(out)


if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    write_palette(target, *read_rgb(source), int(sys.argv[3]) if len(sys.argv) > 3 else 96)
