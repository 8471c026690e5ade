"""Run every ``bench/*_bench.py`` script, one after the other (``make bench``).

Each benchmark is a standalone script; dropping a new ``NAME_bench.py`` in this
folder is enough to have it run. ``--quick`` is passed on to every script that
declares the option (fewer rounds, smaller inputs; a script that has no quick mode
runs in full, with a note); ``-k WORD`` runs only scripts whose name contains
WORD. The exit status is non-zero when any script failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def bench_scripts(folder: Path = HERE, only: str | None = None) -> list[Path]:
    """Every ``*_bench.py`` in *folder*, sorted, optionally filtered by name."""
    return [p for p in sorted(folder.glob("*_bench.py")) if not only or only in p.stem]


def accepts_quick(script: Path) -> bool:
    """Whether a benchmark declares ``--quick`` (so passing it cannot break its argparse)."""
    return "--quick" in script.read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    parser.add_argument("-k", dest="only", default=None, help="run only benchmarks whose name contains this")
    args = parser.parse_args(argv)
    failed = []
    for script in bench_scripts(only=args.only):
        print(f"== {script.name}", flush=True)
        quick = args.quick and accepts_quick(script)
        if args.quick and not quick:
            print(f"   ({script.name} không có chế độ --quick: chạy đầy đủ)", flush=True)
        start = time.perf_counter()
        status = subprocess.call([sys.executable, str(script), *(["--quick"] if quick else [])])
        print(f"== {script.name}: {'xong' if status == 0 else f'LỖI (mã {status})'} "
              f"sau {time.perf_counter() - start:.1f} s", flush=True)
        if status:
            failed.append(script.name)
    if failed:
        print(f"== benchmark lỗi: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
