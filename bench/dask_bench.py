"""A round by commune on a 2-worker local Dask cluster against the one-process run of the same batch.

    .venv/bin/python bench/dask_bench.py            # 10,000 families / 50 communes (about a minute)
    .venv/bin/python bench/dask_bench.py --quick    # 2,000 families / 50 communes
    .venv/bin/python bench/dask_bench.py --full     # 100,000 families / 50 communes (the issue's round)

Every mode, in this order:

1. files: the batch (decision + certificates per commune, merged and one file per row)
   once in one process and once on the cluster with a worker SIGKILLed in the middle
   of rendering; every file compared byte for byte.
2. DOCX: per-commune decisions and merged certificates, one process and the cluster
   alternated in rounds; certificates/s of each.
3. PDF: the same batch with ``--pdf`` on the first communes only (``--pdf-units``;
   PDF of 100,000 pages takes hours here), alternated; seconds per page of each.

Then the estimate of machines for a million certificates in an hour, from the measured
cluster DOCX rate and the measured per-page PDF cost.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from congvan.batch.dot import DotConfig
from congvan.batch.faults import worker_killed_during
from congvan.batch.run import BatchOptions, BatchReport, run_batch
from congvan.batch.sample_data import HEADERS, UNIT_COLUMN, communes, families_by_commune, write_csv

DOT = DotConfig(co_quan="Hội Khuyến học tỉnh Ninh Bình", dia_danh="Ninh Bình", nam=2026, so_quyet_dinh=215)
ONE, MANY = "một tiến trình", "dask 2 worker"
TARGET, HOUR = 1_000_000, 3600


def _batch(sheet: Path, out: Path, dask: str | None, *, mode: str = "gop", pdf: bool = False) -> BatchReport:
    return run_batch(
        BatchOptions(
            data=sheet, outdir=out, dot=DOT, mode=mode, pdf=pdf, progress=False, dask=dask, theo_cot=UNIT_COLUMN
        )
    )


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def files_check(sheet: Path, work: Path, address: str, rows: int, units: int) -> None:
    one = _batch(sheet, work / "files-one", None, mode="ca-hai")
    started = time.perf_counter()
    with worker_killed_during(address, "row_files_task") as killed:  # during the per-row stage
        many = _batch(sheet, work / "files-many", address, mode="ca-hai")
    seconds = time.perf_counter() - started
    a, b = _digests(work / "files-one"), _digests(work / "files-many")
    differ = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
    verdict = "giống hệt từng byte" if not differ else f"KHÁC {len(differ)} tệp, ví dụ {differ[:3]}"
    print(
        f"tệp: {rows:,} gia đình, {len(one.units)}/{units} xã; cụm dask "
        f"{'bị giết 1 worker giữa chừng' if killed else 'KHÔNG giết được worker nào'} ({seconds:.1f} s); "
        f"{len(a):,} tệp một tiến trình, {len(b):,} tệp dask: {verdict}"
    )
    assert len(many.units) == len(one.units)


def _rounds(rounds: int, peers: list[tuple[str, Callable[[int], float]]]) -> dict[str, list[float]]:
    """Each peer once per round, order alternated between rounds; seconds per run."""
    times: dict[str, list[float]] = {name: [] for name, _ in peers}
    for n in range(rounds):
        for name, run in peers if n % 2 == 0 else list(reversed(peers)):
            times[name].append(run(n))
    return times


def docx_rounds(sheet: Path, work: Path, address: str, rows: int, rounds: int) -> dict[str, float]:
    def peer(dask: str | None) -> Callable[[int], float]:
        def run(n: int) -> float:
            start = time.perf_counter()
            _batch(sheet, work / f"docx-{n}-{dask is None}", dask)
            seconds = time.perf_counter() - start
            name = ONE if dask is None else MANY
            print(
                f"  DOCX vòng {n + 1}: {name:15s} {rows:,} giấy trong {seconds:6.1f} s = {rows / seconds:7.0f} giấy/s"
            )
            return seconds

        return run

    times = _rounds(rounds, [(ONE, peer(None)), (MANY, peer(address))])
    return {name: rows / statistics.median(seconds) for name, seconds in times.items()}


def pdf_rounds(
    sheet: Path, work: Path, address: str, pdf_units: int, rounds: int
) -> tuple[dict[str, float], dict[str, float], int, int]:
    """--pdf on the first *pdf_units* communes: seconds of the PDF stage per page and per certificate."""
    subset = work / "pdf.csv"
    with sheet.open(encoding="utf-8-sig", newline="") as fh:
        data = list(csv.reader(fh))
    chosen = list(dict.fromkeys(row[-1] for row in data[1:]))[:pdf_units]
    kept = [row for row in data[1:] if row[-1] in chosen]
    write_csv(subset, data[0], iter(kept))
    warm = work / "pdf-warm.csv"  # LibreOffice started in this process and on every worker first
    write_csv(warm, data[0], iter(kept[:4]))
    for dask in (None, address):
        _batch(warm, work / f"pdf-warm-{dask is None}", dask, pdf=True)
    pages: dict[str, int] = {}

    def peer(dask: str | None) -> Callable[[int], float]:
        def run(n: int) -> float:
            out = work / f"pdf-{n}-{dask is None}"
            report = _batch(subset, out, dask, pdf=True)
            seconds = report.timings["pdf"]
            name = ONE if dask is None else MANY
            pages[name] = _pages_of_merged(out)
            print(
                f"  PDF vòng {n + 1}: {name:15s} {len(kept):,} giấy + {len(chosen)} quyết định = {pages[name]:,} trang "
                f"trong {seconds:6.1f} s = {seconds / pages[name] * 1000:5.1f} ms/trang"
            )
            return seconds

        return run

    times = _rounds(rounds, [(ONE, peer(None)), (MANY, peer(address))])
    per_page = {name: statistics.median(s) / pages[name] for name, s in times.items()}
    per_cert = {name: statistics.median(s) / len(kept) for name, s in times.items()}
    return per_page, per_cert, len(kept), len(chosen)


def _pages_of_merged(folder: Path) -> int:
    """Pages converted by LibreOffice: every decision and every merged certificate file."""
    total = 0
    for pdf in [*folder.rglob("quyet_dinh_cong_nhan.pdf"), *folder.rglob("*_tat_ca.pdf")]:
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        total += int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 families, 1 round")
    parser.add_argument("--full", action="store_true", help="100,000 families (the issue's round)")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--pdf-units", type=int, help="communes converted to PDF (default 2; --full 1)")
    parser.add_argument("--rounds", type=int)
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.full else 2_000 if args.quick else 10_000)
    rounds = args.rounds or (1 if args.quick or args.full else 2)
    pdf_units = args.pdf_units or (1 if args.full else 2)
    from congvan.batch.distributed import local_cluster

    with tempfile.TemporaryDirectory(prefix="congvan-dask-bench-") as tmp, local_cluster(2) as cluster:
        work = Path(tmp)
        address = cluster.scheduler_address
        sheet = work / "vong.csv"
        write_csv(sheet, [*HEADERS, UNIT_COLUMN], families_by_commune(rows, communes(args.units)))
        print(f"đợt: {rows:,} gia đình, {args.units} xã; máy {os.cpu_count()} lõi, tải {os.getloadavg()[0]:.1f}")
        files_check(sheet, work, address, rows, args.units)
        docx = docx_rounds(sheet, work, address, rows, rounds)
        per_page, per_cert, pdf_rows, pdf_done = pdf_rounds(sheet, work, address, pdf_units, rounds)
    print(
        f"DOCX (quyết định + giấy gộp theo xã, {rows:,} giấy, trung vị {rounds} vòng): "
        f"{ONE} {docx[ONE]:,.0f} giấy/s · {MANY} {docx[MANY]:,.0f} giấy/s"
    )
    print(
        f"PDF (chỉ đo {pdf_done}/{args.units} xã = {pdf_rows:,} giấy, không phải cả {rows:,}): "
        f"{ONE} {per_page[ONE] * 1000:.1f} ms/trang ({1 / per_page[ONE]:,.1f} trang/s) · "
        f"{MANY} {per_page[MANY] * 1000:.1f} ms/trang ({1 / per_page[MANY]:,.1f} trang/s)"
    )
    both = {name: 1 / (1 / docx[name] + per_cert[name]) for name in (ONE, MANY)}
    print(
        f"DOCX + PDF (từ hai số trên; PDF {per_cert[MANY] / per_page[MANY]:.2f} trang/giấy kể cả quyết định): "
        f"{ONE} {both[ONE]:,.1f} giấy/s · {MANY} {both[MANY]:,.1f} giấy/s"
    )
    machine_per_hour = both[MANY] * HOUR
    machines = math.ceil(TARGET / machine_per_hour)
    print(
        f"ước tính: một máy {os.cpu_count()} lõi như máy này, cụm 2 worker, ≈ {machine_per_hour:,.0f} giấy/giờ "
        f"(DOCX {1000 / docx[MANY]:.2f} ms + PDF {per_cert[MANY] * 1000:.1f} ms đo được mỗi giấy) "
        f"→ 1.000.000 giấy trong 1 giờ cần ≈ {machines} máy như vậy (chưa tính máy điều phối và đĩa)"
    )


if __name__ == "__main__":
    main()
