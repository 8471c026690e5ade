"""Bad input: each validation rule gives a Vietnamese message naming file, field and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from congvan.errors import CongvanError
from congvan.records.loader import load_record

GOOD = """\
loai: ke_hoach
co_quan_ban_hanh:
  ten: HỘI KHUYẾN HỌC TỈNH BẾN TRE
  viet_tat: HKH
so: 7
dia_danh: Bến Tre
ngay_ban_hanh: 2026-03-20
trich_yeu: Xây dựng xã hội học tập
noi_dung:
  - phan: Mục đích
    noi_dung:
      - Nâng cao nhận thức.
chu_ky:
  - quyen_han: TM
    thay: BAN THƯỜNG VỤ
    chuc_vu: CHỦ TỊCH
    ho_ten: Trần Thị B
noi_nhan:
  - Các Hội Khuyến học huyện
  - "Lưu: VT, VP"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ho-so.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list:
    with pytest.raises(CongvanError) as info:
        load_record(_write(tmp_path, text))
    return info.value.problems


def test_good_record_loads(tmp_path):
    record = load_record(_write(tmp_path, GOOD))
    assert record.so == 7 and record.co_quan_ban_hanh[0].viet_tat == "HKH"


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "words"),
    [
        ("ngay_ban_hanh: 2026-03-20", "ngay_ban_hanh: 2026-02-30", "ngay_ban_hanh", 7, "ngày không hợp lệ"),
        ("ngay_ban_hanh: 2026-03-20", "ngay_ban_hanh: 31/4/2026", "ngay_ban_hanh", 7, "ngày không hợp lệ"),
        ("so: 7", "so: 7\nky_hieu: kh-HKH", "ky_hieu", 6, "viết hoa"),
        ("so: 7", "so: 7\nky_hieu: KH - HKH", "ky_hieu", 6, "dấu cách"),
        ("  viet_tat: HKH", "  viet_tat: hkh", "co_quan_ban_hanh[0].viet_tat", 4, "viết hoa"),
        ("    chuc_vu: CHỦ TỊCH\n", "", "chu_ky[0].chuc_vu", 14, None),
        ('  - "Lưu: VT, VP"', "  - Tỉnh ủy", "noi_nhan[1]", 20, "Lưu: VT"),
        ('  - "Lưu: VT, VP"', '  - "Lưu VP"', "noi_nhan[1]", 20, "Lưu: VT"),
        ("so: 7", "so: 7\nngay_ban_hanhh: 2026-03-20", "ngay_ban_hanhh", 6, "gõ nhầm"),
        (
            "      - Nâng cao nhận thức.",
            "      - khoan: Một\n        tieu_dee: true",
            "noi_dung[0].noi_dung[0].tieu_dee",
            13,
            "gõ nhầm",
        ),
        ("so: 7", "so: bảy", "so", 5, "số nguyên"),
        ("so: 7", "so: true", "so", 5, "true/false"),
        (
            "      - Nâng cao nhận thức.",
            "      - bang:\n          cot: [Đơn vị, Có mặt]\n          hang:\n            - [Xã A, true]",
            "noi_dung[0].noi_dung[0].bang.hang[0][1]",
            15,
            "đúng/sai",
        ),
        ("loai: ke_hoach", "loai: ke_hoachh", "loai", 1, "không có"),
    ],
)
def test_bad_input_is_located(tmp_path, old, new, field, line, words):
    text = GOOD.replace(old, new)
    assert text != GOOD
    problems = _problems(tmp_path, text)
    match = [p for p in problems if p.field == field]
    assert match, [str(p) for p in problems]
    assert match[0].line == line, str(match[0])
    assert match[0].file.endswith("ho-so.yaml")
    if words:
        assert words in match[0].message, match[0].message


def test_copy_number_refuses_true(tmp_path):
    """pydantic's lax int reads YAML's true as 1: a copy numbered "01" from `so: true` is refused instead."""
    sample = Path(__file__).resolve().parents[1] / "records" / "kinds" / "113-ban-sao-y.yaml"
    text = sample.read_text(encoding="utf-8")
    assert "\n  so: 9\n" in text
    problems = _problems(tmp_path, text.replace("\n  so: 9\n", "\n  so: true\n"))
    match = [p for p in problems if p.field == "ban_sao.so"]
    assert match and "true/false" in match[0].message, [str(p) for p in problems]
    assert match[0].line == 32


def test_kt_without_deputy_title(tmp_path):
    text = GOOD.replace(
        "quyen_han: TM\n    thay: BAN THƯỜNG VỤ\n    chuc_vu: CHỦ TỊCH", "quyen_han: KT.\n    thay: CHỦ TỊCH"
    )
    problems = _problems(tmp_path, text)
    assert any(p.field == "chu_ky[0].chuc_vu" and "KT. CHỦ TỊCH" in p.message and p.line == 14 for p in problems), (
        problems
    )


def test_duplicate_key_and_syntax_error(tmp_path):
    problems = _problems(tmp_path, GOOD.replace("so: 7", "so: 7\nso: 8"))
    assert problems[0].line == 6 and "lặp lại" in problems[0].message
    problems = _problems(tmp_path, GOOD.replace("so: 7", "so: [7"))
    assert "cú pháp" in problems[0].message and problems[0].line is not None


def test_cli_validate_reports_one_line_each_without_traceback(tmp_path):
    bad = _write(tmp_path, GOOD.replace("2026-03-20", "2026-02-30").replace("so: 7", "so: 0"))
    result = subprocess.run([sys.executable, "-m", "congvan", "validate", str(bad)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 2 and all(x.startswith("Lỗi: ") and "ho-so.yaml" in x and "dòng" in x for x in lines)


def test_render_is_all_or_nothing(tmp_path):
    """One bad record in a folder: nothing is written, not even the good ones."""
    folder = tmp_path / "hs"
    folder.mkdir()
    (folder / "a.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "b.yaml").write_text(GOOD.replace("2026-03-20", "2026-13-01"), encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "congvan", "render", str(folder), "-o", str(out)], capture_output=True, text=True
    )
    assert result.returncode != 0 and "b.yaml" in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_escaping_every_field(tmp_path, renderer):
    from congvan.reading.docx import read_docx

    nasty = "A & B <c> \"d\" 'e'"
    text = (
        GOOD.replace("Xây dựng xã hội học tập", nasty)
        .replace("Nâng cao nhận thức.", nasty)
        .replace("Trần Thị B", nasty)
        .replace("Các Hội Khuyến học huyện", nasty)
        .replace("dia_danh: Bến Tre", f"dia_danh: '{nasty.replace(chr(39), chr(39) * 2)}'")
    )
    text = text.replace(f"trich_yeu: {nasty}", f"trich_yeu: '{nasty.replace(chr(39), chr(39) * 2)}'")
    text = text.replace(f"- {nasty}", f"- '{nasty.replace(chr(39), chr(39) * 2)}'")
    text = text.replace(f"ho_ten: {nasty}", f"ho_ten: '{nasty.replace(chr(39), chr(39) * 2)}'")
    record = load_record(_write(tmp_path, text))
    doc = read_docx(renderer.render_bytes(record))
    texts = doc.texts()
    assert "Xây dựng" not in " ".join(texts)
    assert any(nasty in t for t in texts if t.startswith("Nâng") or t == nasty + "./." or t.startswith("A &"))
    assert f"{nasty}, ngày 20 tháng 3 năm 2026" in texts
    assert f"- {nasty};" in texts
    assert nasty in texts
