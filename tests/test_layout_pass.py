"""The layout pass edits the rendered text in place and agrees with the tree pass."""

from __future__ import annotations

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
