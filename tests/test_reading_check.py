"""kiem-tra: each mutation of our own output breaks one rule and gets exactly that finding.

The unmutated samples have no blocking finding; every official mẫu (Phụ lục III)
is read without a crash, its elements found and its placeholders reported as
unfilled instead of as layout faults.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from tests.conftest import sample_ids

from congvan.cli import main
from congvan.profiles import load_profile
from congvan.reading.checker import CHUA_DIEN, LOI, check_file
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import twips

MAU = Path(__file__).parent / "fixtures" / "nd30-mau"
PROFILE = load_profile("nd30")
KE_HOACH = "102-ke-hoach-trao-hoc-bong"
CONG_VAN = "101-cong-van-dang-ky-don-vi-hoc-tap"


def _rewrite(data: bytes, part: str, edit) -> bytes:
    """A copy of the DOCX with one part's XML text edited."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename == part:
                edited = edit(content.decode("utf-8"))
                assert edited != content.decode("utf-8"), f"mutation did not change {part}"
                content = edited.encode("utf-8")
            dst.writestr(item, content)
    return out.getvalue()


def _style(xml: str, style_id: str, old: str, new: str) -> str:
    """Replace *old* by *new* inside one style definition of styles.xml."""
    start = xml.index(f'w:styleId="{style_id}"')
    end = xml.index("</w:style>", start)
    return xml[:start] + xml[start:end].replace(old, new, 1) + xml[end:]


def _para_with(xml: str, marker: str) -> tuple[int, int]:
    """Span of the w:p element containing *marker*."""
    at = xml.index(marker)
    start = (
        xml.rindex("<w:p>", 0, at)
        if xml.rfind("<w:p>", 0, at) > xml.rfind("<w:p ", 0, at)
        else xml.rindex("<w:p ", 0, at)
    )
    return start, xml.index("</w:p>", at) + len("</w:p>")


def _drop_para(xml: str, marker: str) -> str:
    start, end = _para_with(xml, marker)
    return xml[:start] + xml[end:]


def _indent_para(xml: str, marker: str, side_mm: float) -> str:
    """Give the paragraph holding *marker* equal left/right indents."""
    start, end = _para_with(xml, marker)
    para = xml[start:end]
    tw = twips(side_mm)
    para = re.sub(r"<w:ind [^>]*/>", "", para)
    para = para.replace("<w:pPr>", f'<w:pPr><w:ind w:left="{tw}" w:right="{tw}"/>', 1)
    return xml[:start] + para + xml[end:]


def _full_rule_under_trich_yeu(xml: str) -> str:
    """Size the trích yếu line to 100 % of the trích yếu's width (NĐ30 wants 1/3–1/2)."""
    lines = re.findall(r'<w:pStyle w:val="CVTrichYeu"/>.*?</w:p>', xml)
    texts = ["".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p)) for p in lines]
    width = max(text_width_mm(t, PROFILE.co_chu.trich_yeu, bold=True) for t in texts)
    side = (PROFILE.trang.rong_chu_mm - width) / 2
    start, end = _para_with(xml, 'w:val="CVDuongKeTrichYeu"')
    para = re.sub(r'w:left="\d+" w:right="\d+"', f'w:left="{twips(side)}" w:right="{twips(side)}"', xml[start:end])
    return xml[:start] + para + xml[end:]


