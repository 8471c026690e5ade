"""PDF benchmark: cold ``soffice --convert-to`` against the kept-warm pool, in alternated rounds.

    .venv/bin/python bench/pdf_bench.py            # preview 7 rounds; bulk 2,000 pages, 1 round
    .venv/bin/python bench/pdf_bench.py --quick    # preview 3 rounds; bulk 200 pages, 2 rounds

Preview: one 1-page plan (records/102-ke-hoach-trao-hoc-bong.yaml), a whole cold
``soffice`` call against ``docx_bytes_to_pdf`` on the warm pool; floors: the warm
pool converting the same file path to path (no bytes over XML-RPC), and an
empty XML-RPC round trip (congvan's own overhead). Bulk: N one-page certificates, ONE cold
``soffice`` call on the merged DOCX against the same rows as chunks of
``CHUNK_PAGES`` converted on the warm pool and joined; floor: one warm chunk's
ms/page divided by the number of workers (perfect scaling). Targets (issue 8
item 6): preview <= 300 ms, bulk <= 10 ms a page on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _results import report

from congvan import pdf
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import HEADERS, families, write_csv
from congvan.pdf import warm
from congvan.pdf.cold import cold_convert
from congvan.pdf.procs import staging_dir
from congvan.records.loader import load_record
from congvan.render.document import DocumentRenderer

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "records" / "102-ke-hoach-trao-hoc-bong.yaml"


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def _alternate(peers: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Each round runs every peer once, the order flipped every other round."""
    times: dict[str, list[float]] = {name: [] for name in peers}
    names = list(peers)
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            times[name].append(_timed(peers[name]))
    return times


def _cold_file(source: Path, folder: Path) -> Path:
    with staging_dir(folder) as staging:
        (made,) = cold_convert([source], staging, timeout=600)
        target = folder / made.name
        made.replace(target)
    return target


def bench_preview(folder: Path, rounds: int) -> None:
    data = DocumentRenderer().render_bytes(load_record(PLAN), base_dir=PLAN.parent)
    source = folder / "plan.docx"
    source.write_bytes(data)
    pdf.docx_bytes_to_pdf(data)  # first load of the Writer filters, not part of a steady preview
    pool = warm.get_pool()

    def file_to_file() -> None:
        with pool.worker() as worker:
            worker.convert(inpath=source, outpath=folder / "plan.pdf", timeout=60)

    def round_trip() -> None:
        with pool.worker() as worker:
            worker._proxy(5).system.listMethods()

    times = _alternate(
        {
            "cold soffice --convert-to": lambda: _cold_file(source, folder / "cold"),
            "warm docx_bytes_to_pdf": lambda: pdf.docx_bytes_to_pdf(data),
            "floor: warm, file in/file out": file_to_file,
            "floor: XML-RPC round trip": round_trip,
        },
        rounds,
    )
    pages = pdf.page_count(_cold_file(source, folder / "cold"))
    print(f"\nPreview, {PLAN.name} ({pages} page), median of {rounds} alternated rounds:")
    for name, values in times.items():
        print(f"  {name:<34} {statistics.median(values) * 1000:8.1f} ms   (min {min(values) * 1000:.1f})")
    warm_ms = statistics.median(times["warm docx_bytes_to_pdf"]) * 1000
    cold_ms = statistics.median(times["cold soffice --convert-to"]) * 1000
    verdict = "OK" if warm_ms <= 300 else "MISSED"
    print(f"  warm is {cold_ms / warm_ms:.1f}x faster than cold; target <= 300 ms: {verdict}")
    report(
        "pdf_preview",
        figure=f"warm {warm_ms:.0f} ms",
        peer=f"cold soffice {cold_ms:.0f} ms ({cold_ms / warm_ms:.1f}x)",
        floor=f"warm file in/out {statistics.median(times['floor: warm, file in/file out']) * 1000:.0f} ms",
        target="<= 300 ms",
        ok=warm_ms <= 300,
    )


def _certificates(folder: Path, rows: list[list[object]], name: str) -> Path:
    """One merged DOCX of len(rows) one-page certificates, through the batch's own path."""
    csv = folder / f"{name}.csv"
    write_csv(csv, HEADERS, rows)
    out = folder / name
    run_batch(BatchOptions(data=csv, outdir=out, documents=("giay-cong-nhan",), mode="gop", progress=False))
    return out / "giay_cong_nhan_tat_ca.docx"


def bench_bulk(folder: Path, pages: int, rounds: int) -> None:
    rows = list(families(pages))
    merged = _certificates(folder, rows, "merged")
    step = pdf.CHUNK_PAGES
    chunks = [_certificates(folder, rows[i : i + step], f"chunk-{i:06d}") for i in range(0, pages, step)]
    pool = warm.get_pool()
    single = chunks[0]
    chunk_pages = min(step, pages)
    with pool.worker() as worker:
        one_chunk = min(
            _timed(lambda: worker.convert(inpath=single, outpath=folder / "one.pdf", timeout=600)) for _ in range(2)
        )
    outputs = {"cold": folder / "cold", "warm": folder / "warm.pdf"}
    times = _alternate(
        {
            "cold: one soffice call, merged file": lambda: _cold_file(merged, outputs["cold"]),
            f"warm: chunks of {step}, {pool.size} workers": lambda: pdf.docx_to_one_pdf(chunks, outputs["warm"]),
        },
        rounds,
    )
    cold_pages = pdf.page_count(outputs["cold"] / "giay_cong_nhan_tat_ca.pdf")
    warm_pages = pdf.page_count(outputs["warm"])
    print(f"\nBulk, {pages} one-page certificates, median of {rounds} alternated round(s):")
    per_page = {}
    for name, values in times.items():
        total = statistics.median(values)
        per_page[name] = total * 1000 / pages
        print(f"  {name:<40} {total:8.2f} s   {per_page[name]:7.2f} ms/page")
    floor = one_chunk * 1000 / chunk_pages / pool.size
    print(f"  {'floor: one warm chunk / workers':<40} {'':8}     {floor:7.2f} ms/page")
    cold, ours = per_page.values()
    verdict = "OK" if ours <= 10 else "MISSED"
    print(f"  pages out: cold {cold_pages}, warm {warm_pages} (expected {pages})")
    print(f"  warm chunked is {cold / ours:.1f}x faster than one cold call; target <= 10 ms/page: {verdict}")
    report(
        "pdf_bulk",
        figure=f"warm chunked {ours:.2f} ms/page ({pages} pages)",
        peer=f"one cold soffice call {cold:.2f} ms/page ({cold / ours:.1f}x)",
        floor=f"one warm chunk / workers {floor:.2f} ms/page",
        target="<= 10 ms/page",
        ok=ours <= 10 and cold_pages == pages and warm_pages == pages,
    )
    if cold_pages != pages or warm_pages != pages:
        raise SystemExit("page counts differ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, 200 pages")
    parser.add_argument("--pages", type=int, default=None, help="bulk page count (default 2000, quick 200)")
    args = parser.parse_args(argv)
    pages = args.pages or (200 if args.quick else 2000)
    started = time.perf_counter()
    if not pdf.warm_up():
        print("kept-warm LibreOffice unavailable (run scripts/setup.sh)", file=sys.stderr)
        return 1
    pool = warm.get_pool()
    print(f"warm pool: {pool.size} workers started in {time.perf_counter() - started:.2f} s (once per process)")
    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as tmp:
        bench_preview(Path(tmp), 3 if args.quick else 7)
        bench_bulk(Path(tmp), pages, 2 if args.quick else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
