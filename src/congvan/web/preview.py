"""Preview: record -> DOCX (the one renderer) -> PDF -> page images, plus readable text.

The PDF step uses ``congvan.pdf.docx_bytes_to_pdf`` (a kept-warm LibreOffice)
when the installed congvan has it; otherwise a thin adapter over
``congvan.pdf.convert_to_pdf`` (one cold ``soffice`` start per preview). Results
are cached by the DOCX's hash, so an unchanged draft is never converted twice.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from congvan.errors import CongvanError
from congvan.records.models import VanBanChung
from congvan.render.document import DocumentRenderer

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
IMAGE_DPI = 80
MAX_CACHED = 40
_renderer = DocumentRenderer()
_render_lock = threading.Lock()
_convert_lock = threading.Lock()


def render_docx(record: VanBanChung, *, base_dir: Path, so: int | None = None) -> bytes:
    """The DOCX through the project's renderer (templates compiled once per process).

    ``base_dir`` is the draft's image folder (:func:`congvan.web.images.folder`), never
    the server's working directory: image fields resolve only inside it.
    """
    with _render_lock:
        return _renderer.render_bytes(record, base_dir=base_dir, so=so)


def docx_to_pdf(data: bytes, timeout: float = 60.0) -> bytes:
    """PDF bytes for DOCX bytes, warm LibreOffice when available."""
    from congvan import pdf

    warm = getattr(pdf, "docx_bytes_to_pdf", None)
    if warm is not None:
        return warm(data, timeout=timeout)
    with _convert_lock, tempfile.TemporaryDirectory(prefix="congvan-web-") as tmp:
        source = Path(tmp) / "van-ban.docx"
        source.write_bytes(data)
        (made,) = pdf.convert_to_pdf([source], Path(tmp) / "pdf", timeout=timeout)
        return made.read_bytes()


def pdf_to_images(pdf_bytes: bytes, folder: Path, dpi: int = IMAGE_DPI) -> list[Path]:
    """Page images of a PDF (JPEG: poppler's PNG encoder is ~9x slower here for no visible gain on text)."""
    if shutil.which("pdftoppm") is None:
        raise CongvanError("thiếu công cụ pdftoppm để xem trước; cài gói poppler-utils")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        src = Path(tmp) / "x.pdf"
        src.write_bytes(pdf_bytes)
        subprocess.run(
            ["pdftoppm", "-jpeg", "-jpegopt", "quality=88", "-r", str(dpi), str(src), str(Path(tmp) / "trang")],
            check=True,
            capture_output=True,
            timeout=60,
        )
        pages = sorted(Path(tmp).glob("trang-*.jpg"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        out = []
        for i, page in enumerate(pages, start=1):
            target = folder / f"{i}.jpg"
            page.replace(target)
            out.append(target)
    return out


def docx_text(data: bytes) -> list[str]:
    """The document's paragraphs in reading order (body, tables included), for screen readers."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    lines = []
    for p in root.iter(f"{_W}p"):
        if p.getparent() is not None and p.getparent().tag == f"{_W}pPr":
            continue
        text = "".join(t.text or "" for t in p.iter(f"{_W}t"))
        if text.strip():
            lines.append(text)
    return lines


@dataclass
class Preview:
    key: str
    pages: int
    text: list[str]


class PreviewCache:
    """Page images by DOCX hash in ``folder/<hash>/<n>.jpg``; oldest dropped first."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def make(self, docx: bytes) -> Preview:
        key = hashlib.sha256(docx).hexdigest()[:32]
        target = self.folder / key
        text = docx_text(docx)
        if not (target / "1.jpg").exists():
            pdf_bytes = docx_to_pdf(docx)
            staging = Path(tempfile.mkdtemp(dir=self.folder, prefix=".tam-"))
            pdf_to_images(pdf_bytes, staging)
            with self._lock:
                if target.exists():
                    shutil.rmtree(staging, ignore_errors=True)
                else:
                    staging.rename(target)
                self._trim()
        pages = len(list(target.glob("*.jpg")))
        return Preview(key, pages, text)

    def page(self, key: str, number: int) -> Path | None:
        if not key.isalnum() or len(key) != 32:
            return None
        path = self.folder / key / f"{int(number)}.jpg"
        return path if path.is_file() else None

    def _trim(self) -> None:
        entries = sorted(
            (p for p in self.folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
            key=lambda p: p.stat().st_mtime,
        )
        for old in entries[:-MAX_CACHED]:
            shutil.rmtree(old, ignore_errors=True)