DOC, STY = "word/document.xml", "word/styles.xml"
MUTATIONS = {
    # id: (sample, part, edit, the one rule it must break)
    "than-12pt": (
        CONG_VAN,
        STY,
        lambda x: _style(x, "CVThan", '<w:sz w:val="28"/>', '<w:sz w:val="24"/>'),
        "co_chu.than",
    ),
    "khoan-12pt": (
        KE_HOACH,
        STY,
        lambda x: _style(x, "CVKhoan", '<w:sz w:val="28"/>', '<w:sz w:val="24"/>'),
        "co_chu.than",
    ),
    "quoc-hieu-14pt": (
        KE_HOACH,
        STY,
        lambda x: _style(x, "CVQuocHieu", '<w:sz w:val="26"/>', '<w:sz w:val="28"/>'),
        "co_chu.quoc_hieu",
    ),
    "noi-nhan-12pt": (
        KE_HOACH,
        STY,
        lambda x: _style(x, "CVNoiNhan", '<w:sz w:val="22"/>', '<w:sz w:val="24"/>'),
        "co_chu.noi_nhan",
    ),
    "nhan-noi-nhan-dung": (
        KE_HOACH,
        STY,
        lambda x: _style(x, "CVNoiNhanNhan", "<w:i/>", ""),
        "kieu_chu.noi_nhan_nhan.nghieng",
    ),
    "co-quan-khong-dam": (KE_HOACH, STY, lambda x: _style(x, "CVCoQuan", "<w:b/>", ""), "kieu_chu.co_quan.dam"),
    "ngay-dung": (KE_HOACH, STY, lambda x: _style(x, "CVDiaDanhNgay", "<w:i/>", ""), "kieu_chu.dia_danh_ngay.nghieng"),
    "vv-dam": (
        CONG_VAN,
        STY,
        lambda x: _style(x, "CVTrichYeuCV", "<w:rPr>", "<w:rPr><w:b/>"),
        "kieu_chu.trich_yeu_cong_van.dam",
    ),
    "phong-arial": (
        KE_HOACH,
        STY,
        lambda x: x.replace('w:ascii="Times New Roman" w:hAnsi="Times New Roman"', 'w:ascii="Arial" w:hAnsi="Arial"'),
        "phong_chu",
    ),
    "duong-ke-trich-yeu-100": (KE_HOACH, DOC, _full_rule_under_trich_yeu, "duong_ke.trich_yeu"),
    "khong-duong-ke-tieu-ngu": (
        KE_HOACH,
        DOC,
        lambda x: _drop_para(x, 'w:val="CVDuongKeTieuNgu"'),
        "duong_ke.tieu_ngu",
    ),
    "quoc-hieu-xuong-dong": (KE_HOACH, DOC, lambda x: _indent_para(x, 'w:val="CVQuocHieu"', 22), "mot_dong.quoc_hieu"),
    "K/T": (KE_HOACH, DOC, lambda x: x.replace("KT. CHỦ TỊCH", "K/T CHỦ TỊCH"), "quyen_han.viet"),
    "thieu-luu": (KE_HOACH, DOC, lambda x: _drop_para(x, "- Lưu: VT, PT."), "noi_nhan.luu"),
    "so-trang-trang-1": (KE_HOACH, DOC, lambda x: x.replace("<w:titlePg/>", ""), "so_trang.trang_1"),
    "le-trai-20": (KE_HOACH, DOC, lambda x: x.replace('w:left="1701"', 'w:left="1134"'), "le.trai"),
    "le-tren-30": (KE_HOACH, DOC, lambda x: x.replace('w:top="1134"', 'w:top="1701"'), "le.tren"),
    "kho-letter": (
        KE_HOACH,
        DOC,
        lambda x: x.replace('w:w="11906" w:h="16838"', 'w:w="12240" w:h="15840"'),
        "trang.kho_giay",
    ),
    "thieu-so": (KE_HOACH, DOC, lambda x: _drop_para(x, "Số: 15/KH-HKH"), "thieu.so_ky_hieu"),
}


def _rules(findings, muc=LOI) -> list[str]:
    return sorted(f.quy_tac for f in findings if f.muc == muc)


@pytest.mark.parametrize(
    "stem",
    [
        "000-ke-hoach-lien-tich-ldld-hkh-ben-tre",
        KE_HOACH,
        CONG_VAN,
        "100-quyet-dinh-cong-nhan-gia-dinh-hoc-tap",
        "003-chuong-trinh-phoi-hop-yen-bai",
    ],
)
def test_own_output_has_no_blocking_finding(rendered, stem):
    report = check_file(rendered[stem][1], PROFILE, name=f"{stem}.docx")
    assert report.error is None
    assert _rules(report.findings) == [], [f.line() for f in report.findings]
    for key in ("quoc_hieu", "tieu_ngu", "co_quan", "so_ky_hieu", "dia_danh_ngay", "noi_nhan_nhan", "chu_ky", "ho_ten"):
        assert report.elements.get(key), key


