"""Số và ký hiệu (format-rules §4)."""

from __future__ import annotations

import pytest

from congvan.vi.so_ky_hieu import (
    dong_so,
    ky_hieu_van_ban,
    loi_ky_hieu,
    so_hien_thi,
    so_va_ky_hieu,
    tach_so_ky_hieu,
)

MA_PHU_LUC_III = ["QĐ", "KH", "CTr", "QyĐ", "TTr", "TrS"]


@pytest.mark.parametrize(("so", "expected"), [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (15, "15"), (123, "123")])
def test_so_hien_thi_pads_below_ten(so: int, expected: str) -> None:
    assert so_hien_thi(so) == expected


def test_so_hien_thi_blank_is_nbsp() -> None:
    blank = so_hien_thi(None)
    assert len(blank) >= 3
    assert set(blank) == {"\u00a0"}


@pytest.mark.parametrize("so", [0, -1])
def test_so_hien_thi_rejects_below_one(so: int) -> None:
    with pytest.raises(ValueError, match="từ 1"):
        so_hien_thi(so)


@pytest.mark.parametrize(
    ("ma_loai", "co_quan", "don_vi", "expected"),
    [
        ("QĐ", ["BNV"], None, "QĐ-BNV"),
        ("KH", ["LĐLĐ"], None, "KH-LĐLĐ"),
        ("KHPH", ["LĐLĐ", "HKH"], None, "KHPH-LĐLĐ-HKH"),
        (None, ["UBND"], "VX", "UBND-VX"),
        (None, ["BNV"], "VP", "BNV-VP"),
        ("", ["UBND"], "", "UBND"),
        ("KH", "LĐLĐ", None, "KH-LĐLĐ"),  # a bare str is one body, not its letters
    ],
)
def test_ky_hieu_van_ban(ma_loai: str | None, co_quan: list[str] | str, don_vi: str | None, expected: str) -> None:
    assert ky_hieu_van_ban(ma_loai, co_quan, don_vi) == expected


@pytest.mark.parametrize("co_quan", [[], ""])
def test_ky_hieu_van_ban_needs_a_body(co_quan: list[str] | str) -> None:
    with pytest.raises(ValueError, match="cơ quan"):
        ky_hieu_van_ban("QĐ", co_quan)


def test_so_va_ky_hieu_and_dong_so() -> None:
    assert so_va_ky_hieu(15, "QĐ-BNV") == "15/QĐ-BNV"
    assert so_va_ky_hieu(5, "BNV-VP") == "05/BNV-VP"
    assert dong_so(5, "QĐ-UBND") == "Số: 05/QĐ-UBND"
    assert dong_so(None, "UBND-VX") == "Số: " + "\u00a0" * 6 + "/UBND-VX"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/KH-LĐLĐ", (5, "KH-LĐLĐ")),
        (" 05 / KH - LĐLĐ ", (5, "KH-LĐLĐ")),
        ("123/UBND-VX", (123, "UBND-VX")),
        ("12/SY-UBND", (12, "SY-UBND")),
    ],
)
def test_tach_so_ky_hieu(text: str, expected: tuple[int, str]) -> None:
    assert tach_so_ky_hieu(text) == expected


def test_tach_so_ky_hieu_round_trips() -> None:
    assert tach_so_ky_hieu(so_va_ky_hieu(7, "KHPH-LĐLĐ-HKH")) == (7, "KHPH-LĐLĐ-HKH")


@pytest.mark.parametrize("text", ["", "KH-LĐLĐ", "05/", "/KH", "năm/KH", "05 KH"])
def test_tach_so_ky_hieu_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="không đọc được"):
        tach_so_ky_hieu(text)


@pytest.mark.parametrize(
    "ky_hieu",
    ["QĐ-UBND", "UBND-VX", "KHPH-LĐLĐ-HKH", "CTr-UBND", "QyĐ-BNV", "TTr-SNV", "QĐ-UBND2"],
)
def test_loi_ky_hieu_accepts(ky_hieu: str) -> None:
    assert loi_ky_hieu(ky_hieu, MA_PHU_LUC_III) is None


@pytest.mark.parametrize(
    ("ky_hieu", "ma_hop_le", "phrase"),
    [
        ("", MA_PHU_LUC_III, "trống"),
        ("QĐ -UBND", MA_PHU_LUC_III, "dấu cách"),
        ("QĐ-UBND\n", MA_PHU_LUC_III, "dấu cách"),
        ("QĐ--UBND", MA_PHU_LUC_III, "hai dấu '-'"),
        ("-QĐ", MA_PHU_LUC_III, "đầu/cuối"),
        ("QĐ-", MA_PHU_LUC_III, "đầu/cuối"),
        ("Qđ-UBND", MA_PHU_LUC_III, "nhóm 'Qđ'"),
        ("QĐ-Ubnd", MA_PHU_LUC_III, "nhóm 'Ubnd'"),
        ("CTr-UBND", [], "nhóm 'CTr'"),  # mixed case only when it is a known code
        ("QĐ-UBND/VX", MA_PHU_LUC_III, "phải viết hoa"),
    ],
)
def test_loi_ky_hieu_rejects(ky_hieu: str, ma_hop_le: list[str], phrase: str) -> None:
    loi = loi_ky_hieu(ky_hieu, ma_hop_le)
    assert loi is not None
    assert phrase in loi
