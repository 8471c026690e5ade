"""kiem-tra on a folder of documents typed by hand in LibreOffice Writer (tests/fixtures/tay/make.py):
paragraph styles with basedOn, direct formatting, a header typed with tabs and underscores, a
signature in a text box, paragraph borders as rule lines. Each has one fault; the folder run
must give exactly those, each located where a secretary can find it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from congvan.cli import main
from congvan.reading.checker import LOI, check_file

TAY = Path(__file__).parent / "fixtures" / "tay"
EXPECTED = {
    # file: (the one blocking rule, where it is said to be)
    "ke-hoach-kieu-va-dinh-dang.docx": ("co_chu.than", "đoạn 6"),
    "cong-van-tab-gach-duoi.docx": ("noi_nhan.luu", "bảng 1, hàng 1, ô 1, đoạn 3"),
    "to-trinh-khung-chu.docx": ("phong_chu", "đoạn 6"),
    "bao-cao-le-trai.docx": ("le.trai", "mục 1"),
}


def test_folder_of_hand_made_documents_gives_located_findings(capsys):
    assert sorted(p.name for p in TAY.glob("*.docx")) == sorted(EXPECTED)
    with pytest.raises(SystemExit) as exit_info:
        main(["kiem-tra", "--json", str(TAY)])
    assert exit_info.value.code == 1
    reports = {Path(r["tep"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert set(reports) == set(EXPECTED)
    for name, (rule, where) in EXPECTED.items():
        report = reports[name]
        errors = [f for f in report["ket_qua"] if f["muc"] == LOI]
        assert [f["quy_tac"] for f in errors] == [rule], (name, errors)
        assert errors[0]["o_dau"].startswith(where), (name, errors[0]["o_dau"])
        assert report["quy_tac"] == "nd30" and report["phan_tu"]["chu_ky"] and report["phan_tu"]["ho_ten"]


def test_hand_made_layouts_are_read_as_typed():
    tabs = check_file(TAY / "cong-van-tab-gach-duoi.docx").rec
    assert tabs.text("co_quan_chu_quan") == "UBND TỈNH BẾN TRE" and tabs.text("co_quan") == "SỞ NỘI VỤ"
    assert tabs.cong_van and tabs.text("trich_yeu_cong_van") == "V/v báo cáo công tác thi đua"
    assert tabs.lines["tieu_ngu"].kind == tabs.lines["co_quan"].kind == "gach_duoi"
    box = check_file(TAY / "to-trinh-khung-chu.docx").rec
    (block,) = box.signatures
    assert block.where.startswith("khung chữ 1") and block.name.plain == "Lê Thị Bình"
    assert [s.plain for s in block.lines] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    styled = check_file(TAY / "ke-hoach-kieu-va-dinh-dang.docx").rec
    body = {s.para.style_name: s.sizes() for s in styled.body}
    assert body["Thân văn bản"] == {14.0} and styled.lines["co_quan"].kind == "vien"  # size from the style
