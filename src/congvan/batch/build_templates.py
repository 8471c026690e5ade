"""Build the batch templates in templates/ (run: python -m congvan.batch.build_templates).

The templates are ordinary .docx files with docxtpl-style Jinja tags, so a
secretary can open one in Word, restyle it and use it with ``--mau``. They are
written part by part (see :mod:`congvan.batch.ooxml`) to stay a few KB.
"""

from __future__ import annotations

import sys
from pathlib import Path

from congvan.batch.ooxml import (
    BLUE,
    RED,
    Cell,
    Page,
    mm,
    package_parts,
    para,
    rule,
    run,
    table,
    tag_para,
)
from congvan.fileio import write_bytes_atomic
from congvan.render.package import PackageWriter

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "templates"


def _national_motto(width: int, size: float = 13) -> list[str]:
    """Quốc hiệu and tiêu ngữ with the rule under the motto (NĐ30 Phụ lục I)."""
    return [
        para(run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=min(size, 13), bold=True)),
        para(run("Độc lập - Tự do - Hạnh phúc", size=min(size + 1, 14), bold=True)),
        rule(mm(60), width),
    ]


def _agency(width: int, size: float = 13, with_number: bool = False) -> list[str]:
    out = [
        para(run("{{ co_quan_dong_1 }}", size=size, bold=True)),
        para(run("{{ co_quan_dong_2 }}", size=size, bold=True)),
        rule(mm(25), width),
    ]
    if with_number:
        out.append(para(run("Số: {{ so_ky_hieu }}", size=13), before=120))
    return out


def certificate() -> tuple[str, Page]:
    """Landscape certificate of recognition ("Giấy công nhận")."""
    page = Page(landscape=True, top=20, bottom=15, left=25, right=25, border=True, center=True)
    w = page.text_width
    left, right = int(w * 0.40), w - int(w * 0.40)
    head = table([[Cell(_agency(left), left), Cell(_national_motto(right), right)]], [left, right])
    name_big = para(run("{{ ten|viet_hoa }}", size=30, bold=True, color=BLUE), after=mm(2))
    name_small = para(run("{{ ten|viet_hoa }}", size=20, bold=True, color=BLUE), before=60, after=60)
    body = [
        head,
        para(run("GIẤY CÔNG NHẬN", size=48, bold=True, color=RED), before=mm(12), after=mm(3)),
        para(run("{{ nguoi_cong_nhan|viet_hoa }}", size=16, bold=True), after=mm(5)),
        para(run("{{ loi_cong_nhan }}", size=17, italic=True), after=mm(1)),
        tag_para("{%p if ten|length <= 34 %}"),
        name_big,
        tag_para("{%p else %}"),
        name_small,
        tag_para("{%p endif %}"),
        para(run("Địa chỉ: {{ dia_chi }}", size=16, italic=True), after=mm(4)),
        para(
            run(
                "Đạt danh hiệu “{{ danh_hieu|viet_hoa }}” năm {{ nam }}",
                size=22,
                bold=True,
                color=RED,
            ),
            after=mm(8),
        ),
    ]
    sign = [
        para(run("{{ dong_dia_danh_ngay }}", size=14, italic=True)),
        tag_para("{%p if quyen_han %}"),
        para(run("{{ quyen_han|viet_hoa }}", size=14, bold=True)),
        tag_para("{%p endif %}"),
        para(run("{{ chuc_vu_ky|viet_hoa }}", size=14, bold=True), after=mm(22)),
        para(run("{{ nguoi_ky }}", size=14, bold=True)),
    ]
    note = [
        para(run("Quyết định số {{ so_ky_hieu }}", size=13, italic=True), align="left"),
        para(run("{{ ngay_quyet_dinh }}", size=13, italic=True), align="left"),
        para(run("Số vào sổ: {{ so_vao_so }}", size=13, italic=True), align="left"),
    ]
    body.append(table([[Cell(note, left, "bottom"), Cell(sign, right)]], [left, right]))
    return "".join(body), page