@pytest.mark.parametrize("stem", sample_ids())
def test_every_sample_record_passes(rendered, stem):
    report = check_file(rendered[stem][1], PROFILE, name=stem)
    assert _rules(report.findings) == [], [f.line() for f in report.findings]


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_mutation_gets_exactly_its_finding(rendered, mutation):
    stem, part, edit, rule = MUTATIONS[mutation]
    data = _rewrite(rendered[stem][1], part, edit)
    report = check_file(data, PROFILE, name="dot-bien.docx")
    assert _rules(report.findings) == [rule], [f.line() for f in report.findings]
    finding = next(f for f in report.findings if f.quy_tac == rule)
    assert finding.can and finding.dang and finding.o_dau and finding.sua


def test_finding_says_where_and_what(rendered):
    stem, part, edit, _ = MUTATIONS["than-12pt"]
    report = check_file(_rewrite(rendered[stem][1], part, edit), PROFILE, name="x.docx")
    (finding,) = report.errors
    assert finding.phan_tu == "Nội dung" and finding.can == "cỡ chữ 13–14 pt" and finding.dang == "12 pt"
    assert finding.o_dau.startswith("đoạn ")


def test_parent_body_told_from_issuing_body(rendered):
    report = check_file(rendered[CONG_VAN][1], PROFILE, name="cv.docx")
    rec = report.rec
    assert rec.text("co_quan_chu_quan") == "TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM"
    assert rec.text("co_quan") == "LIÊN ĐOÀN LAO ĐỘNG TỈNH CAO BẰNG"
    assert rec.cong_van and rec.text("trich_yeu_cong_van").startswith("V/v ")


def test_noi_nhan_label_and_items_apart(rendered):
    stem, part, edit, _ = MUTATIONS["noi-nhan-12pt"]
    report = check_file(_rewrite(rendered[stem][1], part, edit), PROFILE, name="x.docx")
    (finding,) = report.errors
    assert finding.phan_tu == "Nơi nhận (các nơi)" and finding.can == "cỡ chữ 11 pt"


MAU_FILES = sorted(MAU.glob("*.docx"))


@pytest.mark.parametrize("path", MAU_FILES, ids=[p.stem for p in MAU_FILES])
def test_official_mau_read_and_placeholders_unfilled(path):
    report = check_file(path, PROFILE, name=path.name)
    assert report.error is None
    unfilled = [f for f in report.findings if f.muc == CHUA_DIEN]
    assert len(unfilled) >= 3, [f.line() for f in report.findings]
    assert len(report.errors) <= 2, [f.line() for f in report.errors]  # not "40 layout errors"
    if not path.stem.startswith("mau-2"):  # Phụ lục pages have no header of their own
        assert report.elements.get("quoc_hieu") and report.elements.get("tieu_ngu")
        assert report.elements.get("co_quan")
    assert report.elements.get("ten_loai") or report.rec.cong_van or path.stem in ("mau-1.8", "mau-1.10")


def test_mau_cong_van_recognised():
    report = check_file(MAU / "mau-1.5.docx", PROFILE, name="mau-1.5.docx")
    assert report.rec.cong_van
    assert report.elements["kinh_gui"] and report.elements["noi_nhan_nhan"]
    kinds = {f.phan_tu for f in report.findings if f.muc == CHUA_DIEN}
    assert {"Tên cơ quan ban hành", "Quyền hạn, chức vụ người ký", "Họ tên người ký"} <= kinds


def test_mau_faults_said_as_seen():
    """mau-1.9 has a Calibri line in its body: reported with the font it has."""
    report = check_file(MAU / "mau-1.9.docx", PROFILE, name="mau-1.9.docx")
    (finding,) = report.errors
    assert finding.quy_tac == "phong_chu" and "Calibri" in finding.dang


