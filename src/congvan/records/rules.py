"""NĐ30 rules a record must follow, checked against its rule profile.

Each check returns ``(field path, Vietnamese message)`` pairs so the loader can
attach the YAML line. Shape and types are pydantic's job (models.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from congvan.profiles import RuleProfile, all_profiles
from congvan.records.models import CongVan, NhomNoiNhan, VanBanChung, VanBanKhac
from congvan.vi.ky_tu import loi_ky_tu
from congvan.vi.so_ky_hieu import loi_ky_hieu

Finding = tuple[tuple[str | int, ...], str]
_NUMBER_FIRST = re.compile(r"^\s*(Số\s*:?\s*)?\d+\s*[-/]")
_ND30_FORMS = (
    "NĐ30 cho phép: 'TM. <tập thể>' rồi chức vụ; 'KT. <người đứng đầu>' rồi chức vụ cấp phó; "
    "'TM. <tập thể>' / 'KT. <người đứng đầu>' / cấp phó (ghi thay_mat cùng quyen_han: KT); "
    "'TL. <người đứng đầu>' rồi chức vụ; 'TUQ. <người đứng đầu>' rồi chức vụ; 'Q. <chức danh>'"
)


def _rule_set(p: RuleProfile) -> str:
    return f"{p.ten} (quy_tac: {p.ma})"


def _prefix_owners(text: str) -> tuple[list[RuleProfile], str | None]:
    """Which rule sets write *text*'s leading authority prefix ("T/M", "TM."), and the prefix."""
    owners: list[RuleProfile] = []
    found = None
    for p in all_profiles():
        q = p.quyen_han
        for code in ("TM", "KT", "TL", "TUQ", "Q"):
            prefix = q.tien_to(code)
            if re.match(rf"^\s*{re.escape(prefix)}(?=\s|$)", text, re.IGNORECASE):
                owners.append(p)
                found = prefix
                break
    return owners, found


def _foreign_hint(owners: list[RuleProfile], profile: RuleProfile) -> str:
    names = " hoặc ".join(_rule_set(p) for p in owners)
    return (
        f"đây là cách viết của {names}; hồ sơ này theo {_rule_set(profile)}. "
        f"Nếu đúng là văn bản ấy, ghi quy_tac: {owners[0].ma}"
    )


def _symbol_grammar(profile: RuleProfile) -> str:
    g = profile.so_ky_hieu
    return "".join(sorted({g.noi_loai, g.noi_co_quan}))


def _symbol_owners(ky_hieu: str, profile: RuleProfile) -> list[RuleProfile]:
    """Other rule sets whose symbol grammar *ky_hieu* follows ("NQ/ĐU" in an NĐ30 record, "NQ-ĐU" in a Party one)."""
    rest = _NUMBER_FIRST.sub("", ky_hieu)
    g = profile.so_ky_hieu
    legal = {g.noi_loai, g.noi_co_quan}
    foreign = [c for c in "/-" if c in rest and c not in legal]
    if foreign:
        return [p for p in all_profiles() if foreign[0] in (p.so_ky_hieu.noi_loai, p.so_ky_hieu.noi_co_quan)]
    if g.noi_loai not in rest:
        return [p for p in all_profiles() if p.so_ky_hieu.noi_loai != g.noi_loai and p.so_ky_hieu.noi_loai in rest]
    return []


def ma_loai(vb: VanBanChung, profile: RuleProfile) -> str | None:
    """The type code of the symbol: the record's own, else from its tên loại, else the kind's."""
    if vb.ma_loai is not None:
        return vb.ma_loai or None
    if isinstance(vb, VanBanKhac):
        return profile.ma_cua_ten_loai(vb.ten_loai)
    return profile.loai_van_ban[vb.loai].ma or None