def _signature_cell(title: str, hint: str, name: str, width: int, dated: bool = False) -> Cell:
    """Signature column; the place-and-date line sits above the signer's title."""
    date = [para(run("{{ dong_ngay_trong }}", size=13, italic=True))] if dated else [para("")]
    return Cell(
        [
            *date,
            para(run(title, size=13, bold=True)),
            para(run(hint, size=13, italic=True), after=mm(20)),
            para(run(name, size=14, bold=True)),
        ],
        width,
    )


def _fill_line(label: str, value: str, size: float = 14) -> str:
    return para(run(label, size=size), run(value, size=size), align="both", before=60, after=60)


def _criteria(items: list[str]) -> list[str]:
    return [para(run(text, size=14), align="both", indent_first=mm(10), after=60) for text in items]


def _amount_lines() -> list[str]:
    """Amount in figures and in words, or a dotted line to fill in by hand."""
    return [
        tag_para("{%p if dong_gop is not none %}"),
        _fill_line("Đăng ký đóng góp Quỹ khuyến học: ", "{{ dong_gop|so_tien }} đồng"),
        para(run("(Bằng chữ: {{ dong_gop|doc_tien }})", size=14, italic=True), align="left", after=60),
        tag_para("{%p else %}"),
        _fill_line("Đăng ký đóng góp Quỹ khuyến học: ", "……………… đồng"),
        tag_para("{%p endif %}"),
    ]


def registration_family() -> tuple[str, Page]:
    """Pre-filled yearly registration form for a family."""
    page = Page()
    w = page.text_width
    members = [
        [
            Cell([para(run(h, size=13, bold=True))], cw, "center")
            for h, cw in zip(
                ("STT", "Họ và tên", "Năm sinh", "Quan hệ với chủ hộ", "Đang học/nghề nghiệp"),
                _member_widths(w),
                strict=True,
            )
        ]
    ] + [
        [Cell([para(run(str(i) if c == 0 else "", size=13))], cw) for c, cw in enumerate(_member_widths(w))]
        for i in range(1, 6)
    ]
    half = int(w * 0.42)
    body = [
        *_national_motto(w, 13),
        para(run("BẢN ĐĂNG KÝ", size=15, bold=True), before=mm(8)),
        para(
            run("Xây dựng danh hiệu “{{ danh_hieu|viet_hoa }}” năm {{ nam }}", size=14, bold=True),
            after=mm(4),
        ),
        para(run("Kính gửi: {{ kinh_gui }}", size=14), after=mm(3)),
        _fill_line("Họ và tên chủ hộ: ", "{{ ho_ten }}"),
        _fill_line("Năm sinh: ", "{{ nam_sinh if nam_sinh is not none else '…………' }}"),
        _fill_line("Địa chỉ: ", "{{ dia_chi }}"),
        _fill_line("Điện thoại: ", "{{ dien_thoai or '…………………………' }}"),
        _fill_line(
            "Số thành viên trong gia đình: ",
            "{{ so_thanh_vien if so_thanh_vien is not none else '……' }} người",
        ),
        para(
            run(
                "Gia đình chúng tôi đăng ký phấn đấu đạt danh hiệu “{{ danh_hieu }}” năm {{ nam }} "
                "với các nội dung sau:",
                size=14,
            ),
            align="both",
            before=120,
            after=60,
        ),
        *_criteria(
            [
                "1. Trẻ em trong độ tuổi đi học đều được đến trường; các thành viên trong độ tuổi "
                "lao động "
                "học tập thường xuyên để nâng cao trình độ, kỹ năng nghề nghiệp.",
                "2. Các thành viên tích cực tham gia học tập tại trung tâm học tập cộng đồng "
                "và các hình "
                "thức học tập khác; thực hiện tốt nếp sống văn minh.",
                "3. Gia đình đạt danh hiệu “Gia đình văn hóa”; không có người vi phạm pháp luật.",
            ]
        ),
        *_amount_lines(),
        para(run("Thành viên gia đình:", size=14, bold=True), align="left", before=120, after=60),
        table(members, _member_widths(w), borders=True, header_rows=1),
        para("", before=mm(4)),
        table(
            [
                [
                    _signature_cell("XÁC NHẬN CỦA BAN KHUYẾN HỌC", "(Ký, ghi rõ họ tên)", "", half),
                    _signature_cell("CHỦ HỘ", "(Ký, ghi rõ họ tên)", "{{ ho_ten }}", w - half, dated=True),
                ]
            ],
            [half, w - half],
        ),
    ]
    return "".join(body), page


