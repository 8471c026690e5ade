"""``congvan batch`` and ``congvan forms``: documents for every row of a spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click

from congvan.batch.dot import load_dot
from congvan.batch.rows import parse_mapping_options
from congvan.batch.run import BatchOptions, BatchReport, lint_only, run_batch
from congvan.batch.templates import DOCUMENTS

SHOWN_UNITS = 10
_MODE_HELP = "gop (một tệp gộp), tung-dong (mỗi dòng một tệp) hoặc ca-hai"


def _common(func: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.argument("bang_tinh", type=click.Path(path_type=Path)),
        click.option(
            "--loai",
            default="gia-dinh",
            show_default=True,
            type=click.Choice(["gia-dinh", "don-vi", "tu-do"]),
            help="Loại dòng: gia đình, đơn vị, hoặc tự do (mọi cột là chữ, dùng với --mau).",
        ),
        click.option(
            "--thong-tin",
            "dot",
            type=click.Path(path_type=Path),
            help="Tệp YAML thông tin đợt (cơ quan, người ký, số quyết định, năm...).",
        ),
        click.option(
            "--cot",
            multiple=True,
            metavar="'Tên cột=trường'",
            help="Ánh xạ một cột của bảng tính sang trường dữ liệu; lặp lại được.",
        ),
        click.option("--anh-xa", type=click.Path(path_type=Path), help="Tệp YAML ánh xạ cột: 'Tên cột: trường'."),
        click.option("--trang-tinh", help="Tên trang tính (mặc định: trang đầu)."),
        click.option("--che-do", default="ca-hai", show_default=True, help=_MODE_HELP),
        click.option("--pdf", is_flag=True, help="Xuất thêm PDF (một lần gọi LibreOffice)."),
        click.option("--bo-qua-loi", is_flag=True, help="In các dòng đúng; dòng lỗi ghi vào dong_loi.xlsx."),
        click.option(
            "--theo-cot",
            metavar="'Tên cột'",
            help="Chia kết quả theo một cột (xã, phường, tỉnh...): mỗi giá trị một thư mục, "
            "với tệp gộp và quyết định riêng, giữ thứ tự bảng tính.",
        ),
        click.option(
            "-o",
            "--thu-muc",
            type=click.Path(path_type=Path),
            default=Path("ket_qua"),
            show_default=True,
            help="Thư mục kết quả.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(
    bang_tinh: Path,
    loai: str,
    dot: Path | None,
    cot: tuple[str, ...],
    anh_xa: Path | None,
    trang_tinh: str | None,
    che_do: str,
    pdf: bool,
    bo_qua_loi: bool,
    theo_cot: str | None,
    thu_muc: Path,
    **extra: object,
) -> BatchOptions:
    return BatchOptions(
        data=bang_tinh,
        outdir=thu_muc,
        kind=loai,
        dot=load_dot(dot) if dot else None,
        dot_path=dot,
        column_map=parse_mapping_options(cot, anh_xa),
        mode=che_do,
        pdf=pdf,
        skip_bad=bo_qua_loi,
        sheet_name=trang_tinh,
        theo_cot=theo_cot,
        **extra,  # type: ignore[arg-type]
    )


@click.command("batch")
@_common
@click.option(
    "--van-ban",
    "documents",
    multiple=True,
    type=click.Choice(DOCUMENTS),
    help="Văn bản cần tạo; lặp lại được. Mặc định: quyet-dinh và giay-cong-nhan.",
)
@click.option(
    "--mau", type=click.Path(path_type=Path), help="Mẫu .docx của bạn (thẻ Jinja); tạo một văn bản cho mỗi dòng."
)
@click.option("--phoi", type=click.Path(path_type=Path), help="Ảnh nền (phôi) PNG/JPEG phủ cả trang giấy công nhận.")
@click.option("--kiem-tra", is_flag=True, help="Chỉ kiểm tra mẫu và dữ liệu, không tạo tệp.")
@click.option(
    "--dask",
    metavar="tcp://MÁY:8786|local:N",
    help="Dựng văn bản trên cụm Dask (bộ lập lịch sẵn có, hoặc N tiến trình trên máy này).",
)
def batch_command(
    documents: tuple[str, ...], mau: Path | None, phoi: Path | None, kiem_tra: bool, **kwargs: object
) -> None:
    """Tạo quyết định công nhận, giấy công nhận, bản đăng ký cho mọi dòng của BANG_TINH.

    \b
    Ví dụ:
      congvan batch gia_dinh_2026.xlsx --thong-tin dot_2026.yaml -o ket_qua
      congvan batch ds.csv --mau giay_khen.docx --loai tu-do --che-do gop --pdf
    """
    chosen = list(documents) or (["mau"] if mau else ["quyet-dinh", "giay-cong-nhan"])
    if mau and "mau" not in chosen:
        chosen.append("mau")
    options = _options(documents=chosen, user_template=mau, background=phoi, **kwargs)  # type: ignore[arg-type]
    if kiem_tra:
        _print_lint(lint_only(options))
        return
    _print_report(run_batch(options))


@click.command("forms")
@_common
def forms_command(**kwargs: object) -> None:
    """Tạo bản đăng ký danh hiệu của năm, điền sẵn cho từng gia đình hoặc đơn vị.

    \b
    Ví dụ:
      congvan forms don_vi_2026.csv --loai don-vi --thong-tin dot_2026.yaml -o dang_ky
    """
    _print_report(run_batch(_options(documents=["dang-ky"], **kwargs)))  # type: ignore[arg-type]


def _print_lint(messages: list[str]) -> None:
    if not messages:
        click.echo("Mẫu và dữ liệu hợp lệ.")
    for message in messages:
        click.echo(f"Cảnh báo: {message}")


def _print_report(report: BatchReport) -> None:
    stats = report.stats
    click.echo(
        f"Đọc {report.source}: {stats.good} dòng đúng, {stats.bad} dòng lỗi"
        + (f", {stats.empty} dòng trống bỏ qua" if stats.empty else "")
        + "."
    )
    if report.error_sheet:
        click.echo(f"Các dòng lỗi (không in) ghi tại: {report.error_sheet}")
    for warning in report.warnings[:20]:
        click.echo(f"Cảnh báo: {warning}")
    if len(report.warnings) > 20:
        click.echo(f"... và {len(report.warnings) - 20} cảnh báo khác.")
    if report.skipped_existing:
        click.echo(f"Giữ nguyên {report.skipped_existing} tệp đã tạo ở lần chạy trước.")
    if report.removed_stale:
        click.echo(f"Đã xóa {report.removed_stale} tệp của các dòng không còn trong bảng tính.")
    if report.units:
        click.echo(f"Chia theo {len(report.units)} đơn vị, mỗi đơn vị một thư mục:")
        for unit, folder in report.units[:SHOWN_UNITS]:
            click.echo(f"  {unit}: {folder}")
        if len(report.units) > SHOWN_UNITS:
            click.echo(f"  ... và {len(report.units) - SHOWN_UNITS} đơn vị khác.")
        click.echo(f"Đã tạo {len(report.outputs)} tệp và thư mục.")
    else:
        for path in report.outputs:
            click.echo(f"Đã tạo: {path}")
    total = sum(report.timings.values())
    parts = " · ".join(f"{name} {seconds:.1f} s" for name, seconds in report.timings.items())
    click.echo(f"Xong trong {total:.1f} giây ({parts}).")


COMMANDS: list[click.Command] = [batch_command, forms_command]
