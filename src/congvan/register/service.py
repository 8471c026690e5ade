"""The register's Python API (used by ``congvan so …`` and ``congvan render --cap-so``).

Every function takes ``db``: a file path (SQLite) or a ``postgresql://`` URL; None
means ``$CONGVAN_DB`` or ``so-van-ban.sqlite3`` in the current directory.

Allocation is one transaction: pick the register, bump the (register, year)
counter row with ``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` (one statement:
the database, not Python, decides the next number), insert the register row,
append to the audit log. The database serialises the bump (SQLite: BEGIN
IMMEDIATE; PostgreSQL: the counter row lock), and UNIQUE(register, year, number)
backs it up.

State changes (confirm, void) are conditional updates ``WHERE trang_thai = <the
state read>``: of two changes of one row at the same moment exactly one matches.

Series length: a register's ``chu_ky`` is ``nam`` (numbers restart on 1 January,
NĐ30) or ``nhiem_ky`` (numbers run through a term of the body's committee, the
Party rule). A term series takes the term of the body that contains the document
date (``nhiem_ky`` table); its counter row is per (register, term), and the row
keeps the document year in ``nam`` so the book still prints per year.

A number belongs to a document: a take with a document key (``khoa``) that already
holds a live number returns it only if the register, year and symbol it was taken
for still match; otherwise it refuses and says what changed.

Default register: when ``so_dang_ky`` is None the body's register is chosen from
its abbreviation (secret → its ``mat`` series; otherwise its series for this type
if it keeps per-type series, else its shared ``chung`` series). A body with no
register of that kind yet gets one created automatically (``<CQ>-chung`` or
``<CQ>-mat``) so that rendering works out of the box; a body that keeps per-type
series but lacks one for this type gets an error instead, so schemes never mix.
When the record's rule set fixes the scheme (``VanBanDangKy.chu_ky`` and
``theo_loai``, from the profile's ``so_ky_hieu``), only registers of that kind are
candidates and a missing per-type register (``<CQ>-NQ``) is created with it.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from congvan.errors import CongvanError, Problem
from congvan.register import schema as t
from congvan.register.db import Conflict, Reconnect, Tx, database
from congvan.register.fold import khoa_tim_kiem
from congvan.vi.ky_tu import KY_TU_CAM, loi_ky_tu
from congvan.vi.so_ky_hieu import ky_hieu_van_ban, loi_ky_hieu, so_va_ky_hieu, tach_so_ky_hieu

# Test hook: when set to a file path, a take pauses inside its transaction right
# after bumping the counter, after creating that file (fault-injection tests).
HOOK_PAUSE_AFTER_COUNTER = "CONGVAN_TEST_TAM_DUNG_SAU_DEM"
_RETRIES = 5

T = TypeVar("T")


@dataclass(frozen=True)
class VanBanDangKy:
    """What a number is taken for: the register row's fields (``cap_so`` and ``giu_so``).

    ``co_quan`` may be empty when ``so_dang_ky`` names the register. With ``khoa``
    (a document key) a take is idempotent for that document.
    """

    ngay: date
    co_quan: str = ""
    ma_loai: str | None = None
    trich_yeu: str = ""
    so_dang_ky: str | None = None
    ten_loai: str = ""
    nguoi_ky: str = ""
    noi_nhan: str = ""
    so_ban: int | None = None
    co_quan_phoi_hop: tuple[str, ...] = field(default=())
    don_vi: str | None = None
    khoa: str | None = None
    mat: bool = False
    #: The symbol the document prints, when it sets its own; else built from the
    #: type code and the bodies. Either way the register holds what is printed.
    ky_hieu: str | None = None
    #: The rule set's number grammar (profile ``so_ky_hieu``): NĐ30 ``05/QĐ-UBND``,
    #: Party ``12-NQ/ĐU`` (noi_so "-", noi_loai "/", no leading zero).
    noi_so: str = "/"
    noi_loai: str = "-"
    hai_chu_so: bool = True
    #: The rule set's series (profile ``so_ky_hieu.chu_ky`` / ``theo_loai``): None
    #: = whatever the chosen register keeps (``congvan so cap``); "nam" or
    #: "nhiem_ky" = only a register of that kind may number this document.
    chu_ky: str | None = None
    theo_loai: bool = False


@dataclass(frozen=True)
class SoDangKy:
    """A register (book) of one body."""

    id: int
    ma: str
    co_quan_viet_tat: str
    ten: str
    ten_co_quan: str
    loai_series: str
    active: bool
    chu_ky: str = t.CHU_KY_NAM


@dataclass(frozen=True)
class NhiemKy:
    """A term of a body's committee: numbers of its term series run from tu_ngay to den_ngay."""

    id: int
    co_quan_viet_tat: str
    ma: str
    tu_ngay: date
    den_ngay: date | None  # None: open until the next term is entered

    def chua(self, ngay: date) -> bool:
        return self.tu_ngay <= ngay and (self.den_ngay is None or ngay <= self.den_ngay)

    def mo_ta(self) -> str:
        end = f"{self.den_ngay:%d/%m/%Y}" if self.den_ngay else "nay"
        return f"nhiệm kỳ {self.ma} ({self.tu_ngay:%d/%m/%Y} – {end})"


@dataclass(frozen=True)
class CapSo:
    """The number handed out (or found again for the same document key)."""

    so: int
    nam: int
    ky_hieu: str
    so_ky_hieu: str
    moi: bool
    so_dang_ky_id: int
    so_dang_ky: str
    trang_thai: str
    ngay: date
    nhiem_ky: str | None = None  # the term code for a term series


@dataclass(frozen=True)
class DongSo:
    """One register row (a Phụ lục IV line plus its state)."""

    id: int
    so_dang_ky: str
    nam: int
    so: int
    ky_hieu: str
    so_ky_hieu: str
    ngay: date
    ma_loai: str
    ten_loai: str
    trich_yeu: str
    nguoi_ky: str
    noi_nhan: str
    don_vi_luu: str
    so_ban: int | None
    ngay_chuyen: date | None
    ky_nhan: str
    ghi_chu: str
    trang_thai: str
    ly_do_huy: str
    khoa: str | None
    nhiem_ky: str | None = None  # the term code for a term series

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ngay"] = self.ngay.isoformat()
        data["ngay_chuyen"] = self.ngay_chuyen.isoformat() if self.ngay_chuyen else None
        return data


@dataclass(frozen=True)
class KhoaNam:
    """Summary of a closed register year."""

    so_dang_ky: str
    nam: int
    so_dong: int
    so_cuoi: int


# --------------------------------------------------------------------------- SQL

