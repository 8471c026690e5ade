"""Build the batch templates in templates/ (run: python -m congvan.batch.build_templates).

The certificate and the registration forms are ordinary .docx files with
docxtpl-style Jinja tags, so a secretary can open one in Word, restyle it and use
it with ``--mau``. They are assembled with the same OOXML helpers, styles and
package as the record templates (:mod:`congvan.render.build_templates`), and every
size, margin, font and colour comes from the rule profile (``[trang]``,
``[co_chu]``, ``[giay_cong_nhan]``, ``[ban_dang_ky]`` of ``nd30.toml``). The
Quyết định công nhận has no template of its own: it is a record
(:mod:`congvan.batch.decision`).
"""

from __future__ import annotations

import sys
from pathlib import Path

from congvan.fileio import write_bytes_atomic
from congvan.profiles import RuleProfile, load_profile
from congvan.render.build_templates import package
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import (
    ALL_BORDERS,
    CELL_MARGIN_TW,
    cell,
    half_points,
    para,
    row,
    run,
    table,
    tag_para,
    twips,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "templates"
EMPTY_HEADER = "rIdHeader2"  # the package's header without a page number


# ---------------------------------------------------------------- small pieces


def _r(text: str, size: float, *, bold: bool = False, italic: bool = False, color: str | None = None) -> str:
    """A run with direct size/weight/colour; the font comes from the package's document defaults."""
    rpr = ("<w:b/><w:bCs/>" if bold else "") + ("<w:i/><w:iCs/>" if italic else "")
    rpr += f'<w:color w:val="{color}"/>' if color else ""
    rpr += f'<w:sz w:val="{half_points(size)}"/><w:szCs w:val="{half_points(size)}"/>'
    return run(text, rpr)


def _p(*runs: str, jc: str = "center", before: float = 0, after: float = 0, first_line_mm: float = 0) -> str:
    """A paragraph; spacing in points."""
    ppr = f'<w:spacing w:before="{round(before * 20)}" w:after="{round(after * 20)}"/>'
    ppr += f'<w:ind w:firstLine="{twips(first_line_mm)}"/>' if first_line_mm else ""
    return para(None, "".join(runs), ppr + f'<w:jc w:val="{jc}"/>')


def _line(style: str, length_mm: float, container_tw: int) -> str:
    """A centred solid line *length_mm* long (the record styles' bottom-border line)."""
    inner = container_tw - 2 * CELL_MARGIN_TW
    pad = max((inner - twips(length_mm)) // 2, 0)
    return para(style, "", f'<w:ind w:left="{pad}" w:right="{pad}"/>')


def _national(p: RuleProfile, width_tw: int) -> str:
    """Quốc hiệu, Tiêu ngữ and the line as long as the Tiêu ngữ (Phụ lục I)."""
    motto_mm = text_width_mm(p.chu_de.tieu_ngu, p.co_chu.tieu_ngu, bold=True) * p.duong_ke.tieu_ngu
    return (
        para("CVQuocHieu", run(p.chu_de.quoc_hieu))
        + para("CVTieuNgu", run(p.chu_de.tieu_ngu))
        + _line("CVDuongKeTieuNgu", motto_mm, width_tw)
    )


def _agency(width_tw: int) -> str:
    """Parent body (when given), issuing body in two lines, a line of 1/3 of the cell under it."""
    inner_mm = (width_tw - 2 * CELL_MARGIN_TW) * 25.4 / 1440
    return (
        tag_para("{%p if co_quan_chu_quan %}")
        + para("CVCoQuanChuQuan", run("{{ co_quan_chu_quan }}"))
        + tag_para("{%p endif %}")
        + para("CVCoQuan", run("{{ co_quan_dong_1 }}"))
        + para("CVCoQuan", run("{{ co_quan_dong_2 }}"))
        + _line("CVDuongKeCoQuan", inner_mm / 3, width_tw)
    )


def _two_columns(widths: list[int], left: str, right: str, *, valign_left: str | None = None) -> str:
    return table(widths, row(cell(widths[0], left, valign=valign_left) + cell(widths[1], right)))


def _landscape_sect(p: RuleProfile) -> str:
    g = p.giay_cong_nhan
    assert g is not None, "profile lacks [giay_cong_nhan]"
    border = "".join(
        f'<w:{side} w:val="{g.vien}" w:sz="{g.do_day_vien}" w:space="24" w:color="{g.mau_vien}"/>'
        for side in ("top", "left", "bottom", "right")
    )
    return (
        f'<w:sectPr><w:headerReference w:type="default" r:id="{EMPTY_HEADER}"/>'
        f'<w:pgSz w:w="{twips(p.trang.cao_mm)}" w:h="{twips(p.trang.rong_mm)}" w:orient="landscape"/>'
        f'<w:pgMar w:top="{twips(g.le_tren_mm)}" w:right="{twips(g.le_phai_mm)}" w:bottom="{twips(g.le_duoi_mm)}" '
        f'w:left="{twips(g.le_trai_mm)}" w:header="{twips(p.trang.dau_trang_mm)}" '
        f'w:footer="{twips(p.trang.dau_trang_mm)}" w:gutter="0"/>'
        f'<w:pgBorders w:offsetFrom="page">{border}</w:pgBorders><w:vAlign w:val="center"/></w:sectPr>'
    )


def _portrait_sect(p: RuleProfile) -> str:
    """The Phụ lục I page; forms carry no page number."""
    t = p.trang
    return (
        f'<w:sectPr><w:headerReference w:type="default" r:id="{EMPTY_HEADER}"/>'
        f'<w:pgSz w:w="{twips(t.rong_mm)}" w:h="{twips(t.cao_mm)}"/>'
        f'<w:pgMar w:top="{twips(t.le_tren_mm)}" w:right="{twips(t.le_phai_mm)}" w:bottom="{twips(t.le_duoi_mm)}" '
        f'w:left="{twips(t.le_trai_mm)}" w:header="{twips(t.dau_trang_mm)}" w:footer="{twips(t.dau_trang_mm)}" '
        'w:gutter="0"/></w:sectPr>'
    )


# ---------------------------------------------------------------- certificate


def certificate(p: RuleProfile) -> tuple[str, str]:
    """Landscape certificate of recognition ("Giấy công nhận"): body and sectPr."""
    g = p.giay_cong_nhan
    assert g is not None, "profile lacks [giay_cong_nhan]"
    width = twips(p.trang.cao_mm - g.le_trai_mm - g.le_phai_mm)
    left = int(width * g.cot_trai)
    widths = [left, width - left]
    name_big = _p(_r("{{ ten|viet_hoa }}", g.ten, bold=True, color=g.mau_ten), after=6)
    name_small = _p(_r("{{ ten|viet_hoa }}", g.ten_dai, bold=True, color=g.mau_ten), before=3, after=3)
    sign = (
        _p(_r("{{ dong_dia_danh_ngay }}", g.chu_ky, italic=True))
        + tag_para("{%p if quyen_han %}")
        + _p(_r("{{ quyen_han|viet_hoa }}", g.chu_ky, bold=True))
        + tag_para("{%p endif %}")
        + _p(_r("{{ chuc_vu_ky|viet_hoa }}", g.chu_ky, bold=True), after=62)
        + _p(_r("{{ nguoi_ky }}", g.chu_ky, bold=True))
    )
    note = (
        _p(_r("Quyết định số {{ so_ky_hieu }}", g.ghi_chu, italic=True), jc="left")
        + _p(_r("{{ ngay_quyet_dinh }}", g.ghi_chu, italic=True), jc="left")
        + _p(_r("Số vào sổ: {{ so_vao_so }}", g.ghi_chu, italic=True), jc="left")
    )
    body = (
        _two_columns(widths, _agency(left), _national(p, widths[1]))
        + _p(_r("GIẤY CÔNG NHẬN", g.tieu_de, bold=True, color=g.mau_tieu_de), before=34, after=8.5)
        + _p(_r("{{ nguoi_cong_nhan|viet_hoa }}", g.nguoi_cong_nhan, bold=True), after=14)
        + _p(_r("{{ loi_cong_nhan }}", g.loi_cong_nhan, italic=True), after=3)
        + tag_para(f"{{%p if ten|length <= {g.ten_dai_ky_tu} %}}")
        + name_big
        + tag_para("{%p else %}")
        + name_small
        + tag_para("{%p endif %}")
        + _p(_r("Địa chỉ: {{ dia_chi }}", g.dia_chi, italic=True), after=11)
        + _p(
            _r("Đạt danh hiệu “{{ danh_hieu|viet_hoa }}” năm {{ nam }}", g.danh_hieu, bold=True, color=g.mau_tieu_de),
            after=23,
        )
        + _two_columns(widths, note, sign, valign_left="bottom")
    )
    return body, _landscape_sect(p)


# ---------------------------------------------------------------- registration forms


def _signature_cell(p: RuleProfile, title: str, hint: str, name: str, dated: bool = False) -> str:
    """Signature column; the place-and-date line sits above the signer's title."""
    size = p.co_chu.chu_ky
    date = _p(_r("{{ dong_ngay_trong }}", p.co_chu.dia_danh_ngay, italic=True)) if dated else _p()
    return (
        date
        + _p(_r(title, p.co_chu.so_ky_hieu, bold=True))
        + _p(_r(hint, p.co_chu.so_ky_hieu, italic=True), after=57)
        + _p(_r(name, size, bold=True))
    )


def _fill_line(p: RuleProfile, label: str, value: str) -> str:
    size = p.co_chu.than
    return _p(_r(label, size), _r(value, size), jc="both", before=3, after=3)


def _criteria(p: RuleProfile, items: list[str]) -> str:
    indent = p.doan_van.thut_dau_dong_cm * 10
    return "".join(_p(_r(text, p.co_chu.than), jc="both", first_line_mm=indent, after=3) for text in items)


def _amount_lines(p: RuleProfile) -> str:
    """Amount in figures and in words, or a dotted line to fill in by hand."""
    return (
        tag_para("{%p if dong_gop is not none %}")
        + _fill_line(p, "Đăng ký đóng góp Quỹ khuyến học: ", "{{ dong_gop|so_tien }} đồng")
        + _p(_r("(Bằng chữ: {{ dong_gop|doc_tien }})", p.co_chu.than, italic=True), jc="left", after=3)
        + tag_para("{%p else %}")
        + _fill_line(p, "Đăng ký đóng góp Quỹ khuyến học: ", "……………… đồng")
        + tag_para("{%p endif %}")
    )


def _form_head(p: RuleProfile) -> str:
    d = p.ban_dang_ky
    assert d is not None, "profile lacks [ban_dang_ky]"
    width = twips(p.trang.rong_chu_mm)
    return (
        table([width], row(cell(width, _national(p, width))))
        + _p(_r("BẢN ĐĂNG KÝ", d.tieu_de, bold=True), before=23)
        + _p(_r("Xây dựng danh hiệu “{{ danh_hieu|viet_hoa }}” năm {{ nam }}", p.co_chu.trich_yeu, bold=True), after=11)
        + _p(_r("Kính gửi: {{ kinh_gui }}", p.co_chu.kinh_gui), after=8.5)
    )


def _form_signatures(p: RuleProfile, left_title: str, right_title: str, right_hint: str, right_name: str) -> str:
    d = p.ban_dang_ky
    assert d is not None
    width = twips(p.trang.rong_chu_mm)
    half = int(width * d.cot_chu_ky)
    return _p(before=11) + _two_columns(
        [half, width - half],
        _signature_cell(p, left_title, "(Ký, ghi rõ họ tên)", ""),
        _signature_cell(p, right_title, right_hint, right_name, dated=True),
    )


def _members(p: RuleProfile) -> str:
    d = p.ban_dang_ky
    assert d is not None
    width = twips(p.trang.rong_chu_mm)
    fixed = [twips(12), twips(22), twips(38), twips(40)]
    widths = [fixed[0], width - sum(fixed), fixed[1], fixed[2], fixed[3]]
    heads = ("STT", "Họ và tên", "Năm sinh", "Quan hệ với chủ hộ", "Đang học/nghề nghiệp")
    rows = row("".join(cell(w, _p(_r(h, d.bang, bold=True)), vcenter=True) for h, w in zip(heads, widths, strict=True)),
               header=True, cant_split=True)  # fmt: skip
    for i in range(1, 6):
        rows += row("".join(cell(w, _p(_r(str(i) if c == 0 else "", d.bang))) for c, w in enumerate(widths)))
    return table(widths, rows, borders=ALL_BORDERS)


def registration_family(p: RuleProfile) -> tuple[str, str]:
    """Pre-filled yearly registration form for a family."""
    body = (
        _form_head(p)
        + _fill_line(p, "Họ và tên chủ hộ: ", "{{ ho_ten }}")
        + _fill_line(p, "Năm sinh: ", "{{ nam_sinh if nam_sinh is not none else '…………' }}")
        + _fill_line(p, "Địa chỉ: ", "{{ dia_chi }}")
        + _fill_line(p, "Điện thoại: ", "{{ dien_thoai or '…………………………' }}")
        + _fill_line(
            p, "Số thành viên trong gia đình: ", "{{ so_thanh_vien if so_thanh_vien is not none else '……' }} người"
        )
        + _p(
            _r(
                "Gia đình chúng tôi đăng ký phấn đấu đạt danh hiệu “{{ danh_hieu }}” năm {{ nam }} "
                "với các nội dung sau:",
                p.co_chu.than,
            ),
            jc="both",
            before=6,
            after=3,
        )
        + _criteria(
            p,
            [
                "1. Trẻ em trong độ tuổi đi học đều được đến trường; các thành viên trong độ tuổi lao động "
                "học tập thường xuyên để nâng cao trình độ, kỹ năng nghề nghiệp.",
                "2. Các thành viên tích cực tham gia học tập tại trung tâm học tập cộng đồng và các hình "
                "thức học tập khác; thực hiện tốt nếp sống văn minh.",
                "3. Gia đình đạt danh hiệu “Gia đình văn hóa”; không có người vi phạm pháp luật.",
            ],
        )
        + _amount_lines(p)
        + _p(_r("Thành viên gia đình:", p.co_chu.than, bold=True), jc="left", before=6, after=3)
        + _members(p)
        + _form_signatures(p, "XÁC NHẬN CỦA BAN KHUYẾN HỌC", "CHỦ HỘ", "(Ký, ghi rõ họ tên)", "{{ ho_ten }}")
    )
    return body, _portrait_sect(p)


def registration_unit(p: RuleProfile) -> tuple[str, str]:
    """Pre-filled yearly registration form for a unit."""
    body = (
        _form_head(p)
        + _fill_line(p, "Tên đơn vị: ", "{{ ten_don_vi }}")
        + _fill_line(p, "Địa chỉ: ", "{{ dia_chi }}")
        + _fill_line(p, "Người đứng đầu: ", "{{ nguoi_dung_dau or '…………………………………' }}")
        + _fill_line(p, "Điện thoại: ", "{{ dien_thoai or '…………………………' }}")
        + _fill_line(p, "Số cán bộ, thành viên: ", "{{ so_thanh_vien if so_thanh_vien is not none else '……' }} người")
        + _p(
            _r(
                "Đơn vị chúng tôi đăng ký phấn đấu đạt danh hiệu “{{ danh_hieu }}” năm {{ nam }} với các nội dung sau:",
                p.co_chu.than,
            ),
            jc="both",
            before=6,
            after=3,
        )
        + _criteria(
            p,
            [
                "1. Có kế hoạch và tổ chức cho cán bộ, thành viên học tập thường xuyên, học tập suốt đời.",
                "2. Ít nhất 90% cán bộ, thành viên đạt danh hiệu “Công dân học tập”; không có người vi phạm pháp luật.",
                "3. Hoàn thành tốt nhiệm vụ được giao; tham gia tích cực phong trào khuyến học, "
                "khuyến tài tại địa phương.",
            ],
        )
        + _amount_lines(p)
        + _form_signatures(
            p, "XÁC NHẬN CỦA HỘI KHUYẾN HỌC", "THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)", "{{ nguoi_dung_dau or '' }}"
        )
    )
    return body, _portrait_sect(p)


TEMPLATES = {
    "giay_cong_nhan.docx": (certificate, "Giấy công nhận"),
    "dang_ky_gia_dinh.docx": (registration_family, "Bản đăng ký Gia đình học tập"),
    "dang_ky_don_vi.docx": (registration_unit, "Bản đăng ký Đơn vị học tập"),
}


def build(target_dir: Path = TEMPLATES_DIR, profile_name: str = "nd30") -> list[Path]:
    """Write every batch template; returns the paths written."""
    p = load_profile(profile_name)
    written = []
    for filename, (make, title) in TEMPLATES.items():
        body, sect = make(p)
        target = target_dir / filename
        write_bytes_atomic(target, package(p, body, title, sect))
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR):
        print(path)
