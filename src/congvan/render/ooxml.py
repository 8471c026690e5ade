"""Small WordprocessingML builders shared by the template builders and renderers.

Only string assembly lives here; values are escaped with :func:`esc`. Units:
twips (1/20 pt) for lengths, half-points for font sizes, EMU for drawings.
"""

from __future__ import annotations

import re

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
ROOT_NS = (
    f'xmlns:w="{W_NS}" xmlns:r="{R_NS}" xmlns:wp="{WP_NS}" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)
CELL_MARGIN_TW = 85  # left/right cell margin of every table we build
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def half_points(pt: float) -> int:
    return round(pt * 2)


def esc(text: str) -> str:
    """Escape text content (quotes stay literal, as Word writes them).

    The same as ``xml.sax.saxutils.escape``, without importing it: that module pulls in
    urllib.request, http.client and ssl, ~10 ms of every ``congvan render``.
    """
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def esc_attr(text: str) -> str:
    return esc(text).replace('"', "&quot;")


#: Tokens whose hyphens must not end a line: số ký hiệu ("512/QĐ-UBND") and dates ("20-3-2026").
#: (Both alternatives factored behind one leading digit: the scan tries each position once.)
_KHONG_NGAT = re.compile(r"\b\d(?:\d*/\w+(?:-\w+)+|\d?-\d{1,2}-\d{4}\b)")


def run_content(text: str) -> str:
    """A run's text elements; hyphens inside số ký hiệu and dates become ``w:noBreakHyphen``.

    Word and LibreOffice break a line after a hyphen; the no-break hyphen element keeps
    "512/QĐ-UBND" on one line yet is still copied and searched as "-" (U+2011 would not be).
    LibreOffice does not break at the slash of these tokens, so slashes stay as they are.
    """
    if "-" not in text or not _KHONG_NGAT.search(text):
        return f'<w:t xml:space="preserve">{esc(text)}</w:t>'
    segments, pos = [""], 0
    for m in _KHONG_NGAT.finditer(text):
        first, *rest = m.group(0).split("-")
        segments[-1] += text[pos : m.start()] + first
        segments += rest
        pos = m.end()
    segments[-1] += text[pos:]
    return "<w:noBreakHyphen/>".join(f'<w:t xml:space="preserve">{esc(x)}</w:t>' if x else "" for x in segments)


def run(text: str, rpr: str = "") -> str:
    """A run of literal text (escaped; số ký hiệu kept on one line)."""
    props = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f"<w:r>{props}{run_content(text)}</w:r>"


def para(style: str | None, content: str = "", ppr: str = "") -> str:
    """A paragraph with a style and raw run content."""
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    props = f"<w:pPr>{style_xml}{ppr}</w:pPr>" if (style_xml or ppr) else ""
    return f"<w:p>{props}{content}</w:p>"


def tag_para(tag: str) -> str:
    """A paragraph holding one docxtpl paragraph tag such as ``{%p for x in xs %}``."""
    return f'<w:p><w:r><w:t xml:space="preserve">{esc(tag)}</w:t></w:r></w:p>'


def tag_row(tag: str, cols: int) -> str:
    """A table row holding one docxtpl row tag such as ``{%tr for r in rows %}``."""
    first = f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr>{tag_para(tag)}</w:tc>'
    rest = "".join('<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p/></w:tc>' for _ in range(cols - 1))
    return f"<w:tr>{first}{rest}</w:tr>"


NO_BORDERS = (
    "<w:tblBorders>"
    + "".join(f'<w:{side} w:val="nil"/>' for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + "</w:tblBorders>"
)
ALL_BORDERS = (
    "<w:tblBorders>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    + "</w:tblBorders>"
)


def table(widths: list[int], rows: str, *, borders: str = NO_BORDERS, indent: int = 0, center: bool = False) -> str:
    """A fixed-layout table with the given column widths (twips)."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    jc = '<w:jc w:val="center"/>' if center else ""
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/>{jc}'
        f'<w:tblInd w:w="{indent}" w:type="dxa"/>{borders}<w:tblLayout w:type="fixed"/>'
        f'<w:tblCellMar><w:left w:w="{CELL_MARGIN_TW}" w:type="dxa"/>'
        f'<w:right w:w="{CELL_MARGIN_TW}" w:type="dxa"/></w:tblCellMar>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>"
    )


def cell(
    width: int,
    content: str,
    *,
    span: int = 1,
    vcenter: bool = False,
    valign: str | None = None,
    vmerge: str | None = None,
    left_margin: int | None = None,
) -> str:
    """A table cell; *vmerge* is "restart" or "continue" for a vertically merged cell;
    *left_margin* (twips) overrides the table's cell margin on the left side."""
    span_xml = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    merge_xml = f'<w:vMerge w:val="{vmerge}"/>' if vmerge else ""
    mar_xml = f'<w:tcMar><w:left w:w="{left_margin}" w:type="dxa"/></w:tcMar>' if left_margin is not None else ""
    valign_xml = f'<w:vAlign w:val="{valign or "center"}"/>' if (vcenter or valign) else ""
    content = content or "<w:p/>"
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{span_xml}{merge_xml}{mar_xml}{valign_xml}</w:tcPr>'
        f"{content}</w:tc>"
    )


def row(cells: str, *, header: bool = False, cant_split: bool = False) -> str:
    props = ""
    if header or cant_split:
        props = (
            "<w:trPr>" + ("<w:cantSplit/>" if cant_split else "") + ("<w:tblHeader/>" if header else "") + "</w:trPr>"
        )
    return f"<w:tr>{props}{cells}</w:tr>"
