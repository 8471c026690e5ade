"""``congvan batch --theo-cot``: one folder, merged file and decision per unit, in sheet order."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from congvan.batch.dot import DotConfig
from congvan.batch.output import UnitNamer, safe_name
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import HEADERS, UNIT_COLUMN, write_csv
from congvan.cli import main
from congvan.errors import CongvanError

DOT = DotConfig(co_quan="Hội Khuyến học tỉnh Ninh Bình", dia_danh="Ninh Bình", nam=2026, so_quyet_dinh=215)
ROWS = [
    ("Nguyễn Văn An", "Xã An Bình"),
    ("Trần Thị Bích", "Phường 1/2"),
    ("Lê Văn Cường", "Xã An Bình"),
    ("Phạm Thị Dung", "Phường 1 2"),
    ("Hoàng Văn Em", "  xã  an bình "),
    ("Vũ Thị Giang", "Xã An Bình"),
]


def _sheet(path: Path, rows: list[tuple[str, str]]) -> Path:
    data = (
        [i, name, "Nam", 1970, f"Số {i}, Thôn Đông, xã An Bình", 4, "", "", "", unit]
        for i, (name, unit) in enumerate(rows, start=1)
    )
    write_csv(path, [*HEADERS, UNIT_COLUMN], data)
    return path


def _run(sheet: Path, out: Path, **extra: object) -> object:
    options = BatchOptions(data=sheet, outdir=out, dot=DOT, progress=False, theo_cot="xã, phường", **extra)
    return run_batch(options)  # type: ignore[arg-type]


def _document_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def test_one_folder_per_unit_named_safely_in_sheet_order(tmp_path: Path) -> None:
    report = _run(_sheet(tmp_path / "ds.csv", ROWS), tmp_path / "out")
    # "xã an bình" is the same unit as "Xã An Bình" (case and spacing); "Phường 1/2" and
    # "Phường 1 2" are two units whose safe names clash on disk
    assert [(u, f.name) for u, f in report.units] == [  # type: ignore[attr-defined]
        ("Xã An Bình", "Xã An Bình"),
        ("Phường 1/2", "Phường 1 2"),
        ("Phường 1 2", "Phường 1 2 (2)"),
    ]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Phường 1 2", "Phường 1 2 (2)", "Xã An Bình"]
    an_binh = tmp_path / "out" / "Xã An Bình"
    assert sorted(p.name for p in (an_binh / "giay_cong_nhan").glob("*.docx")) == [
        "000001 - Nguyễn Văn An.docx",
        "000002 - Lê Văn Cường.docx",
        "000003 - Hoàng Văn Em.docx",
        "000004 - Vũ Thị Giang.docx",
    ]
    merged = _document_text(an_binh / "giay_cong_nhan_tat_ca.docx").upper()  # names are printed in capitals
    order = [merged.find(n.upper()) for n in ("Nguyễn Văn An", "Lê Văn Cường", "Hoàng Văn Em", "Vũ Thị Giang")]
    assert -1 not in order and order == sorted(order)
    assert "TRẦN THỊ BÍCH" not in merged and "PHẠM THỊ DUNG" not in merged


def test_each_unit_has_its_own_decision_numbered_before_fan_out(tmp_path: Path) -> None:
    _run(_sheet(tmp_path / "ds.csv", ROWS), tmp_path / "out")
    out = tmp_path / "out"
    decisions = [
        _document_text(out / f / "quyet_dinh_cong_nhan.docx") for f in ("Xã An Bình", "Phường 1 2", "Phường 1 2 (2)")
    ]
    for number, text in zip((215, 216, 217), decisions, strict=True):
        assert f"Số: {number}/" in text
    assert "Công nhận 4 (bốn) gia đình" in decisions[0]
    assert "Công nhận 1 (một) gia đình" in decisions[1]
    assert "XÃ AN BÌNH" in decisions[0].upper() and "Trần Thị Bích" in decisions[1]
    # a certificate carries its own unit's decision number and its number in that unit's list
    cert = _document_text(out / "Phường 1 2 (2)" / "giay_cong_nhan" / "000001 - Phạm Thị Dung.docx")
    assert "217/" in cert and "Số vào sổ: 1" in cert


def test_names_of_unit_folders_are_safe_and_never_clash() -> None:
    namer = UnitNamer(reserved={"dong_loi.xlsx"})
    names = [namer.name(u) for u in ("Xã Ea Kao", "../etc", "CON", "Tổ 3: Đông", "tổ 3  đông", "dong_loi.xlsx")]
    assert names == ["Xã Ea Kao", "etc", "_CON", "Tổ 3 Đông", "tổ 3 đông (2)", "dong_loi.xlsx (2)"]
    assert all("/" not in n and not n.startswith(".") for n in names)
    assert safe_name("Phường 1/2") == "Phường 1 2"


def test_empty_unit_cell_is_a_bad_row_with_its_column(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "ds.csv", [*ROWS[:2], ("Đỗ Văn Hùng", "")])
    with pytest.raises(CongvanError) as caught:
        _run(sheet, tmp_path / "out")
    text = str(caught.value)
    assert "cột 'Xã, phường': không được để trống" in text and "4" in text
    assert not any(p.is_dir() for p in (tmp_path / "out").iterdir())


def test_unknown_unit_column_is_refused_in_vietnamese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = _sheet(tmp_path / "ds.csv", ROWS)
    with pytest.raises(SystemExit) as exited:
        main(["batch", str(sheet), "--theo-cot", "Tỉnh", "-o", str(tmp_path / "out")])
    assert exited.value.code != 0
    err = capsys.readouterr().err
    assert "ds.csv: --theo-cot 'Tỉnh': bảng tính không có cột này (các cột: 'STT'" in err
    assert "Traceback" not in err


def test_rerun_keeps_every_unit_file(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "ds.csv", ROWS)
    _run(sheet, tmp_path / "out")
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    report = _run(sheet, tmp_path / "out")
    assert report.skipped_existing == len(ROWS)  # type: ignore[attr-defined]
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before
