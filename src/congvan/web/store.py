"""The web workspace's own tables, on the register's database layer.

One database means one back-up file (SQLite) or one server (PostgreSQL), and
one way to open it: these tables are read and written through
:mod:`congvan.register.db` (the DBAPI driver, the thread's kept connection,
the same SQLite settings — WAL, FULL sync, BEGIN IMMEDIATE for writers — and
the same PostgreSQL timeouts and Vietnamese error messages). SQLAlchemy is
used only to emit the CREATE statements, as the register's ``schema.py`` does.
Tables are prefixed ``web_`` so they never collide with the register's.

* ``web_nguoi_dung``: accounts (argon2 hash, role, active flag).
* ``web_ho_so``: one row per document being drafted: its working copy (JSON),
  status, search key and, once issued, the frozen DOCX/PDF.
* ``web_phien_ban``: every explicit save, with its validation errors.
* ``web_nhat_ky``: who did what in the web workspace (the register keeps its own log).
* ``web_dot_in``: browser batches and their progress (survives a reload); a running
  batch names the server process that runs it (``chu``) and when that process last
  said it is still running it (``nhip_luc``), so another server on the same database
  tells a live batch from one whose server has died.

Version 1 (before ``chu``/``nhip_luc``) is upgraded in place by :func:`migration_ddl`,
under the same lock as creation, as the register upgrades its own schema.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from congvan.errors import CongvanError
from congvan.register.db import Conflict, Database, Reconnect, Tx, database

WEB_SCHEMA_VERSION = 2
_VERSION_KEY = "web_schema_version"
_WEB_SCHEMA_LOCK_KEY = 0x636F6E68  # advisory-lock key for creating the web tables (PostgreSQL)
#: columns read back as datetimes (SQLite keeps them as ISO text)
MOMENTS = frozenset({"tao_luc", "sua_luc", "luc", "nhip_luc"})

_ready_lock = threading.Lock()


def now() -> datetime:
    """The moment stored in the tables: UTC, naive, whole seconds (pages show it in local time)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def now_precise() -> datetime:
    """UTC, naive, to the microsecond: heartbeats, compared against limits below a second in tests."""
    return datetime.now(UTC).replace(tzinfo=None)


def metadata() -> Any:
    """The table definitions (SQLAlchemy imported only to emit their DDL)."""
    from sqlalchemy import (
        Boolean,
        Column,
        DateTime,
        ForeignKey,
        Integer,
        LargeBinary,
        MetaData,
        String,
        Table,
        Text,
        UniqueConstraint,
    )

    md = MetaData()
    Table(
        "web_nguoi_dung",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("ten_dang_nhap", String(64), nullable=False, unique=True),
        Column("ho_ten", Text, nullable=False),
        Column("vai_tro", String(16), nullable=False),
        Column("mat_khau", Text, nullable=False),
        Column("hoat_dong", Boolean, nullable=False, default=True),
        Column("tao_luc", DateTime, nullable=False),
    )
    Table(
        "web_ho_so",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("loai", String(64), nullable=False),
        Column("trang_thai", String(16), nullable=False),
        Column("tieu_de", Text, nullable=False, default=""),
        Column("tim_kiem", Text, nullable=False, default=""),
        Column("nam", Integer),
        Column("tac_gia", String(64), nullable=False),
        Column("du_lieu", Text, nullable=False),  # JSON working copy, saved even when invalid
        Column("yaml_goc", Text),  # the imported YAML, exact, while the form has not changed it
        Column("so_loi", Integer, nullable=False, default=0),
        Column("phien_ban", Integer, nullable=False, default=0),
        Column("nguoi_duyet", String(64)),
        Column("y_kien", Text, nullable=False, default=""),
        Column("so_ky_hieu", String(160)),
        Column("phien_ban_ban_hanh", Integer),
        Column("docx", LargeBinary),
        Column("pdf", LargeBinary),
        Column("tao_luc", DateTime, nullable=False),
        Column("sua_luc", DateTime, nullable=False),
    )
    Table(
        "web_phien_ban",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("ho_so_id", Integer, ForeignKey("web_ho_so.id"), nullable=False),
        Column("so", Integer, nullable=False),
        Column("du_lieu", Text, nullable=False),
        Column("yaml", Text, nullable=False),
        Column("loi", Text, nullable=False, default="[]"),
        Column("nguoi", String(64), nullable=False),
        Column("luc", DateTime, nullable=False),
        UniqueConstraint("ho_so_id", "so", name="uq_web_phien_ban"),
    )
    Table(
        "web_nhat_ky",
        md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("luc", DateTime, nullable=False),
        Column("nguoi", String(64), nullable=False),
        Column("hanh_dong", String(32), nullable=False),
        Column("noi_dung", Text, nullable=False, default="{}"),
    )
    Table(
        "web_dot_in",
        md,
        Column("id", String(32), primary_key=True),
        Column("nguoi", String(64), nullable=False),
        Column("trang_thai", String(16), nullable=False),  # moi, dang_chay, xong, loi
        Column("loai", String(16), nullable=False),
        Column("ten_tep", Text, nullable=False),
        Column("anh_xa", Text, nullable=False, default="{}"),
        Column("tong", Integer, nullable=False, default=0),
        Column("da_xong", Integer, nullable=False, default=0),
        Column("thong_bao", Text, nullable=False, default=""),
        Column("tao_luc", DateTime, nullable=False),
        Column("chu", String(160)),  # the server process running it (host/pid/start/instance)
        Column("nhip_luc", DateTime),  # that process's last heartbeat for it (UTC)
    )
    return md


