"""The ``congvan`` command line.

Each sub-command lives in its own module (render/validate, the register, batch);
this module only assembles them and turns user errors into one Vietnamese line
on stderr with a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import os
import sys

import click

from congvan.errors import CongvanError

EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="congvan")
def cli() -> None:
    """congvan: soạn văn bản hành chính theo Nghị định 30/2020/NĐ-CP từ hồ sơ YAML."""


def _register_commands() -> None:
    from congvan.cli import batch_cmd, register_cmd, render_cmd

    for module in (render_cmd, register_cmd, batch_cmd):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map user errors to exit codes."""
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
    except click.ClickException as exc:
        click.echo(f"Lỗi: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug, not a user error: still one line unless debugging
        if os.environ.get("CONGVAN_DEBUG"):
            raise
        click.echo(f"Lỗi nội bộ ({type(exc).__name__}): {exc}", err=True)
        click.echo("Đặt CONGVAN_DEBUG=1 để xem chi tiết.", err=True)
        sys.exit(2)
