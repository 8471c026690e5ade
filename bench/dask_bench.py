"""Batch on a 2-worker local Dask cluster vs one process: merged certificates, alternated rounds.

    .venv/bin/python bench/dask_bench.py            # 5,000 certificates, 3 rounds
    .venv/bin/python bench/dask_bench.py --quick    # 1,000 certificates, 2 rounds

Prints certificates/s for each peer in every round and an estimate of the machines a
million-certificate round needs in one hour, from the measured DOCX rate and an assumed
per-page PDF cost (stated in the output).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from congvan.batch.dot import DotConfig
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import HEADERS, families, write_csv

PDF_SECONDS_PER_PAGE = 0.030  # LibreOffice, one core, one certificate = one page (issue 13)
CORES_PER_MACHINE = 2
DOT = DotConfig(co_quan="Ủy ban nhân dân xã An Bình", dia_danh="An Bình", nam=2026, so_quyet_dinh=215)


def _once(sheet: Path, out: Path, dask: str | None) -> float:
    start = time.perf_counter()
    run_batch(
        BatchOptions(
            data=sheet, outdir=out, dot=DOT, documents=["giay-cong-nhan"], mode="gop", progress=False, dask=dask
        )
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rows", type=int)
    args = parser.parse_args()
    rows = args.rows or (1_000 if args.quick else 5_000)
    rounds = 2 if args.quick else 3
    from distributed import LocalCluster

    with tempfile.TemporaryDirectory() as tmp, LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        sheet = Path(tmp) / "gia_dinh.csv"
        write_csv(sheet, HEADERS, families(rows))
        _once(sheet, Path(tmp) / "warm", cluster.scheduler_address)  # workers compile the template once
        rates: dict[str, list[float]] = {"một tiến trình": [], "dask 2 worker": []}
        for n in range(rounds):
            peers = [("một tiến trình", None), ("dask 2 worker", cluster.scheduler_address)]
            for name, address in peers if n % 2 == 0 else reversed(peers):
                seconds = _once(sheet, Path(tmp) / f"{n}-{address is None}", address)
                rates[name].append(rows / seconds)
                print(f"vòng {n + 1}: {name:15s} {rows} giấy trong {seconds:6.2f} s = {rows / seconds:8.0f} giấy/s")
    one, many = (statistics.median(rates[k]) for k in rates)
    print(f"trung vị: một tiến trình {one:.0f} giấy/s · dask 2 worker {many:.0f} giấy/s (sàn: {one:.0f})")
    per_cert = 1 / many + PDF_SECONDS_PER_PAGE / CORES_PER_MACHINE  # seconds of one machine
    per_machine_hour = 3600 / per_cert
    machines = -(-1_000_000 // int(per_machine_hour))
    print(
        f"ước tính: giả định PDF {PDF_SECONDS_PER_PAGE * 1000:.0f} ms/trang/lõi, 1 trang/giấy, "
        f"{CORES_PER_MACHINE} lõi/máy, DOCX theo tốc độ dask đo được; một máy ≈ {per_machine_hour:,.0f} giấy/giờ "
        f"→ 1.000.000 giấy trong 1 giờ cần ≈ {machines} máy (chưa tính bộ lập lịch và đĩa)"
    )


if __name__ == "__main__":
    main()
