"""PDF through LibreOffice: page count, and the Quốc hiệu on one line of page 1.

All samples are converted in one LibreOffice start for the whole run (conftest).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from conftest import pdftotext_bbox, sample_ids
from congvan.reading.docx import read_docx

pytestmark = [pytest.mark.pdf, pytest.mark.xdist_group("libreoffice")]


def _pages(pdf) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _page_one_words(pdf) -> list[tuple[str, float]]:
    xml = pdftotext_bbox(pdf)
    page = xml.split("</page>")[0]
    return [
        (m.group(3), float(m.group(1)))
        for m in re.finditer(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)
    ]


@pytest.mark.parametrize("stem", sample_ids())
def test_quoc_hieu_single_line_on_page_one(pdf_dir, rendered, stem):
    if rendered[stem][0].loai == "phu_luc":
        pytest.skip("phụ lục tệp riêng (mẫu 2.2): không có Quốc hiệu")
    words = _page_one_words(pdf_dir / f"{stem}.pdf")
    texts = [w for w, _ in words]
    start = next(i for i in range(len(texts)) if texts[i : i + 2] == ["CỘNG", "HÒA"])
    qh = words[start : start + 8]
    assert [w for w, _ in qh] == ["CỘNG", "HÒA", "XÃ", "HỘI", "CHỦ", "NGHĨA", "VIỆT", "NAM"]
    assert max(y for _, y in qh) - min(y for _, y in qh) < 1.0, qh


@pytest.mark.parametrize("stem", sample_ids())
def test_page_count_matches_sections(pdf_dir, rendered, stem):
    record, data = rendered[stem]
    pages = _pages(pdf_dir / f"{stem}.pdf")
    own = 0 if record.loai == "phu_luc" else 1  # an appendix file of its own has no main section
    assert pages >= own + len(record.phu_luc)
    body_paragraphs = len(read_docx(data).texts())
    assert pages <= 2 + len(record.phu_luc) + body_paragraphs // 12, (pages, body_paragraphs)
