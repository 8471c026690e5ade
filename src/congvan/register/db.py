"""Where the register lives: SQLite file by default, PostgreSQL when shared.

The register talks to the database through the DBAPI driver directly (sqlite3,
psycopg 3) with hand-written SQL that both back-ends accept; SQLAlchemy is used
only to emit the schema DDL (``schema.py``), and only when the schema is missing.
That keeps a take to a handful of prepared statements on one connection that
each thread of a process reuses (no pool checkout, no pre-ping round trip), and
keeps ``congvan so cap`` from importing SQLAlchemy at all.

Set up once per connection:

* SQLite: WAL (readers never wait for the writer), ``synchronous = FULL`` (a
  number handed out survives a power cut), ``busy_timeout`` bounded by
  :data:`ENV_LOCK_WAIT`; every write transaction opens with ``BEGIN IMMEDIATE``
  so two writers queue at the start instead of failing on a read→write upgrade;
  reads use a deferred ``BEGIN`` and never wait.
* PostgreSQL: READ COMMITTED; ``lock_timeout`` (a take stalled inside its
  transaction blocks the others only that long), ``statement_timeout`` and
  ``idle_in_transaction_session_timeout`` (the stalled session itself is cut
  off and its locks released); schema creation under an advisory lock.

Every driver error is turned into a Vietnamese :class:`CongvanError` naming the
file or URL (password hidden); uniqueness races come out as :class:`Conflict`
for the service to retry.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from congvan.errors import CongvanError
from congvan.settings import env_seconds

ENV_DB = "CONGVAN_DB"
DEFAULT_DB_FILE = "so-van-ban.sqlite3"
#: Seconds a write waits for another writer's lock before giving up (default 30).
ENV_LOCK_WAIT = "CONGVAN_DB_CHO_KHOA"
DEFAULT_LOCK_WAIT_S = 30.0
STATEMENT_TIMEOUT_S = 120
_SCHEMA_LOCK_KEY = 0x636F6E67  # "cong": advisory-lock key for schema creation
_SCHEMA_TABLE = "congvan_thong_tin"


class Conflict(Exception):
    """A uniqueness race another writer won: re-run the whole transaction."""


class Reconnect(Exception):
    """The kept connection was found broken before anything was committed."""


@dataclass(frozen=True)
class Target:
    """A parsed ``--db``: a SQLite file path or a PostgreSQL connection URL."""

    kind: str  # "sqlite" | "postgresql"
    dsn: str  # absolute file path, or a libpq URL
    where: str  # what messages show (password hidden)

    @property
    def sqlite(self) -> bool:
        return self.kind == "sqlite"


def default_db() -> str:
    """``$CONGVAN_DB`` or ``so-van-ban.sqlite3`` in the current directory."""
    return os.environ.get(ENV_DB) or DEFAULT_DB_FILE


def lock_wait_s() -> float:
    """The bounded lock wait, from ``$CONGVAN_DB_CHO_KHOA`` (seconds, default 30)."""
    return env_seconds(ENV_LOCK_WAIT, DEFAULT_LOCK_WAIT_S, 3600, "10")


def parse_db(db: str | None) -> Target:
    """Turn a path or connection URL into a :class:`Target`, or fail in Vietnamese."""
    raw = (db or default_db()).strip()
    if not raw:
        raise CongvanError("đường dẫn/URL cơ sở dữ liệu sổ đăng ký đang trống")
    if "://" not in raw:
        return _sqlite_target(raw)
    try:
        parts = urlsplit(raw)
        _ = parts.port  # raises ValueError on a non-numeric port
    except ValueError:
        raise CongvanError(
            f"URL cơ sở dữ liệu không hợp lệ: {raw!r} "
            "(dạng đúng: postgresql://người_dùng:mật_khẩu@máy_chủ:5432/tên_csdl)"
        ) from None
    scheme = parts.scheme.lower()
    backend, _, driver = scheme.partition("+")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        if not parts.hostname and "host=" not in parts.query:
            raise CongvanError(f"URL PostgreSQL thiếu máy chủ: {raw!r}")
        if not parts.path.strip("/"):
            raise CongvanError(f"URL PostgreSQL thiếu tên cơ sở dữ liệu: {raw!r}")
        dsn = parts._replace(scheme="postgresql").geturl()
        return Target("postgresql", dsn, _hide_password(parts._replace(scheme="postgresql")))
    if backend == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise CongvanError(f"URL SQLite thiếu đường dẫn tệp: {raw!r}")
        return _sqlite_target(path)
    raise CongvanError(
        f"không hỗ trợ cơ sở dữ liệu '{backend or scheme}' trong {raw!r}: "
        "dùng đường dẫn tệp SQLite hoặc URL postgresql://"
    )


def _hide_password(parts: Any) -> str:
    if parts.password is None:
        return parts.geturl()
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _sqlite_target(path: str) -> Target:
    p = Path(path).expanduser()
    if p.is_dir():
        raise CongvanError(f"'{path}' là thư mục, cần đường dẫn tệp sổ đăng ký (.sqlite3)")
    if not p.parent.exists():
        raise CongvanError(f"thư mục chứa tệp sổ đăng ký không tồn tại: {p.parent}")
    resolved = str(p.resolve())
    return Target("sqlite", resolved, resolved)


# --------------------------------------------------------------------------- SQL text


@lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """``:name`` parameters (sqlite3 style) → ``%(name)s`` (psycopg style), once per text."""
    import re

    return re.sub(r"(?<![:\w]):([A-Za-z_]\w*)", r"%(\1)s", sql.replace("%", "%%"))


class Tx:
    """A transaction on the thread's kept connection: run SQL, get tuples back."""

    def __init__(self, database: Database, cursor: Any, pipeline: Any = None) -> None:
        self.db = database
        self._cur = cursor
        self._pipeline = pipeline
        self._sqlite = database.target.sqlite

    @property
    def writable_ctes(self) -> bool:
        """Whether one statement may insert into several tables (PostgreSQL's ``WITH … INSERT``)."""
        return not self._sqlite

    def sync(self) -> None:
        """Send what is queued and wait for its results (PostgreSQL pipeline; SQLite runs at once)."""
        if self._pipeline is not None:
            self._pipeline.sync()

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        if self._sqlite:
            return self._cur.execute(sql, params or {})
        return self._cur.execute(_pg_sql(sql), params or {})

    def one(self, sql: str, params: dict[str, Any] | None = None) -> tuple[Any, ...] | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return self.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        row = self.one(sql, params)
        return row[0] if row else None

    # Values as the driver stores them: SQLAlchemy's SQLite text formats, so files
    # written by earlier versions (through SQLAlchemy) read and compare the same.
    def day(self, value: date | None) -> Any:
        return value.isoformat() if self._sqlite and value is not None else value

    def moment(self, value: datetime) -> Any:
        return value.isoformat(" ", "microseconds") if self._sqlite else value

    def read_day(self, value: Any) -> date | None:
        return date.fromisoformat(value) if isinstance(value, str) else value

    def read_moment(self, value: Any) -> datetime:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    @property
    def for_share(self) -> str:
        """Row share lock on PostgreSQL; SQLite writers are already serialised."""
        return "" if self._sqlite else " FOR SHARE"


