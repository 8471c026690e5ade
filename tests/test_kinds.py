"""Every Phụ lục III kind, the boxes of Phụ lục I, tables and Kính gửi, read back from the samples.

Expected values come from NĐ30 (Phụ lục I/III), not from our profile: a wrong profile
or template makes these fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from congvan.errors import CongvanError
from congvan.reading.docx import NS, Document, q, read_docx
from congvan.records.loader import validate_data
from congvan.render.tables import so_viet

TW_PER_MM = 1440 / 25.4
ROOT = Path(__file__).resolve().parents[1]
# The other kinds live in records/kinds/ (rendered by `make demo`); the format-rule, PDF layout,
# checker and import tests read them as well as the shared samples.
KINDS_DIR = ROOT / "records" / "kinds"


@pytest.fixture(scope="module")
def rendered(rendered, renderer):
    out = dict(rendered)
    for path in sorted(KINDS_DIR.glob("*.yaml")):
        from congvan.records.loader import load_record

        record = load_record(path)
        out[path.stem] = (record, renderer.render_bytes(record, base_dir=path.parent))
    return out


def _doc(rendered, stem: str) -> Document:
    return read_docx(rendered[stem][1])


def _texts(doc: Document, style: str) -> list[str]:
    return [p.text for p in doc.by_style(style)]


def _body(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs() if p.style in ("CVThan", "CVKhoan", "CVGach", "CVThanGiua") and p.text]


def test_giay_moi_has_the_lines_of_mau_1_7(rendered):
    body = _body(_doc(rendered, "108-giay-moi-hoi-nghi"))
    assert body[0].startswith("Ban Thường vụ Liên đoàn Lao động tỉnh Bến Tre trân trọng kính mời: Đồng chí Chủ tịch")
    for i, label in enumerate(("Tới dự: ", "Chủ trì: ", "Thời gian: ", "Địa điểm: ", "Đề nghị mang theo: "), start=1):
        assert body[i].startswith(label), body[i]
    assert body[-1].endswith("./.")


def test_giay_gioi_thieu_mau_1_8(rendered):
    doc = _doc(rendered, "109-giay-gioi-thieu")
    centred = doc.by_style("CVThanGiua")
    assert [p.text for p in centred] == ["Hội Khuyến học tỉnh Yên Bái trân trọng giới thiệu:"]
    assert centred[0].ppr("w:jc", "val") == "center"
    body = _body(doc)
    assert body[1:5] == [
        "Bà: Hà Thị Lan",
        "Chức vụ: Phó Chủ tịch Hội Khuyến học tỉnh",
        "Được cử đến: Sở Giáo dục và Đào tạo tỉnh Yên Bái.",
        'Về việc: Phối hợp khảo sát mô hình "Cộng đồng học tập" cấp xã năm 2026.',
    ]
    assert body[-1] == "Giấy này có giá trị đến hết ngày 30/6/2026./."
    assert not doc.by_style("CVTrichYeu")  # mẫu 1.8 has no trích yếu


def test_bien_ban_secretary_left_chair_right_no_date_line(rendered):
    doc = _doc(rendered, "110-bien-ban-hop-ban-thuong-vu")
    assert _texts(doc, "CVDiaDanhNgay") == [""]
    titles = doc.by_style("CVChuKy")
    assert [p.text for p in titles] == ["THƯ KÝ", "CHỦ TỌA"]
    row = next(titles[0].el.iterancestors(q("tr")))
    cells = row.findall("w:tc", NS)
    assert titles[0].el in cells[0].iter(q("p")) and titles[1].el in cells[1].iter(q("p"))
    body = _body(doc)
    assert body[0] == "Thời gian bắt đầu: 08 giờ 00 phút, ngày 12 tháng 3 năm 2026."
    assert body[-1] == "Cuộc họp kết thúc vào 11 giờ 15 phút cùng ngày./."


def test_giay_nghi_phep_and_confirmation_box(rendered):
    doc = _doc(rendered, "111-giay-nghi-phep")
    body = _body(doc)
    assert body[0] == ("Xét Đơn đề nghị nghỉ phép ngày 25/6/2026 của ông Nông Văn Quân, Giám đốc Sở Nội vụ cấp cho:")
    assert "kể từ ngày 13/7/2026 đến hết ngày 24/7/2026" in body[3]
    assert _texts(doc, "CVXacNhan")[0].startswith("Xác nhận của cơ quan (tổ chức)")


def test_confirmation_box_has_room_to_sign_and_the_name_line(rendered, renderer):
    """mẫu 1.10: under "(Chữ ký, dấu)" room to sign and stamp, then "Họ và tên" (bold) when known."""
    record = rendered["111-giay-nghi-phep"][0]
    doc = read_docx(renderer.render_bytes(record.model_copy(update={"ho_ten_xac_nhan": "Lý Văn Tài"})))
    label = next(p for p in doc.by_style("CVXacNhan") if p.text == "(Chữ ký, dấu)")
    after = doc.paragraphs()[doc.paragraphs().index(label) + 1 :]
    assert after[0].style == "CVChuKyAnh" and len(after[0].el.findall(".//w:br", NS)) >= 2
    assert after[1].style == "CVChuKyHoTen" and after[1].text == "Lý Văn Tài"
    names = [p.text for p in _doc(rendered, "111-giay-nghi-phep").by_style("CVChuKyHoTen")]
    assert names == ["Bế Thị Hằng"], names  # no name given: the confirmer writes it by hand


def test_cong_dien_label_and_list(rendered, renderer):
    """mẫu 1.6: "… điện:" centred on the page (not indented like "Kính gửi:"), recipients below it
    starting one paragraph indent in from the label's first letter, however long the label."""
    from congvan.render.metrics import text_width_mm

    doc = _doc(rendered, "107-cong-dien-phong-chong-bao")
    assert _texts(doc, "CVDien") == ["CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH điện:"]
    assert _texts(doc, "CVKinhGuiMuc") == [
        "- Giám đốc các sở, ban, ngành tỉnh;",
        "- Chủ tịch Ủy ban nhân dân các xã, phường.",
    ]
    record = rendered["107-cong-dien-phong-chong-bao"][0]
    for who in (record.nguoi_dien, "Chủ tịch Ủy ban nhân dân tỉnh Vĩnh Long"):
        doc = read_docx(renderer.render_bytes(record.model_copy(update={"nguoi_dien": who})))
        [label] = doc.by_style("CVDien")
        assert label.ppr("w:jc", "val") == "center" and not label.ppr("w:ind", "left")
        start = (165 - text_width_mm(label.text, 14)) / 2
        for item in doc.by_style("CVKinhGuiMuc"):
            assert abs(int(item.ppr("w:ind", "left")) / TW_PER_MM - (start + 10)) < 0.5


