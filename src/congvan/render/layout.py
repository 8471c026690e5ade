"""Layout pass on the rendered body: size the solid lines NĐ30 asks for.

The line paragraphs (styles ``CVDuongKe*``) carry a bottom border; here their left
and right indents are set so the line is as long as the Tiêu ngữ, or 1/3–1/2 of the
issuing body's name or of the trích yếu, measured with Times New Roman metrics.
Done after Jinja so it also fits names a secretary edits in the template.
"""

from __future__ import annotations

from lxml import etree

from congvan.profiles import RuleProfile
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import CELL_MARGIN_TW, W_NS, twips

_W = f"{{{W_NS}}}"
CELL_MARGIN_MM = CELL_MARGIN_TW * 25.4 / 1440


def _style(p: etree._Element) -> str | None:
    node = p.find(f"{_W}pPr/{_W}pStyle")
    return node.get(f"{_W}val") if node is not None else None


def _text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{_W}t"))


def _container_mm(p: etree._Element, text_mm: float) -> float:
    tc = next(p.iterancestors(f"{_W}tc"), None)
    if tc is None:
        return text_mm
    width = tc.find(f"{_W}tcPr/{_W}tcW")
    return int(width.get(f"{_W}w")) * 25.4 / 1440 - 2 * CELL_MARGIN_MM


def _rule_for(style: str, p: RuleProfile) -> tuple[str, float, float] | None:
    """(source style, font size, share of its width) for a line style."""
    return {
        "CVDuongKeCoQuan": ("CVCoQuan", p.co_chu.co_quan, p.duong_ke.co_quan),
        "CVDuongKeTieuNgu": ("CVTieuNgu", p.co_chu.tieu_ngu, p.duong_ke.tieu_ngu),
        "CVDuongKeTrichYeu": ("CVTrichYeu", p.co_chu.trich_yeu, p.duong_ke.trich_yeu),
    }.get(style)


def _set_indent(line: etree._Element, side_mm: float) -> None:
    ppr = line.find(f"{_W}pPr")
    ind = ppr.find(f"{_W}ind")
    if ind is None:
        ind = etree.SubElement(ppr, f"{_W}ind")
        jc = ppr.find(f"{_W}jc")
        if jc is not None:  # keep schema order: ind before jc
            jc.addprevious(ind)
    value = str(max(twips(side_mm), 0))
    ind.set(f"{_W}left", value)
    ind.set(f"{_W}right", value)


def fit_lines(document_xml: bytes, p: RuleProfile) -> bytes:
    """Return document.xml with every rule line sized to its text."""
    root = etree.fromstring(document_xml)
    text_mm = p.trang.rong_chu_mm
    for line in list(root.iter(f"{_W}p")):
        rule = _rule_for(_style(line) or "", p)
        if not rule:
            continue
        source_style, size, share = rule
        container = _container_mm(line, text_mm)
        sources = []
        prev = line.getprevious()
        while prev is not None and prev.tag == f"{_W}p" and _style(prev) == source_style:
            sources.append(_text(prev))
            prev = prev.getprevious()
        if not sources:
            line.getparent().remove(line)
            continue
        widest = max(min(text_width_mm(s, size, bold=True), container) for s in sources)
        length = widest * share
        _set_indent(line, (container - length) / 2)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
