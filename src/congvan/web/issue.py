"""Ban hành: take the number from the register, stamp the date, freeze the version.

The number is taken by the register service in one transaction, keyed by the
draft (``web:ho-so:<id>``) so a retried or doubled request finds the same number
instead of taking another. It is first reserved (giữ số); when it differs from
the provisional number the văn thư saw, the page says so and asks again before
the document is frozen — the reservation keeps the number for this draft.

Adapter note: :func:`congvan.issuing.take_number` builds the same
``VanBanDangKy`` but keys it by a record file's path and only issues (no
reserve); ``_register_args`` takes the same row fields (``issuing.van_ban_dang_ky``) for a database draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from congvan.errors import CongvanError
from congvan.issuing import van_ban_dang_ky
from congvan.profiles import load_profile
from congvan.records.models import ChuKy, VanBanChung
from congvan.register import service
from congvan.render.context import ten_loai_cua
from congvan.render.richtext import plain_text
from congvan.web import drafts, forms, preview, store


def khoa(ho_so_id: int) -> str:
    return f"web:ho-so:{ho_so_id}"


def _register_args(record: VanBanChung, ngay: date, key: str | None = None) -> service.VanBanDangKy:
    return van_ban_dang_ky(record, ngay, key)


def so_tam(db: str, record: VanBanChung, ngay: date) -> int:
    """The number this draft would most likely get now (shown, never promised)."""
    vb = _register_args(record, ngay)
    if vb.so_dang_ky:
        candidates = [vb.so_dang_ky]
    else:
        wanted = "mat" if vb.mat else None
        regs = [r for r in service.danh_sach_so_dang_ky(db) if r.co_quan_viet_tat == vb.co_quan and r.active]
        if wanted:
            regs = [r for r in regs if r.loai_series == wanted]
        else:
            series = vb.ma_loai or "CV"
            regs = [r for r in regs if r.loai_series == series] or [r for r in regs if r.loai_series == "chung"]
        candidates = [r.ma for r in regs[:1]]
    if not candidates:
        return 1
    try:
        rows = service.danh_sach(db, ngay.year, so_dang_ky=candidates[0])
    except CongvanError:
        return 1
    return max((r.so for r in rows), default=0) + 1


@dataclass
class KetQua:
    xong: bool
    so: int
    so_ky_hieu: str
    so_tam: int


def record_for_issue(h: drafts.HoSo, ngay: date) -> VanBanChung:
    data = dict(h.du_lieu)
    data["ngay_ban_hanh"] = ngay.isoformat()
    data.pop("so", None)
    record, problems = drafts.validate(data)
    if record is None:
        raise CongvanError(["hồ sơ còn lỗi, chưa ban hành được:", *problems])
    return record


def ban_hanh(db: str, h: drafts.HoSo, *, so_da_thay: int, ngay: date, nguoi: str, base_dir: Path) -> KetQua:
    """Reserve (or find) this draft's number; issue and freeze when it is the one shown."""
    if h.trang_thai != "da_duyet":
        raise CongvanError(f"hồ sơ đang ở trạng thái '{h.ten_trang_thai}'; chỉ ban hành hồ sơ đã được lãnh đạo duyệt")
    record = record_for_issue(h, ngay)
    vb = _register_args(record, ngay, khoa(h.id))
    reserved = service.giu_so(db, vb, nguoi=nguoi)
    if reserved.so != so_da_thay:
        return KetQua(False, reserved.so, reserved.so_ky_hieu, so_da_thay)
    issued = service.cap_so(db, vb, nguoi=nguoi)
    if issued.ky_hieu != vb.ky_hieu:  # never print a number the register does not hold
        raise CongvanError(f"sổ đăng ký giữ số {issued.so_ky_hieu} nhưng văn bản sẽ in ký hiệu {vb.ky_hieu}")
    _freeze(db, h, record, issued, ngay, nguoi, base_dir)
    return KetQua(True, issued.so, issued.so_ky_hieu, so_da_thay)


def _freeze(
    db: str, h: drafts.HoSo, record: VanBanChung, issued: service.CapSo, ngay: date, nguoi: str, base_dir: Path
) -> None:
    docx = preview.render_docx(record, so=issued.so, base_dir=base_dir)
    data = dict(h.du_lieu)
    data["ngay_ban_hanh"] = ngay.isoformat()
    data["so"] = issued.so
    with store.writing(db) as tx:
        state = tx.scalar("SELECT trang_thai FROM web_ho_so WHERE id = :i", {"i": h.id})
        if state != "da_duyet":
            raise CongvanError("hồ sơ vừa được người khác ban hành hoặc đổi trạng thái")
        version = drafts._add_version(tx, h.id, data, drafts.to_yaml(data), [], nguoi)
        store.update(
            tx,
            "web_ho_so",
            {"id": h.id},
            {
                "trang_thai": "da_ban_hanh",
                "du_lieu": json.dumps(data, ensure_ascii=False),
                "yaml_goc": None,
                "so_ky_hieu": issued.so_ky_hieu,
                "phien_ban_ban_hanh": version,
                "docx": docx,
                "pdf": None,
                "nam": ngay.year,
                "sua_luc": store.now(),
            },
        )
        store.ghi_nhat_ky(tx, nguoi, "ban_hanh", id=h.id, so_ky_hieu=issued.so_ky_hieu, phien_ban=version)


def tom_tat(record: VanBanChung) -> list[tuple[str, str]]:
    """What the reviewer checks before signing, as label/value pairs."""
    profile = load_profile(record.quy_tac)
    return [
        ("Loại văn bản", forms.kind_label(record.loai)),
        ("Tên loại", ten_loai_cua(record, profile)),
        ("Cơ quan ban hành", "; ".join(cq.ten for cq in record.co_quan_ban_hanh)),
        ("Trích yếu", plain_text(record.trich_yeu)),
        *_own_fields(record),
        ("Địa danh", record.dia_danh),
        ("Người ký", "; ".join(_signer(ck) for ck in record.chu_ky)),
        ("Nơi nhận", "; ".join(record.noi_nhan_phang)),
        ("Văn bản mật", "Có" if record.mat else "Không"),
    ]


def _own_fields(record: VanBanChung) -> list[tuple[str, str]]:
    """The kind's own short fields (a Giấy mời's invitee, time, place…), labelled as in the form."""
    props = forms.schema_of(record.loai).get("properties", {})
    out = []
    for name in type(record).model_fields:
        if name in VanBanChung.model_fields or name not in props:
            continue
        value = getattr(record, name)
        if isinstance(value, date):
            value = value.strftime("%d/%m/%Y")
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            out.append((forms.words(name, props[name])[0], str(value)))
    return out


def _signer(ck: ChuKy) -> str:
    """'TM. BAN THƯỜNG VỤ, PHÓ CHỦ TỊCH, Nguyễn Thị Mai': authority line, title, name."""
    authority = " ".join(x for x in (ck.quyen_han and ck.quyen_han + ".", ck.thay) if x)
    return ", ".join(x for x in (authority, ck.chuc_vu, ck.ho_ten) if x)
