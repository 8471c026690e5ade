"""Effective formatting read as Word computes it, on hand-made WordprocessingML."""

# ruff: noqa: E501

from __future__ import annotations

import io
import zipfile

import pytest

from congvan.reading.docx import DocxUnreadable, read_docx

W = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"'
)

STYLES = f"""<w:styles {W}>
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi"/>
<w:sz w:val="24"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Base"><w:name w:val="Base"/><w:basedOn w:val="Normal"/>
<w:pPr><w:jc w:val="center"/><w:ind w:left="567"/></w:pPr><w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Child"><w:name w:val="Child"/><w:basedOn w:val="Base"/>
<w:pPr><w:ind w:firstLine="567"/></w:pPr><w:rPr><w:sz w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="List"><w:name w:val="List"/><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>
<w:style w:type="character" w:styleId="Strong"><w:name w:val="Strong"/><w:rPr><w:b/><w:i/></w:rPr></w:style>
<w:style w:type="table" w:styleId="Grid"><w:name w:val="Grid"/><w:rPr><w:sz w:val="22"/></w:rPr>
<w:tblPr><w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>"""

THEME = """<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:themeElements><a:fontScheme>
<a:majorFont><a:latin typeface="Cambria"/></a:majorFont><a:minorFont><a:latin typeface="Times New Roman"/></a:minorFont>
</a:fontScheme></a:themeElements></a:theme>"""

NUMBERING = f"""<w:numbering {W}><w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="upperRoman"/><w:lvlText w:val="%1."/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%2."/></w:lvl>
<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>
</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"""


def _p(text: str, ppr: str = "", rpr: str = "") -> str:
    return f'<w:p><w:pPr>{ppr}</w:pPr><w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def _lvl(ilvl: int, text: str) -> str:
    return _p(text, f'<w:pStyle w:val="List"/><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr>')


TEXTBOX = (
    '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
    "<wps:wsp><wps:txbx><w:txbxContent>" + _p("Trong khung") + "</w:txbxContent></wps:txbx></wps:wsp>"
    '<wps:wsp><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1800000" cy="0"/></a:xfrm>'
    '<a:prstGeom prst="line"/></wps:spPr></wps:wsp>'
    "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    "<mc:Fallback><w:pict><w:txbxContent>" + _p("Trong khung") + "</w:txbxContent></w:pict></mc:Fallback>"
    "</mc:AlternateContent></w:r></w:p>"
)

NESTED = (
    '<w:tbl><w:tblPr><w:tblStyle w:val="Grid"/></w:tblPr><w:tblGrid><w:gridCol w:w="2835"/><w:gridCol w:w="2835"/></w:tblGrid>'
    '<w:tr><w:tc><w:tcPr><w:tcW w:w="2835" w:type="dxa"/></w:tcPr>' + _p("Ô ngoài") + "</w:tc>"
    '<w:tc><w:tcPr><w:tcW w:w="2835" w:type="dxa"/></w:tcPr>'
    '<w:tbl><w:tblGrid><w:gridCol w:w="1000"/></w:tblGrid><w:tr><w:tc>'
    + _p("Ô trong")
    + "</w:tc></w:tr></w:tbl>"
    + _p("")
    + "</w:tc></w:tr></w:tbl>"
)

SECT1 = (
    '<w:sectPr><w:headerReference w:type="default" r:id="rIdH1"/><w:pgSz w:w="11906" w:h="16838"/>'
    '<w:pgMar w:top="1134" w:bottom="1134" w:left="1701" w:right="850" w:header="567" w:footer="567"/></w:sectPr>'
)
SECT2 = (
    '<w:sectPr><w:headerReference w:type="first" r:id="rIdH2"/><w:pgSz w:w="16838" w:h="11906"/>'
    '<w:pgMar w:top="1418" w:bottom="1134" w:left="1985" w:right="1134"/><w:titlePg/></w:sectPr>'
)


def _body() -> str:
    return (
        _p("Mặc định")
        + _p("Con", '<w:pStyle w:val="Child"/>')
        + '<w:p><w:pPr><w:pStyle w:val="Base"/></w:pPr><w:r><w:rPr><w:rStyle w:val="Strong"/></w:rPr><w:t>Đảo</w:t></w:r>'
        + '<w:r><w:rPr><w:b w:val="0"/><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/></w:rPr><w:t>Thẳng</w:t></w:r></w:p>'
        + _lvl(0, "Phần một")
        + _lvl(1, "Khoản một")
        + _lvl(2, "Điểm a")
        + _lvl(2, "Điểm b")
        + _lvl(1, "Khoản hai")
        + _lvl(0, "Phần hai")
        + _lvl(1, "Khoản lại một")
        + NESTED
        + TEXTBOX
        + f"<w:p><w:pPr>{SECT1}</w:pPr></w:p>"
        + _p("Mục hai")
        + SECT2
    )


