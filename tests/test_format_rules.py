"""Every rendered sample follows format-rules.md §1-8, read back element by element.

Values come from the rules (ranges of NĐ30 Phụ lục I), not from our profile, so a
wrong profile or template makes these fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import sample_ids
from congvan.profiles import load_profile
from congvan.reading.docx import NS, Document, q, read_docx
from congvan.records.loader import load_record
from congvan.records.models import CongVan, PhuLucRieng, QuyetDinh, VanBanKemTheoRieng
from congvan.render.metrics import text_width_mm

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
TW_PER_MM = 1440 / 25.4


#: The other kinds (records/kinds: giấy giới thiệu, nghỉ phép, bản sao, files of their own) follow the rules too.
KINDS = sorted((Path(__file__).resolve().parents[1] / "records" / "kinds").glob("*.yaml"))


@pytest.fixture(scope="module")
def every_rendered(rendered, renderer):
    out = dict(rendered)
    for path in KINDS:
        record = load_record(path)
        out[path.stem] = (record, renderer.render_bytes(record, base_dir=path.parent))
    return out


@pytest.fixture(params=sample_ids() + [p.stem for p in KINDS])
def sample(request, every_rendered):
    record, data = every_rendered[request.param]
    return record, read_docx(data)


def _full(sample):
    """A sample with the full page-1 layout (an appendix file of its own has no header or signature).

    A helper, not a fixture: tests/test_batch_decision.py reuses these tests with its own ``sample``.
    """
    record, _ = sample
    if isinstance(record, PhuLucRieng):
        pytest.skip("phụ lục tệp riêng: không có tiêu đề, chữ ký, nơi nhận")
    if isinstance(record, VanBanKemTheoRieng):
        pytest.skip("văn bản kèm theo thành tệp riêng: không có số, ngày, chữ ký, nơi nhận")
    return sample


def _rendered_lines(para) -> list[str]:
    """A paragraph's lines: a balanced name or trích yếu is one paragraph broken with w:br."""
    out = [""]
    for node in para.el.iter(q("t"), q("noBreakHyphen"), q("br")):
        if node.tag == q("br"):
            out.append("")
        else:
            out[-1] += "-" if node.tag == q("noBreakHyphen") else node.text or ""
    return [x.strip() for x in out if x.strip()]


def _widest_mm(paras, size: float, room: float) -> float:
    """The longest rendered line of *paras* (a line longer than its column wraps at *room*)."""
    return max(min(text_width_mm(x, size, bold=True), room) for p in paras for x in _rendered_lines(p))


def _has_date(record) -> bool:
    return load_profile(record.quy_tac).loai_van_ban[record.loai].co_ngay


STAMP_STYLES = ("CVDauMat", "CVDauKhan")  # red ink (Phụ lục I §III.2)


def _one(doc: Document, style: str):
    paras = doc.by_style(style)
    assert paras, f"không có đoạn kiểu {style}"
    return paras


def _check(
    paras, *, size: tuple[float, float], bold: bool | None = None, italic: bool | None = None, jc: str | None = None
) -> None:
    for p in paras:
        if not p.visible_runs():
            continue
        sizes = p.size_pt()
        assert all(size[0] <= s <= size[1] for s in sizes), (p.text, sizes, size)
        if bold is not None:
            assert p.run_values("b") == {bold}, (p.text, "bold", p.run_values("b"))
        if italic is not None:
            assert p.run_values("i") == {italic}, (p.text, "italic", p.run_values("i"))
        if jc is not None:
            assert p.ppr("w:jc", "val") == jc, (p.text, p.ppr("w:jc", "val"))


# §1 page set-up -------------------------------------------------------------


def test_page_a4_and_margins_in_range(sample):
    _, doc = sample
    for sect in doc.section_props():
        size = sect.find("w:pgSz", NS)
        assert (int(size.get(q("w"))), int(size.get(q("h")))) == (11906, 16838)
        assert size.get(q("orient")) in (None, "portrait")
        mar = sect.find("w:pgMar", NS)
        mm = {k: int(mar.get(q(k))) / TW_PER_MM for k in ("top", "bottom", "left", "right")}
        assert 19.9 <= mm["top"] <= 25.1 and 19.9 <= mm["bottom"] <= 25.1
        assert 29.9 <= mm["left"] <= 35.1 and 14.9 <= mm["right"] <= 20.1


