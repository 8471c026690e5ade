"""The register's Python API (used by ``congvan so …`` and ``congvan render --cap-so``).

Every function takes ``db``: a file path (SQLite) or a ``postgresql://`` URL; None
means ``$CONGVAN_DB`` or ``so-van-ban.sqlite3`` in the current directory.

Allocation is one transaction: pick the register, bump the (register, year)
counter row with an upsert that returns the new value, insert the register row,
append to the audit log. The database serialises the bump (SQLite: BEGIN
IMMEDIATE; PostgreSQL: the counter row lock), and UNIQUE(register, year, number)
backs it up. Nothing computes MAX+1 in Python.

Default register: when ``so_dang_ky`` is None the body's register is chosen from
its abbreviation (secret → its ``mat`` series; otherwise its series for this type
if it keeps per-type series, else its shared ``chung`` series). A body with no
register of that kind yet gets one created automatically (``<CQ>-chung`` or
``<CQ>-mat``) so that rendering works out of the box; a body that keeps per-type
series but lacks one for this type gets an error instead, so schemes never mix.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, and_, exc, func, select
from sqlalchemy.dialects import postgresql, sqlite

from congvan.errors import CongvanError, Problem
from congvan.register import schema as t
from congvan.register.db import read_tx, write_tx
from congvan.register.fold import khoa_tim_kiem
from congvan.vi.ky_tu import loi_ky_tu
from congvan.vi.so_ky_hieu import ky_hieu_van_ban, loi_ky_hieu, so_va_ky_hieu, tach_so_ky_hieu

# Test hook: when set to a file path, a take pauses inside its transaction right
# after bumping the counter, after creating that file (fault-injection tests).
HOOK_PAUSE_AFTER_COUNTER = "CONGVAN_TEST_TAM_DUNG_SAU_DEM"
_RETRIES = 5

T = TypeVar("T")


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


# --------------------------------------------------------------------------- helpers


def _check_text(**fields: object) -> None:
    """Refuse XML-illegal characters before they reach the register (one rule: vi.ky_tu).

    A row is kept for years and printed (XLSX/DOCX), so a control character must be
    refused here, naming the field, not discovered when the year is exported.
    """
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


def _nguoi(nguoi: str | None) -> str:
    if nguoi and nguoi.strip():
        return nguoi.strip()
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers/services
        return "không rõ"


def _audit(
    conn: Connection, nguoi: str, hanh_dong: str, so_dang_ky_id: int | None, **payload: Any
) -> None:
    conn.execute(
        t.nhat_ky.insert().values(
            luc=_now(),
            nguoi=nguoi,
            hanh_dong=hanh_dong,
            so_dang_ky_id=so_dang_ky_id,
            noi_dung=json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True),
        )
    )


def _retry(fn: Callable[[], T]) -> T:
    """Re-run a whole transaction when a concurrent writer won a uniqueness race.

    Only PostgreSQL gets here (SQLite writers are serialised by BEGIN IMMEDIATE):
    two first-time creations of the same default register, or two takes with the
    same document key. The retry then finds what the winner wrote.
    """
    for attempt in range(_RETRIES):
        try:
            return fn()
        except exc.IntegrityError:
            if attempt == _RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _pause_hook() -> None:
    marker = os.environ.get(HOOK_PAUSE_AFTER_COUNTER)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
        time.sleep(3600)


def _upsert(conn: Connection):  # type: ignore[no-untyped-def]
    return (sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert)(t.dem_so)


def _reg_from_row(row: Row[Any]) -> SoDangKy:
    return SoDangKy(
        id=row.id,
        ma=row.ma,
        co_quan_viet_tat=row.co_quan_viet_tat,
        ten=row.ten,
        ten_co_quan=row.ten_co_quan,
        loai_series=row.loai_series,
        active=bool(row.active),
    )


def _dong_from_row(row: Row[Any]) -> DongSo:
    return DongSo(
        id=row.id,
        so_dang_ky=row.ma,
        nam=row.nam,
        so=row.so,
        ky_hieu=row.ky_hieu,
        so_ky_hieu=row.so_ky_hieu,
        ngay=row.ngay,
        ma_loai=row.ma_loai,
        ten_loai=row.ten_loai,
        trich_yeu=row.trich_yeu,
        nguoi_ky=row.nguoi_ky,
        noi_nhan=row.noi_nhan,
        don_vi_luu=row.don_vi_luu,
        so_ban=row.so_ban,
        ngay_chuyen=row.ngay_chuyen,
        ky_nhan=row.ky_nhan,
        ghi_chu=row.ghi_chu,
        trang_thai=row.trang_thai,
        ly_do_huy=row.ly_do_huy,
        khoa=row.khoa,
    )


def _rows_query():  # type: ignore[no-untyped-def]
    return select(t.so_van_ban, t.so_dang_ky.c.ma).join(
        t.so_dang_ky, t.so_dang_ky.c.id == t.so_van_ban.c.so_dang_ky_id
    )


def _series_key(ma_loai: str | None) -> str:
    return ma_loai or t.SERIES_CONG_VAN


def _all_registers(conn: Connection) -> list[SoDangKy]:
    rows = conn.execute(select(t.so_dang_ky).order_by(t.so_dang_ky.c.ma)).all()
    return [_reg_from_row(r) for r in rows]


def _unknown_register(conn: Connection, ma: str) -> CongvanError:
    known = ", ".join(r.ma for r in _all_registers(conn)) or "(chưa có sổ nào)"
    return CongvanError(f"không có sổ đăng ký '{ma}'; các sổ hiện có: {known}")


def _register_by_ma(conn: Connection, ma: str) -> SoDangKy:
    row = conn.execute(select(t.so_dang_ky).where(t.so_dang_ky.c.ma == ma.strip())).first()
    if row is None:
        raise _unknown_register(conn, ma)
    return _reg_from_row(row)


def _only_register(conn: Connection, ma: str | None) -> SoDangKy:
    """The named register, or the only active one when no name is given."""
    if ma:
        return _register_by_ma(conn, ma)
    active = [r for r in _all_registers(conn) if r.active]
    if len(active) == 1:
        return active[0]
    if not active:
        raise CongvanError("chưa có sổ đăng ký nào; tạo sổ bằng 'congvan so tao'")
    names = ", ".join(r.ma for r in active)
    raise CongvanError(f"có nhiều sổ đăng ký ({names}); chọn một sổ bằng --so")


def _year_closed(conn: Connection, so_dang_ky_id: int, nam: int) -> bool:
    """Whether the year is closed; on PostgreSQL the counter row stays share-locked
    until commit so a concurrent ``khoa_nam`` cannot close the year under a change."""
    closed = conn.execute(
        select(t.dem_so.c.da_khoa)
        .where(t.dem_so.c.so_dang_ky_id == so_dang_ky_id, t.dem_so.c.nam == nam)
        .with_for_update(read=True)
    ).scalar()
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
) -> SoDangKy:
    """Create a register: ``loai_series`` is ``chung``, ``mat`` or a type code (``KH``, ``CV``…)."""
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
    return _retry(
        lambda: _create_register(db, ma, co_quan, loai_series, ten, ten_co_quan, _nguoi(nguoi))
    )


def _create_register(
    db: str | None, ma: str, co_quan: str, loai: str, ten: str, ten_cq: str, nguoi: str
) -> SoDangKy:
    with write_tx(db) as conn:
        if conn.execute(select(t.so_dang_ky.c.id).where(t.so_dang_ky.c.ma == ma)).first():
            raise CongvanError(f"sổ đăng ký '{ma}' đã có")
        clash = conn.execute(
            select(t.so_dang_ky.c.ma).where(
                t.so_dang_ky.c.co_quan_viet_tat == co_quan, t.so_dang_ky.c.loai_series == loai
            )
        ).scalar()
        if clash:
            raise CongvanError(f"cơ quan {co_quan} đã có sổ '{clash}' cho loại sổ '{loai}'")
        return _insert_register(conn, ma, co_quan, loai, ten, ten_cq, nguoi)


def _insert_register(
    conn: Connection, ma: str, co_quan: str, loai: str, ten: str, ten_cq: str, nguoi: str
) -> SoDangKy:
    if not ten:
        kind = {t.SERIES_CHUNG: "chung", t.SERIES_MAT: "mật"}.get(loai, f"loại {loai}")
        ten = f"Sổ đăng ký văn bản đi {kind} - {co_quan}"
    new_id = conn.execute(
        t.so_dang_ky.insert()
        .values(
            ma=ma, co_quan_viet_tat=co_quan, ten=ten, ten_co_quan=ten_cq,
            loai_series=loai, active=True, tao_luc=_now(),
        )
        .returning(t.so_dang_ky.c.id)
    ).scalar_one()
    _audit(conn, nguoi, "tao_so", new_id, ma=ma, co_quan=co_quan, loai_series=loai, ten=ten)
    return SoDangKy(new_id, ma, co_quan, ten, ten_cq, loai, True)


def danh_sach_so_dang_ky(db: str | None) -> list[SoDangKy]:
    """All registers, by code."""
    with read_tx(db) as conn:
        return _all_registers(conn)


def _choose_register(
    conn: Connection,
    ma: str | None,
    co_quan: str,
    ma_loai: str | None,
    mat: bool,
    nguoi: str,
) -> SoDangKy:
    if ma:
        reg = _register_by_ma(conn, ma)
        _check_register_fits(reg, co_quan, ma_loai, mat)
        return reg
    if not co_quan:
        raise CongvanError("cần tên viết tắt cơ quan ban hành (hoặc chỉ rõ sổ đăng ký)")
    regs = [
        _reg_from_row(r)
        for r in conn.execute(
            select(t.so_dang_ky).where(
                t.so_dang_ky.c.co_quan_viet_tat == co_quan, t.so_dang_ky.c.active.is_(True)
            )
        )
    ]
    if mat:
        wanted = [r for r in regs if r.loai_series == t.SERIES_MAT]
        if wanted:
            return wanted[0]
        return _insert_register(conn, f"{co_quan}-mat", co_quan, t.SERIES_MAT, "", "", nguoi)
    normal = [r for r in regs if r.loai_series != t.SERIES_MAT]
    for key in (_series_key(ma_loai), t.SERIES_CHUNG):
        for r in normal:
            if r.loai_series == key:
                return r
    if normal:
        raise CongvanError(
            f"cơ quan {co_quan} dùng sổ theo từng loại văn bản nhưng chưa có sổ cho loại "
            f"'{_series_key(ma_loai)}'; tạo sổ bằng 'congvan so tao … --loai "
            f"{_series_key(ma_loai)}'"
        )
    return _insert_register(conn, f"{co_quan}-chung", co_quan, t.SERIES_CHUNG, "", "", nguoi)


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


# --------------------------------------------------------------------------- allocation


def cap_so(
    db: str | None,
    *,
    so_dang_ky: str | None,
    co_quan: str,
    ma_loai: str | None,
    ngay: date,
    trich_yeu: str,
    ten_loai: str = "",
    nguoi_ky: str = "",
    noi_nhan: str = "",
    so_ban: int | None = None,
    co_quan_phoi_hop: Sequence[str] = (),
    don_vi: str | None = None,
    khoa: str | None = None,
    mat: bool = False,
    nguoi: str | None = None,
) -> CapSo:
    """Take the next number of the year of ``ngay`` and record the row as issued.

    With ``khoa`` (a document key) the call is idempotent: if the key already holds
    a live number that number is returned with ``moi=False`` (a reservation under
    that key is confirmed). ``co_quan`` may be empty when ``so_dang_ky`` is given.
    """
    if not trich_yeu or not trich_yeu.strip():
        raise CongvanError("cần trích yếu nội dung văn bản để vào sổ")
    return _take(db, t.TRANG_THAI_DA_CAP, locals())


def giu_so(
    db: str | None,
    *,
    so_dang_ky: str | None,
    co_quan: str,
    ma_loai: str | None,
    ngay: date,
    trich_yeu: str = "",
    ten_loai: str = "",
    nguoi_ky: str = "",
    noi_nhan: str = "",
    so_ban: int | None = None,
    co_quan_phoi_hop: Sequence[str] = (),
    don_vi: str | None = None,
    khoa: str | None = None,
    mat: bool = False,
    nguoi: str | None = None,
) -> CapSo:
    """Reserve the next number for a document still being signed (giữ số)."""
    return _take(db, t.TRANG_THAI_GIU, locals())


def _take(db: str | None, trang_thai: str, args: dict[str, Any]) -> CapSo:
    args = {k: v for k, v in args.items() if k != "db"}
    _validate_take(args)
    return _retry(lambda: _take_once(db, trang_thai, args))


def _validate_take(a: dict[str, Any]) -> None:
    _check_text(**{k: a[k] for k in (
        "so_dang_ky", "co_quan", "ma_loai", "trich_yeu", "ten_loai", "nguoi_ky", "noi_nhan",
        "co_quan_phoi_hop", "don_vi", "khoa", "nguoi",
    )})
    if not isinstance(a["ngay"], date):
        raise CongvanError("ngày văn bản không hợp lệ")
    if a["so_ban"] is not None and a["so_ban"] < 1:
        raise CongvanError("số lượng bản phải từ 1 trở lên")
    if a["khoa"] is not None and not str(a["khoa"]).strip():
        raise CongvanError("khóa văn bản không được để trống")


def _take_once(db: str | None, trang_thai: str, a: dict[str, Any]) -> CapSo:
    nguoi = _nguoi(a["nguoi"])
    co_quan = (a["co_quan"] or "").strip()
    ma_loai = (a["ma_loai"] or "").strip() or None
    with write_tx(db) as conn:
        if a["khoa"]:
            found = _existing_for_key(conn, a["khoa"], trang_thai, nguoi)
            if found is not None:
                return found
        reg = _choose_register(conn, a["so_dang_ky"], co_quan, ma_loai, a["mat"], nguoi)
        ky_hieu = _build_ky_hieu(reg, ma_loai, a["co_quan_phoi_hop"], a["don_vi"])
        nam = a["ngay"].year
        so = _bump_counter(conn, reg, nam)
        _pause_hook()
        so_ky_hieu = so_va_ky_hieu(so, ky_hieu)
        now = _now()
        conn.execute(
            t.so_van_ban.insert().values(
                so_dang_ky_id=reg.id, nam=nam, so=so, ky_hieu=ky_hieu, so_ky_hieu=so_ky_hieu,
                ngay=a["ngay"], ma_loai=ma_loai or "", ten_loai=a["ten_loai"] or "",
                trich_yeu=(a["trich_yeu"] or "").strip(),
                trich_yeu_khong_dau=khoa_tim_kiem(a["trich_yeu"] or ""),
                nguoi_ky=a["nguoi_ky"] or "", noi_nhan=a["noi_nhan"] or "",
                don_vi_luu=a["don_vi"] or "", so_ban=a["so_ban"], trang_thai=trang_thai,
                khoa=a["khoa"], nguoi_tao=nguoi, tao_luc=now, sua_luc=now,
            )
        )
        action = "cap_so" if trang_thai == t.TRANG_THAI_DA_CAP else "giu_so"
        _audit(
            conn, nguoi, action, reg.id, nam=nam, so=so, so_ky_hieu=so_ky_hieu,
            ngay=a["ngay"].isoformat(), trich_yeu=a["trich_yeu"], khoa=a["khoa"],
        )
        return CapSo(so, nam, ky_hieu, so_ky_hieu, True, reg.id, reg.ma, trang_thai, a["ngay"])


def _build_ky_hieu(
    reg: SoDangKy, ma_loai: str | None, phoi_hop: Sequence[str], don_vi: str | None
) -> str:
    bodies = [reg.co_quan_viet_tat, *[p.strip() for p in phoi_hop if p.strip()]]
    ky_hieu = ky_hieu_van_ban(ma_loai, bodies, (don_vi or "").strip() or None)
    problem = loi_ky_hieu(ky_hieu, [ma_loai] if ma_loai else [])
    if problem:
        raise CongvanError(problem)
    return ky_hieu


def _bump_counter(conn: Connection, reg: SoDangKy, nam: int) -> int:
    """The atomic step: insert-or-increment the counter row and read it back."""
    stmt = _upsert(conn).values(so_dang_ky_id=reg.id, nam=nam, so_cuoi=1, da_khoa=False)
    stmt = stmt.on_conflict_do_update(
        index_elements=[t.dem_so.c.so_dang_ky_id, t.dem_so.c.nam],
        set_={"so_cuoi": t.dem_so.c.so_cuoi + 1},
    ).returning(t.dem_so.c.so_cuoi, t.dem_so.c.da_khoa)
    so, closed = conn.execute(stmt).one()
    if closed:
        raise _closed_error(reg, nam)  # the exception rolls the bump back
    return int(so)


def _existing_for_key(conn: Connection, khoa: str, trang_thai: str, nguoi: str) -> CapSo | None:
    row = conn.execute(
        _rows_query().where(
            t.so_van_ban.c.khoa == khoa, t.so_van_ban.c.trang_thai != t.TRANG_THAI_HUY
        )
    ).first()
    if row is None:
        return None
    state = row.trang_thai
    if row.trang_thai == t.TRANG_THAI_GIU and trang_thai == t.TRANG_THAI_DA_CAP:
        if not _set_state(conn, row, t.TRANG_THAI_DA_CAP):
            raise _raced(conn, row)
        _audit(conn, nguoi, "xac_nhan", row.so_dang_ky_id, nam=row.nam, so=row.so,
               so_ky_hieu=row.so_ky_hieu, khoa=khoa)
        state = t.TRANG_THAI_DA_CAP
    return CapSo(row.so, row.nam, row.ky_hieu, row.so_ky_hieu, False, row.so_dang_ky_id,
                 row.ma, state, row.ngay)


def _set_state(conn: Connection, row: Row[Any], state: str, **extra: Any) -> bool:
    """Move ``row`` to ``state`` only if it is still in the state it was read in.

    The conditional UPDATE is what serialises transitions on PostgreSQL (READ
    COMMITTED re-checks the WHERE after waiting for a concurrent writer's row
    lock): of a void and a confirm, or two confirms, of the same row at the same
    moment exactly one matches; the other gets False and must explain.
    """
    changed = conn.execute(
        t.so_van_ban.update()
        .where(t.so_van_ban.c.id == row.id, t.so_van_ban.c.trang_thai == row.trang_thai)
        .values(trang_thai=state, sua_luc=_now(), **extra)
        .returning(t.so_van_ban.c.id)
    ).first()
    return changed is not None


def _raced(conn: Connection, row: Row[Any]) -> CongvanError:
    """The message for the loser of a transition race: what the winner did."""
    now = conn.execute(
        select(t.so_van_ban.c.trang_thai).where(t.so_van_ban.c.id == row.id)
    ).scalar()
    what = {t.TRANG_THAI_DA_CAP: "xác nhận (đã cấp)", t.TRANG_THAI_HUY: "hủy"}.get(now, now)
    return CongvanError(
        f"số {row.so_ky_hieu} vừa được người khác {what} cùng lúc; thao tác này không được "
        "thực hiện — xem lại bằng 'congvan so ds'"
    )


# --------------------------------------------------------------------------- row changes


def _find_row(conn: Connection, ref: str | int, nam: int, ma: str | None) -> Row[Any]:
    """A row by number (in one register) or by full symbol ``05/KH-LĐLĐ`` in a year."""
    ref_text = str(ref).strip()
    q = _rows_query().where(t.so_van_ban.c.nam == nam)
    if ref_text.isdigit():
        reg = _only_register(conn, ma)
        q = q.where(t.so_van_ban.c.so_dang_ky_id == reg.id, t.so_van_ban.c.so == int(ref_text))
    else:
        try:
            so, ky_hieu = tach_so_ky_hieu(ref_text)
        except ValueError:
            raise CongvanError(
                f"không hiểu số văn bản '{ref_text}': ghi số (5) hoặc số và ký hiệu (05/KH-LĐLĐ)"
            ) from None
        q = q.where(t.so_van_ban.c.so == so, t.so_van_ban.c.ky_hieu == ky_hieu)
        if ma:
            q = q.where(t.so_van_ban.c.so_dang_ky_id == _register_by_ma(conn, ma).id)
    rows = conn.execute(q).all()
    if not rows:
        raise CongvanError(f"không tìm thấy số '{ref_text}' trong năm {nam}")
    if len(rows) > 1:
        names = ", ".join(sorted(r.ma for r in rows))
        raise CongvanError(f"số '{ref_text}' năm {nam} có ở nhiều sổ ({names}); chọn sổ bằng --so")
    return rows[0]


def _reg_of(conn: Connection, row: Row[Any]) -> SoDangKy:
    return _register_by_ma(conn, row.ma)


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
    with write_tx(db) as conn:
        row = _find_row(conn, ref, nam, so_dang_ky)
        reg = _reg_of(conn, row)
        if _year_closed(conn, reg.id, nam):
            raise _closed_error(reg, nam)
        if row.trang_thai == t.TRANG_THAI_DA_CAP:
            raise CongvanError(f"số {row.so_ky_hieu} đã được cấp chính thức, không cần xác nhận")
        if row.trang_thai == t.TRANG_THAI_HUY:
            raise CongvanError(f"số {row.so_ky_hieu} đã bị hủy, không thể xác nhận")
        if ngay is not None and ngay.year != nam:
            raise CongvanError(
                f"số {row.so_ky_hieu} thuộc năm {nam}; ngày {ngay:%d/%m/%Y} nằm ở năm khác"
            )
        changes = _changes(trich_yeu=trich_yeu, nguoi_ky=nguoi_ky, noi_nhan=noi_nhan,
                           so_ban=so_ban, ngay=ngay)
        final_trich_yeu = changes.get("trich_yeu", row.trich_yeu)
        if not final_trich_yeu.strip():
            raise CongvanError(f"số {row.so_ky_hieu} chưa có trích yếu; ghi thêm --trich-yeu")
        if not _set_state(conn, row, t.TRANG_THAI_DA_CAP, **changes):
            raise _raced(conn, row)
        _audit(conn, _nguoi(nguoi), "xac_nhan", reg.id, nam=nam, so=row.so,
               so_ky_hieu=row.so_ky_hieu, thay_doi=changes)
        return _dong_from_row(conn.execute(_rows_query().where(t.so_van_ban.c.id == row.id)).one())


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
    with write_tx(db) as conn:
        row = _find_row(conn, ref, nam, so_dang_ky)
        reg = _reg_of(conn, row)
        if _year_closed(conn, reg.id, nam):
            raise _closed_error(reg, nam)
        if row.trang_thai == t.TRANG_THAI_HUY:
            raise CongvanError(f"số {row.so_ky_hieu} đã bị hủy trước đó ({row.ly_do_huy})")
        if not _set_state(conn, row, t.TRANG_THAI_HUY, ly_do_huy=ly_do.strip()):
            raise _raced(conn, row)
        _audit(conn, _nguoi(nguoi), "huy_so", reg.id, nam=nam, so=row.so,
               so_ky_hieu=row.so_ky_hieu, trang_thai_cu=row.trang_thai, ly_do=ly_do.strip())
        return _dong_from_row(conn.execute(_rows_query().where(t.so_van_ban.c.id == row.id)).one())


def khoa_nam(
    db: str | None, nam: int, *, so_dang_ky: str | None = None, nguoi: str | None = None
) -> KhoaNam:
    """Close a register year after printing: no more takes, confirmations or voids in it."""
    with write_tx(db) as conn:
        reg = _only_register(conn, so_dang_ky)
        # Close first (this locks the counter row, waiting for takes in flight),
        # then count reservations: a reservation committed meanwhile is seen and
        # the close rolls back instead of sealing a year with a held number.
        stmt = _upsert(conn).values(so_dang_ky_id=reg.id, nam=nam, so_cuoi=0, da_khoa=True)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.dem_so.c.so_dang_ky_id, t.dem_so.c.nam], set_={"da_khoa": True}
        ).returning(t.dem_so.c.so_cuoi)
        so_cuoi = conn.execute(stmt).scalar_one()
        held = conn.execute(
            select(func.count()).where(
                t.so_van_ban.c.so_dang_ky_id == reg.id, t.so_van_ban.c.nam == nam,
                t.so_van_ban.c.trang_thai == t.TRANG_THAI_GIU,
            )
        ).scalar_one()
        if held:
            raise CongvanError(
                f"sổ '{reg.ma}' năm {nam} còn {held} số đang giữ; xác nhận hoặc hủy trước khi khóa"
            )
        count = conn.execute(
            select(func.count()).where(
                t.so_van_ban.c.so_dang_ky_id == reg.id, t.so_van_ban.c.nam == nam
            )
        ).scalar_one()
        _audit(conn, _nguoi(nguoi), "khoa_nam", reg.id, nam=nam, so_dong=count, so_cuoi=so_cuoi)
        return KhoaNam(reg.ma, nam, count, so_cuoi)


# --------------------------------------------------------------------------- reading


def danh_sach(db: str | None, nam: int, *, so_dang_ky: str | None = None) -> list[DongSo]:
    """Every row of a year (voided ones included), by register then number."""
    with read_tx(db) as conn:
        q = _rows_query().where(t.so_van_ban.c.nam == nam)
        if so_dang_ky:
            q = q.where(t.so_van_ban.c.so_dang_ky_id == _register_by_ma(conn, so_dang_ky).id)
        rows = conn.execute(q.order_by(t.so_dang_ky.c.ma, t.so_van_ban.c.so)).all()
        return [_dong_from_row(r) for r in rows]


def _like_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def tim(
    db: str | None, tu_khoa: str, *, nam: int | None = None, so_dang_ky: str | None = None
) -> list[DongSo]:
    """Rows whose trích yếu contains every word of ``tu_khoa``, ignoring accents and case."""
    words = khoa_tim_kiem(tu_khoa).split()
    if not words:
        raise CongvanError("cần từ khóa để tìm")
    conds = [
        t.so_van_ban.c.trich_yeu_khong_dau.like(f"%{_like_escape(w)}%", escape="\\")
        for w in words
    ]
    with read_tx(db) as conn:
        q = _rows_query().where(and_(*conds))
        if nam is not None:
            q = q.where(t.so_van_ban.c.nam == nam)
        if so_dang_ky:
            q = q.where(t.so_van_ban.c.so_dang_ky_id == _register_by_ma(conn, so_dang_ky).id)
        order = (t.so_van_ban.c.nam.desc(), t.so_dang_ky.c.ma, t.so_van_ban.c.so)
        return [_dong_from_row(r) for r in conn.execute(q.order_by(*order)).all()]


def chon_so_dang_ky(db: str | None, so_dang_ky: str | None) -> SoDangKy:
    """The named register, or the only active one when no name is given."""
    with read_tx(db) as conn:
        return _only_register(conn, so_dang_ky)


def nhat_ky(db: str | None, *, so_dang_ky: str | None = None) -> list[dict[str, Any]]:
    """The audit log, oldest first (payload decoded)."""
    with read_tx(db) as conn:
        q = select(t.nhat_ky).order_by(t.nhat_ky.c.id)
        if so_dang_ky:
            q = q.where(t.nhat_ky.c.so_dang_ky_id == _register_by_ma(conn, so_dang_ky).id)
        return [
            {"luc": r.luc, "nguoi": r.nguoi, "hanh_dong": r.hanh_dong,
             "so_dang_ky_id": r.so_dang_ky_id, "noi_dung": json.loads(r.noi_dung)}
            for r in conn.execute(q)
        ]
