"""Rule profiles: one declarative TOML file per rule set, validated on load.

Renderers and validators read sizes, margins, prefixes and type codes from a
:class:`RuleProfile`; a new rule set (e.g. the Party's HD 36-HD/VPTW) is a new
``<name>.toml`` beside ``nd30.toml``, not new branches in code.

A validated profile is cached across processes (:mod:`congvan.disk_cache`), keyed by
every bundled TOML file, this module's source and pydantic's version: a ``congvan
render`` reads all the profiles (to recognise a body's rule set) and would otherwise
parse every TOML file and build the profile validator on each run.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from congvan import disk_cache
from congvan.errors import CongvanError, Problem


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Trang(_Strict):
    rong_mm: float
    cao_mm: float
    le_tren_mm: float
    le_duoi_mm: float
    le_trai_mm: float
    le_phai_mm: float
    dau_trang_mm: float
    so_trang_tu_trang_2: bool

    @property
    def rong_chu_mm(self) -> float:
        """Width of the text area."""
        return self.rong_mm - self.le_trai_mm - self.le_phai_mm


class PhongChu(_Strict):
    ten: str
    mau: str
    ngon_ngu: str


class CoChu(_Strict):
    quoc_hieu: float
    tieu_ngu: float
    co_quan_chu_quan: float
    co_quan: float
    so_ky_hieu: float
    dia_danh_ngay: float
    ten_loai: float
    trich_yeu: float
    trich_yeu_cong_van: float
    tham_quyen: float
    than: float
    kinh_gui: float
    chu_ky: float
    noi_nhan_nhan: float
    noi_nhan: float
    so_trang: float
    phu_luc_nhan: float
    phu_luc_ten: float
    phu_luc_kem_theo: float
    bang: float
    hinh_thuc_sao: float
    xac_nhan: float


class DoanVan(_Strict):
    thut_dau_dong_cm: float
    cach_truoc_pt: float
    cach_sau_pt: float
    gian_dong: float


class BangHaiCot(_Strict):
    cot_trai_mm: float
    cot_phai_mm: float
    lui_trai_mm: float = 0
    dong_trong_chu_ky: int = 4
    rong_anh_chu_ky_mm: float = 40
    rong_anh_dau_mm: float = 36


class NgatDong(_Strict):
    """Line breaking of header names and trích yếu: where a line may not break."""

    trich_yeu_toi_da: float
    ngat_ten_co_quan: bool
    #: A "(Kèm theo …)" / "(Ban hành kèm theo …)" line uses at most this share of the text width.
    kem_theo_toi_da: float = 1.0
    khong_tach: list[str]
    dia_gioi: list[str]
    #: Words of two or more syllables a trích yếu line must not split ("kiểm tra", "xây dựng").
    tu_ghep: list[str] = Field(default_factory=list)
    #: Words a line may start with at no cost (a phrase starts there: "của", "về", "năm").
    ngat_truoc: list[str] = Field(default_factory=list)


class DuongKe(_Strict):
    tieu_ngu: float
    co_quan: float
    trich_yeu: float
    do_day_pt: float
    #: Gap between the text and the line under it (the mẫu draw the line apart, not as an underline).
    cach_chu_pt: float = 6.0


class OPhu(_Strict):
    """Phụ lục I boxes 10a-14 and the draft mark: texts, sizes, positions."""

    do_mat: list[str]
    do_khan: list[str]
    rong_khung_khan_mm: dict[str, float]
    cao_khung_mm: float
    dem_khung_mm: float
    pham_vi_luu_hanh: list[str]
    mau_dau: str
    co_chu_dau: float
    co_chu_o12: float
    mau_o12: str
    co_chu_o13: float
    o13_dia_chi: str
    o13_dien_thoai: str
    o13_fax: str
    o13_email: str
    o13_website: str
    co_chu_o14: float
    mau_thoi_gian_o14: str
    mui_gio_o14: str
    #: ô 14 of an electronic copy (Phụ lục I Phần II I.3, mẫu 3.2): {hinh_thuc}, {co_quan}, {thoi_gian}
    mau_o14_ban_sao: str = "{hinh_thuc}; {co_quan}; {thoi_gian}"
    #: the same box on a file issued on its own (Phụ lục I III.1.d, mẫu 1.3 and 2.2): {so_ky_hieu}, {thoi_gian}
    mau_o14_tep_rieng: str = "Số: {so_ky_hieu}; {thoi_gian}"
    du_thao: str
    co_chu_du_thao: float


class ChuDe(_Strict):
    quoc_hieu: str
    tieu_ngu: str  # "" when the rule set has no second title line (Party, Đoàn)
    nhan_so: str
    nhan_noi_nhan: str
    nhan_kinh_gui: str
    tien_to_vv: str
    quyet_dinh: str
    quyet_nghi: str
    ket_thuc: str
    nhu_tren: str
    # Mark under the issuing body's name instead of the short line ("*" Party, "***" Đoàn).
    dau_co_quan: str = ""
    # The last Nơi nhận item: a pattern it must match and the example the error shows.
    mau_luu: str = r"^\s*-?\s*Lưu\s*:\s*VT\b"
    vi_du_luu: str = "Lưu: VT, <đơn vị soạn thảo>"
    # Căn cứ lines (and "Theo đề nghị"): the mark before each ("- " in Party and Đoàn documents)
    # and after the last ("." NĐ30; "," where the authority and "QUYẾT ĐỊNH" continue the sentence).
    tien_to_can_cu: str = ""
    dau_cuoi_can_cu: str = "."
    # The authority line (tham_quyen) after the căn cứ, just before "QUYẾT ĐỊNH" (Party), not above them.
    tham_quyen_sau_can_cu: bool = False


class KieuChu(_Strict):
    """Looks that differ between rule sets where NĐ30 had one fixed look."""

    trich_yeu_cong_van_nghieng: bool = False  # Party: V/v line italic
    noi_nhan_nhan_dam: bool = True
    noi_nhan_nhan_nghieng: bool = True
    noi_nhan_nhan_gach_chan: bool = False  # Party: "Nơi nhận:" underlined


class SoKyHieu(_Strict):
    """Number-and-symbol grammar: NĐ30 ``Số: 05/QĐ-UBND``, Party ``Số 127-QĐ/TW``."""

    noi_so: str = "/"  # between the number and the symbol
    noi_loai: str = "-"  # between the type code and the first body
    noi_co_quan: str = "-"  # between bodies and the drafting unit
    hai_chu_so: bool = True  # numbers below 10 get a leading zero
    # How long a number series runs, for the register: "nam" (1 January – 31 December,
    # NĐ30 Điều 15) or "nhiem_ky" (a term of the committee, the Party rule).
    chu_ky: Literal["nam", "nhiem_ky"] = "nam"
    # One series per document type (the Party); False: the body chooses (NĐ30).
    theo_loai: bool = False


class QuyenHan(_Strict):
    TM: str
    KT: str
    TL: str
    TUQ: str
    Q: str
    can_chuc_vu: list[str]

    def tien_to(self, ma: str) -> str:
        return getattr(self, ma)


class DanhSo(_Strict):
    phan: str
    chuong: str
    muc: str
    dieu: str
    khoan: str
    diem: str
    gach: str
    cong: str
    viet_hoa_phan: bool
    phu_luc: str
    phu_luc_nhieu: str


class GiayCongNhan(_Strict):
    """Batch certificate page and sizes (pt), colours as RRGGBB."""

    le_tren_mm: float
    le_duoi_mm: float
    le_trai_mm: float
    le_phai_mm: float
    cot_trai: float
    tieu_de: float
    nguoi_cong_nhan: float
    loi_cong_nhan: float
    ten: float
    ten_dai: float
    ten_dai_ky_tu: int
    dia_chi: float
    danh_hieu: float
    chu_ky: float
    ghi_chu: float
    mau_tieu_de: str
    mau_ten: str
    vien: str
    mau_vien: str
    do_day_vien: int


class BanDangKy(_Strict):
    """Batch registration forms: sizes beyond the Phụ lục I ones."""

    tieu_de: float
    bang: float
    cot_chu_ky: float


class LoaiVanBan(_Strict):
    ten_loai: str
    ma: str
    mau: str
    nhan_than: str = ""  # label before the body: "QUYẾT ĐỊNH:", "QUYẾT NGHỊ:"
    co_ngay: bool = True  # False: no place/date line in the header (Biên bản)
    # The kind prints an authority line (thẩm quyền ban hành) under the title, so a record
    # of it must give tham_quyen (NĐ30 mẫu 1.1–1.3); a Party nghị quyết has none.
    can_tham_quyen: bool = False


class HinhThucSao(_Strict):
    """A copy form (Phụ lục I Phần II): its printed name and symbol code."""

    ten: str
    ma: str


class PhanTuKiemTra(_Strict):
    """How one element must look, for the checker: size range, bold/italic/upper (None = free).

    Without ``co`` the size is the profile's own layout value for the element (``co_chu.<key>``
    or ``o_phu.co_chu_<key>``), exactly: the rule is then written once, where the renderer reads it.
    """

    ten: str
    co: tuple[float, float] | None = None
    dam: bool | None = None
    nghieng: bool | None = None
    hoa: bool | None = None


class LeKiemTra(_Strict):
    tren: tuple[float, float]
    duoi: tuple[float, float]
    trai: tuple[float, float]
    phai: tuple[float, float]


class DuongKeKiemTra(_Strict):
    tieu_ngu: tuple[float, float]
    co_quan: tuple[float, float] | None = None  # None: the rule set draws no line under the body name
    trich_yeu: tuple[float, float]
    # the full-width line above a copy block, as a share of the text width (None: not checked)
    ban_sao: tuple[float, float] | None = None


class KiemTra(_Strict):
    """Ranges and element looks the DOCX checker (congvan.reading) compares with."""

    sai_so_mm: float = 0.5
    sai_so_duong_ke: float = 0.03
    nhan_luu: str = "Lưu"
    cho_trong: list[str] = Field(default_factory=list)
    # Without le_mm / duong_ke the checker reads the profile's own [trang] margins and [duong_ke]
    # shares (exact, within the tolerances above): a rule set whose guide gives no range writes
    # each value once, where the renderer reads it too.
    le_mm: LeKiemTra | None = None
    duong_ke: DuongKeKiemTra | None = None
    phan_tu: dict[str, PhanTuKiemTra]


class RuleProfile(_Strict):
    ma: str
    ten: str
    ap_dung: list[str]
    phien_ban: str = ""  # which edition of the guide the values follow
    ke_thua: str = ""  # the profile this edition is written against (only its differences are restated)
    ten_ngan: str = "NĐ30"  # short name in template titles
    # Beginnings of an issuing body's name (or its parent's) that select this rule set
    # when a record does not name one (quy_tac), e.g. "ĐẢNG ỦY", "TỈNH ĐOÀN".
    nhan_dien: list[str] = Field(default_factory=list)
    # Template files of this rule set are named "<mau_tien_to><mau>.docx" by build_templates.
    mau_tien_to: str = ""
    so_ky_hieu: SoKyHieu = Field(default_factory=SoKyHieu)
    kieu_chu: KieuChu = Field(default_factory=KieuChu)
    trang: Trang
    phong_chu: PhongChu
    co_chu: CoChu
    doan_van: DoanVan
    bang_tieu_de: BangHaiCot
    bang_chu_ky: BangHaiCot
    duong_ke: DuongKe
    ngat_dong: NgatDong
    o_phu: OPhu
    chu_de: ChuDe
    quyen_han: QuyenHan
    danh_so: DanhSo
    loai_van_ban: dict[str, LoaiVanBan]
    cau: dict[str, str] = Field(default_factory=dict)
    ban_sao: dict[str, HinhThucSao] = Field(default_factory=dict)
    giay_cong_nhan: GiayCongNhan | None = None
    ban_dang_ky: BanDangKy | None = None
    ma_loai: dict[str, str] = Field(default_factory=dict)
    kiem_tra: KiemTra | None = None

    def cau_mau(self, key: str, **values: str) -> str:
        """A fixed sentence of the profile with the record's values filled in."""
        return self.cau[key].format(**values)

    def ma_cua_ten_loai(self, ten_loai: str) -> str | None:
        """The Phụ lục III code for a type name, whatever its case ("TỜ TRÌNH" -> "TTr")."""
        wanted = " ".join(ten_loai.split()).casefold()
        return next((ma for ten, ma in self.ma_loai.items() if ten.casefold() == wanted), None)

    @property
    def ma_hop_le(self) -> set[str]:
        """Every known type code (Phụ lục III plus joint codes)."""
        return set(self.ma_loai.values())


