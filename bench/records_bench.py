"""Records load speed: congvan's loader next to PyYAML's loaders on the same files.

Two inputs, written to a temporary folder:

* ``phu_luc_10000``: the sample Quyết định with a 10,000-row appendix table;
* ``ke_hoach_5_trang``: the sample plan with its body written twice (5 pages as PDF).

Peers, timed in alternated rounds (one call each per round, medians reported):

* ``congvan load_record``: read + parse + build + validate + NĐ30 rules (what render uses);
* ``congvan load_yaml_file``: read + parse + build with every check (duplicate keys, limits,
  control characters, YAML 1.2 scalars), no validation;
* ``PyYAML SafeLoader``: ``yaml.load(text, yaml.SafeLoader)``, the pure-Python loader congvan used before;
* ``PyYAML CSafeLoader``: ``yaml.load(text, yaml.CSafeLoader)``, libyaml bare (no checks, no lines; PyYAML's
  Python constructor builds the objects);
* ``libyaml compose (floor)``: ``yaml.CSafeLoader(data).get_single_node()`` with the garbage collector
  paused, the node tree only: the parse every loader with line numbers must do, nothing built.

Figures: median wall time per call, and median CPU time of this process in brackets (the
machine is shared, so wall time includes waiting for a core).

Usage: ``.venv/bin/python bench/records_bench.py [--quick]``. Not run by the tests.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from _results import report as report_row

from congvan.records.loader import load_record
from congvan.records.yaml_source import load_yaml_file, without_gc

ROOT = Path(__file__).resolve().parent.parent
DECISION = ROOT / "records" / "100-quyet-dinh-cong-nhan-gia-dinh-hoc-tap.yaml"
PLAN = ROOT / "records" / "000-ke-hoach-lien-tich-ldld-hkh-ben-tre.yaml"
ROWS = 10_000
FLOOR = "libyaml compose (floor)"


def appendix_record(folder: Path, rows: int) -> Path:
    """The sample decision with its appendix table grown to *rows* rows."""
    text = DECISION.read_text(encoding="utf-8")
    head, _, _ = text.partition("      hang:\n")
    lines = [
        f'        - [Nguyễn Văn Hùng {i}, "Ấp {i % 40 + 1}, xã Sơn Đông số {i}", Thành phố Bến Tre]\n'
        for i in range(rows)
    ]
    path = folder / "phu_luc_10000.yaml"
    path.write_text(head + "      hang:\n" + "".join(lines), encoding="utf-8")
    return path


def five_page_plan(folder: Path) -> Path:
    """The sample plan with its body (``noi_dung``) written twice: five A4 pages in LibreOffice."""
    text = PLAN.read_text(encoding="utf-8")
    data = yaml.load(text, yaml.CSafeLoader)
    start = text.index("\nnoi_dung:\n") + len("\nnoi_dung:\n")
    end = text.index("\nchu_ky:")
    body = text[start:end] + "\n"
    path = folder / "ke_hoach_5_trang.yaml"
    path.write_text(text[:start] + body * 2 + text[end + 1 :], encoding="utf-8")
    assert len(yaml.load(path.read_text(encoding="utf-8"), yaml.CSafeLoader)["noi_dung"]) == 2 * len(data["noi_dung"])
    return path


def peers(path: Path) -> dict[str, Callable[[], object]]:
    def safe() -> object:
        return yaml.load(path.read_text(encoding="utf-8"), yaml.SafeLoader)

    def csafe() -> object:
        return yaml.load(path.read_text(encoding="utf-8"), yaml.CSafeLoader)

    def floor() -> object:
        with without_gc():  # as fair as congvan's loader, which pauses the collector too
            return yaml.CSafeLoader(path.read_bytes()).get_single_node()

    return {
        "congvan load_record": lambda: load_record(path),
        "congvan load_yaml_file": lambda: load_yaml_file(path),
        "PyYAML SafeLoader": safe,
        "PyYAML CSafeLoader": csafe,
        FLOOR: floor,
    }


def alternated(funcs: dict[str, Callable[[], object]], rounds: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per call, each round calling every peer once, order alternating."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in funcs}
    for fn in funcs.values():
        fn()  # warm caches (profiles, imports) before the clock starts
    for r in range(rounds):
        order = list(funcs.items())
        if r % 2:
            order.reverse()
        for name, fn in order:
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    return {
        name: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts)) for name, ts in times.items()
    }


def report(title: str, result: dict[str, tuple[float, float]], per: int | None, unit: str) -> None:
    floor = result[FLOOR][0]
    print(f"\n{title}")
    for name, (wall, cpu) in result.items():
        if per:
            figure = f"{wall * 1e6 / per:8.1f} µs/{unit} ({cpu * 1e6 / per:6.1f} cpu)"
        else:
            figure = f"{wall * 1e3:8.2f} ms ({cpu * 1e3:6.2f} cpu)"
        print(f"  {name:26s} {figure}   {wall / floor:5.2f}× floor")
    cv, safe, csafe = (result[k][0] for k in ("congvan load_record", "PyYAML SafeLoader", "PyYAML CSafeLoader"))
    print(f"  congvan load_record: {safe / cv:.1f}× faster than bare PyYAML SafeLoader, {csafe / cv:.2f}× CSafeLoader")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and 2,000 rows")
    args = parser.parse_args()
    rows = 2_000 if args.quick else ROWS
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        big = appendix_record(folder, rows)
        plan = five_page_plan(folder)
        assert len(load_record(big).phu_luc[0].bang.hang) == rows
        appendix = alternated(peers(big), 3 if args.quick else 7)
        report(
            f"Quyết định with a {rows:,}-row appendix ({big.stat().st_size / 1e6:.2f} MB), per row:",
            appendix,
            rows,
            "row",
        )
        per_row = {name: wall * 1e6 / rows for name, (wall, _) in appendix.items()}
        report_row(
            "appendix_load",
            figure=f"{per_row['congvan load_record']:.1f} µs/row ({rows:,} rows)".replace(",", "."),
            peer=f"PyYAML SafeLoader {per_row['PyYAML SafeLoader']:.1f}, "
            f"CSafeLoader {per_row['PyYAML CSafeLoader']:.1f}",
            floor=f"libyaml compose {per_row[FLOOR]:.1f} µs/row",
            target="<= 20 µs/row",
            ok=per_row["congvan load_record"] <= 20,
        )
        report(
            f"Kế hoạch of five pages ({plan.stat().st_size / 1e3:.1f} KB), per file:",
            alternated(peers(plan), 20 if args.quick else 200),
            None,
            "file",
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
