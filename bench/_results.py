"""Rows of the summary table ``make bench`` ends with (issue 8), written by the benchmarks themselves.

Each benchmark prints its own lines as before and, for every row of issue 8's table it
measures, calls :func:`report` with the figures it just printed: congvan's figure, the peer
timed in the same run, the floor, the target and whether it holds. ``run_all.py`` sets
:data:`ENV` to a file; each call appends one JSON line there, and ``run_all.py`` prints
the table from those lines after the last script. Run alone (no :data:`ENV`), a benchmark
writes nothing extra.

The leading underscore keeps this module out of ``run_all.py``'s ``*_bench.py`` glob.
"""

from __future__ import annotations

import json
import os

ENV = "CONGVAN_BENCH_RESULTS"

#: Row keys in the order of issue 8's table; run_all prints them in this order, with a
#: "no figure" line for any row no script reported (a script failed or was skipped).
ROWS: dict[str, str] = {
    "render_one": "congvan render one.yaml, whole process",
    "render_many": "congvan render of the sample records, whole process",
    "help": "congvan --help",
    "in_process": "per record in process: render + zip (5-page plan)",
    "template_cache": "template load: cross-process cache vs compile",
    "appendix_load": "record with a 10,000-row appendix: load, per row",
    "layout_pass": "10,000-row appendix: layout pass vs Jinja",
    "batch_merged": "10,000 certificates merged, CLI, whole process",
    "batch_memory": "merged batch memory: 100,000 vs 10,000 rows",
    "register_sqlite": "register take, SQLite FULL, 8 writers",
    "register_postgres": "register take, PostgreSQL fsync on, 8 writers",
    "pdf_preview": "PDF, one 1-page plan (preview)",
    "pdf_bulk": "PDF, 2,000 pages",
    "so_cap": "congvan so cap, whole process",
}


def report(row: str, *, figure: str, peer: str, floor: str, target: str, ok: bool) -> None:
    """Append one summary row (the figures as already printed, as text) for run_all.py."""
    if row not in ROWS:
        raise KeyError(f"unknown summary row {row!r}; add it to ROWS")
    path = os.environ.get(ENV)
    if not path:
        return
    line = {"row": row, "figure": figure, "peer": peer, "floor": floor, "target": target, "ok": bool(ok)}
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
