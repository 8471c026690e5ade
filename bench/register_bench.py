"""Register takes per second, next to the same SQL in the raw driver and the floor.

Peers, timed in alternated rounds in one run (each round runs every peer once, in
rotating order; medians of the rounds are printed):

* ``congvan``: ``service.cap_so`` (what ``congvan so cap`` and ``render --cap-so`` do);
* ``raw``: the same statements (the register's own SQL text) in the bare driver
  (sqlite3 / psycopg), one transaction per take;
* ``floor``: the minimal statement, ``INSERT … ON CONFLICT … DO UPDATE … RETURNING``
  on the counter alone, one transaction per take.

With 1 and 8 writer processes, on SQLite (WAL, ``synchronous = FULL``: what congvan
promises, a number survives a power cut) on the disk and on tmpfs (fsync free, so
the figure is the software's cost), and on PostgreSQL started like the tests do,
with fsync on (durable) and off. Then ``congvan so cap`` as a whole process next to
``python -c pass``. Every congvan database is checked at the end: numbers 1..N,
each once.

Usage: ``.venv/bin/python bench/register_bench.py [--quick] [--no-postgres]``.
Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from _results import report

from congvan.register import service
from congvan.register.db import dispose_engines
from register_fixtures import TempPostgres

PEERS = ("congvan", "raw", "floor")
REGISTER = "BENCH"
VB = service.VanBanDangKy(so_dang_ky=REGISTER, co_quan="BENCH", ma_loai="KH",
                          ngay=date(2026, 1, 1), trich_yeu="Bench")


# --------------------------------------------------------------------------- one take per peer


def _sqlite_conn(path: str):  # type: ignore[no-untyped-def]
    import sqlite3

    conn = sqlite3.connect(path, timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _raw_take_params(reg_id: int, i: int, luc: object, day: object) -> tuple[dict, dict, dict]:
    bump = {"r": reg_id, "nam": 2026, "no": False}
    row = {"r": reg_id, "nam": 2026, "so": 0, "ky_hieu": "KH-BENCH", "so_ky_hieu": "",
           "ngay": day, "ma_loai": "KH", "ten_loai": "", "trich_yeu": "Bench",
           "khong_dau": "bench", "nguoi_ky": "", "noi_nhan": "", "don_vi": "", "so_ban": None,
           "trang_thai": "da_cap", "khoa": None, "nguoi": "bench", "luc": luc}
    audit = {"luc": luc, "nguoi": "bench", "hanh_dong": "cap_so", "r": reg_id,
             "noi_dung": f'{{"so": {i}}}'}
    return bump, row, audit


def _raw_sqlite(path: str, takes: int) -> None:
    """congvan's statements, verbatim, in bare sqlite3."""
    conn = _sqlite_conn(path)
    reg_sql = f"SELECT {service._REG_COLS} FROM so_dang_ky WHERE ma = :ma"
    for i in range(takes):
        conn.execute("BEGIN IMMEDIATE")
        reg_id = conn.execute(reg_sql, {"ma": REGISTER}).fetchone()[0]
        bump, row, audit = _raw_take_params(reg_id, i, "2026-01-01 00:00:00.000000", "2026-01-01")
        (so,) = conn.execute(service._BUMP, bump).fetchone()
        row |= {"so": so, "so_ky_hieu": f"{so:02d}/KH-BENCH"}
        conn.execute(service._INSERT_ROW, row)
        conn.execute(service._AUDIT, audit)
        conn.execute("COMMIT")


def _floor_sqlite(path: str, takes: int) -> None:
    conn = _sqlite_conn(path)
    for _ in range(takes):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(service._BUMP, {"r": 1, "nam": 2026, "no": False}).fetchone()
        conn.execute("COMMIT")


def _raw_pg(url: str, takes: int) -> None:
    """congvan's statements, verbatim (``:name`` → ``%(name)s``), in bare psycopg: the register
    lookup, then the one-statement take sent with the COMMIT (pipeline mode), as congvan does."""
    from datetime import datetime

    import psycopg

    from congvan.register.db import _pg_sql

    conn = psycopg.connect(url)
    reg_sql = _pg_sql(f"SELECT {service._REG_COLS} FROM so_dang_ky WHERE ma = :ma")
    take_sql = _pg_sql(service._TAKE_IN_ONE)
    for i in range(takes):
        with conn.pipeline():
            cur = conn.cursor()
            reg_id = cur.execute(reg_sql, {"ma": REGISTER}).fetchone()[0]
            bump, row, audit = _raw_take_params(reg_id, i, datetime(2026, 1, 1), date(2026, 1, 1))
            cur.execute(take_sql, row | bump | audit | {"hai": True, "duoi": "/KH-BENCH"})
            conn.commit()
            cur.fetchone()


