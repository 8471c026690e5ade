"""Print a register year in the Phụ lục IV form (NĐ 30/2020): XLSX and DOCX.

The ten columns are fixed by the decree. A voided number keeps its line (the
register must show it) with "Đã hủy: <lý do>" in Ghi chú; a reserved one says
"Đang giữ số". The DOCX is landscape A4 in Times New Roman with the header rows
repeated on every page, ready to print and bind; both files are written
atomically.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from congvan.errors import CongvanError
from congvan.fileio import write_bytes_atomic
from congvan.register import schema as t
from congvan.register.service import DongSo, SoDangKy, chon_so_dang_ky, danh_sach
from congvan.vi.ky_tu import KY_TU_CAM

COT_PHU_LUC_IV: tuple[str, ...] = (
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
# Relative widths (cm on landscape A4 with 1.5 cm margins: 26.7 cm usable).
_DO_RONG_CM = (3.0, 2.3, 5.8, 2.5, 3.2, 2.6, 1.4, 2.1, 1.8, 2.0)
_DO_RONG_XLSX = (16, 12, 50, 20, 28, 20, 9, 12, 12, 24)
FONT = "Times New Roman"


def o_chu(value: str, canh_bao: list[str], where: str) -> str:
    """Text safe for XML: a row stored before control characters were refused shows
    each one visibly as ``[U+0007]`` (with a warning naming the row) instead of
    breaking the whole year's export."""
    if not KY_TU_CAM.search(value):
        return value
    canh_bao.append(f"{where}: có ký tự điều khiển, đã in thành [U+....] trong sổ")
    return KY_TU_CAM.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)


