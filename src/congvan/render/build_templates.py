"""Build the administrative-document templates (templates/*.docx) from a rule profile.

The templates are ordinary, slim DOCX files a secretary can open and edit in Word:
their styles (``CV ...``) carry every size, alignment and spacing, computed here
from the profile, and their text carries docxtpl tags. Re-run after changing a
profile: ``python -m congvan.render.build_templates``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from congvan.fileio import write_bytes_atomic
from congvan.profiles import RuleProfile, load_profile
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import (
    ROOT_NS,
    XML_DECL,
    cell,
    esc,
    esc_attr,
    half_points,
    para,
    row,
    run,
    table,
    tag_para,
    tag_row,
    twips,
)
from congvan.render.package import PackageWriter

TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "templates"

# Body paragraph kinds (the view model's ``kieu``) and the style each one uses.
BODY_KINDS = {
    "than": "CVThan",
    "phan": "CVPhan",
    "khoan_td": "CVKhoanTieuDe",
    "khoan": "CVKhoan",
    "diem": "CVDiem",
    "gach": "CVGach",
    "cong": "CVCong",
    "chuong": "CVChuong",
    "chuong_ten": "CVChuongTen",
    "muc": "CVMuc",
    "muc_ten": "CVMucTen",
    "dieu": "CVDieu",
    "giua": "CVThanGiua",
}
LINE_STYLES = {
    "CVDuongKeCoQuan": "CV Đường kẻ cơ quan",
    "CVDuongKeTieuNgu": "CV Đường kẻ tiêu ngữ",
    "CVDuongKeQuocHieu": "CV Đường kẻ tiêu đề",
    "CVDuongKeTrichYeu": "CV Đường kẻ trích yếu",
    "CVDuongKe": "CV Đường kẻ ngắn",
    "CVDuongKeBanSao": "CV Đường kẻ bản sao",
    "CVDuongKeLienHe": "CV Đường kẻ địa chỉ (ô 13)",
}


# ---------------------------------------------------------------- styles


def _ppr(
    *,
    jc: str | None = None,
    before: float = 0,
    after: float = 0,
    line: float | None = None,
    first_line_cm: float | None = None,
    left_mm: float | None = None,
    hanging_mm: float | None = None,
    keep_next: bool = False,
    bottom_border_pt: float | None = None,
) -> str:
    out = "<w:pPr>"
    if keep_next:
        out += "<w:keepNext/>"
    if bottom_border_pt:
        out += (
            f'<w:pBdr><w:bottom w:val="single" w:sz="{round(bottom_border_pt * 8)}" '
            'w:space="1" w:color="000000"/></w:pBdr>'
        )
    spacing = f'<w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}"'
    spacing += f' w:line="{round(line * 240)}" w:lineRule="auto"/>' if line else "/>"
    out += spacing
    ind = ""
    if left_mm is not None:
        ind += f' w:left="{twips(left_mm)}"'
    if first_line_cm is not None:
        ind += f' w:firstLine="{twips(first_line_cm * 10)}"'
    if hanging_mm is not None:
        ind += f' w:left="{twips(hanging_mm)}" w:hanging="{twips(hanging_mm)}"'
    if ind:
        out += f"<w:ind{ind}/>"
    if jc:
        out += f'<w:jc w:val="{jc}"/>'
    return out + "</w:pPr>"


def _framed_ppr(*, before: float = 0, after: float = 0) -> str:
    """A paragraph in a single-line frame (its width is set per document by indents)."""
    sides = "".join(
        f'<w:{s} w:val="single" w:sz="6" w:space="1" w:color="auto"/>' for s in ("top", "left", "bottom", "right")
    )
    return (
        f'<w:pPr><w:pBdr>{sides}</w:pBdr><w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}"/>'
        '<w:jc w:val="center"/></w:pPr>'
    )


def _rpr(*, size: float | None = None, bold: bool = False, italic: bool = False, underline: bool = False) -> str:
    out = "<w:rPr>"
    out += "<w:b/><w:bCs/>" if bold else ""
    out += "<w:i/><w:iCs/>" if italic else ""
    out += '<w:u w:val="single"/>' if underline else ""
    if size:
        out += f'<w:sz w:val="{half_points(size)}"/><w:szCs w:val="{half_points(size)}"/>'
    return out + "</w:rPr>"


def _style(style_id: str, name: str, ppr: str, rpr: str, based: str = "Normal") -> str:
    return (
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{esc_attr(name)}"/><w:basedOn w:val="{based}"/><w:qFormat/>{ppr}{rpr}</w:style>'
    )


def styles_xml(p: RuleProfile) -> str:
    """styles.xml: document defaults (font, size, colour, language) and the CV styles."""
    c = p.co_chu
    d = p.doan_van
    o = p.o_phu
    k = p.kieu_chu
    font = esc_attr(p.phong_chu.ten)
    body = {
        "jc": "both",
        "before": d.cach_truoc_pt,
        "after": d.cach_sau_pt,
        "line": d.gian_dong,
        "first_line_cm": d.thut_dau_dong_cm,
    }
    center0: dict = {"jc": "center"}
    styles = [
        ("CVCoQuanChuQuan", "CV Cơ quan chủ quản", _ppr(**center0), _rpr(size=c.co_quan_chu_quan)),
        ("CVCoQuan", "CV Cơ quan ban hành", _ppr(**center0), _rpr(size=c.co_quan, bold=True)),
        ("CVQuocHieu", "CV Quốc hiệu", _ppr(**center0), _rpr(size=c.quoc_hieu, bold=True)),
        ("CVTieuNgu", "CV Tiêu ngữ", _ppr(**center0), _rpr(size=c.tieu_ngu, bold=True)),
        ("CVSo", "CV Số ký hiệu", _ppr(jc="center", before=6), _rpr(size=c.so_ky_hieu)),
        ("CVDiaDanhNgay", "CV Địa danh ngày", _ppr(jc="center", before=6), _rpr(size=c.dia_danh_ngay, italic=True)),
        ("CVTrichYeuCV", "CV Trích yếu công văn", _ppr(jc="center", before=6), _rpr(size=c.trich_yeu_cong_van, italic=k.trich_yeu_cong_van_nghieng)),
        ("CVTenLoai", "CV Tên loại", _ppr(jc="center", before=18, keep_next=True), _rpr(size=c.ten_loai, bold=True)),
        ("CVTrichYeu", "CV Trích yếu", _ppr(jc="center", keep_next=True), _rpr(size=c.trich_yeu, bold=True)),
        (
            "CVThamQuyen",
            "CV Thẩm quyền ban hành",
            _ppr(jc="center", before=12, after=6, keep_next=True),
            _rpr(size=c.tham_quyen, bold=True),
        ),
        ("CVCanCu", "CV Căn cứ", _ppr(**body), _rpr(size=c.than, italic=True)),
        (
            "CVQuyetDinhNhan",
            "CV Quyết định nhãn",
            _ppr(jc="center", before=12, after=6, keep_next=True),
            _rpr(size=c.than, bold=True),
        ),
        ("CVKinhGui", "CV Kính gửi", _ppr(before=12, after=6, left_mm=35), _rpr(size=c.kinh_gui)),
        ("CVKinhGuiMuc", "CV Kính gửi mục", _ppr(left_mm=45), _rpr(size=c.kinh_gui)),
        ("CVDien", "CV Công điện người điện", _ppr(jc="center", before=12, after=6), _rpr(size=c.kinh_gui)),
        ("CVThan", "CV Thân", _ppr(**body), _rpr(size=c.than)),
        ("CVPhan", "CV Phần (I.)", _ppr(**body, keep_next=True), _rpr(size=c.than, bold=True)),
        ("CVKhoanTieuDe", "CV Khoản tiêu đề", _ppr(**body, keep_next=True), _rpr(size=c.than, bold=True)),
        ("CVKhoan", "CV Khoản", _ppr(**body), _rpr(size=c.than)),
        ("CVDiem", "CV Điểm", _ppr(**body), _rpr(size=c.than)),
        ("CVGach", "CV Gạch đầu dòng", _ppr(**body), _rpr(size=c.than)),
        ("CVCong", "CV Dấu cộng", _ppr(**body), _rpr(size=c.than)),
        ("CVChuong", "CV Chương", _ppr(jc="center", before=12, keep_next=True), _rpr(size=c.than, bold=True)),
        ("CVChuongTen", "CV Tên chương", _ppr(jc="center", after=6, keep_next=True), _rpr(size=c.than, bold=True)),
        ("CVMuc", "CV Mục", _ppr(jc="center", before=12, keep_next=True), _rpr(size=c.than, bold=True)),
        ("CVMucTen", "CV Tên mục", _ppr(jc="center", after=6, keep_next=True), _rpr(size=c.than, bold=True)),
        ("CVDieu", "CV Điều", _ppr(**body), _rpr(size=c.than)),
        (
            "CVNoiNhanNhan",
            "CV Nơi nhận nhãn",
            _ppr(),
            _rpr(
                size=c.noi_nhan_nhan,
                bold=k.noi_nhan_nhan_dam,
                italic=k.noi_nhan_nhan_nghieng,
                underline=k.noi_nhan_nhan_gach_chan,
            ),
        ),
        # a wrapped item continues under its text, not under the "- " (hanging indent)
        ("CVNoiNhan", "CV Nơi nhận", _ppr(hanging_mm=text_width_mm("- ", c.noi_nhan)), _rpr(size=c.noi_nhan)),
        ("CVChuKy", "CV Chữ ký chức vụ", _ppr(jc="center", keep_next=True), _rpr(size=c.chu_ky, bold=True)),
        ("CVChuKyAnh", "CV Chữ ký chỗ ký", _ppr(jc="center"), _rpr(size=c.chu_ky)),
        ("CVChuKyHoTen", "CV Chữ ký họ tên", _ppr(jc="center", after=12), _rpr(size=c.chu_ky, bold=True)),
        ("CVPhuLucNhan", "CV Phụ lục nhãn", _ppr(jc="center", keep_next=True), _rpr(size=c.phu_luc_nhan, bold=True)),
        ("CVPhuLucTen", "CV Phụ lục tên", _ppr(jc="center", keep_next=True), _rpr(size=c.phu_luc_ten, bold=True)),
        (
            "CVPhuLucKemTheo",
            "CV Phụ lục kèm theo",
            _ppr(jc="center"),  # its line follows, drawn cach_chu_pt below it
            _rpr(size=c.phu_luc_kem_theo, italic=True),
        ),
        ("CVBang", "CV Bảng", _ppr(), _rpr(size=c.bang)),
        ("CVBangTieuDe", "CV Bảng tiêu đề", _ppr(jc="center"), _rpr(size=c.bang, bold=True)),
        ("CVSoTrang", "CV Số trang", _ppr(jc="center"), _rpr(size=c.so_trang)),
        (
            "CVThanGiua",
            "CV Thân căn giữa",
            _ppr(jc="center", before=d.cach_truoc_pt, line=d.gian_dong),
            _rpr(size=c.than),
        ),
        ("CVHinhThucSao", "CV Hình thức sao", _ppr(jc="center"), _rpr(size=c.hinh_thuc_sao, bold=True)),
        ("CVXacNhan", "CV Xác nhận nơi nghỉ phép", _ppr(jc="center", before=12), _rpr(size=c.xac_nhan, italic=True)),
        ("CVKyHieuSoan", "CV Ký hiệu người soạn thảo (ô 12)", _ppr(before=3), _rpr(size=o.co_chu_o12)),
        ("CVLienHe", "CV Địa chỉ liên hệ (ô 13)", _ppr(), _rpr(size=o.co_chu_o13)),
        ("CVO14", "CV Chữ ký số bản sao (ô 14)", _ppr(jc="right"), _rpr(size=o.co_chu_o14)),
        ("CVDauMat", "CV Dấu độ mật (ô 10a)", _framed_ppr(before=6), _rpr(size=o.co_chu_dau, bold=True)),
        ("CVDauKhan", "CV Dấu độ khẩn (ô 10b)", _framed_ppr(before=6), _rpr(size=o.co_chu_dau, bold=True)),
        ("CVPhamVi", "CV Phạm vi lưu hành (ô 11)", _framed_ppr(after=6), _rpr(size=o.co_chu_dau, bold=True)),
        ("CVDuThao", "CV Dự thảo", _framed_ppr(after=6), _rpr(size=o.co_chu_du_thao, bold=True)),
    ]
    if p.chu_de.dau_co_quan:  # "*" / "***" under the issuing body instead of its line
        styles.append(("CVDauCoQuan", "CV Dấu dưới cơ quan ban hành", _ppr(jc="center"), _rpr(size=c.co_quan)))
    line_ppr = (
        f'<w:pPr><w:pBdr><w:bottom w:val="single" w:sz="{round(p.duong_ke.do_day_pt * 8)}" w:space="{round(p.duong_ke.cach_chu_pt)}" w:color="000000"/></w:pBdr>'
        '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr>'
    )
    line_rpr = '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>'
    for style_id, name in LINE_STYLES.items():
        if style_id == "CVDuongKeQuocHieu" and p.chu_de.tieu_ngu:
            continue  # only a lone title (no Tiêu ngữ) has its own line
        styles.append((style_id, name, line_ppr, line_rpr))
    body_xml = "".join(_style(*s) for s in styles)
    return (
        XML_DECL + f"<w:styles {ROOT_NS}><w:docDefaults><w:rPrDefault><w:rPr>"
        f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:cs="{font}" w:eastAsia="{font}"/>'
        f'<w:color w:val="{p.phong_chu.mau}"/><w:sz w:val="{half_points(c.than)}"/>'
        f'<w:szCs w:val="{half_points(c.than)}"/><w:lang w:val="{p.phong_chu.ngon_ngu}" w:eastAsia="en-US" w:bidi="ar-SA"/>'
        '</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
        "</w:pPr></w:pPrDefault></w:docDefaults>"
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>'
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/>'
        '<w:uiPriority w:val="1"/><w:semiHidden/></w:style>'
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/>'
        '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>'
        '<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr></w:style>" + body_xml + "</w:styles>"
    )


# ---------------------------------------------------------------- package parts


def sect_pr(p: RuleProfile, *, first_page: bool = True, boxes: bool = False) -> str:
    """Section properties: A4, profile margins, page numbers from page 2, restart at 1.

    Only the document's own first page carries ô 14 (header) and ô 13 (footer);
    appendix sections point at empty first-page parts so they do not inherit them.
    """
    t = p.trang
    first_header, first_footer = ("rIdHeader2", "rIdFooter2") if first_page else ("rIdHeader3", "rIdFooter1")
    refs = f'<w:headerReference w:type="default" r:id="rIdHeader1"/><w:headerReference w:type="first" r:id="{first_header}"/>'
    if boxes:
        refs += (
            '<w:footerReference w:type="default" r:id="rIdFooter1"/>'
            f'<w:footerReference w:type="first" r:id="{first_footer}"/>'
        )
    else:
        refs = '<w:headerReference w:type="default" r:id="rIdHeader1"/><w:headerReference w:type="first" r:id="rIdHeader2"/>'
    return (
        f"<w:sectPr>{refs}"
        f'<w:pgSz w:w="{twips(t.rong_mm)}" w:h="{twips(t.cao_mm)}"/>'
        f'<w:pgMar w:top="{twips(t.le_tren_mm)}" w:right="{twips(t.le_phai_mm)}" w:bottom="{twips(t.le_duoi_mm)}" '
        f'w:left="{twips(t.le_trai_mm)}" w:header="{twips(t.dau_trang_mm)}" w:footer="{twips(t.dau_trang_mm)}" w:gutter="0"/>'
        '<w:pgNumType w:start="1"/><w:cols w:space="720"/>'
        + ("<w:titlePg/>" if t.so_trang_tu_trang_2 else "")
        + "</w:sectPr>"
    )


def _first_header_xml() -> str:
    """Page 1 header: ô 14, the digital-signature text of an electronic copy (top right)."""
    body = tag_para("{%p if o_14 %}") + _var("CVO14", "o_14") + tag_para("{%p endif %}") + para(None)
    return XML_DECL + f"<w:hdr {ROOT_NS}>{body}</w:hdr>"


def _footer_xml(first: bool) -> str:
    """Page 1 footer: ô 13 under a full-width line; other pages: empty."""
    body = para(None)
    if first:
        body = (
            tag_para("{%p if o_13 %}")
            + para("CVDuongKeLienHe")
            + _loop("x", "o_13", _var("CVLienHe", "x"))
            + tag_para("{%p endif %}")
            + para(None)
        )
    return XML_DECL + f"<w:ftr {ROOT_NS}>{body}</w:ftr>"


def _header_xml(page_number: bool) -> str:
    body = (
        para(
            "CVSoTrang",
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>',
        )
        if page_number
        else para(None)
    )
    return XML_DECL + f"<w:hdr {ROOT_NS}>{body}</w:hdr>"


_CONTENT_TYPES = (
    XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/><Default Extension="jpeg" ContentType="image/jpeg"/>'
    '<Default Extension="jpg" ContentType="image/jpeg"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/header2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    XML_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
_DOC_RELS = (
    XML_DECL + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    '<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>'
    '<Relationship Id="rIdHeader1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>'
    '<Relationship Id="rIdHeader2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header2.xml"/>'
    "</Relationships>"
)
_SETTINGS = (
    XML_DECL
    + f'<w:settings {ROOT_NS}><w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/>'
    '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
    "</w:settings>"
)


def _core(title: str) -> str:
    return (
        XML_DECL
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{esc(title)}</dc:title><dc:creator>congvan</dc:creator></cp:coreProperties>"
    )


_APP = (
    XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>congvan</Application></Properties>"
)


_BOX_TYPES = (
    '<Override PartName="/word/header3.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
    '<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
)
_BOX_RELS = (
    '<Relationship Id="rIdHeader3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header3.xml"/>'
    '<Relationship Id="rIdFooter1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>'
    '<Relationship Id="rIdFooter2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>'
)


def package(p: RuleProfile, body: str, title: str, sect: str | None = None, *, boxes: bool = False) -> bytes:
    """A complete, slim DOCX package around *body* (the inside of w:body); *sect* replaces the sectPr.

    *boxes*: the record templates' page-1 header (ô 14) and footer (ô 13) parts, and the
    empty ones appendix sections point at; without it the package is the plain one.
    """
    document = XML_DECL + f"<w:document {ROOT_NS}><w:body>{body}{sect or sect_pr(p)}</w:body></w:document>"
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "docProps/core.xml": _core(title),
        "docProps/app.xml": _APP,
        "word/document.xml": document,
        "word/styles.xml": styles_xml(p),
        "word/settings.xml": _SETTINGS,
        "word/header1.xml": _header_xml(True),
        "word/header2.xml": _header_xml(False),
        "word/_rels/document.xml.rels": _DOC_RELS,
    }
    if boxes:
        parts["[Content_Types].xml"] = _CONTENT_TYPES.replace("</Types>", _BOX_TYPES + "</Types>")
        parts["word/_rels/document.xml.rels"] = _DOC_RELS.replace("</Relationships>", _BOX_RELS + "</Relationships>")
        parts["word/header2.xml"] = _first_header_xml()
        parts["word/header3.xml"] = _header_xml(False)
        parts["word/footer1.xml"] = _footer_xml(False)
        parts["word/footer2.xml"] = _footer_xml(True)
    return PackageWriter({k: v.encode("utf-8") for k, v in parts.items()}, level=9).to_bytes({})


# ---------------------------------------------------------------- template bodies


def _var(style: str, expr: str) -> str:
    return para(style, run("{{ " + expr + " }}"))


def _rich(style: str, expr: str) -> str:
    return para(style, run("{{r " + expr + " }}"))


def _whole(expr: str) -> str:
    """A paragraph replaced by ready-made XML from the context (tables, framed boxes, sized lines)."""
    return para(None, run("{{p " + expr + " }}"))


def _loop(var: str, items: str, inner: str) -> str:
    return tag_para(f"{{%p for {var} in {items} %}}") + inner + tag_para("{%p endfor %}")


def _if(test: str, inner: str, otherwise: str | None = None) -> str:
    out = tag_para(f"{{%p if {test} %}}") + inner
    if otherwise is not None:
        out += tag_para("{%p else %}") + otherwise
    return out + tag_para("{%p endif %}")


def body_loop(items: str) -> str:
    """One branch per body paragraph kind, each a paragraph in its own style."""
    out = tag_para(f"{{%p for d in {items} %}}")
    for i, (kind, style) in enumerate(BODY_KINDS.items()):
        keyword = "if" if i == 0 else "elif"
        # The paragraph before the signature keeps with it (keep-with-next): a variant per style.
        out += tag_para(f'{{%p {keyword} d.kieu == "{kind}" %}}') + tag_para("{%p if d.giu %}")
        out += para(style, run("{{r d.runs }}"), "<w:keepNext/>") + tag_para("{%p else %}")
        out += _rich(style, "d.runs") + tag_para("{%p endif %}")
    out += tag_para('{%p elif d.kieu == "bang" %}') + _whole("d.bang")
    out += tag_para("{%p endif %}") + tag_para("{%p endfor %}")
    return out


def _names(p: RuleProfile, expr: str = "") -> str:
    """ô 2: parent body, issuing body, then the short line (NĐ30) or the profile's mark ("*", "***")."""
    mark = p.chu_de.dau_co_quan
    return (
        _loop("x", f"{expr}dong_chu_quan", _rich("CVCoQuanChuQuan", "x"))
        + _loop("x", f"{expr}dong_co_quan", _rich("CVCoQuan", "x"))
        + (para("CVDauCoQuan", run(mark)) if mark else para("CVDuongKeCoQuan"))
    )


