"""``congvan mau``: print a commented starter record for a kind, or list the kinds."""

from __future__ import annotations

from pathlib import Path

import click

from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import write_bytes_atomic
from congvan.records.tham_chieu import danh_sach_loai, starter


@click.command("mau")
@click.argument("loai", required=False)
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Ghi hồ sơ mẫu vào tệp này (không ghi đè tệp đã có) thay vì in ra màn hình.",
)
def mau(loai: str | None, out: Path | None) -> None:
    """In hồ sơ YAML mẫu có chú thích cho một loại văn bản.

    Không ghi LOAI thì liệt kê các loại.
    """
    if loai is None:
        click.echo(danh_sach_loai(), nl=False)
        return
    text = starter(loai)
    if out is None:
        click.echo(text, nl=False)
        return
    if out.exists():
        raise CongvanError(Problem("tệp đã có; chọn tên khác hoặc xóa tệp trước", file=display_path(out)))
    write_bytes_atomic(out, text.encode("utf-8"))
    click.echo(f"Đã ghi hồ sơ mẫu: {display_path(out)}")