def _member_widths(w: int) -> list[int]:
    fixed = [mm(12), mm(22), mm(38), mm(40)]
    return [fixed[0], w - sum(fixed), fixed[1], fixed[2], fixed[3]]


def registration_unit() -> tuple[str, Page]:
    """Pre-filled yearly registration form for a unit."""
    page = Page()
    w = page.text_width
    half = int(w * 0.42)
    body = [
        *_national_motto(w, 13),
        para(run("BẢN ĐĂNG KÝ", size=15, bold=True), before=mm(8)),
        para(
            run("Xây dựng danh hiệu “{{ danh_hieu|viet_hoa }}” năm {{ nam }}", size=14, bold=True),
            after=mm(4),
        ),
        para(run("Kính gửi: {{ kinh_gui }}", size=14), after=mm(3)),
        _fill_line("Tên đơn vị: ", "{{ ten_don_vi }}"),
        _fill_line("Địa chỉ: ", "{{ dia_chi }}"),
        _fill_line("Người đứng đầu: ", "{{ nguoi_dung_dau or '…………………………………' }}"),
        _fill_line("Điện thoại: ", "{{ dien_thoai or '…………………………' }}"),
        _fill_line(
            "Số cán bộ, thành viên: ",
            "{{ so_thanh_vien if so_thanh_vien is not none else '……' }} người",
        ),
        para(
            run(
                "Đơn vị chúng tôi đăng ký phấn đấu đạt danh hiệu “{{ danh_hieu }}” năm {{ nam }} với các nội dung sau:",
                size=14,
            ),
            align="both",
            before=120,
            after=60,
        ),
        *_criteria(
            [
                "1. Có kế hoạch và tổ chức cho cán bộ, thành viên học tập thường xuyên, học tập suốt đời.",
                "2. Ít nhất 90% cán bộ, thành viên đạt danh hiệu “Công dân học tập”; không có người vi phạm pháp luật.",
                "3. Hoàn thành tốt nhiệm vụ được giao; tham gia tích cực phong trào khuyến học, "
                "khuyến tài tại địa phương.",
            ]
        ),
        *_amount_lines(),
        para("", before=mm(4)),
        table(
            [
                [
                    _signature_cell("XÁC NHẬN CỦA HỘI KHUYẾN HỌC", "(Ký, ghi rõ họ tên)", "", half),
                    _signature_cell(
                        "THỦ TRƯỞNG ĐƠN VỊ",
                        "(Ký tên, đóng dấu)",
                        "{{ nguoi_dung_dau or '' }}",
                        w - half,
                        dated=True,
                    ),
                ]
            ],
            [half, w - half],
        ),
    ]
    return "".join(body), page


TEMPLATES = {
    "giay_cong_nhan.docx": (certificate, "Giấy công nhận"),
    "dang_ky_gia_dinh.docx": (registration_family, "Bản đăng ký Gia đình học tập"),
    "dang_ky_don_vi.docx": (registration_unit, "Bản đăng ký Đơn vị học tập"),
}


def build(target_dir: Path = TEMPLATES_DIR) -> list[Path]:
    """Write every batch template; returns the paths written."""
    written = []
    for filename, (make, title) in TEMPLATES.items():
        body, page = make()
        parts = package_parts(body, page, title)
        target = target_dir / filename
        write_bytes_atomic(target, PackageWriter(parts, level=9).to_bytes({}))
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATES_DIR):
        print(path)
