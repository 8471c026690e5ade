"""The layout pass edits the rendered text in place and agrees with the tree pass."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from conftest import SAMPLES, sample_ids
from congvan.profiles import load_profile
from congvan.records.loader import load_record
from congvan.render.context import build_context
from congvan.render.document import DOCUMENT, DocumentRenderer
from congvan.render.images import ImageSet
from congvan.render.layout import fit_lines_in, fit_lines_tree


def _c14n(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


@pytest.mark.parametrize("path", SAMPLES, ids=sample_ids())
def test_text_pass_equals_tree_pass(renderer: DocumentRenderer, path: Path) -> None:
    record = load_record(path)
    profile = load_profile(record.quy_tac)
    template = renderer.template(profile.loai_van_ban[record.loai].mau)
    xml, root = template.render_checked(DOCUMENT, build_context(record, profile, ImageSet(), path.parent))
    spliced = fit_lines_in(root, xml, profile).encode("utf-8")
    assert b"<w:ind " in spliced
    assert _c14n(spliced) == _c14n(fit_lines_tree(xml.encode("utf-8"), profile))


def test_unexpected_shapes_fall_back_to_the_tree() -> None:
    """A rule line inside a nested table: the text pass steps aside, the tree pass sizes it."""
    profile = load_profile("nd30")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    cell = (
        '<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>'
        '<w:p><w:pPr><w:pStyle w:val="CVCoQuan"/></w:pPr><w:r><w:t>ỦY BAN NHÂN DÂN</w:t></w:r></w:p>'
        '<w:p><w:pPr><w:pStyle w:val="CVDuongKeCoQuan"/></w:pPr></w:p></w:tc>'
    )
    inner = f"<w:tbl><w:tr>{cell}</w:tr></w:tbl>"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{w}"><w:body>'
        f'<w:tbl><w:tr><w:tc><w:tcPr><w:tcW w:w="5000" w:type="dxa"/></w:tcPr>{inner}<w:p/></w:tc></w:tr></w:tbl>'
        "</w:body></w:document>"
    )
    out = fit_lines_in(etree.fromstring(xml.encode()), xml, profile).encode()
    assert _c14n(out) == _c14n(fit_lines_tree(xml.encode(), profile))
    assert b"w:left=" in out


@pytest.mark.parametrize("style", ["CVTrichYeu", "CVCoQuan"])
def test_line_under_a_broken_paragraph_is_sized_on_its_longest_line(style: str) -> None:
    """A balanced trích yếu or header name is one paragraph with w:br: 40 % of its longest line, both passes."""
    from congvan.render.metrics import text_width_mm
    from congvan.render.ooxml import twips

    profile = load_profile("nd30")
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    first, second = "Về việc giao chỉ tiêu xây dựng mô hình", "năm 2027"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{w}"><w:body>'
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{first} </w:t></w:r>'
        f"<w:r><w:br/></w:r><w:r><w:t>{second}</w:t></w:r></w:p>"
        f'<w:p><w:pPr><w:pStyle w:val="CVDuongKe{style[2:]}"/><w:jc w:val="center"/></w:pPr></w:p>'
        "</w:body></w:document>"
    )
    size = profile.co_chu.trich_yeu if style == "CVTrichYeu" else profile.co_chu.co_quan
    share = profile.duong_ke.trich_yeu if style == "CVTrichYeu" else profile.duong_ke.co_quan
    container = profile.trang.rong_chu_mm
    want = twips((container - text_width_mm(first, size, bold=True) * share) / 2)
    unbroken = twips((container - text_width_mm(f"{first} {second}", size, bold=True) * share) / 2)
    assert want != unbroken
    for out in (fit_lines_in(None, xml, profile).encode(), fit_lines_tree(xml.encode(), profile)):
        assert f'w:left="{want}"'.encode() in out, out


def test_a_long_word_group_splits_rather_than_leave_a_word_alone() -> None:
    """ "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH YÊN BÁI" kept "GIÁO DỤC VÀ ĐÀO TẠO" whole and left "SỞ" on a line."""
    from congvan.render.context import balanced_lines

    nd = load_profile("nd30").ngat_dong
    keep, units = tuple(nd.khong_tach), tuple(nd.dia_gioi)
    lines = balanced_lines("SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH YÊN BÁI", 13, 57, keep=keep, units=units)
    assert len(lines) == 2 and all(len(x.split()) > 1 for x in lines), lines
    assert not any(x.endswith(("GIÁO", "ĐÀO", "YÊN")) for x in lines), lines
    # a whole group still wins when it leaves the lines even
    assert balanced_lines("ỦY BAN NHÂN DÂN TỈNH YÊN BÁI", 13, 57, keep=keep, units=units) == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH YÊN BÁI",
    ]


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ('Về việc thông qua Đề án xây dựng xã Tân Phú thành "Xã học tập" giai đoạn 2026 - 2030', "xã Tân Phú"),
        (
            "Về việc đề nghị tặng Bằng khen của Tổng Liên đoàn Lao động Việt Nam cho các tập thể, cá nhân "
            "có thành tích xuất sắc trong phong trào thi đua năm 2026",
            "Tổng Liên đoàn Lao động Việt Nam",
        ),
        ("Ban hành Quy chế quản lý Quỹ khuyến học của Liên đoàn Lao động tỉnh", "Quỹ khuyến học"),
    ],
)
def test_trich_yeu_keeps_names_and_words_whole(text: str, whole: str) -> None:
    """A trích yếu line never splits a proper name ("xã Tân / Phú") nor a listed word ("kiểm / tra")."""
    from congvan.render.context import _trich_yeu_texts

    lines, _ = _trich_yeu_texts(text, load_profile("nd30"))
    assert len(lines) >= 2, lines
    assert any(whole in x for x in lines), lines


def test_cong_van_trich_yeu_balanced_in_its_column() -> None:
    """V/v under the số ký hiệu: balanced lines of the left column, never "kiểm / tra" or "xóa mù / chữ"."""
    from congvan.render.context import trich_yeu_cong_van

    xml = trich_yeu_cong_van("chuẩn bị đề kiểm tra xóa mù chữ năm 2026", load_profile("nd30"))
    lines = [x.strip() for x in re.findall(r"<w:t[^>]*>([^<]*)</w:t>", str(xml))]
    assert lines == ["V/v chuẩn bị đề kiểm tra", "xóa mù chữ năm 2026"], lines


def test_header_lines_written_in_the_record_win() -> None:
    """A name written "A\\nB" keeps those lines (one paragraph each), even where balancing would differ."""
    from congvan.render.context import _name_lines

    p = load_profile("nd30")
    written = _name_lines("TỔNG LIÊN ĐOÀN LAO ĐỘNG\nVIỆT NAM", 13, 57, p)
    texts = [re.findall(r"<w:t[^>]*>([^<]*)</w:t>", str(x)) for x in written]
    assert texts == [["TỔNG LIÊN ĐOÀN LAO ĐỘNG"], ["VIỆT NAM"]]
    balanced = _name_lines("TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM", 13, 57, p)
    assert len(balanced) == 1 and "<w:br/>" in str(balanced[0])


def test_importer_reads_a_balanced_name_back_as_one_name(rendered) -> None:
    """A name the renderer broke with w:br comes back from `congvan nhap` as the record wrote it (no "\\n")."""
    from congvan.reading.docx import read_docx
    from congvan.reading.importer import import_docx

    record, data = rendered["bao-cao-ten-dai-vinh-long"]
    assert any(p.el.find(".//{*}br") is not None for p in read_docx(data).by_style("CVCoQuan"))
    imported = import_docx(data, load_profile("nd30")).data["co_quan_ban_hanh"]
    cq = record.co_quan_ban_hanh[0]
    assert [(x["ten"], x.get("co_quan_chu_quan")) for x in imported] == [(cq.ten, cq.co_quan_chu_quan)]
