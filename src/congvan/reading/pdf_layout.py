"""Layout facts only a rendering shows, read from the PDF LibreOffice makes.

Two NĐ30 facts cannot be read from the XML alone: whether the Quốc hiệu really
stays on one line, and whether page 1 shows a page number. ``pdftotext
-bbox-layout`` gives every line with its position; these findings replace the
XML estimates when ``kiem-tra --pdf`` is used.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from lxml import etree

from congvan.profiles import RuleProfile
from congvan.reading.checker import Finding
from congvan.reading.elements import norm

_NS = "{http://www.w3.org/1999/xhtml}"
PT_PER_MM = 72 / 25.4


def _pages(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """Per page: (yMin, yMax, text) of every line."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    pages = []
    for page in root.iter(f"{_NS}page"):
        lines = []
        for line in page.iter(f"{_NS}line"):
            words = [w.text or "" for w in line.iter(f"{_NS}word")]
            lines.append((float(line.get("yMin", 0)), float(line.get("yMax", 0)), " ".join(words)))
        pages.append(lines)
    return pages


def pdf_findings(pdf: Path, profile: RuleProfile) -> tuple[list[Finding], set[str]]:
    """Findings from the rendering, and the rule ids they settle (to drop the estimates)."""
    pages = _pages(pdf)
    findings: list[Finding] = []
    settled = {"mot_dong.quoc_hieu"}
    qh = norm(profile.chu_de.quoc_hieu)
    first_word = qh.split()[0]
    if pages:
        lines = [t for _, _, t in pages[0]]
        start = next((t for t in lines if norm(t).startswith(first_word) or f" {first_word} " in f" {norm(t)} "), None)
        if start is not None and qh not in norm(start):
            findings.append(
                Finding(
                    "mot_dong.quoc_hieu",
                    "Quốc hiệu",
                    "nằm trên một dòng",
                    f'bản in tách Quốc hiệu, dòng đầu chỉ có "{start.strip()}"',
                    "trang 1 (bản PDF)",
                    "nới rộng cột phải của bảng tiêu đề hoặc đặt cỡ chữ Quốc hiệu 12–13 pt",
                )
            )
    if profile.trang.so_trang_tu_trang_2 and pages:
        settled.add("so_trang.trang_1")
        top = profile.trang.le_tren_mm * PT_PER_MM
        numbers = [t for y0, _, t in pages[0] if y0 < top and t.strip().isdigit()]
        if numbers:
            findings.append(
                Finding(
                    "so_trang.trang_1",
                    "Số trang",
                    "không đánh số trang ở trang 1",
                    f'trang 1 in số trang "{numbers[0].strip()}"',
                    "đầu trang 1 (bản PDF)",
                    "Chèn > Đầu trang > chọn 'Trang đầu khác' (Different First Page), để trống đầu trang 1",
                )
            )
    return findings, settled
