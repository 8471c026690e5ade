"""NĐ30 rules a record must follow, checked against its rule profile.

Each check returns ``(field path, Vietnamese message)`` pairs so the loader can
attach the YAML line. Shape and types are pydantic's job (models.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from congvan.profiles import RuleProfile
from congvan.records.models import CongVan, NhomNoiNhan, VanBanChung, VanBanKhac
from congvan.vi.ky_tu import loi_ky_tu
from congvan.vi.so_ky_hieu import loi_ky_hieu

Finding = tuple[tuple[str | int, ...], str]
_LUU = re.compile(r"^\s*-?\s*Lưu\s*:\s*VT\b")
_PARTY_PREFIX = re.compile(r"^\s*(T/M|K/T|T/L|T/UQ)\b", re.IGNORECASE)
_PARTY_NUMBER = re.compile(r"^\s*(Số\s*)?\d+\s*-")
_ANY_PREFIX = re.compile(r"^\s*(TM|KT|TL|TUQ|Q)\.\s", re.IGNORECASE)
_PARTY_HINT = (
    "đây là cách viết của văn bản Đảng (HD 36-HD/VPTW); hồ sơ này theo bộ quy tắc Nhà nước "
    "(quy_tac: nd30). Bộ quy tắc Đảng (quy_tac: dang) sắp có; trong lúc chờ, hãy viết theo NĐ30"
)
_ND30_FORMS = (
    "NĐ30 cho phép: 'TM. <tập thể>' rồi chức vụ; 'KT. <người đứng đầu>' rồi chức vụ cấp phó; "
    "'TM. <tập thể>' / 'KT. <người đứng đầu>' / cấp phó (ghi thay_mat cùng quyen_han: KT); "
    "'TL. <người đứng đầu>' rồi chức vụ; 'TUQ. <người đứng đầu>' rồi chức vụ; 'Q. <chức danh>'"
)


def ma_loai(vb: VanBanChung, profile: RuleProfile) -> str | None:
    """The type code of the symbol: the record's own, else from its tên loại, else the kind's."""
    if vb.ma_loai is not None:
        return vb.ma_loai or None
    if isinstance(vb, VanBanKhac):
        return profile.ma_cua_ten_loai(vb.ten_loai)
    return profile.loai_van_ban[vb.loai].ma or None


def check_ky_hieu(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    allowed = profile.ma_hop_le
    if vb.ky_hieu is not None:
        if _PARTY_NUMBER.match(vb.ky_hieu) or "/" in vb.ky_hieu:
            yield ("ky_hieu",), f"ký hiệu '{vb.ky_hieu}' viết kiểu 'Số 12-NQ/ĐU': {_PARTY_HINT}"
        else:
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


def _check_one_signer(ck: Any, where: tuple[str | int, ...], profile: RuleProfile) -> Iterator[Finding]:
    for name in ("thay_mat", "thay", "co_quan", "chuc_vu"):
        text = getattr(ck, name) or ""
        if _PARTY_PREFIX.match(text):
            yield (*where, name), f"'{text}': tiền tố T/M, K/T, T/L {_PARTY_HINT}"
        elif _ANY_PREFIX.match(text):
            prefix = text.split(".")[0].upper()
            yield (
                (*where, name),
                (
                    f"'{text}' đã có tiền tố '{prefix}.'; ghi tiền tố trong quyen_han (hoặc thay_mat cho dòng TM.), "
                    "không viết lại trong chữ, kẻo in hai lần"
                ),
            )
    if ck.thay_mat and ck.quyen_han == "TM":
        yield (
            (*where, "thay_mat"),
            (
                f"khối chữ ký có hai dòng TM. ('TM. {ck.thay_mat.upper()}' và 'TM. {(ck.thay or '').upper()}'); "
                f"{_ND30_FORMS}"
            ),
        )
    elif ck.thay_mat and ck.quyen_han != "KT":
        shown = profile.quyen_han.tien_to(ck.quyen_han) if ck.quyen_han else "không có quyền hạn"
        yield (
            (*where, "thay_mat"),
            f"thay_mat (dòng TM.) chỉ đi cùng quyen_han: KT, không đi với {shown}; {_ND30_FORMS}",
        )
    if ck.quyen_han and not ck.thay:
        tien_to = profile.quyen_han.tien_to(ck.quyen_han)
        yield (
            (*where, "thay"),
            (
                f"khối chữ ký '{tien_to}' cần ghi thay mặt/thay cho ai "
                f"(ví dụ '{tien_to} BAN THƯỜNG VỤ' hoặc 'KT. CHỦ TỊCH')"
            ),
        )
    if ck.quyen_han in profile.quyen_han.can_chuc_vu and not ck.chuc_vu:
        tien_to = profile.quyen_han.tien_to(ck.quyen_han)
        ten_khoi = f"{tien_to} {ck.thay or ''}".strip()
        yield (
            (*where, "chuc_vu"),
            f"khối chữ ký '{ten_khoi}' thiếu chức vụ của người ký (ví dụ 'PHÓ CHỦ TỊCH' khi ký thay)",
        )
    if ck.quyen_han == "KT" and ck.chuc_vu and ck.thay and ck.chuc_vu.upper() == ck.thay.upper():
        yield (*where, "chuc_vu"), "ký thay (KT.) thì chức vụ người ký phải là cấp phó, khác chức danh người đứng đầu"


def check_chu_ky(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    for i, ck in enumerate(vb.chu_ky):
        yield from _check_one_signer(ck, ("chu_ky", i), profile)
    if vb.ban_sao is not None and vb.ban_sao.chu_ky is not None:
        yield from _check_one_signer(vb.ban_sao.chu_ky, ("ban_sao", "chu_ky"), profile)
    if len(vb.chu_ky) > len(vb.co_quan_ban_hanh) and len(vb.co_quan_ban_hanh) > 1:
        yield ("chu_ky",), "văn bản liên tịch có nhiều khối chữ ký hơn số cơ quan ban hành"


def _check_list(items: list[str], where: tuple[str | int, ...]) -> Iterator[Finding]:
    last = items[-1] if items else ""
    if not _LUU.match(last):
        yield (
            (*where, len(items) - 1),
            f"mục cuối của Nơi nhận phải là 'Lưu: VT, <đơn vị soạn thảo>' (đang là '{last}')",
        )
    for i, item in enumerate(items[:-1]):
        if _LUU.match(item):
            yield where, f"mục 'Lưu: VT, ...' phải đứng cuối Nơi nhận (đang ở vị trí {i + 1})"


def check_noi_nhan(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    items = vb.noi_nhan_phang
    if items:
        for loc, msg in _check_list(items, ("noi_nhan",)):
            if len(loc) == 2 and loc[1] == len(items) - 1:
                loc = ("noi_nhan", len(vb.noi_nhan) - 1)
            yield loc, msg
    nhu_tren = profile.chu_de.nhu_tren.casefold()
    addressed = bool(vb.kinh_gui) or type(vb).CO_NOI_GUI
    for i, entry in enumerate(vb.noi_nhan):
        texts = entry.nhom if isinstance(entry, NhomNoiNhan) else [entry]
        if not addressed and any(t.strip().lstrip("- ").casefold().startswith(nhu_tren) for t in texts):
            yield (
                ("noi_nhan", i),
                (
                    f"'- {profile.chu_de.nhu_tren};' chỉ dùng khi văn bản có 'Kính gửi:'; hãy thêm trường kinh_gui "
                    "hoặc ghi rõ nơi nhận"
                ),
            )
    if vb.ban_sao is not None and not vb.ban_sao.dien_tu and vb.ban_sao.noi_nhan:
        yield from _check_list(vb.ban_sao.noi_nhan, ("ban_sao", "noi_nhan"))


def check_loai(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    if vb.loai not in profile.loai_van_ban:
        yield ("loai",), f"bộ quy tắc '{profile.ma}' không có loại văn bản '{vb.loai}'"
    if isinstance(vb, CongVan) and vb.ten_loai:
        yield ("ten_loai",), "công văn không có tên loại; bỏ trường ten_loai"
    if isinstance(vb, VanBanKhac):
        expected = profile.ma_cua_ten_loai(vb.ten_loai)
        if vb.ma_loai and expected and vb.ma_loai != expected:
            yield (
                ("ma_loai",),
                (
                    f"tên loại '{vb.ten_loai.upper()}' có chữ viết tắt '{expected}' theo Phụ lục III, không phải "
                    f"'{vb.ma_loai}'; sửa ma_loai hoặc bỏ trống để tự lấy"
                ),
            )
        elif not vb.ma_loai and not expected:
            known = ", ".join(sorted(profile.ma_loai)[:8])
            yield (
                ("ten_loai",),
                (
                    f"tên loại '{vb.ten_loai}' không có trong Phụ lục III (ví dụ: {known}...); ghi ma_loai nếu đây "
                    "là loại văn bản khác"
                ),
            )
        elif vb.ma_loai and vb.ma_loai not in profile.ma_hop_le:
            yield ("ma_loai",), f"mã loại '{vb.ma_loai}' không có trong Phụ lục III (ví dụ: BC, TB, HD, TTr)"


def check_o_phu(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    """ô 10a, 10b, 11: only the marks NĐ30 names."""
    o = profile.o_phu
    for name, allowed in (("do_mat", o.do_mat), ("do_khan", o.do_khan), ("pham_vi_luu_hanh", o.pham_vi_luu_hanh)):
        value = getattr(vb, name)
        if value and value not in allowed:
            yield (name,), f"'{value}' không phải dấu NĐ30; chọn một trong: {', '.join(allowed)}"


def _strings(value: Any, where: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*where, name))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, (*where, i))


def check_ky_tu(vb: VanBanChung) -> Iterator[Finding]:
    """Text with XML-illegal characters is refused where it stands (congvan.vi.ky_tu)."""
    for where, text in _strings(vb, ()):
        why = loi_ky_tu(text)
        if why:
            yield where, why


def check_all(vb: VanBanChung, profile: RuleProfile) -> list[Finding]:
    """Every NĐ30 rule finding for a record, in field order."""
    return [
        *check_ky_tu(vb),
        *check_loai(vb, profile),
        *check_ky_hieu(vb, profile),
        *check_chu_ky(vb, profile),
        *check_noi_nhan(vb, profile),
        *check_o_phu(vb, profile),
    ]
