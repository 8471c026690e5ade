"""The ``congvan`` command line.

Each sub-command lives in its own module; this module only names them in
:data:`COMMANDS` and turns user errors into one Vietnamese line on stderr with a
non-zero exit code, never a traceback.

Commands are loaded lazily (Click's documented ``LazyGroup`` pattern): listing
them for ``congvan --help`` reads the short help kept in the table, and running
one imports only its own module, so ``congvan --help`` never pays for
SQLAlchemy, openpyxl, docxtpl or lxml. To add a command, add one line to
:data:`COMMANDS`.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import signal
import sys
import time
from pathlib import Path

import click

from congvan.cli import click_vi
from congvan.cli.click_vi import OPTIONS_METAVAR, SUBCOMMAND_METAVAR, install, localise_command
from congvan.errors import CongvanError

install()  # Click's own messages ("Usage:", "No such option"...) in Vietnamese, before any decorator runs

EXIT_USER_ERROR = 1
EXIT_INTERNAL = 2
EXIT_INTERRUPTED = 130

#: Command name -> ("module:attribute", Vietnamese short help shown by ``congvan --help``).
#: The short help is kept here so listing commands imports none of them;
#: ``tests/test_cli.py`` checks it against each command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "batch": (
        "congvan.cli.batch_cmd:batch_command",
        "Tạo quyết định công nhận, giấy công nhận, bản đăng ký cho mọi dòng của BANG_TINH.",
    ),
    "forms": (
        "congvan.cli.batch_cmd:forms_command",
        "Tạo bản đăng ký danh hiệu của năm, điền sẵn cho từng gia đình hoặc đơn vị.",
    ),
    "kiem-tra": ("congvan.cli.reading_cmd:kiem_tra", "Kiểm tra thể thức tệp Word (.docx, hoặc thư mục) theo NĐ30."),
    "mau": ("congvan.cli.mau_cmd:mau", "In hồ sơ YAML mẫu có chú thích cho một loại văn bản."),
    "nen": (
        "congvan.cli.nen_cmd:nen",
        "Tiến trình nền giữ sẵn congvan để mỗi lệnh chạy nhanh: bật, tắt, xem trạng thái.",
    ),
    "nhap": ("congvan.cli.reading_cmd:nhap", "Nhập tệp Word (.docx) thành hồ sơ YAML để sửa và xuất lại."),
    "render": (
        "congvan.cli.render_cmd:render",
        "Xuất hồ sơ YAML (tệp hoặc thư mục) thành DOCX, và PDF nếu cần.",
    ),
    "so": (
        "congvan.cli.register_cmd:so",
        "Sổ đăng ký văn bản đi: cấp số, giữ số, hủy số, tra cứu, in sổ (Phụ lục IV NĐ 30/2020).",
    ),
    "validate": (
        "congvan.cli.render_cmd:validate",
        "Kiểm tra hồ sơ YAML (tệp hoặc thư mục) mà không xuất văn bản.",
    ),
    "web": (
        "congvan.cli.web_cmd:web_command",
        "Mở không gian làm việc trên trình duyệt: soạn, xem trước, duyệt, ban hành, in hàng loạt.",
    ),
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported only when one of them is run."""

    def __init__(self, *args: object, lazy_commands: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            command = load_command(self.lazy_commands[cmd_name][0])
            localise_command(command)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table's short help, importing nothing."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.commands:
                short = self.commands[name].get_short_help_str(limit)
            else:
                short = click.Command(name, help=self.lazy_commands[name][1]).get_short_help_str(limit)
            rows.append((name, short))
        with formatter.section(click_vi.vi_gettext("Commands")):
            formatter.write_dl(rows)


def load_command(target: str) -> click.Command:
    """Import ``module:attribute`` and return the Click command it names."""
    module_name, _, attr = target.partition(":")
    command = getattr(importlib.import_module(module_name), attr)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click.Command")
    return command


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
    options_metavar=OPTIONS_METAVAR,
    subcommand_metavar=SUBCOMMAND_METAVAR,
)
@click.version_option(package_name="congvan")
def cli() -> None:
    """congvan: soạn văn bản hành chính theo Nghị định 30/2020/NĐ-CP từ hồ sơ YAML."""


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM/SIGHUP unwind like Ctrl-C, so staging folders and temporary files are removed."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map user errors to exit codes."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError, OSError):  # not the main thread: leave signals alone
            signal.signal(sig, _terminate)
    try:
        cli.main(args=argv, prog_name="congvan", standalone_mode=False)
    except CongvanError as exc:
        for problem in exc.problems:
            click.echo(f"Lỗi: {problem}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except click.exceptions.Abort:
        click.echo("Đã dừng theo yêu cầu.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("Đã dừng theo yêu cầu.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: Click's usage line and hint, in Vietnamese
        exc.show()
        sys.exit(exc.exit_code)
    except OSError as exc:  # a file or folder the user named: never an internal error
        click.echo(f"Lỗi: {_os_message(exc)}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except Exception as exc:  # a bug, not a user error: one line, the traceback in a log file
        if os.environ.get("CONGVAN_DEBUG"):
            raise
        log = write_crash_log(exc)
        click.echo(f"Lỗi nội bộ ({type(exc).__name__}): {exc}", err=True)
        where = f"đã ghi vào {log}" if log else "không ghi được tệp nhật ký; đặt CONGVAN_DEBUG=1 để xem"
        click.echo(f"Đây là lỗi của chương trình, không phải của dữ liệu. Chi tiết cho người bảo trì {where}.",
                   err=True)  # fmt: skip
        sys.exit(EXIT_INTERNAL)


_OS_REASONS = {
    errno.ENOSPC: "đĩa đầy",
    errno.EDQUOT: "hết hạn mức dung lượng",
    errno.EACCES: "không có quyền",
    errno.EPERM: "không có quyền",
    errno.EROFS: "ổ đĩa chỉ đọc",
    errno.ENOTDIR: "một phần của đường dẫn là tệp, không phải thư mục",
    errno.EISDIR: "đường dẫn là thư mục, không phải tệp",
    errno.EEXIST: "đã có tệp cùng tên",
    errno.ENAMETOOLONG: "tên quá dài",
    errno.ENOENT: "không tìm thấy đường dẫn",
    errno.EMFILE: "mở quá nhiều tệp cùng lúc",
    errno.EIO: "lỗi đọc/ghi đĩa",
}


def os_reason(exc: OSError) -> str:
    """A Vietnamese reason for a file-system error a user can cause (full disk, no permission...)."""
    return _OS_REASONS.get(exc.errno or 0, f"lỗi hệ thống: {exc.strerror or type(exc).__name__}")


def _os_message(exc: OSError) -> str:
    from congvan.errors import display_path

    names = [display_path(n) for n in (exc.filename, exc.filename2) if n]
    target = f"'{names[0]}'" + (f" → '{names[1]}'" if len(names) > 1 else "") if names else "tệp hoặc thư mục"
    return f"không đọc/ghi được {target}: {os_reason(exc)}"


def log_dir() -> Path:
    """Where crash logs go: ``CONGVAN_LOG_DIR``, else ``~/.cache/congvan/nhat-ky``."""
    chosen = os.environ.get("CONGVAN_LOG_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "congvan" / "nhat-ky"


def write_crash_log(exc: BaseException) -> Path | None:
    """Write the traceback of a real bug to a log file the message names; None if nowhere is writable."""
    import tempfile
    import traceback

    text = (
        f"congvan {_version()} {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
        f"argv: {sys.argv!r}\n\n" + "".join(traceback.format_exception(exc))
    )
    name = f"loi-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _version() -> str:
    import congvan

    return congvan.__version__