def test_every_run_is_black_times_new_roman(sample):
    _, doc = sample
    for p in doc.paragraphs():
        for r in p.visible_runs():
            assert p.rpr(r, "rFonts", "ascii") == "Times New Roman", p.text
            assert p.rpr(r, "rFonts", "hAnsi") == "Times New Roman", p.text
            if p.style in STAMP_STYLES:
                assert p.rpr(r, "color") == "FF0000", p.text
            else:
                assert p.rpr(r, "color") in (None, "000000", "auto"), p.text


def test_page_number_centred_in_header_not_on_page_one(sample):
    _, doc = sample
    for sect in doc.section_props():
        assert sect.find("w:titlePg", NS) is not None
        refs = {
            h.get(q("type")): h.get(
                f"{{{NS['w'].replace('wordprocessingml/2006/main', 'officeDocument/2006/relationships')}}}id"
            )
            for h in sect.findall("w:headerReference", NS)
        }
        assert set(refs) >= {"default", "first"}
    headers = [doc.part(n).decode() for n in doc.zip.namelist() if n.startswith("word/header")]
    numbered = [h for h in headers if "PAGE" in h]
    empty = [h for h in headers if "PAGE" not in h and "<w:t" not in h]
    assert numbered and empty
    assert all('w:jc w:val="center"' in h or "CVSoTrang" in h for h in numbered)


def test_appendices_restart_page_numbers(sample):
    record, doc = sample
    sections = doc.section_props()
    issued = int(isinstance(record, QuyetDinh) and record.van_ban_kem_theo is not None)
    own = 0 if isinstance(record, PhuLucRieng) else 1
    assert len(sections) == own + issued + len(record.phu_luc)
    for sect in sections[1:]:
        assert sect.find("w:pgNumType", NS).get(q("start")) == "1"


# §2 elements -------------------------------------------------------------------


def test_quoc_hieu_and_tieu_ngu(sample):
    _, doc = _full(sample)
    qh = _one(doc, "CVQuocHieu")
    assert {p.text for p in qh} == {QUOC_HIEU}
    _check(qh, size=(12, 13), bold=True, italic=False, jc="center")
    tn = _one(doc, "CVTieuNgu")
    assert {p.text for p in tn} == {TIEU_NGU}
    _check(tn, size=(13, 14), bold=True, italic=False, jc="center")


def _line_length_mm(line, container_mm: float) -> float:
    left = int(line.ppr("w:ind", "left") or 0) / TW_PER_MM
    right = int(line.ppr("w:ind", "right") or 0) / TW_PER_MM
    return container_mm - left - right


def _cell_mm(para) -> float:
    tc = next(para.el.iterancestors(q("tc")))
    return int(tc.find("w:tcPr/w:tcW", NS).get(q("w"))) / TW_PER_MM - 2 * 85 / TW_PER_MM


def test_line_under_tieu_ngu_as_long_as_its_text(sample):
    _, doc = _full(sample)
    tn = doc.by_style("CVTieuNgu")[0]
    line = doc.by_style("CVDuongKeTieuNgu")[0]
    assert line.has_bottom_border()
    width = text_width_mm(TIEU_NGU, max(tn.size_pt()), bold=True)
    assert abs(_line_length_mm(line, _cell_mm(line)) - width) < 3


def test_line_under_issuing_body_is_a_third_to_half(sample):
    _, doc = _full(sample)
    names = doc.by_style("CVCoQuan")
    line = doc.by_style("CVDuongKeCoQuan")[0]
    assert line.has_bottom_border()
    cell = _cell_mm(line)
    widest = _widest_mm(names, max(max(p.size_pt()) for p in names), cell)
    assert widest / 3 - 0.5 <= _line_length_mm(line, cell) <= widest / 2 + 0.5


def test_rule_lines_stand_apart_from_their_text(sample):
    """As in the mẫu, each line is drawn a few points below its text, not touching it like an underline."""
    _, doc = _full(sample)
    lines = [p for p in doc.paragraphs() if (p.style or "").startswith("CVDuongKe") and p.has_bottom_border()]
    assert lines
    for line in lines:
        assert int(line.ppr("w:pBdr/w:bottom", "space")) >= 4, line.style