_REG_COLS = "id, ma, co_quan_viet_tat, ten, ten_co_quan, loai_series, active, chu_ky"
_ROW_COLS = (
    "v.id, r.ma, v.nam, v.so, v.ky_hieu, v.so_ky_hieu, v.ngay, v.ma_loai, v.ten_loai, "
    "v.trich_yeu, v.nguoi_ky, v.noi_nhan, v.don_vi_luu, v.so_ban, v.ngay_chuyen, v.ky_nhan, "
    "v.ghi_chu, v.trang_thai, v.ly_do_huy, v.khoa, v.so_dang_ky_id, k.ma"
)
_ROWS = (
    f"SELECT {_ROW_COLS} FROM so_van_ban v JOIN so_dang_ky r ON r.id = v.so_dang_ky_id "
    "LEFT JOIN nhiem_ky k ON k.id = v.nhiem_ky_id"
)
_NK_COLS = "id, co_quan_viet_tat, ma, tu_ngay, den_ngay"
#: The year counter's atomic step: insert-or-increment, unless the year is closed (then no row).
_BUMP = (
    "INSERT INTO dem_so (so_dang_ky_id, nam, so_cuoi, da_khoa) VALUES (:r, :nam, 1, :no) "
    "ON CONFLICT (so_dang_ky_id, nam) DO UPDATE SET so_cuoi = dem_so.so_cuoi + 1 "
    "WHERE NOT dem_so.da_khoa RETURNING so_cuoi"
)
_ROW_COLUMNS = (
    "so_dang_ky_id, nam, so, ky_hieu, so_ky_hieu, ngay, ma_loai, ten_loai, trich_yeu, "
    "trich_yeu_khong_dau, nguoi_ky, noi_nhan, don_vi_luu, so_ban, trang_thai, khoa, nguoi_tao, "
    "tao_luc, sua_luc"
)
#: The row's values after its number and printed number (``ngay`` … ``sua_luc``).
_ROW_REST = (
    ":ngay, :ma_loai, :ten_loai, :trich_yeu, :khong_dau, :nguoi_ky, :noi_nhan, :don_vi, :so_ban, "
    ":trang_thai, :khoa, :nguoi, :luc, :luc"
)
_INSERT_ROW = (
    f"INSERT INTO so_van_ban ({_ROW_COLUMNS}) VALUES (:r, :nam, :so, :ky_hieu, :so_ky_hieu, {_ROW_REST})"
)
# A term series: the same row plus its term (the year path keeps the statement above).
_INSERT_ROW_NHIEM_KY = (
    f"INSERT INTO so_van_ban ({_ROW_COLUMNS}, nhiem_ky_id) "
    f"VALUES (:r, :nam, :so, :ky_hieu, :so_ky_hieu, {_ROW_REST}, :nk)"
)
_BUMP_NHIEM_KY = (
    "INSERT INTO dem_so_nhiem_ky (so_dang_ky_id, nhiem_ky_id, so_cuoi) VALUES (:r, :nk, 1) "
    "ON CONFLICT (so_dang_ky_id, nhiem_ky_id) DO UPDATE SET so_cuoi = dem_so_nhiem_ky.so_cuoi + 1 "
    "RETURNING so_cuoi"
)
_AUDIT_COLUMNS = "luc, nguoi, hanh_dong, so_dang_ky_id, noi_dung"
_AUDIT = f"INSERT INTO nhat_ky ({_AUDIT_COLUMNS}) VALUES (:luc, :nguoi, :hanh_dong, :r, :noi_dung)"
# A year-series take as one statement where the database allows it (PostgreSQL's
# data-modifying WITH): the same bump, row and audit line, travelling with the COMMIT,
# so the counter row is locked for one statement and the commit, not for three round
# trips; a closed year makes the bump return nothing, and then nothing is written.
# The number as printed is vi.so_ky_hieu.so_va_ky_hieu's (``:hai`` pads below 10,
# ``:duoi`` = separator + symbol); a test compares the two on every back-end.
_TAKE_IN_ONE = (
    f"WITH b AS ({_BUMP}), "
    f"v AS (INSERT INTO so_van_ban ({_ROW_COLUMNS}) SELECT :r, :nam, b.so_cuoi, :ky_hieu, "
    "CASE WHEN :hai AND b.so_cuoi < 10 THEN '0' ELSE '' END || b.so_cuoi || CAST(:duoi AS text), "
    f"{_ROW_REST} FROM b RETURNING so, so_ky_hieu), "
    f"a AS (INSERT INTO nhat_ky ({_AUDIT_COLUMNS}) SELECT :luc, :nguoi, :hanh_dong, :r, "
    "CAST(CAST(:noi_dung AS jsonb) || jsonb_build_object('so', v.so, 'so_ky_hieu', v.so_ky_hieu) AS text) "
    "FROM v) SELECT so, so_ky_hieu FROM v"
)


# --------------------------------------------------------------------------- helpers


def _check_text(**fields: object) -> None:
    """Refuse XML-illegal characters before they reach the register (one rule: vi.ky_tu).

    A row is kept for years and printed (XLSX/DOCX), so a control character must be
    refused here, naming the field, not discovered when the year is exported.
    """
    texts = [v for value in fields.values()
             for v in (value if isinstance(value, (list, tuple)) else (value,)) if isinstance(v, str)]
    if not KY_TU_CAM.search("\n".join(texts)):  # the common case: one scan, nothing found
        return
    problems = []
    for name, value in fields.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            message = loi_ky_tu(v) if isinstance(v, str) else None
            if message:
                problems.append(Problem(message, field=name))
                break
    if problems:
        raise CongvanError(problems)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@lru_cache(maxsize=1)
def _login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers/services
        return "không rõ"


def _nguoi(nguoi: str | None) -> str:
    if nguoi and nguoi.strip():
        return nguoi.strip()
    return _login_name()


def _audit(
    tx: Tx, nguoi: str, hanh_dong: str, so_dang_ky_id: int | None, luc: datetime | str,
    **payload: Any,
) -> None:
    tx.execute(_AUDIT, {
        "luc": tx.moment(luc) if isinstance(luc, datetime) else luc, "nguoi": nguoi,
        "hanh_dong": hanh_dong, "r": so_dang_ky_id,
        "noi_dung": json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
    })


def _retry(fn: Callable[[], T]) -> T:
    """Re-run a whole transaction when a concurrent writer won a uniqueness race.

    Only PostgreSQL gets here (SQLite writers are serialised by BEGIN IMMEDIATE):
    two first-time creations of the same default register, or two takes with the
    same document key. The retry then finds what the winner wrote. A kept
    connection found broken before commit (server restarted) is also retried once.
    """
    for attempt in range(_RETRIES):
        try:
            return fn()
        except (Conflict, Reconnect) as err:
            if attempt == _RETRIES - 1:
                raise CongvanError(f"không ghi được vào sổ đăng ký sau {_RETRIES} lần thử: {err}") from None
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _pause_hook(tx: Tx) -> None:
    """Tests only: stop inside the transaction, the counter taken and still locked."""
    marker = os.environ.get(HOOK_PAUSE_AFTER_COUNTER)
    if marker:
        tx.sync()  # a take queued to travel with the COMMIT runs now
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(3600)


def _reg(row: tuple[Any, ...]) -> SoDangKy:
    return SoDangKy(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7])


