"""Rule sets beside NĐ30: the Party (dang) and the Đoàn (doan) profiles.

Every output of a profile is checked element by element against that profile's own
values (title, mark under the body, number grammar, sizes, looks, margins, prefixes).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from congvan.cli import cli
from congvan.errors import CongvanError
from congvan.profiles import RuleProfile, available_profiles, load_profile
from congvan.reading.docx import Document, read_docx
from congvan.records.loader import load_record, validate_data
from congvan.render.build_templates import PROFILES, TEMPLATES, build_all
from congvan.render.document import DocumentRenderer
from congvan.render.metrics import text_width_mm

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "records" / "quy-tac").glob("*.yaml"))
PARTY_NQ = ROOT / "records" / "quy-tac" / "200-nghi-quyet-dang-uy-co-quan.yaml"
DOAN_KH = ROOT / "records" / "quy-tac" / "202-ke-hoach-tinh-doan.yaml"


def _data(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _variants() -> list[tuple[str, dict]]:
    """The samples plus the other kinds (Quyết định, Thông báo, Tờ trình, Công văn) and the other
    signature forms (K/T, T/L) in each rule set, the 2026 Party edition included."""
    out = [(p.stem, _data(p)) for p in SAMPLES]
    party_2026 = {**_data(PARTY_NQ), "quy_tac": "dang2026"}
    party_2026["noi_nhan"] = [*party_2026["noi_nhan"][:-1], "Lưu Đảng ủy"]
    out.append(("dang2026-nghi-quyet", party_2026))
    for name, base in (("dang", _data(PARTY_NQ)), ("doan", _data(DOAN_KH)), ("dang2026", party_2026)):
        plain = {k: v for k, v in base.items() if k not in ("tham_quyen", "can_cu", "loai", "so")}
        out.append(
            (
                f"{name}-quyet-dinh",
                {
                    **plain,
                    "loai": "quyet_dinh",
                    "so": 3,
                    "tham_quyen": base["co_quan_ban_hanh"]["ten"],
                    "can_cu": ["Căn cứ Điều lệ", "- Căn cứ Quy chế làm việc."],
                    "theo_de_nghi": "Xét đề nghị của Văn phòng",
                },
            )
        )
        for ten_loai in ("THÔNG BÁO", "TỜ TRÌNH", "BÁO CÁO"):
            out.append((f"{name}-{ten_loai}", {**plain, "loai": "van_ban", "ten_loai": ten_loai, "so": 7}))
        out.append((f"{name}-cong-van", {**plain, "loai": "cong_van", "so": 9, "kinh_gui": ["Ban Tổ chức"]}))
        for code, thay in (("KT", "BÍ THƯ"), ("TL", "BAN THƯỜNG VỤ")):
            signer = {**base["chu_ky"][0], "quyen_han": code, "thay": thay, "chuc_vu": "PHÓ BÍ THƯ"}
            out.append(
                (f"{name}-{code}", {**plain, "loai": "van_ban", "ten_loai": "THÔNG BÁO", "so": 11, "chu_ky": [signer]})
            )
    return out


VARIANTS = _variants()


def _render(data: dict) -> tuple[RuleProfile, Document, str]:
    record = validate_data(data, "x.yaml")
    profile = load_profile(record.quy_tac)
    return profile, read_docx(DocumentRenderer().render_bytes(record, base_dir=ROOT)), record.quy_tac


def test_every_profile_loads_and_names_its_templates():
    assert {"nd30", "dang", "doan"} <= set(available_profiles())
    for name in ("dang", "doan"):
        p = load_profile(name)
        assert p.phien_ban and p.nhan_dien and p.mau_tien_to
        for kind in p.loai_van_ban.values():
            assert kind.mau.startswith(p.mau_tien_to)
            assert (ROOT / "templates" / f"{kind.mau}.docx").is_file(), kind.mau


@pytest.mark.parametrize("name", PROFILES)
def test_templates_are_generated_from_their_profile(name, tmp_path):
    """templates/*.docx hold exactly what build_templates writes from the profile today."""
    for path in build_all(name, tmp_path):
        fresh = zipfile.ZipFile(path)
        kept = zipfile.ZipFile(ROOT / "templates" / path.name)
        for part in ("word/document.xml", "word/styles.xml"):
            assert fresh.read(part) == kept.read(part), f"{path.name} {part}: rebuild the templates"
    assert len(list(tmp_path.glob("*.docx"))) == len(TEMPLATES)


def test_samples_choose_their_rule_set():
    assert [load_record(p).quy_tac for p in SAMPLES] == ["dang", "dang", "doan"]


def test_joint_state_and_doan_record_stays_nd30():
    data = _data(DOAN_KH)
    data["co_quan_ban_hanh"] = [data["co_quan_ban_hanh"], {"ten": "SỞ NỘI VỤ", "viet_tat": "SNV"}]
    data["loai"] = "chuong_trinh_phoi_hop"
    data["chu_ky"] = data["chu_ky"] * 2
    data["noi_nhan"] = [*data["noi_nhan"][:-1], "Lưu: VT"]
    data["chu_ky"] = [{**ck, "quyen_han": "TM"} for ck in data["chu_ky"]]
    assert validate_data(data, "x.yaml").quy_tac == "nd30"


@pytest.mark.parametrize("name,data", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_output_follows_its_own_profile(name, data):
    p, doc, quy_tac = _render(data)
    assert quy_tac in ("dang", "doan", "dang2026")
    # page and margins
    pg = doc.section_props()[0]
    mar = pg.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}pgMar")
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    for side, mm in (
        ("top", p.trang.le_tren_mm),
        ("bottom", p.trang.le_duoi_mm),
        ("left", p.trang.le_trai_mm),
        ("right", p.trang.le_phai_mm),
    ):
        assert abs(int(mar.get(f"{w}{side}")) * 25.4 / 1440 - mm) < 0.5, side
    size = pg.find(f"{w}pgSz")
    assert abs(int(size.get(f"{w}w")) * 25.4 / 1440 - p.trang.rong_mm) < 0.5
    assert abs(int(size.get(f"{w}h")) * 25.4 / 1440 - p.trang.cao_mm) < 0.5
    # every run in the profile's font and colour
    for para in doc.paragraphs():
        if para.text.strip():
            assert para.run_values("rFonts", "ascii") == {p.phong_chu.ten}, para.text
            assert para.run_values("color") <= {p.phong_chu.mau, None}, para.text
    # ô 1: the title alone, bold, its size, with a line under it; no Quốc hiệu / Tiêu ngữ of NĐ30
    texts = doc.texts()
    assert load_profile("nd30").chu_de.quoc_hieu not in texts
    (title,) = doc.by_style("CVQuocHieu")
    assert title.text == p.chu_de.quoc_hieu and title.size_pt() == {p.co_chu.quoc_hieu}
    assert title.run_values("b") == {True}
    assert doc.by_style("CVTieuNgu") == [] and len(doc.by_style("CVDuongKeQuocHieu")) == 1
    (line,) = doc.by_style("CVDuongKeQuocHieu")
    assert line.has_bottom_border()
    title_mm = text_width_mm(p.chu_de.quoc_hieu, p.co_chu.quoc_hieu, bold=True) * p.duong_ke.tieu_ngu
    assert abs(_line_mm(line) - title_mm) < 3, (_line_mm(line), title_mm)
    # ô 2: parent upright, body bold, then the mark instead of a line
    for para in doc.by_style("CVCoQuan"):
        assert para.size_pt() == {p.co_chu.co_quan} and para.run_values("b") == {True}
    for para in doc.by_style("CVCoQuanChuQuan"):
        assert para.size_pt() == {p.co_chu.co_quan_chu_quan} and para.run_values("b") == {False}
    assert [x.text for x in doc.by_style("CVDauCoQuan")] == [p.chu_de.dau_co_quan]
    assert doc.by_style("CVDuongKeCoQuan") == []
    # ô 3: number in the profile's grammar
    g = p.so_ky_hieu
    (number,) = doc.by_style("CVSo")
    so = data["so"]
    expected = f"{p.chu_de.nhan_so} {so:02d}" if g.hai_chu_so else f"{p.chu_de.nhan_so} {so}"
    assert number.text.startswith(expected + g.noi_so), number.text
    ky_hieu = number.text.removeprefix(expected + g.noi_so)
    if data["loai"] != "cong_van" or p.loai_van_ban["cong_van"].ma:
        assert g.noi_loai in ky_hieu, ky_hieu
    assert number.size_pt() == {p.co_chu.so_ky_hieu}
    # ô 4: place and date italic
    (date,) = doc.by_style("CVDiaDanhNgay")
    assert date.run_values("i") == {True} and date.size_pt() == {p.co_chu.dia_danh_ngay}
    # ô 5: type name and trích yếu (công văn: its V/v line)
    if data["loai"] == "cong_van":
        (vv,) = doc.by_style("CVTrichYeuCV")
        assert vv.size_pt() == {p.co_chu.trich_yeu_cong_van}
        assert vv.run_values("i") == {p.kieu_chu.trich_yeu_cong_van_nghieng}
        assert vv.text.startswith(p.chu_de.tien_to_vv) if p.chu_de.tien_to_vv else not vv.text.startswith("V/v")
    else:
        (kind,) = doc.by_style("CVTenLoai")
        assert kind.size_pt() == {p.co_chu.ten_loai} and kind.run_values("b") == {True}
        for para in doc.by_style("CVTrichYeu"):
            assert para.size_pt() == {p.co_chu.trich_yeu} and para.run_values("b") == {True}
    for para in doc.by_style("CVThan"):
        if para.text.strip():
            assert para.size_pt() == {p.co_chu.than}
    # căn cứ: the profile's leading mark, ";" between, its closing mark; the authority before or after
    can_cu = [para.text for para in doc.by_style("CVCanCu")]
    if data.get("can_cu"):
        c = p.chu_de
        assert all(
            t.startswith(c.tien_to_can_cu + "Căn cứ") or t.startswith(c.tien_to_can_cu + "Xét") for t in can_cu
        ), can_cu
        assert all(t.endswith(";") for t in can_cu[:-1]) and can_cu[-1].endswith(c.dau_cuoi_can_cu), can_cu
        order = [para.style for para in doc.paragraphs() if para.style in ("CVCanCu", "CVThamQuyen")]
        assert (order[-1] == "CVThamQuyen") is c.tham_quyen_sau_can_cu, order
        (label,) = doc.by_style("CVQuyetDinhNhan")
        assert label.text == p.loai_van_ban[data["loai"]].nhan_than
    # ô 7: authority prefix from the profile, the signer's lines in its size, bold
    code = data["chu_ky"][0].get("quyen_han", "TM").replace("/", "").replace(".", "")
    first_line = doc.by_style("CVChuKy")[0].text
    assert first_line.startswith(p.quyen_han.tien_to(code) + " "), first_line
    for para in doc.by_style("CVChuKy") + doc.by_style("CVChuKyHoTen"):
        assert para.size_pt() == {p.co_chu.chu_ky} and para.run_values("b") == {True}, para.text
    # ô 9b: the items in their size, the last one the profile's "Lưu" item
    items = doc.by_style("CVNoiNhan")
    assert items and all(para.size_pt() == {p.co_chu.noi_nhan} for para in items)
    assert re.match(p.chu_de.mau_luu, items[-1].text.lstrip("- ")), items[-1].text
    # ô 9b: Nơi nhận label looks as the profile says
    (label,) = doc.by_style("CVNoiNhanNhan")
    k = p.kieu_chu
    assert label.text == p.chu_de.nhan_noi_nhan and label.size_pt() == {p.co_chu.noi_nhan_nhan}
    assert label.run_values("b") == {k.noi_nhan_nhan_dam} and label.run_values("i") == {k.noi_nhan_nhan_nghieng}
    assert (label.run_values("u") == {"single"}) is k.noi_nhan_nhan_gach_chan


def _line_mm(line) -> float:
    """Length of a ruled line: its table cell's text width less the paragraph's indents."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    tc = next(line.el.iterancestors(f"{w}tc"))
    cell = int(tc.find(f"{w}tcPr/{w}tcW").get(f"{w}w")) - 2 * 85
    indents = sum(int(line.ppr("w:ind", side) or 0) for side in ("left", "right"))
    return (cell - indents) * 25.4 / 1440


def test_party_number_line_has_no_colon_and_doan_has_one():
    _, party, _ = _render(_data(PARTY_NQ))
    _, doan, _ = _render(_data(DOAN_KH))
    assert party.by_style("CVSo")[0].text == "Số 12-NQ/ĐU"
    assert doan.by_style("CVSo")[0].text == "Số: 25-KH/TĐTN-TNTH"
    assert party.by_style("CVChuKy")[0].text == "T/M ĐẢNG ỦY"
    assert doan.by_style("CVChuKy")[0].text == "TM. BAN THƯỜNG VỤ TỈNH ĐOÀN"


def _messages(data: dict) -> list[str]:
    with pytest.raises(CongvanError) as err:
        validate_data(data, "records/x.yaml")
    return [str(p) for p in err.value.problems]


def test_party_record_refuses_state_forms():
    data = _data(PARTY_NQ)
    data["chu_ky"] = [{"thay": "TM. ĐẢNG ỦY", "chuc_vu": "BÍ THƯ", "ho_ten": "A"}]
    (msg,) = [m for m in _messages(data) if "chu_ky" in m]
    assert "'TM.'" in msg and "quy_tac: nd30" in msg
    data = _data(PARTY_NQ)
    data["ky_hieu"] = "NQ-ĐU"
    assert any("quy_tac: nd30" in m and "ky_hieu" in m for m in _messages(data))
    data["ky_hieu"] = "Số: 12/NQ-ĐU"
    assert any("có cả số văn bản" in m and "Số 12-NQ/ĐU" in m for m in _messages(data))


def test_party_symbol_is_accepted_not_called_lower_case():
    data = _data(PARTY_NQ)
    data["ky_hieu"] = "NQ/ĐU"
    assert validate_data(data, "x.yaml").ky_hieu == "NQ/ĐU"


def test_state_record_refuses_party_prefix_and_points_at_dang():
    data = _data(PARTY_NQ)
    data["quy_tac"] = "nd30"
    data["noi_nhan"][-1] = "Lưu: VT"
    msgs = _messages(data)
    assert any("'T/M'" in m and "quy_tac: dang" in m for m in msgs), msgs


def test_unknown_rule_set_names_file_and_line(tmp_path):
    path = tmp_path / "x.yaml"
    text = PARTY_NQ.read_text(encoding="utf-8").replace("loai: nghi_quyet\n", "loai: nghi_quyet\nquy_tac: dangg\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CongvanError) as err:
        load_record(path)
    (problem,) = err.value.problems
    line = text.splitlines().index("quy_tac: dangg") + 1
    assert problem.file and problem.file.endswith("x.yaml") and problem.line == line and problem.field == "quy_tac"
    assert "dang" in problem.message and "doan" in problem.message


def test_party_lưu_rule_comes_from_the_profile():
    data = _data(PARTY_NQ)
    data["noi_nhan"] = ["Các chi bộ", "Văn phòng"]
    assert any(load_profile("dang").chu_de.vi_du_luu in m for m in _messages(data))


def test_cap_so_takes_the_series_of_the_rule_set(tmp_path):
    """Party and Đoàn records number from per-type term series, in their own number form."""
    db = str(tmp_path / "so.sqlite3")
    out = tmp_path / "out"
    records = {}
    for name, source in (("nq", PARTY_NQ), ("kh", DOAN_KH)):
        records[name] = tmp_path / f"{name}.yaml"
        text = re.sub(r"(?m)^so: \d+\n", "", source.read_text(encoding="utf-8"))
        records[name].write_text(text, encoding="utf-8")

    def render(name: str):
        return CliRunner().invoke(cli, ["render", str(records[name]), "--cap-so", "--db", db, "-o", str(out)])

    refused = render("nq")  # no term entered yet: refused, naming the file
    assert refused.exit_code != 0 and isinstance(refused.exception, CongvanError)
    (problem,) = refused.exception.problems
    assert problem.file.endswith("nq.yaml") and "congvan so nhiem-ky" in problem.message
    for body in ("ĐU", "TĐTN-TNTH"):
        result = CliRunner().invoke(
            cli, ["so", "nhiem-ky", "2025-2030", "--co-quan", body, "--tu", "16/10/2025", "--db", db]
        )
        assert result.exit_code == 0, result.output
    for name, expected in (("nq", "Số 01-NQ/ĐU"), ("nq", "Số 01-NQ/ĐU"), ("kh", "Số: 1-KH/TĐTN-TNTH")):
        result = render(name)  # the second Party render is idempotent for the same record
        assert result.exit_code == 0, result.output
        assert read_docx((out / f"{name}.docx").read_bytes()).by_style("CVSo")[0].text == expected
    listing = CliRunner().invoke(cli, ["so", "cac-so", "--db", db]).output
    assert "ĐU-NQ\tĐU\tNQ\ttheo nhiệm kỳ" in listing and "TĐTN-TNTH-KH\tTĐTN-TNTH\tKH\ttheo nhiệm kỳ" in listing
    rows = CliRunner().invoke(cli, ["so", "ds", "--nam", "2026", "--db", db]).output
    assert "01-NQ/ĐU" in rows and "nhiệm kỳ 2025-2030" in rows


def test_state_numbers_unchanged():
    from congvan.vi.so_ky_hieu import dong_so, ky_hieu_van_ban

    assert dong_so(5, ky_hieu_van_ban("QĐ", ["UBND"])) == "Số: 05/QĐ-UBND"
    assert re.fullmatch(
        r"Số 5-QĐ/TW", dong_so(5, ky_hieu_van_ban("QĐ", ["TW"], noi_loai="/"), nhan="Số", noi_so="-", hai_chu_so=False)
    )


def test_party_nghi_quyet_needs_no_authority_line_but_state_one_does():
    """HD 36: a committee's nghị quyết is signed "T/M ĐẢNG ỦY"; it has no thẩm quyền line (profile data)."""
    data = _data(PARTY_NQ)
    assert "tham_quyen" not in data
    _, doc, _ = _render(data)
    assert doc.by_style("CVThamQuyen") == [] and doc.by_style("CVQuyetDinhNhan") == []
    assert doc.by_style("CVChuKy")[0].text == "T/M ĐẢNG ỦY"
    with_line = _render({**data, "tham_quyen": "ĐẢNG ỦY CƠ QUAN"})[1]  # still printed when given
    assert [p.text for p in with_line.by_style("CVThamQuyen")] == ["ĐẢNG ỦY CƠ QUAN"]
    for quy_tac, loai in (("nd30", "nghi_quyet"), ("nd30", "quyet_dinh"), ("dang", "quyet_dinh")):
        state = {**data, "quy_tac": quy_tac, "loai": loai}
        if quy_tac == "nd30":
            state["chu_ky"] = [{**data["chu_ky"][0], "quyen_han": "TM"}]
            state["noi_nhan"] = [*data["noi_nhan"][:-1], "Lưu: VT"]
        msgs = [m for m in _messages(state) if "tham_quyen" in m]
        assert len(msgs) == 1 and "records/x.yaml" in msgs[0] and "thiếu trường bắt buộc" in msgs[0], msgs


@pytest.mark.parametrize("name", ["dang", "doan"])
def test_line_breaking_lists_are_extended_not_copied(name):
    """`ke_thua = "nd30"`: the Party and Đoàn line-breaking section is nd30's, written once."""
    assert load_profile(name).ngat_dong == load_profile("nd30").ngat_dong
    assert load_profile(name).ngat_dong.ngat_ten_co_quan


def test_profile_inheritance_cycle_is_refused(monkeypatch):
    import congvan.profiles as profiles

    texts = {"a": '[ngat_dong]\nke_thua = "b"\n', "b": '[ngat_dong]\nke_thua = "a"\n'}
    monkeypatch.setattr(profiles, "available_profiles", lambda: ["a", "b"])

    class _Files:
        def joinpath(self, name):
            return type("T", (), {"read_text": lambda self, encoding: texts[name.removesuffix(".toml")]})()

    monkeypatch.setattr(profiles.resources, "files", lambda package: _Files())
    with pytest.raises(CongvanError, match="ke_thua 'a' không dùng được"):
        profiles._profile_data("a")
