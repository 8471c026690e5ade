"""Browser-test fixtures and helpers: ONE uvicorn server and ONE Chromium per run (session scope).

The server runs in a thread of the test process on a free port with its own
SQLite file and data folder; Playwright drives Debian's Chromium through
``executable_path`` (browser downloads do not work here). Screenshots of the
main pages are kept in ``output/web-screenshots/`` as test artefacts. Not a
conftest.py: ``tests/conftest.py`` is imported as ``conftest`` by other tests.
"""

from __future__ import annotations

import csv
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "output" / "web-screenshots"
PASSWORD = "mat-khau-thu-nghiem"


@dataclass
class Server:
    url: str
    db: str
    data_dir: Path


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
USERS = {
    "quantri": ("Quản trị Viên", "quan_tri"),
    "chuyenvien": ("Nguyễn Thị Soạn", "chuyen_vien"),
    "lanhdao": ("Trần Văn Duyệt", "lanh_dao"),
    "vanthu1": ("Lê Thị Văn Thư", "van_thu"),
    "vanthu2": ("Phạm Văn Sổ", "van_thu"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import uvicorn

    from congvan.web import auth
    from congvan.web.app import Settings, create_app

    folder = tmp_path_factory.mktemp("web")
    db = str(folder / "so-van-ban.sqlite3")
    for name, (full, role) in USERS.items():
        auth.tao_nguoi_dung(db, name, full, role, PASSWORD, boi="kiểm thử")
    app = create_app(Settings(db=db, data_dir=folder / "du-lieu", secret="k" * 48))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            pytest.fail("máy chủ web không khởi động được")
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", db, folder / "du-lieu")
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("thiếu Chromium: chạy scripts/setup.sh (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def web_on_postgres(pg_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # type: ignore[no-untyped-def]
    """`congvan web --db postgresql://…` as a user starts it: a separate process, its own database."""
    import os
    import subprocess
    import sys

    from congvan.web import auth

    url = pg_server.create_database("web")
    folder = tmp_path_factory.mktemp("web-pg")
    env = dict(os.environ, CONGVAN_MAT_KHAU=PASSWORD, CONGVAN_PDF_WORKERS="1")
    cli = [sys.executable, "-m", "congvan", "web", "--db", url, "--thu-muc", str(folder)]
    made = subprocess.run([*cli, "tao-quan-tri"], env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0 and "Đã tạo tài khoản quản trị" in made.stdout, made.stderr
    for name, (full, role) in USERS.items():
        if role != "quan_tri":
            auth.tao_nguoi_dung(url, name, full, role, PASSWORD, boi="kiểm thử")
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    pytest.fail(f"congvan web --db postgresql:// không khởi động được:\n{out}")
                time.sleep(0.1)
        yield Server(f"http://127.0.0.1:{port}", url, folder)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def login(browser, server: Server, name: str):  # type: ignore[no-untyped-def]
    """A fresh browser context signed in as *name*; returns (context, page)."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(server.url + "/dang-nhap")
    page.fill("#ten_dang_nhap", name)
    page.fill("#mat_khau", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    return context, page


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # sticky panes are drawn where the viewport is
    page.screenshot(path=str(path), full_page=True)
    return path


def certificate_rows(path: Path, count: int, who: str = "Hộ Thử") -> Path:
    """A cheap sheet of *count* families: short names, each row telling its batch apart (*who*)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["STT", "Họ và tên chủ hộ", "Địa chỉ", "Năm sinh"])
        for i in range(1, count + 1):
            w.writerow([i, f"{who} {i}", f"Thôn {i % 12 + 1}, xã An Bình", 1950 + i % 50])
    return path
