"""``congvan render`` and ``congvan validate``: records to DOCX (and PDF).

All records are validated before anything is written; outputs are written
atomically, so a bad record never leaves half of a batch or half of a file.
"""

from __future__ import annotations

from pathlib import Path

import click

from congvan.errors import CongvanError, display_path
from congvan.records.loader import find_records, load_record
from congvan.records.models import VanBanChung


def _load_all(paths: tuple[Path, ...]) -> list[tuple[Path, VanBanChung]]:
    """Validate every record first and report all problems together."""
    files = find_records(list(paths))
    if not files:
        raise CongvanError("không có hồ sơ .yaml nào trong các đường dẫn đã cho")
    loaded, problems = [], []
    for path in files:
        try:
            loaded.append((path, load_record(path)))
        except CongvanError as exc:
            problems.extend(exc.problems)
    if problems:
        raise CongvanError(problems)
    return loaded


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Kiểm tra hồ sơ YAML (tệp hoặc thư mục) mà không xuất văn bản."""
    for path, _ in _load_all(paths):
        click.echo(f"Hợp lệ: {display_path(path)}")


@click.command("render")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Thư mục ghi văn bản.",
)
@click.option("--pdf", is_flag=True, help="Xuất thêm PDF (qua LibreOffice).")
@click.option(
    "--mau",
    "template_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Thư mục mẫu .docx thay cho templates/.",
)
@click.option("--cap-so", is_flag=True, help="Lấy số từ sổ đăng ký văn bản đi khi văn bản chưa có số.")
@click.option("--db", default=None, help="Sổ đăng ký: đường dẫn SQLite hoặc URL PostgreSQL.")
def render(
    paths: tuple[Path, ...], out_dir: Path, pdf: bool, template_dir: Path | None, cap_so: bool, db: str | None
) -> None:
    """Xuất hồ sơ YAML (tệp hoặc thư mục) thành DOCX, và PDF nếu cần."""
    from congvan.render.document import DEFAULT_TEMPLATE_DIR, DocumentRenderer

    records = _load_all(paths)
    renderer = DocumentRenderer(template_dir or DEFAULT_TEMPLATE_DIR)
    numbers = _take_numbers(records, db) if cap_so else {}
    written = []
    for path, record in records:
        target = out_dir / f"{path.stem}.docx"
        renderer.render_to(record, target, base_dir=path.parent, so=numbers.get(path))
        written.append(target)
        click.echo(f"Đã xuất: {display_path(target)}")
    if pdf:
        from congvan.pdf import convert_to_pdf

        for target in convert_to_pdf(written, out_dir):
            click.echo(f"Đã xuất: {display_path(target)}")


def _take_numbers(records: list[tuple[Path, VanBanChung]], db: str | None) -> dict[Path, int]:
    """Numbers from the register for records without one (idempotent per record file)."""
    from congvan.issuing import numbers_for_records

    return numbers_for_records(records, db)


COMMANDS: list[click.Command] = [render, validate]