def all_profiles() -> list[RuleProfile]:
    """Every bundled profile (to tell a record which rule set a foreign form belongs to)."""
    return [load_profile(name) for name in available_profiles()]


def profile_for_body(names: list[str]) -> str | None:
    """The rule set whose ``nhan_dien`` one of the body names begins with, if exactly one matches."""
    found = {
        p.ma
        for p in all_profiles()
        for name in names
        if any(" ".join(name.split()).upper().startswith(prefix) for prefix in p.nhan_dien)
    }
    return found.pop() if len(found) == 1 else None


@cache
def available_profiles() -> list[str]:
    return sorted(
        p.name.removesuffix(".toml") for p in resources.files(__package__).iterdir() if p.name.endswith(".toml")
    )


@cache
def load_profile(name: str = "nd30") -> RuleProfile:
    """Load and validate a bundled profile by name."""
    if name not in available_profiles():
        raise CongvanError(
            Problem(
                f"không có bộ quy tắc '{name}' (có: {', '.join(available_profiles())})",
                field="quy_tac",
            )
        )
    key = disk_cache.key_of("quy-tac", (name.encode(), *_bundled_bytes(), _code_stamp(), pydantic.VERSION.encode()))
    build = lambda: RuleProfile.model_validate(_profile_data(name))  # noqa: E731
    return disk_cache.cached(f"quy-tac-{name}", key, build, RuleProfile)


