"""The batch on Dask distributed: same bytes as one process, a killed worker, no scheduler.

One 2-worker LocalCluster (processes, loopback) serves the whole session.
"""

from __future__ import annotations

import io
import itertools
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from congvan.batch.dot import DotConfig
from congvan.batch.faults import worker_killed_during
from congvan.batch.run import BatchOptions, BatchReport, run_batch
from congvan.batch.sample_data import BAD_ROWS, HEADERS, UNIT_COLUMN, communes, families, families_by_commune, write_csv
from congvan.errors import CongvanError

pytestmark = pytest.mark.xdist_group("dask")
ROWS = 90
ROUND_ROWS, ROUND_UNITS = 3_000, 50  # the "done when" round, scaled down (bench/dask_bench.py --full: 100,000)
DOT = DotConfig(co_quan="Ủy ban nhân dân xã An Bình", dia_danh="An Bình", nam=2026, so_quyet_dinh=215)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    pytest.importorskip("distributed")
    from congvan.batch.distributed import local_cluster

    with local_cluster(2) as local:
        yield local


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good rows with the sample's bad rows spread through them."""
    path = tmp_path_factory.mktemp("dask-data") / "gia_dinh.csv"
    good = list(families(ROWS))
    bad = [["", *row] for row in BAD_ROWS]
    rows = [row for pair in itertools.zip_longest(good[::9], bad) for row in pair if row] + [
        r for i, r in enumerate(good) if i % 9
    ]
    write_csv(path, HEADERS, iter(rows))
    return path


@pytest.fixture(scope="module")
def round_sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask-round") / "vong.csv"
    write_csv(path, [*HEADERS, UNIT_COLUMN], families_by_commune(ROUND_ROWS, communes(ROUND_UNITS)))
    return path


def _run(sheet: Path, out: Path, dask: str | None, **extra: Any) -> BatchReport:
    options = BatchOptions(data=sheet, outdir=out, dot=DOT, mode="ca-hai", progress=False, dask=dask, **extra)
    return run_batch(options)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _cells(data: bytes) -> list[tuple[Any, ...]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def _assert_same(one: Path, many: Path) -> int:
    """Every file equal byte for byte (the error sheet cell for cell: openpyxl stamps the time)."""
    a, b = _files(one), _files(many)
    assert sorted(a) == sorted(b)
    if "dong_loi.xlsx" in a:
        assert _cells(a.pop("dong_loi.xlsx")) == _cells(b.pop("dong_loi.xlsx"))
    for name in a:
        assert a[name] == b[name], name
    return len(a)


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory, sheet: Path) -> Path:
    out = tmp_path_factory.mktemp("one")
    _run(sheet, out, None, skip_bad=True)
    return out


def test_distributed_files_equal_one_process_byte_for_byte(
    cluster: Any, sheet: Path, one_process: Path, tmp_path: Path
) -> None:
    report = _run(sheet, tmp_path, cluster.scheduler_address, skip_bad=True)
    assert report.stats.bad == 9 and report.stats.good == ROWS + 1
    _assert_same(one_process, tmp_path)
    assert len(list((tmp_path / "giay_cong_nhan").glob("*.docx"))) == ROWS + 1


def test_bad_rows_reported_exactly_as_one_process(cluster: Any, sheet: Path, tmp_path: Path) -> None:
    refusals = []
    for name, address in (("one", None), ("many", cluster.scheduler_address)):
        with pytest.raises(CongvanError) as caught:
            _run(sheet, tmp_path / name, address)
        refusals.append([str(p).replace(str(tmp_path / name), "KET_QUA") for p in caught.value.problems])
        assert [p.name for p in (tmp_path / name).iterdir()] == ["dong_loi.xlsx"]  # nothing else written
    assert refusals[0] == refusals[1]
    assert "cột 'Năm sinh': phải từ 1900 trở lên" in "\n".join(refusals[0])
    assert _cells((tmp_path / "one" / "dong_loi.xlsx").read_bytes()) == _cells(
        (tmp_path / "many" / "dong_loi.xlsx").read_bytes()
    )


