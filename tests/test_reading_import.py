"""congvan nhap: every sample record rendered, imported, rendered again gives the same text."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from tests.conftest import SAMPLES

from congvan.cli import main
from congvan.errors import CongvanError
from congvan.profiles import load_profile
from congvan.reading.checker import LOI, check_file
from congvan.reading.docx import read_docx
from congvan.reading.importer import import_docx
from congvan.records.loader import load_record

PROFILE = load_profile("nd30")


def _texts(data: bytes) -> list[str]:
    """Every shown paragraph: body, cells, text boxes, then headers and footers (ô 13, ô 14)."""
    doc = read_docx(data)
    return [p.shown for p in doc.paragraphs() + doc.header_footer_paragraphs() if p.shown.strip()]


ROOT = Path(__file__).resolve().parents[1]
# Every sample record: the seeds' records (records/), the other kinds, the Party/Đoàn ones, the fixtures.
ALL_RECORDS = sorted(
    [*SAMPLES, *(ROOT / "records" / "kinds").glob("*.yaml"), *(ROOT / "records" / "quy-tac").glob("*.yaml")]
)


@pytest.fixture(scope="module")
def every_rendered(renderer):
    out = {}
    for path in ALL_RECORDS:
        record = load_record(path)
        out[path.stem] = (path, record, renderer.render_bytes(record, base_dir=path.parent))
    return out


@pytest.mark.parametrize("stem", [p.stem for p in ALL_RECORDS])
def test_round_trip_same_text_and_passes_check(stem, every_rendered, renderer, tmp_path):
    source, record, data = every_rendered[stem]
    profile = load_profile(record.quy_tac)
    result = import_docx(data, profile, name=f"{stem}.docx")
    assert result.loai == record.loai
    path = tmp_path / f"{stem}.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    again = load_record(path)  # the YAML a secretary gets loads like a hand-written record
    redone = renderer.render_bytes(again, base_dir=source.parent)
    assert _texts(redone) == _texts(data)
    report = check_file(redone, profile, name=f"{stem}-lai.docx")
    assert sorted(f.quy_tac for f in report.findings if f.muc == LOI) == [], [f.line() for f in report.findings]


def test_body_tree_levels_and_emphasis(rendered):
    data = import_docx(rendered["102-ke-hoach-trao-hoc-bong"][1], PROFILE).data
    phan = data["noi_dung"][1]
    assert phan["phan"] == "NỘI DUNG"
    khoan = phan["noi_dung"][0]
    assert khoan["khoan"] == "Đối tượng và số lượng" and [n["diem"][:8] for n in khoan["noi_dung"]] == [
        "Học sinh",
        "Tổng số ",
    ]
    assert data["chu_ky"] == [
        {"quyen_han": "KT", "thay": "CHỦ TỊCH", "chuc_vu": "PHÓ CHỦ TỊCH", "ho_ten": "Lục Văn Thắng"}
    ]
    assert data["noi_nhan"][-1] == "Lưu: VT, PT"
    source = rendered["000-ke-hoach-lien-tich-ldld-hkh-ben-tre"]
    text = import_docx(source[1], PROFILE).yaml_text
    assert "**" in text or "*" in text  # emphasis inside paragraphs comes back as markup
    assert 'so: "2.1"' in text or "so: '2.1'" in text  # a label the renderer would not make is kept


def test_decision_with_appendix_table(rendered):
    data = import_docx(rendered["100-quyet-dinh-cong-nhan-gia-dinh-hoc-tap"][1], PROFILE).data
    assert data["loai"] == "quyet_dinh" and data["tham_quyen"].startswith("BAN THƯỜNG VỤ")
    assert data["noi_dung"][0]["dieu"].startswith("Công nhận danh hiệu")
    assert data["theo_de_nghi"].startswith("Theo đề nghị")
    groups = [g for g in data["noi_nhan"] if isinstance(g, dict)]
    assert groups and groups[0]["ghi_chu"] == "để b/c"
    (appendix,) = data["phu_luc"]
    assert appendix["bang"]["cot"] == ["Chủ hộ", "Địa chỉ", "Huyện/thành phố"] and len(appendix["bang"]["hang"]) == 15
    assert "kem_theo" not in appendix  # the renderer writes the same line by itself
    assert data["co_quan_ban_hanh"][0]["ten_trong_cau"] == "Hội Khuyến học tỉnh Bến Tre"  # from "… của …)"


def test_joint_bodies_and_symbol(rendered):
    data = import_docx(rendered["000-ke-hoach-lien-tich-ldld-hkh-ben-tre"][1], PROFILE).data
    assert [c["viet_tat"] for c in data["co_quan_ban_hanh"]] == ["LĐLĐ", "HKH"]
    assert data["ma_loai"] == "KHPH" and "ky_hieu" not in data


def test_unplaced_text_kept_with_warning(tmp_path, capsys):
    mau = tmp_path / "mau.docx"
    from pathlib import Path

    mau.write_bytes((Path(__file__).parent / "fixtures" / "nd30-mau" / "mau-1.5.docx").read_bytes())
    main(["nhap", str(mau), "-o", str(tmp_path / "mau.yaml")])  # success returns, no exit status
    out = capsys.readouterr()
    text = (tmp_path / "mau.yaml").read_text(encoding="utf-8")
    assert "chua_xep:" in text and "chua_xep" in out.err and "Cảnh báo" in out.err


def test_unreadable_and_unfilled(tmp_path, capsys):
    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"khong phai zip")
    with pytest.raises(SystemExit) as exit_info:
        main(["nhap", str(broken)])
    assert exit_info.value.code == 2 and "không phải tệp Word" in capsys.readouterr().err
    from pathlib import Path

    with pytest.raises(CongvanError, match="còn chữ mẫu chưa điền"):
        import_docx(Path(__file__).parent / "fixtures" / "nd30-mau" / "mau-1.4.docx", PROFILE)


def test_word_numbering_read_as_levels():
    """Labels from numbering.xml (not typed) are read the same as typed ones."""
    from tests.test_reading_docx import _docx, _lvl, _p

    body = (
        _p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        + _p("Độc lập - Tự do - Hạnh phúc")
        + _p("KẾ HOẠCH", rpr="<w:b/>")
        + _lvl(0, "Mục đích")
        + _lvl(1, "Nâng cao nhận thức")
        + _lvl(2, "Điểm một")
        + _lvl(0, "Tổ chức")
        + _p("Nơi nhận:")
        + _p("- Lưu: VT.")
    )
    doc = _docx(body)
    from congvan.reading.elements import recognize
    from congvan.reading.importer import _Builder

    rec = recognize(read_docx(doc), PROFILE)
    tree, _ = _Builder(rec, PROFILE).tree(rec.body, close=False)
    assert tree[0]["phan"] == "Mục đích" and tree[0]["noi_dung"][0]["khoan"] == "Nâng cao nhận thức"
    assert tree[0]["noi_dung"][0]["noi_dung"][0]["diem"] == "Điểm một" and tree[1]["phan"] == "Tổ chức"
    assert zipfile.ZipFile(io.BytesIO(doc)).namelist()


KIND_RECORDS = {
    "cong_dien": "107-cong-dien-phong-chong-bao",
    "giay_moi": "108-giay-moi-hoi-nghi",
    "bien_ban": "110-bien-ban-hop-ban-thuong-vu",
    "giay_gioi_thieu": "109-giay-gioi-thieu",
    "giay_nghi_phep": "111-giay-nghi-phep",
}


@pytest.mark.parametrize("loai", sorted(KIND_RECORDS))
def test_kind_fields_come_back_into_their_own_fields(loai, every_rendered, tmp_path):
    """Người điện, bên mời / thời gian / địa điểm, chủ trì + thư ký... land in the kind's fields, not the body."""
    from congvan.records.models import VanBanChung

    _source, record, data = every_rendered[KIND_RECORDS[loai]]
    path = tmp_path / "lai.yaml"
    path.write_text(import_docx(data, PROFILE).yaml_text, encoding="utf-8")
    again = load_record(path)
    own = sorted(set(type(record).model_fields) - set(VanBanChung.model_fields) - {"trich_yeu"})
    assert own
    for name in own:
        want, got = getattr(record, name), getattr(again, name)
        if name == "nguoi_dien":  # printed in capitals before "điện:"
            want = want.upper()
        assert got == want, name
    assert again.chu_ky == record.chu_ky and again.noi_nhan == record.noi_nhan
    fixed = {v.split("{", 1)[0].strip() for v in PROFILE.cau.values() if not v.startswith("{")}
    assert not [n for n in again.noi_dung if isinstance(n, str) and any(n.startswith(f) for f in fixed if f)]