def _bundled_bytes() -> list[bytes]:
    """Every bundled TOML file, named: what any profile (its ``ke_thua`` parents included) is read from."""
    folder = resources.files(__package__)
    return [n.encode() + b"\0" + folder.joinpath(f"{n}.toml").read_bytes() for n in available_profiles()]


@cache
def _code_stamp() -> bytes:
    """This module's source: the models a cached profile was built with (any edit is a new key)."""
    return Path(__file__).read_bytes()


def _profile_data(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """A profile's TOML data; ``ke_thua = "<parent>"`` starts from the parent's and overrides it.

    An edition of a guide (``dang2026`` after ``dang``) is written as what differs, so
    a value not restated stays traceable to the parent's source comment.
    """
    import tomllib  # only when the profile cache misses

    text = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    data = _sections_extended(name, tomllib.loads(text), seen)
    parent = data.get("ke_thua")
    if not parent:
        return data
    return _merged(_profile_data(_usable_parent(name, parent, seen), (*seen, name)), data)


def _usable_parent(name: str, parent: Any, seen: tuple[str, ...]) -> str:
    if parent in seen or parent == name or parent not in available_profiles():
        raise CongvanError(Problem(f"bộ quy tắc '{name}': ke_thua '{parent}' không dùng được", field="quy_tac"))
    return str(parent)


def _sections_extended(name: str, data: dict[str, Any], seen: tuple[str, ...]) -> dict[str, Any]:
    """Sections that say ``ke_thua = "<profile>"`` start from that profile's section.

    Language facts (Vietnamese word groups and phrase words for line breaking) belong to no
    rule set: written once in nd30 and extended by the Party and Đoàn profiles, never copied.
    """
    for key, section in list(data.items()):
        if isinstance(section, dict) and "ke_thua" in section:
            source = _usable_parent(name, section["ke_thua"], seen)
            own = {k: v for k, v in section.items() if k != "ke_thua"}
            data[key] = _merged(_profile_data(source, (*seen, name)).get(key, {}), own)
    return data


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, every other value is replaced."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merged(base[key], value)
        else:
            out[key] = value
    return out