def _floor_pg(url: str, takes: int) -> None:
    import psycopg

    from congvan.register.db import _pg_sql

    conn = psycopg.connect(url, autocommit=True)
    sql = _pg_sql(service._BUMP)
    for _ in range(takes):
        conn.execute(sql, {"r": 1, "nam": 2026, "no": False}).fetchone()


def _congvan(db: str, takes: int) -> None:
    for _ in range(takes):
        service.cap_so(db, VB, nguoi="bench")


def _worker(peer: str, db: str, takes: int, start_at: float, out) -> None:  # type: ignore[no-untyped-def]
    sqlite = "://" not in db
    run = {"congvan": _congvan, "raw": _raw_sqlite if sqlite else _raw_pg,
           "floor": _floor_sqlite if sqlite else _floor_pg}[peer]
    if peer == "congvan":
        service.danh_sach_so_dang_ky(db)  # connect before the clock starts
    time.sleep(max(0.0, start_at - time.time()))
    began = time.time()
    run(db, takes)
    out.put((began, time.time()))


def _timed(peer: str, db: str, writers: int, takes: int) -> float:
    """Takes per second of *writers* processes doing *takes* each, started together."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    start_at = time.time() + 0.3
    procs = [ctx.Process(target=_worker, args=(peer, db, takes, start_at, out))
             for _ in range(writers)]
    for p in procs:
        p.start()
    spans = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"{peer} writer failed with exit code {p.exitcode}")
    return writers * takes / (max(e for _, e in spans) - min(b for b, _ in spans))


# --------------------------------------------------------------------------- one back-end


def _prepare(make_db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A fresh register database per peer (the floor uses the counter table only)."""
    dbs = {}
    for peer in PEERS:
        db = make_db()
        service.tao_so_dang_ky(db, REGISTER, co_quan="BENCH")
        dbs[peer] = db
    dispose_engines()  # no connection crosses the fork
    return dbs


#: (backend label, writers) -> (summary row, takes/s target of issue 8).
SUMMARY_ROWS = {
    ("sqlite FULL, disk", 8): ("register_sqlite", 1_500),
    ("postgresql fsync on", 8): ("register_postgres", 1_000),
}


def bench_backend(name: str, make_db, writers_list: tuple[int, ...], takes: int,  # type: ignore[no-untyped-def]
                  rounds: int) -> None:
    for writers in writers_list:
        dbs = _prepare(make_db)
        rates: dict[str, list[float]] = {p: [] for p in PEERS}
        for r in range(rounds):
            order = PEERS[r % len(PEERS):] + PEERS[: r % len(PEERS)]
            for peer in order:
                rates[peer].append(_timed(peer, dbs[peer], writers, takes))
        got = [row.so for row in service.danh_sach(dbs["congvan"], 2026, so_dang_ky=REGISTER)]
        total = rounds * writers * takes
        assert got == list(range(1, total + 1)), "congvan numbers not 1..N each once!"
        dispose_engines()
        med = {p: statistics.median(v) for p, v in rates.items()}
        print(f"{name:<24} {writers} writer(s): congvan {med['congvan']:8.0f}/s | "
              f"raw same SQL {med['raw']:8.0f}/s | floor upsert {med['floor']:8.0f}/s | "
              f"congvan/raw {med['congvan'] / med['raw']:.2f} "
              f"({total} numbers 1..{total} each once)", flush=True)
        summary = SUMMARY_ROWS.get((name, writers))
        if summary:
            row, target = summary
            report(
                row,
                figure=f"{med['congvan']:.0f} takes/s",
                peer=f"raw same SQL {med['raw']:.0f}/s ({med['congvan'] / med['raw']:.2f}x)",
                floor=f"upsert {med['floor']:.0f}/s",
                target=f">= {target:,}/s".replace(",", "."),
                ok=med["congvan"] >= target,
            )