def test_issuing_bodies_upper_bold_parent_not_bold(sample):
    _, doc = _full(sample)
    names = _one(doc, "CVCoQuan")
    _check(names, size=(12, 13), bold=True, jc="center")
    assert all(p.text == p.text.upper() for p in names)
    parents = doc.by_style("CVCoQuanChuQuan")
    _check(parents, size=(12, 13), bold=False, jc="center")
    assert all(p.text == p.text.upper() for p in parents)


def test_number_and_date_share_a_row(sample):
    record, doc = _full(sample)
    so = _one(doc, "CVSo")[0]
    date = _one(doc, "CVDiaDanhNgay")[0]
    assert re.fullmatch(r"Số: (\d{2,}|\s+)/[^\s/]+", so.text.replace("\u00a0", " ")), so.text
    _check([so], size=(13, 13), bold=False, italic=False, jc="center")
    _check([date], size=(13, 14), italic=True, jc="center")
    assert next(so.el.iterancestors(q("tr"))) is next(date.el.iterancestors(q("tr")))
    if not _has_date(record):
        assert date.text == "", "biên bản: không có dòng địa danh, ngày tháng ở đầu"
        return
    m = re.fullmatch(r"(.+), ngày (\d+|\s+) tháng (\d+|\s+) năm (\d{4}|\s+)", date.text.replace("\u00a0", " "))
    assert m, date.text
    if record.ngay_ban_hanh:
        day, month = m.group(2), m.group(3)
        assert len(day) == 2
        assert month == (f"{int(month):02d}" if int(month) <= 2 else str(int(month)))


def test_header_table_fits_quoc_hieu_on_one_line(sample):
    _, doc = _full(sample)
    qh = doc.by_style("CVQuocHieu")[0]
    needed = text_width_mm(QUOC_HIEU, max(qh.size_pt()), bold=True)
    assert _cell_mm(qh) >= needed + 1
    tbl = next(qh.el.iterancestors(q("tbl")))
    assert tbl.find("w:tblPr/w:tblBorders/w:top", NS).get(q("val")) in ("nil", "none")


def test_title_and_trich_yeu(sample):
    record, doc = _full(sample)
    if isinstance(record, CongVan):
        vv = _one(doc, "CVTrichYeuCV")
        assert vv[0].text.startswith("V/v ")
        _check(vv, size=(12, 13), bold=False, jc="center")
        assert float(vv[0].ppr("w:spacing", "before")) >= 120
        return
    title = _one(doc, "CVTenLoai")
    _check(title, size=(13, 14), bold=True, jc="center")
    assert title[0].text == title[0].text.upper()
    if not record.IN_TRICH_YEU:
        nxt = doc.paragraphs()[doc.paragraphs().index(title[0]) + 1]
        assert nxt.style == "CVDuongKe" and nxt.has_bottom_border(), nxt.style
        length = _line_length_mm(nxt, 165)
        width = text_width_mm(title[0].text, 14, bold=True)
        assert width / 3 - 0.5 <= length <= width / 2 + 0.5
        return
    ty = _one(doc, "CVTrichYeu")
    _check(ty, size=(13, 14), bold=True, jc="center")
    line = _one(doc, "CVDuongKeTrichYeu")[0]
    ty = [p for p in ty if doc.paragraphs().index(p) < doc.paragraphs().index(line)]  # not an issued document's
    widest = _widest_mm(ty, 14, 165)
    assert widest / 3 - 0.5 <= _line_length_mm(line, 165) <= widest / 2 + 0.5


def test_body_paragraphs(sample):
    _, doc = _full(sample)
    body_styles = ("CVThan", "CVPhan", "CVKhoanTieuDe", "CVKhoan", "CVDiem", "CVGach", "CVCong", "CVDieu", "CVCanCu")
    paras = [p for p in doc.paragraphs() if p.style in body_styles and p.text.strip()]
    assert paras
    for p in paras:
        assert p.ppr("w:jc", "val") == "both", p.text
        assert int(p.ppr("w:ind", "firstLine")) in (567, 720), p.text
        assert int(p.ppr("w:spacing", "before")) >= 120, p.text
        assert 240 <= int(p.ppr("w:spacing", "line")) <= 360, p.text
        assert all(13 <= s <= 14 for s in p.size_pt()), p.text


