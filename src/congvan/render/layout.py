"""Layout pass on the rendered body: size the solid lines NĐ30 asks for.

The line paragraphs (styles ``CVDuongKe*``) carry a bottom border; here their left
and right indents are set so the line is as long as the Tiêu ngữ, or 1/3–1/2 of the
issuing body's name or of the trích yếu, measured with Times New Roman metrics.
Done after Jinja so it also fits names a secretary edits in the template.
"""

from __future__ import annotations

import html
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


def _lines(p: etree._Element) -> list[str]:
    """The paragraph's lines: a soft line break (``w:br``, not a page break) starts a new one.

    A balanced header name or trích yếu is one paragraph broken with ``w:br``; its line
    is measured on the longest of those lines, not on the text run together.
    """
    out = [""]
    for node in p.iter(f"{_W}t", f"{_W}br"):
        if node.tag == f"{_W}br":
            if node.get(f"{_W}type") in (None, "textWrapping"):
                out.append("")
        else:
            out[-1] += node.text or ""
    return [x.strip() for x in out if x.strip()]


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
        "CVDuongKeQuocHieu": ("CVQuocHieu", p.co_chu.quoc_hieu, p.duong_ke.tieu_ngu),  # a lone title (Party)
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
_ALL_LINES = etree.XPath(f"//w:p[{_IS_LINE}]", namespaces={"w": W_NS})
_MARK = '<w:pStyle w:val="CVDuongKe'
_PARA_OPEN = re.compile(r"<w:p[ >]")
_LINE_STYLE = re.compile(r'<w:pStyle w:val="([^"]*)"')
_PARA_STYLE = re.compile(r'<w:p\b[^>]*>\s*<w:pPr(?: [^>]*)?>\s*<w:pStyle w:val="([^"]*)"')
_RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_SOFT_BREAK = re.compile(r'<w:br(?: w:type="textWrapping")?\s*/>')
_TC_WIDTH = re.compile(r'<w:tcW w:w="(\d+)"')
_IND = re.compile(r"<w:ind\b[^>]*/>")
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')


class _Unexpected(Exception):
    """The text is not shaped as the text pass expects: use the tree."""


def _para_start(xml: str, pos: int) -> int:
    return max(xml.rfind("<w:p>", 0, pos), xml.rfind("<w:p ", 0, pos))


def _lines_of(segment: str) -> list[str]:
    """A paragraph's lines from its text, split at soft line breaks (see :func:`_lines`)."""
    pieces = (html.unescape("".join(_RUN_TEXT.findall(piece))).strip() for piece in _SOFT_BREAK.split(segment))
    return [x for x in pieces if x]


def _sources_before(xml: str, start: int, style: str) -> list[str]:
    """Lines of the paragraphs of *style* right before the one starting at *start*."""
    texts = []
    pos = start
    while True:
        end = pos
        while end > 0 and xml[end - 1].isspace():
            end -= 1
        if not xml.startswith("</w:p>", end - 6):
            return texts
        begin = _para_start(xml, end - 6)
        if begin < 0 or _PARA_OPEN.search(xml, begin + 1, end):
            raise _Unexpected  # nested paragraphs (a text box): leave it to the tree
        found = _PARA_STYLE.match(xml, begin)
        if not found or found.group(1) != style:
            return texts
        texts += _lines_of(xml[begin:end])
        pos = begin


def _container_at(xml: str, start: int, text_mm: float) -> float:
    if xml.count("<w:tbl>", 0, start) + xml.count("<w:tbl ", 0, start) - xml.count("</w:tbl>", 0, start) > 1:
        raise _Unexpected  # nested tables
    tc = max(xml.rfind("<w:tc>", 0, start), xml.rfind("<w:tc ", 0, start))
    if tc < 0 or xml.find("</w:tc>", tc, start) >= 0:
        return text_mm
    width = _TC_WIDTH.search(xml, tc, start)
    if width is None:
        raise _Unexpected
    return int(width.group(1)) * 25.4 / 1440 - 2 * CELL_MARGIN_MM


