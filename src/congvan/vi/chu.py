"""Vietnamese letter-case, lettering and normalisation helpers.

Everything is NFC-normalised first: input pasted from PDFs or macOS often arrives
decomposed (NFD), which would otherwise compare unequal and render oddly in Word.
"""

from __future__ import annotations

import unicodedata

# Letters that label điểm, in Vietnamese alphabet order (format-rules §3): the
# Latin letters without f, j, w, z, with đ after d.
CHU_CAI_DIEM = "abcdđeghiklmnopqrstuvxy"

_LA_MA = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def nfc(s: str) -> str:
    """NFC form (precomposed letters with tone marks)."""
    return unicodedata.normalize("NFC", s)


def viet_hoa(s: str) -> str:
    """Upper-case keeping every tone mark: ``bến tre`` → ``BẾN TRE``, ``đ`` → ``Đ``."""
    return nfc(nfc(s).upper())


def viet_hoa_chu_dau(s: str) -> str:
    """Capitalise the first letter only (leading quotes/spaces skipped), rest unchanged."""
    text = nfc(s)
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def nhan_diem(i: int) -> str:
    """Label of the *i*-th điểm (0-based): ``a)`` … ``y)``, then ``aa)`` … ``yy)``, ``aaa)`` …

    The rule only orders the 23 letters; past ``y`` we repeat the letter (our
    convention) rather than use ``f``/``j``/``w``/``z``, which the alphabet lacks.
    """
    if i < 0:
        raise ValueError("số thứ tự điểm phải từ 0 trở lên")
    vong, vi_tri = divmod(i, len(CHU_CAI_DIEM))
    return CHU_CAI_DIEM[vi_tri] * (vong + 1) + ")"


def so_la_ma(n: int) -> str:
    """Roman numeral for 1..3999 (phần, chương): ``4`` → ``IV``."""
    if isinstance(n, bool) or not 1 <= n <= 3999:
        raise ValueError(f"số La Mã chỉ từ 1 đến 3999, nhận được {n!r}")
    parts: list[str] = []
    for value, symbol in _LA_MA:
        count, n = divmod(n, value)
        parts.append(symbol * count)
    return "".join(parts)


def bo_dau(s: str) -> str:
    """Strip diacritics, ``đ``/``Đ`` → ``d``/``D``, keep case (search keys, file names)."""
    decomposed = unicodedata.normalize("NFD", s)
    base = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    # đ/Đ are letters of their own, not d + a combining mark, so NFD leaves them.
    return nfc(base.replace("đ", "d").replace("Đ", "D"))


def chuan_hoa_khoang_trang(s: str) -> str:
    """NFC, collapse any run of white space (tabs, NBSP, new lines) to one space, strip."""
    return " ".join(nfc(s).split())


def khoa_tim_kiem(s: str) -> str:
    """Accent- and case-insensitive search key: ``  Hội  Khuyến học`` → ``hoi khuyen hoc``."""
    return chuan_hoa_khoang_trang(bo_dau(s)).casefold()


def liet_ke(items: list[str]) -> str:
    """Names in a Vietnamese sentence: "A", "A và B", "A, B và C"."""
    items = [x for x in items if x]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} và {items[-1]}"