def _national(p: RuleProfile) -> str:
    """ô 1: Quốc hiệu and Tiêu ngữ with the line as long as the Tiêu ngữ; or a lone title
    ("ĐẢNG CỘNG SẢN VIỆT NAM") with the line as long as the title."""
    if not p.chu_de.tieu_ngu:
        return para("CVQuocHieu", run(p.chu_de.quoc_hieu)) + para("CVDuongKeQuocHieu")
    return (
        para("CVQuocHieu", run(p.chu_de.quoc_hieu))
        + para("CVTieuNgu", run(p.chu_de.tieu_ngu))
        + para("CVDuongKeTieuNgu")
    )


def header_table(p: RuleProfile, *, cong_van: bool, number_row: bool = True) -> str:
    """ô 2+3 | ô 1+4 in a borderless 2×2 table: names | Quốc hiệu, then Số (10a, 10b) | date.

    ô 11 (phạm vi lưu hành) sits above the Quốc hiệu; ô 10a/10b under Số (and V/v).
    """
    left, right = twips(p.bang_tieu_de.cot_trai_mm), twips(p.bang_tieu_de.cot_phai_mm)
    national = _if("pham_vi_luu_hanh", _whole("pham_vi_luu_hanh")) + _national(p)
    rows = row(cell(left, _names(p)) + cell(right, national))
    if number_row:
        number = _var("CVSo", "so_ky_hieu")
        if cong_van:
            number += _rich("CVTrichYeuCV", "trich_yeu_cv")
        number += _if("dau_mat", _whole("dau_mat")) + _if("dau_khan", _whole("dau_khan"))
        rows += row(cell(left, number) + cell(right, _var("CVDiaDanhNgay", "dia_danh_ngay")))
    return _if("du_thao", _whole("du_thao")) + table([left, right], rows, indent=twips(p.bang_tieu_de.lui_trai_mm))