def _ind_tag(existing: str | None, side_mm: float) -> str:
    value = str(max(twips(side_mm), 0))
    attrs = dict(_ATTR.findall(existing)) if existing else {}
    attrs["w:left"] = value
    attrs["w:right"] = value
    return "<w:ind " + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + "/>"


def _fit_text(xml: str, p: RuleProfile) -> str:
    """The pass on the text: find each line by its style mark, edit it in place (last first)."""
    marks = []
    pos = xml.find(_MARK)
    while pos >= 0:
        marks.append(pos)
        pos = xml.find(_MARK, pos + 1)
    edits: list[tuple[int, int, str]] = []
    for mark in marks:
        rule = _rule_for(_LINE_STYLE.match(xml, mark).group(1), p)  # type: ignore[union-attr]
        if not rule:
            continue
        source_style, size, share = rule
        start = _para_start(xml, mark)
        end = xml.find("</w:p>", mark)
        if start < 0 or end < 0 or _PARA_OPEN.search(xml, mark, end):
            raise _Unexpected
        end += len("</w:p>")
        sources = _sources_before(xml, start, source_style)
        if not sources:
            edits.append((start, end, ""))
            continue
        container = _container_at(xml, start, p.trang.rong_chu_mm)
        widest = max(min(text_width_mm(s, size, bold=True), container) for s in sources)
        side = (container - widest * share) / 2
        ppr_end = xml.find("</w:pPr>", mark, end)
        if ppr_end < 0:
            raise _Unexpected
        old = _IND.search(xml, mark, ppr_end)
        if old:
            edits.append((old.start(), old.end(), _ind_tag(old.group(0), side)))
            continue
        before = (xml.find("<w:jc ", mark, ppr_end), xml.find("<w:rPr", mark, ppr_end))  # schema order
        at = next((i for i in before if i >= 0), ppr_end)
        edits.append((at, at, _ind_tag(None, side)))
    pieces = []
    last = 0
    for begin, finish, text in edits:
        pieces += [xml[last:begin], text]
        last = finish
    pieces.append(xml[last:])
    return "".join(pieces)


def _fit_tree(root: etree._Element, p: RuleProfile) -> str:
    """The pass on the tree, for shapes the text pass does not handle; serialises the part."""
    text_mm = p.trang.rong_chu_mm
    for line in _ALL_LINES(root):
        rule = _rule_for(_style(line) or "", p)
        if not rule:
            continue
        source_style, size, share = rule
        container = _container_mm(line, text_mm)
        sources = []
        prev = line.getprevious()
        while prev is not None and prev.tag == f"{_W}p" and _style(prev) == source_style:
            sources += _lines(prev)
            prev = prev.getprevious()
        if not sources:
            line.getparent().remove(line)
            continue
        widest = max(min(text_width_mm(s, size, bold=True), container) for s in sources)
        _set_indent(line, (container - widest * share) / 2)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")


def fit_lines_in(root: etree._Element | None, xml: str, p: RuleProfile) -> str:
    """document.xml text with every rule line sized to its text.

    The lines are found by their style mark in the rendered text and the few edits
    spliced in, so a document with a 10,000-row appendix is neither walked in Python
    nor parsed or serialised again (the render check already parsed it once, and
    *root* is that tree: should the text be shaped unexpectedly, nested tables or
    text boxes, the pass runs on the tree and serialises it).
    """
    if _MARK not in xml:
        return xml
    try:
        return _fit_text(xml, p)
    except _Unexpected:
        return _fit_tree(root if root is not None else etree.fromstring(xml.encode("utf-8")), p)


def fit_lines(document_xml: bytes, p: RuleProfile) -> bytes:
    """document.xml with every rule line sized to its text, from bytes (parses; the old entry point)."""
    return fit_lines_in(None, document_xml.decode("utf-8"), p).encode("utf-8")


def fit_lines_tree(document_xml: bytes, p: RuleProfile) -> bytes:
    """The tree pass alone (reference for tests and the benchmark)."""
    return _fit_tree(etree.fromstring(document_xml), p).encode("utf-8")