def check_ky_hieu(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    allowed = profile.ma_hop_le
    seps = _symbol_grammar(profile)
    g = profile.so_ky_hieu
    example = f"{profile.chu_de.nhan_so} 12{g.noi_so}NQ{g.noi_loai}ĐU"
    if vb.ky_hieu is not None:
        owners = _symbol_owners(vb.ky_hieu, profile)
        if _NUMBER_FIRST.match(vb.ky_hieu):
            yield (
                ("ky_hieu",),
                (
                    f"ký hiệu '{vb.ky_hieu}' có cả số văn bản; chỉ ghi phần ký hiệu (số lấy từ trường so "
                    f"hoặc từ sổ), in ra thành '{example}'"
                    + (f"; {_foreign_hint(owners, profile)}" if owners else "")
                ),
            )
        elif owners:
            yield ("ky_hieu",), f"ký hiệu '{vb.ky_hieu}': {_foreign_hint(owners, profile)}"
        else:
            why = loi_ky_hieu(vb.ky_hieu, allowed, seps)
            if why:
                yield ("ky_hieu",), why
    if vb.ma_loai and vb.ma_loai not in allowed:
        why = loi_ky_hieu(vb.ma_loai, allowed, seps)
        if why:
            yield ("ma_loai",), why
    for i, cq in enumerate(vb.co_quan_ban_hanh):
        why = loi_ky_hieu(cq.viet_tat, allowed, seps)
        if why:
            yield ("co_quan_ban_hanh", i, "viet_tat"), why
    if isinstance(vb, CongVan) and vb.don_vi_soan_thao:
        why = loi_ky_hieu(vb.don_vi_soan_thao, allowed, seps)
        if why:
            yield ("don_vi_soan_thao",), why


def _check_one_signer(ck: Any, where: tuple[str | int, ...], profile: RuleProfile) -> Iterator[Finding]:
    for name in ("thay_mat", "thay", "co_quan", "chuc_vu"):
        text = getattr(ck, name) or ""
        owners, prefix = _prefix_owners(text)
        if owners and all(p.ma != profile.ma for p in owners):
            yield (*where, name), f"'{text}': tiền tố '{prefix}' {_foreign_hint(owners, profile)}"
        elif owners:
            yield (
                (*where, name),
                (
                    f"'{text}' đã có tiền tố '{prefix}'; ghi tiền tố trong quyen_han (hoặc thay_mat cho dòng "
                    f"{profile.quyen_han.TM}), không viết lại trong chữ, kẻo in hai lần"
                ),
            )
    if ck.quyen_han_viet:
        owners, prefix = _prefix_owners(ck.quyen_han_viet + " ")
        if owners and all(p.ma != profile.ma for p in owners):
            yield (*where, "quyen_han"), f"quyền hạn '{ck.quyen_han_viet}': {_foreign_hint(owners, profile)}"
    if ck.thay_mat and ck.quyen_han == "TM":
        yield (
            (*where, "thay_mat"),
            (
                f"khối chữ ký có hai dòng {profile.quyen_han.TM} ('{profile.quyen_han.TM} {ck.thay_mat.upper()}' và "
                f"'{profile.quyen_han.TM} {(ck.thay or '').upper()}'); "
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


def _check_list(items: list[str], where: tuple[str | int, ...], profile: RuleProfile) -> Iterator[Finding]:
    luu = re.compile(profile.chu_de.mau_luu)
    example = profile.chu_de.vi_du_luu
    last = items[-1] if items else ""
    if not luu.match(last):
        yield (
            (*where, len(items) - 1),
            f"mục cuối của Nơi nhận phải là '{example}' (đang là '{last}')",
        )
    for i, item in enumerate(items[:-1]):
        if luu.match(item):
            yield where, f"mục '{example}' phải đứng cuối Nơi nhận (đang ở vị trí {i + 1})"


def check_noi_nhan(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    items = vb.noi_nhan_phang
    if items:
        for loc, msg in _check_list(items, ("noi_nhan",), profile):
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
        yield from _check_list(vb.ban_sao.noi_nhan, ("ban_sao", "noi_nhan"), profile)


def truong_bat_buoc(loai: str, profile: RuleProfile) -> set[str]:
    """Fields a kind needs under a rule set beyond the model's own (NĐ30 quyết định: tham_quyen)."""
    kind = profile.loai_van_ban.get(loai)
    return {"tham_quyen"} if kind is not None and kind.can_tham_quyen else set()


def check_loai(vb: VanBanChung, profile: RuleProfile) -> Iterator[Finding]:
    kind = profile.loai_van_ban.get(vb.loai)
    if kind is None:
        yield ("loai",), f"bộ quy tắc '{profile.ma}' không có loại văn bản '{vb.loai}'"
    elif kind.can_tham_quyen and not getattr(vb, "tham_quyen", None):
        yield (
            ("tham_quyen",),
            (
                f"thiếu trường bắt buộc: {kind.ten_loai.lower()} theo {_rule_set(profile)} có dòng thẩm quyền "
                "ban hành dưới trích yếu; ghi tham_quyen, ví dụ: BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG TỈNH"
            ),
        )
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


def check_all(vb: VanBanChung, profile: RuleProfile, *, ky_tu: bool = True) -> list[Finding]:
    """Every NĐ30 rule finding for a record, in field order.

    ``ky_tu=False`` skips the character walk over every text of the record: for data
    from :func:`congvan.records.yaml_source.load_yaml_file`, which refused those
    characters already (libyaml refuses them raw, the builder in escapes).
    """
    return [
        *(check_ky_tu(vb) if ky_tu else ()),
        *check_loai(vb, profile),
        *check_ky_hieu(vb, profile),
        *check_chu_ky(vb, profile),
        *check_noi_nhan(vb, profile),
        *check_o_phu(vb, profile),
    ]
