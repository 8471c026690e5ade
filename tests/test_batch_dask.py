"""The batch on Dask distributed: same bytes as one process, a killed worker, no scheduler."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from congvan.batch.dot import DotConfig
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import HEADERS, families, write_csv
from congvan.errors import CongvanError

pytestmark = pytest.mark.xdist_group("dask")
ROWS = 90
DOT = DotConfig(co_quan="Ủy ban nhân dân xã An Bình", dia_danh="An Bình", nam=2026, so_quyet_dinh=215)


@pytest.fixture(scope="session")
def cluster() -> Iterator[object]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dask-data") / "gia_dinh.csv"
    write_csv(path, HEADERS, families(ROWS))
    return path


def _run(sheet: Path, out: Path, dask: str | None) -> None:
    run_batch(BatchOptions(data=sheet, outdir=out, dot=DOT, mode="ca-hai", progress=False, dask=dask))


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _assert_same(one: Path, many: Path) -> None:
    a, b = _files(one), _files(many)
    assert sorted(a) == sorted(b)
    assert len([n for n in a if n.startswith("giay_cong_nhan/") and n.endswith(".docx")]) == ROWS
    decision = "quyet_dinh_cong_nhan.docx"  # rendered by the driver through the record renderer
    assert _members(a.pop(decision)) == _members(b.pop(decision))
    for name in a:
        assert a[name] == b[name], name


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory, sheet: Path) -> Path:
    out = tmp_path_factory.mktemp("one")
    _run(sheet, out, None)
    return out


def test_distributed_files_equal_one_process_byte_for_byte(
    cluster: object, sheet: Path, one_process: Path, tmp_path: Path
) -> None:
    _run(sheet, tmp_path, cluster.scheduler_address)  # type: ignore[attr-defined]
    _assert_same(one_process, tmp_path)


def test_worker_killed_midway_loses_and_duplicates_nothing(
    cluster: object, sheet: Path, one_process: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import Client

    from congvan.batch import distributed as fan

    monkeypatch.setattr(fan, "CHUNK_ROWS", 3)  # many small tasks, so the kill lands mid-run
    address = cluster.scheduler_address  # type: ignore[attr-defined]
    killed: list[str] = []

    def kill_one_busy_worker() -> None:
        with Client(address, timeout=5) as watcher:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not killed:
                busy = {w: keys for w, keys in watcher.processing().items() if any("congvan-" in k for k in keys)}
                if busy:
                    worker = next(iter(busy))
                    pid = watcher.run(os.getpid, workers=[worker])[worker]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(worker)
                time.sleep(0.02)

    thread = threading.Thread(target=kill_one_busy_worker)
    thread.start()
    try:
        _run(sheet, tmp_path, address)
    finally:
        thread.join()
    assert killed, "no worker was busy with the batch: the kill did not land mid-run"
    _assert_same(one_process, tmp_path)
    journal = (tmp_path / "giay_cong_nhan" / ".congvan-batch.tsv").read_text(encoding="utf-8").splitlines()
    assert len(journal) == len(set(journal)) == ROWS


def test_unreachable_scheduler_is_a_vietnamese_error_in_seconds(sheet: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(CongvanError, match="không kết nối được bộ lập lịch Dask"):
        _run(sheet, tmp_path, f"tcp://127.0.0.1:{port}")
    assert time.monotonic() - start < 20
    assert not (tmp_path / "giay_cong_nhan").exists()


def test_bad_dask_address_refused(sheet: Path, tmp_path: Path) -> None:
    with pytest.raises(CongvanError, match="local:N"):
        _run(sheet, tmp_path, "local:0")


def test_without_dask_distributed_is_never_imported(sheet: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from congvan.cli import main; "
        f"sys.argv = ['congvan', 'batch', {str(sheet)!r}, '-o', {str(tmp_path)!r}]; "
        "import contextlib\n"
        "with contextlib.suppress(SystemExit): main()\n"
        "assert Path(sys.argv[-1], 'giay_cong_nhan_tat_ca.docx').exists()\n"
        "print('distributed' in sys.modules, 'dask' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False False"