def migration_ddl(kind: str, from_version: int) -> list[str]:
    """Statements that bring the web tables of ``from_version`` one version up.

    1 → 2: ``web_dot_in`` gains ``chu`` and ``nhip_luc`` (both empty on old rows, so a
    batch left running by a version-1 server counts as one whose server has stopped).
    """
    if from_version != 1:
        raise ValueError(f"no web migration from schema version {from_version}")
    stamp = "DATETIME" if kind == "sqlite" else "TIMESTAMP WITHOUT TIME ZONE"
    return [
        "ALTER TABLE web_dot_in ADD COLUMN chu VARCHAR(160)",
        f"ALTER TABLE web_dot_in ADD COLUMN nhip_luc {stamp}",
    ]


def schema_ddl(kind: str) -> list[str]:
    """CREATE … IF NOT EXISTS for every web table (a file made by an earlier version keeps its tables)."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect() if kind == "sqlite" else postgresql.psycopg.dialect()
    out = []
    for table in metadata().sorted_tables:
        out.append(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip())
        out += [str(CreateIndex(ix, if_not_exists=True).compile(dialect=dialect)).strip() for ix in table.indexes]
    return out


# --------------------------------------------------------------------------- opening


def _open(db: str) -> Database:
    """The register's :class:`Database` for ``db``, with the web tables made (once per process)."""
    d = database(db)
    if getattr(d, "web_tables_ready", False):  # marked on the object: it lives as long as its connections
        return d
    with _ready_lock:
        if not getattr(d, "web_tables_ready", False):
            _create_tables(d)
            d.web_tables_ready = True  # type: ignore[attr-defined]
    return d


def _create_tables(d: Database) -> None:
    with d.read() as tx:
        found = tx.scalar("SELECT gia_tri FROM congvan_thong_tin WHERE khoa = :k", {"k": _VERSION_KEY})
    if found is not None and int(found) == WEB_SCHEMA_VERSION:
        return
    if found is not None and int(found) > WEB_SCHEMA_VERSION:
        raise _too_new(d, found)
    with d.write() as tx:
        if not d.target.sqlite:  # two servers starting at once: one creates or upgrades, the other waits
            tx.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _WEB_SCHEMA_LOCK_KEY})
        found = tx.scalar("SELECT gia_tri FROM congvan_thong_tin WHERE khoa = :k", {"k": _VERSION_KEY})
        if found is None:
            for ddl in schema_ddl(d.target.kind):
                tx.execute(ddl)
            tx.execute(
                "INSERT INTO congvan_thong_tin (khoa, gia_tri) VALUES (:k, :v)",
                {"k": _VERSION_KEY, "v": str(WEB_SCHEMA_VERSION)},
            )
            return
        version = int(found)
        if version > WEB_SCHEMA_VERSION:
            raise _too_new(d, found)
        while version < WEB_SCHEMA_VERSION:  # all steps in this one transaction: all or nothing
            for ddl in migration_ddl(d.target.kind, version):
                tx.execute(ddl)
            version += 1
        tx.execute(
            "UPDATE congvan_thong_tin SET gia_tri = :v WHERE khoa = :k",
            {"k": _VERSION_KEY, "v": str(version)},
        )


def _too_new(d: Database, found: str) -> CongvanError:
    return CongvanError(
        f"cơ sở dữ liệu {d.target.where}: các bảng của không gian làm việc web do phiên bản congvan "
        f"mới hơn tạo (lược đồ web {found}, phiên bản này hiểu đến {WEB_SCHEMA_VERSION}): hãy cập nhật congvan"
    )


def ensure(db: str) -> None:
    """Open the database and create the web tables next to the register's (cheap once done)."""
    _open(db)


@contextmanager
def writing(db: str) -> Iterator[Tx]:
    """A write transaction on the register's layer (commit on success)."""
    d = _open(db)
    try:
        with d.write() as tx:
            yield tx
    except (Conflict, Reconnect) as err:
        raise _retry_later(d, err) from None


