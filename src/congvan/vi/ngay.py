"""Dates as NĐ30 prints them (Phụ lục I §II.4): ``Bến Tre, ngày 05 tháng 01 năm 2020``.

Zero-padding rule: a day below 10 and the months 1 and 2 get a leading zero
(so "tháng 01" cannot be misread or extended to "tháng 10"/"tháng 12" by hand);
months 3-12 are written without one.
"""

from __future__ import annotations

import re
from datetime import date, datetime

# Non-breaking spaces: Word would collapse ordinary spaces, leaving no room to
# write the date by hand after signing.
O_TRONG = "\u00a0" * 6

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# Day-month-year with one separator used consistently ("20/3/2018", "20-03-2018").
_DMY = re.compile(r"^(\d{1,2})([/\-.])(\d{1,2})\2(\d{4})$")


def so_ngay(ngay: int) -> str:
    """Day as printed: below 10 gets a leading zero."""
    return f"{ngay:02d}"


def so_thang(thang: int) -> str:
    """Month as printed: only 1 and 2 get a leading zero."""
    return f"{thang:02d}" if thang <= 2 else str(thang)


def ngay_thang_nam(d: date) -> str:
    """``ngày 05 tháng 01 năm 2020``."""
    return f"ngày {so_ngay(d.day)} tháng {so_thang(d.month)} năm {d.year}"


def dong_dia_danh_ngay(dia_danh: str, ngay: date | None) -> str:
    """The place-and-date line; with no date, leaves non-breaking blanks to fill in."""
    noi = dia_danh.strip()
    if not noi:
        raise ValueError("địa danh không được để trống")
    if ngay is None:
        return f"{noi}, ngày {O_TRONG} tháng {O_TRONG} năm {O_TRONG}"
    return f"{noi}, {ngay_thang_nam(ngay)}"


def _tao_ngay(nam: str, thang: str, ngay: str, goc: str) -> date:
    try:
        return date(int(nam), int(thang), int(ngay))
    except ValueError:
        raise ValueError(f"ngày không hợp lệ: {goc!r}") from None


def parse_ngay(value: str | date) -> date:
    """Accept a date, ISO ``2018-03-20`` or ``20/3/2018`` / ``20/03/2018`` / ``20-3-2018``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"ngày không hợp lệ: {value!r}")
    text = value.strip()
    if m := _ISO.match(text):
        return _tao_ngay(m.group(1), m.group(2), m.group(3), value)
    if m := _DMY.match(text):
        return _tao_ngay(m.group(4), m.group(3), m.group(1), value)
    raise ValueError(f"ngày không hợp lệ: {value!r} (dùng dạng 20/3/2018 hoặc 2018-03-20)")
