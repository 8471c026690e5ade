"""Bordered tables of the body and of appendices (NĐ30 Phụ lục I §III.1, practice).

Header rows (with merged cells) repeat on every page; STT is centred and wide enough
for five digits; columns of figures are right-aligned and written with Vietnamese
grouping ("1.250.000"); total rows carry no STT. Column widths are the record's, or
computed from the content with Times New Roman metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from congvan.profiles import RuleProfile
from congvan.records.models import Bang, HangBang, OBang
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import ALL_BORDERS, CELL_MARGIN_TW, cell, para, row, run, table, twips

_JC = {"trai": "left", "giua": "center", "phai": "right", "deu": "both"}
_MARGIN_MM = 2 * CELL_MARGIN_TW * 25.4 / 1440 + 0.5


def so_viet(value: float) -> str:
    """A figure with Vietnamese grouping: 1250000 -> "1.250.000", 2.5 -> "2,5"."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    whole, frac = f"{value:,.2f}".rstrip("0").split(".")
    return whole.replace(",", ".") + ("," + frac if frac else "")


def _is_figure(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    text = str(value).strip().replace(".", "").replace(",", "").lstrip("-")
    return bool(text) and text.isdigit()


def _text(value: object, group: bool) -> str:
    if value is None:
        return ""
    if group and isinstance(value, int | float) and not isinstance(value, bool):
        return so_viet(value)
    return str(value)


@dataclass(frozen=True)
class _Cell:
    text: str
    span: int = 1
    vmerge: str | None = None  # "restart" | "continue"


def _header_grid(bang: Bang) -> list[list[_Cell]]:
    """Header rows: the record's grouped rows above ``cot``; STT spans them all."""
    extra = bang.tieu_de_nhom or []
    n_rows = len(extra) + 1
    n_cols = len(bang.cot)
    taken: dict[tuple[int, int], str] = {}  # (row, col) -> "continue" marker under a vertical merge
    rows: list[list[_Cell]] = []
    for r, spec in enumerate(extra):
        out: list[_Cell] = []
        col = 0
        for item in spec:
            while (r, col) in taken:
                out.append(_Cell("", 1, "continue"))
                col += 1
            ob = item if isinstance(item, OBang) else OBang(chu=item)
            tall = min(ob.gop_hang, n_rows - r)
            out.append(_Cell(_text(ob.chu, False), ob.gop_cot, "restart" if tall > 1 else None))
            for dr in range(1, tall):
                for dc in range(ob.gop_cot):
                    taken[(r + dr, col + dc)] = "continue"
            col += ob.gop_cot
        while col < n_cols:
            if (r, col) in taken:
                out.append(_Cell("", 1, "continue"))
            col += 1
        rows.append(out)
    last = [_Cell("", 1, "continue") if (n_rows - 1, c) in taken else _Cell(name) for c, name in enumerate(bang.cot)]
    rows.append(last)
    if bang.so_thu_tu:
        rows[0].insert(0, _Cell("STT", 1, "restart" if n_rows > 1 else None))
        for r in rows[1:]:
            r.insert(0, _Cell("", 1, "continue"))
    return rows


def _data_rows(bang: Bang) -> list[tuple[list[str], bool, str | None]]:
    out = []
    for values in bang.hang:
        if isinstance(values, HangBang):
            out.append(([_text(v, bang.dinh_dang_so) for v in values.o], values.tong, values.nhan))
        else:
            out.append(([_text(v, bang.dinh_dang_so) for v in values], False, None))
    return out


def _alignments(bang: Bang) -> list[str]:
    """Per data column: the record's choice, else right for figures, left for text."""
    if bang.can_le:
        return [_JC[a] for a in bang.can_le]
    out = []
    for c in range(len(bang.cot)):
        values = [
            (r.o if isinstance(r, HangBang) else r)[c] for r in bang.hang if (r.o if isinstance(r, HangBang) else r)[c]
        ]
        out.append("right" if values and all(_is_figure(v) for v in values) else "left")
    return out


def _longest_word_mm(text: str, size: float, bold: bool) -> float:
    return max((text_width_mm(w, size, bold=bold) for w in text.split()), default=0.0)


def column_widths(bang: Bang, p: RuleProfile, total_mm: float) -> list[int]:
    """Twips per grid column: the record's weights, or from content (STT fixed for 5 digits)."""
    size = p.co_chu.bang
    stt_mm = max(text_width_mm("99999", size), text_width_mm("STT", size, bold=True)) + _MARGIN_MM
    if bang.do_rong:
        weights = list(bang.do_rong)
        scale = total_mm / sum(weights)
        return [twips(w * scale) for w in weights]
    rows = _data_rows(bang)
    need, natural = [], []
    for c, name in enumerate(bang.cot):
        texts = [r[0][c] for r in rows]
        need.append(max([_longest_word_mm(name, size, True)] + [_longest_word_mm(t, size, False) for t in texts]))
        natural.append(
            max([text_width_mm(name, size, bold=True)] + [text_width_mm(t, size) for t in texts]) + _MARGIN_MM
        )
    room = total_mm - (stt_mm if bang.so_thu_tu else 0)
    figures = [a == "right" for a in _alignments(bang)]
    if sum(natural) <= room:
        widths = [n * room / sum(natural) for n in natural]
    else:
        # Figures keep their natural width (they must not wrap); text columns share the rest.
        fixed = sum(n for n, f in zip(natural, figures, strict=True) if f)
        text_natural = sum(n for n, f in zip(natural, figures, strict=True) if not f) or 1.0
        rest = max(room - fixed, 0)
        widths = [
            n if f else max(need[i] + _MARGIN_MM, n * rest / text_natural)
            for i, (n, f) in enumerate(zip(natural, figures, strict=True))
        ]
        scale = room / sum(widths)
        widths = [w * scale for w in widths]
    mm = ([stt_mm] if bang.so_thu_tu else []) + widths
    return [twips(w) for w in mm]


def _cell_xml(
    width: int, text: str, style: str, jc: str, *, span: int = 1, vmerge: str | None = None, bold: bool = False
) -> str:
    rpr = "<w:b/><w:bCs/>" if bold else ""
    body = para(style, run(text, rpr) if text else "", f'<w:jc w:val="{jc}"/>')
    return cell(width, body, span=span, vmerge=vmerge, vcenter=True)


def bang_xml(bang: Bang, p: RuleProfile, total_mm: float | None = None) -> Markup:
    """The table as WordprocessingML, ready for a ``{{p }}`` tag."""
    widths = column_widths(bang, p, total_mm or p.trang.rong_chu_mm)
    out = ""
    for cells in _header_grid(bang):
        xml, col = "", 0
        for c in cells:
            w = sum(widths[col : col + c.span])
            xml += _cell_xml(w, c.text, "CVBangTieuDe", "center", span=c.span, vmerge=c.vmerge)
            col += c.span
        out += row(xml, header=True, cant_split=True)
    align = _alignments(bang)
    stt = 0
    offset = int(bang.so_thu_tu)
    for texts, tong, nhan in _data_rows(bang):
        xml = ""
        if bang.so_thu_tu:
            if tong and nhan:
                xml += _cell_xml(widths[0] + widths[1], nhan, "CVBang", "center", span=2, bold=True)
                texts = texts[1:]
                start = 1
            else:
                if not tong:
                    stt += 1
                xml += _cell_xml(widths[0], "" if tong else str(stt), "CVBang", "center")
                start = 0
        else:
            start = 0
            if tong and nhan:
                texts = [nhan, *texts[1:]]
        for i, text in enumerate(texts, start=start):
            xml += _cell_xml(widths[i + offset], text, "CVBang", align[i], bold=tong)
        out += row(xml, cant_split=True)
    return Markup(table(widths, out, borders=ALL_BORDERS))
