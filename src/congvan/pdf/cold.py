"""The cold path: DOCX to PDF with one ``soffice --convert-to`` call (the fallback of the warm pool).

Each ``soffice`` start costs ~1 s, nearly all start-up, so every file goes
into ONE call. The call gets a private profile directory (two LibreOffice
processes sharing a profile block each other), a timeout, its own process
group so a hung LibreOffice is killed whole, and PR_SET_PDEATHSIG so it dies
with congvan. PDFs are produced in a locked staging folder and renamed into
place: an interrupted conversion leaves no half-written PDF, and the next run
removes the folder a killed one left.
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
from pathlib import Path

from congvan.errors import CongvanError, Problem
from congvan.pdf.procs import kill_group, popen, staging_dir

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
                with staging_dir(PROFILE_CACHE / "cold-profiles") as tmp:
                    yield tmp
                return
            yield PROFILE_CACHE / "lo-profile"
        return
    yield profile_dir


def cold_convert(
    paths: Sequence[Path],
    staging: Path,
    timeout: float = 180,
    profile_dir: Path | None = None,
) -> list[Path]:
    """Convert every file in ONE LibreOffice call into *staging*; returns the PDFs in input order."""
    if not paths:
        return []
    stems = [Path(p).stem for p in paths]
    binary = soffice_binary()
    with _profile(profile_dir) as profile:
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
            str(staging),
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
            results.append(made)
    return results


def cold_bytes(data: bytes, timeout: float) -> bytes:
    """One DOCX given as bytes, through the cold call (a private temporary folder, removed)."""
    with staging_dir(Path(tempfile.gettempdir()) / "congvan-pdf") as folder:
        source = folder / "preview.docx"
        source.write_bytes(data)
        (made,) = cold_convert([source], folder, timeout)
        return made.read_bytes()


def _run(command: list[str], timeout: float) -> None:
    env = dict(os.environ, HOME=os.environ.get("HOME", "/tmp"))
    proc = popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        proc.communicate()
        raise CongvanError(
            f"LibreOffice không xuất xong PDF sau {timeout:.0f} giây; đã dừng"
        ) from None
    except BaseException:
        kill_group(proc, signal.SIGKILL)
        raise
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise CongvanError(f"LibreOffice báo lỗi khi xuất PDF (mã {proc.returncode}): {detail[0]}")