def test_body_ends_with_close_mark(sample):
    record, doc = _full(sample)
    if not record.ket_thuc:
        pytest.skip("record opts out")
    body = [
        p
        for p in doc.paragraphs()
        if p.style
        and p.style.startswith("CV")
        and p.style in ("CVThan", "CVPhan", "CVKhoanTieuDe", "CVKhoan", "CVDiem", "CVGach", "CVCong", "CVDieu")
        and not p.in_table
        and p.text.strip()
    ]
    first_appendix = doc.by_style("CVPhuLucNhan")
    if first_appendix:
        cut = doc.paragraphs().index(first_appendix[0])
        body = [p for p in body if doc.paragraphs().index(p) < cut]
    assert body[-1].text.rstrip().endswith("./."), body[-1].text


def test_can_cu_italic_and_punctuated(sample):
    record, doc = sample
    lines = doc.by_style("CVCanCu")
    if not record.can_cu:
        return
    _check(lines, size=(13, 14), italic=True)
    texts = [p.text for p in lines][: len(record.can_cu)]
    assert all(t.endswith(";") for t in texts[:-1])
    last_mark = ";" if isinstance(record, QuyetDinh) and record.theo_de_nghi else "."
    assert texts[-1].endswith(last_mark)


def test_section_titles_upper_case(sample):
    _, doc = sample
    for p in doc.by_style("CVPhan"):
        assert re.match(r"^[IVXLC]+\. ", p.text), p.text
        assert p.text == p.text.upper(), p.text
        _check([p], size=(13, 14), bold=True)


def test_signature_blocks(sample):
    record, doc = _full(sample)
    titles = _one(doc, "CVChuKy")
    _check(titles, size=(13, 14), bold=True, jc="center")
    assert all(p.text == p.text.upper() for p in titles)
    names = _one(doc, "CVChuKyHoTen")
    _check(names, size=(13, 14), bold=True, jc="center")
    copy_signer = [record.ban_sao.chu_ky] if record.ban_sao and record.ban_sao.chu_ky else []
    signers = record.cac_chu_ky + copy_signer
    assert [p.text for p in names] == [ck.ho_ten for ck in signers]
    prefixes = {"TM.", "KT.", "TL.", "TUQ.", "Q."}
    for ck in signers:
        if ck.quyen_han:
            assert any(p.text.split(" ")[0] in prefixes and p.text.startswith(ck.quyen_han) for p in titles)


def test_joint_signatures_in_rows_of_two_with_recipients_below(sample):
    record, doc = _full(sample)
    names = doc.by_style("CVChuKyHoTen")
    rows = [next(p.el.iterancestors(q("tr"))) for p in names]
    per_row: dict[int, int] = {}
    for r in rows:
        per_row[id(r)] = per_row.get(id(r), 0) + 1
    assert max(per_row.values()) <= 2
    if len(record.cac_chu_ky) > 1 and record.noi_nhan:
        label = doc.by_style("CVNoiNhanNhan")[0]
        assert doc.paragraphs().index(label) > doc.paragraphs().index(names[-1])


def test_noi_nhan(sample):
    record, doc = _full(sample)
    if not record.noi_nhan:
        assert not doc.by_style("CVNoiNhanNhan") or record.ban_sao
        return
    label = _one(doc, "CVNoiNhanNhan")
    assert {p.text for p in label} == {"Nơi nhận:"}
    _check(label, size=(12, 12), bold=True, italic=True)
    assert all(p.ppr("w:jc", "val") in (None, "left", "start") for p in label)
    lists: list[list] = []
    for p in doc.paragraphs():
        if p.style == "CVNoiNhanNhan":
            lists.append([])
        elif p.style == "CVNoiNhan" and p.text.startswith("- "):
            lists[-1].append(p)
    assert len(lists) == len(label)
    for items in lists:
        _check(items, size=(11, 11), bold=False)
        assert all(p.text.endswith(";") for p in items[:-1])
        assert re.match(r"^- Lưu: VT\b.*\.$", items[-1].text), items[-1].text


