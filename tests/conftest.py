"""Shared fixtures: every sample record rendered once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from congvan.records.loader import load_record
from congvan.records.models import VanBanChung
from congvan.render.document import DocumentRenderer

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "records").glob("*.yaml")) + sorted((ROOT / "tests" / "fixtures").glob("*.yaml"))


# Every `congvan` a test starts runs in its own process, as the tests were written for; the
# background process (congvan.nen) is tested on its own, with its own folder (test_nen.py).
os.environ["CONGVAN_NEN"] = "0"

if os.environ.get("PYTEST_XDIST_WORKER"):  # one kept-warm LibreOffice per xdist worker: cores are shared
    os.environ.setdefault("CONGVAN_PDF_WORKERS", "1")


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
def warm_pdf() -> Iterator[object]:
    """The kept-warm LibreOffice pool, started once per test run (each xdist worker its own)."""
    from congvan.pdf import shutdown, warm_up
    from congvan.pdf.warm import get_pool

    if not shutil.which("soffice") or not shutil.which("pdftotext"):
        pytest.fail("thiếu LibreOffice hoặc poppler-utils: chạy scripts/setup.sh")
    if not warm_up():
        pytest.fail("không khởi động được LibreOffice giữ ấm (unoserver + python3-uno): chạy scripts/setup.sh")
    yield get_pool()
    shutdown()


@pytest.fixture(scope="session")
def pdf_dir(
    tmp_path_factory: pytest.TempPathFactory, rendered: dict[str, tuple[VanBanChung, bytes]], warm_pdf: object
) -> Path:
    """All samples converted to PDF by the kept-warm LibreOffice, once for the whole run."""
    from congvan.pdf import convert_to_pdf

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
