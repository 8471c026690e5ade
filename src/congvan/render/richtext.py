"""Inline emphasis in record text: ``**đậm**`` and ``*nghiêng*``, as in the seeds.

Produces escaped WordprocessingML runs marked safe for the template's ``{{r }}`` tags;
no other markup passes through, so record text can never inject XML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

from congvan.render.ooxml import run_content

_TOKEN = re.compile(r"(\*\*.+?\*\*|\*[^*\s][^*]*?\*)")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


def parse_inline(text: str) -> list[Span]:
    """Split *text* into plain, bold and italic spans."""
    if "*" not in text:  # most paragraphs: no emphasis, no regex
        return [Span(text)] if text else []
    spans = []
    for piece in _TOKEN.split(text):
        if not piece:
            continue
        if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
            spans.append(Span(piece[2:-2], bold=True))
        elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
            spans.append(Span(piece[1:-1], italic=True))
        else:
            spans.append(Span(piece))
    return spans


def plain_text(text: str) -> str:
    """The text without emphasis markers."""
    return "".join(s.text for s in parse_inline(text))


def runs(spans: list[Span]) -> Markup:
    """Runs for the spans; emphasis adds to whatever the paragraph style sets."""
    out = []
    for s in spans:
        props = ("<w:b/><w:bCs/>" if s.bold else "") + ("<w:i/><w:iCs/>" if s.italic else "")
        rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
        out.append(f"<w:r>{rpr}{run_content(s.text)}</w:r>")
    return Markup("".join(out))


def rich(text: str, *, label: str | None = None, label_bold: bool = False) -> Markup:
    """Runs for a paragraph: an optional label ("Điều 1.", "a)") then the text."""
    spans = []
    if label:
        spans.append(Span(label + " ", bold=label_bold))
    spans.extend(parse_inline(text))
    return runs(spans)
