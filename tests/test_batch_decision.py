"""The batch's Quyết định công nhận is an ordinary record: every format-rule test runs on it.

The decision comes from a batch run (1,234 accepted rows, so the list numbers reach
four digits, and one refused row, so the list numbering differs from the sheet's),
with a parent body, an award in Điều 2 and custom list columns.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import test_format_rules as _rules
from congvan.batch.decision import stt_width_mm
from congvan.batch.dot import DotConfig
from congvan.batch.run import BatchOptions, lint_only, run_batch
from congvan.batch.sample_data import BAD_ROWS, HEADERS, families, write_xlsx
from congvan.reading.docx import read_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
ROOT = Path(__file__).resolve().parents[1]
ROWS = 1234
AWARD = "Tặng mỗi gia đình Giấy công nhận và phần thưởng trị giá 200.000 đồng."
DOT = DotConfig(
    co_quan="Ủy ban nhân dân xã An Bình",
    co_quan_chu_quan="Ủy ban nhân dân tỉnh Ninh Bình",
    dia_danh="An Bình",
    nam=2026,
    so_quyet_dinh=215,
    ky_hieu="QĐ-UBND",
    ngay_ky="20/11/2026",
    quyen_han="KT. CHỦ TỊCH",
    chuc_vu_ky="Phó Chủ tịch",
    nguoi_ky="Trần Văn Bình",
    can_cu=["Căn cứ Luật Tổ chức chính quyền địa phương;"],
    de_nghi="Xét đề nghị của Chủ tịch Hội Khuyến học xã",
    dieu_2=AWARD,
    cot_danh_sach=["ten", {"truong": "nam_sinh", "tieu_de": "Năm sinh", "do_rong": 0.6}, "dia_chi"],
)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("qd")
    sheet = folder / "ds.xlsx"
    rows = list(families(ROWS))
    rows.insert(3, [4, *BAD_ROWS[1]])  # refused: the list numbering skips it, the sheet's STT does not
    write_xlsx(sheet, HEADERS, iter(rows))
    out = folder / "out"
    report = run_batch(BatchOptions(data=sheet, outdir=out, dot=DOT, mode="gop", skip_bad=True, progress=False))
    return out, report.decision


@pytest.fixture
def sample(batch: tuple[Path, object]):
    """(record, Document) exactly as the record-path format tests expect them."""
    out, record = batch
    return record, read_docx((out / "quyet_dinh_cong_nhan.docx").read_bytes())


# Every format-rule test of the record path, collected here with this module's ``sample``.
globals().update({name: getattr(_rules, name) for name in dir(_rules) if name.startswith("test_")})


def _texts(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in root.iter(f"{W}p")]


def _part(path: Path, name: str = "word/document.xml") -> bytes:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        return zf.read(name)


def test_parent_body_award_and_columns(batch: tuple[Path, object]) -> None:
    out, _ = batch
    text = _texts(_part(out / "quyet_dinh_cong_nhan.docx"))
    assert "ỦY BAN NHÂN DÂN TỈNH NINH BÌNH" in text  # parent body above the issuing body
    assert any(t.startswith("Điều 2.") and AWARD in t for t in text)
    assert any("Công nhận 1.234 (một nghìn hai trăm ba mươi bốn) gia đình" in t for t in text)
    root = etree.fromstring(_part(out / "quyet_dinh_cong_nhan.docx"))
    listing = root.findall(f".//{W}tbl")[-1]
    heads = ["".join(t.text or "" for t in c.iter(f"{W}t")) for c in listing.find(f"{W}tr").findall(f"{W}tc")]
    assert heads == ["STT", "Họ và tên chủ hộ", "Năm sinh", "Địa chỉ"]
    assert len(listing.findall(f"{W}tr")) == ROWS + 1


def test_stt_column_holds_five_digits_on_one_line() -> None:
    from congvan.render.metrics import text_width_mm

    for count in (9, 1_000, 10_000, 99_999):
        width = stt_width_mm(count, 13)
        assert width - 2 * 1.5 >= text_width_mm(str(count), 13) + 0.5


def test_certificate_number_is_the_list_number(batch: tuple[Path, object]) -> None:
    """Row 4 of the sheet is refused: list and certificates number 1..N without a gap."""
    out, _ = batch
    root = etree.fromstring(_part(out / "quyet_dinh_cong_nhan.docx"))
    listing = root.findall(f".//{W}tbl")[-1]
    rows = listing.findall(f"{W}tr")[1:]
    cells = [["".join(t.text or "" for t in c.iter(f"{W}t")) for c in r.findall(f"{W}tc")] for r in rows]
    certificates = _texts(_part(out / "giay_cong_nhan_tat_ca.docx"))
    numbers = [t.removeprefix("Số vào sổ: ") for t in certificates if t.startswith("Số vào sổ:")]
    assert numbers == [str(i) for i in range(1, ROWS + 1)]
    assert [c[0] for c in cells] == [str(i) for i in range(1, ROWS + 1)]
    # the certificate printed N carries the name listed as N
    listed_names = {c[1].upper() for c in cells}
    printed = [t for t in certificates if t in listed_names]
    assert printed == [c[1].upper() for c in cells]


def test_kiem_tra_is_clean_on_the_shipped_sample() -> None:
    from congvan.batch.dot import load_dot

    dot_path = ROOT / "records" / "batch" / "dot_2026.yaml"
    messages = lint_only(
        BatchOptions(
            data=ROOT / "records" / "batch" / "gia_dinh_2026.xlsx",
            outdir=Path("/nonexistent"),
            dot=load_dot(dot_path),
            dot_path=dot_path,
            progress=False,
        )
    )
    assert not [m for m in messages if "danh_sach" in m or "so_luong" in m]
    assert not [m for m in messages if "không có" in m or "không được dùng" in m]


def test_unknown_list_column_is_located_in_the_round_file(tmp_path: Path) -> None:
    from congvan.batch.sample_data import write_csv
    from congvan.errors import CongvanError

    sheet = tmp_path / "a.csv"
    write_csv(sheet, HEADERS, families(3))
    columns = DotConfig(co_quan="x", dia_danh="x", nam=2026, cot_danh_sach=["ten", "que_quan"]).cot_danh_sach
    dot = DOT.model_copy(update={"cot_danh_sach": columns})
    with pytest.raises(CongvanError, match=r"cot_danh_sach\[1\]\.truong.*không có trường 'que_quan'"):
        run_batch(BatchOptions(data=sheet, outdir=tmp_path / "o", dot=dot, progress=False))
    assert not (tmp_path / "o").exists()


def test_batch_templates_are_built_from_the_profile(tmp_path: Path) -> None:
    """Shipped templates are what the builder makes; sizes and margins follow the profile."""
    from congvan.batch.build_templates import build, certificate
    from congvan.profiles import load_profile
    from congvan.render.package import read_parts

    for path in build(tmp_path):
        shipped = read_parts((ROOT / "templates" / path.name).read_bytes())
        fresh = read_parts(path.read_bytes())
        assert {k: v for k, v in fresh.items() if k != "docProps/core.xml"} == {
            k: v for k, v in shipped.items() if k != "docProps/core.xml"
        }, path.name
    p = load_profile()
    other = p.model_copy(update={"giay_cong_nhan": p.giay_cong_nhan.model_copy(update={"ten": 31.5, "le_trai_mm": 27})})
    body, sect = certificate(other)
    assert '<w:sz w:val="63"/>' in body and 'w:left="1531"' in sect
    styles = read_parts((ROOT / "templates" / "giay_cong_nhan.docx").read_bytes())["word/styles.xml"].decode()
    assert f'w:ascii="{p.phong_chu.ten}"' in styles