def test_kinh_gui_one_on_the_line_several_as_list(rendered):
    one = _doc(rendered, "103-to-trinh-de-nghi-khen-thuong")
    assert _texts(one, "CVKinhGui") == ["Kính gửi: Đoàn Chủ tịch Tổng Liên đoàn Lao động Việt Nam."]
    many = _doc(rendered, "104-bao-cao-ket-qua-khuyen-hoc")
    assert _texts(many, "CVKinhGui") == ["Kính gửi:"]
    assert _texts(many, "CVKinhGuiMuc") == ["- Trung ương Hội Khuyến học Việt Nam;", "- Ủy ban nhân dân tỉnh Bến Tre."]
    # the Kính gửi comes after the trích yếu line and before the body
    paras = [p.style for p in many.paragraphs()]
    assert paras.index("CVDuongKeTrichYeu") < paras.index("CVKinhGui") < paras.index("CVPhan")


def test_giay_moi_can_address_with_kinh_gui(rendered, renderer):
    """Situation 1 of issue 9: a Giấy mời (as a Tờ trình, a Báo cáo) takes "Kính gửi:" in its own style,
    not a body paragraph typed by hand (indented, justified)."""
    record = rendered["108-giay-moi-hoi-nghi"][0]
    doc = read_docx(renderer.render_bytes(record.model_copy(update={"kinh_gui": ["Ban Giám đốc Công ty Giao Long"]})))
    [kg] = doc.by_style("CVKinhGui")
    assert kg.text == "Kính gửi: Ban Giám đốc Công ty Giao Long."
    assert kg.ppr("w:jc", "val") != "both" and not kg.ppr("w:ind", "firstLine")
    assert not any(p.text.startswith("Kính gửi") for p in doc.paragraphs() if p.style == "CVThan")


