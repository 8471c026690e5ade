"""Record models: the fields of a văn bản, named with the official Vietnamese terms.

Pydantic checks shape and types here (unknown fields are refused, so a typo is never
silently ignored); the NĐ30 rules that need a rule profile live in ``rules.py``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from congvan.vi.ngay import parse_ngay

LOAI_NUT = ("phan", "chuong", "muc", "dieu", "khoan", "diem", "gach", "cong", "doan")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class CoQuan(_Model):
    """An issuing body (ô 2): its name, optional parent body, symbol abbreviation."""

    ten: str = Field(min_length=1)
    viet_tat: str = Field(min_length=1)
    co_quan_chu_quan: str | None = None


class ChuKy(_Model):
    """A signature block (ô 7): ``<quyen_han> <thay>`` / co_quan / chuc_vu / ho_ten.

    ``thay`` is what follows the authority prefix: the collective body for TM.
    ("BAN THƯỜNG VỤ"), the head's title for KT./TL./TUQ. ("CHỦ TỊCH"), the acted
    title for Q. ("GIÁM ĐỐC"). Without a prefix it is the first line as written.
    ``thay_mat`` adds a "TM. <tập thể>" line above, for the NĐ30 form
    "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH".
    """

    thay_mat: str | None = None
    quyen_han: Literal["TM", "KT", "TL", "TUQ", "Q"] | None = None
    thay: str | None = None
    co_quan: str | None = None
    chuc_vu: str | None = None
    ho_ten: str = Field(min_length=1)
    anh_chu_ky: Path | None = None
    anh_dau: Path | None = None

    @field_validator("quyen_han", mode="before")
    @classmethod
    def _bo_dau_cham(cls, value: Any) -> Any:
        """Accept "TM." / "kt." as written on paper."""
        if isinstance(value, str):
            return value.strip().rstrip(".").upper() or None
        return value


class Nut(_Model):
    """One node of the body tree. Exactly one of the level keys carries its text.

    Plans: phan (I.) > khoan (1.) > diem (a)) > gach (-) > cong (+).
    Decisions: chuong (Chương I) > muc (Mục 1) > dieu (Điều 1.) > khoan > diem.
    ``so`` overrides the automatic label (e.g. "1.1."); ``tieu_de`` says whether a
    khoan's text is a title (bold, children below) or content.
    """

    phan: str | None = None
    chuong: str | None = None
    muc: str | None = None
    dieu: str | None = None
    khoan: str | None = None
    diem: str | None = None
    gach: str | None = None
    cong: str | None = None
    doan: str | None = None
    so: str | None = None
    tieu_de: bool | None = None
    noi_dung: list[Nut | str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _mot_cap(self) -> Nut:
        given = [k for k in LOAI_NUT if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "mỗi mục của nội dung cần đúng một trong các khóa: "
                + ", ".join(LOAI_NUT)
                + (f" (đang có: {', '.join(given)})" if given else "")
            )
        return self

    @property
    def cap(self) -> str:
        return next(k for k in LOAI_NUT if getattr(self, k) is not None)

    @property
    def van_ban(self) -> str:
        return getattr(self, self.cap)


NoiDung = list[Nut | str]


class NhomNoiNhan(_Model):
    """Recipients that share a note such as "(để b/c)" or "(thực hiện)"."""

    nhom: list[str] = Field(min_length=1)
    ghi_chu: str | None = None


class Bang(_Model):
    """A table for an appendix (e.g. the list attached to a Quyết định)."""

    cot: list[str] = Field(min_length=1)
    hang: list[list[str | int | float | None]] = Field(default_factory=list)
    do_rong: list[float] | None = None
    so_thu_tu: bool = True

    @model_validator(mode="after")
    def _du_cot(self) -> Bang:
        for i, row in enumerate(self.hang, start=1):
            if len(row) != len(self.cot):
                raise ValueError(f"hàng {i} có {len(row)} ô, bảng có {len(self.cot)} cột")
        if self.do_rong is not None and len(self.do_rong) != len(self.cot) + int(self.so_thu_tu):
            raise ValueError("do_rong cần một số cho mỗi cột (kể cả cột STT)")
        return self


class PhuLuc(_Model):
    """An appendix: its own section, page numbers restarting at 1."""

    tieu_de: str = Field(min_length=1)
    kem_theo: str | None = None
    noi_dung: NoiDung = Field(default_factory=list)
    bang: Bang | None = None


def _ngay(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    return parse_ngay(str(value))


class VanBanChung(_Model):
    """What every document shares (ô 1-9 of NĐ30 Phụ lục I)."""

    loai: str
    quy_tac: str = "nd30"
    co_quan_ban_hanh: list[CoQuan] = Field(min_length=1, max_length=7)
    tieu_de_co_quan: list[str] | None = None
    so: int | None = Field(default=None, ge=1)
    ky_hieu: str | None = None
    ma_loai: str | None = None
    so_dang_ky: str | None = None
    mat: bool = False
    dia_danh: str = Field(min_length=1)
    ngay_ban_hanh: date | None = None
    ten_loai: str | None = None
    trich_yeu: str = Field(min_length=1)
    can_cu: list[str] = Field(default_factory=list)
    noi_dung: NoiDung = Field(min_length=1)
    ket_thuc: bool = True
    chu_ky: list[ChuKy] = Field(min_length=1, max_length=7)
    noi_nhan: list[str | NhomNoiNhan] = Field(min_length=1)
    phu_luc: list[PhuLuc] = Field(default_factory=list)
    chua_xep: list[str] = Field(
        default_factory=list,
        description="Đoạn nhập từ tệp Word (congvan nhap) chưa xếp được vào phần nào; không được in, cần xếp lại",
    )

    @field_validator("co_quan_ban_hanh", mode="before")
    @classmethod
    def _mot_hay_nhieu(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict) else value

    @field_validator("so", mode="before")
    @classmethod
    def _so_thap_phan(cls, value: Any) -> Any:
        """``so: true`` is not number 1: a number is a decimal integer (or its digits as text)."""
        if isinstance(value, bool):
            raise ValueError("số văn bản phải là số nguyên (ví dụ 7), không phải true/false")
        return value

    @field_validator("ngay_ban_hanh", mode="before")
    @classmethod
    def _doc_ngay(cls, value: Any) -> Any:
        return _ngay(value)

    @field_validator("ky_hieu", mode="before")
    @classmethod
    def _ky_hieu_khong_so(cls, value: Any) -> Any:
        """Accept "05/KH-LĐLĐ" pasted whole: keep the symbol, the number is ``so``."""
        if isinstance(value, str) and "/" in value and value.split("/", 1)[0].strip().isdigit():
            return value.split("/", 1)[1]
        return value

    @property
    def lien_tich(self) -> bool:
        """A joint document: several issuing bodies."""
        return len(self.co_quan_ban_hanh) > 1

    @property
    def noi_nhan_phang(self) -> list[str]:
        out: list[str] = []
        for item in self.noi_nhan:
            out.extend(item.nhom if isinstance(item, NhomNoiNhan) else [item])
        return out


class KeHoach(VanBanChung):
    """Kế hoạch (one body) or Kế hoạch liên tịch/phối hợp (several)."""

    loai: Literal["ke_hoach"]


class ChuongTrinhPhoiHop(VanBanChung):
    """Chương trình phối hợp, signed by 2 to 7 bodies."""

    loai: Literal["chuong_trinh_phoi_hop"]
    co_quan_ban_hanh: list[CoQuan] = Field(min_length=2, max_length=7)


class QuyetDinh(VanBanChung):
    """Quyết định: authority line, căn cứ, "Theo đề nghị của ...", Điều 1..n."""

    loai: Literal["quyet_dinh"]
    tham_quyen: str = Field(min_length=1)
    theo_de_nghi: str | None = None


class CongVan(VanBanChung):
    """Công văn: "V/v ..." under the number, "Kính gửi:", no type name."""

    loai: Literal["cong_van"]
    kinh_gui: list[str] = Field(min_length=1)
    don_vi_soan_thao: str | None = None

    @field_validator("trich_yeu", mode="before")
    @classmethod
    def _bo_vv(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower().startswith("v/v"):
            return value.strip()[3:].strip()
        return value


class VanBanKhac(VanBanChung):
    """Any other named type (Báo cáo, Thông báo, Hướng dẫn...): give ten_loai, ma_loai."""

    loai: Literal["van_ban"]
    ten_loai: str = Field(min_length=1)
    ma_loai: str = Field(min_length=1)


VanBan = Annotated[
    KeHoach | ChuongTrinhPhoiHop | QuyetDinh | CongVan | VanBanKhac,
    Field(discriminator="loai"),
]
LOAI_VAN_BAN = ("ke_hoach", "chuong_trinh_phoi_hop", "quyet_dinh", "cong_van", "van_ban")