def title_block() -> str:
    """ô 5a: tên loại, trích yếu and its line (a line under the tên loại when there is no trích yếu)."""
    return _var("CVTenLoai", "ten_loai") + _if(
        "trich_yeu",
        _loop("x", "trich_yeu", _rich("CVTrichYeu", "x")) + para("CVDuongKeTrichYeu"),
        _whole("duong_ke_ten_loai"),
    )


def kinh_gui_block(p: RuleProfile) -> str:
    """ô 9a: "Kính gửi: X." on one line, or the label and one line per recipient; a công điện's
    centred "… điện:" and its recipients come laid out from the context."""
    return _if("dien", _whole("dien")) + _if(
        "nhan_kinh_gui",
        _if(
            "kinh_gui_mot",
            para("CVKinhGui", run("{{ nhan_kinh_gui }}") + run(" ") + run("{{ kinh_gui_mot }}")),
            _var("CVKinhGui", "nhan_kinh_gui") + _loop("k", "kinh_gui", _var("CVKinhGuiMuc", "k")),
        ),
    )


def signer_titles(expr: str) -> str:
    """ô 7a: authority and title lines."""
    return _loop("x", f"{expr}.dong", _var("CVChuKy", "x"))


def signer_name(expr: str) -> str:
    """ô 7c/7b: space or images to sign on, then the name."""
    return _rich("CVChuKyAnh", f"{expr}.anh") + _var("CVChuKyHoTen", f"{expr}.ho_ten")


