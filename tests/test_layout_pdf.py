"""Layout that survives real content, read from LibreOffice's PDF (``pdftotext -bbox-layout``).

The signature never starts a page alone, header names break between word groups,
số ký hiệu never break at their hyphen, Nơi nhận items hang-indent when they wrap, and
a trích yếu wraps into balanced lines. Two fixtures in ``tests/fixtures`` are built to
hit each case (without the fix, each test below fails on them); every sample is checked too.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import pdftotext_bbox, sample_ids
from congvan.reading.docx import read_docx
from congvan.records.loader import load_record

pytestmark = [pytest.mark.pdf, pytest.mark.xdist_group("libreoffice")]
#: The other kinds (records/kinds: giấy giới thiệu, nghỉ phép, bản sao, files of their own) are read too.
KINDS = sorted((Path(__file__).resolve().parents[1] / "records" / "kinds").glob("*.yaml"))
STEMS = sample_ids() + [p.stem for p in KINDS]

BAO_CAO = "bao-cao-ten-dai-vinh-long"
QUYET_DINH = "quyet-dinh-ubnd-vinh-long-512"
#: Word pairs a header line must never separate (Vietnamese word groups and place names).
WORD_GROUPS = {
    ("LAO", "ĐỘNG"),
    ("VĨNH", "LONG"),
    ("CƠ", "QUAN"),
    ("NHÂN", "DÂN"),
    ("VIỆT", "NAM"),
    ("LIÊN", "ĐOÀN"),
    ("CÔNG", "ĐOÀN"),
    ("VIÊN", "CHỨC"),
    ("ỦY", "BAN"),
    ("KHUYẾN", "HỌC"),
    ("BẾN", "TRE"),
    ("YÊN", "BÁI"),
    ("CAO", "BẰNG"),
    ("BÌNH", "THUẬN"),
}
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass
class Line:
    words: list[str]
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def pages(pdf) -> list[list[Line]]:
    """Each page's lines as pdftotext groups them (one cell of a table is its own block)."""
    out = []
    for page in pdftotext_bbox(pdf).split("</page>")[:-1]:
        lines = []
        for chunk in page.split("</line>")[:-1]:
            words = [(_unescape(m.group(5)), *map(float, m.group(1, 2, 3, 4))) for m in _WORD.finditer(chunk)]
            if words:
                lines.append(
                    Line(
                        [w[0] for w in words],
                        min(w[1] for w in words),
                        min(w[2] for w in words),
                        max(w[3] for w in words),
                        max(w[4] for w in words),
                    )
                )
        out.append(lines)
    return out


#: First words of the title that stands where the Quốc hiệu does, in each rule set.
TITLES = (["CỘNG", "HÒA"], ["ĐẢNG", "CỘNG"], ["ĐOÀN", "TNCS"])


def header_name_lines(page: list[Line]) -> list[Line]:
    """ô 2 lines: left of the Quốc hiệu (or the Party / Đoàn title), above the "Số" line."""
    quoc_hieu = next(line for line in page if line.words[:2] in TITLES)
    so = next((line for line in page if line.words[0] in ("Số:", "Số") and line.x1 < quoc_hieu.x0), None)
    if so is None:  # a file of its own (mẫu 1.3 điện tử): the names end above the centred title
        so = min((ln for ln in page if ln.y0 > quoc_hieu.y1 and ln.x0 < quoc_hieu.x0 < ln.x1), key=lambda ln: ln.y0)
    return sorted((ln for ln in page if ln.x1 < quoc_hieu.x0 and ln.y1 <= so.y0 + 0.5), key=lambda ln: ln.y0)


@pytest.fixture(scope="module")
def every_rendered(rendered, renderer):
    """The shared samples and the other kinds."""
    out = dict(rendered)
    for path in KINDS:
        record = load_record(path)
        out[path.stem] = (record, renderer.render_bytes(record, base_dir=path.parent))
    return out


@pytest.fixture(scope="module")
def layout(pdf_dir, every_rendered, tmp_path_factory):
    from congvan.pdf import convert_to_pdf

    folder = tmp_path_factory.mktemp("pdf-kinds")
    paths = []
    for path in KINDS:
        docx = folder / f"{path.stem}.docx"
        docx.write_bytes(every_rendered[path.stem][1])
        paths.append(docx)
    convert_to_pdf(paths, folder)
    where = {p.stem: folder for p in KINDS}
    return {stem: pages(where.get(stem, pdf_dir) / f"{stem}.pdf") for stem in every_rendered}


@pytest.mark.parametrize("stem", STEMS)
def test_header_lines_break_between_word_groups(layout, every_rendered, stem):
    if every_rendered[stem][0].loai == "phu_luc":
        pytest.skip("phụ lục tệp riêng: không có ô 2")
    lines = header_name_lines(layout[stem][0])
    for upper, lower in itertools.pairwise(lines):
        assert (upper.words[-1], lower.words[0]) not in WORD_GROUPS, (upper.text, lower.text)


