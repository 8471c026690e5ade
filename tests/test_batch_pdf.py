"""Batch PDF output: one LibreOffice call for the whole session, then checks on it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from congvan.batch.run import BatchOptions, BatchReport, run_batch
from congvan.batch.sample_data import HEADERS, families, write_csv
from congvan.pdf import page_count
from test_batch import DOT, _png

pytestmark = [pytest.mark.pdf, pytest.mark.xdist_group("libreoffice")]
ROWS = 6


@pytest.fixture(scope="module")
def pdf_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BatchReport]:
    if not (shutil.which("soffice") and shutil.which("pdfseparate")):
        pytest.skip("cần LibreOffice (soffice) và poppler-utils")
    folder = tmp_path_factory.mktemp("pdf")
    data = folder / "rows.csv"
    write_csv(data, HEADERS, families(ROWS))  # awkward rows (&, quotes...) come first
    image = folder / "phoi.png"
    image.write_bytes(_png())
    options = BatchOptions(data=data, outdir=folder / "out", dot=DOT, mode="ca-hai", pdf=True,
                           background=image, progress=False)  # fmt: skip
    return folder / "out", run_batch(options)


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout


def test_merged_pdf_one_page_per_certificate(pdf_batch: tuple[Path, BatchReport]) -> None:
    out, report = pdf_batch
    rows = report.stats.good
    assert page_count(out / "giay_cong_nhan_tat_ca.pdf") == rows
    text = _text(out / "giay_cong_nhan_tat_ca.pdf")
    assert text.count("GIẤY CÔNG NHẬN") == rows
    assert "NGUYỄN VĂN TÂM & CON" in text
    assert 'TRẦN THỊ "BÉ" HOA' in text


def test_per_row_pdfs_split_from_the_merged_file(pdf_batch: tuple[Path, BatchReport]) -> None:
    out, report = pdf_batch
    pdfs = sorted((out / "giay_cong_nhan").glob("*.pdf"))
    docs = sorted((out / "giay_cong_nhan").glob("*.docx"))
    assert [p.stem for p in pdfs] == [d.stem for d in docs]
    assert len(pdfs) == report.stats.good
    assert all(page_count(p) == 1 for p in pdfs)
    tam = next(p for p in pdfs if "Nguyễn Văn Tâm & Con" in p.name)
    assert "NGUYỄN VĂN TÂM & CON" in _text(tam)


def test_decision_pdf_and_background_image(pdf_batch: tuple[Path, BatchReport]) -> None:
    out, _ = pdf_batch
    text = _text(out / "quyet_dinh_cong_nhan.pdf")
    assert "QUYẾT ĐỊNH" in text and "DANH SÁCH" in text
    images = subprocess.run(
        ["pdfimages", "-list", str(out / "giay_cong_nhan_tat_ca.pdf")], capture_output=True, text=True
    ).stdout
    assert len(images.strip().splitlines()) >= 2 + 1  # header lines + the phôi
