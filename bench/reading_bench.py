"""kiem-tra speed per document (no --pdf), next to a floor: python-docx open + iterate paragraphs.

Documents: our own rendering of records/000 (3 pages in LibreOffice) and of
records/003 (7 pages). Peers are timed in alternated rounds in the same run, so
machine load hits them alike; the figure is the median of the rounds.
Usage: ``.venv/bin/python bench/reading_bench.py [--quick]``. Target: < 50 ms per 3-page document.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import docx

from congvan.profiles import load_profile
from congvan.reading.checker import check_file
from congvan.reading.docx import read_docx
from congvan.records.loader import load_record
from congvan.render.document import DocumentRenderer

ROOT = Path(__file__).resolve().parents[1]
DOCS = {
    "3 trang (000)": "000-ke-hoach-lien-tich-ldld-hkh-ben-tre",
    "7 trang (003)": "003-chuong-trinh-phoi-hop-yen-bai",
}


def floor(data: bytes) -> None:
    """The least a checker must do: open the package and walk every paragraph."""
    document = docx.Document(io.BytesIO(data))
    for para in document.paragraphs:
        _ = para.text
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for para in cell.paragraphs:
                    _ = para.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (for make bench / CI)")
    args = parser.parse_args()
    rounds, per_round = (5, 5) if args.quick else (15, 20)
    profile = load_profile("nd30")
    renderer = DocumentRenderer()
    for label, stem in DOCS.items():
        path = ROOT / "records" / f"{stem}.yaml"
        data = renderer.render_bytes(load_record(path), base_dir=path.parent)
        report = check_file(data, profile, name=stem)
        assert report.error is None and not report.errors, "the sample must be clean"
        peers: dict[str, Callable[[], object]] = {
            "kiem-tra (đọc + nhận diện + kiểm tra)": lambda d=data: check_file(d, profile, name="bench"),
            "chỉ đọc định dạng (reading.docx)": lambda d=data: read_docx(d, name="bench"),
            "sàn: python-docx mở + duyệt đoạn": lambda d=data: floor(d),
        }
        times: dict[str, list[float]] = {name: [] for name in peers}
        for fn in peers.values():  # warm caches (profile, metrics, imports) before timing
            fn()
        for _ in range(rounds):
            for name, fn in peers.items():
                start = time.perf_counter()
                for _ in range(per_round):
                    fn()
                times[name].append((time.perf_counter() - start) / per_round * 1000)
        base = statistics.median(times["sàn: python-docx mở + duyệt đoạn"])
        print(f"{label}, {len(data) // 1024} KB, {rounds} vòng x {per_round} lần, trung vị:")
        for name, values in times.items():
            med = statistics.median(values)
            print(f"  {name:<40} {med:7.1f} ms/văn bản  ({med / base:4.1f}× sàn)")


if __name__ == "__main__":
    main()
