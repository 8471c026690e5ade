"""Term series (nhiệm kỳ): Party numbers run per type through a committee's term, not a year.

Each test on SQLite and PostgreSQL; the migration test upgrades a register written by the
schema of version 1 (``tests/fixtures/register-v1-schema.json``, the DDL as it was).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from congvan.cli import cli
from congvan.errors import CongvanError
from congvan.register import service
from congvan.register.db import database, dispose_engines
from congvan.register.schema import SCHEMA_VERSION
from register_fixtures import *  # noqa: F403 - fixtures db, pg_server
from register_fixtures import take

ROOT = Path(__file__).resolve().parents[1]
V1_SCHEMA = ROOT / "tests" / "fixtures" / "register-v1-schema.json"


def party(db: str, ngay: date, ma_loai: str = "NQ", **kw: object) -> service.CapSo:
    """cap_so as ``render --cap-so`` does for a Party record of the Đảng ủy ĐU."""
    args: dict[str, object] = {
        "co_quan": "ĐU",
        "ma_loai": ma_loai,
        "ngay": ngay,
        "trich_yeu": "Lãnh đạo nhiệm vụ",
        "noi_so": "-",
        "noi_loai": "/",
        "hai_chu_so": True,
        "chu_ky": "nhiem_ky",
        "theo_loai": True,
    }
    args.update(kw)
    return service.cap_so(db, service.VanBanDangKy(**args), nguoi="vt")  # type: ignore[arg-type]


def _two_terms(db: str) -> None:
    service.tao_nhiem_ky(db, "ĐU", "2020-2025", tu_ngay=date(2020, 8, 20))  # open end
    service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16))


def test_numbers_run_through_the_term_per_type_and_restart_with_the_next(db: str) -> None:
    _two_terms(db)
    first_term_end = service.danh_sach_nhiem_ky(db, "ĐU")[0]
    assert (first_term_end.ma, first_term_end.den_ngay) == ("2020-2025", date(2025, 10, 15))
    got = [
        party(db, date(2024, 12, 30)),  # term 2020-2025
        party(db, date(2025, 3, 2)),  # same term, next year: no restart on 1 January
        party(db, date(2025, 10, 20)),  # new term, same year: restart
        party(db, date(2025, 11, 2)),
        party(db, date(2026, 1, 5)),
        party(db, date(2026, 1, 5), ma_loai="BC"),  # its own series per type
    ]
    assert [(g.so_ky_hieu, g.nhiem_ky) for g in got] == [
        ("01-NQ/ĐU", "2020-2025"),
        ("02-NQ/ĐU", "2020-2025"),
        ("01-NQ/ĐU", "2025-2030"),
        ("02-NQ/ĐU", "2025-2030"),
        ("03-NQ/ĐU", "2025-2030"),
        ("01-BC/ĐU", "2025-2030"),
    ]
    regs = {r.ma: r for r in service.danh_sach_so_dang_ky(db)}
    assert {(m, r.loai_series, r.chu_ky) for m, r in regs.items()} == {
        ("ĐU-NQ", "NQ", "nhiem_ky"),
        ("ĐU-BC", "BC", "nhiem_ky"),
    }
    # 2025 holds number 02 twice in one register, once per term (the book still prints per year)
    rows_2025 = service.danh_sach(db, 2025, so_dang_ky="ĐU-NQ")
    assert [(r.so, r.nhiem_ky) for r in rows_2025] == [(1, "2025-2030"), (2, "2020-2025"), (2, "2025-2030")]
    # a state body in the same file keeps its calendar-year series
    assert take(db, ngay=date(2025, 12, 1)).so_ky_hieu == "01/KH-LĐLĐ"
    assert take(db, ngay=date(2026, 1, 2)).so_ky_hieu == "01/KH-LĐLĐ"


def test_database_refuses_a_number_twice_in_one_term(db: str) -> None:
    _two_terms(db)
    r = party(db, date(2026, 2, 1))
    nk = service.danh_sach_nhiem_ky(db, "ĐU")[1].id
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), database(db).write() as tx:
        tx.execute(
            "INSERT INTO so_van_ban (so_dang_ky_id, nam, so, ky_hieu, so_ky_hieu, ngay, trang_thai, "
            "tao_luc, sua_luc, nhiem_ky_id) VALUES (:r, 2027, 1, 'NQ/ĐU', '01-NQ/ĐU', '2027-03-05', "
            "'da_cap', '2027-03-05', '2027-03-05', :nk)",
            {"r": r.so_dang_ky_id, "nk": nk},
        )


def test_date_outside_every_term_says_how_to_enter_one(db: str) -> None:
    with pytest.raises(CongvanError) as err:
        party(db, date(2026, 3, 1))
    message = str(err.value)
    assert "chưa có nhiệm kỳ nào" in message and "congvan so nhiem-ky" in message and "ĐU" in message
    assert service.danh_sach_so_dang_ky(db) == []  # the refused take created no register
    service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16), den_ngay=date(2030, 10, 15))
    with pytest.raises(CongvanError, match="2025-2030"):
        party(db, date(2031, 1, 2))
    assert party(db, date(2026, 3, 1)).so_ky_hieu == "01-NQ/ĐU"


def test_terms_never_overlap(db: str) -> None:
    service.tao_nhiem_ky(db, "ĐU", "2020-2025", tu_ngay=date(2020, 8, 20), den_ngay=date(2025, 10, 15))
    with pytest.raises(CongvanError, match="trùng thời gian"):
        service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 1))
    with pytest.raises(CongvanError, match="trước ngày bắt đầu"):
        service.tao_nhiem_ky(db, "ĐU", "x", tu_ngay=date(2026, 1, 2), den_ngay=date(2026, 1, 1))
    again = service.tao_nhiem_ky(db, "ĐU", "2020-2025", tu_ngay=date(2020, 8, 20), den_ngay=date(2025, 10, 15))
    assert again.ma == "2020-2025" and len(service.danh_sach_nhiem_ky(db)) == 1  # same term: no-op
    service.tao_nhiem_ky(db, "CB", "2025-2027", tu_ngay=date(2025, 10, 1))  # another body: its own terms
    assert [k.co_quan_viet_tat for k in service.danh_sach_nhiem_ky(db)] == ["CB", "ĐU"]


def test_open_term_is_not_ended_before_its_last_number(db: str) -> None:
    service.tao_nhiem_ky(db, "ĐU", "2020-2025", tu_ngay=date(2020, 8, 20))
    party(db, date(2025, 11, 3))  # still the open term
    with pytest.raises(CongvanError, match="01-NQ/ĐU"):
        service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16))
    assert service.danh_sach_nhiem_ky(db, "ĐU")[0].den_ngay is None  # nothing changed


def test_record_moved_into_another_term_keeps_no_old_number(db: str) -> None:
    _two_terms(db)
    first = party(db, date(2025, 10, 10), khoa="hoso:nq.yaml")
    assert party(db, date(2025, 10, 10), khoa="hoso:nq.yaml").so == first.so  # idempotent
    with pytest.raises(CongvanError, match="nhiệm kỳ 2020-2025 → 2025-2030"):
        party(db, date(2025, 10, 20), khoa="hoso:nq.yaml")


def test_rule_set_refuses_a_calendar_year_register(db: str) -> None:
    service.tao_so_dang_ky(db, "ĐU-NQ", co_quan="ĐU", loai_series="NQ")  # a year series
    service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16))
    with pytest.raises(CongvanError, match=r"đánh số theo năm.*theo nhiệm kỳ"):
        party(db, date(2026, 3, 1))
    with pytest.raises(CongvanError, match=r"đánh số theo năm.*theo nhiệm kỳ"):
        party(db, date(2026, 3, 1), so_dang_ky="ĐU-NQ")


def test_void_and_confirm_by_party_number(db: str) -> None:
    _two_terms(db)
    party(db, date(2026, 3, 1))
    held = service.giu_so(
        db,
        service.VanBanDangKy(
            co_quan="ĐU",
            ma_loai="NQ",
            ngay=date(2026, 3, 2),
            noi_so="-",
            noi_loai="/",
            chu_ky="nhiem_ky",
            theo_loai=True,
        ),
    )
    assert held.so_ky_hieu == "02-NQ/ĐU"
    done = service.xac_nhan(db, "02-NQ/ĐU", nam=2026, trich_yeu="Công tác cán bộ")
    voided = service.huy_so(db, "1-NQ/ĐU", nam=2026, ly_do="Ký nhầm")
    assert (done.trang_thai, voided.trang_thai, voided.nhiem_ky) == ("da_cap", "huy", "2025-2030")
    assert party(db, date(2026, 3, 3)).so == 3  # a voided number is never handed out again


def test_closed_year_of_a_term_register_refuses_only_that_year(db: str) -> None:
    service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16))
    party(db, date(2025, 11, 1))
    party(db, date(2026, 5, 1))
    closed = service.khoa_nam(db, 2026, so_dang_ky="ĐU-NQ")
    assert (closed.so_dong, closed.so_cuoi) == (1, 2)
    with pytest.raises(CongvanError, match="năm 2026 của sổ 'ĐU-NQ' đã khóa sổ"):
        party(db, date(2026, 12, 30))
    assert party(db, date(2027, 1, 4)).so_ky_hieu == "03-NQ/ĐU"  # the term's series goes on


def _term_worker(db_url: str, count: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    barrier.wait(timeout=120)
    got = [party(db_url, date(2026 + i % 2, 6, 1), trich_yeu=f"{os.getpid()}-{i}").so for i in range(count)]
    out.put(got)


@pytest.mark.slow
def test_parallel_processes_get_each_term_number_once(db: str) -> None:
    service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16))
    party(db, date(2025, 11, 1))  # the register exists before the race (its creation is tested elsewhere)
    procs_n, takes = 4, 60
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(procs_n), ctx.Queue()
    procs = [ctx.Process(target=_term_worker, args=(db, takes, barrier, out)) for _ in range(procs_n)]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    # one series across the two years of the term: 1 was taken first, then each number once
    assert sorted(n for got in results for n in got) == list(range(2, procs_n * takes + 2))
    rows = service.danh_sach(db, 2026) + service.danh_sach(db, 2027)
    assert len({r.so for r in rows}) == len(rows)


# --------------------------------------------------------------------------- migration


def _v1_register(db: str) -> None:
    """A register as version 1 wrote it: one shared year series with two numbers."""
    kind = "sqlite" if "://" not in db else "postgresql"
    ddl = json.loads(V1_SCHEMA.read_text(encoding="utf-8"))[kind]
    if kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(db)
        run, ph = conn.execute, "?"
    else:
        import psycopg

        conn = psycopg.connect(db)
        run, ph = conn.execute, "%s"
    for statement in ddl:
        run(statement)
    run(f"INSERT INTO congvan_thong_tin (khoa, gia_tri) VALUES ({ph}, {ph})", ("schema_version", "1"))
    run(
        "INSERT INTO so_dang_ky (ma, co_quan_viet_tat, ten, loai_series, tao_luc) "
        "VALUES ('LĐLĐ-chung', 'LĐLĐ', 'Sổ chung', 'chung', '2026-01-02 08:00:00')"
    )
    run("INSERT INTO dem_so (so_dang_ky_id, nam, so_cuoi) VALUES (1, 2026, 2)")
    for so in (1, 2):
        run(
            "INSERT INTO so_van_ban (so_dang_ky_id, nam, so, ky_hieu, so_ky_hieu, ngay, trich_yeu, "
            f"trang_thai, tao_luc, sua_luc) VALUES (1, 2026, {so}, 'KH-LĐLĐ', '0{so}/KH-LĐLĐ', "
            "'2026-03-05', 'Tháng Công nhân', 'da_cap', '2026-03-05 08:00:00', '2026-03-05 08:00:00')"
        )
    conn.commit()
    conn.close()


def test_version_1_register_is_upgraded_in_place(db: str, tmp_path: Path) -> None:
    _v1_register(db)
    assert [r.so_ky_hieu for r in service.danh_sach(db, 2026)] == ["01/KH-LĐLĐ", "02/KH-LĐLĐ"]
    with database(db).read() as tx:
        assert tx.scalar("SELECT gia_tri FROM congvan_thong_tin WHERE khoa = 'schema_version'") == str(SCHEMA_VERSION)
    (reg,) = service.danh_sach_so_dang_ky(db)
    assert reg.chu_ky == "nam"  # what the office had keeps numbering per year
    assert take(db, co_quan="LĐLĐ").so_ky_hieu == "03/KH-LĐLĐ"
    # the old backstop still holds for year series after the upgrade
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), database(db).write() as tx:
        tx.execute(
            "INSERT INTO so_van_ban (so_dang_ky_id, nam, so, ky_hieu, so_ky_hieu, ngay, trang_thai, "
            "tao_luc, sua_luc) VALUES (1, 2026, 2, 'KH-LĐLĐ', '02/KH-LĐLĐ', '2026-03-05', 'da_cap', "
            "'2026-03-05', '2026-03-05')"
        )
    # term series work in the upgraded file, and a second opening does not migrate again
    dispose_engines()
    service.tao_nhiem_ky(db, "ĐU", "2025-2030", tu_ngay=date(2025, 10, 16))
    assert party(db, date(2026, 3, 1)).so_ky_hieu == "01-NQ/ĐU"
    # Phụ lục IV export of the upgraded register
    from congvan.register.export import xuat

    out = tmp_path / "so.xlsx"
    assert xuat(db, 2026, [out], so_dang_ky="LĐLĐ-chung").so_dong == 3 and out.stat().st_size > 0


# --------------------------------------------------------------------------- CLI


def _ok(*args: str) -> str:
    result = CliRunner().invoke(cli, ["so", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_term_register_and_party_numbers(sqlite_path: str) -> None:
    db = ["--db", sqlite_path]
    out = _ok("tao", "ĐU-NQ", "--co-quan", "ĐU", "--loai", "NQ", "--nhiem-ky", "2025-2030", "--tu", "16/10/2025", *db)
    assert "đánh số theo nhiệm kỳ" in out and "nhiệm kỳ 2025-2030 (16/10/2025 – nay)" in out
    take_args = ["--co-quan", "ĐU", "--loai", "NQ", "--quy-tac", "dang", "--trich-yeu", "Công tác", *db]
    assert "Số: 01-NQ/ĐU — nhiệm kỳ 2025-2030, sổ 'ĐU-NQ'" in _ok("cap", "--ngay", "05/03/2026", *take_args)
    first = json.loads(_ok("cap", "--ngay", "05/01/2027", "--json", *take_args))
    assert (first["so_ky_hieu"], first["nhiem_ky"], first["nam"]) == ("02-NQ/ĐU", "2025-2030", 2027)
    assert "theo nhiệm kỳ" in _ok("cac-so", *db)
    assert "ĐU\tnhiệm kỳ 2025-2030" in _ok("cac-nhiem-ky", *db)
    assert "01-NQ/ĐU" in _ok("ds", "--nam", "2026", *db)


def test_cli_term_errors_are_one_vietnamese_line(sqlite_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    from congvan.cli import main

    for args, expected in (
        (["tao", "X", "--co-quan", "ĐU", "--nhiem-ky", "2025-2030"], "chưa có nhiệm kỳ '2025-2030'"),
        (["tao", "X", "--co-quan", "ĐU", "--tu", "16/10/2025"], "ghi kèm --nhiem-ky"),
        (["nhiem-ky", "2025-2030", "--co-quan", "ĐU", "--tu", "32/10/2025"], "ngày không hợp lệ"),
        (
            [
                "cap",
                "--co-quan",
                "ĐU",
                "--loai",
                "NQ",
                "--quy-tac",
                "dangg",
                "--ngay",
                "05/03/2026",
                "--trich-yeu",
                "x",
            ],
            "không có bộ quy tắc 'dangg'",
        ),
        (
            ["cap", "--co-quan", "ĐU", "--loai", "NQ", "--quy-tac", "dang", "--ngay", "05/03/2026", "--trich-yeu", "x"],
            "không có nhiệm kỳ nào chứa ngày 05/03/2026",
        ),
    ):
        with pytest.raises(SystemExit) as exit_:
            main(["so", *args, "--db", sqlite_path])
        err = capsys.readouterr().err.strip().splitlines()
        assert exit_.value.code == 1 and len(err) == 1, err
        assert err[0].startswith("Lỗi: ") and expected in err[0], err