def test_issued_document_and_copies_come_back(every_rendered, tmp_path):
    """mẫu 1.3's quy chế → van_ban_kem_theo; a paper copy block and ô 14 → ban_sao."""
    for stem in ("106-quyet-dinh-ban-hanh-quy-che", "113-ban-sao-y", "114-ban-sao-dien-tu"):
        _source, record, data = every_rendered[stem]
        path = tmp_path / f"{stem}.yaml"
        path.write_text(import_docx(data, PROFILE).yaml_text, encoding="utf-8")
        again = load_record(path)
        if record.loai == "quyet_dinh":
            kt, got = record.van_ban_kem_theo, again.van_ban_kem_theo
            assert got.ten_loai == kt.ten_loai.upper() and got.trich_yeu == kt.trich_yeu
            assert [n.cap for n in got.noi_dung] == [n.cap for n in kt.noi_dung] == ["chuong", "chuong"]
            assert len(again.noi_dung) == 3  # the decision's own Điều 1-3 only
            # "(Ban hành kèm theo … của Liên đoàn Lao động tỉnh Cao Bằng)" gives the body's sentence name back,
            # and the line is the renderer's own, so the record does not write it
            assert again.co_quan_ban_hanh == record.co_quan_ban_hanh and record.co_quan_ban_hanh[0].ten_trong_cau
            assert got.kem_theo is None and kt.kem_theo is None
            continue
        want, got = record.ban_sao, again.ban_sao
        same = ("hinh_thuc", "dien_tu", "so", "dia_danh", "ngay_sao", "thoi_gian_ky", "chu_ky", "noi_nhan")
        assert {k: getattr(got, k) for k in same} == {k: getattr(want, k) for k in same}
        assert got.co_quan.ten == want.co_quan.ten
        assert again.noi_nhan == record.noi_nhan  # the copy's Nơi nhận is not the original's


