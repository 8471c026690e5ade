"""Batch settings: what is the same on every certificate of one round ("đợt").

A small YAML file (records/batch/dot_2026.yaml) holds the issuing body, the
signer, the decision number and date, the title awarded and the year. Every
template variable that is not a spreadsheet column comes from here.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from congvan.errors import CongvanError, Problem, display_path
from congvan.vi.chu import viet_hoa
from congvan.vi.ky_tu import loi_ky_tu
from congvan.vi.ngay import O_TRONG, dong_dia_danh_ngay, ngay_thang_nam, parse_ngay
from congvan.vi.so_ky_hieu import so_va_ky_hieu

# Agency names that NĐ30 headers break after their first words.
_SPLIT_AFTER = ("Ủy ban nhân dân", "Hội Khuyến học", "Liên đoàn Lao động", "Hội đồng nhân dân")


def _xml_safe(value: Any) -> Any:
    """The one rule for characters XML cannot hold (congvan.vi.ky_tu): refused, with the field."""
    for text in value if isinstance(value, list) else [value]:
        why = loi_ky_tu(text) if isinstance(text, str) else None
        if why:
            raise ValueError(why)
    return value


class CotDanhSach(BaseModel):
    """One column of the decision's list: which row field, its heading, its relative width."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    truong: str = Field(min_length=1, description="Tên trường của dòng (ví dụ: ten, dia_chi, ghi_chu, nam_sinh)")
    tieu_de: str | None = Field(default=None, description="Tiêu đề cột trong danh sách (mặc định theo trường)")
    do_rong: float = Field(default=1.0, gt=0, le=10, description="Độ rộng tương đối của cột")

    _xml_safe = field_validator("*", mode="after")(_xml_safe)


DEFAULT_COLUMNS = (
    CotDanhSach(truong="ten", do_rong=1.5),
    CotDanhSach(truong="dia_chi", tieu_de="Địa chỉ", do_rong=1.9),
    CotDanhSach(truong="ghi_chu", tieu_de="Ghi chú", do_rong=1.1),
)


