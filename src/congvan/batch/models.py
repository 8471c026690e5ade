"""Row models (one spreadsheet row) and the batch settings (one "đợt" YAML).

Each row model lists, per field, the header names secretaries commonly type, so
most spreadsheets map without any ``--cot`` option. Validation messages are
Vietnamese; :mod:`congvan.batch.rows` turns pydantic errors into row/column
reports.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, get_args

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from congvan.vi.chu import bo_dau, nfc

MAX_NAME = 150


_SPACE = re.compile(r"\s")
_DOTTED = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?")
_COMMAED = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_PHONE_PUNCT = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"\+?\d{8,12}")
_MESSY_SPACE = re.compile(r"\s\s|[\t\n\r\f\v\u00a0\u2000-\u200b\u3000]|^\s|\s$")


def _clean_text(value: str) -> str | None:
    """Trim, NFC-normalise and collapse inner whitespace; empty cells become None."""
    if not unicodedata.is_normalized("NFC", value):
        value = nfc(value)
    if _MESSY_SPACE.search(value):
        value = " ".join(value.split())
    return value or None


def parse_amount(value: Any) -> Decimal | None:
    """``1.500.000``, ``1 500 000``, ``1500000`` or a numeric cell; ``,`` is the decimal mark."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = _SPACE.sub("", str(value)).removesuffix("đồng").removesuffix("đ")
    if not text:
        return None
    if _DOTTED.fullmatch(text):  # 1.500.000,5
        text = text.replace(".", "").replace(",", ".")
    elif _COMMAED.fullmatch(text):  # 1,500,000.5
        text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError("số tiền không hợp lệ (ví dụ đúng: 1.500.000)") from None


class RowModel(BaseModel):
    """Base of all row models: text cells are cleaned, unknown columns ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    #: field -> header names accepted without a mapping (compared without accents)
    HEADERS: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: the field used as the display name (file names, the decision's list)
    NAME_FIELD: ClassVar[str] = "ten"
    #: what the row is, in words ("gia đình", "đơn vị")
    KIND_WORD: ClassVar[str] = "đối tượng"
    NAME_HEADER: ClassVar[str] = "Họ và tên"

    stt: int | None = Field(default=None, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        """One pass over the row (cheaper than a validator per field).

        A number typed into a text column (a phone number Excel stored as a
        number) is taken as its text; a 9-digit phone number got there by Excel
        dropping its leading 0, which is put back.
        """
        if not isinstance(data, dict):
            return data
        text_fields = _text_fields(cls)
        out = {}
        for key, value in data.items():
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if isinstance(value, str):
                value = _clean_text(value)
            elif key in text_fields and isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
                if key in PHONE_FIELDS and value.isdigit() and len(value) == 9:
                    value = "0" + value
            if value is not None:
                out[key] = value
        return out

    @property
    def ten(self) -> str:
        return str(getattr(self, self.NAME_FIELD))

    def context(self) -> dict[str, Any]:
        """Fields as template variables, plus the display name ``ten``."""
        data = self.model_dump()
        data["ten"] = self.ten
        return data


PHONE_FIELDS = frozenset({"dien_thoai"})
_TEXT_FIELDS: dict[type, frozenset[str]] = {}


def _text_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields typed ``str`` (or ``str | None``), computed once per model."""
    found = _TEXT_FIELDS.get(model)
    if found is None:
        found = frozenset(
            name
            for name, info in model.model_fields.items()
            if info.annotation is str or str in get_args(info.annotation)
        )
        _TEXT_FIELDS[model] = found
    return found


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    digits = _PHONE_PUNCT.sub("", value)
    if not _PHONE.fullmatch(digits):
        raise ValueError("số điện thoại không hợp lệ (8-12 chữ số)")
    return value


