"""PDF pages with poppler: count, split one PDF per row, join chunks into one."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from congvan.errors import CongvanError, Problem, display_path
from congvan.pdf.procs import staging_dir


def _need(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            raise CongvanError(f"thiếu công cụ '{tool}' để xử lý PDF; cài gói poppler-utils")


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise CongvanError(Problem("không đọc được số trang PDF", file=display_path(pdf)))


def split_pdf(
    pdf: Path, outdir: Path, names: Sequence[str], workers: int | None = None
) -> list[Path]:
    """Cut a merged PDF into one file per row (equal page counts), named *names*."""
    _need("pdfinfo", "pdfseparate", "pdfunite")
    pages = page_count(pdf)
    if not names or pages % len(names):
        raise CongvanError(
            Problem(
                f"PDF có {pages} trang, không chia đều cho {len(names)} dòng; "
                "hãy dùng --che-do tung-dong để xuất PDF từng tệp",
                file=display_path(pdf),
            )
        )
    per = pages // len(names)
    outdir.mkdir(parents=True, exist_ok=True)
    workers = workers or os.cpu_count() or 1
    with staging_dir(outdir) as staging:
        _separate_parallel(pdf, staging, pages, workers)
        results = []
        for index, name in enumerate(names):
            first = index * per + 1
            target = outdir / name
            if per == 1:
                os.replace(Path(staging) / f"{first}.pdf", target)
            else:
                joined = Path(staging) / f"doc-{index}.pdf"
                singles = [str(Path(staging) / f"{n}.pdf") for n in range(first, first + per)]
                subprocess.run(["pdfunite", *singles, str(joined)], check=True, capture_output=True)
                os.replace(joined, target)
            results.append(target)
    return results


def _separate_parallel(pdf: Path, staging: Path, pages: int, workers: int) -> None:
    step = -(-pages // workers)
    ranges = [(s, min(s + step - 1, pages)) for s in range(1, pages + 1, step)]

    def one(bounds: tuple[int, int]) -> None:
        subprocess.run(
            [
                "pdfseparate",
                "-f",
                str(bounds[0]),
                "-l",
                str(bounds[1]),
                str(pdf),
                str(staging / "%d.pdf"),
            ],
            check=True,
            capture_output=True,
        )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, ranges))


def join_pdfs(pdfs: Sequence[Path], target: Path) -> Path:
    """Concatenate *pdfs* in order into *target* (written in staging, then renamed into place)."""
    if not pdfs:
        raise CongvanError("không có PDF nào để ghép")
    _need("pdfunite")
    with staging_dir(target.parent) as staging:
        joined = staging / target.name
        if len(pdfs) == 1:
            shutil.copyfile(pdfs[0], joined)
        else:
            subprocess.run(["pdfunite", *map(str, pdfs), str(joined)], check=True, capture_output=True)
        os.replace(joined, target)
    return target