def signer_block(expr: str) -> str:
    return signer_titles(expr) + signer_name(expr)


def recipients_block(p: RuleProfile, width: int) -> str:
    """ô 9b: "Nơi nhận:" and its items (groups with a note in a nested table), then ô 12."""
    note = 1150
    nested_rows = (
        tag_row("{%tr for g in nhom_noi_nhan %}", 2)
        + row(
            # no left cell margin and no table indent: the "- " stay flush with "Nơi nhận:" (a negative
            # indent against the margin, as before, is ignored by LibreOffice in a nested table)
            cell(width - note, _loop("m", "g.muc", _var("CVNoiNhan", "m")), left_margin=0)
            + cell(note, _var("CVNoiNhan", "g.ghi_chu"), vcenter=True)
        )
        + tag_row("{%tr endfor %}", 2)
    )
    items = _if(
        "co_ghi_chu",
        table([width - note, note], nested_rows) + para("CVNoiNhan"),
        _loop("m", "noi_nhan", _var("CVNoiNhan", "m")),
    )
    return _if("noi_nhan", para("CVNoiNhanNhan", run(p.chu_de.nhan_noi_nhan)) + items) + para(None)


def signature_area(p: RuleProfile) -> str:
    """One signer: Nơi nhận left, signature right. Two or more (joint, Biên bản): rows of two, Nơi nhận below."""
    left, right = twips(p.bang_chu_ky.cot_trai_mm), twips(p.bang_chu_ky.cot_phai_mm)
    text_width = twips(p.trang.rong_chu_mm)
    half = text_width // 2
    confirmation = (
        tag_row("{%tr if xac_nhan %}", 2)
        + row(
            cell(
                left,
                _loop("x", "xac_nhan.dong", _var("CVXacNhan", "x"))
                + _rich("CVChuKyAnh", "xac_nhan.cho_ky")
                + _if("xac_nhan.ho_ten", _var("CVChuKyHoTen", "xac_nhan.ho_ten"), para("CVXacNhan")),
            )
            + cell(right, para(None))
        )
        + tag_row("{%tr endif %}", 2)
    )
    single = table(
        [left, right],
        row(cell(left, recipients_block(p, left)) + cell(right, signer_block("chu_ky")), cant_split=True)
        + confirmation,
    )
    # Titles and names in separate rows so that names line up across a row of two
    # even when one title wraps onto more lines than the other.
    joint_rows = (
        tag_row("{%tr for hang in hang_chu_ky %}", 2)
        + row(
            cell(half, signer_titles("hang.trai")) + cell(text_width - half, signer_titles("hang.phai")),
            cant_split=True,
        )
        + row(cell(half, signer_name("hang.trai")) + cell(text_width - half, signer_name("hang.phai")), cant_split=True)
        + tag_row("{%tr endfor %}", 2)
        + tag_row("{%tr if chu_ky_le %}", 2)
        + row(cell(text_width, signer_titles("chu_ky_le"), span=2), cant_split=True)
        + row(cell(text_width, signer_name("chu_ky_le"), span=2), cant_split=True)
        + tag_row("{%tr endif %}", 2)
    )
    joint = table([half, text_width - half], joint_rows) + recipients_block(p, twips(p.bang_chu_ky.cot_trai_mm))
    # ô 12 sits under ô 9b, below the signature table (Phụ lục I §IV diagram)
    o12 = _if("o_12", _var("CVKyHieuSoan", "o_12"))
    return _if("co_chu_ky", para("CVThan", "", "<w:keepNext/>") + _if("lien_tich", joint, single) + o12)


