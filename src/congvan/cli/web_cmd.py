"""``congvan web``: the browser workspace; ``congvan web tao-quan-tri``: the first administrator."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import click

from congvan.errors import CongvanError

ENV_PASSWORD = "CONGVAN_MAT_KHAU"


def _db(db: str | None) -> str:
    from congvan.register.db import default_db

    return db or default_db()


def _data_dir(db: str, thu_muc: Path | None) -> Path:
    """Uploads, previews and the cookie key: beside the SQLite file unless told otherwise."""
    if thu_muc is not None:
        return thu_muc
    if "://" not in db:
        p = Path(db).expanduser().resolve()
        return p.with_name(p.stem + "-web")
    return Path.cwd() / "congvan-web"


def _open_db(db: str) -> None:
    """Open the database and make the web tables, or fail with one Vietnamese line (password hidden)."""
    from congvan.register.db import parse_db
    from congvan.web import store

    where = parse_db(db).where  # a malformed --db is already a Vietnamese message here
    try:
        store.ensure(db)
    except CongvanError:
        raise  # the database layer's message names the file or URL, password hidden
    except Exception as exc:  # a driver error that is not ours: still one Vietnamese line
        raise CongvanError(f"không mở được cơ sở dữ liệu {where}: {type(exc).__name__}") from None


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CongvanError(
                    f"cổng {port} trên {host} đang được chương trình khác dùng "
                    f"(có thể congvan web đang chạy); chọn cổng khác bằng --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise CongvanError(f"không có quyền mở cổng {port}; dùng cổng từ 1024 trở lên") from None
            raise CongvanError(f"không mở được địa chỉ {host}:{port}: {exc.strerror}") from None


@click.group("web", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Địa chỉ nghe (0.0.0.0 để máy khác vào).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Cổng.")
@click.option(
    "--db",
    default=None,
    metavar="URL_HOẶC_TỆP",
    help="Tệp SQLite hoặc URL postgresql://… (mặc định: sổ đăng ký, $CONGVAN_DB hoặc so-van-ban.sqlite3).",
)
@click.option(
    "--thu-muc",
    type=click.Path(path_type=Path),
    default=None,
    help="Thư mục tệp tải lên, bản xem trước, đợt in (mặc định: cạnh tệp SQLite).",
)
@click.pass_context
def web_command(ctx: click.Context, host: str, port: int, db: str | None, thu_muc: Path | None) -> None:
    """Mở không gian làm việc trên trình duyệt: soạn, xem trước, duyệt, ban hành, in hàng loạt."""
    ctx.obj = {"db": _db(db), "thu_muc": thu_muc}
    if ctx.invoked_subcommand is not None:
        return
    database = _db(db)
    _open_db(database)
    from congvan.web import auth

    if not auth.co_quan_tri(database):
        raise CongvanError("chưa có tài khoản quản trị; tạo bằng: congvan web tao-quan-tri --db " + database)
    _check_port(host, port)
    import uvicorn

    from congvan.web.app import Settings, create_app, load_secret
    from congvan.web.routes_batch import heartbeat_limit_s

    data_dir = _data_dir(database, thu_muc)
    settings = Settings(
        db=database,
        data_dir=data_dir,
        secret=load_secret(data_dir),
        secure_cookies=os.environ.get("CONGVAN_COOKIE_HTTPS") == "1",
        han_nhip_s=heartbeat_limit_s(),
    )
    app = create_app(settings)  # marks interrupted only the batches of servers that stopped heart-beating
    click.echo(f"congvan web: mở trình duyệt tại http://{host}:{port}/  (Ctrl+C để dừng)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@web_command.command("tao-quan-tri")
@click.option("--ten-dang-nhap", default="quantri", show_default=True)
@click.option("--ho-ten", default="Quản trị hệ thống", show_default=True)
@click.pass_context
def tao_quan_tri(ctx: click.Context, ten_dang_nhap: str, ho_ten: str) -> None:
    """Tạo tài khoản quản trị (mật khẩu nhập từ bàn phím, hoặc biến môi trường CONGVAN_MAT_KHAU)."""
    database = ctx.obj["db"]
    _open_db(database)
    password = os.environ.get(ENV_PASSWORD)
    if not password:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    from congvan.web import auth

    user = auth.tao_nguoi_dung(database, ten_dang_nhap, ho_ten, "quan_tri", password, boi="dòng lệnh")
    click.echo(f"Đã tạo tài khoản quản trị '{user.ten_dang_nhap}'.")


COMMANDS: list[click.Command] = [web_command]
