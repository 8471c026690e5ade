"""Layout pass on the rendered body: size the solid lines NĐ30 asks for.

The line paragraphs (styles ``CVDuongKe*``) carry a bottom border; here their left
and right indents are set so the line is as long as the Tiêu ngữ, or 1/3–1/2 of the
issuing body's name or of the trích yếu, measured with Times New Roman metrics.
Done after Jinja so it also fits names a secretary edits in the template.
"""

from __future__ import annotations

import re

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


_IS_LINE = "w:pPr/w:pStyle[starts-with(@w:val, 'CVDuongKe')]"
#: Where templates put rule lines: body paragraphs and cells of body-level tables (fast, shallow).
_SHALLOW_LINES = etree.XPath(
    f"/w:document/w:body/w:p[{_IS_LINE}] | /w:document/w:body/w:tbl/w:tr/w:tc/w:p[{_IS_LINE}]",
    namespaces={"w": W_NS},
)
#: Anywhere (a secretary may nest them deeper): used when the shallow search misses some.
_ALL_LINES = etree.XPath(f"//w:p[{_IS_LINE}]", namespaces={"w": W_NS})
_MARK = '<w:pStyle w:val="CVDuongKe'
_PARA_OPEN = re.compile(r"<w:p[ >]")


def _plan(lines: list[etree._Element], p: RuleProfile) -> list[tuple[etree._Element, float | None]]:
    """Each rule line, with the side indent it needs (None: no text above it, remove it)."""
    text_mm = p.trang.rong_chu_mm
    plan: list[tuple[etree._Element, float | None]] = []
    for line in lines:
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
            plan.append((line, None))
            continue
        widest = max(min(text_width_mm(s, size, bold=True), container) for s in sources)
        plan.append((line, (container - widest * share) / 2))
    return plan


def _ind_text(ind: etree._Element) -> str | None:
    attrs = []
    for name, value in ind.attrib.items():
        if not name.startswith(_W):
            return None
        attrs.append(f'w:{name[len(_W):]}="{value}"')
    return f"<w:ind {' '.join(attrs)}/>"


def _splice(xml: str, lines: list[etree._Element], plan: list[tuple[etree._Element, float | None]]) -> str | None:
    """Apply the plan to the text itself (no re-serialisation); None if the text is not as expected."""
    marks = []
    pos = xml.find(_MARK)
    while pos >= 0:
        marks.append(pos)
        pos = xml.find(_MARK, pos + 1)
    if len(marks) != len(lines):
        return None
    order = [id(line) for line in lines]
    by_id = {id(line): side for line, side in plan}
    elements = {id(line): line for line, _ in plan}
    for mark, line_id in sorted(zip(marks, order, strict=True), reverse=True):
        if line_id not in by_id:
            continue
        start = max(xml.rfind("<w:p>", 0, mark), xml.rfind("<w:p ", 0, mark))
        end = xml.find("</w:p>", mark)
        if start < 0 or end < 0 or _PARA_OPEN.search(xml, mark, end):
            return None
        end += len("</w:p>")
        side = by_id[line_id]
        if side is None:
            xml = xml[:start] + xml[end:]
            continue
        line = elements[line_id]
        _set_indent(line, side)
        ind = _ind_text(line.find(f"{_W}pPr/{_W}ind"))
        ppr_end = xml.find("</w:pPr>", mark, end)
        if ind is None or ppr_end < 0:
            return None
        old = re.compile(r"<w:ind\b[^>]*/>").search(xml, mark, ppr_end)
        if old:
            xml = xml[: old.start()] + ind + xml[old.end() :]
            continue
        jc = xml.find("<w:jc ", mark, ppr_end)
        at = jc if jc >= 0 else ppr_end
        xml = xml[:at] + ind + xml[at:]
    return xml


def fit_lines_in(root: etree._Element, xml: str, p: RuleProfile) -> str:
    """document.xml text with every rule line sized to its text.

    *root* is the tree the render check already parsed from *xml*; the lines are
    found there with one XPath and the few edits are spliced into the text, so a
    document with a 10,000-row appendix is neither walked in Python nor serialised
    again. Should the text not look as expected, the tree is edited and serialised.
    """
    lines = _SHALLOW_LINES(root)
    if len(lines) != xml.count(_MARK):
        lines = _ALL_LINES(root)
    plan = _plan(lines, p)
    if not plan:
        return xml
    spliced = _splice(xml, lines, plan)
    if spliced is not None:
        return spliced
    for line, side in plan:
        if side is None:
            line.getparent().remove(line)
        else:
            _set_indent(line, side)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")


def fit_lines(document_xml: bytes, p: RuleProfile) -> bytes:
    """Return document.xml with every rule line sized to its text (parses; for callers without a tree)."""
    root = etree.fromstring(document_xml)
    return fit_lines_in(root, document_xml.decode("utf-8"), p).encode("utf-8")
