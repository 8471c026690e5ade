"""A year's register printed in the Phụ lục IV form, read back from the files."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm
from openpyxl import load_workbook

from congvan.errors import CongvanError
from congvan.register import service
from congvan.register.db import database
from congvan.register.export import COT_PHU_LUC_IV, xuat
from register_fixtures import *  # noqa: F403 - fixtures sqlite_path
from register_fixtures import reserve, take

HEADERS = [
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
]


@pytest.fixture
def filled(sqlite_path: str) -> str:
    service.tao_so_dang_ky(sqlite_path, "LDLD", co_quan="LĐLĐ", ten_co_quan="Liên đoàn Lao động tỉnh Bến Tre")
    take(
        sqlite_path,
        so_dang_ky="LDLD",
        ten_loai="Kế hoạch",
        trich_yeu="Tổ chức Tháng Công nhân",
        nguoi_ky="Nguyễn Văn A",
        noi_nhan="Các CĐCS",
        so_ban=30,
        don_vi="VP",
    )
    take(sqlite_path, so_dang_ky="LDLD", ngay=date(2026, 3, 6), trich_yeu="Sai sót")
    service.huy_so(sqlite_path, "2", nam=2026, ly_do="Ký nhầm")
    take(sqlite_path, so_dang_ky="LDLD", ngay=date(2025, 12, 31), trich_yeu="Năm trước")
    return sqlite_path


def test_ten_columns_match_decree() -> None:
    assert list(COT_PHU_LUC_IV) == HEADERS


def test_xlsx_has_headers_and_rows(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "so.xlsx"
    assert xuat(filled, 2026, [out], so_dang_ky="LDLD").so_dong == 2
    ws = load_workbook(out).active
    rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    assert "2026" in rows[0][0]
    assert rows[1] == HEADERS
    assert rows[2] == [f"({i})" for i in range(1, 11)]
    assert rows[3] == [
        "01/KH-LĐLĐ-VP",
        "05/03/2026",
        "Kế hoạch Tổ chức Tháng Công nhân",
        "Nguyễn Văn A",
        "Các CĐCS",
        "VP",
        30,
        "",
        "",
        "",
    ]
    assert rows[4][0] == "02/KH-LĐLĐ" and rows[4][9] == "Đã hủy: Ký nhầm"  # void stays listed
    assert len(rows) == 5  # the 2025 row is in the 2025 book only


def test_docx_is_landscape_with_repeating_header(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "so.docx"
    xuat(filled, 2026, [out], so_dang_ky="LDLD")
    doc = Document(str(out))
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert abs(section.page_width - Cm(29.7)) < Cm(0.1)
    assert abs(section.page_height - Cm(21.0)) < Cm(0.1)
    assert "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE" in doc.paragraphs[0].text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == HEADERS
    for header_row in table.rows[:2]:
        assert header_row._tr.trPr.find(qn("w:tblHeader")) is not None
    assert table.rows[2]._tr.trPr.find(qn("w:tblHeader")) is None
    assert [c.text for c in table.rows[2].cells][:7] == [
        "01/KH-LĐLĐ-VP",
        "05/03/2026",
        "Kế hoạch Tổ chức Tháng Công nhân",
        "Nguyễn Văn A",
        "Các CĐCS",
        "VP",
        "30",
    ]
    assert table.rows[3].cells[9].text == "Đã hủy: Ký nhầm"
    fonts = {r.font.name for p in doc.paragraphs for r in p.runs if r.text.strip()}
    assert fonts == {"Times New Roman"}
    assert table.rows[2].cells[2].paragraphs[0].runs[0].font.name == "Times New Roman"


def test_unknown_format_and_ambiguous_register(filled: str, tmp_path: Path) -> None:
    with pytest.raises(CongvanError, match=r"chỉ hỗ trợ \.xlsx và \.docx"):
        xuat(filled, 2026, [tmp_path / "so.pdf"], so_dang_ky="LDLD")
    take(filled, mat=True)
    with pytest.raises(CongvanError, match="có nhiều sổ đăng ký"):
        xuat(filled, 2026, [tmp_path / "so.xlsx"], so_dang_ky=None)


FORMULAS = [
    '=HYPERLINK("http://example.invalid/x","Bấm")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
]


def test_user_text_is_never_a_formula(sqlite_path: str, tmp_path: Path) -> None:
    service.tao_so_dang_ky(sqlite_path, "LDLD", co_quan="LĐLĐ", ten="=1+1")
    for f in FORMULAS:
        take(sqlite_path, so_dang_ky="LDLD", trich_yeu=f, nguoi_ky=f, noi_nhan=f)
    out = tmp_path / "so.xlsx"
    xuat(sqlite_path, 2026, [out, tmp_path / "so.docx"], so_dang_ky="LDLD")
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    ws = load_workbook(out).active
    for r, f in enumerate(FORMULAS, start=4):
        for c in (3, 4, 5):
            cell = ws.cell(row=r, column=c)
            assert cell.data_type == "s" and cell.quotePrefix, (r, c, cell.value)
        assert (ws.cell(row=r, column=3).value, ws.cell(row=r, column=4).value) == (f, f)
    assert [c.text for c in Document(str(tmp_path / "so.docx")).tables[0].rows[2].cells][3] == (FORMULAS[0])


def test_control_characters_refused_with_field(sqlite_path: str) -> None:
    with pytest.raises(CongvanError, match=r"trường 'trich_yeu'.*U\+0007"):
        take(sqlite_path, trich_yeu="Chuông\x07")
    with pytest.raises(CongvanError, match=r"trường 'nguoi_ky'.*U\+001B"):
        take(sqlite_path, nguoi_ky="A\x1b[31m")
    held = reserve(sqlite_path)
    with pytest.raises(CongvanError, match=r"trường 'noi_nhan'.*U\+FFFF"):
        service.xac_nhan(sqlite_path, held.so_ky_hieu, nam=2026, trich_yeu="x", noi_nhan="\uffff")
    with pytest.raises(CongvanError, match=r"trường 'ly_do'"):
        service.huy_so(sqlite_path, held.so_ky_hieu, nam=2026, ly_do="\x00")
    assert [(r.so, r.trang_thai) for r in service.danh_sach(sqlite_path, 2026)] == [(1, "giu")]


def test_export_survives_rows_stored_before_the_rule(filled: str, tmp_path: Path) -> None:
    with database(filled).write() as tx:
        tx.execute("UPDATE so_van_ban SET trich_yeu = 'Cũ' || char(7) || 'x' WHERE so = 1")
    result = xuat(filled, 2026, [tmp_path / "so.xlsx", tmp_path / "so.docx"], so_dang_ky="LDLD")
    assert result.so_dong == 2 and len(result.canh_bao) == 1 and "01/KH-LĐLĐ-VP" in result.canh_bao[0]
    assert load_workbook(tmp_path / "so.xlsx").active["C4"].value == "Kế hoạch Cũ[U+0007]x"
    cell = Document(str(tmp_path / "so.docx")).tables[0].rows[2].cells[2]
    assert cell.text == "Kế hoạch Cũ[U+0007]x"
