"""Shared fixtures: every sample record rendered once per test session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from congvan.records.loader import load_record
from congvan.records.models import VanBanChung
from congvan.render.document import DocumentRenderer

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "records").glob("*.yaml")) + sorted((ROOT / "tests" / "fixtures").glob("*.yaml"))


def sample_ids() -> list[str]:
    return [p.stem for p in SAMPLES]


@pytest.fixture(scope="session")
def renderer() -> DocumentRenderer:
    return DocumentRenderer()


@pytest.fixture(scope="session")
def rendered(renderer: DocumentRenderer) -> dict[str, tuple[VanBanChung, bytes]]:
    """Stem -> (record, DOCX bytes) for every sample record."""
    out = {}
    for path in SAMPLES:
        record = load_record(path)
        out[path.stem] = (record, renderer.render_bytes(record, base_dir=path.parent))
    return out


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory, rendered: dict[str, tuple[VanBanChung, bytes]]) -> Path:
    """All samples converted to PDF in ONE LibreOffice start for the whole run."""
    from congvan.pdf import convert_to_pdf

    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.fail("thiếu LibreOffice hoặc poppler-utils: chạy scripts/setup.sh")
    folder = tmp_path_factory.mktemp("pdf")
    paths = []
    for stem, (_, data) in rendered.items():
        path = folder / f"{stem}.docx"
        path.write_bytes(data)
        paths.append(path)
    convert_to_pdf(paths, folder)
    return folder


def pdftotext_bbox(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
