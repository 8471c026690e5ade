"""Số và ký hiệu văn bản (NĐ30 Phụ lục I §II.3).

``05/QĐ-UBND``: the number (zero-padded below 10), a slash, then the symbol whose
groups are joined by hyphens without spaces. A named type leads with its type code
(``KH-LĐLĐ``); a công văn has no type code and ends with the drafting unit
(``UBND-VX``); a joint document lists the lead body first (``KHPH-LĐLĐ-HKH``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_GROUP = re.compile(r"^[A-ZĐ0-9]+$")
_SPLIT = re.compile(r"^\s*(\d+)\s*/\s*(\S.*?)\s*$")


def so_hien_thi(so: int | None) -> str:
    """The number as printed: below 10 gets a leading zero; None leaves room to fill in."""
    if so is None:
        return "\u00a0" * 6
    if so < 1:
        raise ValueError("số văn bản phải từ 1 trở lên")
    return f"{so:02d}"


def ky_hieu_van_ban(
    ma_loai: str | None, co_quan: Sequence[str], don_vi: str | None = None
) -> str:
    """Build the symbol: ``KH-LĐLĐ``, ``KHPH-LĐLĐ-HKH`` or, with no type code, ``UBND-VX``."""
    if isinstance(co_quan, str):
        co_quan = [co_quan] if co_quan else []  # a bare str is a Sequence[str]: keep it whole
    if not co_quan:
        raise ValueError("cần ít nhất một cơ quan ban hành")
    groups = ([ma_loai] if ma_loai else []) + list(co_quan)
    if don_vi:
        groups.append(don_vi)
    return "-".join(groups)


def so_va_ky_hieu(so: int | None, ky_hieu: str) -> str:
    """``05/QĐ-UBND``."""
    return f"{so_hien_thi(so)}/{ky_hieu}"


def dong_so(so: int | None, ky_hieu: str) -> str:
    """The printed line ``Số: 05/QĐ-UBND``."""
    return f"Số: {so_va_ky_hieu(so, ky_hieu)}"


def tach_so_ky_hieu(text: str) -> tuple[int, str]:
    """Split ``"05/KH-LĐLĐ"`` (spaces tolerated) into ``(5, "KH-LĐLĐ")``."""
    m = _SPLIT.match(text)
    if not m:
        raise ValueError(f"không đọc được số và ký hiệu: {text!r}")
    return int(m.group(1)), re.sub(r"\s+", "", m.group(2))


def loi_ky_hieu(ky_hieu: str, ma_hop_le: Iterable[str] = ()) -> str | None:
    """Why *ky_hieu* is malformed, in Vietnamese, or None when it is well formed.

    Each hyphen-separated group is either a known type code (some, like ``CTr`` or
    ``QyĐ``, contain lower-case letters by rule) or upper-case letters and digits.
    """
    allowed = set(ma_hop_le)
    if not ky_hieu:
        return "ký hiệu trống"
    if re.search(r"\s", ky_hieu):
        return f"ký hiệu '{ky_hieu}' không được có dấu cách"
    for group in ky_hieu.split("-"):
        if not group:
            return f"ký hiệu '{ky_hieu}' có hai dấu '-' liền nhau hoặc '-' ở đầu/cuối"
        if group in allowed:
            continue
        if not _GROUP.match(group):
            return (
                f"nhóm '{group}' trong ký hiệu '{ky_hieu}' phải viết hoa "
                "(trừ mã loại văn bản của Phụ lục III như CTr, QyĐ, TTr)"
            )
    return None
