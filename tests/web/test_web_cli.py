"""`congvan web` as a user starts it: the Vietnamese messages when it cannot start, the first administrator."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.xdist_group("web-api")
PASSWORD = "mat-khau-thu-nghiem"


def _web(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "congvan", "web", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, CONGVAN_MAT_KHAU=PASSWORD, **(env or {})),
    )


def _no_traceback(result: subprocess.CompletedProcess[str]) -> str:
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in out, out
    return out


def test_first_administrator_then_port_taken(tmp_path: Path) -> None:
    db = str(tmp_path / "so.sqlite3")
    out = _no_traceback(_web("--db", db, "--port", "8765"))
    assert "chưa có tài khoản quản trị" in out and "tao-quan-tri" in out
    made = _web("--db", db, "tao-quan-tri", "--ten-dang-nhap", "admin")
    assert made.returncode == 0 and "Đã tạo tài khoản quản trị 'admin'" in made.stdout, made.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = _no_traceback(_web("--db", db, "--port", str(port)))
    assert f"cổng {port}" in out and "đang được chương trình khác dùng" in out and "--port" in out


@pytest.mark.parametrize(
    ("db", "words"),
    [
        ("/khong/co/thu-muc/so.sqlite3", "thư mục chứa tệp sổ đăng ký không tồn tại"),
        ("postgresql://nguoi:bimat@127.0.0.1:1/so", "không kết nối được cơ sở dữ liệu"),
        ("mysql://x@y/z", "không hỗ trợ cơ sở dữ liệu"),
    ],
    ids=["thu-muc-khong-co", "postgres-khong-chay", "loai-khac"],
)
def test_database_that_cannot_be_opened_is_one_vietnamese_line(db: str, words: str) -> None:
    out = _no_traceback(_web("--db", db))
    assert words in out, out
    assert "bimat" not in out  # the password is never shown


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"CONGVAN_MUI_GIO": "Sao/Hoa"}, "CONGVAN_MUI_GIO='Sao/Hoa': không có múi giờ này"),
        ({"CONGVAN_WEB_HAN_NHIP": "mot phut"}, "CONGVAN_WEB_HAN_NHIP='mot phut': cần số giây"),
    ],
    ids=["mui-gio", "han-nhip"],
)
def test_a_bad_setting_is_one_vietnamese_line(tmp_path: Path, env: dict[str, str], words: str) -> None:
    db = str(tmp_path / "so.sqlite3")
    assert _web("--db", db, "tao-quan-tri").returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = _no_traceback(_web("--db", db, "--port", str(port), env=env))
    assert words in out, out
