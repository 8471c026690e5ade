"""``congvan kiem-tra`` (check DOCX made elsewhere) and ``congvan nhap`` (DOCX to a record).

Exit status of ``kiem-tra``: 0 no blocking error, 1 blocking errors, 2 a file could
not be read (not a DOCX, corrupt). Every message is Vietnamese and names the file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click

from congvan.errors import CongvanError, Problem, display_path
from congvan.profiles import load_profile

EXIT_CLEAN, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def find_docx(paths: tuple[Path, ...]) -> tuple[list[Path], list[Path]]:
    """DOCX files of the paths (folders searched recursively), and paths that do not exist."""
    files: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.docx") if not p.name.startswith("~$"))
        elif path.exists():
            files.append(path)
        else:
            missing.append(path)
    return files, missing


def _pdfs(files: list[Path], folder: Path) -> dict[Path, Path]:
    """All files to PDF through the warm LibreOffice workers (names made unique by index)."""
    from congvan.pdf import docx_to_pdf_many

    staged = []
    for i, path in enumerate(files):
        link = folder / f"{i:05d}.docx"
        link.write_bytes(path.read_bytes())
        staged.append(link)
    pdfs = docx_to_pdf_many(staged, folder / "pdf")
    return dict(zip(files, pdfs, strict=True))


def _print_report(report) -> None:
    from congvan.reading.checker import CANH_BAO, CHUA_DIEN, LOI

    if report.error:
        click.echo(f"{report.file}: KHÔNG ĐỌC ĐƯỢC: {report.error}")
        return
    counts = f"{report.count(LOI)} lỗi, {report.count(CANH_BAO)} cảnh báo, {report.count(CHUA_DIEN)} chỗ chưa điền"
    rules = f" (bộ quy tắc {report.quy_tac})" if report.quy_tac else ""
    click.echo(f"{report.file}{rules}: {counts}" + (" — đạt thể thức" if not report.findings else ""))
    for finding in report.findings:
        click.echo(f"  {finding.line()}")


@click.command("kiem-tra")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")
@click.option("--pdf", "with_pdf", is_flag=True, help="Dựng bản PDF (LibreOffice) để kiểm tra cả cách trình bày.")
@click.option(
    "--quy-tac",
    default=None,
    help="Bộ quy tắc (nd30, dang, doan); bỏ trống thì theo văn bản (tiêu đề thay Quốc hiệu, tên cơ quan).",
)
def kiem_tra(paths: tuple[Path, ...], as_json: bool, with_pdf: bool, quy_tac: str | None) -> None:
    """Kiểm tra thể thức tệp Word (.docx, hoặc thư mục) theo NĐ30.

    Văn bản của Đảng, của Đoàn được kiểm tra theo bộ quy tắc của chúng (nhận ra từ tiêu đề), hoặc
    theo --quy-tac.
    """
    from congvan.reading.checker import Report, check_file

    profile = load_profile(quy_tac) if quy_tac else None
    files, missing = find_docx(paths)
    reports = [Report(display_path(p), error="không tìm thấy tệp hoặc thư mục") for p in missing]
    if not files and not missing:
        raise CongvanError("không có tệp .docx nào trong các đường dẫn đã cho")
    checked = []
    for path in files:
        try:
            report = check_file(path, profile, name=display_path(path))
        except Exception as exc:  # never a traceback for one odd file in a folder
            if os.environ.get("CONGVAN_DEBUG"):
                raise
            report = Report(display_path(path), error=f"không kiểm tra được tệp này ({type(exc).__name__}: {exc})")
        checked.append((path, report))
    if with_pdf:
        _add_pdf_findings([(p, r) for p, r in checked if r.error is None])
    reports += [r for _, r in checked]
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for report in reports:
            _print_report(report)
    if any(r.error for r in reports):
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_ERRORS if any(r.errors for r in reports) else EXIT_CLEAN)


def _add_pdf_findings(items: list) -> None:
    """Replace the XML estimates by what the rendering shows, under each document's own rule set."""
    from congvan.reading.pdf_layout import pdf_findings

    if not items:
        return
    with tempfile.TemporaryDirectory(prefix="congvan-kiem-tra-") as tmp:
        pdfs = _pdfs([p for p, _ in items], Path(tmp))
        for path, report in items:
            found, settled = pdf_findings(pdfs[path], load_profile(report.quy_tac))
            report.findings = [f for f in report.findings if f.quy_tac not in settled] + found


@click.command("nhap")
@click.argument("docx", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Tệp hồ sơ YAML ghi ra (mặc định: cùng tên, đuôi .yaml).",
)
@click.option("--quy-tac", default=None, help="Bộ quy tắc (nd30, dang, doan); bỏ trống thì theo văn bản.")
def nhap(docx: Path, out: Path | None, quy_tac: str | None) -> None:
    """Nhập tệp Word (.docx) thành hồ sơ YAML để sửa và xuất lại."""
    from congvan.fileio import write_bytes_atomic
    from congvan.reading.docx import DocxUnreadable
    from congvan.reading.importer import import_docx

    profile = load_profile(quy_tac) if quy_tac else None
    if not docx.exists():
        raise CongvanError(Problem("không tìm thấy tệp", file=display_path(docx)))
    try:
        result = import_docx(docx, profile, name=display_path(docx))
    except DocxUnreadable as exc:
        for problem in exc.problems:
            click.echo(f"Lỗi: {problem}", err=True)
        sys.exit(EXIT_UNREADABLE)
    target = out or docx.with_suffix(".yaml")
    write_bytes_atomic(target, result.yaml_text.encode("utf-8"))
    for warning in result.warnings:
        click.echo(f"Cảnh báo: {display_path(docx)}: {warning}", err=True)
    click.echo(f"Đã ghi hồ sơ: {display_path(target)} (loại {result.loai})")


COMMANDS = [kiem_tra, nhap]