def _section_break(p: RuleProfile) -> str:
    return f"<w:p><w:pPr>{sect_pr(p, first_page=False, boxes=True)}</w:pPr></w:p>"


def appendices(p: RuleProfile, *, break_first: bool = True) -> str:
    """Each Phụ lục in its own section (page numbers restart at 1); label as the record writes it."""
    brk = _section_break(p) if break_first else _if("not loop.first", _section_break(p))
    return _loop(
        "pl",
        "phu_luc",
        brk
        + _if("pl.nhan", _var("CVPhuLucNhan", "pl.nhan"))
        + _loop("x", "pl.ten", _rich("CVPhuLucTen", "x"))
        + _loop("x", "pl.kem_theo_dong", _rich("CVPhuLucKemTheo", "x"))
        + _whole("pl.duong_ke")
        + body_loop("pl.doan"),
    )


def issued_document(p: RuleProfile, *, own_file: bool = False) -> str:
    """mẫu 1.3: the document a Quyết định issues, in its own section with names | Quốc hiệu
    (or, *own_file*, as the whole of an electronic file of its own)."""
    left, right = twips(p.bang_tieu_de.cot_trai_mm), twips(p.bang_tieu_de.cot_phai_mm)
    head = table(
        [left, right], row(cell(left, _names(p)) + cell(right, _national(p))), indent=twips(p.bang_tieu_de.lui_trai_mm)
    )
    return _if(
        "van_ban_kem_theo",
        ("" if own_file else _section_break(p))
        + head
        + _var("CVTenLoai", "van_ban_kem_theo.ten_loai")
        + _loop("x", "van_ban_kem_theo.trich_yeu", _rich("CVTrichYeu", "x"))
        + _loop("x", "van_ban_kem_theo.kem_theo_dong", _rich("CVPhuLucKemTheo", "x"))
        + _whole("van_ban_kem_theo.duong_ke")
        + body_loop("van_ban_kem_theo.doan"),
    )


