"""``congvan so …`` end to end: JSON output, errors as one Vietnamese line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from congvan.cli import cli
from register_fixtures import *  # noqa: F403 - fixtures db, pg_server, sqlite_path


def _run(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["so", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cap_json_prints_one_object(db: str) -> None:
    common = ["--db", db, "--co-quan", "LĐLĐ", "--ngay", "05/03/2026", "--json"]
    first = _run("cap", *common, "--loai", "KH", "--trich-yeu", "Tháng Công nhân")
    second = _run("cap", *common, "--don-vi", "VP", "--trich-yeu", "V/v họp")
    joint = _run("cap", *common, "--loai", "KHPH", "--phoi-hop", "HKH", "--trich-yeu", "Phối hợp")
    assert {k: first[k] for k in ("so", "so_ky_hieu", "nam")} == {"so": 1, "so_ky_hieu": "01/KH-LĐLĐ", "nam": 2026}
    assert isinstance(first["so"], int) and isinstance(first["nam"], int)
    assert second["so_ky_hieu"] == "02/LĐLĐ-VP"
    assert joint["so_ky_hieu"] == "03/KHPH-LĐLĐ-HKH"


def test_reserve_confirm_void_list_search(sqlite_path: str) -> None:
    db = ["--db", sqlite_path]
    runner = CliRunner()

    def ok(*args: str) -> str:
        res = runner.invoke(cli, ["so", *args, *db], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    ok("tao", "LDLD", "--co-quan", "LĐLĐ")
    held = json.loads(ok("giu", "--so", "LDLD", "--loai", "QĐ", "--ngay", "2026-04-01", "--json"))
    assert held["trang_thai"] == "giu"
    assert "Đã xác nhận số 01/QĐ-LĐLĐ" in ok(
        "xac-nhan", held["so_ky_hieu"], "--nam", "2026", "--trich-yeu", "Khen thưởng Đại hội"
    )
    ok("cap", "--so", "LDLD", "--ngay", "2/4/2026", "--trich-yeu", "Báo cáo quý I")
    assert "Đã hủy số 02/LĐLĐ" in ok("huy", "2", "--nam", "2026", "--ly-do", "Trùng nội dung")
    rows = json.loads(ok("ds", "--nam", "2026", "--json"))
    assert [(r["so"], r["trang_thai"]) for r in rows] == [(1, "da_cap"), (2, "huy")]
    found = json.loads(ok("tim", "dai hoi", "--json"))
    assert [r["so_ky_hieu"] for r in found] == ["01/QĐ-LĐLĐ"]
    assert "Đã khóa sổ 'LDLD' năm 2026" in ok("khoa-nam", "--nam", "2026")


def _congvan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "congvan", "so", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--db", "postgresql://u@h:abc/db"], "URL cơ sở dữ liệu không hợp lệ"),
        (["--db", "mysql://u@h/db"], "không hỗ trợ cơ sở dữ liệu 'mysql'"),
        (["--so", "KHONG"], "không có sổ đăng ký 'KHONG'"),
    ],
)
def test_errors_are_one_vietnamese_line(args: list[str], message: str, tmp_path: Path) -> None:
    res = _congvan("cap", *args, "--co-quan", "LĐLĐ", "--ngay", "1/1/2026", "--trich-yeu", "x", cwd=tmp_path)
    assert res.returncode != 0
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: ") and message in lines[0], res.stderr
    assert "Traceback" not in res.stderr


def test_closed_year_error_and_default_db_file(tmp_path: Path) -> None:
    assert (
        _congvan("cap", "--co-quan", "LĐLĐ", "--ngay", "30/12/2025", "--trich-yeu", "x", cwd=tmp_path).returncode == 0
    )
    assert (tmp_path / "so-van-ban.sqlite3").exists()  # the default data file
    assert _congvan("khoa-nam", "--nam", "2025", cwd=tmp_path).returncode == 0
    res = _congvan("cap", "--co-quan", "LĐLĐ", "--ngay", "31/12/2025", "--trich-yeu", "y", "--json", cwd=tmp_path)
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.strip().splitlines() == [
        "Lỗi: năm 2025 của sổ 'LĐLĐ-chung' đã khóa sổ (đã in và đóng quyển): "
        "không thể cấp, giữ, xác nhận hay hủy số của năm này"
    ]


def test_bad_date_is_reported(tmp_path: Path) -> None:
    res = _congvan("cap", "--co-quan", "LĐLĐ", "--ngay", "31/02/2026", "--trich-yeu", "x", cwd=tmp_path)
    assert res.returncode == 1 and "ngày không hợp lệ" in res.stderr
