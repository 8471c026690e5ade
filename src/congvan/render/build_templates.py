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
}
LINE_STYLES = ("CVDuongKeCoQuan", "CVDuongKeTieuNgu", "CVDuongKeTrichYeu")


# ---------------------------------------------------------------- styles


def _ppr(
    *,
    jc: str | None = None,
    before: float = 0,
    after: float = 0,
    line: float | None = None,
    first_line_cm: float | None = None,
    left_mm: float | None = None,
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
    if ind:
        out += f"<w:ind{ind}/>"
    if jc:
        out += f'<w:jc w:val="{jc}"/>'
    return out + "</w:pPr>"


def _rpr(*, size: float | None = None, bold: bool = False, italic: bool = False) -> str:
    out = "<w:rPr>"
    out += "<w:b/><w:bCs/>" if bold else ""
    out += "<w:i/><w:iCs/>" if italic else ""
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
        ("CVTrichYeuCV", "CV Trích yếu công văn", _ppr(jc="center", before=6), _rpr(size=c.trich_yeu_cong_van)),
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
        ("CVNoiNhanNhan", "CV Nơi nhận nhãn", _ppr(), _rpr(size=c.noi_nhan_nhan, bold=True, italic=True)),
        ("CVNoiNhan", "CV Nơi nhận", _ppr(), _rpr(size=c.noi_nhan)),
        ("CVChuKy", "CV Chữ ký chức vụ", _ppr(jc="center"), _rpr(size=c.chu_ky, bold=True)),
        ("CVChuKyAnh", "CV Chữ ký chỗ ký", _ppr(jc="center"), _rpr(size=c.chu_ky)),
        ("CVChuKyHoTen", "CV Chữ ký họ tên", _ppr(jc="center", after=12), _rpr(size=c.chu_ky, bold=True)),
        ("CVPhuLucNhan", "CV Phụ lục nhãn", _ppr(jc="center", keep_next=True), _rpr(size=c.phu_luc_nhan, bold=True)),
        ("CVPhuLucTen", "CV Phụ lục tên", _ppr(jc="center", keep_next=True), _rpr(size=c.phu_luc_ten, bold=True)),
        (
            "CVPhuLucKemTheo",
            "CV Phụ lục kèm theo",
            _ppr(jc="center", after=12),
            _rpr(size=c.phu_luc_kem_theo, italic=True),
        ),
        ("CVBang", "CV Bảng", _ppr(), _rpr(size=c.bang)),
        ("CVBangTieuDe", "CV Bảng tiêu đề", _ppr(jc="center"), _rpr(size=c.bang, bold=True)),
        ("CVSoTrang", "CV Số trang", _ppr(jc="center"), _rpr(size=c.so_trang)),
    ]
    line_ppr = (
        f'<w:pPr><w:pBdr><w:bottom w:val="single" w:sz="{round(p.duong_ke.do_day_pt * 8)}" w:space="1" w:color="000000"/></w:pBdr>'
        '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/><w:jc w:val="center"/></w:pPr>'
    )
    line_rpr = '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>'
    for style_id, name in zip(
        LINE_STYLES, ("CV Đường kẻ cơ quan", "CV Đường kẻ tiêu ngữ", "CV Đường kẻ trích yếu"), strict=True
    ):
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


def sect_pr(p: RuleProfile) -> str:
    """Section properties: A4, profile margins, page numbers from page 2, restart at 1."""
    t = p.trang
    return (
        '<w:sectPr><w:headerReference w:type="default" r:id="rIdHeader1"/>'
        '<w:headerReference w:type="first" r:id="rIdHeader2"/>'
        f'<w:pgSz w:w="{twips(t.rong_mm)}" w:h="{twips(t.cao_mm)}"/>'
        f'<w:pgMar w:top="{twips(t.le_tren_mm)}" w:right="{twips(t.le_phai_mm)}" w:bottom="{twips(t.le_duoi_mm)}" '
        f'w:left="{twips(t.le_trai_mm)}" w:header="{twips(t.dau_trang_mm)}" w:footer="{twips(t.dau_trang_mm)}" w:gutter="0"/>'
        '<w:pgNumType w:start="1"/><w:cols w:space="720"/>'
        + ("<w:titlePg/>" if t.so_trang_tu_trang_2 else "")
        + "</w:sectPr>"
    )


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


