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


def so_hien_thi(so: int | None, hai_chu_so: bool = True) -> str:
    """The number as printed: below 10 gets a leading zero (NĐ30); None leaves room to fill in."""
    if so is None:
        return "\u00a0" * 6
    if so < 1:
        raise ValueError("số văn bản phải từ 1 trở lên")
    return f"{so:02d}" if hai_chu_so else str(so)


def ky_hieu_van_ban(
    ma_loai: str | None,
    co_quan: Sequence[str],
    don_vi: str | None = None,
    *,
    noi_loai: str = "-",
    noi_co_quan: str = "-",
) -> str:
    """Build the symbol: ``KH-LĐLĐ``, ``KHPH-LĐLĐ-HKH``, ``UBND-VX``; Party ``NQ/ĐU`` (noi_loai="/")."""
    if isinstance(co_quan, str):
        co_quan = [co_quan] if co_quan else []  # a bare str is a Sequence[str]: keep it whole
    if not co_quan:
        raise ValueError("cần ít nhất một cơ quan ban hành")
    tail = noi_co_quan.join([*co_quan, *([don_vi] if don_vi else [])])
    return f"{ma_loai}{noi_loai}{tail}" if ma_loai else tail


def so_va_ky_hieu(so: int | None, ky_hieu: str, *, noi_so: str = "/", hai_chu_so: bool = True) -> str:
    """``05/QĐ-UBND``; Party ``127-QĐ/TW`` (noi_so="-", hai_chu_so=False)."""
    return f"{so_hien_thi(so, hai_chu_so)}{noi_so}{ky_hieu}"


def dong_so(so: int | None, ky_hieu: str, *, nhan: str = "Số:", noi_so: str = "/", hai_chu_so: bool = True) -> str:
    """The printed line ``Số: 05/QĐ-UBND``; Party ``Số 127-QĐ/TW`` (nhan="Số")."""
    return f"{nhan} {so_va_ky_hieu(so, ky_hieu, noi_so=noi_so, hai_chu_so=hai_chu_so)}"


def tach_so_ky_hieu(text: str) -> tuple[int, str]:
    """Split ``"05/KH-LĐLĐ"`` (spaces tolerated) into ``(5, "KH-LĐLĐ")``."""
    m = _SPLIT.match(text)
    if not m:
        raise ValueError(f"không đọc được số và ký hiệu: {text!r}")
    return int(m.group(1)), re.sub(r"\s+", "", m.group(2))


def loi_ky_hieu(ky_hieu: str, ma_hop_le: Iterable[str] = (), noi: str = "-") -> str | None:
    """Why *ky_hieu* is malformed, in Vietnamese, or None when it is well formed.

    Each group (separated by one of *noi*: "-" in NĐ30, "-" or "/" for the Party) is either
    a known type code (some, like ``CTr`` or ``QyĐ``, contain lower-case letters by rule)
    or upper-case letters and digits.
    """
    allowed = set(ma_hop_le)
    if not ky_hieu:
        return "ký hiệu trống"
    if re.search(r"\s", ky_hieu):
        return f"ký hiệu '{ky_hieu}' không được có dấu cách"
    for group in re.split(f"[{re.escape(noi)}]", ky_hieu):
        if not group:
            return f"ký hiệu '{ky_hieu}' có hai dấu '{noi[0]}' liền nhau hoặc dấu ấy ở đầu/cuối"
        if group in allowed:
            continue
        if not _GROUP.match(group):
            return (
                f"nhóm '{group}' trong ký hiệu '{ky_hieu}' phải viết hoa "
                "(trừ mã loại văn bản của Phụ lục III như CTr, QyĐ, TTr)"
            )
    return None