# --------------------------------------------------------------------------- whole process


def bench_process(runs: int) -> None:
    """``congvan so cap`` end to end, as users run it (background process warm, congvan.nen) and in a
    fresh process of its own each time (``CONGVAN_NEN=0``), next to ``python -c pass``."""
    congvan = [sys.executable, "-m", "congvan", "so", "cap", "--co-quan", "BENCH", "--loai", "KH",
               "--ngay", "01/01/2026", "--trich-yeu", "Bench"]
    base = {k: v for k, v in os.environ.items() if k != "CONGVAN_NEN"}
    with tempfile.TemporaryDirectory(prefix="congvan-bench-") as tmp:
        own = dict(base, CONGVAN_NEN="0")
        warm = dict(base, CONGVAN_NEN_DIR=os.path.join(tmp, "nen"))
        peers = {"congvan so cap": (congvan, warm), "own process": (congvan, own),
                 "python -c pass": ([sys.executable, "-c", "pass"], own)}
        subprocess.run(congvan, cwd=tmp, env=own, check=True, capture_output=True)  # schema created once
        subprocess.run([sys.executable, "-m", "congvan", "nen", "bat"], env=warm, check=True, capture_output=True)
        times: dict[str, list[float]] = {k: [] for k in peers}
        cpu: dict[str, list[float]] = {k: [] for k in peers}
        try:
            for r in range(runs):
                for name in (list(peers) if r % 2 == 0 else list(peers)[::-1]):
                    argv, env = peers[name]
                    before = _children_cpu()
                    start = time.perf_counter()
                    subprocess.run(argv, cwd=tmp, env=env, check=True, capture_output=True)
                    times[name].append(time.perf_counter() - start)
                    cpu[name].append(_children_cpu() - before)
        finally:
            subprocess.run([sys.executable, "-m", "congvan", "nen", "tat"], env=warm, capture_output=True)
        taken = subprocess.run([sys.executable, "-m", "congvan", "so", "ds", "--nam", "2026", "--json"], cwd=tmp,
                               env=own, capture_output=True, text=True)  # fmt: skip
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    cpu_med = {k: statistics.median(v) * 1000 for k, v in cpu.items()}
    print(f"whole process (median of {runs}; wall, and cpu where the process is ours to count): congvan so cap "
          f"{med['congvan so cap']:.0f} ms (background process warm) | own process {med['own process']:.0f} / "
          f"{cpu_med['own process']:.0f} ms | floor python -c pass {med['python -c pass']:.0f} / "
          f"{cpu_med['python -c pass']:.0f} ms", flush=True)
    assert taken.returncode == 0, taken.stderr
    numbers = [row["so"] for row in json.loads(taken.stdout)]
    assert numbers == list(range(1, 2 * runs + 2)), f"register numbers not 1..{2 * runs + 1}: {numbers}"
    report(
        "so_cap",
        figure=f"{med['congvan so cap']:.0f} ms (own process {med['own process']:.0f} ms)",
        peer="-",
        floor=f"python -c pass {med['python -c pass']:.0f} ms",
        target="<= 250 ms",
        ok=max(med["congvan so cap"], med["own process"]) <= 250,
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (fewer takes and rounds)")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    takes, rounds, runs = (40, 2, 5) if args.quick else (150, 3, 15)
    writers = (1, 8)
    print(f"register takes: {takes} per writer per round, {rounds} alternated rounds, medians",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="congvan-bench-") as disk, \
            tempfile.TemporaryDirectory(prefix="congvan-bench-", dir="/dev/shm") as shm:
        for label, folder in (("sqlite FULL, disk", disk), ("sqlite FULL, tmpfs", shm)):
            names = iter(range(10_000))
            bench_backend(label, lambda f=folder, n=names: f"{f}/b{next(n)}.sqlite3", writers,
                          takes, rounds)
    if not args.no_postgres:
        for durable in (True, False):
            server = TempPostgres(durable=durable).start()
            try:
                label = "postgresql fsync on" if durable else "postgresql fsync off"
                bench_backend(label, lambda s=server: s.create_database("bench"), writers, takes,
                              rounds)
            finally:
                dispose_engines()
                server.stop()
    bench_process(runs)


if __name__ == "__main__":
    os.environ.pop("CONGVAN_DB", None)
    main()
