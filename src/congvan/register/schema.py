"""Tables of the register (same definitions for SQLite and PostgreSQL).

* ``so_dang_ky``: the registers (books). A body may keep one shared series
  (``loai_series = "chung"``), one per document type (``"KH"``, ``"QĐ"``…,
  ``"CV"`` for công văn) and a separate secret series (``"mat"``).
* ``dem_so``: one counter row per register and year; allocation is an upsert on
  it in the same transaction as the row insert, so the database, not Python,
  decides the next number. ``da_khoa`` closes the year after printing.
* ``so_van_ban``: the register rows (Phụ lục IV columns plus state). UNIQUE
  (register, year, number) is the last line of defence against duplicates.
* ``nhat_ky``: append-only audit log; triggers reject UPDATE and DELETE.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

TRANG_THAI_GIU = "giu"  # reserved for a document still being signed
TRANG_THAI_DA_CAP = "da_cap"  # issued
TRANG_THAI_HUY = "huy"  # voided: the row stays, the number is never reused
TRANG_THAI = (TRANG_THAI_GIU, TRANG_THAI_DA_CAP, TRANG_THAI_HUY)

SERIES_CHUNG = "chung"
SERIES_MAT = "mat"
SERIES_CONG_VAN = "CV"  # per-type key for công văn, which has no type code


def metadata() -> Any:
    """The SQLAlchemy table definitions (imported only to create the schema)."""
    from sqlalchemy import (
        Boolean,
        CheckConstraint,
        Column,
        Date,
        DateTime,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        Text,
        UniqueConstraint,
        text,
    )

    metadata = MetaData()

    Table(
        "congvan_thong_tin",
        metadata,
        Column("khoa", String(64), primary_key=True),
        Column("gia_tri", Text, nullable=False),
    )

    Table(
        "so_dang_ky",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("ma", String(64), nullable=False, unique=True),
        Column("co_quan_viet_tat", String(64), nullable=False),
        Column("ten", Text, nullable=False),
        Column("ten_co_quan", Text, nullable=False, server_default=""),
        Column("loai_series", String(32), nullable=False),
        Column("active", Boolean, nullable=False, server_default=text("true")),
        Column("tao_luc", DateTime, nullable=False),
        UniqueConstraint("co_quan_viet_tat", "loai_series", name="uq_so_dang_ky_series"),
    )

    Table(
        "dem_so",
        metadata,
        Column("so_dang_ky_id", Integer, ForeignKey("so_dang_ky.id"), primary_key=True),
        Column("nam", Integer, primary_key=True),
        Column("so_cuoi", Integer, nullable=False),
        Column("da_khoa", Boolean, nullable=False, server_default=text("false")),
    )

    so_van_ban = Table(
        "so_van_ban",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("so_dang_ky_id", Integer, ForeignKey("so_dang_ky.id"), nullable=False),
        Column("nam", Integer, nullable=False),
        Column("so", Integer, nullable=False),
        Column("ky_hieu", String(128), nullable=False),
        Column("so_ky_hieu", String(160), nullable=False),
        Column("ngay", Date, nullable=False),
        Column("ma_loai", String(32), nullable=False, server_default=""),
        Column("ten_loai", Text, nullable=False, server_default=""),
        Column("trich_yeu", Text, nullable=False, server_default=""),
        Column("trich_yeu_khong_dau", Text, nullable=False, server_default=""),
        Column("nguoi_ky", Text, nullable=False, server_default=""),
        Column("noi_nhan", Text, nullable=False, server_default=""),
        Column("don_vi_luu", Text, nullable=False, server_default=""),
        Column("so_ban", Integer),
        Column("ngay_chuyen", Date),
        Column("ky_nhan", Text, nullable=False, server_default=""),
        Column("ghi_chu", Text, nullable=False, server_default=""),
        Column("trang_thai", String(16), nullable=False),
        Column("ly_do_huy", Text, nullable=False, server_default=""),
        Column("khoa", String(512)),
        Column("nguoi_tao", Text, nullable=False, server_default=""),
        Column("tao_luc", DateTime, nullable=False),
        Column("sua_luc", DateTime, nullable=False),
        UniqueConstraint("so_dang_ky_id", "nam", "so", name="uq_so_van_ban_so"),
        CheckConstraint("so >= 1", name="ck_so_van_ban_so"),
        CheckConstraint(
            "trang_thai IN ('giu', 'da_cap', 'huy')", name="ck_so_van_ban_trang_thai"
        ),
    )
    # A document key belongs to at most one live row; a voided row releases it so the
    # same record can take a fresh number after its old one was voided.
    Index(
        "uq_so_van_ban_khoa",
        so_van_ban.c.khoa,
        unique=True,
        sqlite_where=text("khoa IS NOT NULL AND trang_thai <> 'huy'"),
        postgresql_where=text("khoa IS NOT NULL AND trang_thai <> 'huy'"),
    )
    Index("ix_so_van_ban_nam", so_van_ban.c.nam, so_van_ban.c.so_dang_ky_id)

    Table(
        "nhat_ky",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("luc", DateTime, nullable=False),  # UTC
        Column("nguoi", Text, nullable=False),
        Column("hanh_dong", String(32), nullable=False),
        Column("so_dang_ky_id", Integer),
        Column("noi_dung", Text, nullable=False),  # JSON
    )
    return metadata


_SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER IF NOT EXISTS nhat_ky_khong_sua BEFORE UPDATE ON nhat_ky
       BEGIN SELECT RAISE(ABORT, 'nhat_ky chi duoc ghi them'); END""",
    """CREATE TRIGGER IF NOT EXISTS nhat_ky_khong_xoa BEFORE DELETE ON nhat_ky
       BEGIN SELECT RAISE(ABORT, 'nhat_ky chi duoc ghi them'); END""",
]
_PG_APPEND_ONLY = [
    """CREATE OR REPLACE FUNCTION congvan_nhat_ky_chi_ghi_them() RETURNS trigger
       LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'nhat_ky chi duoc ghi them'; END $$""",
    "DROP TRIGGER IF EXISTS nhat_ky_chi_ghi_them ON nhat_ky",
    """CREATE TRIGGER nhat_ky_chi_ghi_them BEFORE UPDATE OR DELETE ON nhat_ky
       FOR EACH ROW EXECUTE FUNCTION congvan_nhat_ky_chi_ghi_them()""",
]


def schema_ddl(dialect_name: str) -> list[str]:
    """Every CREATE statement for ``dialect_name``, in dependency order, then the guard."""
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect() if dialect_name == "sqlite" else postgresql.psycopg.dialect()
    md = metadata()
    out = []
    for table in md.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        out += [str(CreateIndex(ix).compile(dialect=dialect)).strip() for ix in table.indexes]
    out += _SQLITE_APPEND_ONLY if dialect_name == "sqlite" else _PG_APPEND_ONLY
    return out