def _records_through_pdf(tmp_path_factory, renderer, sub: str) -> dict[str, list[list[Line]]]:
    """The sample records of records/<sub> rendered and converted by the kept-warm LibreOffice, once."""
    from conftest import ROOT
    from congvan.pdf import convert_to_pdf
    from congvan.records.loader import load_record

    folder = tmp_path_factory.mktemp(f"{sub}-pdf")
    paths = []
    for source in sorted((ROOT / "records" / sub).glob("*.yaml")):
        path = folder / f"{source.stem}.docx"
        path.write_bytes(renderer.render_bytes(load_record(source), base_dir=source.parent))
        paths.append(path)
    convert_to_pdf(paths, folder)
    return {p.stem: pages(folder / f"{p.stem}.pdf") for p in paths}


@pytest.fixture(scope="module")
def rule_set_layout(tmp_path_factory, renderer, warm_pdf):
    """The Party and Đoàn samples (records/quy-tac)."""
    return _records_through_pdf(tmp_path_factory, renderer, "quy-tac")


@pytest.fixture(scope="module")
def kinds_layout(tmp_path_factory, renderer, warm_pdf):
    """The samples of records/kinds."""
    return _records_through_pdf(tmp_path_factory, renderer, "kinds")


def test_party_and_doan_header_names_are_balanced_too(rule_set_layout):
    """The line-breaking lists are the language's: the Party and Đoàn profiles extend nd30's."""
    assert rule_set_layout, "không có hồ sơ mẫu trong records/quy-tac"
    for stem, layout in rule_set_layout.items():
        lines = header_name_lines(layout[0])
        for upper, lower in itertools.pairwise(lines):
            assert (upper.words[-1], lower.words[0]) not in WORD_GROUPS, (stem, upper.text, lower.text)
    texts = [ln.text for ln in header_name_lines(rule_set_layout["200-nghi-quyet-dang-uy-co-quan"][0])]
    assert texts[:4] == ["ĐẢNG BỘ KHỐI", "CÁC CƠ QUAN TỈNH", "ĐẢNG ỦY CƠ QUAN", "LIÊN ĐOÀN LAO ĐỘNG TỈNH"], texts


def test_long_header_names_are_balanced_at_phrase_boundaries(layout):
    texts = [ln.text for ln in header_name_lines(layout[BAO_CAO][0])]
    assert texts[:2] == ["TỔNG LIÊN ĐOÀN", "LAO ĐỘNG VIỆT NAM"], texts
    assert texts[-1] == "TỈNH VĨNH LONG", texts
    assert [ln.text for ln in header_name_lines(layout[QUYET_DINH][0])] == ["ỦY BAN NHÂN DÂN", "TỈNH VĨNH LONG"]


def _signature_top(page: list[Line], first_title: str) -> float | None:
    words = first_title.split()[:2]  # a long title wraps inside its cell
    tops = [ln.y0 for ln in page if ln.words[: len(words)] == words]
    return min(tops) if tops else None


@pytest.mark.parametrize("stem", STEMS)
def test_signature_page_also_holds_a_body_line(layout, every_rendered, stem):
    record, data = every_rendered[stem]
    titles = read_docx(data).by_style("CVChuKy")
    if not record.cac_chu_ky or not titles:
        pytest.skip("không có chữ ký")
    name = record.cac_chu_ky[0].ho_ten.split()
    page = next(p for p in layout[stem] if any(ln.words[: len(name)] == name for ln in p))
    top = _signature_top(page, titles[0].text)
    assert top is not None, titles[0].text
    above = [ln for ln in page if ln.y1 <= top and not ln.text.isdigit()]
    assert above, f"{stem}: khối chữ ký đứng một mình đầu trang"


def test_fixture_signature_really_moves_to_page_two(layout):
    """The fixture is built so that the signature cannot fit on page 1: the check above bites."""
    assert len(layout[BAO_CAO]) == 2
    page_two = [ln.text for ln in layout[BAO_CAO][1]]
    assert any(t.startswith("Trên đây là báo cáo") for t in page_two), page_two


_SYMBOL_HEAD = re.compile(r"^\d+/[^\s/]+-$")


@pytest.mark.parametrize("stem", STEMS)
def test_so_ky_hieu_never_broken_at_a_hyphen(layout, stem):
    for page in layout[stem]:
        for ln in page:
            assert not _SYMBOL_HEAD.match(ln.words[-1]), ln.text


def test_symbol_in_every_position_of_a_line_stays_whole(layout):
    words = [w for page in layout[QUYET_DINH] for ln in page for w in ln.words]
    assert sum(w.startswith("512/QĐ-UBND") for w in words) == 13
    assert not any(w.startswith("512/") and not w.startswith("512/QĐ-UBND") for w in words)
    assert "Số: 513/QĐ-UBND" in [" ".join(ln.words[:2]) for ln in layout[QUYET_DINH][0]]