def _dong(tx: Tx, row: tuple[Any, ...]) -> DongSo:
    values = list(row[:20])
    values[6] = tx.read_day(values[6])
    values[14] = tx.read_day(values[14])
    return DongSo(*values, nhiem_ky=row[21])


def _nk(tx: Tx, row: tuple[Any, ...]) -> NhiemKy:
    return NhiemKy(row[0], row[1], row[2], tx.read_day(row[3]), tx.read_day(row[4]))  # type: ignore[arg-type]


def _series_key(ma_loai: str | None) -> str:
    return ma_loai or t.SERIES_CONG_VAN


def _all_registers(tx: Tx) -> list[SoDangKy]:
    return [_reg(r) for r in tx.all(f"SELECT {_REG_COLS} FROM so_dang_ky ORDER BY ma")]


def _unknown_register(tx: Tx, ma: str) -> CongvanError:
    known = ", ".join(r.ma for r in _all_registers(tx)) or "(chưa có sổ nào)"
    return CongvanError(f"không có sổ đăng ký '{ma}'; các sổ hiện có: {known}")


def _register_by_ma(tx: Tx, ma: str) -> SoDangKy:
    row = tx.one(f"SELECT {_REG_COLS} FROM so_dang_ky WHERE ma = :ma", {"ma": ma.strip()})
    if row is None:
        raise _unknown_register(tx, ma)
    return _reg(row)


def _only_register(tx: Tx, ma: str | None) -> SoDangKy:
    """The named register, or the only active one when no name is given."""
    if ma:
        return _register_by_ma(tx, ma)
    active = [r for r in _all_registers(tx) if r.active]
    if len(active) == 1:
        return active[0]
    if not active:
        raise CongvanError("chưa có sổ đăng ký nào; tạo sổ bằng 'congvan so tao'")
    names = ", ".join(r.ma for r in active)
    raise CongvanError(f"có nhiều sổ đăng ký ({names}); chọn một sổ bằng --so")


def _year_closed(tx: Tx, so_dang_ky_id: int, nam: int) -> bool:
    """Whether the year is closed; on PostgreSQL the counter row stays share-locked
    until commit so a concurrent ``khoa_nam`` cannot close the year under a change."""
    closed = tx.scalar(
        "SELECT da_khoa FROM dem_so WHERE so_dang_ky_id = :r AND nam = :nam" + tx.for_share,
        {"r": so_dang_ky_id, "nam": nam},
    )
    return bool(closed)


def _closed_error(reg: SoDangKy, nam: int) -> CongvanError:
    return CongvanError(
        f"năm {nam} của sổ '{reg.ma}' đã khóa sổ (đã in và đóng quyển): "
        "không thể cấp, giữ, xác nhận hay hủy số của năm này"
    )


# --------------------------------------------------------------------------- registers


def tao_so_dang_ky(
    db: str | None,
    ma: str,
    *,
    co_quan: str,
    loai_series: str = t.SERIES_CHUNG,
    ten: str = "",
    ten_co_quan: str = "",
    nguoi: str | None = None,
    chu_ky: str = t.CHU_KY_NAM,
) -> SoDangKy:
    """Create a register: ``loai_series`` is ``chung``, ``mat`` or a type code (``KH``, ``CV``…);
    ``chu_ky`` is ``nam`` (numbers restart each year) or ``nhiem_ky`` (they run through a term)."""
    _check_text(ma=ma, co_quan=co_quan, loai_series=loai_series, ten=ten, ten_co_quan=ten_co_quan,
                nguoi=nguoi)
    ma, co_quan, loai_series = ma.strip(), co_quan.strip(), loai_series.strip()
    if not ma:
        raise CongvanError("mã sổ đăng ký không được để trống")
    problem = loi_ky_hieu(co_quan)
    if problem:
        raise CongvanError(f"tên viết tắt cơ quan không hợp lệ: {problem}")
    if not loai_series:
        raise CongvanError("loại sổ không được để trống (chung, mat hoặc mã loại như KH)")
    if chu_ky not in t.CHU_KY:
        raise CongvanError(f"chu kỳ đánh số '{chu_ky}' không hợp lệ: dùng 'nam' hoặc 'nhiem_ky'")
    return _retry(
        lambda: _create_register(db, ma, co_quan, loai_series, ten, ten_co_quan, _nguoi(nguoi),
                                 chu_ky)
    )


def _create_register(
    db: str | None, ma: str, co_quan: str, loai: str, ten: str, ten_cq: str, nguoi: str,
    chu_ky: str = t.CHU_KY_NAM,
) -> SoDangKy:
    with database(db).write() as tx:
        if tx.one("SELECT id FROM so_dang_ky WHERE ma = :ma", {"ma": ma}):
            raise CongvanError(f"sổ đăng ký '{ma}' đã có")
        clash = tx.scalar(
            "SELECT ma FROM so_dang_ky WHERE co_quan_viet_tat = :cq AND loai_series = :loai",
            {"cq": co_quan, "loai": loai},
        )
        if clash:
            raise CongvanError(f"cơ quan {co_quan} đã có sổ '{clash}' cho loại sổ '{loai}'")
        return _insert_register(tx, ma, co_quan, loai, ten, ten_cq, nguoi, chu_ky)


def _insert_register(
    tx: Tx, ma: str, co_quan: str, loai: str, ten: str, ten_cq: str, nguoi: str,
    chu_ky: str = t.CHU_KY_NAM,
) -> SoDangKy:
    if not ten:
        kind = {t.SERIES_CHUNG: "chung", t.SERIES_MAT: "mật"}.get(loai, f"loại {loai}")
        term = " (theo nhiệm kỳ)" if chu_ky == t.CHU_KY_NHIEM_KY else ""
        ten = f"Sổ đăng ký văn bản đi {kind} - {co_quan}{term}"
    now = _now()
    new_id = tx.scalar(
        "INSERT INTO so_dang_ky (ma, co_quan_viet_tat, ten, ten_co_quan, loai_series, active, "
        "tao_luc, chu_ky) VALUES (:ma, :cq, :ten, :ten_cq, :loai, :yes, :luc, :chu_ky) RETURNING id",
        {"ma": ma, "cq": co_quan, "ten": ten, "ten_cq": ten_cq, "loai": loai, "yes": True,
         "luc": tx.moment(now), "chu_ky": chu_ky},
    )
    _audit(tx, nguoi, "tao_so", new_id, now, ma=ma, co_quan=co_quan, loai_series=loai, ten=ten,
           chu_ky=chu_ky)
    return SoDangKy(new_id, ma, co_quan, ten, ten_cq, loai, True, chu_ky)


def danh_sach_so_dang_ky(db: str | None) -> list[SoDangKy]:
    """All registers, by code."""
    with database(db).read() as tx:
        return _all_registers(tx)