def test_cli_exit_codes_and_json(rendered, tmp_path, capsys):
    good = tmp_path / "dat.docx"
    good.write_bytes(rendered[KE_HOACH][1])
    stem, part, edit, _ = MUTATIONS["K/T"]
    bad = tmp_path / "sai.docx"
    bad.write_bytes(_rewrite(rendered[stem][1], part, edit))
    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")

    def run(*args):
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        return exit_info.value.code, capsys.readouterr()

    code, out = run("kiem-tra", str(good))
    assert code == 0 and "đạt thể thức" in out.out
    code, out = run("kiem-tra", str(bad), "--json")
    data = json.loads(out.out)
    assert code == 1 and data[0]["so_loi"] == 1 and data[0]["ket_qua"][0]["quy_tac"] == "quyen_han.viet"
    code, out = run("kiem-tra", str(tmp_path))
    assert code == 2 and "hong.docx: KHÔNG ĐỌC ĐƯỢC" in out.out and "Traceback" not in out.out + out.err
    assert "sai.docx (bộ quy tắc nd30): 1 lỗi" in out.out


def _hand_made() -> bytes:
    """A plan typed by hand: header by tabs, underscores for lines, the signature in a text box."""
    from tests.test_reading_docx import SECT1, _docx

    font = '<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/>'

    def r(text: str, rpr: str = "") -> str:
        return f'<w:r><w:rPr>{font}{rpr}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'

    def p(runs: str, ppr: str = "") -> str:
        return f"<w:p><w:pPr>{ppr}</w:pPr>{runs}</w:p>"

    tab, s13, s14, b, i = "<w:r><w:tab/></w:r>", '<w:sz w:val="26"/>', '<w:sz w:val="28"/>', "<w:b/>", "<w:i/>"
    centre, both = '<w:jc w:val="center"/>', '<w:jc w:val="both"/>'
    box = (
        "<w:p><w:r><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>"
        + p(r("KT. GIÁM ĐỐC", b + s14), centre)
        + p(r("PHÓ GIÁM ĐỐC", b + s14), centre)
        + p(r("Trần Văn Bình", b + s14), centre)
        + "</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r></w:p>"
    )
    body = (
        p(r("UBND TỈNH BẾN TRE", s13) + tab + r("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", b + s13))
        + p(r("SỞ GIÁO DỤC VÀ ĐÀO TẠO", b + s13) + tab + r("Độc lập - Tự do - Hạnh phúc", b + s14))
        + p(r("_" * 10, s13) + tab + r("_" * 24, s14))
        + p(r("Số: 12/KH-SGDĐT", s13) + tab + r("Bến Tre, ngày 05 tháng 3 năm 2026", i + s14))
        + p(r("KẾ HOẠCH", b + s14), centre)
        + p(r("Tổ chức ngày hội đọc sách", b + s14), '<w:pBdr><w:bottom w:val="single" w:sz="6"/></w:pBdr>' + centre)
        + p(r("I. MỤC ĐÍCH", b + s14), both)
        + p(r("1. Khuyến khích ", s14) + r("đọc sách", b + s14) + r(" trong học sinh.", s14), both)
        + p(r("Nơi nhận:", b + i + '<w:sz w:val="24"/>'))
        + p(r("- Các trường THPT;", '<w:sz w:val="22"/>'))
        + p(r("- Lưu: VT.", '<w:sz w:val="22"/>'))
        + box
        + SECT1
    )
    return _docx(body)


def test_hand_made_tabs_underscores_text_box():
    report = check_file(_hand_made(), PROFILE, name="tay.docx")
    rec = report.rec
    assert rec.text("co_quan_chu_quan") == "UBND TỈNH BẾN TRE" and rec.text("co_quan") == "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
    assert rec.text("dia_danh_ngay").startswith("Bến Tre, ngày 05")
    assert rec.lines["tieu_ngu"].kind == "gach_duoi" and rec.lines["co_quan"].kind == "gach_duoi"
    assert [s.plain for s in rec.signatures[0].lines] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert rec.signatures[0].name.plain == "Trần Văn Bình"
    # its two faults: a border on the trích yếu paragraph runs the full width (not 1/3–1/2 of the text),
    # and the section's only header (with PAGE) shows on page 1 too
    assert _rules(report.findings) == ["duong_ke.trich_yeu", "so_trang.trang_1"], [f.line() for f in report.findings]


KINDS = Path(__file__).resolve().parents[1] / "records" / "kinds"