def _ngay(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def ghi_chu(dong: DongSo) -> str:
    """Ghi chú column: the state first (void/reserved), then any free note."""
    parts = []
    if dong.trang_thai == t.TRANG_THAI_HUY:
        parts.append(f"Đã hủy: {dong.ly_do_huy}")
    elif dong.trang_thai == t.TRANG_THAI_GIU:
        parts.append("Đang giữ số")
    if dong.ghi_chu:
        parts.append(dong.ghi_chu)
    return "; ".join(parts)


def cac_o(dong: DongSo) -> list[str | int]:
    """The ten Phụ lục IV cells of one row."""
    ten_va_trich_yeu = " ".join(p for p in (dong.ten_loai, dong.trich_yeu) if p)
    return [
        dong.so_ky_hieu,
        _ngay(dong.ngay),
        ten_va_trich_yeu,
        dong.nguoi_ky,
        dong.noi_nhan,
        dong.don_vi_luu,
        dong.so_ban if dong.so_ban is not None else "",
        _ngay(dong.ngay_chuyen),
        dong.ky_nhan,
        ghi_chu(dong),
    ]


# A text cell starting with one of these is a formula to Excel/LibreOffice when
# typed; written as a string cell with the quote prefix it stays inert even if
# someone edits it later.
_DAU_CONG_THUC = ("=", "+", "-", "@")


@dataclass(frozen=True)
class KetQuaXuat:
    """What an export wrote: the row count and a warning per repaired cell."""

    so_dong: int
    canh_bao: list[str]


def _sach(reg: SoDangKy, rows: Sequence[DongSo]) -> tuple[SoDangKy, list[DongSo], list[str]]:
    """Register and rows with every text field XML-safe (see :func:`o_chu`)."""
    canh_bao: list[str] = []
    text_fields = ("so_ky_hieu", "ten_loai", "trich_yeu", "nguoi_ky", "noi_nhan", "don_vi_luu",
                   "ky_nhan", "ghi_chu", "ly_do_huy")
    clean_rows = []
    for dong in rows:
        changes = {f: o_chu(getattr(dong, f), canh_bao, f"dòng {dong.so_ky_hieu}, trường '{f}'")
                   for f in text_fields}
        clean_rows.append(replace(dong, **changes))
    clean_reg = replace(reg, **{f: o_chu(getattr(reg, f), canh_bao, f"sổ {reg.ma}, trường '{f}'")
                                for f in ("ma", "ten", "ten_co_quan", "co_quan_viet_tat")})
    return clean_reg, clean_rows, canh_bao


def _tieu_de(reg: SoDangKy, nam: int) -> str:
    return f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {nam} — {reg.ten} ({reg.ma})"


def _load(db: str | None, nam: int, so_dang_ky: str | None) -> tuple[SoDangKy, list[DongSo]]:
    reg = chon_so_dang_ky(db, so_dang_ky)
    return reg, danh_sach(db, nam, so_dang_ky=reg.ma)


def xuat(
    db: str | None, nam: int, paths: Sequence[str | Path], *, so_dang_ky: str | None
) -> KetQuaXuat:
    """Write the year to each path (.xlsx or .docx by suffix)."""
    for p in paths:
        if Path(p).suffix.lower() not in (".xlsx", ".docx"):
            raise CongvanError(f"không biết xuất sang '{p}': chỉ hỗ trợ .xlsx và .docx")
    reg, rows = _load(db, nam, so_dang_ky)
    reg, rows, canh_bao = _sach(reg, rows)
    for p in paths:
        data = xlsx_bytes(reg, nam, rows) if str(p).lower().endswith(".xlsx") else docx_bytes(
            reg, nam, rows
        )
        write_bytes_atomic(p, data)
    return KetQuaXuat(len(rows), canh_bao)


def _o_xlsx(ws, row: int, column: int, value: str | int):  # type: ignore[no-untyped-def]
    """One cell; user text is always a string cell, never a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_DAU_CONG_THUC):
            cell.quotePrefix = True
    return cell


# --------------------------------------------------------------------------- XLSX


def xlsx_bytes(reg: SoDangKy, nam: int, rows: Sequence[DongSo]) -> bytes:
    """Row 1: title; row 2: the ten headers; row 3: (1)…(10); then one line per number."""
    wb = Workbook()
    ws = wb.active
    ws.title = f"Sổ đi {nam}"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    _o_xlsx(ws, 1, 1, _tieu_de(reg, nam))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COT_PHU_LUC_IV))
    ws["A1"].font = Font(name=FONT, bold=True, size=13)
    for c, title in enumerate(COT_PHU_LUC_IV, start=1):
        _o_xlsx(ws, 2, c, title)
        _o_xlsx(ws, 3, c, f"({c})")
    for r, dong in enumerate(rows, start=4):
        for c, value in enumerate(cac_o(dong), start=1):
            _o_xlsx(ws, r, c, value)
    for r_idx, row_cells in enumerate(ws.iter_rows(min_row=2), start=2):
        for cell in row_cells:
            cell.border = border
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center") \
                if r_idx <= 3 else wrap
            cell.font = Font(name=FONT, bold=r_idx == 2, size=12)
    for i, width in enumerate(_DO_RONG_XLSX, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    ws.print_title_rows = "2:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- DOCX


def _font(run, size: float, bold: bool = False) -> None:  # type: ignore[no-untyped-def]
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    # East-Asian/complex slots too, otherwise Word may pick another font for
    # some Vietnamese letters.
    rfonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:cs", "w:hAnsi", "w:ascii"):
        rfonts.set(qn(attr), FONT)


def _para(container, text: str, size: float, *, bold: bool = False,  # type: ignore[no-untyped-def]
          center: bool = True, space_after: float = 0):
    p = container.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(0)
    _font(p.add_run(text), size, bold)
    return p


def _mark_row(row, *, header: bool) -> None:  # type: ignore[no-untyped-def]
    tr_pr = row._tr.get_or_add_trPr()
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)
    if header:
        tbl_header = OxmlElement("w:tblHeader")  # repeat on every printed page
        tr_pr.append(tbl_header)


def _fill_cell(cell, text: str, size: float, *, bold: bool, center: bool) -> None:  # type: ignore[no-untyped-def]
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run(text), size, bold)


def _cover(doc, reg: SoDangKy, nam: int, rows: Sequence[DongSo]) -> None:  # type: ignore[no-untyped-def]
    numbers = [r.so for r in rows]
    dates = [r.ngay for r in rows]
    _para(doc, (reg.ten_co_quan or reg.co_quan_viet_tat).upper(), 14, bold=True, space_after=96)
    _para(doc, "SỔ ĐĂNG KÝ VĂN BẢN ĐI", 24, bold=True, space_after=12)
    _para(doc, reg.ten, 14, space_after=12)
    _para(doc, f"Năm: {nam}", 14, bold=True, space_after=12)
    if rows:
        _para(doc, f"Từ ngày {_ngay(min(dates))} đến ngày {_ngay(max(dates))}", 14)
        _para(doc, f"Từ số {min(numbers):02d} đến số {max(numbers):02d}", 14)
    _para(doc, "Quyển số: ……", 14)
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def docx_bytes(reg: SoDangKy, nam: int, rows: Sequence[DongSo]) -> bytes:
    """A cover page, then the ten-column table (header rows repeat on each page)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    _cover(doc, reg, nam, rows)
    _para(doc, f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {nam}", 14, bold=True, space_after=6)
    table = doc.add_table(rows=2, cols=len(COT_PHU_LUC_IV))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, title in enumerate(COT_PHU_LUC_IV):
        _fill_cell(table.rows[0].cells[i], title, 11, bold=True, center=True)
        _fill_cell(table.rows[1].cells[i], f"({i + 1})", 10, bold=False, center=True)
    _mark_row(table.rows[0], header=True)
    _mark_row(table.rows[1], header=True)
    for dong in rows:
        row = table.add_row()
        _mark_row(row, header=False)
        for i, value in enumerate(cac_o(dong)):
            _fill_cell(row.cells[i], str(value), 11, bold=False, center=i in (0, 1, 6, 7))
    # Both the grid (LibreOffice reads it) and each cell (Word reads those).
    for column, width in zip(table.columns, _DO_RONG_CM, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, _DO_RONG_CM, strict=True):
            cell.width = Cm(width)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