def _choose_register(tx: Tx, vb: VanBanDangKy, co_quan: str, ma_loai: str | None,
                     nguoi: str) -> SoDangKy:
    if vb.so_dang_ky:
        reg = _register_by_ma(tx, vb.so_dang_ky)
        _check_register_fits(reg, co_quan, ma_loai, vb.mat)
        _check_chu_ky(reg, vb.chu_ky)
        return reg
    if not co_quan:
        raise CongvanError("cần tên viết tắt cơ quan ban hành (hoặc chỉ rõ sổ đăng ký)")
    regs = [_reg(r) for r in tx.all(
        f"SELECT {_REG_COLS} FROM so_dang_ky WHERE co_quan_viet_tat = :cq AND active = :yes "
        "ORDER BY id", {"cq": co_quan, "yes": True},
    )]
    if vb.mat:
        return _pick_or_create(tx, regs, t.SERIES_MAT, co_quan, vb.chu_ky, nguoi)
    if vb.theo_loai:  # the rule set numbers each document type on its own
        return _pick_or_create(tx, regs, _series_key(ma_loai), co_quan, vb.chu_ky, nguoi)
    normal = [r for r in regs if r.loai_series != t.SERIES_MAT]
    for key in (_series_key(ma_loai), t.SERIES_CHUNG):
        for r in normal:
            if r.loai_series == key:
                _check_chu_ky(r, vb.chu_ky)
                return r
    if normal:
        raise CongvanError(
            f"cơ quan {co_quan} dùng sổ theo từng loại văn bản nhưng chưa có sổ cho loại "
            f"'{_series_key(ma_loai)}'; tạo sổ bằng 'congvan so tao … --loai "
            f"{_series_key(ma_loai)}'"
        )
    return _pick_or_create(tx, regs, t.SERIES_CHUNG, co_quan, vb.chu_ky, nguoi)


_CHU_KY_VI = {t.CHU_KY_NAM: "theo năm", t.CHU_KY_NHIEM_KY: "theo nhiệm kỳ"}


def _pick_or_create(tx: Tx, regs: list[SoDangKy], key: str, co_quan: str, chu_ky: str | None,
                    nguoi: str) -> SoDangKy:
    """The body's active register of series ``key``, or a new ``<CQ>-<key>`` of kind ``chu_ky``."""
    for r in regs:
        if r.loai_series == key:
            _check_chu_ky(r, chu_ky)
            return r
    return _insert_register(tx, f"{co_quan}-{key}", co_quan, key, "", "", nguoi,
                            chu_ky or t.CHU_KY_NAM)


def _check_chu_ky(reg: SoDangKy, chu_ky: str | None) -> None:
    """A document whose rule set fixes the series length goes only to a register of that kind."""
    if chu_ky is None or reg.chu_ky == chu_ky:
        return
    raise CongvanError(
        f"sổ '{reg.ma}' đánh số {_CHU_KY_VI[reg.chu_ky]}, nhưng bộ quy tắc của văn bản này đánh số "
        f"{_CHU_KY_VI[chu_ky]}: chọn sổ khác (so_dang_ky) hoặc tạo sổ đúng loại bằng "
        f"'congvan so tao … --co-quan {reg.co_quan_viet_tat} "
        + ("--nhiem-ky 2025-2030 --tu …'" if chu_ky == t.CHU_KY_NHIEM_KY else "'")
    )


def _check_register_fits(reg: SoDangKy, co_quan: str, ma_loai: str | None, mat: bool) -> None:
    if not reg.active:
        raise CongvanError(f"sổ đăng ký '{reg.ma}' đã ngừng sử dụng")
    if co_quan and co_quan != reg.co_quan_viet_tat:
        raise CongvanError(
            f"sổ '{reg.ma}' thuộc cơ quan {reg.co_quan_viet_tat}, không phải {co_quan}"
        )
    if mat and reg.loai_series != t.SERIES_MAT:
        raise CongvanError(f"văn bản mật phải lấy số ở sổ mật, không phải sổ '{reg.ma}'")
    if reg.loai_series not in (t.SERIES_CHUNG, t.SERIES_MAT) and reg.loai_series != _series_key(
        ma_loai
    ):
        raise CongvanError(
            f"sổ '{reg.ma}' chỉ dành cho loại '{reg.loai_series}', "
            f"không cấp số cho loại '{_series_key(ma_loai)}'"
        )


# --------------------------------------------------------------------------- terms


def tao_nhiem_ky(
    db: str | None,
    co_quan: str,
    ma: str,
    *,
    tu_ngay: date,
    den_ngay: date | None = None,
    nguoi: str | None = None,
) -> NhiemKy:
    """Enter a term of a body's committee (``2025-2030``, from ``tu_ngay`` to ``den_ngay``).

    Terms of one body never overlap. The last day may be left open: entering the
    next term then ends the open one the day before the new one starts (HD 36:
    a term runs to the closing day of the next congress), unless the open term
    already holds numbers dated on or after that day. Entering the same term
    again with the same days changes nothing.
    """
    _check_text(co_quan=co_quan, ma=ma, nguoi=nguoi)
    co_quan, ma = co_quan.strip(), ma.strip()
    problem = loi_ky_hieu(co_quan)
    if problem:
        raise CongvanError(f"tên viết tắt cơ quan không hợp lệ: {problem}")
    if not ma:
        raise CongvanError("tên nhiệm kỳ không được để trống (ví dụ 2025-2030)")
    if den_ngay is not None and den_ngay < tu_ngay:
        raise CongvanError(
            f"nhiệm kỳ {ma}: ngày kết thúc {den_ngay:%d/%m/%Y} trước ngày bắt đầu {tu_ngay:%d/%m/%Y}"
        )
    return _retry(lambda: _create_term(db, co_quan, ma, tu_ngay, den_ngay, _nguoi(nguoi)))


def _create_term(db: str | None, co_quan: str, ma: str, tu: date, den: date | None,
                 nguoi: str) -> NhiemKy:
    with database(db).write() as tx:
        if not tx.db.target.sqlite:  # SQLite writers are already serialised
            tx.execute("SELECT pg_advisory_xact_lock(:k)", {"k": zlib.crc32(co_quan.encode())})
        terms = _terms(tx, co_quan)
        same = next((k for k in terms if k.ma == ma), None)
        if same is not None:
            if (same.tu_ngay, same.den_ngay) == (tu, den):
                return same
            raise CongvanError(f"cơ quan {co_quan} đã có {same.mo_ta()}")
        now = _now()
        for k in terms:
            if k.den_ngay is None and k.tu_ngay < tu:
                terms[terms.index(k)] = _end_open_term(tx, k, tu, nguoi, now)
        for k in terms:
            if tu <= (k.den_ngay or date.max) and k.tu_ngay <= (den or date.max):
                raise CongvanError(
                    f"nhiệm kỳ {ma} ({tu:%d/%m/%Y} – {f'{den:%d/%m/%Y}' if den else 'nay'}) "
                    f"trùng thời gian với {k.mo_ta()} của cơ quan {co_quan}"
                )
        new_id = tx.scalar(
            "INSERT INTO nhiem_ky (co_quan_viet_tat, ma, tu_ngay, den_ngay, tao_luc) "
            "VALUES (:cq, :ma, :tu, :den, :luc) RETURNING id",
            {"cq": co_quan, "ma": ma, "tu": tx.day(tu), "den": tx.day(den), "luc": tx.moment(now)},
        )
        _audit(tx, nguoi, "tao_nhiem_ky", None, now, co_quan=co_quan, ma=ma, tu_ngay=tu.isoformat(),
               den_ngay=den.isoformat() if den else None)
        return NhiemKy(new_id, co_quan, ma, tu, den)


