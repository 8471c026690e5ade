"""``congvan nen``: start, stop and look at the background process (see :mod:`congvan.nen`)."""

from __future__ import annotations

import json
import os
import time

import click

from congvan.errors import CongvanError, Problem
from congvan.nen import protocol
from congvan.nen.client import start_background

START_TIMEOUT = 30.0


def status(sock: str) -> dict[str, object] | None:
    """What the background process at *sock* says of itself; None when none answers."""
    return ask(sock, "trang-thai")


def ask(sock: str, lenh: str) -> dict[str, object] | None:
    """Send command *lenh* (trang-thai, tat) to the background process at *sock*; its JSON answer."""
    conn = protocol.connect(sock, timeout=5.0)
    if conn is None:
        return None
    try:
        protocol.send_request(conn, {"lenh": lenh}, [])
        line = b""
        while not line.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                return None
            line += chunk
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else None
    except (OSError, ValueError):
        return None
    finally:
        conn.close()


def _describe(info: dict[str, object]) -> str:
    started = time.strftime("%H:%M:%S %d/%m/%Y", time.localtime(float(info["bat_dau"])))  # type: ignore[arg-type]
    return (
        f"tiến trình {info['pid']}, chạy từ {started}, đã chạy {info['da_chay']} lệnh, "
        f"đang chạy {info['dang_chay']}, tự tắt sau {float(info['cho']):g} giây không có việc"  # type: ignore[arg-type]
    )


@click.group("nen")
def nen() -> None:
    """Tiến trình nền giữ sẵn congvan để mỗi lệnh chạy nhanh: bật, tắt, xem trạng thái.

    Lệnh congvan đầu tiên tự bật tiến trình nền; các lệnh sau chạy trong đó (cùng kết
    quả, nhanh hơn nhiều lần). Đặt CONGVAN_NEN=0 để không dùng; CONGVAN_NEN_CHO là số
    giây không có việc trước khi nó tự tắt (mặc định 900).
    """


@nen.command("bat")
def bat() -> None:
    """Bật tiến trình nền (nếu chưa chạy) và chờ đến khi nó sẵn sàng."""
    if not protocol.enabled():
        raise CongvanError(Problem("tiến trình nền đang bị tắt (CONGVAN_NEN=0); bỏ biến này để dùng"))
    protocol.idle_seconds()  # a malformed CONGVAN_NEN_CHO is reported here, not only in the log
    sock = protocol.socket_path()
    folder = os.path.dirname(sock)
    if not protocol.private_dir(folder, create=True):
        raise CongvanError(
            Problem("thư mục của tiến trình nền phải là của người dùng này và chỉ người này vào được (quyền 700)",
                    file=folder)
        )  # fmt: skip
    info = status(sock)
    if info is None:
        start_background(sock)
        deadline = time.monotonic() + START_TIMEOUT
        while info is None and time.monotonic() < deadline:
            time.sleep(0.05)
            info = status(sock)
    if info is None:
        raise CongvanError(
            Problem(
                f"không bật được tiến trình nền sau {START_TIMEOUT:g} giây; xem nhật ký",
                file=protocol.log_path(sock),
            )
        )
    click.echo(f"Tiến trình nền đang chạy: {_describe(info)}.")


@nen.command("tat")
def tat() -> None:
    """Tắt tiến trình nền (các lệnh đang chạy trong đó vẫn chạy cho xong)."""
    sock = protocol.socket_path()
    info = ask(sock, "tat")
    if info is None:
        click.echo("Tiến trình nền không chạy.")
        return
    click.echo(f"Đã tắt tiến trình nền ({_describe(info)}).")


@nen.command("trang-thai")
def trang_thai() -> None:
    """Cho biết tiến trình nền có đang chạy không, và nó đã chạy bao nhiêu lệnh."""
    sock = protocol.socket_path()
    info = status(sock)
    if not protocol.enabled():
        click.echo("Tiến trình nền bị tắt (CONGVAN_NEN=0): mọi lệnh chạy trong tiến trình riêng của nó.")
    elif info is None:
        click.echo(f"Tiến trình nền không chạy (lệnh congvan tiếp theo sẽ bật nó; ổ cắm {sock}).")
    else:
        click.echo(f"Tiến trình nền đang chạy: {_describe(info)}; ổ cắm {os.path.basename(sock)}.")