def copy_block(p: RuleProfile) -> str:
    """Bản sao giấy (mẫu 3.1): full-width line, copying body | SAO Y, Số | date, Nơi nhận | signer."""
    left, right = twips(p.bang_tieu_de.cot_trai_mm), twips(p.bang_tieu_de.cot_phai_mm)
    sig_left, sig_right = twips(p.bang_chu_ky.cot_trai_mm), twips(p.bang_chu_ky.cot_phai_mm)
    head = row(cell(left, _names(p, "ban_sao.")) + cell(right, _var("CVHinhThucSao", "ban_sao.hinh_thuc"))) + row(
        cell(left, _var("CVSo", "ban_sao.so_ky_hieu")) + cell(right, _var("CVDiaDanhNgay", "ban_sao.dia_danh_ngay"))
    )
    recipients = _if(
        "ban_sao.noi_nhan",
        para("CVNoiNhanNhan", run(p.chu_de.nhan_noi_nhan)) + _loop("m", "ban_sao.noi_nhan", _var("CVNoiNhan", "m")),
    ) + para(None)
    sign = table(
        [sig_left, sig_right],
        row(cell(sig_left, recipients) + cell(sig_right, signer_block("ban_sao.chu_ky")), cant_split=True),
    )
    return _if(
        "ban_sao",
        para("CVDuongKeBanSao")
        + table([left, right], head, indent=twips(p.bang_tieu_de.lui_trai_mm))
        + para("CVThan", "", "<w:keepNext/>")  # the gap of mẫu 3.1 between Số and Nơi nhận / signer
        + sign,
    )


