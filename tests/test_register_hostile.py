"""Hostile: stalled writers, broken database files, unreachable servers.

Invariants: a write waits for a stalled writer only as long as the configured lock
wait and then fails with a Vietnamese message; reads never wait; nothing a user can
point ``--db`` at gives "Lỗi nội bộ" or a traceback, and the message names the file
or URL (without the password).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from congvan.errors import CongvanError
from congvan.register import service
from congvan.register.db import ENV_LOCK_WAIT, dispose_engines
from congvan.register.service import HOOK_PAUSE_AFTER_COUNTER
from register_fixtures import *  # noqa: F403 - fixtures db, pg_server
from register_fixtures import free_port, take

WAIT_S = 2

_STALLED_TAKE = """
import sys
from datetime import date
from congvan.register import service
service.cap_so(sys.argv[1], service.VanBanDangKy(
    so_dang_ky="LDLD", co_quan="LĐLĐ", ma_loai="KH", ngay=date(2026, 3, 5), trich_yeu="Treo"))
"""


def _congvan(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "congvan", "so", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def _one_vietnamese_line(res: subprocess.CompletedProcess[str], *needles: str) -> str:
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 1, res.stderr
    assert len(lines) == 1 and lines[0].startswith("Lỗi: "), res.stderr
    assert "nội bộ" not in lines[0] and "Traceback" not in res.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.slow
def test_stalled_take_blocks_others_only_for_the_lock_wait(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.tao_so_dang_ky(db, "LDLD", co_quan="LĐLĐ")
    assert take(db, so_dang_ky="LDLD").so == 1
    monkeypatch.setenv(ENV_LOCK_WAIT, str(WAIT_S))
    dispose_engines()  # new connections carry the short wait
    marker = tmp_path / "paused"
    child = subprocess.Popen(
        [sys.executable, "-c", _STALLED_TAKE, db], env={**os.environ, HOOK_PAUSE_AFTER_COUNTER: str(marker)}
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "child exited before reaching the pause"
            assert time.monotonic() < deadline, "child never reached the pause"
            time.sleep(0.05)
        # Reads go through at once, in process and from a fresh CLI process
        # (a wait would end in the lock-wait error, not in a listing).
        start = time.monotonic()
        assert [r.so for r in service.danh_sach(db, 2026)] == [1]
        assert time.monotonic() - start < WAIT_S
        listing = _congvan("ds", "--nam", "2026", "--db", db, cwd=tmp_path)
        assert listing.returncode == 0 and "01/KH-LĐLĐ" in listing.stdout, listing.stderr
        # A write waits the bounded time, then says why in Vietnamese.
        start = time.monotonic()
        with pytest.raises(CongvanError, match=r"đang được người khác ghi|chờ khóa"):
            take(db, so_dang_ky="LDLD", trich_yeu="Chờ")
        waited = time.monotonic() - start
        assert WAIT_S * 0.8 <= waited < WAIT_S + 10, waited
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert take(db, so_dang_ky="LDLD", trich_yeu="Sau").so == 2  # nothing lost, no gap
    assert [r.so for r in service.danh_sach(db, 2026)] == [1, 2]


def test_file_that_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "so.sqlite3"
    bogus.write_bytes(b"Day khong phai so dang ky\n" * 400)
    for args in (
        ["cap", "--co-quan", "LĐLĐ", "--ngay", "1/1/2026", "--trich-yeu", "x"],
        ["ds", "--nam", "2026"],
        ["xuat", "--nam", "2026", "--so", "X"],
    ):
        res = _congvan(*args, "--db", str(bogus), cwd=tmp_path)
        _one_vietnamese_line(res, str(bogus), "không phải là sổ đăng ký SQLite")
    assert bogus.read_bytes() == b"Day khong phai so dang ky\n" * 400  # left untouched


def test_corrupt_database_file(tmp_path: Path) -> None:
    path = tmp_path / "so.sqlite3"
    assert (
        _congvan(
            "cap", "--co-quan", "LĐLĐ", "--ngay", "1/1/2026", "--trich-yeu", "x", "--db", str(path), cwd=tmp_path
        ).returncode
        == 0
    )
    data = bytearray(path.read_bytes())
    for name in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        name.unlink(missing_ok=True)
    data[100:] = b"\xff" * (len(data) - 100)  # header kept, every page garbage
    path.write_bytes(bytes(data))
    res = _congvan("ds", "--nam", "2026", "--db", str(path), cwd=tmp_path)
    _one_vietnamese_line(res, str(path))


def test_folder_where_no_file_can_be_created(tmp_path: Path) -> None:
    target = "/proc/so-van-ban.sqlite3"  # exists, but no file can be made there (even as root)
    res = _congvan("cap", "--co-quan", "LĐLĐ", "--ngay", "1/1/2026", "--trich-yeu", "x", "--db", target, cwd=tmp_path)
    _one_vietnamese_line(res, target, "quyền ghi")


def test_unreachable_postgresql(tmp_path: Path) -> None:
    url = f"postgresql://vanthu:matkhau-bi-mat@127.0.0.1:{free_port()}/congvan"
    res = _congvan("ds", "--nam", "2026", "--db", url, cwd=tmp_path)
    line = _one_vietnamese_line(res, "không kết nối được", "127.0.0.1")
    assert "matkhau-bi-mat" not in line and "***" in line


_TAKE_LOOP = """
import sys
from datetime import date
from congvan.register import service
vb = service.VanBanDangKy(so_dang_ky="LDLD", co_quan="LĐLĐ", ma_loai="KH", ngay=date(2026, 3, 5),
                          trich_yeu="Bão")
service.cap_so(sys.argv[1], vb)
open(sys.argv[2], "w").close()  # at work: the parent may start killing
while True:
    service.cap_so(sys.argv[1], vb)
"""


@pytest.mark.slow
def test_takers_killed_at_random_moments_leave_no_gap_and_no_duplicate(db: str, tmp_path: Path) -> None:
    """SIGKILL storms: every committed row has its audit line, numbers run 1..N with no gap."""
    import random

    service.tao_so_dang_ky(db, "LDLD", co_quan="LĐLĐ")
    rng = random.Random(7)
    for storm in range(3):
        markers = [tmp_path / f"at-work-{storm}-{i}" for i in range(3)]
        procs = [subprocess.Popen([sys.executable, "-c", _TAKE_LOOP, db, str(m)]) for m in markers]
        try:
            deadline = time.monotonic() + 60
            while not all(m.exists() for m in markers):
                assert all(p.poll() is None for p in procs), "a taker died on its own"
                assert time.monotonic() < deadline, "takers never got to work"
                time.sleep(0.02)
            time.sleep(rng.random() * 0.5)
            for p in procs:
                time.sleep(rng.random() * 0.2)
                os.kill(p.pid, signal.SIGKILL)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait(timeout=30)
    after = take(db, so_dang_ky="LDLD", trich_yeu="Sau bão")
    rows = service.danh_sach(db, 2026)
    assert len(rows) >= 10  # at least one take per taker per storm, plus the last
    assert [r.so for r in rows] == list(range(1, len(rows) + 1)) and after.so == len(rows)
    print(f"{len(rows) - 1} numbers taken between kills")
    takes = [e for e in service.nhat_ky(db) if e["hanh_dong"] == "cap_so"]
    assert sorted(e["noi_dung"]["so"] for e in takes) == [r.so for r in rows]  # one line per row
