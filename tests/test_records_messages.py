"""Record errors: fully Vietnamese, located, and helpful (closest valid field names)."""

from __future__ import annotations

from pathlib import Path

import pytest

from congvan.errors import CongvanError
from congvan.records.loader import load_record, validate_data
from congvan.records.yaml_source import load_yaml_text
from test_records_validation import GOOD
from test_records_yaml import ENGLISH


def _problems(tmp_path, text: str) -> list:
    path = tmp_path / "ho-so.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CongvanError) as info:
        load_record(path)
    for p in info.value.problems:
        assert p.file.endswith("ho-so.yaml") and p.line is not None, str(p)
        assert not ENGLISH.search(p.message), p.message
    return info.value.problems


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "words"),
    [
        ("trich_yeu: Xây dựng xã hội học tập", 'trich_yeu: "Xây dựng\\x07 xã hội"', "trich_yeu", 8, "U+0007"),
        ("    ho_ten: Trần Thị B", '    ho_ten: "Trần\\u001bThị B"', "chu_ky[0].ho_ten", 17, "U+001B"),
        ("      - Nâng cao nhận thức.", '      - "Nâng\\fcao"', "noi_dung[0].noi_dung[0]", 12, "U+000C"),
        ("  - quyen_han: TM", "  - quyen_han: XX", "chu_ky[0].quyen_han", 14, "'TUQ' hoặc 'Q'"),
        ("so: 7", "so: 7\nngay_ban_hanhh: 2026-03-20", "ngay_ban_hanhh", 6, "có phải là 'ngay_ban_hanh'"),
        ("    ho_ten: Trần Thị B", "    ho_tenn: Trần Thị B", "chu_ky[0].ho_tenn", 17, "'ho_ten'"),
        (
            "      - Nâng cao nhận thức.",
            "      - khoan: x\n        tieu_dee: true",
            "noi_dung[0].noi_dung[0].tieu_dee",
            13,
            "'tieu_de'",
        ),
        ("loai: ke_hoach", "loai: ke_hoachh", "loai", 1, "có phải là 'ke_hoach'"),
        ("so: 7", "so: 7\n1: x", "1", 6, "không có trong mẫu"),
    ],
)
def test_messages_are_vietnamese_located_and_helpful(tmp_path, old, new, field, line, words):
    text = GOOD.replace(old, new)
    assert text != GOOD
    problems = _problems(tmp_path, text)
    match = [p for p in problems if p.field == field]
    assert match, [str(p) for p in problems]
    assert match[0].line == line, str(match[0])
    assert words in match[0].message, match[0].message


def test_unknown_field_lists_the_valid_ones(tmp_path):
    [p] = _problems(tmp_path, GOOD.replace("  viet_tat: HKH", "  viet_tat: HKH\n  viet_tatt: X"))
    assert "Các trường hợp lệ ở đây: ten, viet_tat, co_quan_chu_quan" in p.message


def test_python_data_errors_are_vietnamese_too():
    """validate_data is also fed from code (web forms): non-text keys, infinities."""
    data, _ = load_yaml_text(GOOD, "x.yaml")
    data["so"] = float("inf")
    data["chu_ky"][0][5] = "x"
    with pytest.raises(CongvanError) as info:
        validate_data(data, "x.yaml")
    messages = {p.field: p.message for p in info.value.problems}
    assert messages["so"] == "phải là một số hữu hạn"
    assert messages["chu_ky[0][5]"] == "tên trường phải là chữ"


def test_messages_never_carry_control_characters_to_the_terminal(tmp_path):
    """User text quoted in a message (here a C1 CSI and a CR, which XML allows) is shown escaped."""
    problems = _problems(tmp_path, GOOD.replace("loai: ke_hoach", 'loai: "ke\\x9b31m\\rhoach"'))
    shown = str(CongvanError(problems))
    assert "\\x9b31m\\x0dhoach" in shown
    assert "\x9b" not in shown and "\r" not in shown


def test_union_branches_give_one_message_at_the_right_place(tmp_path):
    """A table cell or row that fits no branch of its union: one Vietnamese message, its own line."""
    sample = Path(__file__).resolve().parents[1] / "records" / "100-quyet-dinh-cong-nhan-gia-dinh-hoc-tap.yaml"
    text = sample.read_text(encoding="utf-8")
    lines = text.splitlines()
    row = next(i for i, x in enumerate(lines) if x.strip().startswith("- [") and "Khu phố 3" in x)
    indent = lines[row][: len(lines[row]) - len(lines[row].lstrip())]
    lines[row] = indent + '- [{x: 1}, "Khu phố 3, phường 7", Thành phố Bến Tre]'
    lines[row + 1] = indent + "- {o: [a, b, c], tongg: true}"
    problems = _problems(tmp_path, "\n".join(lines) + "\n")
    by_field = {p.field: p for p in problems}
    cell = next(f for f in by_field if f.endswith(".bang.hang[1][0]"))
    assert by_field[cell].message == "phải là chuỗi chữ hoặc số nguyên hoặc số"
    assert by_field[cell].line == row + 1
    total = next(f for f in by_field if f.endswith(".bang.hang[2].tongg"))
    assert "có phải là 'tong'?" in by_field[total].message and by_field[total].line == row + 2
    assert len(problems) == 2, [str(p) for p in problems]