def _closing(p: RuleProfile) -> str:
    return signature_area(p) + appendices(p) + copy_block(p)


def ke_hoach_body(p: RuleProfile) -> str:
    """Every văn bản có tên loại: kế hoạch, báo cáo, tờ trình, giấy mời, biên bản, công điện…"""
    return (
        header_table(p, cong_van=False)
        + title_block()
        + kinh_gui_block(p)
        + _loop("x", "can_cu", _rich("CVCanCu", "x"))
        + body_loop("doan")
        + _closing(p)
    )


def quyet_dinh_body(p: RuleProfile) -> str:
    """Quyết định and Nghị quyết (mẫu 1.1-1.3): thẩm quyền, căn cứ, "QUYẾT ĐỊNH:"/"QUYẾT NGHỊ:"."""
    authority = _if("tham_quyen", _var("CVThamQuyen", "tham_quyen"))  # a Party nghị quyết has none
    after = p.chu_de.tham_quyen_sau_can_cu  # Party: "- Căn cứ …, / BAN THƯỜNG VỤ … / QUYẾT ĐỊNH"
    return (
        header_table(p, cong_van=False)
        + title_block()
        + ("" if after else authority)
        + _loop("x", "can_cu", _rich("CVCanCu", "x"))
        + _if("theo_de_nghi", _var("CVCanCu", "theo_de_nghi"))
        + (authority if after else "")
        + _if("nhan_than", _var("CVQuyetDinhNhan", "nhan_than"))
        + body_loop("doan")
        + signature_area(p)
        + issued_document(p)
        + appendices(p)
        + copy_block(p)
    )