def test_to_trinh_symbol_from_ten_loai_and_o12(rendered, renderer):
    record = rendered["103-to-trinh-de-nghi-khen-thuong"][0]
    assert _texts(_doc(rendered, "103-to-trinh-de-nghi-khen-thuong"), "CVSo") == ["Số: 27/TTr-LĐLĐ"]
    with_o12 = record.model_copy(update={"ky_hieu_nguoi_soan": "nth", "so_ban_phat_hanh": 5})
    doc = read_docx(renderer.render_bytes(with_o12))
    o12 = doc.by_style("CVKyHieuSoan")
    assert [p.text for p in o12] == ["NTH.(5)"]
    assert o12[0].size_pt() == {11.0}


def test_issued_document_of_quyet_dinh(rendered):
    doc = _doc(rendered, "106-quyet-dinh-ban-hanh-quy-che")
    assert _texts(doc, "CVTenLoai") == ["QUYẾT ĐỊNH", "QUY CHẾ"]
    # mẫu 1.3 Ghi chú 2: number, symbol, date and the issuing body's name; the reference (number and
    # date) kept on one line, so a second line starts at "của <cơ quan>"
    assert _texts(doc, "CVPhuLucKemTheo") == [
        "(Kèm theo Quyết định số 112/QĐ-LĐLĐ ngày 03 tháng 02 năm 2026 \ncủa Liên đoàn Lao động tỉnh Cao Bằng)"
    ]
    assert _texts(doc, "CVChuong") == ["Chương I", "Chương II"]
    assert len(doc.section_props()) == 2


def _issued_line(renderer, record) -> list[str]:
    return [p.text for p in read_docx(renderer.render_bytes(record)).by_style("CVPhuLucKemTheo")]


def test_issued_document_line_names_the_bodies_written_in_a_sentence(rendered, renderer):
    """"(Kèm theo … của <cơ quan>)" (mẫu 1.3) only when every issuing body gives ten_trong_cau; else as before."""
    record = rendered["106-quyet-dinh-ban-hanh-quy-che"][0]
    body = record.co_quan_ban_hanh[0]
    plain = record.model_copy(update={"co_quan_ban_hanh": [body.model_copy(update={"ten_trong_cau": None})]})
    # one line when it fits the text width, as before and as mẫu 1.3 sets it
    assert _issued_line(renderer, plain) == ["(Kèm theo Quyết định số 112/QĐ-LĐLĐ ngày 03 tháng 02 năm 2026)"]
    other = body.model_copy(update={"ten": "HỘI KHUYẾN HỌC TỈNH CAO BẰNG", "viet_tat": "HKH", "ten_trong_cau": None})
    half = record.model_copy(update={"co_quan_ban_hanh": [body, other]})
    assert " của " not in _issued_line(renderer, half)[0]  # one body without its sentence name: no "của …"
    both = record.model_copy(
        update={"co_quan_ban_hanh": [body, other.model_copy(update={"ten_trong_cau": "Hội Khuyến học tỉnh Cao Bằng"})]}
    )
    (line,) = _issued_line(renderer, both)
    assert " ".join(line.split()) == (
        "(Kèm theo Quyết định số 112/QĐ-LĐLĐ-HKH ngày 03 tháng 02 năm 2026"
        " của Liên đoàn Lao động tỉnh Cao Bằng và Hội Khuyến học tỉnh Cao Bằng)"
    )
    parts = line.split("\n")
    assert len(parts) >= 2 and any("ngày 03 tháng 02 năm 2026" in x for x in parts), parts  # the date kept whole
    assert not any(x.rstrip().endswith(("Cao", "tỉnh")) for x in parts[:-1]), parts  # names kept whole
    written = record.van_ban_kem_theo.model_copy(update={"kem_theo": "(Ban hành kèm theo Quyết định số 112/QĐ-LĐLĐ)"})
    own = record.model_copy(update={"van_ban_kem_theo": written})
    assert _issued_line(renderer, own) == ["(Ban hành kèm theo Quyết định số 112/QĐ-LĐLĐ)"]  # the record's line wins


