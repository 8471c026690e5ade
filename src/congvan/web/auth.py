"""Accounts, roles, password hashing, login rate limit and CSRF tokens.

Passwords are hashed with argon2-cffi (the OWASP first choice; no hand-rolled
crypto). Roles follow the office's division of work (NĐ30 Điều 14–18):
chuyên viên drafts, lãnh đạo reviews, văn thư issues numbers and keeps the
register, quản trị manages accounts.
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from congvan.errors import CongvanError
from congvan.vi.ky_tu import loi_ky_tu
from congvan.web import store

VAI_TRO = {
    "chuyen_vien": "Chuyên viên",
    "lanh_dao": "Lãnh đạo",
    "van_thu": "Văn thư",
    "quan_tri": "Quản trị",
}
#: what each right needs
QUYEN = {
    "soan": {"chuyen_vien", "lanh_dao", "van_thu"},
    "duyet": {"lanh_dao"},
    "ban_hanh": {"van_thu"},
    "so": {"van_thu"},
    "in_loat": {"van_thu", "chuyen_vien"},
    "tai_khoan": {"quan_tri"},
}
MIN_PASSWORD = 8
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("không-phải-mật-khẩu")


@dataclass(frozen=True)
class NguoiDung:
    id: int
    ten_dang_nhap: str
    ho_ten: str
    vai_tro: str
    hoat_dong: bool

    def co_quyen(self, quyen: str) -> bool:
        return self.hoat_dong and self.vai_tro in QUYEN[quyen]

    @property
    def ten_vai_tro(self) -> str:
        return VAI_TRO.get(self.vai_tro, self.vai_tro)


def _from_row(row: dict) -> NguoiDung:
    return NguoiDung(row["id"], row["ten_dang_nhap"], row["ho_ten"], row["vai_tro"], bool(row["hoat_dong"]))


def _check_new(ten_dang_nhap: str, ho_ten: str, vai_tro: str, mat_khau: str) -> None:
    if not re.fullmatch(r"[a-z0-9._-]{2,64}", ten_dang_nhap):
        raise CongvanError("tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch (2–64 ký tự)")
    if not ho_ten.strip():
        raise CongvanError("cần họ và tên")
    problem = loi_ky_tu(ho_ten)
    if problem:
        raise CongvanError(f"họ và tên: {problem}")
    if vai_tro not in VAI_TRO:
        raise CongvanError(f"vai trò phải là một trong: {', '.join(VAI_TRO)}")
    check_password(mat_khau)


def check_password(mat_khau: str) -> None:
    if len(mat_khau) < MIN_PASSWORD:
        raise CongvanError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")


def tao_nguoi_dung(db: str, ten_dang_nhap: str, ho_ten: str, vai_tro: str, mat_khau: str, *, boi: str) -> NguoiDung:
    """Create an account; the password is stored only as an argon2 hash."""
    ten_dang_nhap = ten_dang_nhap.strip().lower()
    _check_new(ten_dang_nhap, ho_ten, vai_tro, mat_khau)
    with store.writing(db) as tx:
        if tx.one("SELECT id FROM web_nguoi_dung WHERE ten_dang_nhap = :t", {"t": ten_dang_nhap}):
            raise CongvanError(f"tên đăng nhập '{ten_dang_nhap}' đã có")
        new_id = store.insert(
            tx,
            "web_nguoi_dung",
            {
                "ten_dang_nhap": ten_dang_nhap,
                "ho_ten": ho_ten.strip(),
                "vai_tro": vai_tro,
                "mat_khau": _hasher.hash(mat_khau),
                "hoat_dong": True,
                "tao_luc": store.now(),
            },
        )
        store.ghi_nhat_ky(tx, boi, "tao_tai_khoan", ten_dang_nhap=ten_dang_nhap, vai_tro=vai_tro)
    return NguoiDung(int(new_id), ten_dang_nhap, ho_ten.strip(), vai_tro, True)


def co_quan_tri(db: str) -> bool:
    with store.reading(db) as tx:
        return (
            tx.one("SELECT id FROM web_nguoi_dung WHERE vai_tro = 'quan_tri' AND hoat_dong = :t", {"t": True})
            is not None
        )


def danh_sach(db: str) -> list[NguoiDung]:
    with store.reading(db) as tx:
        found = store.rows(tx, "SELECT * FROM web_nguoi_dung ORDER BY ten_dang_nhap")
    return [_from_row(r) for r in found]


def lay(db: str, user_id: int) -> NguoiDung | None:
    with store.reading(db) as tx:
        row = store.one(tx, "SELECT * FROM web_nguoi_dung WHERE id = :i", {"i": user_id})
    return _from_row(row) if row else None


def doi_trang_thai(db: str, user_id: int, hoat_dong: bool, *, boi: str) -> None:
    with store.writing(db) as tx:
        store.update(tx, "web_nguoi_dung", {"id": user_id}, {"hoat_dong": hoat_dong})
        store.ghi_nhat_ky(tx, boi, "khoa_tai_khoan" if not hoat_dong else "mo_tai_khoan", id=user_id)


def dat_mat_khau(db: str, user_id: int, mat_khau: str, *, boi: str) -> None:
    check_password(mat_khau)
    with store.writing(db) as tx:
        store.update(tx, "web_nguoi_dung", {"id": user_id}, {"mat_khau": _hasher.hash(mat_khau)})
        store.ghi_nhat_ky(tx, boi, "dat_mat_khau", id=user_id)


def xac_thuc(db: str, ten_dang_nhap: str, mat_khau: str) -> NguoiDung | None:
    """The active account for these credentials, or None (same work either way)."""
    with store.reading(db) as tx:
        row = store.one(
            tx, "SELECT * FROM web_nguoi_dung WHERE ten_dang_nhap = :t", {"t": ten_dang_nhap.strip().lower()}
        )
    try:
        _hasher.verify(row["mat_khau"] if row else _DUMMY_HASH, mat_khau)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["hoat_dong"]:
        return None
    return _from_row(row)


class RateLimiter:
    """At most ``limit`` failed logins per key within ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._fails: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        fails = [t for t in self._fails.get(key, []) if now - t < self.window]
        self._fails[key] = fails
        return fails

    def cho_doi(self, key: str) -> int:
        """Seconds to wait before the next attempt is allowed (0 = allowed)."""
        now = time.monotonic()
        with self._lock:
            fails = self._recent(key, now)
            if len(fails) < self.limit:
                return 0
            return int(self.window - (now - fails[0])) + 1

    def that_bai(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())

    def xoa(self, key: str) -> None:
        with self._lock:
            self._fails.pop(key, None)


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict, sent: str | None) -> bool:
    token = session.get("csrf")
    return bool(token and sent and hmac.compare_digest(token, sent))