def test_appendix_headings(sample):
    record, doc = sample
    if not record.phu_luc:
        return
    labels = _one(doc, "CVPhuLucNhan")
    _check(labels, size=(14, 14), bold=True, jc="center")
    automatic = (
        ["Phụ lục"]
        if len(record.phu_luc) == 1
        else [f"Phụ lục {r}" for r in ("I", "II", "III", "IV")[: len(record.phu_luc)]]
    )
    expected = [pl.nhan if pl.nhan is not None else auto for pl, auto in zip(record.phu_luc, automatic, strict=True)]
    assert [p.text for p in labels] == [x for x in expected if x]
    titles = [" ".join(p.text.split()) for p in doc.by_style("CVPhuLucTen")]  # a balanced title: w:br read as a space
    assert titles == [pl.tieu_de.upper() if pl.viet_hoa_tieu_de else pl.tieu_de for pl in record.phu_luc]
    _check(_one(doc, "CVPhuLucTen"), size=(13, 14), bold=True, jc="center")
    kem = _one(doc, "CVPhuLucKemTheo")
    _check(kem, size=(13, 14), italic=True, jc="center")
    assert all(p.text.startswith(("(Kèm theo ", "(Ban hành kèm theo ")) and p.text.endswith(")") for p in kem)


def test_appendix_line_close_under_kem_theo_and_apart_from_the_table(sample):
    """As in mẫu 2.1: the short line sits just under "(Kèm theo ...)" and content starts a line below it."""
    record, doc = sample
    if not record.phu_luc:
        return
    for kem in doc.by_style("CVPhuLucKemTheo"):
        line = doc.paragraphs()[doc.paragraphs().index(kem) + 1]
        assert line.style == "CVDuongKe" and line.has_bottom_border()
        assert int(kem.ppr("w:spacing", "after") or 0) == 0
        assert int(line.ppr("w:spacing", "after") or 0) >= 120


def test_appendix_tables_repeat_header_row(sample):
    record, doc = sample
    if not any(pl.bang for pl in record.phu_luc):
        return
    bordered = [
        t for t in (x.el for x in doc.tables()) if t.find("w:tblPr/w:tblBorders/w:top", NS).get(q("val")) == "single"
    ]
    assert bordered
    for t in bordered:
        first = t.find("w:tr", NS)
        assert first.find("w:trPr/w:tblHeader", NS) is not None


# §8 geometry ---------------------------------------------------------------------


def test_header_and_signature_tables_proportions(sample):
    _, doc = _full(sample)
    qh = doc.by_style("CVQuocHieu")[0]
    grid = [int(g.get(q("w"))) for g in next(qh.el.iterancestors(q("tbl"))).findall("w:tblGrid/w:gridCol", NS)]
    assert 0.33 <= grid[0] / sum(grid) <= 0.45
    assert grid[1] >= 5670  # ≥ 10 cm or the Quốc hiệu wraps


def test_kem_theo_line_names_the_bodies_written_in_a_sentence(renderer):
    """Phụ lục I: "(Kèm theo … của …)" when the record gives the bodies' names as written in a sentence."""
    path = Path(__file__).resolve().parents[1] / "records" / "100-quyet-dinh-cong-nhan-gia-dinh-hoc-tap.yaml"
    record = load_record(path)
    assert record.co_quan_ban_hanh[0].ten_trong_cau
    lines = [p.text for p in read_docx(renderer.render_bytes(record, base_dir=path.parent)).by_style("CVPhuLucKemTheo")]
    assert lines and " ".join(lines[0].split()).endswith(" của Hội Khuyến học tỉnh Bến Tre)"), lines
    plain = record.model_copy(
        update={"co_quan_ban_hanh": [record.co_quan_ban_hanh[0].model_copy(update={"ten_trong_cau": None})]}
    )
    lines = [p.text for p in read_docx(renderer.render_bytes(plain, base_dir=path.parent)).by_style("CVPhuLucKemTheo")]
    assert lines and " của " not in lines[0], lines
