"""Casing, lettering and normalisation of Vietnamese text."""

from __future__ import annotations

import unicodedata

import pytest

from congvan.vi.chu import (
    bo_dau,
    chuan_hoa_khoang_trang,
    khoa_tim_kiem,
    nhan_diem,
    so_la_ma,
    viet_hoa,
    viet_hoa_chu_dau,
)


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hội khuyến học tỉnh bến tre", "HỘI KHUYẾN HỌC TỈNH BẾN TRE"),
        ("ủy ban nhân dân", "ỦY BAN NHÂN DÂN"),
        ("đảng cộng sản việt nam", "ĐẢNG CỘNG SẢN VIỆT NAM"),
        ("quyết định", "QUYẾT ĐỊNH"),
        ("sở tư pháp, 2024", "SỞ TƯ PHÁP, 2024"),
        ("ỹ ữ ợ ặ ẳ", "Ỹ Ữ Ợ Ặ Ẳ"),
    ],
)
def test_viet_hoa(value: str, expected: str) -> None:
    assert viet_hoa(value) == expected


def test_viet_hoa_nfd_input_gives_nfc() -> None:
    result = viet_hoa(nfd("hội khuyến học"))
    assert result == "HỘI KHUYẾN HỌC"
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("một triệu đồng", "Một triệu đồng"),
        ("đồng ý", "Đồng ý"),
        ("ủy ban Nhân dân", "Ủy ban Nhân dân"),
        ("“về việc", "“Về việc"),
        ("", ""),
        ("123", "123"),
    ],
)
def test_viet_hoa_chu_dau(value: str, expected: str) -> None:
    assert viet_hoa_chu_dau(value) == expected


def test_viet_hoa_chu_dau_nfd() -> None:
    assert viet_hoa_chu_dau(nfd("ủy ban")) == "Ủy ban"


@pytest.mark.parametrize(
    ("i", "expected"),
    [
        (0, "a)"),
        (1, "b)"),
        (3, "d)"),
        (4, "đ)"),
        (5, "e)"),
        (6, "g)"),
        (9, "k)"),
        (22, "y)"),
        (23, "aa)"),
        (24, "bb)"),
        (27, "đđ)"),
        (46, "aaa)"),
    ],
)
def test_nhan_diem(i: int, expected: str) -> None:
    assert nhan_diem(i) == expected


def test_nhan_diem_skips_foreign_letters() -> None:
    letters = "".join(nhan_diem(i)[0] for i in range(23))
    assert letters == "abcdđeghiklmnopqrstuvxy"
    assert not set("fjwz") & set(letters)


def test_nhan_diem_rejects_negative() -> None:
    with pytest.raises(ValueError):
        nhan_diem(-1)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "I"),
        (3, "III"),
        (4, "IV"),
        (9, "IX"),
        (14, "XIV"),
        (40, "XL"),
        (90, "XC"),
        (400, "CD"),
        (1994, "MCMXCIV"),
        (2024, "MMXXIV"),
        (3999, "MMMCMXCIX"),
    ],
)
def test_so_la_ma(n: int, expected: str) -> None:
    assert so_la_ma(n) == expected


@pytest.mark.parametrize("n", [0, -1, 4000])
def test_so_la_ma_out_of_range(n: int) -> None:
    with pytest.raises(ValueError, match="La Mã"):
        so_la_ma(n)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Hội Khuyến học tỉnh Bến Tre", "Hoi Khuyen hoc tinh Ben Tre"),
        ("Đảng ủy", "Dang uy"),
        ("ĐỒNG ĐỨC", "DONG DUC"),
        ("Quyết định số 05/QĐ-UBND", "Quyet dinh so 05/QD-UBND"),
        ("ỹ ữ ợ ặ ẳ", "y u o a a"),
    ],
)
def test_bo_dau(value: str, expected: str) -> None:
    assert bo_dau(value) == expected
    assert bo_dau(nfd(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a\tb", "a b"),
        ("  Bến\u00a0\u00a0Tre \n", "Bến Tre"),
        ("Ủy   ban\r\nnhân dân", "Ủy ban nhân dân"),
        ("", ""),
    ],
)
def test_chuan_hoa_khoang_trang(value: str, expected: str) -> None:
    assert chuan_hoa_khoang_trang(value) == expected


def test_chuan_hoa_khoang_trang_nfc() -> None:
    result = chuan_hoa_khoang_trang(nfd(" Bến  Tre "))
    assert result == "Bến Tre"
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Hội  Khuyến\u00a0học ", "hoi khuyen hoc"),
        ("ĐẢNG ỦY", "dang uy"),
        (nfd("Bến Tre"), "ben tre"),
    ],
)
def test_khoa_tim_kiem(value: str, expected: str) -> None:
    assert khoa_tim_kiem(value) == expected


def test_khoa_tim_kiem_matches_across_spellings() -> None:
    assert khoa_tim_kiem("UBND tỉnh Bến Tre") == khoa_tim_kiem("ubnd  TINH ben tre")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], ""),
        (["Hội Khuyến học tỉnh"], "Hội Khuyến học tỉnh"),
        (["A", "B"], "A và B"),
        (["A", "B", "C"], "A, B và C"),
        (["A", "", "C"], "A và C"),
    ],
)
def test_liet_ke(items: list[str], expected: str) -> None:
    from congvan.vi.chu import liet_ke

    assert liet_ke(items) == expected
