"""Dev-time: extract advance widths of Liberation Serif (metric twin of Times New Roman).

The renderer sizes the solid lines under the Tiêu ngữ, the body name and the trích
yếu from text widths; it reads the JSON this writes, so rendering needs no font file.
Run: .venv/bin/python scripts/make_metrics.py  (needs `pip install fonttools`).
"""

import json
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = Path("/usr/share/fonts/truetype/liberation2")
STYLES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"}
out = {}
for key, name in STYLES.items():
    font = TTFont(FONTS / f"LiberationSerif-{name}.ttf")
    upm = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    out[key] = {
        chr(cp): round(hmtx[g][0] / upm, 4)
        for cp, g in cmap.items()
        if cp < 0x2200 and not (0x300 <= cp < 0x370)
    }
target = Path(__file__).resolve().parents[1] / "src/congvan/data/metrics.json"
target.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
print(target, {k: len(v) for k, v in out.items()})
