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
from congvan.records.yaml_source import load_yaml_file
from congvan.vi.chu import viet_hoa
from congvan.vi.ngay import O_TRONG, dong_dia_danh_ngay, ngay_thang_nam, parse_ngay
from congvan.vi.so_ky_hieu import so_va_ky_hieu

# Agency names that NĐ30 headers break after their first words.
_SPLIT_AFTER = ("Ủy ban nhân dân", "Hội Khuyến học", "Liên đoàn Lao động", "Hội đồng nhân dân")


class DotConfig(BaseModel):
    """One round of recognition: the issuing body, signer and decision."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    co_quan: str = Field(min_length=1, description="Ủy ban nhân dân xã An Bình")
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
    noi_nhan: list[str] = Field(default_factory=lambda: ["Như Điều 3;", "Lưu: VT."])

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
    """Read the round's YAML; errors name the file and the field, in Vietnamese."""
    name = display_path(path)
    if not Path(path).is_file():
        raise CongvanError(Problem("không tìm thấy tệp thông tin đợt", file=name))
    data, _lines = load_yaml_file(path)  # duplicate keys, limits, control characters: located errors
    if not isinstance(data, dict):
        raise CongvanError(Problem("tệp thông tin đợt phải là các cặp 'khóa: giá trị'", file=name))
    try:
        return DotConfig.model_validate(data)
    except ValidationError as exc:
        raise CongvanError(
            [
                Problem(_dot_message(err), file=name, field=".".join(str(x) for x in err["loc"]) or None)
                for err in exc.errors()
            ]
        ) from None


def _dot_message(err: Any) -> str:
    from congvan.batch.rows import vietnamese_message

    message = vietnamese_message(err)
    if err["type"] == "string_type" and isinstance(err.get("input"), dict):
        message += " (dòng có dấu ':' cần đặt trong nháy kép, ví dụ \"Lưu: VT.\")"
    return message
