"""A year's register printed in the Phụ lục IV form, read back from the files."""

from __future__ import annotations

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
from congvan.register.export import COT_PHU_LUC_IV, xuat
from register_fixtures import *  # noqa: F403 - fixtures sqlite_path
from register_fixtures import take

HEADERS = [
    "Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung văn bản",
    "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu", "Số lượng bản",
    "Ngày chuyển", "Ký nhận", "Ghi chú",
]


@pytest.fixture
def filled(sqlite_path: str) -> str:
    service.tao_so_dang_ky(sqlite_path, "LDLD", co_quan="LĐLĐ",
                           ten_co_quan="Liên đoàn Lao động tỉnh Bến Tre")
    take(sqlite_path, so_dang_ky="LDLD", ten_loai="Kế hoạch", trich_yeu="Tổ chức Tháng Công nhân",
         nguoi_ky="Nguyễn Văn A", noi_nhan="Các CĐCS", so_ban=30, don_vi="VP")
    take(sqlite_path, so_dang_ky="LDLD", ngay=date(2026, 3, 6), trich_yeu="Sai sót")
    service.huy_so(sqlite_path, "2", nam=2026, ly_do="Ký nhầm")
    take(sqlite_path, so_dang_ky="LDLD", ngay=date(2025, 12, 31), trich_yeu="Năm trước")
    return sqlite_path


def test_ten_columns_match_decree() -> None:
    assert list(COT_PHU_LUC_IV) == HEADERS


def test_xlsx_has_headers_and_rows(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "so.xlsx"
    assert xuat(filled, 2026, [out], so_dang_ky="LDLD") == 2
    ws = load_workbook(out).active
    rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
    assert "2026" in rows[0][0]
    assert rows[1] == HEADERS
    assert rows[2] == [f"({i})" for i in range(1, 11)]
    assert rows[3] == ["01/KH-LĐLĐ-VP", "05/03/2026", "Kế hoạch Tổ chức Tháng Công nhân",
                       "Nguyễn Văn A", "Các CĐCS", "VP", 30, "", "", ""]
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
        "01/KH-LĐLĐ-VP", "05/03/2026", "Kế hoạch Tổ chức Tháng Công nhân", "Nguyễn Văn A",
        "Các CĐCS", "VP", "30",
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