class GiaDinh(RowModel):
    """A family (hộ gia đình) registered for "Gia đình học tập"."""

    HEADERS: ClassVar[dict[str, tuple[str, ...]]] = {
        "stt": ("stt", "số thứ tự", "tt"),
        "ho_ten": ("họ và tên chủ hộ", "họ tên chủ hộ", "chủ hộ", "họ và tên", "họ tên"),
        "gioi_tinh": ("giới tính", "nam/nữ"),
        "nam_sinh": ("năm sinh",),
        "dia_chi": ("địa chỉ", "thôn, xóm", "nơi ở"),
        "so_thanh_vien": ("số thành viên", "số nhân khẩu", "số người"),
        "dien_thoai": ("số điện thoại", "điện thoại", "sđt"),
        "dong_gop": ("đóng góp quỹ khuyến học", "đóng góp", "số tiền"),
        "ghi_chu": ("ghi chú",),
    }
    NAME_FIELD: ClassVar[str] = "ho_ten"
    KIND_WORD: ClassVar[str] = "gia đình"
    NAME_HEADER: ClassVar[str] = "Họ và tên chủ hộ"

    ho_ten: str = Field(max_length=MAX_NAME)
    gioi_tinh: str | None = None
    nam_sinh: int | None = Field(default=None, ge=1900, le=date.today().year)
    dia_chi: str = Field(max_length=300)
    so_thanh_vien: int | None = Field(default=None, ge=1, le=50)
    dien_thoai: str | None = None
    dong_gop: Decimal | None = Field(default=None, ge=0)
    ghi_chu: str | None = Field(default=None, max_length=300)

    _phone = field_validator("dien_thoai")(_phone)

    @field_validator("gioi_tinh")
    @classmethod
    def _gender(cls, value: str | None) -> str | None:
        if value is None:
            return None
        key = bo_dau(value).lower()
        if key in ("nam", "m", "male"):
            return "Nam"
        if key in ("nu", "f", "female"):
            return "Nữ"
        raise ValueError("giới tính phải là Nam hoặc Nữ")

    @field_validator("dong_gop", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal | None:
        return parse_amount(value)

    def context(self) -> dict[str, Any]:
        data = super().context()
        data["ong_ba"] = {"Nam": "ông", "Nữ": "bà"}.get(self.gioi_tinh or "", "ông/bà")
        data["loi_cong_nhan"] = f"Công nhận gia đình {data['ong_ba']}"
        return data


class DonVi(RowModel):
    """A unit (cơ quan, trường, doanh nghiệp, thôn...) registered for "Đơn vị học tập"."""

    HEADERS: ClassVar[dict[str, tuple[str, ...]]] = {
        "stt": ("stt", "số thứ tự", "tt"),
        "ten_don_vi": ("tên đơn vị", "đơn vị", "tên cơ quan", "cơ quan"),
        "dia_chi": ("địa chỉ",),
        "nguoi_dung_dau": ("người đứng đầu", "thủ trưởng", "thủ trưởng đơn vị"),
        "so_thanh_vien": ("số cán bộ", "số thành viên", "số người"),
        "dien_thoai": ("số điện thoại", "điện thoại", "sđt"),
        "dong_gop": ("đóng góp quỹ khuyến học", "đóng góp", "số tiền"),
        "ghi_chu": ("ghi chú",),
    }
    NAME_FIELD: ClassVar[str] = "ten_don_vi"
    KIND_WORD: ClassVar[str] = "đơn vị"
    NAME_HEADER: ClassVar[str] = "Tên đơn vị"

    ten_don_vi: str = Field(max_length=MAX_NAME)
    dia_chi: str = Field(max_length=300)
    nguoi_dung_dau: str | None = Field(default=None, max_length=MAX_NAME)
    so_thanh_vien: int | None = Field(default=None, ge=1, le=100_000)
    dien_thoai: str | None = None
    dong_gop: Decimal | None = Field(default=None, ge=0)
    ghi_chu: str | None = Field(default=None, max_length=300)

    _phone = field_validator("dien_thoai")(_phone)

    @field_validator("dong_gop", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal | None:
        return parse_amount(value)

    def context(self) -> dict[str, Any]:
        data = super().context()
        data["loi_cong_nhan"] = "Công nhận"
        return data


ROW_MODELS: dict[str, type[RowModel]] = {"gia-dinh": GiaDinh, "don-vi": DonVi}


def slug(header: str) -> str:
    """A header as a template variable name: ``Họ và tên`` -> ``ho_va_ten``."""
    text = bo_dau(nfc(header)).lower().replace("đ", "d")
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if not text or text[0].isdigit():
        text = f"cot_{text}"
    return text


def generic_model(headers: list[str], name_field: str | None = None) -> type[RowModel]:
    """A row model for a user template: every column an optional text field."""
    fields: dict[str, Any] = {}
    for header in headers:
        key = slug(header)
        if key == "stt":
            continue
        fields[key] = (str | None, None)
    model = create_model("DongTuDo", __base__=RowModel, **fields)  # type: ignore[call-overload]
    model.HEADERS = {slug(h): (h,) for h in headers}
    first_text = next((k for k in fields), "stt")
    model.NAME_FIELD = name_field or next(
        (k for k in fields if k in ("ho_ten", "ho_va_ten", "ten", "ten_don_vi")), first_text
    )
    return model