def package(p: RuleProfile, body: str, title: str, sect: str | None = None) -> bytes:
    """A complete, slim DOCX package around *body* (the inside of w:body); *sect* replaces the sectPr."""
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
    return PackageWriter({k: v.encode("utf-8") for k, v in parts.items()}, level=9).to_bytes({})


# ---------------------------------------------------------------- template bodies


def _var(style: str, expr: str) -> str:
    return para(style, run("{{ " + expr + " }}"))


def _rich(style: str, expr: str) -> str:
    return para(style, run("{{r " + expr + " }}"))


def _loop(var: str, items: str, inner: str) -> str:
    return tag_para(f"{{%p for {var} in {items} %}}") + inner + tag_para("{%p endfor %}")


def body_loop(items: str) -> str:
    """One branch per body paragraph kind, each a paragraph in its own style."""
    out = tag_para(f"{{%p for d in {items} %}}")
    for i, (kind, style) in enumerate(BODY_KINDS.items()):
        keyword = "if" if i == 0 else "elif"
        out += tag_para(f'{{%p {keyword} d.kieu == "{kind}" %}}') + _rich(style, "d.runs")
    out += tag_para('{%p elif d.kieu == "bang" %}') + para(None, run("{{p d.bang }}"))
    out += tag_para("{%p endif %}") + tag_para("{%p endfor %}")
    return out


def header_table(p: RuleProfile, *, cong_van: bool) -> str:
    """ô 2+3 | ô 1+4 in a borderless 2×2 table: names | Quốc hiệu, then Số | date."""
    left, right = twips(p.bang_tieu_de.cot_trai_mm), twips(p.bang_tieu_de.cot_phai_mm)
    names = (
        _loop("x", "dong_chu_quan", _var("CVCoQuanChuQuan", "x"))
        + _loop("x", "dong_co_quan", _var("CVCoQuan", "x"))
        + para("CVDuongKeCoQuan")
    )
    national = (
        para("CVQuocHieu", run(p.chu_de.quoc_hieu))
        + para("CVTieuNgu", run(p.chu_de.tieu_ngu))
        + para("CVDuongKeTieuNgu")
    )
    number = _var("CVSo", "so_ky_hieu")
    if cong_van:
        number += _var("CVTrichYeuCV", "trich_yeu_cv")
    rows = row(cell(left, names) + cell(right, national)) + row(
        cell(left, number) + cell(right, _var("CVDiaDanhNgay", "dia_danh_ngay"))
    )
    return table([left, right], rows, indent=twips(p.bang_tieu_de.lui_trai_mm))


def title_block() -> str:
    return _var("CVTenLoai", "ten_loai") + _loop("x", "trich_yeu", _var("CVTrichYeu", "x")) + para("CVDuongKeTrichYeu")


def signer_titles(expr: str) -> str:
    """ô 7a: authority and title lines."""
    return _loop("x", f"{expr}.dong", _var("CVChuKy", "x"))


def signer_name(expr: str) -> str:
    """ô 7c/7b: space or images to sign on, then the name."""
    return _rich("CVChuKyAnh", f"{expr}.anh") + _var("CVChuKyHoTen", f"{expr}.ho_ten")


def signer_block(expr: str) -> str:
    return signer_titles(expr) + signer_name(expr)


def recipients_block(p: RuleProfile, width: int) -> str:
    """ô 9b: "Nơi nhận:" and its items; groups with a note sit in a nested table."""
    note = 1150
    nested_rows = (
        tag_row("{%tr for g in nhom_noi_nhan %}", 2)
        + row(
            cell(width - note, _loop("m", "g.muc", _var("CVNoiNhan", "m")))
            + cell(note, _var("CVNoiNhan", "g.ghi_chu"), vcenter=True)
        )
        + tag_row("{%tr endfor %}", 2)
    )
    return (
        para("CVNoiNhanNhan", run(p.chu_de.nhan_noi_nhan))
        + tag_para("{%p if co_ghi_chu %}")
        + table([width - note, note], nested_rows, indent=-85)
        + para("CVNoiNhan")
        + tag_para("{%p else %}")
        + _loop("m", "noi_nhan", _var("CVNoiNhan", "m"))
        + tag_para("{%p endif %}")
    )


