"""The web workspace's own tables, kept in the same database as the register.

One database means one back-up file (SQLite) or one server (PostgreSQL); the
``--db`` value is parsed by :func:`congvan.register.db.parse_db`, so both accept
the same spellings. The register talks to its tables through the DBAPI driver;
these tables use SQLAlchemy Core with the same SQLite settings (WAL, FULL sync,
BEGIN IMMEDIATE for writers). Tables are prefixed ``web_`` so they never
collide with the register's.

* ``web_nguoi_dung``: accounts (argon2 hash, role, active flag).
* ``web_ho_so``: one row per document being drafted: its working copy (JSON),
  status, search key and, once issued, the frozen DOCX/PDF.
* ``web_phien_ban``: every explicit save, with its validation errors.
* ``web_nhat_ky``: who did what in the web workspace (the register keeps its own log).
* ``web_dot_in``: browser batches and their progress (survives a reload).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    exc,
    select,
)

from congvan.errors import CongvanError
from congvan.register.db import parse_db

metadata = MetaData()

nguoi_dung = Table(
    "web_nguoi_dung",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ten_dang_nhap", String(64), nullable=False, unique=True),
    Column("ho_ten", Text, nullable=False),
    Column("vai_tro", String(16), nullable=False),
    Column("mat_khau", Text, nullable=False),
    Column("hoat_dong", Boolean, nullable=False, default=True),
    Column("tao_luc", DateTime, nullable=False),
)

ho_so = Table(
    "web_ho_so",
    metadata,
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

phien_ban = Table(
    "web_phien_ban",
    metadata,
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

nhat_ky = Table(
    "web_nhat_ky",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("luc", DateTime, nullable=False),
    Column("nguoi", String(64), nullable=False),
    Column("hanh_dong", String(32), nullable=False),
    Column("noi_dung", Text, nullable=False, default="{}"),
)

dot_in = Table(
    "web_dot_in",
    metadata,
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
)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
SQLITE_BUSY_TIMEOUT_S = 30


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Autocommit at the driver level; the "begin" hook below issues the real BEGIN.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # Writers queue at the start (BEGIN IMMEDIATE), as the register's own connections do.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("chi_doc") else "BEGIN IMMEDIATE")


def _make_engine(db: str) -> Engine:
    target = parse_db(db)
    if target.sqlite:
        engine = create_engine(f"sqlite+pysqlite:///{target.dsn}", connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    url = target.dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": 10, "application_name": "congvan-web"}
    )


def _error(db: str, err: Exception) -> CongvanError:
    first = str(getattr(err, "orig", err)).strip().splitlines()[0] if str(err) else type(err).__name__
    return CongvanError(f"không mở được cơ sở dữ liệu {parse_db(db).where}: {first}")


def engine(db: str) -> Engine:
    """One engine per database per process, with the web tables created."""
    with _engines_lock:
        found = _engines.get(db)
        if found is not None:
            return found
        made = _make_engine(db)
        try:
            with made.begin() as conn:
                metadata.create_all(conn, checkfirst=True)
        except exc.SQLAlchemyError as err:
            made.dispose()
            raise _error(db, err) from None
        _engines[db] = made
        return made


def ensure(db: str) -> None:
    """Open the database and create the web tables next to the register's (cheap once done)."""
    engine(db)


def dispose() -> None:
    with _engines_lock:
        for e in _engines.values():
            e.dispose()
        _engines.clear()


@contextmanager
def writing(db: str) -> Iterator[Connection]:
    try:
        with engine(db).begin() as conn:
            yield conn
    except exc.OperationalError as err:
        raise _error(db, err) from None


@contextmanager
def reading(db: str) -> Iterator[Connection]:
    try:
        with engine(db).connect().execution_options(chi_doc=True) as conn, conn.begin():
            yield conn
    except exc.OperationalError as err:
        raise _error(db, err) from None


def ghi_nhat_ky(conn: Connection, nguoi: str, hanh_dong: str, **noi_dung: Any) -> None:
    """Append one line to the web audit log, inside the caller's transaction."""
    conn.execute(
        nhat_ky.insert().values(
            luc=now(),
            nguoi=nguoi,
            hanh_dong=hanh_dong,
            noi_dung=json.dumps(noi_dung, ensure_ascii=False, default=str, sort_keys=True),
        )
    )


def doc_nhat_ky(db: str, limit: int = 200) -> list[dict[str, Any]]:
    with reading(db) as conn:
        rows = conn.execute(select(nhat_ky).order_by(nhat_ky.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