class DotConfig(BaseModel):
    """One round of recognition: the issuing body, signer and decision."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    co_quan: str = Field(min_length=1, description="Cơ quan ban hành, ví dụ: Ủy ban nhân dân xã An Bình")
    co_quan_chu_quan: str | None = Field(
        default=None, description="Cơ quan chủ quản in trên tên cơ quan (ô 2), ví dụ: Hội Khuyến học tỉnh Ninh Bình"
    )
    viet_tat: str | None = Field(
        default=None, description="Chữ viết tắt tên cơ quan (mặc định lấy sau dấu '-' của ký hiệu)"
    )
    trich_yeu: str | None = Field(default=None, description="Trích yếu quyết định (mặc định: Về việc công nhận ...)")
    dieu_1: str | None = Field(
        default=None,
        description="Nội dung Điều 1; {so_luong}, {doi_tuong}, {danh_hieu}, {nam} được thay bằng giá trị của đợt",
    )
    dieu_2: str = Field(
        default="Quyết định này có hiệu lực kể từ ngày ký.",
        description="Nội dung Điều 2, ví dụ khen thưởng: Tặng mỗi gia đình Giấy công nhận và phần thưởng ...",
    )
    dieu_them: list[str] = Field(
        default_factory=list, description="Các điều thêm, đặt sau Điều 2 và trước điều thi hành"
    )
    tieu_de_danh_sach: str | None = Field(default=None, description="Tên danh sách kèm theo quyết định")
    cot_danh_sach: list[CotDanhSach] = Field(
        default_factory=lambda: list(DEFAULT_COLUMNS),
        min_length=1,
        max_length=8,
        description="Các cột của danh sách kèm theo (sau cột STT)",
    )
    co_quan_dong: list[str] | None = None  # header lines, when the split guess is wrong
    nguoi_cong_nhan: str | None = None  # "Chủ tịch Ủy ban nhân dân xã An Bình"
    dia_danh: str = Field(min_length=1)
    nam: int = Field(ge=2000, le=2100)
    danh_hieu: str = "Gia đình học tập"
    so_quyet_dinh: int | None = Field(default=None, ge=1)
    ky_hieu: str = "QĐ-UBND"
    ngay_ky: date | None = None
    quyen_han: str = ""  # "KT. CHỦ TỊCH"
    chuc_vu_ky: str = "Chủ tịch"
    nguoi_ky: str = ""
    kinh_gui: str | None = None
    can_cu: list[str] = Field(default_factory=list)
    de_nghi: str = ""
    thi_hanh: str = ""
    noi_nhan: list[str] = Field(default_factory=list, description="Nơi nhận (mặc định: Như Điều <cuối>; Lưu: VT)")

    _xml_safe = field_validator("*", mode="after")(_xml_safe)

    @field_validator("cot_danh_sach", mode="before")
    @classmethod
    def _columns(cls, value: Any) -> Any:
        """A bare field name is a column with the default heading and width."""
        if isinstance(value, list):
            return [{"truong": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("ngay_ky", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return None if value in (None, "") else parse_ngay(value)

    def header_lines(self) -> list[str]:
        if self.co_quan_dong:
            lines = [viet_hoa(x) for x in self.co_quan_dong[:2]]
            return lines + [""] * (2 - len(lines))
        for prefix in _SPLIT_AFTER:
            if self.co_quan.lower().startswith(prefix.lower()) and len(self.co_quan) > len(prefix):
                return [viet_hoa(prefix), viet_hoa(self.co_quan[len(prefix) :].strip())]
        return [viet_hoa(self.co_quan), ""]

    def context(self, kind_word: str, name_header: str) -> dict[str, Any]:
        """Template variables shared by every row of the round."""
        line1, line2 = self.header_lines()
        decision_date = ngay_thang_nam(self.ngay_ky) if self.ngay_ky else f"ngày {O_TRONG}"
        return {
            "co_quan": self.co_quan,
            "co_quan_chu_quan": viet_hoa(self.co_quan_chu_quan or ""),
            "co_quan_dong_1": line1,
            "co_quan_dong_2": line2,
            "nguoi_cong_nhan": self.nguoi_cong_nhan or f"Chủ tịch {self.co_quan}",
            "dia_danh": self.dia_danh,
            "dong_dia_danh_ngay": dong_dia_danh_ngay(self.dia_danh, self.ngay_ky),
            "dong_ngay_trong": f"{self.dia_danh}, ngày …… tháng …… năm {self.nam}",
            "nam": self.nam,
            "danh_hieu": self.danh_hieu,
            "so_ky_hieu": so_va_ky_hieu(self.so_quyet_dinh, self.ky_hieu),
            "ngay_quyet_dinh": decision_date,
            "quyen_han": self.quyen_han,
            "chuc_vu_ky": self.chuc_vu_ky,
            "nguoi_ky": self.nguoi_ky,
            "kinh_gui": self.kinh_gui or self.co_quan,
            "can_cu": self.can_cu,
            "de_nghi": self.de_nghi,
            "thi_hanh": self.thi_hanh or f"Các {kind_word} có tên tại Điều 1",
            "noi_nhan": self.noi_nhan,
            "doi_tuong": kind_word,
            "cot_ten": name_header,
        }


DOT_NAMES = frozenset(DotConfig(co_quan="x", dia_danh="x", nam=2026).context("x", "x")) | {
    "so_luong",
    "danh_sach",
    "stt",
    "so_vao_so",
    "ten",
    "loi_cong_nhan",
    "ong_ba",
}


def load_dot(path: str | Path) -> DotConfig:
    """Read the round's YAML (the records' loader: duplicate keys refused, lines kept)."""
    from congvan.records.yaml_source import dotted_path, load_yaml_file

    name = display_path(path)
    data, lines = load_yaml_file(path)
    if not isinstance(data, dict):
        raise CongvanError(Problem("tệp thông tin đợt phải là các cặp 'khóa: giá trị'", file=name))
    try:
        return DotConfig.model_validate(data)
    except ValidationError as exc:
        raise CongvanError(
            [
                Problem(
                    _dot_message(err),
                    file=name,
                    field=dotted_path(err["loc"]) or None,
                    line=lines.line_for(err["loc"]),
                )
                for err in exc.errors()
            ]
        ) from None


def _dot_message(err: Any) -> str:
    from congvan.batch.rows import vietnamese_message

    message = vietnamese_message(err)
    if err["type"] == "string_type" and isinstance(err.get("input"), dict):
        message += " (dòng có dấu ':' cần đặt trong nháy kép, ví dụ \"Lưu: VT.\")"
    return message
