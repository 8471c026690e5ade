"""Place-and-date line (format-rules §5)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from congvan.vi.ngay import dong_dia_danh_ngay, ngay_thang_nam, parse_ngay

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
        (date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
        (date(2018, 2, 20), "ngày 20 tháng 02 năm 2018"),
        (date(2018, 3, 9), "ngày 09 tháng 3 năm 2018"),
        (date(2025, 10, 1), "ngày 01 tháng 10 năm 2025"),
        (date(2025, 12, 31), "ngày 31 tháng 12 năm 2025"),
        (date(2024, 11, 10), "ngày 10 tháng 11 năm 2024"),
    ],
)
def test_ngay_thang_nam(d: date, expected: str) -> None:
    assert ngay_thang_nam(d) == expected


def test_dong_dia_danh_ngay_with_date() -> None:
    assert dong_dia_danh_ngay("Bến Tre", date(2018, 3, 20)) == "Bến Tre, ngày 20 tháng 3 năm 2018"
    assert (
        dong_dia_danh_ngay("Thành phố Hồ Chí Minh", date(2019, 6, 29))
        == "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019"
    )


def test_dong_dia_danh_ngay_blank_keeps_room_with_nbsp() -> None:
    line = dong_dia_danh_ngay("Bến Tre", None)
    assert line.startswith("Bến Tre, ngày ")
    # Each blank (day, month, year) is a run of several NBSPs Word won't collapse.
    for before in ("ngày ", "tháng ", "năm "):
        after = line.split(before, 1)[1]
        assert after.startswith(NBSP * 3), before
    assert line.index("ngày") < line.index("tháng") < line.index("năm")
    assert not any(ch.isdigit() for ch in line)


def test_dong_dia_danh_ngay_rejects_empty_place() -> None:
    with pytest.raises(ValueError, match="địa danh"):
        dong_dia_danh_ngay("  ", date(2020, 1, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018-03-20", date(2018, 3, 20)),
        ("2018-3-20", date(2018, 3, 20)),
        ("20/3/2018", date(2018, 3, 20)),
        ("20/03/2018", date(2018, 3, 20)),
        ("20-3-2018", date(2018, 3, 20)),
        ("5/1/2020", date(2020, 1, 5)),
        (" 29/2/2024 ", date(2024, 2, 29)),
        (date(2019, 6, 29), date(2019, 6, 29)),
        (datetime(2019, 6, 29, 14, 30), date(2019, 6, 29)),
    ],
)
def test_parse_ngay(value: str | date, expected: date) -> None:
    result = parse_ngay(value)
    assert result == expected
    assert type(result) is date


@pytest.mark.parametrize(
    "value",
    [
        "30/2/2024",
        "29/2/2023",
        "32/1/2020",
        "1/13/2020",
        "2020-02-30",
        "",
        "hôm nay",
        "20/3-2018",
        "20/3/18",
        "2018/03/20",
    ],
)
def test_parse_ngay_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="ngày không hợp lệ"):
        parse_ngay(value)