def test_issued_document_line_sized_on_its_longest_line(rendered, renderer):
    """mẫu 1.3: the line under a balanced (two-line) trích yếu of the issued document is 1/3–1/2 of its longest line."""
    from congvan.render.metrics import text_width_mm

    record = rendered["106-quyet-dinh-ban-hanh-quy-che"][0]
    long = "Quản lý, sử dụng Quỹ khuyến học, khuyến tài và Quỹ hỗ trợ đoàn viên công đoàn khó khăn tỉnh Cao Bằng"
    kt = record.van_ban_kem_theo.model_copy(update={"trich_yeu": long})
    doc = read_docx(renderer.render_bytes(record.model_copy(update={"van_ban_kem_theo": kt})))
    issued = doc.by_style("CVTrichYeu")[-1]
    lines = ["".join(t.text or "" for t in r.iter(q("t"))) for r in issued.el.findall("w:r", NS)]
    lines = [x.strip() for x in lines if x.strip()]
    assert len(lines) == 2, lines
    widest = max(text_width_mm(x, 14, bold=True) for x in lines)
    kem_theo = doc.by_style("CVPhuLucKemTheo")[-1]
    line = doc.paragraphs()[doc.paragraphs().index(kem_theo) + 1]
    assert line.has_bottom_border()
    length = 165 - 2 * int(line.ppr("w:ind", "left")) / TW_PER_MM
    assert widest / 3 - 0.5 <= length <= widest / 2 + 0.5, (length, widest)


def test_issued_document_as_an_electronic_file_of_its_own(rendered):
    """mẫu 1.3 (điện tử): names | Quốc hiệu, no Số or date line, the title block, ô 14 "Số: …; time"."""
    doc = _doc(rendered, "115-quy-che-tep-dien-tu")
    assert "Số: 112/QĐ-LĐLĐ; 03/02/2026; 15:20:41 +07:00" in doc.part("word/header2.xml").decode()
    assert _texts(doc, "CVTenLoai") == ["QUY CHẾ"]
    assert _texts(doc, "CVPhuLucKemTheo") == ["(Kèm theo Quyết định số 112/QĐ-LĐLĐ ngày 03 tháng 02 năm 2026)"]
    assert not doc.by_style("CVSo") and not doc.by_style("CVDiaDanhNgay") and not doc.by_style("CVChuKy")
    assert doc.by_style("CVQuocHieu") and doc.by_style("CVDuongKeCoQuan")
    assert len(doc.section_props()) == 1


def test_nghi_quyet_says_quyet_nghi(rendered):
    doc = _doc(rendered, "105-nghi-quyet-ban-chap-hanh")
    assert _texts(doc, "CVQuyetDinhNhan") == ["QUYẾT NGHỊ:"]
    assert _texts(doc, "CVSo") == ["Số: 08/NQ-HĐND"]