@pytest.mark.parametrize(
    "stem", ["109-giay-gioi-thieu", "111-giay-nghi-phep", "112-phu-luc-dien-tu", "114-ban-sao-dien-tu"]
)
def test_other_kinds_read_clean(renderer, stem):
    """Giấy giới thiệu / nghỉ phép (no trích yếu: a warning), an appendix file, an electronic copy."""
    from congvan.records.loader import load_record

    path = KINDS / f"{stem}.yaml"
    data = renderer.render_bytes(load_record(path), base_dir=path.parent)
    report = check_file(data, PROFILE, name=stem)
    assert _rules(report.findings) == [], [f.line() for f in report.findings]
    if stem.startswith(("109", "111")):  # no trích yếu is printed in these kinds: not even a warning
        assert report.findings == [], [f.line() for f in report.findings]
    if stem.startswith("112"):
        assert report.rec.attached and report.elements["phu_luc_nhan"] and report.elements["phu_luc_ten"]
    else:
        assert report.elements["quoc_hieu"] and report.elements["ho_ten"]


def _kind_docx(renderer, stem: str) -> bytes:
    from congvan.records.loader import load_record

    path = KINDS / f"{stem}.yaml"
    return renderer.render_bytes(load_record(path), base_dir=path.parent)


QD_GIAN_TIEP, SAO_Y, SAO_DIEN_TU = "106-quyet-dinh-ban-hanh-quy-che", "113-ban-sao-y", "114-ban-sao-dien-tu"
INNER_MUTATIONS = {
    # id: (kind record, part, edit, the one rule it must break, besides the record's known render faults)
    "quy-che-ten-loai-thuong": (
        QD_GIAN_TIEP,
        DOC,
        lambda x: x.replace(">QUY CHẾ<", ">Quy chế<"),
        "kem_theo.kieu_chu.ten_loai.hoa",
    ),
    "ban-hanh-kem-theo-dung": (
        QD_GIAN_TIEP,
        STY,
        lambda x: _style(x, "CVPhuLucKemTheo", "<w:i/>", ""),
        "kem_theo.kieu_chu.ban_hanh_kem_theo.nghieng",
    ),
    "sao-y-chu-thuong": (SAO_Y, DOC, lambda x: x.replace(">SAO Y<", ">Sao y<"), "ban_sao.kieu_chu.hinh_thuc_sao.hoa"),
    "ban-sao-thieu-luu": (SAO_Y, DOC, lambda x: x.replace("- Lưu: VT.", "- Các Phòng."), "ban_sao.noi_nhan.luu"),
    "ban-sao-thieu-duong-ke": (
        SAO_Y,
        DOC,
        lambda x: _drop_para(x, 'w:val="CVDuongKeBanSao"'),
        "ban_sao.duong_ke",
    ),
    "ban-sao-quyen-han-K/T": (
        SAO_Y,
        DOC,
        lambda x: x.replace("TM. BAN THƯỜNG VỤ", "T/M BAN THƯỜNG VỤ"),
        "ban_sao.quyen_han.viet",
    ),
    "o14-co-12": (
        SAO_DIEN_TU,
        STY,
        lambda x: _style(x, "CVO14", '<w:sz w:val="20"/>', '<w:sz w:val="24"/>'),
        "ban_sao.co_chu.o14",
    ),
}


