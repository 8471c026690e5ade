"""Tables of the register (same definitions for SQLite and PostgreSQL).

* ``so_dang_ky``: the registers (books). A body may keep one shared series
  (``loai_series = "chung"``), one per document type (``"KH"``, ``"QĐ"``…,
  ``"CV"`` for công văn) and a separate secret series (``"mat"``).
  ``chu_ky`` says how long a series runs: ``"nam"`` (a calendar year, NĐ30
  Điều 15) or ``"nhiem_ky"`` (a term of the body's committee, HD 36-HD/VPTW
  1.3.1 for the Party: "ghi liên tục từ số 01 cho mỗi tên loại văn bản trong
  một nhiệm kỳ cấp uỷ").
* ``nhiem_ky``: the terms of a body (by its abbreviation, so all of its
  per-type registers share them), with first and last day; the last day may be
  open until the next term is entered.
* ``dem_so``: one counter row per register and year; allocation is an upsert on
  it in the same transaction as the row insert, so the database, not Python,
  decides the next number. ``da_khoa`` closes the year after printing.
* ``dem_so_nhiem_ky``: the same per register and term (term series).
* ``so_van_ban``: the register rows (Phụ lục IV columns plus state); ``nam`` is
  always the document's year (the book is printed per year), ``nhiem_ky_id``
  the term for a term series. Two partial UNIQUE indexes — (register, year,
  number) for year series, (register, term, number) for term series — are the
  last line of defence against duplicates.
* ``nhat_ky``: append-only audit log; triggers reject UPDATE and DELETE.

Version 1 (before terms) is upgraded in place by :func:`migration_ddl`.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 2

TRANG_THAI_GIU = "giu"  # reserved for a document still being signed
TRANG_THAI_DA_CAP = "da_cap"  # issued
TRANG_THAI_HUY = "huy"  # voided: the row stays, the number is never reused
TRANG_THAI = (TRANG_THAI_GIU, TRANG_THAI_DA_CAP, TRANG_THAI_HUY)

SERIES_CHUNG = "chung"
SERIES_MAT = "mat"
SERIES_CONG_VAN = "CV"  # per-type key for công văn, which has no type code

CHU_KY_NAM = "nam"  # a series runs through a calendar year
CHU_KY_NHIEM_KY = "nhiem_ky"  # a series runs through a term of the committee
CHU_KY = (CHU_KY_NAM, CHU_KY_NHIEM_KY)


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
        Column("chu_ky", String(16), nullable=False, server_default=CHU_KY_NAM),
        UniqueConstraint("co_quan_viet_tat", "loai_series", name="uq_so_dang_ky_series"),
        CheckConstraint("chu_ky IN ('nam', 'nhiem_ky')", name="ck_so_dang_ky_chu_ky"),
    )

    Table(
        "nhiem_ky",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("co_quan_viet_tat", String(64), nullable=False),
        Column("ma", String(64), nullable=False),
        Column("tu_ngay", Date, nullable=False),
        Column("den_ngay", Date),
        Column("tao_luc", DateTime, nullable=False),
        UniqueConstraint("co_quan_viet_tat", "ma", name="uq_nhiem_ky_ma"),
        CheckConstraint("den_ngay IS NULL OR den_ngay >= tu_ngay", name="ck_nhiem_ky_ngay"),
    )

    Table(
        "dem_so",
        metadata,
        Column("so_dang_ky_id", Integer, ForeignKey("so_dang_ky.id"), primary_key=True),
        Column("nam", Integer, primary_key=True),
        Column("so_cuoi", Integer, nullable=False),
        Column("da_khoa", Boolean, nullable=False, server_default=text("false")),
    )

    Table(
        "dem_so_nhiem_ky",
        metadata,
        Column("so_dang_ky_id", Integer, ForeignKey("so_dang_ky.id"), primary_key=True),
        Column("nhiem_ky_id", Integer, ForeignKey("nhiem_ky.id"), primary_key=True),
        Column("so_cuoi", Integer, nullable=False),
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
        Column("nhiem_ky_id", Integer, ForeignKey("nhiem_ky.id")),
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
    # A number is used once per year in a year series and once per term in a term series.
    for name, period, where in (
        ("uq_so_van_ban_so", so_van_ban.c.nam, "nhiem_ky_id IS NULL"),
        ("uq_so_van_ban_so_nhiem_ky", so_van_ban.c.nhiem_ky_id, "nhiem_ky_id IS NOT NULL"),
    ):
        Index(name, so_van_ban.c.so_dang_ky_id, period, so_van_ban.c.so, unique=True,
              sqlite_where=text(where), postgresql_where=text(where))

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


def _dialect(dialect_name: str) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return sqlite.dialect() if dialect_name == "sqlite" else postgresql.psycopg.dialect()


def _table_ddl(md: Any, name: str, dialect_name: str, *, as_name: str | None = None) -> list[str]:
    """CREATE TABLE (optionally under another name) and its indexes."""
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = _dialect(dialect_name)
    table = md.tables[name]
    create = str(CreateTable(table).compile(dialect=dialect)).strip()
    if as_name:
        create = create.replace(f"CREATE TABLE {name} (", f"CREATE TABLE {as_name} (", 1)
        return [create]
    return [create, *(str(CreateIndex(ix).compile(dialect=dialect)).strip() for ix in table.indexes)]


def migration_ddl(dialect_name: str, from_version: int) -> list[str]:
    """Statements that bring a register of ``from_version`` to :data:`SCHEMA_VERSION`.

    1 → 2 (terms): add ``so_dang_ky.chu_ky`` (existing registers stay calendar-year
    series), the ``nhiem_ky`` and ``dem_so_nhiem_ky`` tables, ``so_van_ban.nhiem_ky_id``,
    and replace the table-level UNIQUE (register, year, number) with the two partial
    indexes. SQLite cannot drop a table constraint, so ``so_van_ban`` is rebuilt
    (copy, drop, rename) inside the same transaction; every row keeps its id.
    """
    if from_version != 1:
        raise ValueError(f"no migration from schema version {from_version}")
    md = metadata()
    check = "CHECK (chu_ky IN ('nam', 'nhiem_ky'))"
    add_chu_ky = "ALTER TABLE so_dang_ky ADD COLUMN chu_ky VARCHAR(16) DEFAULT 'nam' NOT NULL"
    out = [f"{add_chu_ky} {check}" if dialect_name == "sqlite" else add_chu_ky]
    out += _table_ddl(md, "nhiem_ky", dialect_name)
    out += _table_ddl(md, "dem_so_nhiem_ky", dialect_name)
    if dialect_name == "sqlite":
        cols = ", ".join(c.name for c in md.tables["so_van_ban"].columns if c.name != "nhiem_ky_id")
        out += _table_ddl(md, "so_van_ban", dialect_name, as_name="so_van_ban_v2")
        out += [
            f"INSERT INTO so_van_ban_v2 ({cols}) SELECT {cols} FROM so_van_ban",
            "DROP TABLE so_van_ban",
            "ALTER TABLE so_van_ban_v2 RENAME TO so_van_ban",
        ]
        out += _table_ddl(md, "so_van_ban", dialect_name)[1:]
    else:
        out += [
            f"ALTER TABLE so_dang_ky ADD CONSTRAINT ck_so_dang_ky_chu_ky {check}",
            "ALTER TABLE so_van_ban ADD COLUMN nhiem_ky_id INTEGER REFERENCES nhiem_ky (id)",
            "ALTER TABLE so_van_ban DROP CONSTRAINT uq_so_van_ban_so",
        ]
        out += [ddl for ddl in _table_ddl(md, "so_van_ban", dialect_name)[1:]
                if "uq_so_van_ban_so" in ddl]
    return out


def schema_ddl(dialect_name: str) -> list[str]:
    """Every CREATE statement for ``dialect_name``, in dependency order, then the guard."""
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = _dialect(dialect_name)
    md = metadata()
    out = []
    for table in md.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        out += [str(CreateIndex(ix).compile(dialect=dialect)).strip() for ix in table.indexes]
    out += _SQLITE_APPEND_ONLY if dialect_name == "sqlite" else _PG_APPEND_ONLY
    return out