def test_wrapped_recipient_hangs_under_its_text(layout):
    page = layout[BAO_CAO][-1]
    first = next(i for i, ln in enumerate(page) if ln.words[:3] == ["-", "Ban", "Tuyên"])
    dash, follow = page[first], page[first + 1]
    assert follow.words[0] != "-", follow.text
    assert follow.x0 - dash.x0 > 4.0, (dash.x0, follow.x0)  # under the text after "- ", not under the dash
    assert follow.x0 - dash.x0 < 10.0, (dash.x0, follow.x0)


def test_trich_yeu_lines_are_balanced(layout, every_rendered):
    page = layout[QUYET_DINH][0]
    start = next(i for i, ln in enumerate(page) if ln.text == "QUYẾT ĐỊNH")
    end = next(i for i, ln in enumerate(page) if ln.text.startswith("CHỦ TỊCH ỦY BAN"))
    lines = page[start + 1 : end]
    assert len(lines) >= 2, [ln.text for ln in lines]
    widths = [ln.x1 - ln.x0 for ln in lines]
    assert min(widths) > 0.6 * max(widths), [ln.text for ln in lines]
    assert lines[-1].text != "năm 2027"


def test_trich_yeu_keeps_a_quoted_word_group(layout):
    """'"Công nhân, viên chức…"' in quotes is still the word group "Công nhân"."""
    lines = [ln.text for ln in layout["108-giay-moi-hoi-nghi"][0]]
    assert any("Công nhân" in t for t in lines), lines
    assert not any(t.endswith('"Công') for t in lines), lines


def test_lines_written_in_the_record_win(layout, every_rendered):
    """ "A\\nB" in a header name or a trích yếu is printed as written, not re-balanced."""
    record = every_rendered["002-ke-hoach-ubnd-binh-thuan"][0]
    written = record.co_quan_ban_hanh[0].ten.split("\n")
    assert len(written) == 2
    texts = [ln.text for ln in header_name_lines(layout["002-ke-hoach-ubnd-binh-thuan"][0])]
    assert texts == written, texts
    record = every_rendered["102-ke-hoach-trao-hoc-bong"][0]
    lines = [x.strip() for x in record.trich_yeu.split("\n")]
    page = [ln.text for ln in layout["102-ke-hoach-trao-hoc-bong"][0]]
    start = page.index("KẾ HOẠCH")
    assert page[start + 1 : start + 1 + len(lines)] == lines, page[start : start + 4]


@pytest.mark.parametrize("stem", STEMS)
def test_recipient_dashes_flush_with_their_label(layout, every_rendered, stem):
    """ô 9b: each "- " starts at the left edge, under "Nơi nhận:" (also in a group with a note beside it)."""
    record, _ = every_rendered[stem]
    if not record.noi_nhan:
        pytest.skip("không có nơi nhận")
    for page in layout[stem]:
        label = next((ln for ln in page if ln.words[:2] == ["Nơi", "nhận:"]), None)
        if label is None:
            continue
        dashes = [ln for ln in page if ln.y0 > label.y0 and ln.words[0] == "-" and ln.x0 < label.x0 + 30]
        assert dashes, stem
        assert all(abs(ln.x0 - label.x0) < 1.5 for ln in dashes), [(ln.text, ln.x0, label.x0) for ln in dashes]


def test_appendix_title_wraps_into_balanced_lines(layout):
    """An appendix title is balanced like a trích yếu ("… NĂM / 2026" left a year alone before)."""
    page = next(p for p in layout["100-quyet-dinh-cong-nhan-gia-dinh-hoc-tap"] if any(ln.text == "Phụ lục" for ln in p))
    start = next(i for i, ln in enumerate(page) if ln.text == "Phụ lục")
    end = next(i for i, ln in enumerate(page) if ln.text.startswith("(Kèm theo"))
    lines = page[start + 1 : end]
    assert len(lines) >= 2, [ln.text for ln in lines]
    widths = [ln.x1 - ln.x0 for ln in lines]
    assert min(widths) > 0.6 * max(widths), [ln.text for ln in lines]


def test_a_date_in_a_kem_theo_line_is_never_split(layout, kinds_layout):
    """"ngày 15 tháng 12 / năm 2026" in a "(Kèm theo …)" line: the balanced lines keep a date whole."""
    seen = 0
    for stem, pdf in {**layout, **kinds_layout}.items():
        for page in pdf:
            for upper, lower in itertools.pairwise(page):
                if not upper.text.startswith("(Kèm theo"):
                    continue
                seen += 1
                tail = upper.words[-2:]
                ends_in_date = len(tail) == 2 and tail[0] in ("ngày", "tháng") and tail[1].isdigit()
                assert not (ends_in_date and lower.words[0] in ("tháng", "năm")), (stem, upper.text, lower.text)
    assert seen >= 2