def _docx(body: str) -> bytes:
    rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        '<Relationship Id="rIdT" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme" Target="theme/theme1.xml"/>'
        '<Relationship Id="rIdN" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>'
        '<Relationship Id="rIdH1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
        '<Relationship Id="rIdH2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header2.xml"/>'
        "</Relationships>"
    )
    page = '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r></w:p>'
    parts = {
        "word/document.xml": f"<w:document {W}><w:body>{body}</w:body></w:document>",
        "word/styles.xml": STYLES,
        "word/theme/theme1.xml": THEME,
        "word/numbering.xml": NUMBERING,
        "word/_rels/document.xml.rels": rels,
        "word/header1.xml": f"<w:hdr {W}>{page}</w:hdr>",
        "word/header2.xml": f"<w:hdr {W}>{_p('Đầu trang mục hai')}</w:hdr>",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def doc():
    return read_docx(_docx(_body()), name="tay.docx")


def _para(doc, text):
    return next(p for p in doc.paragraphs() if p.text == text)


def test_defaults_and_theme_font(doc):
    p = _para(doc, "Mặc định")
    assert p.sizes() == {12.0}
    assert p.runs[0].fonts == ("Times New Roman",)
    assert p.spacing_pt("after") == 8


def test_based_on_chain_merges_attributes(doc):
    p = _para(doc, "Con")
    assert p.sizes() == {14.0} and p.all_bold() and p.jc == "center"
    assert round(p.ind_mm("left")) == 10 and round(p.ind_mm("firstLine")) == 10


def test_character_style_toggles_against_paragraph_style(doc):
    p = _para(doc, "ĐảoThẳng")
    dao, thang = p.runs
    assert (dao.bold, dao.italic) == (False, True)  # Base bold XOR Strong bold
    assert thang.bold is False and thang.fonts == ("Arial",)


def test_numbering_labels_reset_deeper_levels(doc):
    labels = [(p.label, p.text) for p in doc.paragraphs() if p.style_id == "List"]
    assert labels == [
        ("I.", "Phần một"),
        ("1.", "Khoản một"),
        ("a)", "Điểm a"),
        ("b)", "Điểm b"),
        ("2.", "Khoản hai"),
        ("II.", "Phần hai"),
        ("1.", "Khoản lại một"),
    ]
    assert _para(doc, "Khoản một").shown == "1. Khoản một"


def test_table_style_and_nested_table(doc):
    outer = _para(doc, "Ô ngoài")
    inner = _para(doc, "Ô trong")
    assert outer.sizes() == {11.0} and round(outer.width_mm) == 50  # no cell margins in Grid
    assert inner.where == "bảng 1, hàng 1, ô 2, bảng 2, hàng 1, ô 1, đoạn 1"
    assert inner.sizes() == {12.0}  # the nested table has no style of its own


def test_text_box_once_and_lines(doc):
    boxes = [p for p in doc.paragraphs() if p.text == "Trong khung"]
    assert len(boxes) == 1 and boxes[0].container == "khung"
    holder = next(p for p in doc.paragraphs() if p.shapes)
    assert round(holder.shapes[0].width_mm) == 50


def test_sections_headers_and_margins(doc):
    first, second = doc.sections
    assert round(first.margins_mm["left"]) == 30 and round(first.page_w_mm) == 210
    assert round(second.page_w_mm) == 297 and second.title_page
    assert first.first_page_parts()[0][0].fields == ["PAGE"]
    assert second.headers["first"][0].text == "Đầu trang mục hai"
    assert second.headers["default"] is first.headers["default"]  # inherited
    assert _para(doc, "Mục hai").section == 1


@pytest.mark.parametrize(
    "data, words",
    [
        (b"not a zip at all", "không phải gói ZIP"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 60, ".doc cũ"),
        (b"", "không phải gói ZIP"),
    ],
)
def test_unreadable_input_is_a_vietnamese_error(data, words):
    with pytest.raises(DocxUnreadable) as err:
        read_docx(data, name="hong.docx")
    assert words in str(err.value) and "hong.docx" in str(err.value)


def test_zip_without_document_and_broken_xml():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "x")
    with pytest.raises(DocxUnreadable, match=r"word/document\.xml"):
        read_docx(buf.getvalue(), name="a.docx")
    broken = _docx(_body()).replace(b"", b"")
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(broken)) as src, zipfile.ZipFile(buf, "w") as dst:
        for item in src.namelist():
            data = src.read(item)
            dst.writestr(item, data[:-20] if item == "word/document.xml" else data)
    with pytest.raises(DocxUnreadable, match="bị hỏng"):
        read_docx(buf.getvalue(), name="b.docx")


def test_queries_by_ooxml_name_read_the_resolved_properties(doc):
    """The tests of the renderer read rendered DOCX through these queries (one reader for both)."""
    child = _para(doc, "Con")
    assert child.style == "Child" and child in doc.by_style("Child")
    assert child.ppr("w:jc", "val") == "center"
    assert child.ppr("w:ind", "firstLine") == child.props["ind_firstLine"]  # inherited from the base style
    assert child.run_values("b") == {True} and child.size_pt() == {14.0}
    plain = _para(doc, "Mặc định")
    assert plain.style is None and plain.rpr(plain.runs[0], "rFonts", "ascii") == "Times New Roman"  # theme font
    assert "Mặc định" in doc.texts() and doc.section_props() and doc.part("word/styles.xml").startswith(b"<w:styles")
    with pytest.raises(KeyError):
        child.ppr("w:framePr", "w")