def test_boxes_mat_khan_pham_vi_du_thao(rendered):
    mat = _doc(rendered, "114-ban-sao-dien-tu").by_style("CVDauMat")
    assert [p.text for p in mat] == ["MẬT"]
    khan = _doc(rendered, "107-cong-dien-phong-chong-bao").by_style("CVDauKhan")
    assert [p.text for p in khan] == ["HỎA TỐC"]
    for p in mat + khan:
        assert p.run_values("b") == {True} and 13 <= max(p.size_pt()) <= 14
        assert p.ppr("w:pBdr/w:top", "val") == "single" and p.ppr("w:pBdr/w:left", "val") == "single"
        # ô 10a/10b sit in the left header column, under Số
        cell_paras = [x for x in next(p.el.iterancestors(q("tc"))).iter(q("p"))]
        assert any("Số:" in "".join(t.text or "" for t in x.iter(q("t"))) for x in cell_paras)
    # HỎA TỐC: a 30 mm frame (Phụ lục I §III.2.b)
    tc_mm = int(next(khan[0].el.iterancestors(q("tc"))).find("w:tcPr/w:tcW", NS).get(q("w"))) / TW_PER_MM
    frame = (
        tc_mm
        - 2 * 85 / TW_PER_MM
        - (int(khan[0].ppr("w:ind", "left")) + int(khan[0].ppr("w:ind", "right"))) / TW_PER_MM
    )
    assert abs(frame - 30) < 0.5
    scope = _doc(rendered, "113-ban-sao-y")
    pv = scope.by_style("CVPhamVi")
    assert [p.text for p in pv] == ["LƯU HÀNH NỘI BỘ"]
    following = scope.paragraphs()[scope.paragraphs().index(pv[0]) + 1]
    assert following.style == "CVQuocHieu"  # ô 11 above ô 1
    draft = _doc(rendered, "104-bao-cao-ket-qua-khuyen-hoc")
    assert _texts(draft, "CVDuThao") == ["DỰ THẢO"]


def test_o13_in_first_page_footer_only(rendered):
    doc = _doc(rendered, "108-giay-moi-hoi-nghi")
    footer = doc.part("word/footer2.xml").decode()
    assert "Địa chỉ: Số 5 đường Đồng Khởi" in footer and "E-mail: ldld@bentre.example.vn" in footer
    assert "CVDuongKeLienHe" in footer
    first = doc.section_props()[0].find("w:footerReference[@w:type='first']", NS)
    assert first is not None
    assert "Địa chỉ" not in doc.part("word/footer1.xml").decode()


def test_o14_electronic_copy_and_electronic_appendix(rendered):
    copy = _doc(rendered, "114-ban-sao-dien-tu").part("word/header2.xml").decode()
    # mẫu 3.2: "…¹…;…²..; ngày/tháng/năm; giờ: phút: giây³", note 1 names the form "SAO Y"
    assert "SAO Y; Trung tâm Giáo dục thường xuyên tỉnh Yên Bái; 15/09/2026; 09:12:45 +07:00" in copy
    annex = _doc(rendered, "112-phu-luc-dien-tu")
    # mẫu 2.2: "Số: …; ngày/tháng/năm; giờ: phút: giây"
    assert "Số: 14/BC-HKH; 15/12/2026; 16:20:05 +07:00" in annex.part("word/header2.xml").decode()
    assert _texts(annex, "CVPhuLucNhan") == ["Phụ lục số 02"]
    assert _texts(annex, "CVPhuLucTen") == ['Danh sách học sinh nhận học bổng "Vượt khó học giỏi" năm 2026']


def test_appendix_total_row_label_and_case(rendered, renderer):
    """Situations 3 and 7: an appendix table's total row takes no STT and its figures are right-aligned,
    grouped; the label is the record's ("Phụ lục số 02", or none) and the title keeps its case."""
    doc = _doc(rendered, "112-phu-luc-dien-tu")
    t = _table_after(doc, "Tổng cộng")
    rows = t.findall("w:tr", NS)
    assert [_cell_texts(r)[0] for r in rows[1:]] == ["1", "2", "3", ""]
    total = _cell_texts(rows[-1])
    assert total[1] == "Tổng cộng" and total[-1] == "6.500.000"
    money = [r.findall("w:tc", NS)[-1].find("w:p/w:pPr/w:jc", NS).get(q("val")) for r in rows[1:]]
    assert money == ["right"] * 4
    record = rendered["112-phu-luc-dien-tu"][0]
    unlabelled = record.model_copy(update={"phu_luc": [record.phu_luc[0].model_copy(update={"nhan": ""})]})
    bare = read_docx(renderer.render_bytes(unlabelled))
    assert not [p.text for p in bare.by_style("CVPhuLucNhan") if p.text]
    assert _texts(bare, "CVPhuLucTen") == ['Danh sách học sinh nhận học bổng "Vượt khó học giỏi" năm 2026']