@pytest.mark.parametrize("stem", [QD_GIAN_TIEP, SAO_Y, SAO_DIEN_TU])
def test_issued_document_and_copy_are_their_own_elements(renderer, stem):
    """The quy chế after a Quyết định and the bản sao block are recognised apart, not read as body faults."""
    report = check_file(_kind_docx(renderer, stem), PROFILE, name=stem)
    assert _rules(report.findings) == [], [f.line() for f in report.findings]
    inner = {k for k in report.elements if k.startswith(("kem_theo.", "ban_sao."))}
    rec = report.rec
    if stem == QD_GIAN_TIEP:
        assert {"kem_theo.ten_loai", "kem_theo.trich_yeu", "kem_theo.ban_hanh_kem_theo", "kem_theo.quoc_hieu"} <= inner
        assert rec.issued.text("ten_loai") == "QUY CHẾ" and len(rec.body) == 3  # Điều 1-3 of the decision
        # mẫu 1.3 Ghi chú 2: the line names the issuing body; over two lines, it is still one element
        assert [s.one_line for s in rec.issued.elements["ban_hanh_kem_theo"]] == [
            "(Kèm theo Quyết định số 112/QĐ-LĐLĐ ngày 03 tháng 02 năm 2026"
            " của Liên đoàn Lao động tỉnh Cao Bằng)"
        ]
        assert not rec.unplaced and [b.name.plain for b in rec.signatures] == ["Hoàng Văn Minh"]
    elif stem == SAO_Y:
        assert {"ban_sao.hinh_thuc_sao", "ban_sao.so_ky_hieu", "ban_sao.noi_nhan", "ban_sao.ho_ten"} <= inner
        assert [b.name.plain for b in rec.signatures] == ["Nguyễn Hữu Phước"]  # the original's signer only
        assert rec.noi_nhan[-1].plain == "- Lưu: VT, VX." and rec.copy.lines["ban_sao"].kind == "vien"
    else:
        assert inner >= {"ban_sao.o14"}


def test_issued_document_in_the_older_wording_is_recognised(renderer):
    """'(Ban hành kèm theo …)' (Thông tư 01/2011, still common) is read as the issued document's line,
    while congvan itself writes mẫu 1.3's '(Kèm theo …)'; an appendix's '(Kèm theo …)' stays the appendix's."""
    from congvan.records.loader import load_record

    record = load_record(KINDS / f"{QD_GIAN_TIEP}.yaml")
    older = "(Ban hành kèm theo Quyết định số 112/QĐ-LĐLĐ ngày 03 tháng 02 năm 2026)"
    issued = record.van_ban_kem_theo.model_copy(update={"kem_theo": older})
    docx = renderer.render_bytes(record.model_copy(update={"van_ban_kem_theo": issued}), base_dir=KINDS)
    report = check_file(docx, PROFILE, name="cu.docx")
    assert _rules(report.findings) == [], [f.line() for f in report.findings]
    assert [s.one_line for s in report.rec.issued.elements["ban_hanh_kem_theo"]] == [older]
    assert report.rec.issued.text("ten_loai") == "QUY CHẾ"


@pytest.mark.parametrize("mutation", sorted(INNER_MUTATIONS))
def test_inner_document_mutation_gets_exactly_its_finding(renderer, mutation):
    stem, part, edit, rule = INNER_MUTATIONS[mutation]
    report = check_file(_rewrite(_kind_docx(renderer, stem), part, edit), PROFILE, name="dot-bien.docx")
    assert _rules(report.findings) == [rule], [f.line() for f in report.findings]
    finding = next(f for f in report.findings if f.quy_tac == rule)
    assert finding.o_dau and finding.sua and ("kèm theo" in finding.phan_tu or "bản sao" in finding.phan_tu)


QUY_TAC = Path(__file__).resolve().parents[1] / "records" / "quy-tac"
NQ_DANG, BC_CHI_BO, KH_DOAN = "200-nghi-quyet-dang-uy-co-quan", "201-bao-cao-chi-bo", "202-ke-hoach-tinh-doan"
RULE_SET_MUTATIONS = {
    # id: (record in records/quy-tac, part, edit, the one rule it must break under the document's own rule set)
    "dang-ten-loai-14pt": (
        NQ_DANG,
        STY,
        lambda x: _style(x, "CVTenLoai", '<w:sz w:val="32"/>', '<w:sz w:val="28"/>'),
        "co_chu.ten_loai",
    ),
    "dang-TM-cham": (NQ_DANG, DOC, lambda x: x.replace("T/M ĐẢNG ỦY", "TM. ĐẢNG ỦY"), "quyen_han.viet"),
    "dang-noi-nhan-nghieng": (
        BC_CHI_BO,
        STY,
        lambda x: _style(x, "CVNoiNhanNhan", "<w:rPr>", "<w:rPr><w:i/>"),
        "kieu_chu.noi_nhan_nhan.nghieng",
    ),
    "dang-thieu-dau-sao": (BC_CHI_BO, DOC, lambda x: _drop_para(x, 'w:val="CVDauCoQuan"'), "thieu.dau_co_quan"),
    "doan-noi-nhan-khong-dam": (
        KH_DOAN,
        STY,
        lambda x: _style(x, "CVNoiNhanNhan", "<w:b/>", ""),
        "kieu_chu.noi_nhan_nhan.dam",
    ),
    "doan-le-tren-30": (KH_DOAN, DOC, lambda x: x.replace('w:top="1134"', 'w:top="1701"'), "le.tren"),
    "doan-thieu-luu": (KH_DOAN, DOC, lambda x: _drop_para(x, "- Lưu VP."), "noi_nhan.luu"),
    "doan-thieu-duong-ke-tieu-de": (
        KH_DOAN,
        DOC,
        lambda x: _drop_para(x, 'w:val="CVDuongKeQuocHieu"'),
        "duong_ke.tieu_ngu",
    ),
}