def _end_open_term(tx: Tx, k: NhiemKy, next_start: date, nguoi: str, now: datetime) -> NhiemKy:
    """End an open term the day before the next one starts (if no number lies past that day)."""
    last = date.fromordinal(next_start.toordinal() - 1)
    late = tx.scalar(
        "SELECT min(so_ky_hieu) FROM so_van_ban WHERE nhiem_ky_id = :nk AND ngay > :d",
        {"nk": k.id, "d": tx.day(last)},
    )
    if late:
        raise CongvanError(
            f"{k.mo_ta()} đã có số {late} ghi ngày sau {last:%d/%m/%Y}: "
            "không thể cho nhiệm kỳ mới bắt đầu trước ngày văn bản đó"
        )
    tx.execute("UPDATE nhiem_ky SET den_ngay = :d WHERE id = :id", {"d": tx.day(last), "id": k.id})
    _audit(tx, nguoi, "ket_thuc_nhiem_ky", None, now, co_quan=k.co_quan_viet_tat, ma=k.ma,
           den_ngay=last.isoformat())
    return NhiemKy(k.id, k.co_quan_viet_tat, k.ma, k.tu_ngay, last)


def _terms(tx: Tx, co_quan: str | None) -> list[NhiemKy]:
    sql, params = f"SELECT {_NK_COLS} FROM nhiem_ky", {}
    if co_quan:
        sql, params = sql + " WHERE co_quan_viet_tat = :cq", {"cq": co_quan}
    return [_nk(tx, r) for r in tx.all(sql + " ORDER BY co_quan_viet_tat, tu_ngay", params)]


def danh_sach_nhiem_ky(db: str | None, co_quan: str | None = None) -> list[NhiemKy]:
    """The terms of one body (or of all), oldest first."""
    with database(db).read() as tx:
        return _terms(tx, (co_quan or "").strip() or None)


def _term_for(tx: Tx, reg: SoDangKy, ngay: date) -> NhiemKy:
    """The term of the register's body that contains ``ngay``, or a Vietnamese error."""
    row = tx.one(
        f"SELECT {_NK_COLS} FROM nhiem_ky WHERE co_quan_viet_tat = :cq AND tu_ngay <= :d "
        "AND (den_ngay IS NULL OR den_ngay >= :d)",
        {"cq": reg.co_quan_viet_tat, "d": tx.day(ngay)},
    )
    if row is not None:
        return _nk(tx, row)
    known = "; ".join(k.mo_ta() for k in _terms(tx, reg.co_quan_viet_tat)) or "chưa có nhiệm kỳ nào"
    raise CongvanError(
        f"sổ '{reg.ma}' đánh số theo nhiệm kỳ nhưng cơ quan {reg.co_quan_viet_tat} không có nhiệm kỳ "
        f"nào chứa ngày {ngay:%d/%m/%Y} ({known}); nhập nhiệm kỳ bằng 'congvan so nhiem-ky "
        f"2025-2030 --co-quan {reg.co_quan_viet_tat} --tu <ngày bắt đầu> [--den <ngày kết thúc>]'"
    )


# --------------------------------------------------------------------------- allocation


def cap_so(db: str | None, vb: VanBanDangKy, *, nguoi: str | None = None) -> CapSo:
    """Take the next number of the year of ``vb.ngay`` and record the row as issued.

    With ``vb.khoa`` the call is idempotent: if the key already holds a live number
    for the same register, year and symbol, that number is returned with
    ``moi=False`` (a reservation under that key is confirmed).
    """
    if not vb.trich_yeu or not vb.trich_yeu.strip():
        raise CongvanError("cần trích yếu nội dung văn bản để vào sổ")
    return _take(db, t.TRANG_THAI_DA_CAP, vb, nguoi)


def giu_so(db: str | None, vb: VanBanDangKy, *, nguoi: str | None = None) -> CapSo:
    """Reserve the next number for a document still being signed (giữ số)."""
    return _take(db, t.TRANG_THAI_GIU, vb, nguoi)


def _take(db: str | None, trang_thai: str, vb: VanBanDangKy, nguoi: str | None) -> CapSo:
    _validate_take(vb, nguoi)
    who = _nguoi(nguoi)
    return _retry(lambda: _take_once(db, trang_thai, vb, who))


def _validate_take(vb: VanBanDangKy, nguoi: str | None) -> None:
    _check_text(
        so_dang_ky=vb.so_dang_ky, co_quan=vb.co_quan, ma_loai=vb.ma_loai, trich_yeu=vb.trich_yeu,
        ten_loai=vb.ten_loai, nguoi_ky=vb.nguoi_ky, noi_nhan=vb.noi_nhan,
        co_quan_phoi_hop=vb.co_quan_phoi_hop, don_vi=vb.don_vi, khoa=vb.khoa, ky_hieu=vb.ky_hieu,
        nguoi=nguoi,
    )
    if not isinstance(vb.ngay, date):
        raise CongvanError("ngày văn bản không hợp lệ")
    if vb.so_ban is not None and vb.so_ban < 1:
        raise CongvanError("số lượng bản phải từ 1 trở lên")
    if vb.khoa is not None and not str(vb.khoa).strip():
        raise CongvanError("khóa văn bản không được để trống")


def _take_once(db: str | None, trang_thai: str, vb: VanBanDangKy, nguoi: str) -> CapSo:
    co_quan = (vb.co_quan or "").strip()
    ma_loai = (vb.ma_loai or "").strip() or None
    with database(db).write() as tx:
        reg = _choose_register(tx, vb, co_quan, ma_loai, nguoi)
        ky_hieu = _build_ky_hieu(reg, ma_loai, vb)
        nam = vb.ngay.year
        term = _term_for(tx, reg, vb.ngay) if reg.chu_ky == t.CHU_KY_NHIEM_KY else None
        if vb.khoa:
            found = _existing_for_key(tx, vb, reg, nam, ky_hieu, trang_thai, nguoi, term)
            if found is not None:
                return found
        row = _row_params(tx, reg, nam, ky_hieu, ma_loai, trang_thai, vb, nguoi, term)
        action, payload = _take_audit(reg, row, trang_thai, vb, term)
        if term is not None or not tx.writable_ctes:
            return _take_in_steps(tx, reg, row, action, payload, vb, term)
        pending = tx.execute(_TAKE_IN_ONE, {
            **row, "no": False, "hai": vb.hai_chu_so, "duoi": f"{vb.noi_so}{ky_hieu}", "hanh_dong": action,
            "noi_dung": json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
        })
        _pause_hook(tx)
    taken = pending.fetchone()  # its result came back with the COMMIT
    if taken is None:
        raise _closed_error(reg, nam)  # the counter refused: nothing was written
    return CapSo(int(taken[0]), nam, ky_hieu, taken[1], True, reg.id, reg.ma, trang_thai, vb.ngay)


