"""The web workspace's own tables, kept in the same database as the register.

One database means one back-up file (SQLite) or one server (PostgreSQL), and the
register's connection set-up (WAL, BEGIN IMMEDIATE, busy timeout) is reused
through :mod:`congvan.register.db`. Tables are prefixed ``web_`` so they never
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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
)

from congvan.register.db import get_engine, read_tx, write_tx

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

_ready: set[str] = set()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def ensure(db: str) -> None:
    """Create the web tables next to the register's (cheap once done)."""
    if db in _ready:
        return
    engine = get_engine(db)  # also creates the register schema and checks the connection
    with engine.begin() as conn:
        metadata.create_all(conn, checkfirst=True)
    _ready.add(db)


@contextmanager
def writing(db: str) -> Iterator[Connection]:
    ensure(db)
    with write_tx(db) as conn:
        yield conn


@contextmanager
def reading(db: str) -> Iterator[Connection]:
    ensure(db)
    with read_tx(db) as conn:
        yield conn


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
