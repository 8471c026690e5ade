"""Where the register lives: SQLite file by default, PostgreSQL when shared.

Both back-ends go through the same SQLAlchemy Core code. What differs is set up
here once:

* SQLite: WAL (readers never block the writer), a long busy timeout, FULL sync
  (a number handed out must survive a power cut), and every write transaction
  opened with ``BEGIN IMMEDIATE`` so two writers queue up at the start instead of
  failing half-way when both try to upgrade a read lock.
* PostgreSQL: psycopg 3, READ COMMITTED; the counter row upsert takes the row
  lock that serialises allocation, and schema creation is guarded by an advisory
  lock so concurrent first runs do not collide.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc, make_url, text
from sqlalchemy.engine import URL

from congvan.errors import CongvanError
from congvan.register.schema import create_schema

ENV_DB = "CONGVAN_DB"
DEFAULT_DB_FILE = "so-van-ban.sqlite3"
SQLITE_BUSY_TIMEOUT_S = 30
_SCHEMA_LOCK_KEY = 0x636F6E67  # "cong": advisory-lock key for schema creation

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def default_db() -> str:
    """``$CONGVAN_DB`` or ``so-van-ban.sqlite3`` in the current directory."""
    return os.environ.get(ENV_DB) or DEFAULT_DB_FILE


def parse_db(db: str | None) -> URL:
    """Turn a path or connection URL into a SQLAlchemy URL, or fail in Vietnamese."""
    raw = (db or default_db()).strip()
    if not raw:
        raise CongvanError("đường dẫn/URL cơ sở dữ liệu sổ đăng ký đang trống")
    if "://" not in raw:
        return _sqlite_url(raw)
    try:
        url = make_url(raw)
        _ = url.port  # make_url parses the port lazily in some versions
    except (exc.ArgumentError, ValueError):
        raise CongvanError(
            f"URL cơ sở dữ liệu không hợp lệ: {raw!r} "
            "(dạng đúng: postgresql://người_dùng:mật_khẩu@máy_chủ:5432/tên_csdl)"
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if not url.host and not url.query.get("host"):
            raise CongvanError(f"URL PostgreSQL thiếu máy chủ: {raw!r}")
        if not url.database:
            raise CongvanError(f"URL PostgreSQL thiếu tên cơ sở dữ liệu: {raw!r}")
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not url.database:
            raise CongvanError(f"URL SQLite thiếu đường dẫn tệp: {raw!r}")
        return _sqlite_url(url.database)
    raise CongvanError(
        f"không hỗ trợ cơ sở dữ liệu '{url.drivername}' trong {raw!r}: "
        "dùng đường dẫn tệp SQLite hoặc URL postgresql://"
    )


def _sqlite_url(path: str) -> URL:
    p = Path(path).expanduser()
    if p.is_dir():
        raise CongvanError(f"'{path}' là thư mục, cần đường dẫn tệp sổ đăng ký (.sqlite3)")
    if not p.parent.exists():
        raise CongvanError(f"thư mục chứa tệp sổ đăng ký không tồn tại: {p.parent}")
    return URL.create("sqlite+pysqlite", database=str(p.resolve()))


def get_engine(db: str | None) -> Engine:
    """One cached, schema-ready engine per database per process."""
    url = parse_db(db)
    key = url.render_as_string(hide_password=False)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _make_engine(url)
            _ensure_schema(engine)
            _engines[key] = engine
        return engine


def dispose_engines() -> None:
    """Close all pooled connections (tests, and before forking)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def is_sqlite(conn: Connection | Engine) -> bool:
    return conn.dialect.name == "sqlite"


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 10, "application_name": "congvan"},
    )


def _sqlite_on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Autocommit at the driver level: pysqlite must not open its own deferred
    # transactions; SQLAlchemy's "begin" event below issues the real BEGIN.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # Read-only work may ask for a deferred transaction; everything else takes the
    # write lock up front so concurrent writers wait (busy_timeout) instead of
    # deadlocking on a read→write upgrade.
    if conn.get_execution_options().get("congvan_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ensure_schema(engine: Engine) -> None:
    try:
        with engine.begin() as conn:
            if not is_sqlite(conn):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK_KEY})
            create_schema(conn)
    except exc.OperationalError as err:
        raise _connection_error(engine, err) from None


def _connection_error(engine: Engine, err: Exception) -> CongvanError:
    where = engine.url.render_as_string(hide_password=True)
    first = str(getattr(err, "orig", err)).strip().splitlines()[0] if str(err) else ""
    return CongvanError(f"không mở được cơ sở dữ liệu sổ đăng ký {where}: {first}")


@contextmanager
def write_tx(db: str | None) -> Iterator[Connection]:
    """A write transaction (BEGIN IMMEDIATE on SQLite); commit on success."""
    engine = get_engine(db)
    try:
        with engine.begin() as conn:
            yield conn
    except exc.OperationalError as err:
        raise _connection_error(engine, err) from None


@contextmanager
def read_tx(db: str | None) -> Iterator[Connection]:
    """A read-only transaction (deferred on SQLite: does not block writers)."""
    engine = get_engine(db)
    try:
        with engine.connect().execution_options(congvan_read_only=True) as conn, conn.begin():
            yield conn
    except exc.OperationalError as err:
        raise _connection_error(engine, err) from None