def _row_params(
    tx: Tx, reg: SoDangKy, nam: int, ky_hieu: str, ma_loai: str | None, trang_thai: str,
    vb: VanBanDangKy, nguoi: str, term: NhiemKy | None,
) -> dict[str, Any]:
    """The register row's values, all but the number (known only once the counter moved)."""
    trich_yeu = (vb.trich_yeu or "").strip()
    return {
        "nk": term.id if term else None,
        "r": reg.id, "nam": nam, "ky_hieu": ky_hieu,
        "ngay": tx.day(vb.ngay), "ma_loai": ma_loai or "", "ten_loai": vb.ten_loai or "",
        "trich_yeu": trich_yeu, "khong_dau": khoa_tim_kiem(trich_yeu),
        "nguoi_ky": vb.nguoi_ky or "", "noi_nhan": vb.noi_nhan or "",
        "don_vi": vb.don_vi or "", "so_ban": vb.so_ban, "trang_thai": trang_thai,
        "khoa": vb.khoa, "nguoi": nguoi, "luc": tx.moment(_now()),
    }


def _take_audit(
    reg: SoDangKy, row: dict[str, Any], trang_thai: str, vb: VanBanDangKy, term: NhiemKy | None,
) -> tuple[str, dict[str, Any]]:
    """The audit line's action and payload; ``so`` and ``so_ky_hieu`` join it with the number."""
    payload = {
        "nam": row["nam"], "ngay": vb.ngay.isoformat(), "trich_yeu": vb.trich_yeu, "khoa": vb.khoa,
        "ma_loai": row["ma_loai"], "loai_series": reg.loai_series,
        **({"nhiem_ky": term.ma} if term else {}),
    }
    return ("cap_so" if trang_thai == t.TRANG_THAI_DA_CAP else "giu_so"), payload


def _take_in_steps(
    tx: Tx, reg: SoDangKy, row: dict[str, Any], action: str, payload: dict[str, Any],
    vb: VanBanDangKy, term: NhiemKy | None,
) -> CapSo:
    """The take as separate statements (SQLite: local calls, no round trips; term series)."""
    nam = row["nam"]
    so = _bump_counter(tx, reg, nam) if term is None else _bump_term_counter(tx, reg, nam, term)
    _pause_hook(tx)
    so_ky_hieu = so_va_ky_hieu(so, row["ky_hieu"], noi_so=vb.noi_so, hai_chu_so=vb.hai_chu_so)
    tx.execute(_INSERT_ROW if term is None else _INSERT_ROW_NHIEM_KY,
               {**row, "so": so, "so_ky_hieu": so_ky_hieu})
    _audit(tx, row["nguoi"], action, reg.id, row["luc"], **payload, so=so, so_ky_hieu=so_ky_hieu)
    return CapSo(so, nam, row["ky_hieu"], so_ky_hieu, True, reg.id, reg.ma, row["trang_thai"],
                 vb.ngay, term.ma if term else None)


def _build_ky_hieu(reg: SoDangKy, ma_loai: str | None, vb: VanBanDangKy) -> str:
    return _ky_hieu(reg.co_quan_viet_tat, ma_loai, tuple(vb.co_quan_phoi_hop), vb.don_vi,
                    vb.ky_hieu, vb.noi_loai)


@lru_cache(maxsize=256)
def _ky_hieu(
    co_quan: str, ma_loai: str | None, phoi_hop: tuple[str, ...], don_vi: str | None,
    own: str | None, noi_loai: str = "-",
) -> str:
    """The checked symbol (pure, so cached: a process keeps taking the same few)."""
    if own and own.strip():
        ky_hieu = own.strip()
    else:
        bodies = [co_quan, *[p.strip() for p in phoi_hop if p.strip()]]
        ky_hieu = ky_hieu_van_ban(ma_loai, bodies, (don_vi or "").strip() or None, noi_loai=noi_loai)
    problem = loi_ky_hieu(ky_hieu, [ma_loai] if ma_loai else [], "".join(sorted({"-", noi_loai})))
    if problem:
        raise CongvanError(problem)
    return ky_hieu


def _bump_counter(tx: Tx, reg: SoDangKy, nam: int) -> int:
    """The atomic step: insert-or-increment the counter row and read it back."""
    bumped = tx.one(_BUMP, {"r": reg.id, "nam": nam, "no": False})
    if bumped is None:
        raise _closed_error(reg, nam)  # the year is closed: the counter did not move
    return int(bumped[0])


def _bump_term_counter(tx: Tx, reg: SoDangKy, nam: int, term: NhiemKy) -> int:
    """The term series' atomic step; a year closed after printing still refuses new numbers."""
    if _year_closed(tx, reg.id, nam):
        raise _closed_error(reg, nam)
    return int(tx.scalar(_BUMP_NHIEM_KY, {"r": reg.id, "nk": term.id}))


def _existing_for_key(
    tx: Tx, vb: VanBanDangKy, reg: SoDangKy, nam: int, ky_hieu: str, trang_thai: str, nguoi: str,
    term: NhiemKy | None = None,
) -> CapSo | None:
    """The live number of this document key, if it still fits what is asked for now."""
    row = tx.one(f"{_ROWS} WHERE v.khoa = :khoa AND v.trang_thai <> :huy",
                 {"khoa": vb.khoa, "huy": t.TRANG_THAI_HUY})
    if row is None:
        return None
    dong = _dong(tx, row)
    _check_same_document(dong, reg, nam, ky_hieu, term.ma if term else None)
    state = dong.trang_thai
    if state == t.TRANG_THAI_GIU and trang_thai == t.TRANG_THAI_DA_CAP:
        now = _now()
        if not _set_state(tx, dong, t.TRANG_THAI_DA_CAP, now):
            raise _raced(tx, dong)
        _audit(tx, nguoi, "xac_nhan", row[20], now, nam=dong.nam, so=dong.so,
               so_ky_hieu=dong.so_ky_hieu, khoa=vb.khoa)
        state = t.TRANG_THAI_DA_CAP
    return CapSo(dong.so, dong.nam, dong.ky_hieu, dong.so_ky_hieu, False, row[20], dong.so_dang_ky,
                 state, dong.ngay, dong.nhiem_ky)