def test_round_by_commune_with_a_worker_killed_equals_one_process(
    cluster: Any, round_sheet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from congvan.batch import distributed as fan

    one = _run(round_sheet, tmp_path / "one", None, theo_cot=UNIT_COLUMN)
    monkeypatch.setattr(fan, "CHUNK_ROWS", 40)  # many small tasks, so the kill lands mid-stage
    with worker_killed_during(cluster.scheduler_address, "row_files_task") as killed:
        many = _run(round_sheet, tmp_path / "many", cluster.scheduler_address, theo_cot=UNIT_COLUMN)
    assert killed, "no worker was busy with the batch: the kill did not land mid-run"
    assert len(one.units) == len(many.units) == ROUND_UNITS
    assert _assert_same(tmp_path / "one", tmp_path / "many") == ROUND_UNITS * 3 + ROUND_ROWS
    for _, folder in many.units:  # every row written once, journalled once
        journal = (folder / "giay_cong_nhan" / ".congvan-batch.tsv").read_text(encoding="utf-8").splitlines()
        assert len(journal) == len(set(journal)) == len(list((folder / "giay_cong_nhan").glob("*.docx")))


@pytest.mark.pdf
def test_pdf_on_the_workers_equals_one_process(cluster: Any, tmp_path: Path, warm_pdf: object) -> None:
    sheet = tmp_path / "ds.csv"
    write_csv(sheet, [*HEADERS, UNIT_COLUMN], families_by_commune(6, communes(2)))
    _run(sheet, tmp_path / "one", None, theo_cot=UNIT_COLUMN, pdf=True)
    _run(sheet, tmp_path / "many", cluster.scheduler_address, theo_cot=UNIT_COLUMN, pdf=True)
    files = _files(tmp_path / "many")
    assert len([n for n in files if n.endswith(".pdf")]) == 2 * 2 + 6  # per unit: decision, merged; per row
    assert _assert_same(tmp_path / "one", tmp_path / "many") == len(files)


def test_unreachable_scheduler_is_a_vietnamese_error_in_seconds(sheet: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(CongvanError, match="không kết nối được bộ lập lịch Dask"):
        _run(sheet, tmp_path, f"tcp://127.0.0.1:{port}", skip_bad=True)
    assert time.monotonic() - start < 15
    assert not (tmp_path / "giay_cong_nhan").exists()


def test_scheduler_without_workers_is_a_vietnamese_error_not_a_hang(
    sheet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import LocalCluster

    from congvan.batch import distributed as fan

    monkeypatch.setattr(fan, "WORKER_TIMEOUT", 1)
    empty = LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0")
    with empty, pytest.raises(CongvanError, match="chưa có worker nào sau 1 giây"):
        _run(sheet, tmp_path, empty.scheduler_address, skip_bad=True)
    assert not (tmp_path / "giay_cong_nhan").exists()


def test_bad_dask_address_refused(sheet: Path, tmp_path: Path) -> None:
    with pytest.raises(CongvanError, match="local:N"):
        _run(sheet, tmp_path, "local:0")
    with pytest.raises(CongvanError, match="tcp://MÁY:8786"):
        _run(sheet, tmp_path, "may-chu:8786")


def test_without_dask_distributed_is_never_imported(sheet: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from congvan.cli import main; "
        f"sys.argv = ['congvan', 'batch', {str(sheet)!r}, '--bo-qua-loi', '-o', {str(tmp_path)!r}]; "
        "import contextlib\n"
        "with contextlib.suppress(SystemExit): main()\n"
        "assert Path(sys.argv[-1], 'giay_cong_nhan_tat_ca.docx').exists()\n"
        "print('distributed' in sys.modules, 'dask' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False False"


def test_zip_members_pinned_in_the_decision(one_process: Path) -> None:
    with zipfile.ZipFile(one_process / "quyet_dinh_cong_nhan.docx") as zf:
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
