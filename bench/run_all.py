"""Run every ``bench/*_bench.py`` script, one after the other (``make bench``), then one summary table.

Each benchmark is a standalone script; dropping a new ``NAME_bench.py`` in this
folder is enough to have it run. ``--quick`` is passed on to every script that
declares the option (fewer rounds, smaller inputs; a script that has no quick mode
runs in full, with a note); ``-k WORD`` runs only scripts whose name contains
WORD. The exit status is non-zero when any script failed.

The summary is issue 8's table, one row per path: congvan's figure, the peer and the
floor timed in the same run, the target and OK/MISS. The figures are what the scripts
printed above, collected from the JSON lines they append to the file named by
``CONGVAN_BENCH_RESULTS`` (see ``_results.py``); nothing is re-measured here. A
script that reports no rows (the web and Dask benchmarks have their own owners) has
its last line repeated under the table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import ENV, ROWS

HERE = Path(__file__).resolve().parent


def bench_scripts(folder: Path = HERE, only: str | None = None) -> list[Path]:
    """Every ``*_bench.py`` in *folder*, sorted, optionally filtered by name."""
    return [p for p in sorted(folder.glob("*_bench.py")) if not only or only in p.stem]


def accepts_quick(script: Path) -> bool:
    """Whether a benchmark declares ``--quick`` (so passing it cannot break its argparse)."""
    return "--quick" in script.read_text(encoding="utf-8")


def run_script(script: Path, quick: bool, results: Path) -> tuple[int, str]:
    """Run one benchmark with its output streamed through; (exit status, its last non-empty line)."""
    # Every congvan a benchmark starts runs in its own process unless the benchmark says otherwise
    # (render_bench and register_bench time both, and start and stop their own background process).
    env = dict(os.environ, **{ENV: str(results), "CONGVAN_NEN": "0"})
    command = [sys.executable, str(script), *(["--quick"] if quick else [])]
    last = ""
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.strip():
                last = line.strip()
    return proc.returncode, last


def read_rows(results: Path) -> dict[str, dict[str, object]]:
    """The summary rows the scripts wrote (a later line for the same row wins)."""
    rows: dict[str, dict[str, object]] = {}
    if results.exists():
        for line in results.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                rows[str(entry["row"])] = entry
    return rows


def summary_table(rows: dict[str, dict[str, object]], ran_all: bool) -> list[str]:
    """Issue 8's table as aligned text lines, in the issue's order."""
    header = ("path", "congvan", "peer, same run", "floor", "target", "")
    lines = []
    for key, title in ROWS.items():
        entry = rows.get(key)
        if entry is None:
            if ran_all:
                lines.append((title, "no figure (its script failed?)", "", "", "", "MISS"))
            continue
        verdict = "OK" if entry["ok"] else "MISS"
        lines.append((title, *(str(entry[k]) for k in ("figure", "peer", "floor", "target")), verdict))
    widths = [max(len(r[i]) for r in (header, *lines)) for i in range(len(header))]
    def fmt(r: tuple[str, ...]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
    return [fmt(header), "-+-".join("-" * w for w in widths), *(fmt(r) for r in lines)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    parser.add_argument("-k", dest="only", default=None, help="run only benchmarks whose name contains this")
    args = parser.parse_args(argv)
    failed = []
    silent: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-results-") as tmp:
        results = Path(tmp) / "rows.jsonl"
        for script in bench_scripts(only=args.only):
            print(f"== {script.name}", flush=True)
            quick = args.quick and accepts_quick(script)
            if args.quick and not quick:
                print(f"   ({script.name} không có chế độ --quick: chạy đầy đủ)", flush=True)
            start = time.perf_counter()
            before = len(read_rows(results))
            status, last = run_script(script, quick, results)
            print(f"== {script.name}: {'xong' if status == 0 else f'LỖI (mã {status})'} "
                  f"sau {time.perf_counter() - start:.1f} s", flush=True)
            if status:
                failed.append(script.name)
            if len(read_rows(results)) == before:
                silent[script.name] = last
        rows = read_rows(results)
    print(f"\n== tóm tắt (issue 8){' — --quick: đầu vào nhỏ hơn, số vòng ít hơn' if args.quick else ''}")
    for line in summary_table(rows, ran_all=args.only is None):
        print(line)
    for name, last in silent.items():
        print(f"{name}: {last}")
    if failed:
        print(f"== benchmark lỗi: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