def test_paper_copy_block(rendered):
    doc = _doc(rendered, "113-ban-sao-y")
    assert _texts(doc, "CVHinhThucSao") == ["SAO Y"]
    assert "Số: 09/SY-HKH" in _texts(doc, "CVSo")
    line = doc.by_style("CVDuongKeBanSao")[0]
    assert line.has_bottom_border() and not line.ppr("w:ind", "left")


def _table_after(doc: Document, text: str):
    for t in (x.el for x in doc.tables()):
        if text in "".join(x.text or "" for x in t.iter(q("t"))):
            return t
    raise AssertionError(text)


def _cell_texts(tr) -> list[str]:
    return ["".join(x.text or "" for x in tc.iter(q("t"))) for tc in tr.findall("w:tc", NS)]


def test_body_table_alignment_totals_merges(rendered):
    doc = _doc(rendered, "104-bao-cao-ket-qua-khuyen-hoc")
    t = _table_after(doc, "Cộng cấp huyện")
    rows = t.findall("w:tr", NS)
    assert all(r.find("w:trPr/w:tblHeader", NS) is not None for r in rows[:2])  # both header rows repeat
    assert rows[2].find("w:trPr/w:tblHeader", NS) is None
    head = rows[0].findall("w:tc", NS)
    assert head[2].find("w:tcPr/w:gridSpan", NS).get(q("val")) == "2"
    assert head[0].find("w:tcPr/w:vMerge", NS).get(q("val")) == "restart"
    assert _cell_texts(rows[2])[:4] == ["1", "Hội Khuyến học thành phố Bến Tre", "1.250", "1.250.000.000"]
    total = _cell_texts(rows[5])
    assert total[0] == "Cộng cấp huyện" and total[1:3] == ["3.660", "3.018.250.000"]
    assert _cell_texts(rows[6])[0] == "4"  # the total row took no number
    jcs = [tc.find("w:p/w:pPr/w:jc", NS).get(q("val")) for tc in rows[2].findall("w:tc", NS)]
    assert jcs[:4] == ["center", "left", "right", "right"]
    stt_mm = int(t.find("w:tblGrid/w:gridCol", NS).get(q("w"))) / TW_PER_MM
    assert stt_mm >= 11  # five digits at 13 pt plus cell margins


def test_vietnamese_grouping():
    assert so_viet(1250000) == "1.250.000"
    assert so_viet(980) == "980"
    assert so_viet(2.5) == "2,5"
    assert so_viet(-1234567) == "-1.234.567"


# ---------------------------------------------------------------- validation

BASE = {
    "loai": "van_ban",
    "ten_loai": "TỜ TRÌNH",
    "co_quan_ban_hanh": {"ten": "ỦY BAN NHÂN DÂN TỈNH A", "viet_tat": "UBND"},
    "dia_danh": "A",
    "trich_yeu": "Đề nghị",
    "noi_dung": ["Kính trình."],
    "chu_ky": [{"quyen_han": "TM", "thay": "ỦY BAN NHÂN DÂN", "chuc_vu": "CHỦ TỊCH", "ho_ten": "Nguyễn Văn A"}],
    "noi_nhan": ["Lưu: VT"],
}


def _messages(**changes) -> list[str]:
    data = {**BASE, **changes}
    try:
        validate_data(data, "ho-so.yaml")
    except CongvanError as exc:
        return [f"{p.field}: {p.message}" for p in exc.problems]
    return []


