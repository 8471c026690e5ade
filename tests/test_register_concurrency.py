"""Proof under load and faults: parallel processes never share a number, and a
process killed inside a take leaves nothing behind. On SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from congvan.register import service
from congvan.register.service import HOOK_PAUSE_AFTER_COUNTER
from register_fixtures import *  # noqa: F403 - fixtures db, pg_server
from register_fixtures import concurrent_worker, take

PROCESSES = 8
TAKES = 200


@pytest.mark.slow
def test_parallel_processes_get_each_number_once(db: str) -> None:
    reg = service.tao_so_dang_ky(db, "LDLD", co_quan="LĐLĐ")
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [ctx.Process(target=concurrent_worker, args=(db, reg.ma, TAKES, barrier, out)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    results = _collect(procs, out)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    handed_out = sorted(n for got in results for n in got)
    assert handed_out == list(range(1, PROCESSES * TAKES + 1))
    for got in results:
        assert got == sorted(got)  # each secretary sees her own numbers increase
    rows = service.danh_sach(db, 2026, so_dang_ky="LDLD")
    assert [r.so for r in rows] == list(range(1, PROCESSES * TAKES + 1))
    assert len({r.so_ky_hieu for r in rows}) == PROCESSES * TAKES


def _collect(procs: list, out, limit_s: float = 180) -> list[list[int]]:  # type: ignore[type-arg]
    """Results from every worker; fail fast when one of them dies."""
    results: list[list[int]] = []
    deadline = time.monotonic() + limit_s
    while len(results) < len(procs):
        try:
            results.append(out.get(timeout=0.5))
        except queue.Empty:
            crashed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            assert not crashed, f"worker failed with exit code {crashed}"
            assert time.monotonic() < deadline, "workers did not finish in time"
    return results


_CHILD = """
import sys
from datetime import date
from congvan.register import service
service.cap_so(sys.argv[1], service.VanBanDangKy(
    so_dang_ky="LDLD", co_quan="LĐLĐ", ma_loai="KH", ngay=date(2026, 3, 5),
    trich_yeu="Bị ngắt giữa chừng"))
"""


@pytest.mark.slow
def test_sigkill_inside_a_take_leaves_register_consistent(db: str, tmp_path: Path) -> None:
    service.tao_so_dang_ky(db, "LDLD", co_quan="LĐLĐ")
    assert take(db, so_dang_ky="LDLD").so == 1
    marker = tmp_path / "paused"
    env = {**os.environ, HOOK_PAUSE_AFTER_COUNTER: str(marker)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, db], env=env)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "child exited before reaching the pause"
            assert time.monotonic() < deadline, "child never reached the pause"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)  # counter bumped, row not yet written
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    after = take(db, so_dang_ky="LDLD", trich_yeu="Sau sự cố")
    assert after.so == 2  # the killed take's bump was rolled back with it
    rows = service.danh_sach(db, 2026)
    assert [(r.so, r.trich_yeu) for r in rows] == [(1, "Tổ chức Tháng Công nhân"), (2, "Sau sự cố")]
    assert [e["hanh_dong"] for e in service.nhat_ky(db)] == ["tao_so", "cap_so", "cap_so"]
    assert take(db, so_dang_ky="LDLD", ngay=date(2026, 3, 6)).so == 3
