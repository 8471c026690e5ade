"""DOCX to PDF for every caller: the warm pool when it can be had, the cold soffice call otherwise.

All-or-nothing: PDFs are made in a locked staging folder inside the output
folder and renamed into place only when every one of them succeeded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from congvan.errors import CongvanError, Problem, display_path
from congvan.pdf import warm
from congvan.pdf.cold import cold_bytes, cold_convert
from congvan.pdf.poppler import join_pdfs
from congvan.pdf.procs import staging_dir

DEFAULT_TIMEOUT = 60.0
CHUNK_PAGES = 100  # pages per DOCX chunk for bulk PDF: LibreOffice stays linear below a few hundred


def _timeout_error(timeout: float, file: str | None = None) -> CongvanError:
    message = f"LibreOffice không xuất xong PDF sau {timeout:g} giây; đã dừng"
    return CongvanError(Problem(message, file=file) if file else message)


def _failed_error(file: str | None = None) -> CongvanError:
    message = "LibreOffice không mở được tài liệu để xuất PDF (tệp hỏng hoặc không phải DOCX)"
    return CongvanError(Problem(message, file=file) if file else message)


def docx_bytes_to_pdf(data: bytes, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """One DOCX in memory to PDF bytes (previews): no file is written next to the caller's."""
    if not data.startswith(b"PK"):
        raise _failed_error()
    try:
        pool = warm.get_pool()
        with pool.worker() as worker:
            result = worker.convert(data=data, timeout=timeout)
        assert result is not None
        return result
    except warm.ConversionTimeout:
        raise _timeout_error(timeout) from None
    except warm.ConversionFailed:
        raise _failed_error() from None
    except warm.WarmUnavailable:
        warm.mark_broken()
        return cold_bytes(data, timeout)


def _check_inputs(paths: Sequence[Path]) -> None:
    for path in paths:
        if not path.is_file():
            raise CongvanError(Problem("không tìm thấy tệp cần chuyển PDF", file=display_path(path)))


class _Job:
    """Shared state of one many-file conversion: the queue, the results, the first error."""

    def __init__(self, sources: Sequence[Path], targets: Sequence[Path], timeout: float) -> None:
        self.sources = sources
        self.targets = targets
        self.timeout = timeout
        self.todo = list(range(len(sources)))
        self.done: set[int] = set()
        self.errors: dict[int, CongvanError] = {}
        self.lock = threading.Lock()

    def next(self) -> int | None:
        with self.lock:
            if self.errors or not self.todo:
                return None
            return self.todo.pop(0)

    def run_worker(self, pool: warm.Pool) -> None:
        with pool.worker() as worker:
            while (index := self.next()) is not None:
                source = self.sources[index]
                try:
                    worker.convert(inpath=source.resolve(), outpath=self.targets[index].resolve(),
                                   timeout=self.timeout)  # fmt: skip
                    self.done.add(index)
                except warm.ConversionTimeout:
                    self.errors[index] = _timeout_error(self.timeout, display_path(source))
                except warm.ConversionFailed:
                    self.errors[index] = _failed_error(display_path(source))
                except warm.WarmUnavailable:
                    warm.mark_broken()
                    with self.lock:
                        self.todo.insert(0, index)  # left for the cold call
                    return


def _convert_into(sources: Sequence[Path], targets: Sequence[Path], timeout: float) -> None:
    """Convert sources[i] to targets[i] (all in one staging folder), spread over the warm workers."""
    try:
        pool = warm.get_pool()
    except warm.WarmUnavailable:
        _cold_into(sources, targets, timeout)
        return
    job = _Job(sources, targets, timeout)
    threads = min(pool.size, len(sources))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="congvan-pdf") as executor:
        for future in [executor.submit(job.run_worker, pool) for _ in range(threads)]:
            future.result()
    if job.errors:
        raise job.errors[min(job.errors)]
    left = [i for i in range(len(sources)) if i not in job.done]
    if left:
        _cold_into([sources[i] for i in left], [targets[i] for i in left], timeout)


def _cold_into(sources: Sequence[Path], targets: Sequence[Path], timeout: float) -> None:
    """The cold fallback: ONE soffice call; outputs renamed to the wanted names."""
    if len({p.stem for p in sources}) != len(sources):
        raise CongvanError("các tệp cần chuyển PDF có tên trùng nhau (khác thư mục)")
    folder = targets[0].parent / "cold-out"  # soffice names PDFs by stem: keep them apart from targets
    folder.mkdir(exist_ok=True)
    made = cold_convert(sources, folder, timeout * max(1, len(sources)))
    for pdf, target in zip(made, targets, strict=True):
        os.replace(pdf, target)
    folder.rmdir()


def docx_to_pdf_many(
    paths: Sequence[Path], out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT
) -> list[Path]:
    """Each DOCX to ``out_dir/<stem>.pdf``, spread over the warm workers; PDFs in input order.

    *timeout* is per document. Nothing is published unless every file converted.
    """
    sources = [Path(p) for p in paths]
    if not sources:
        return []
    stems = [p.stem for p in sources]
    if len(set(stems)) != len(stems):
        raise CongvanError("các tệp cần chuyển PDF có tên trùng nhau (khác thư mục)")
    _check_inputs(sources)
    out_dir = Path(out_dir)
    results = [out_dir / f"{stem}.pdf" for stem in stems]
    with staging_dir(out_dir) as staging:
        staged = [staging / f"{stem}.pdf" for stem in stems]
        _convert_into(sources, staged, timeout)
        for pdf, target in zip(staged, results, strict=True):
            os.replace(pdf, target)
    return results


def docx_to_one_pdf(chunks: Sequence[Path], target: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Bulk PDF: chunks of a long document converted in parallel, then joined in order into *target*.

    LibreOffice slows down super-linearly past a few hundred pages in one file;
    a caller cuts its output into chunks of about :data:`CHUNK_PAGES` pages.
    *timeout* is per chunk.
    """
    sources = [Path(p) for p in chunks]
    if not sources:
        raise CongvanError("không có tệp DOCX nào để chuyển PDF")
    _check_inputs(sources)
    target = Path(target)
    with staging_dir(target.parent) as staging:
        parts_dir = staging / "parts"
        parts_dir.mkdir()
        staged = [parts_dir / f"{index:06d}.pdf" for index in range(len(sources))]
        _convert_into(sources, staged, timeout)
        join_pdfs(staged, target)
    return target


def convert_to_pdf(
    paths: Sequence[Path], outdir: Path, timeout: float = 180, profile_dir: Path | None = None
) -> list[Path]:
    """The historical entry point: warm pool (per-document *timeout*); an explicit profile means cold."""
    if profile_dir is None:
        return docx_to_pdf_many(paths, outdir, timeout=timeout)
    sources = [Path(p) for p in paths]
    if not sources:
        return []
    if len({p.stem for p in sources}) != len(sources):
        raise CongvanError("các tệp cần chuyển PDF có tên trùng nhau (khác thư mục)")
    _check_inputs(sources)
    with staging_dir(Path(outdir)) as staging:
        made = cold_convert(sources, staging, timeout, profile_dir)
        results = [Path(outdir) / pdf.name for pdf in made]
        for pdf, target in zip(made, results, strict=True):
            os.replace(pdf, target)
    return results


def warm_up() -> bool:
    """Start the warm workers now (web server start-up, before a batch); False when only cold works."""
    try:
        return warm.get_pool().warm_up()
    except warm.WarmUnavailable:
        return False