def _quy_tac_docx(renderer, stem: str) -> tuple[str, bytes]:
    from congvan.records.loader import load_record

    record = load_record(QUY_TAC / f"{stem}.yaml")
    return record.quy_tac, renderer.render_bytes(record, base_dir=QUY_TAC)


@pytest.mark.parametrize("stem", [NQ_DANG, BC_CHI_BO, KH_DOAN])
def test_party_and_doan_samples_pass_under_the_rule_set_they_show(renderer, stem):
    """No --quy-tac: "ĐẢNG CỘNG SẢN VIỆT NAM" / "ĐOÀN TNCS HỒ CHÍ MINH" in the Quốc hiệu's place chooses it."""
    quy_tac, data = _quy_tac_docx(renderer, stem)
    report = check_file(data, name=stem)
    assert report.quy_tac == quy_tac != "nd30"
    assert _rules(report.findings) == [], [f.line() for f in report.findings]
    assert {"quoc_hieu", "co_quan", "dau_co_quan", "so_ky_hieu", "ten_loai", "chu_ky", "noi_nhan"} <= set(
        report.elements
    )
    assert report.rec.lines["tieu_ngu"] is not None  # the full-length line under the tiêu đề
    forced = check_file(data, PROFILE, name=stem)  # --quy-tac nd30 on a Party/Đoàn document
    assert "thieu.quoc_hieu" in _rules(forced.findings) and forced.quy_tac == "nd30"


@pytest.mark.parametrize("mutation", sorted(RULE_SET_MUTATIONS))
def test_party_and_doan_mutation_gets_exactly_its_finding(renderer, mutation):
    stem, part, edit, rule = RULE_SET_MUTATIONS[mutation]
    _, data = _quy_tac_docx(renderer, stem)
    report = check_file(_rewrite(data, part, edit), name="dot-bien.docx")
    assert _rules(report.findings) == [rule], [f.line() for f in report.findings]
    finding = next(f for f in report.findings if f.quy_tac == rule)
    assert finding.can and finding.dang and finding.o_dau and finding.sua
    if rule == "noi_nhan.luu":  # said in the rule set's own words ("Lưu VP", not NĐ30's "Lưu: VT")
        assert load_profile("doan").chu_de.vi_du_luu in finding.can and "VT" not in finding.can


def test_party_rules_read_from_the_layout_values():
    """dang/doan [kiem_tra] leave sizes, margins, lines and the Nơi nhận look to the layout values."""
    from congvan.reading.checker import _Checker
    from congvan.reading.elements import Recognized

    for name in ("dang", "doan"):
        profile = load_profile(name)
        checker = _Checker(Recognized(None), profile)
        assert checker.rule("co_quan").co == (profile.co_chu.co_quan,) * 2
        assert checker.rule("noi_nhan_nhan").nghieng is profile.kieu_chu.noi_nhan_nhan_nghieng
        assert checker.margins()["trai"] == (profile.trang.le_trai_mm,) * 2
        assert checker.line_shares()["co_quan"] is None  # the body is marked with * / ***, not a line
        assert profile.kiem_tra.le_mm is None and profile.kiem_tra.duong_ke is None
