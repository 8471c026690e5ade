"""DOCX to PDF with LibreOffice, many files per call; PDF splitting with poppler.

Each ``soffice`` start costs ~1.5 s, nearly all start-up, so every file of a
batch goes into ONE call. The call gets a private profile directory (two
LibreOffice processes sharing a profile block each other), a timeout, and its
own process group so a hung LibreOffice is killed whole. PDFs are produced in
a temporary folder and renamed into place: an interrupted conversion leaves no
half-written PDF.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from congvan.errors import CongvanError, Problem, display_path

PROFILE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "congvan"


def soffice_binary() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise CongvanError(
        "không tìm thấy LibreOffice (soffice) để xuất PDF; "
        "cài gói libreoffice-writer-nogui rồi chạy lại"
    )


@contextlib.contextmanager
def _profile(profile_dir: Path | None) -> Iterator[Path]:
    """A warm, reused profile when free (saves the first-start cost), else a fresh one."""
    if profile_dir is None:
        PROFILE_CACHE.mkdir(parents=True, exist_ok=True)
        lock_path = PROFILE_CACHE / "lo-profile.lock"
        with lock_path.open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                with tempfile.TemporaryDirectory(prefix="congvan-lo-") as tmp:
                    yield Path(tmp)
                return
            yield PROFILE_CACHE / "lo-profile"
        return
    yield profile_dir


def convert_to_pdf(
    paths: Sequence[Path],
    outdir: Path,
    timeout: float = 180,
    profile_dir: Path | None = None,
) -> list[Path]:
    """Convert every file in ONE LibreOffice call; returns the PDFs in input order."""
    if not paths:
        return []
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) != len(stems):
        raise CongvanError("các tệp cần chuyển PDF có tên trùng nhau (khác thư mục)")
    for p in paths:
        if not Path(p).exists():
            raise CongvanError(Problem("không tìm thấy tệp cần chuyển PDF", file=display_path(p)))
    outdir.mkdir(parents=True, exist_ok=True)
    binary = soffice_binary()
    with (
        tempfile.TemporaryDirectory(prefix=".pdf-", dir=outdir) as staging,
        _profile(profile_dir) as profile,
    ):
        command = [
            binary,
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            staging,
            *[str(Path(p).resolve()) for p in paths],
        ]
        _run(command, timeout)
        results = []
        for stem in stems:
            made = Path(staging) / f"{stem}.pdf"
            if not made.exists():
                raise CongvanError(
                    Problem("LibreOffice không xuất được PDF cho tệp này", file=f"{stem}.docx")
                )
            target = outdir / made.name
            os.replace(made, target)
            results.append(target)
    return results


def _run(command: list[str], timeout: float) -> None:
    env = dict(os.environ, HOME=os.environ.get("HOME", "/tmp"))
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise CongvanError(
            f"LibreOffice không xuất xong PDF sau {timeout:.0f} giây; đã dừng"
        ) from None
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise CongvanError(f"LibreOffice báo lỗi khi xuất PDF (mã {proc.returncode}): {detail[0]}")


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
    for tool in ("pdfinfo", "pdfseparate", "pdfunite"):
        if shutil.which(tool) is None:
            raise CongvanError(f"thiếu công cụ '{tool}' để tách PDF; cài gói poppler-utils")
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
    with tempfile.TemporaryDirectory(prefix=".tach-", dir=outdir) as staging:
        _separate_parallel(pdf, Path(staging), pages, workers)
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