def _check_same_document(
    dong: DongSo, reg: SoDangKy, nam: int, ky_hieu: str, nhiem_ky: str | None = None
) -> None:
    """Refuse to hand an old number to a document that is no longer what it was taken for."""
    changed = []
    if dong.nhiem_ky != nhiem_ky:
        changed.append(f"nhiệm kỳ {dong.nhiem_ky or '(không)'} → {nhiem_ky or '(không)'}")
    if dong.nam != nam:
        changed.append(f"năm {dong.nam} → {nam}")
    if dong.so_dang_ky != reg.ma:
        changed.append(f"sổ '{dong.so_dang_ky}' → '{reg.ma}'")
    if dong.ky_hieu != ky_hieu:
        changed.append(f"ký hiệu {dong.ky_hieu} → {ky_hieu}")
    if not changed:
        return
    raise CongvanError(
        f"văn bản này đã được cấp số {dong.so_ky_hieu} năm {dong.nam} (sổ '{dong.so_dang_ky}'), "
        f"nhưng nay đã đổi: {', '.join(changed)}. Số cũ không dùng cho văn bản mới được. "
        f"Hoặc hủy số cũ (congvan so huy {dong.so_ky_hieu} --nam {dong.nam} --ly-do \"…\") "
        "rồi lấy số lại, hoặc giữ nguyên ngày, loại và cơ quan như lúc lấy số"
    )


def _set_state(tx: Tx, dong: DongSo, state: str, now: datetime, **extra: Any) -> bool:
    """Move the row to ``state`` only if it is still in the state it was read in.

    The conditional UPDATE is what serialises transitions on PostgreSQL (READ
    COMMITTED re-checks the WHERE after waiting for a concurrent writer's row
    lock): of a void and a confirm, or two confirms, of the same row at the same
    moment exactly one matches; the other gets False and must explain.
    """
    sets = ", ".join(f"{k} = :{k}" for k in extra)
    params = {**extra, "id": dong.id, "old": dong.trang_thai, "new": state, "luc": tx.moment(now)}
    if "ngay" in params:
        params["ngay"] = tx.day(params["ngay"])
    changed = tx.one(
        f"UPDATE so_van_ban SET trang_thai = :new, sua_luc = :luc{', ' + sets if sets else ''} "
        "WHERE id = :id AND trang_thai = :old RETURNING id",
        params,
    )
    return changed is not None


def _raced(tx: Tx, dong: DongSo) -> CongvanError:
    """The message for the loser of a transition race: what the winner did."""
    now = tx.scalar("SELECT trang_thai FROM so_van_ban WHERE id = :id", {"id": dong.id})
    what = {t.TRANG_THAI_DA_CAP: "xác nhận (đã cấp)", t.TRANG_THAI_HUY: "hủy"}.get(now, now)
    return CongvanError(
        f"số {dong.so_ky_hieu} vừa được người khác {what} cùng lúc; thao tác này không được "
        "thực hiện — xem lại bằng 'congvan so ds'"
    )


# --------------------------------------------------------------------------- row changes


def _find_row(tx: Tx, ref: str | int, nam: int, ma: str | None) -> tuple[DongSo, int]:
    """A row (and its register id) by number in one register or by symbol ``05/KH-LĐLĐ``."""
    ref_text = str(ref).strip()
    sql = f"{_ROWS} WHERE v.nam = :nam"
    params: dict[str, Any] = {"nam": nam}
    if ref_text.isdigit():
        reg = _only_register(tx, ma)
        sql += " AND v.so_dang_ky_id = :r AND v.so = :so"
        params |= {"r": reg.id, "so": int(ref_text)}
    else:
        try:
            so, ky_hieu = _split_ref(ref_text)
        except ValueError:
            raise CongvanError(
                f"không hiểu số văn bản '{ref_text}': ghi số (5) hoặc số và ký hiệu "
                "(05/KH-LĐLĐ, văn bản Đảng 05-NQ/ĐU)"
            ) from None
        sql += " AND v.so = :so AND v.ky_hieu = :ky_hieu"
        params |= {"so": so, "ky_hieu": ky_hieu}
        if ma:
            sql += " AND v.so_dang_ky_id = :r"
            params["r"] = _register_by_ma(tx, ma).id
    rows = tx.all(sql, params)
    if not rows:
        raise CongvanError(f"không tìm thấy số '{ref_text}' trong năm {nam}")
    if len(rows) > 1:
        names = ", ".join(sorted(r[1] + (f" nhiệm kỳ {r[21]}" if r[21] else "") for r in rows))
        raise CongvanError(f"số '{ref_text}' năm {nam} có ở nhiều sổ ({names}); chọn sổ bằng --so")
    return _dong(tx, rows[0]), rows[0][20]


_PARTY_REF = re.compile(r"^\s*(\d+)\s*-\s*(\S+?)\s*$")


def _split_ref(ref: str) -> tuple[int, str]:
    """``05/KH-LĐLĐ`` (NĐ30) or ``05-NQ/ĐU`` (Party, Đoàn) → number and symbol."""
    try:
        return tach_so_ky_hieu(ref)
    except ValueError:
        m = _PARTY_REF.match(ref)
        if not m:
            raise
        return int(m.group(1)), m.group(2)


def _reload(tx: Tx, row_id: int) -> DongSo:
    return _dong(tx, tx.one(f"{_ROWS} WHERE v.id = :id", {"id": row_id}))  # type: ignore[arg-type]


def xac_nhan(
    db: str | None,
    ref: str | int,
    *,
    nam: int,
    so_dang_ky: str | None = None,
    trich_yeu: str | None = None,
    nguoi_ky: str | None = None,
    noi_nhan: str | None = None,
    so_ban: int | None = None,
    ngay: date | None = None,
    nguoi: str | None = None,
) -> DongSo:
    """Confirm a reserved number (giữ số → đã cấp), optionally filling in its details."""
    _check_text(trich_yeu=trich_yeu, nguoi_ky=nguoi_ky, noi_nhan=noi_nhan, nguoi=nguoi)
    changes = _changes(trich_yeu=trich_yeu, nguoi_ky=nguoi_ky, noi_nhan=noi_nhan,
                       so_ban=so_ban, ngay=ngay)
    with database(db).write() as tx:
        dong, reg_id = _find_row(tx, ref, nam, so_dang_ky)
        if _year_closed(tx, reg_id, nam):
            raise _closed_error(_register_by_ma(tx, dong.so_dang_ky), nam)
        if dong.trang_thai == t.TRANG_THAI_DA_CAP:
            raise CongvanError(f"số {dong.so_ky_hieu} đã được cấp chính thức, không cần xác nhận")
        if dong.trang_thai == t.TRANG_THAI_HUY:
            raise CongvanError(f"số {dong.so_ky_hieu} đã bị hủy, không thể xác nhận")
        if ngay is not None and ngay.year != nam:
            raise CongvanError(
                f"số {dong.so_ky_hieu} thuộc năm {nam}; ngày {ngay:%d/%m/%Y} nằm ở năm khác"
            )
        if not changes.get("trich_yeu", dong.trich_yeu).strip():
            raise CongvanError(f"số {dong.so_ky_hieu} chưa có trích yếu; ghi thêm --trich-yeu")
        now = _now()
        if not _set_state(tx, dong, t.TRANG_THAI_DA_CAP, now, **changes):
            raise _raced(tx, dong)
        _audit(tx, _nguoi(nguoi), "xac_nhan", reg_id, now, nam=nam, so=dong.so,
               so_ky_hieu=dong.so_ky_hieu, thay_doi=changes)
        return _reload(tx, dong.id)