def test_ten_loai_checked_against_ma_loai():
    assert _messages() == []
    (msg,) = _messages(ma_loai="TB")
    assert msg.startswith("ma_loai:") and "'TTr'" in msg and "'TB'" in msg


def test_nhu_tren_needs_kinh_gui():
    (msg,) = _messages(noi_nhan=["Như trên", "Lưu: VT"])
    assert msg.startswith("noi_nhan[0]") and "Kính gửi" in msg
    assert _messages(noi_nhan=["Như trên", "Lưu: VT"], kinh_gui="Bộ Nội vụ") == []


def test_repeated_and_combined_authority_prefixes():
    double = [{"thay_mat": "BAN THƯỜNG VỤ", "quyen_han": "TM", "thay": "CHỦ TỊCH", "chuc_vu": "X", "ho_ten": "A"}]
    (msg,) = _messages(chu_ky=double)
    assert "hai dòng TM." in msg and "NĐ30 cho phép" in msg
    typed = [{"quyen_han": "TM", "thay": "TM. BAN THƯỜNG VỤ", "chuc_vu": "X", "ho_ten": "A"}]
    assert any("đã có tiền tố 'TM.'" in m for m in _messages(chu_ky=typed))
    tl = [{"thay_mat": "ỦY BAN NHÂN DÂN", "quyen_han": "TL", "thay": "CHỦ TỊCH", "chuc_vu": "X", "ho_ten": "A"}]
    assert any("chỉ đi cùng quyen_han: KT" in m for m in _messages(chu_ky=tl))


def test_party_forms_refused_with_hint():
    party = [{"thay": "T/M BAN THƯỜNG VỤ", "ho_ten": "A"}]
    assert any("quy_tac: dang" in m for m in _messages(chu_ky=party))
    assert any("quy_tac: dang" in m for m in _messages(ky_hieu="12-NQ/ĐU"))


def test_control_characters_refused_where_they_stand():
    (msg,) = _messages(trich_yeu="Đề\x07 nghị")
    assert msg.startswith("trich_yeu:") and "U+0007" in msg
    (msg,) = _messages(noi_dung=[{"khoan": "a\x0bb"}])
    assert msg.startswith("noi_dung[0].khoan:")


def test_marks_only_those_of_nd30():
    (msg,) = _messages(do_khan="GẤP")
    assert msg.startswith("do_khan:") and "HỎA TỐC" in msg
    assert _messages(do_mat="tối mật") == []


def test_secret_mark_selects_secret_series():
    record = validate_data({**BASE, "do_mat": "MẬT"}, "x.yaml")
    assert record.mat is True


def test_every_kind_has_a_sample():
    from congvan.records.models import LOAI_VAN_BAN
    from congvan.records.yaml_source import load_yaml_file

    paths = [*(ROOT / "records").glob("*.yaml"), *KINDS_DIR.glob("*.yaml")]
    kinds = {load_yaml_file(p)[0]["loai"] for p in paths}
    assert kinds == set(LOAI_VAN_BAN)


@pytest.mark.parametrize(
    "stem", ["108-giay-moi-hoi-nghi", "110-bien-ban-hop-ban-thuong-vu", "104-bao-cao-ket-qua-khuyen-hoc"]
)
def test_kinds_render_well_formed(rendered, stem):
    doc = _doc(rendered, stem)
    assert doc.paragraphs()


@pytest.mark.parametrize("stem", [p.stem for p in sorted(KINDS_DIR.glob("*.yaml"))])
def test_kind_samples_pass_the_checker(rendered, stem):
    """The layout of every kind sample passes kiem-tra (header, lines, sizes), as the shared samples do."""
    from congvan.profiles import load_profile
    from congvan.reading.checker import LOI, check_file

    record, data = rendered[stem]
    report = check_file(data, load_profile(record.quy_tac), name=stem)
    assert [f.line() for f in report.findings if f.muc == LOI] == []
