"""``congvan render`` and ``congvan validate``: records to DOCX (and PDF).

All or nothing across the whole command: every record is validated, rendered
(and converted to PDF) into a staging folder inside the output folder before
any file is published; two records that would write the same file are refused
before anything is written; the staging folder is removed on every exit path,
and the next run removes what a killed run left.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from congvan.cli import os_reason
from congvan.errors import CongvanError, Problem, display_path
from congvan.records.loader import find_records, load_record
from congvan.records.models import VanBanChung

if TYPE_CHECKING:
    from congvan.render.document import DocumentRenderer


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
    targets = output_names(records, pdf)
    check_output_dir(out_dir)
    renderer = DocumentRenderer(template_dir or DEFAULT_TEMPLATE_DIR)
    numbers: dict[Path, int] = {}
    if cap_so:
        for path, record in records:  # a template or data error must not cost register numbers
            renderer.render_bytes(record, base_dir=path.parent)
        numbers = _take_numbers(records, db)
    for target in publish_all(out_dir, records, targets, pdf, renderer, numbers):
        click.echo(f"Đã xuất: {display_path(target)}")


def output_names(records: list[tuple[Path, VanBanChung]], pdf: bool) -> dict[Path, str]:
    """Record -> output stem; two records that would write the same file are refused up front."""
    seen: dict[str, Path] = {}
    problems = []
    for path, _ in records:
        key = path.stem.casefold()
        if key in seen:
            problems.append(
                Problem(
                    f"trùng tên văn bản xuất với '{display_path(seen[key])}' (cùng ghi {path.stem}.docx"
                    f"{' và .pdf' if pdf else ''}); hãy đổi tên một trong hai hồ sơ",
                    file=display_path(path),
                )
            )
        else:
            seen[key] = path
    if problems:
        raise CongvanError(problems)
    return {path: path.stem for path, _ in records}


def check_output_dir(out_dir: Path) -> None:
    """The output folder exists (or can be made) and is writable, said in Vietnamese otherwise."""
    name = display_path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise CongvanError(Problem("thư mục xuất là một tệp, không phải thư mục; hãy chọn thư mục khác", file=name))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CongvanError(Problem(f"không tạo được thư mục xuất ({os_reason(exc)})", file=name)) from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise CongvanError(Problem("không có quyền ghi vào thư mục xuất", file=name))


def publish_all(
    out_dir: Path,
    records: list[tuple[Path, VanBanChung]],
    stems: dict[Path, str],
    pdf: bool,
    renderer: DocumentRenderer,
    numbers: dict[Path, int],
) -> list[Path]:
    """Render every record (and its PDF) into a staging folder, then publish them all.

    Nothing reaches *out_dir* unless every record rendered (and converted); the
    staging folder is removed on every exit path, and a run killed outright leaves
    one that the next run removes (its lock is free).
    """
    from congvan.fileio import write_bytes_atomic
    from congvan.pdf.procs import staging_dir

    try:
        with staging_dir(out_dir) as staging:
            staged = []
            for path, record in records:
                data = renderer.render_bytes(record, base_dir=path.parent, so=numbers.get(path))
                target = staging / f"{stems[path]}.docx"
                write_bytes_atomic(target, data)
                staged.append(target)
            if pdf:
                from congvan.pdf import convert_to_pdf

                staged += convert_to_pdf(staged, staging)
            published = []
            for source in staged:
                target = out_dir / source.name
                os.replace(source, target)
                published.append(target)
            return published
    except OSError as exc:
        raise CongvanError(
            Problem(f"không ghi được văn bản vào thư mục xuất ({os_reason(exc)})", file=display_path(out_dir))
        ) from None


def _take_numbers(records: list[tuple[Path, VanBanChung]], db: str | None) -> dict[Path, int]:
    """Numbers from the register for records without one (idempotent per record file)."""
    from congvan.issuing import numbers_for_records

    return numbers_for_records(records, db)


COMMANDS: list[click.Command] = [render, validate]