@pytest.mark.parametrize("named", [True, False])
def test_issued_file_of_its_own_reads_its_line_back(every_rendered, renderer, named, tmp_path):
    """mẫu 1.3 (điện tử), a file of its own: number, date and, when printed, "… của <cơ quan>" come back
    from the '(Ban hành kèm theo …)' line into so, ngay_ban_hanh and ten_trong_cau."""
    source, record, _data = every_rendered["115-quy-che-tep-dien-tu"]
    name = "Liên đoàn Lao động tỉnh Cao Bằng" if named else None
    body = record.co_quan_ban_hanh[0].model_copy(update={"ten_trong_cau": name})
    record = record.model_copy(update={"co_quan_ban_hanh": [body]})
    data = renderer.render_bytes(record, base_dir=source.parent)
    line = read_docx(data).by_style("CVPhuLucKemTheo")[0].text
    assert (" của Liên đoàn Lao động tỉnh Cao Bằng)" in " ".join(line.split())) is named, line
    result = import_docx(data, PROFILE)
    assert result.loai == "van_ban_kem_theo"
    path = tmp_path / "115.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    again = load_record(path)
    same = ("so", "ngay_ban_hanh", "thoi_gian_ky", "co_quan_ban_hanh")
    assert {k: getattr(again, k) for k in same} == {k: getattr(record, k) for k in same}
    assert again.van_ban_kem_theo.kem_theo is None  # the renderer writes the same line by itself
    assert _texts(renderer.render_bytes(again, base_dir=source.parent)) == _texts(data)
