"""Issuing: join records to the register (``congvan render --cap-so``).

A record without a number takes one from its lead body's register at render time.
The register row is keyed by the record file's resolved path, so rendering the
same record again shows the same number and takes no new one — as long as it is
still the same document: the row keeps the register, year and symbol the number
was taken for, and a record re-dated into another year, or whose type or bodies
changed, is refused with what changed and what to do (the service checks).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from congvan.errors import CongvanError, Problem, display_path
from congvan.profiles import load_profile
from congvan.records.models import CongVan, VanBanChung
from congvan.records.rules import ma_loai
from congvan.render.context import ky_hieu_cua, ten_loai_cua
from congvan.render.richtext import plain_text

if TYPE_CHECKING:
    from congvan.register.service import VanBanDangKy


def record_key(path: Path) -> str:
    """The register key of a record: its resolved file path."""
    return f"hoso:{path.resolve()}"


def van_ban_dang_ky(record: VanBanChung, ngay: date, key: str | None) -> VanBanDangKy:
    """The register row fields of a record, in its rule set's number form (CLI and web share it)."""
    from congvan.register.service import VanBanDangKy

    profile = load_profile(record.quy_tac)
    bodies = [cq.viet_tat for cq in record.co_quan_ban_hanh]
    return VanBanDangKy(
        so_dang_ky=record.so_dang_ky,
        co_quan=bodies[0],
        ma_loai=ma_loai(record, profile),
        ngay=ngay,
        trich_yeu=plain_text(record.trich_yeu).replace("\n", " "),
        ten_loai=ten_loai_cua(record, profile),
        nguoi_ky=", ".join(ck.ho_ten for ck in record.chu_ky),
        noi_nhan="; ".join(record.noi_nhan_phang),
        co_quan_phoi_hop=tuple(bodies[1:]),
        don_vi=record.don_vi_soan_thao if isinstance(record, CongVan) else None,
        khoa=key,
        mat=record.mat,
        ky_hieu=ky_hieu_cua(record, profile),
        noi_so=profile.so_ky_hieu.noi_so,
        noi_loai=profile.so_ky_hieu.noi_loai,
        hai_chu_so=profile.so_ky_hieu.hai_chu_so,
        chu_ky=profile.so_ky_hieu.chu_ky,
        theo_loai=profile.so_ky_hieu.theo_loai,
    )


def take_number(path: Path, record: VanBanChung, db: str | None) -> int:
    """The record's number from the register (idempotent per record file)."""
    from congvan.register.service import cap_so

    where = display_path(path)
    if record.ngay_ban_hanh is None:
        raise CongvanError(
            Problem(
                "cần ngày ban hành để lấy số (số đánh theo năm hoặc nhiệm kỳ chứa ngày văn bản)",
                file=where,
                field="ngay_ban_hanh",
            )
        )
    vb = van_ban_dang_ky(record, record.ngay_ban_hanh, record_key(path))
    printed = vb.ky_hieu
    try:
        allocation = cap_so(db, vb)
    except CongvanError as err:
        raise CongvanError([Problem(p.message, file=where, field=p.field) for p in err.problems]) from None
    if allocation.ky_hieu != printed:  # never print a number the register does not hold
        raise CongvanError(
            Problem(
                f"sổ đăng ký giữ số {allocation.so_ky_hieu} nhưng văn bản sẽ in ký hiệu {printed}; "
                "không in số này",
                file=where,
            )
        )
    return allocation.so


def numbers_for_records(records: list[tuple[Path, VanBanChung]], db: str | None) -> dict[Path, int]:
    """Numbers for the records that have none; records with a number keep it."""
    return {path: take_number(path, record, db) for path, record in records if record.so is None}