@contextmanager
def reading(db: str) -> Iterator[Tx]:
    """A read transaction: a consistent snapshot that never waits for a writer."""
    d = _open(db)
    try:
        with d.read() as tx:
            yield tx
    except Reconnect as err:
        raise _retry_later(d, err) from None


def _retry_later(d: Database, err: Exception) -> CongvanError:
    first = (str(err).strip().splitlines() or [type(err).__name__])[0]
    return CongvanError(
        f"cơ sở dữ liệu {d.target.where}: thao tác chưa được thực hiện ({first}); hãy thử lại"
    )


# --------------------------------------------------------------------------- rows


def _row(tx: Tx, cursor: Any, values: tuple[Any, ...]) -> dict[str, Any]:
    out = {}
    for col, value in zip(cursor.description, values, strict=True):
        name = col[0]
        out[name] = tx.read_moment(value) if name in MOMENTS and value is not None else value
    return out


def one(tx: Tx, sql: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The first row as a dict by column name (moments as datetimes), or None."""
    cursor = tx.execute(sql, params)
    values = cursor.fetchone()
    return None if values is None else _row(tx, cursor, values)


def rows(tx: Tx, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every row as a dict by column name (moments as datetimes)."""
    cursor = tx.execute(sql, params)
    return [_row(tx, cursor, values) for values in cursor.fetchall()]


def insert(tx: Tx, table: str, values: dict[str, Any], *, returning: str | None = "id") -> Any:
    """INSERT one row from a dict (datetimes stored as the driver expects); the new id back."""
    values = {k: tx.moment(v) if isinstance(v, datetime) else v for k, v in values.items()}
    cols = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
    if returning is None:
        tx.execute(sql, values)
        return None
    return tx.scalar(f"{sql} RETURNING {returning}", values)


def update(tx: Tx, table: str, where: dict[str, Any], values: dict[str, Any]) -> None:
    """UPDATE the rows matching every ``where`` column."""
    params = {f"v_{k}": tx.moment(v) if isinstance(v, datetime) else v for k, v in values.items()}
    params.update({f"w_{k}": v for k, v in where.items()})
    sets = ", ".join(f"{k} = :v_{k}" for k in values)
    cond = " AND ".join(f"{k} = :w_{k}" for k in where)
    tx.execute(f"UPDATE {table} SET {sets} WHERE {cond}", params)


# --------------------------------------------------------------------------- audit log


def ghi_nhat_ky(tx: Tx, nguoi: str, hanh_dong: str, **noi_dung: Any) -> None:
    """Append one line to the web audit log, inside the caller's transaction."""
    insert(
        tx,
        "web_nhat_ky",
        {
            "luc": now(),
            "nguoi": nguoi,
            "hanh_dong": hanh_dong,
            "noi_dung": json.dumps(noi_dung, ensure_ascii=False, default=str, sort_keys=True),
        },
        returning=None,
    )


#: what the audit page says for each action code (codes stay ASCII in the table)
VIEC = {
    "dang_nhap": "Đăng nhập",
    "tao_tai_khoan": "Tạo tài khoản",
    "khoa_tai_khoan": "Khóa tài khoản",
    "mo_tai_khoan": "Mở lại tài khoản",
    "dat_mat_khau": "Đặt mật khẩu",
    "tao_ho_so": "Tạo hồ sơ",
    "luu_ho_so": "Lưu phiên bản",
    "chuyen_cho_duyet": "Trình duyệt",
    "chuyen_da_duyet": "Duyệt",
    "chuyen_tra_lai": "Trả lại để sửa",
    "chuyen_nhap": "Đưa về đang soạn",
    "ban_hanh": "Ban hành",
    "tai_len_dot_in": "Tải lên đợt in",
}
#: the detail keys, as the audit page names them
CHI_TIET = {
    "id": "mã",
    "loai": "loại",
    "so_loi": "số lỗi",
    "y_kien": "ý kiến",
    "so_ky_hieu": "số, ký hiệu",
    "phien_ban": "phiên bản",
    "tep": "tệp",
    "ten_dang_nhap": "tên đăng nhập",
    "vai_tro": "vai trò",
}


def doc_nhat_ky(db: str, limit: int = 200) -> list[dict[str, Any]]:
    """The latest audit lines, each with its action and details in words for the page."""
    with reading(db) as tx:
        found = rows(tx, "SELECT * FROM web_nhat_ky ORDER BY id DESC LIMIT :n", {"n": int(limit)})
    for line in found:
        line["viec"] = VIEC.get(line["hanh_dong"], line["hanh_dong"])
        details = json.loads(line["noi_dung"] or "{}")
        line["chi_tiet"] = "; ".join(f"{CHI_TIET.get(k, k)}: {v}" for k, v in details.items() if v not in ("", None))
    return found
