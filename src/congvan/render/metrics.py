"""Text widths in Times New Roman, from Liberation Serif's metrics (same advances).

Used to size the solid lines NĐ30 asks for: as long as the Tiêu ngữ, 1/3–1/2 of
the issuing body's name and of the trích yếu.
"""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources

PT_TO_MM = 25.4 / 72


@cache
def _tables() -> dict[str, dict[str, float]]:
    text = resources.files("congvan.data").joinpath("metrics.json").read_text(encoding="utf-8")
    return json.loads(text)


def text_width_mm(text: str, size_pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """Advance width of *text* set in one line; accented letters measure as their base."""
    key = {(False, False): "regular", (True, False): "bold", (False, True): "italic"}.get((bold, italic), "bold_italic")
    table = _tables()[key]
    em = 0.0
    for ch in unicodedata.normalize("NFC", text):
        width = table.get(ch)
        if width is None:
            base = unicodedata.normalize("NFD", ch)[0]
            width = table.get(base, 0.5)
        em += width
    return em * size_pt * PT_TO_MM