class Database:
    """One per target per process; each thread keeps and reuses one connection."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()
        self._schema_ready = False
        if target.sqlite:
            import sqlite3

            self.dbapi: Any = sqlite3
        else:
            try:
                import psycopg
            except ImportError:  # pragma: no cover - psycopg is a dependency
                raise CongvanError("cần gói psycopg để dùng sổ đăng ký trên PostgreSQL") from None
            self.dbapi = psycopg

    # -- connections

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            return conn
        conn = self._connect()
        self._local.conn, self._local.pid = conn, os.getpid()
        with self._lock:
            self._all.append(conn)
        return conn

    def _connect(self) -> Any:
        wait = lock_wait_s()
        try:
            return self._connect_sqlite(wait) if self.target.sqlite else self._connect_pg(wait)
        except self.dbapi.Error as err:
            raise self.error(err) from None

    def _connect_sqlite(self, wait: float) -> Any:
        conn = self.dbapi.connect(
            self.target.dsn, timeout=wait, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_pg(self, wait: float) -> Any:
        options = " ".join((
            f"-c lock_timeout={int(wait * 1000)}",
            f"-c statement_timeout={STATEMENT_TIMEOUT_S * 1000}",
            f"-c idle_in_transaction_session_timeout={int(max(wait * 4, 120) * 1000)}",
        ))
        return self.dbapi.connect(
            self.target.dsn, connect_timeout=10, application_name="congvan", options=options
        )

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with suppress(Exception):
                conn.close()

    def close(self) -> None:
        """Close every connection of every thread (tests, before forking)."""
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            with suppress(Exception):
                conn.close()
        self._local = threading.local()

    # -- transactions

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite); commit on success."""
        with self._tx(write=True) as tx:
            yield tx

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read transaction: a consistent snapshot that never waits for a writer."""
        with self._tx(write=False) as tx:
            yield tx

    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Tx]:
        """One transaction. On PostgreSQL in pipeline mode: statements whose results
        are not read before the end travel with the COMMIT (a take: two round trips)."""
        self.ensure_schema()
        conn = self._connection()
        committing = False
        try:
            with nullcontext() if self.target.sqlite else conn.pipeline() as pipeline:
                cur = conn.cursor()
                if self.target.sqlite:
                    cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                yield Tx(self, cur, pipeline)
                committing = True
                conn.commit()
        except BaseException as err:
            self._rollback(conn)
            if isinstance(err, self.dbapi.Error):
                raise self._translate(err, committing) from None
            raise

    def _rollback(self, conn: Any) -> None:
        try:
            conn.rollback()
        except Exception:  # the connection is gone: forget it, reconnect next time
            self._drop()
        else:
            if getattr(conn, "broken", False) or getattr(conn, "closed", False):
                self._drop()

    def _translate(self, err: Exception, committing: bool) -> Exception:
        if isinstance(err, self.dbapi.IntegrityError):
            return Conflict(str(err))
        conn_gone = getattr(self._local, "conn", None) is None
        if conn_gone and not committing and isinstance(err, self.dbapi.OperationalError):
            return Reconnect(str(err))
        return self.error(err)

    # -- schema

    def ensure_schema(self) -> None:
        """Create the tables on first use; a read-only check (no lock) once per process."""
        if self._schema_ready:
            return
        conn = self._connection()
        try:
            version = self._schema_version(conn)
            if version is None:
                version = self._create_schema(conn)
            from congvan.register.schema import SCHEMA_VERSION

            if int(version) < SCHEMA_VERSION:
                version = self._migrate(conn)
        except self.dbapi.Error as err:
            self._rollback(conn)
            raise self.error(err) from None

        if int(version) > SCHEMA_VERSION:
            raise CongvanError(
                f"sổ đăng ký {self.target.where} do phiên bản congvan mới hơn tạo "
                f"(lược đồ {version}, phiên bản này hiểu đến {SCHEMA_VERSION}): hãy cập nhật congvan"
            )
        self._schema_ready = True

    def _schema_version(self, conn: Any) -> str | None:
        cur = conn.cursor()
        if self.target.sqlite:
            found = cur.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_SCHEMA_TABLE,)
            ).fetchone()
        else:
            found = cur.execute("SELECT to_regclass(%s)", (_SCHEMA_TABLE,)).fetchone()[0]
        version = None
        if found:
            row = cur.execute(
                _sql(self, f"SELECT gia_tri FROM {_SCHEMA_TABLE} WHERE khoa = :k"),
                {"k": "schema_version"},
            ).fetchone()
            version = row[0] if row else None
        conn.commit()
        return version

    def _create_schema(self, conn: Any) -> str:
        from congvan.register.schema import SCHEMA_VERSION, schema_ddl

        cur = conn.cursor()
        if self.target.sqlite:
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
            # Read pg_class itself (this statement's snapshot): to_regclass would
            # answer from this session's catalog cache, which still says "no table"
            # after another session created it while we waited for the lock.
            cur.execute(
                "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname = %s AND n.nspname = current_schema()",
                (_SCHEMA_TABLE,),
            )
            if cur.fetchone() is not None:  # another process created it meanwhile
                conn.commit()
                return str(SCHEMA_VERSION)
        if self.target.sqlite and cur.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (_SCHEMA_TABLE,)
        ).fetchone():
            conn.commit()
            return str(SCHEMA_VERSION)
        for ddl in schema_ddl(self.target.kind):
            cur.execute(ddl)
        cur.execute(
            _sql(self, f"INSERT INTO {_SCHEMA_TABLE} (khoa, gia_tri) VALUES (:k, :v)"),
            {"k": "schema_version", "v": str(SCHEMA_VERSION)},
        )
        conn.commit()
        return str(SCHEMA_VERSION)

    def _migrate(self, conn: Any) -> str:
        """Upgrade an older register in place, in one transaction (all or nothing).

        Under the same lock as schema creation; the version is read again inside it,
        so of two processes opening an old file at once only one upgrades it.
        """
        from congvan.register.schema import SCHEMA_VERSION, migration_ddl

        cur = conn.cursor()
        if self.target.sqlite:
            cur.execute("BEGIN IMMEDIATE")
        else:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK_KEY,))
        read = _sql(self, f"SELECT gia_tri FROM {_SCHEMA_TABLE} WHERE khoa = :k")
        version = int(cur.execute(read, {"k": "schema_version"}).fetchone()[0])
        while version < SCHEMA_VERSION:
            for ddl in migration_ddl(self.target.kind, version):
                cur.execute(ddl)
            version += 1
        cur.execute(
            _sql(self, f"UPDATE {_SCHEMA_TABLE} SET gia_tri = :v WHERE khoa = :k"),
            {"k": "schema_version", "v": str(version)},
        )
        conn.commit()
        return str(version)

    # -- errors

    def error(self, err: Exception) -> CongvanError:
        """A driver error as one Vietnamese line naming the file or URL."""
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        where = self.target.where
        if self.target.sqlite:
            return _sqlite_error(where, first.lower(), first)
        return _pg_error(self.dbapi, err, where, first)


def _sql(database: Database, sql: str) -> str:
    return sql if database.target.sqlite else _pg_sql(sql)


def _sqlite_error(where: str, low: str, first: str) -> CongvanError:
    if "locked" in low or "busy" in low:
        return CongvanError(
            f"sổ đăng ký {where} đang được người khác ghi quá {lock_wait_s():g} giây "
            "(có thể một lệnh lấy số bị treo); thao tác chưa được thực hiện, hãy thử lại"
        )
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return CongvanError(
            f"tệp {where} không phải là sổ đăng ký SQLite hoặc đã bị hỏng ({first}); "
            "hãy kiểm tra đường dẫn --db hoặc lấy lại bản sao lưu"
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return CongvanError(
            f"không mở/ghi được tệp sổ đăng ký {where} ({first}): kiểm tra quyền ghi của tệp "
            f"và của thư mục {Path(where).parent} (SQLite cần ghi tệp -wal, -shm bên cạnh)"
        )
    if "disk" in low and "full" in low:
        return CongvanError(f"ổ đĩa chứa sổ đăng ký {where} đã đầy ({first})")
    return CongvanError(f"lỗi cơ sở dữ liệu sổ đăng ký {where}: {first}")


def _pg_error(psycopg: Any, err: Exception, where: str, first: str) -> CongvanError:
    errors = psycopg.errors
    if isinstance(err, errors.LockNotAvailable):
        return CongvanError(
            f"sổ đăng ký {where}: chờ khóa quá {lock_wait_s():g} giây vì một người khác đang ghi "
            "(có thể một lệnh lấy số bị treo); thao tác chưa được thực hiện, hãy thử lại"
        )
    if isinstance(err, errors.QueryCanceled):
        return CongvanError(
            f"sổ đăng ký {where}: câu lệnh chạy quá {STATEMENT_TIMEOUT_S} giây nên đã bị dừng; "
            "thao tác chưa được thực hiện"
        )
    if isinstance(err, errors.IdleInTransactionSessionTimeout):
        return CongvanError(
            f"sổ đăng ký {where}: giao dịch bị máy chủ cắt vì dừng quá lâu; thao tác chưa được thực hiện"
        )
    if isinstance(err, psycopg.OperationalError):
        return CongvanError(f"không kết nối được cơ sở dữ liệu sổ đăng ký {where}: {first}")
    return CongvanError(f"lỗi cơ sở dữ liệu sổ đăng ký {where}: {first}")


_databases: dict[Target, Database] = {}
_by_text: dict[object, Database] = {}
_databases_lock = threading.Lock()


def database(db: str | None) -> Database:
    """The process's :class:`Database` for ``db`` (path or URL; None = default).

    Looked up by the text as given (plus the working directory for a relative
    path), so a take does not re-parse and re-resolve the path every call.
    """
    raw = db or default_db()
    key: object = raw if "://" in raw or os.path.isabs(raw) else (raw, os.getcwd())
    found = _by_text.get(key)
    if found is not None:
        return found
    target = parse_db(db)
    with _databases_lock:
        found = _databases.setdefault(target, Database(target))
        _by_text[key] = found
        return found


def dispose_engines() -> None:
    """Close every kept connection (tests, and before forking)."""
    with _databases_lock:
        for d in _databases.values():
            d.close()
        _databases.clear()
        _by_text.clear()
