#!/bin/sh
# Sources of the sample export's images (see ../README.md, "Images").
#
# One HTML page per image of ../blog-11-24-2026.xml, drawn in inline SVG (a
# little JavaScript repeats shapes), with no external assets: system fonts
# (DejaVu Sans, else Liberation Sans), no web fonts, no images. This script
# renders each page with headless chromium at the size the export gives for
# the image (data-original-width/-height), shrinks it to a palette PNG with
# quantize.py (standard library only) and writes it to ../images/<host>/<path>
# of the image's largest-variant (s1600) URL, where `--images-from` finds it.
# Then re-import the sample (command in ../README.md): it updates the copies in
# legacy/_images/ that differ.
#
# Needs chromium and python3; run from anywhere.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
images="$here/../images"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

render() {  # page.html width height target (relative to ../images)
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --hide-scrollbars \
        --screenshot="$work/shot.png" --window-size="$2,$3" "file://$here/$1" 2>/dev/null
    mkdir -p "$(dirname "$images/$4")"
    python3 "$here/quantize.py" "$work/shot.png" "$images/$4"
    echo "$4: $(wc -c < "$images/$4") bytes"
}

g=blogger.googleusercontent.com/img/b/R29vZ2xl
render nova-cells-layout.html 900 600 \
    "$g/AVvXsEhWAFR7-U42fJAHS5lDtgJJgU5pdhhiuRqDmFTDk7z9z2aoYXPZ-yYJ1V3x-N7E90ME-bu_VS7pEhzxtpLBLRje3JaE4HAr7k8xY/s1600/nova-cells-layout.png"
render cloud-architecture-2014.html 1200 800 \
    "$g/AVvXsEhzcb6iauujCtA_rxCRZebzSHbFtF39vmbLmjZJTpRCwc3F5FmQiy3dWARW4XqtqZkeE7-pr9Qr-HmJnZrF7-skzsdk_vB2X2Krv/s1600/cloud-architecture-2014.png"
render grafana-cloud-overview.html 1600 900 \
    "$g/AVvXsEhiiwkAnWgU0E_E64hMe-Twn2eabtpU1M0UGEwoG7glQWsbipT3Oilt9riktZE8e97ajiswxIri92cvcpmUrSf1MAlUCRpTzevIp/s1600/grafana-cloud-overview.png"
render numa-layout.html 800 450 \
    "2.bp.blogspot.com/-Qm7pWcNfZ8E/VdxH3kQm1bI/AAAAAAAAAFo/8rTgY0bXl2cYhJq3kPwzLgCLcB/s1600/numa-layout.png"
