"""Fixtures and helpers for the register tests (imported by tests/test_register*.py).

``TempPostgres`` starts a real PostgreSQL server from the installed binaries
(initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin) on 127.0.0.1 with a free
port and a private socket directory, as the ``postgres`` system user when we are
root (PostgreSQL refuses to run as root). It is also used by bench/register_bench.py.
Missing binaries make the tests FAIL, not skip: scripts/setup.sh installs them.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from congvan.register import service
from congvan.register.db import dispose_engines

PG_GROUP = "postgres"


def find_pg_bin() -> Path | None:
    """Directory holding initdb and pg_ctl, newest version first."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name or 0),
        reverse=True,
    )
    candidates += [Path(p) for p in versions]
    for c in candidates:
        if (c / "initdb").exists() and (c / "pg_ctl").exists():
            return c
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """A throw-away PostgreSQL cluster; ``durable=False`` turns fsync off (tests)."""

    def __init__(self, *, durable: bool = False) -> None:
        bindir = find_pg_bin()
        if bindir is None:
            raise RuntimeError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
                "/usr/lib/postgresql/*/bin; run scripts/setup.sh "
                "(it installs the 'postgresql' package)"
            )
        self.bindir = bindir
        self.durable = durable
        self.as_postgres = os.geteuid() == 0
        # Not under pytest's tmp dir: that one is 0700 root and the postgres user
        # could not reach its data directory.
        self.base = Path(tempfile.mkdtemp(prefix="congvan-pg-"))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.sock.mkdir()
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            for p in (self.base, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        self.port = 0
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if res.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stdout}\n{res.stderr}\n{tail}")

    def start(self) -> TempPostgres:
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale", "--no-sync"
        )
        opts = [f"-h 127.0.0.1 -k {self.sock} -c max_connections=60"]
        if not self.durable:
            opts.append("-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        for attempt in range(5):
            self.port = free_port()
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.base / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {self.port} " + " ".join(opts),
                    "start",
                )
                return self
            except RuntimeError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[TempPostgres]:
    """One real PostgreSQL server per xdist worker that runs the postgres group."""
    try:
        server = TempPostgres().start()
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)
    try:
        yield server
    finally:
        dispose_engines()
        server.stop()


@pytest.fixture
def pg_url(pg_server: TempPostgres) -> Iterator[str]:
    yield pg_server.create_database()
    dispose_engines()


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Iterator[str]:
    yield str(tmp_path / "so-van-ban.sqlite3")
    dispose_engines()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[pytest.mark.postgres, pytest.mark.xdist_group(PG_GROUP)],
    ),
]


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test on SQLite and on a real PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "so-van-ban.sqlite3")
    else:
        server: TempPostgres = request.getfixturevalue("pg_server")
        yield server.create_database()
    dispose_engines()


def take(db_url: str, ngay: date = date(2026, 3, 5), **kw: object) -> service.CapSo:
    """cap_so with test defaults (body LĐLĐ, Kế hoạch)."""
    args: dict[str, object] = {
        "so_dang_ky": None,
        "co_quan": "LĐLĐ",
        "ma_loai": "KH",
        "ngay": ngay,
        "trich_yeu": "Tổ chức Tháng Công nhân",
    }
    args.update(kw)
    nguoi = args.pop("nguoi", "test")
    if "co_quan_phoi_hop" in args:
        args["co_quan_phoi_hop"] = tuple(args["co_quan_phoi_hop"])  # type: ignore[arg-type]
    return service.cap_so(db_url, service.VanBanDangKy(**args), nguoi=nguoi)  # type: ignore[arg-type]


def reserve(db_url: str, ngay: date = date(2026, 4, 1), **kw: object) -> service.CapSo:
    """giu_so with test defaults (body LĐLĐ, Quyết định, no trích yếu yet)."""
    args: dict[str, object] = {"co_quan": "LĐLĐ", "ma_loai": "QĐ", "ngay": ngay}
    args.update(kw)
    nguoi = args.pop("nguoi", "test")
    return service.giu_so(db_url, service.VanBanDangKy(**args), nguoi=nguoi)  # type: ignore[arg-type]


def concurrent_worker(db_url: str, register: str, count: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    """Child process body: wait for the others, then take *count* numbers."""
    barrier.wait(timeout=120)
    got = []
    for i in range(count):
        r = service.cap_so(
            db_url,
            service.VanBanDangKy(
                so_dang_ky=register,
                co_quan="LĐLĐ",
                ma_loai="KH",
                ngay=date(2026, 6, 1),
                trich_yeu=f"Văn bản {os.getpid()}-{i}",
            ),
            nguoi=f"p{os.getpid()}",
        )
        got.append(r.so)
    out.put(got)