def signature_area(p: RuleProfile) -> str:
    """One signer: Nơi nhận left, signature right. Joint: signatures in rows of two, Nơi nhận below."""
    left, right = twips(p.bang_chu_ky.cot_trai_mm), twips(p.bang_chu_ky.cot_phai_mm)
    text_width = twips(p.trang.rong_chu_mm)
    half = text_width // 2
    single = table(
        [left, right], row(cell(left, recipients_block(p, left)) + cell(right, signer_block("chu_ky")), cant_split=True)
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
    return (
        para("CVThan", "", "<w:keepNext/>")
        + tag_para("{%p if lien_tich %}")
        + joint
        + tag_para("{%p else %}")
        + single
        + tag_para("{%p endif %}")
    )


def appendices(p: RuleProfile) -> str:
    """Each Phụ lục in its own section: page numbers restart at 1."""
    section_break = f"<w:p><w:pPr>{sect_pr(p)}</w:pPr></w:p>"
    return _loop(
        "pl",
        "phu_luc",
        section_break
        + _var("CVPhuLucNhan", "pl.nhan")
        + _var("CVPhuLucTen", "pl.ten")
        + _var("CVPhuLucKemTheo", "pl.kem_theo")
        + body_loop("pl.doan"),
    )


def ke_hoach_body(p: RuleProfile) -> str:
    """Kế hoạch, Chương trình phối hợp and other named types."""
    return (
        header_table(p, cong_van=False)
        + title_block()
        + _loop("x", "can_cu", _var("CVCanCu", "x"))
        + body_loop("doan")
        + signature_area(p)
        + appendices(p)
    )


def quyet_dinh_body(p: RuleProfile) -> str:
    return (
        header_table(p, cong_van=False)
        + title_block()
        + _var("CVThamQuyen", "tham_quyen")
        + _loop("x", "can_cu", _var("CVCanCu", "x"))
        + tag_para("{%p if theo_de_nghi %}")
        + _var("CVCanCu", "theo_de_nghi")
        + tag_para("{%p endif %}")
        + para("CVQuyetDinhNhan", run(p.chu_de.quyet_dinh))
        + body_loop("doan")
        + signature_area(p)
        + appendices(p)
    )


def cong_van_body(p: RuleProfile) -> str:
    label = p.chu_de.nhan_kinh_gui
    kinh_gui = (
        tag_para("{%p if kinh_gui_mot %}")
        + para("CVKinhGui", run(label + " ") + run("{{ kinh_gui_mot }}"))
        + tag_para("{%p else %}")
        + para("CVKinhGui", run(label))
        + _loop("k", "kinh_gui", _var("CVKinhGuiMuc", "k"))
        + tag_para("{%p endif %}")
    )
    return header_table(p, cong_van=True) + kinh_gui + body_loop("doan") + signature_area(p) + appendices(p)


TEMPLATES = {
    "ke_hoach": (ke_hoach_body, "Mẫu kế hoạch / chương trình phối hợp (NĐ30)"),
    "quyet_dinh": (quyet_dinh_body, "Mẫu quyết định (NĐ30)"),
    "cong_van": (cong_van_body, "Mẫu công văn (NĐ30)"),
}


def build_all(profile_name: str = "nd30", target: Path = TEMPLATE_DIR) -> list[Path]:
    """Write every administrative template for a profile; return their paths."""
    p = load_profile(profile_name)
    written = []
    for name, (body, title) in TEMPLATES.items():
        path = target / f"{name}.docx"
        write_bytes_atomic(path, package(p, body(p), title))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build_all(*(sys.argv[1:2] or ["nd30"])):
        print(path)