def cong_van_body(p: RuleProfile) -> str:
    return header_table(p, cong_van=True) + kinh_gui_block(p) + body_loop("doan") + _closing(p)


def phu_luc_body(p: RuleProfile) -> str:
    """mẫu 2.1/2.2: an appendix file of its own (ô 14 in the page-1 header when electronic)."""
    return appendices(p, break_first=False)


def van_ban_kem_theo_body(p: RuleProfile) -> str:
    """mẫu 1.3 (điện tử): the issued document as a file of its own (ô 14 in the page-1 header)."""
    return issued_document(p, own_file=True)


TEMPLATES = {
    "ke_hoach": (ke_hoach_body, "Mẫu văn bản có tên loại: kế hoạch, báo cáo, tờ trình, giấy mời…"),
    "quyet_dinh": (quyet_dinh_body, "Mẫu quyết định, nghị quyết"),
    "cong_van": (cong_van_body, "Mẫu công văn"),
    "phu_luc": (phu_luc_body, "Mẫu phụ lục tệp riêng"),
    "van_ban_kem_theo": (van_ban_kem_theo_body, "Mẫu văn bản ban hành kèm theo quyết định, tệp riêng"),
}
#: Profiles whose administrative templates are generated (each names its files by mau_tien_to).
PROFILES = ("nd30", "dang", "doan")


def build_all(profile_name: str = "nd30", target: Path = TEMPLATE_DIR) -> list[Path]:
    """Write every administrative template for a profile; return their paths."""
    p = load_profile(profile_name)
    short = p.ten_ngan
    written = []
    for name, (body, title) in TEMPLATES.items():
        path = target / f"{p.mau_tien_to}{name}.docx"
        write_bytes_atomic(path, package(p, body(p), f"{title} ({short})", sect_pr(p, boxes=True), boxes=True))
        written.append(path)
    return written


if __name__ == "__main__":
    for name in sys.argv[1:2] or PROFILES:
        for path in build_all(name):
            print(path)