def _changes(**fields: Any) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if v is not None}
    if "trich_yeu" in out:
        out["trich_yeu"] = out["trich_yeu"].strip()
        out["trich_yeu_khong_dau"] = khoa_tim_kiem(out["trich_yeu"])
    if "so_ban" in out and out["so_ban"] < 1:
        raise CongvanError("số lượng bản phải từ 1 trở lên")
    return out


def huy_so(
    db: str | None,
    ref: str | int,
    *,
    nam: int,
    ly_do: str,
    so_dang_ky: str | None = None,
    nguoi: str | None = None,
) -> DongSo:
    """Void a number: the row stays in the register, marked void with the reason."""
    if not ly_do or not ly_do.strip():
        raise CongvanError("cần ghi lý do hủy số")
    _check_text(ly_do=ly_do, nguoi=nguoi)
    with database(db).write() as tx:
        dong, reg_id = _find_row(tx, ref, nam, so_dang_ky)
        if _year_closed(tx, reg_id, nam):
            raise _closed_error(_register_by_ma(tx, dong.so_dang_ky), nam)
        if dong.trang_thai == t.TRANG_THAI_HUY:
            raise CongvanError(f"số {dong.so_ky_hieu} đã bị hủy trước đó ({dong.ly_do_huy})")
        now = _now()
        if not _set_state(tx, dong, t.TRANG_THAI_HUY, now, ly_do_huy=ly_do.strip()):
            raise _raced(tx, dong)
        _audit(tx, _nguoi(nguoi), "huy_so", reg_id, now, nam=nam, so=dong.so,
               so_ky_hieu=dong.so_ky_hieu, trang_thai_cu=dong.trang_thai, ly_do=ly_do.strip())
        return _reload(tx, dong.id)


def khoa_nam(
    db: str | None, nam: int, *, so_dang_ky: str | None = None, nguoi: str | None = None
) -> KhoaNam:
    """Close a register year after printing: no more takes, confirmations or voids in it."""
    with database(db).write() as tx:
        reg = _only_register(tx, so_dang_ky)
        # Close first (this locks the counter row, waiting for takes in flight),
        # then count reservations: a reservation committed meanwhile is seen and
        # the close rolls back instead of sealing a year with a held number.
        so_cuoi = tx.scalar(
            "INSERT INTO dem_so (so_dang_ky_id, nam, so_cuoi, da_khoa) VALUES (:r, :nam, 0, :yes) "
            "ON CONFLICT (so_dang_ky_id, nam) DO UPDATE SET da_khoa = :yes RETURNING so_cuoi",
            {"r": reg.id, "nam": nam, "yes": True},
        )
        counts = {"r": reg.id, "nam": nam, "giu": t.TRANG_THAI_GIU}
        held = tx.scalar("SELECT count(*) FROM so_van_ban WHERE so_dang_ky_id = :r AND nam = :nam "
                         "AND trang_thai = :giu", counts)
        if held:
            raise CongvanError(
                f"sổ '{reg.ma}' năm {nam} còn {held} số đang giữ; xác nhận hoặc hủy trước khi khóa"
            )
        count = tx.scalar("SELECT count(*) FROM so_van_ban WHERE so_dang_ky_id = :r AND nam = :nam",
                          counts)
        if reg.chu_ky == t.CHU_KY_NHIEM_KY:  # the year counter is unused: the year's last number
            so_cuoi = tx.scalar("SELECT so FROM so_van_ban WHERE so_dang_ky_id = :r AND nam = :nam "
                                "ORDER BY id DESC LIMIT 1", counts) or 0
        _audit(tx, _nguoi(nguoi), "khoa_nam", reg.id, _now(), nam=nam, so_dong=count,
               so_cuoi=so_cuoi)
        return KhoaNam(reg.ma, nam, count, so_cuoi)


# --------------------------------------------------------------------------- reading


def danh_sach(db: str | None, nam: int, *, so_dang_ky: str | None = None) -> list[DongSo]:
    """Every row of a year (voided ones included), by register then number."""
    with database(db).read() as tx:
        sql, params = f"{_ROWS} WHERE v.nam = :nam", {"nam": nam}
        if so_dang_ky:
            sql += " AND v.so_dang_ky_id = :r"
            params["r"] = _register_by_ma(tx, so_dang_ky).id
        return [_dong(tx, r) for r in tx.all(sql + " ORDER BY r.ma, v.so, v.id", params)]


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tim(
    db: str | None, tu_khoa: str, *, nam: int | None = None, so_dang_ky: str | None = None
) -> list[DongSo]:
    """Rows whose trích yếu contains every word of ``tu_khoa``, ignoring accents and case."""
    words = khoa_tim_kiem(tu_khoa).split()
    if not words:
        raise CongvanError("cần từ khóa để tìm")
    conds = [f"v.trich_yeu_khong_dau LIKE :w{i} ESCAPE '\\'" for i in range(len(words))]
    params: dict[str, Any] = {f"w{i}": f"%{_like_escape(w)}%" for i, w in enumerate(words)}
    with database(db).read() as tx:
        sql = f"{_ROWS} WHERE " + " AND ".join(conds)
        if nam is not None:
            sql += " AND v.nam = :nam"
            params["nam"] = nam
        if so_dang_ky:
            sql += " AND v.so_dang_ky_id = :r"
            params["r"] = _register_by_ma(tx, so_dang_ky).id
        return [_dong(tx, r) for r in tx.all(sql + " ORDER BY v.nam DESC, r.ma, v.so", params)]


def chon_so_dang_ky(db: str | None, so_dang_ky: str | None) -> SoDangKy:
    """The named register, or the only active one when no name is given."""
    with database(db).read() as tx:
        return _only_register(tx, so_dang_ky)


def nhat_ky(db: str | None, *, so_dang_ky: str | None = None) -> list[dict[str, Any]]:
    """The audit log, oldest first (payload decoded)."""
    with database(db).read() as tx:
        sql, params = "SELECT luc, nguoi, hanh_dong, so_dang_ky_id, noi_dung FROM nhat_ky", {}
        if so_dang_ky:
            sql += " WHERE so_dang_ky_id = :r"
            params["r"] = _register_by_ma(tx, so_dang_ky).id
        return [
            {"luc": tx.read_moment(r[0]), "nguoi": r[1], "hanh_dong": r[2],
             "so_dang_ky_id": r[3], "noi_dung": json.loads(r[4])}
            for r in tx.all(sql + " ORDER BY id", params)
        ]
