"""Batch benchmark: the compiled fast path against docxtpl, same template and data.

    .venv/bin/python bench/batch_bench.py            # DOCX numbers + memory (about 1-2 min)
    .venv/bin/python bench/batch_bench.py --pdf      # also LibreOffice: one call vs one per file

Targets (issue 4): per-row certificate DOCX >= 50x faster than docxtpl; 10,000
certificates merged into one DOCX < 3 s; peak memory < 300 MB for 100,000 rows.
The machine is noisy, so compare ratios taken in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from docxtpl import DocxTemplate

from congvan.batch.dot import DotConfig
from congvan.batch.models import GiaDinh
from congvan.batch.run import BatchOptions, run_batch
from congvan.batch.sample_data import HEADERS, families, write_csv
from congvan.batch.templates import template_path
from congvan.render.engine import CompiledTemplate
from congvan.render.jinja_env import make_environment

DOT = DotConfig(
    co_quan="Ủy ban nhân dân xã An Bình", dia_danh="An Bình", nam=2026,
    so_quyet_dinh=215, nguoi_ky="Trần Văn Bình",
)  # fmt: skip
FIELDS = ["stt", "ho_ten", "gioi_tinh", "nam_sinh", "dia_chi", "so_thanh_vien", "dien_thoai",
          "dong_gop", "ghi_chu"]  # fmt: skip


def contexts(count: int) -> list[dict[str, object]]:
    shared = DOT.context("gia đình", "Họ và tên chủ hộ")
    out = []
    for row in families(count):
        record = GiaDinh.model_validate(dict(zip(FIELDS, row, strict=True)))
        out.append({**shared, **record.context(), "stt": row[0], "so_vao_so": f"{row[0]:04d}"})
    return out


def per_doc_ms(func: Callable[[dict[str, object]], object], items: list[dict[str, object]], repeats: int = 3) -> float:
    """Median over *repeats* runs of the mean time per document, in ms."""
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for context in items:
            func(context)
        runs.append((time.perf_counter() - start) * 1000 / len(items))
    return statistics.median(runs)


def bench_per_row() -> dict[str, float]:
    path = template_path("giay-cong-nhan", "gia-dinh")
    env = make_environment()
    items = contexts(1000)

    def docxtpl_doc(context: dict[str, object]) -> bytes:
        tpl = DocxTemplate(str(path))
        tpl.render(context, jinja_env=env)
        buf = io.BytesIO()
        tpl.save(buf)
        return buf.getvalue()

    compiled = CompiledTemplate.load(path)
    theirs = per_doc_ms(docxtpl_doc, items[:100])
    ours = per_doc_ms(compiled.render_bytes, items)
    return {"docxtpl_ms": theirs, "compiled_ms": ours, "ratio": theirs / ours}


def bench_pipeline(folder: Path, rows: int, mode: str) -> float:
    """End to end from a CSV file: read, validate (twice), render, write."""
    data = folder / f"rows_{rows}.csv"
    if not data.exists():
        write_csv(data, HEADERS, families(rows))
    out = folder / f"out_{mode}_{rows}"
    start = time.perf_counter()
    run_batch(BatchOptions(data=data, outdir=out, dot=DOT, mode=mode,
                           documents=["giay-cong-nhan"], progress=False))  # fmt: skip
    return time.perf_counter() - start


_CHILD = """
import resource, sys, time, json
from collections.abc import Callable
from pathlib import Path
sys.path.insert(0, {bench!r})
from batch_bench import bench_pipeline
seconds = bench_pipeline(Path({folder!r}), {rows}, {mode!r})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak}}))
"""


def bench_memory(folder: Path, rows: int, mode: str = "gop") -> dict[str, float]:
    """Peak RSS of a fresh process running the batch (ru_maxrss, MB)."""
    code = _CHILD.format(bench=str(Path(__file__).parent), folder=str(folder), rows=rows, mode=mode)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_pdf(folder: Path, count: int = 8) -> dict[str, float]:
    from congvan.pdf import convert_to_pdf

    data = folder / "pdf_rows.csv"
    write_csv(data, HEADERS, families(count))
    out = folder / "pdf_out"
    run_batch(BatchOptions(data=data, outdir=out, dot=DOT, mode="ca-hai",
                           documents=["giay-cong-nhan"], progress=False))  # fmt: skip
    docs = sorted((out / "giay_cong_nhan").glob("*.docx"))
    convert_to_pdf(docs[:1], folder / "warm")  # first start creates the profile
    start = time.perf_counter()
    convert_to_pdf(docs, folder / "one_call")
    one_call = time.perf_counter() - start
    start = time.perf_counter()
    for doc in docs:
        convert_to_pdf([doc], folder / "per_file")
    per_file = time.perf_counter() - start
    start = time.perf_counter()
    convert_to_pdf([out / "giay_cong_nhan_tat_ca.docx"], folder / "merged")
    merged = time.perf_counter() - start
    return {"files": count, "one_call_s": one_call, "per_file_s": per_file, "merged_s": merged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf", action="store_true", help="also time LibreOffice")
    parser.add_argument("--rows", type=int, default=100_000, help="rows for the memory run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batch-bench-") as tmp:
        folder = Path(tmp)
        r = bench_per_row()
        print(
            f"per-row certificate DOCX: docxtpl {r['docxtpl_ms']:.1f} ms, "
            f"compiled {r['compiled_ms']:.3f} ms  ->  {r['ratio']:.0f}x  (target >= 50x)"
        )
        seconds = bench_pipeline(folder, 2000, "tung-dong")
        print(f"2,000 per-row files end to end (CSV, validate, write): {seconds:.2f} s ({seconds / 2:.2f} ms/row)")
        seconds = min(bench_pipeline(folder, 10_000, "gop") for _ in range(2))
        print(f"10,000 certificates merged into one DOCX (end to end): {seconds:.2f} s (target < 3 s)")
        small = bench_memory(folder, 10_000)
        big = bench_memory(folder, args.rows)
        print(
            f"peak RSS, merged: 10,000 rows {small['peak_mb']:.0f} MB; {args.rows:,} rows "
            f"{big['peak_mb']:.0f} MB in {big['seconds']:.1f} s  (target < 300 MB)"
        )
        if args.pdf:
            p = bench_pdf(folder)
            print(
                f"LibreOffice, {p['files']} certificates: one call {p['one_call_s']:.1f} s, "
                f"one call per file {p['per_file_s']:.1f} s, merged file {p['merged_s']:.1f} s"
            )


if __name__ == "__main__":
    main()
