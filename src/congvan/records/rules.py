"""NĐ30 rules a record must follow, checked against its rule profile.

Each check returns ``(field path, Vietnamese message)`` pairs so the loader can
attach the YAML line. Shape and types are pydantic's job (models.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from congvan.profiles import RuleProfile
from congvan.records.models import CongVan, VanBanChung, VanBanKhac
from congvan.vi.so_ky_hieu import loi_ky_hieu

Finding = tuple[tuple[str | int, ...], str]
_LUU = re.compile(r"^\s*-?\s*Lưu\s*:\s*VT\b")


def ma_loai(vb: VanBanChung, profile: RuleProfile) -> str | None:
    """The type code of the symbol: the record's own, else the profile's for its kind."""
    if vb.ma_loai is not None:
        return vb.ma_loai or None
    return profile.loai_van_ban[vb.loai].ma or None


def check_ky_hieu(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    allowed = profile.ma_hop_le
    if vb.ky_hieu is not None:
        why = loi_ky_hieu(vb.ky_hieu, allowed)
        if why:
            yield ("ky_hieu",), why
    if vb.ma_loai and vb.ma_loai not in allowed:
        why = loi_ky_hieu(vb.ma_loai, allowed)
        if why:
            yield ("ma_loai",), why
    for i, cq in enumerate(vb.co_quan_ban_hanh):
        why = loi_ky_hieu(cq.viet_tat, allowed)
        if why:
            yield ("co_quan_ban_hanh", i, "viet_tat"), why
    if isinstance(vb, CongVan) and vb.don_vi_soan_thao:
        why = loi_ky_hieu(vb.don_vi_soan_thao, allowed)
        if why:
            yield ("don_vi_soan_thao",), why


def check_chu_ky(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    for i, ck in enumerate(vb.chu_ky):
        if ck.quyen_han and not ck.thay:
            tien_to = profile.quyen_han.tien_to(ck.quyen_han)
            yield (
                ("chu_ky", i, "thay"),
                (
                    f"khối chữ ký '{tien_to}' cần ghi thay mặt/thay cho ai (ví dụ '{tien_to} BAN THƯỜNG VỤ' "
                    "hoặc 'KT. CHỦ TỊCH')"
                ),
            )
        if ck.quyen_han in profile.quyen_han.can_chuc_vu and not ck.chuc_vu:
            tien_to = profile.quyen_han.tien_to(ck.quyen_han)
            ten_khoi = f"{tien_to} {ck.thay or ''}".strip()
            yield (
                ("chu_ky", i, "chuc_vu"),
                (f"khối chữ ký '{ten_khoi}' thiếu chức vụ của người ký (ví dụ 'PHÓ CHỦ TỊCH' khi ký thay)"),
            )
        if ck.quyen_han == "KT" and ck.chuc_vu and ck.thay and ck.chuc_vu.upper() == ck.thay.upper():
            yield (
                ("chu_ky", i, "chuc_vu"),
                "ký thay (KT.) thì chức vụ người ký phải là cấp phó, khác chức danh người đứng đầu",
            )
    if len(vb.chu_ky) > len(vb.co_quan_ban_hanh) and len(vb.co_quan_ban_hanh) > 1:
        yield ("chu_ky",), "văn bản liên tịch có nhiều khối chữ ký hơn số cơ quan ban hành"


def check_noi_nhan(vb: VanBanChung) -> Iterator[Finding]:
    items = vb.noi_nhan_phang
    last = items[-1] if items else ""
    if not _LUU.match(last):
        index = len(vb.noi_nhan) - 1
        yield ("noi_nhan", index), (f"mục cuối của Nơi nhận phải là 'Lưu: VT, <đơn vị soạn thảo>' (đang là '{last}')")
    for i, item in enumerate(items[:-1]):
        if _LUU.match(item):
            yield ("noi_nhan",), f"mục 'Lưu: VT, ...' phải đứng cuối Nơi nhận (đang ở vị trí {i + 1})"


def check_loai(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    if vb.loai not in profile.loai_van_ban:
        yield ("loai",), f"bộ quy tắc '{profile.ma}' không có loại văn bản '{vb.loai}'"
    if isinstance(vb, CongVan) and vb.ten_loai:
        yield ("ten_loai",), "công văn không có tên loại; bỏ trường ten_loai"
    if isinstance(vb, VanBanKhac) and vb.ma_loai not in profile.ma_hop_le:
        yield ("ma_loai",), (f"mã loại '{vb.ma_loai}' không có trong Phụ lục III (ví dụ: BC, TB, HD, TTr)")


def check_all(vb: VanBanChung, profile: RuleProfile) -> list[Finding]:
    """Every NĐ30 rule finding for a record, in field order."""
    return [
        *check_loai(vb, profile),
        *check_ky_hieu(vb, profile),
        *check_chu_ky(vb, profile),
        *check_noi_nhan(vb),
    ]
