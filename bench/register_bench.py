"""Allocations per second of the register with 1, 4 and 8 concurrent writers.

Runs on a temporary SQLite file and on a temporary PostgreSQL server (started
like the tests do, with fsync ON so the numbers reflect durable commits).
Usage: ``.venv/bin/python bench/register_bench.py [--takes N] [--no-postgres]``.
Not run by the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from congvan.register import service
from congvan.register.db import dispose_engines
from register_fixtures import TempPostgres

WRITERS = (1, 4, 8)


def _writer(db: str, takes: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    service.danh_sach_so_dang_ky(db)  # connect and warm up before the clock starts
    barrier.wait(timeout=120)
    for i in range(takes):
        service.cap_so(db, service.VanBanDangKy(so_dang_ky="BENCH", co_quan="BENCH", ma_loai="KH",
                                                ngay=date(2026, 1, 1), trich_yeu=f"Bench {i}"),
                       nguoi="bench")
    out.put(time.perf_counter())


def run(db: str, writers: int, takes: int) -> float:
    """Allocations per second for *writers* processes taking *takes* numbers each."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db, takes, barrier, out)) for _ in range(writers)]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)
    start = time.perf_counter()
    ends = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"writer failed with exit code {p.exitcode}")
    return writers * takes / (max(ends) - start)


def bench_backend(name: str, make_db, takes: int) -> None:  # type: ignore[no-untyped-def]
    for writers in WRITERS:
        db = make_db()
        service.tao_so_dang_ky(db, "BENCH", co_quan="BENCH")
        dispose_engines()
        rate = run(db, writers, takes)
        got = [r.so for r in service.danh_sach(db, 2026, so_dang_ky="BENCH")]
        assert got == list(range(1, writers * takes + 1)), "numbers not contiguous!"
        dispose_engines()
        print(f"{name:<10} {writers} writer(s): {rate:8.1f} allocations/s "
              f"({writers * takes} numbers, 1..{len(got)} each once)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--takes", type=int, default=200, help="numbers per writer")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="congvan-bench-") as tmp:
        counter = iter(range(1000))
        bench_backend("sqlite", lambda: f"{tmp}/bench-{next(counter)}.sqlite3", args.takes)
    if args.no_postgres:
        return
    server = TempPostgres(durable=True).start()
    try:
        bench_backend("postgresql", lambda: server.create_database("bench"), args.takes)
    finally:
        dispose_engines()
        server.stop()


if __name__ == "__main__":
    main()
