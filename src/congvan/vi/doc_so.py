"""Amounts in words ("Bằng chữ"), northern official style.

``1005000`` → ``một triệu không trăm linh năm nghìn``. Rules: groups of three
digits; a non-zero group after the leading one always says its hundreds
("không trăm"); "linh" (or "lẻ") joins a lone unit to the hundreds; "mười" for
10-19 and "mươi" from 20; "mốt"/"lăm" after mươi, "lăm" after mười; "bốn", never
"tư"; above tỷ the scale repeats (``10**15`` → ``một triệu tỷ``).

num2words is NOT used, not even for single groups. Its ``vi`` reading of 1..999
matches ours once "lẻ" is swapped for the chosen linh word, but that saves only
the dozen lines of ``_doc_nhom`` while adding a post-editing step that depends on
its wording staying stable; and around those groups it is wrong (never says
"không trăm": 1015 → "một nghìn lẻ mười lăm"; −21 raises; 1.5 → "một phẩy năm
mươi"; 10**15 → "một trăm nghìn tỷ"; English words from 10**18 — see
baseline.md "Amounts in words"). ``tests/test_vi_doc_so.py`` pins the difference.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from congvan.vi.chu import viet_hoa_chu_dau

SoDauVao = int | Decimal | float | str

_CHU_SO = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_TY = 10**9


def _doc_hang_don_vi(chuc: int, don_vi: int) -> str:
    """The unit digit after a tens word: mốt only after mươi, lăm after mười/mươi."""
    if don_vi == 1 and chuc >= 2:
        return "mốt"
    if don_vi == 5 and chuc >= 1:
        return "lăm"
    return _CHU_SO[don_vi]


def _doc_nhom(nhom: int, du_tram: bool, linh: str) -> list[str]:
    """Words for one group 1..999; ``du_tram`` forces the hundreds ("không trăm")."""
    tram, le = divmod(nhom, 100)
    chuc, don_vi = divmod(le, 10)
    words: list[str] = []
    if tram or du_tram:
        words += [_CHU_SO[tram], "trăm"]
    if chuc == 0:
        if don_vi:
            words += [linh, _CHU_SO[don_vi]] if words else [_CHU_SO[don_vi]]
    elif chuc == 1:
        words.append("mười")
    else:
        words += [_CHU_SO[chuc], "mươi"]
    if chuc and don_vi:
        words.append(_doc_hang_don_vi(chuc, don_vi))
    return words


def _doc_duoi_ty(n: int, dau: bool, linh: str, nghin: str) -> list[str]:
    """Words for 1..999 999 999; ``dau`` is True when nothing bigger was read before."""
    words: list[str] = []
    for nhom, ten in ((n // 10**6, "triệu"), (n // 1000 % 1000, nghin), (n % 1000, "")):
        if not nhom:
            continue  # zero groups are silent: 1 000 000 → "một triệu"
        words += _doc_nhom(nhom, du_tram=bool(words) or not dau, linh=linh)
        if ten:
            words.append(ten)
    return words


def _doc_nguyen(n: int, dau: bool, linh: str, nghin: str) -> list[str]:
    """Words for n ≥ 1; above 10**9 the part before "tỷ" is itself read as a number."""
    if n < _TY:
        return _doc_duoi_ty(n, dau, linh, nghin)
    cao, thap = divmod(n, _TY)
    words = [*_doc_nguyen(cao, dau, linh, nghin), "tỷ"]
    if thap:
        words += _doc_duoi_ty(thap, dau=False, linh=linh, nghin=nghin)
    return words


def _doc_so_nguyen(n: int, linh: str, nghin: str) -> str:
    return " ".join(_doc_nguyen(n, True, linh, nghin)) if n else "không"


def _doc_phan_le(chu_so: str, linh: str, nghin: str) -> str:
    """Fraction digits: each leading zero is "không", the rest is read as a number."""
    so_khong = len(chu_so) - len(chu_so.lstrip("0"))
    words = ["không"] * so_khong
    if chu_so.lstrip("0"):
        words.append(_doc_so_nguyen(int(chu_so), linh, nghin))
    return " ".join(words)


def _sang_decimal(n: SoDauVao) -> Decimal:
    """Exact decimal value; floats go through repr so 0.1 stays 0.1, not binary noise."""
    if isinstance(n, bool):
        raise ValueError(f"không đọc được số: {n!r}")
    if isinstance(n, float):
        if not math.isfinite(n):
            raise ValueError(f"không đọc được số: {n!r}")
        return Decimal(repr(n))
    if isinstance(n, int | Decimal):
        value = Decimal(n)
    elif isinstance(n, str):
        try:
            value = Decimal(n.strip())
        except InvalidOperation:
            raise ValueError(f"không đọc được số: {n!r}") from None
    else:
        raise ValueError(f"không đọc được số: {n!r}")
    if not value.is_finite():
        raise ValueError(f"không đọc được số: {n!r}")
    return value


def _tach_so(n: SoDauVao) -> tuple[bool, int, str]:
    """(negative, integer part, fraction digits without trailing zeros)."""
    if isinstance(n, int) and not isinstance(n, bool):
        return n < 0, abs(n), ""  # exact, no Decimal context precision limit
    value = _sang_decimal(n)
    nguyen, _, le = format(abs(value), "f").partition(".")
    le = le.rstrip("0")
    am = value.is_signed() and (int(nguyen) > 0 or bool(le))  # "-0" reads "không"
    return am, int(nguyen), le


def doc_so(n: SoDauVao, *, linh: str = "linh", nghin: str = "nghìn") -> str:
    """Lower-case Vietnamese words: ``2024`` → ``hai nghìn không trăm hai mươi bốn``.

    ``linh="lẻ"`` and ``nghin="ngàn"`` give the accepted variants.
    """
    am, nguyen, le = _tach_so(n)
    words = _doc_so_nguyen(nguyen, linh, nghin)
    if le:
        words += " phẩy " + _doc_phan_le(le, linh, nghin)
    return "âm " + words if am else words


def doc_tien(n: SoDauVao, *, don_vi: str = "đồng") -> str:
    """Money form for "Bằng chữ": ``Một triệu không trăm linh năm nghìn đồng``."""
    words = viet_hoa_chu_dau(doc_so(n))
    return f"{words} {don_vi}" if don_vi else words
