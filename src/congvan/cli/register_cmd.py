"""``congvan so …``: the register of outgoing documents (sổ đăng ký văn bản đi).

Sub-commands are Vietnamese without accents so they are easy to type: tao, cap,
giu, xac-nhan, huy, ds, tim, xuat, khoa-nam, cac-so, nhiem-ky, cac-nhiem-ky. All take ``--db`` (a file
path or a ``postgresql://`` URL; default ``$CONGVAN_DB`` or
``so-van-ban.sqlite3`` here). User errors are raised as CongvanError so the CLI
main prints one Vietnamese line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from congvan.errors import CongvanError
from congvan.register import service
from congvan.register.db import DEFAULT_DB_FILE, ENV_DB
from congvan.vi.ngay import parse_ngay

_TRANG_THAI_VI = {"giu": "đang giữ", "da_cap": "đã cấp", "huy": "đã hủy"}


def parse_date(text: str) -> date:
    """An option's date, read by the one date reader (``vi.ngay.parse_ngay``); CLI error otherwise."""
    try:
        return parse_ngay(text)
    except ValueError as exc:
        raise CongvanError(str(exc)) from None


def _db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        "db",
        default=None,
        metavar="URL_HOẶC_TỆP",
        help=f"Tệp SQLite hoặc URL postgresql://… (mặc định ${ENV_DB} hoặc {DEFAULT_DB_FILE}).",
    )(f)


def _json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="In kết quả dạng JSON.")(f)


def _nguoi_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--nguoi", default=None, help="Người thao tác (mặc định: tên đăng nhập)."
    )(f)


def _so_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--so", "so_dang_ky", default=None, help="Mã sổ đăng ký.")(f)


def _nam_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--nam", type=int, default=None, help="Năm của sổ (mặc định: năm hiện tại)."
    )(f)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


def _cap_so_json(r: service.CapSo) -> dict[str, Any]:
    return {
        "so": r.so, "so_ky_hieu": r.so_ky_hieu, "nam": r.nam, "ky_hieu": r.ky_hieu,
        "moi": r.moi, "so_dang_ky": r.so_dang_ky, "so_dang_ky_id": r.so_dang_ky_id,
        "trang_thai": r.trang_thai, "ngay": r.ngay.isoformat(), "nhiem_ky": r.nhiem_ky,
    }


def _year(nam: int | None) -> int:
    return nam if nam is not None else date.today().year


@click.group("so")
def so() -> None:
    """Sổ đăng ký văn bản đi: cấp số, giữ số, hủy số, tra cứu, in sổ (Phụ lục IV NĐ 30/2020)."""


@so.command("tao")
@click.argument("ma")
@click.option("--co-quan", required=True, help="Tên viết tắt cơ quan, vd. LĐLĐ.")
@click.option(
    "--loai", "loai_series", default="chung", show_default=True,
    help="chung (một dãy số cho mọi loại), mat (sổ mật) hoặc mã loại (KH, QĐ, CV…).",
)
@click.option("--ten", default="", help="Tên sổ.")
@click.option("--ten-co-quan", default="", help="Tên đầy đủ của cơ quan (in ở bìa sổ).")
@click.option("--nhiem-ky", "nhiem_ky", default=None, metavar="TÊN",
              help="Sổ đánh số theo nhiệm kỳ (văn bản Đảng, Đoàn), vd. 2025-2030; "
                   "kèm --tu (và --den) để nhập nhiệm kỳ này.")
@click.option("--tu", "tu_ngay", default=None, help="Ngày bắt đầu nhiệm kỳ (20/10/2025).")
@click.option("--den", "den_ngay", default=None,
              help="Ngày kết thúc nhiệm kỳ; bỏ trống nếu chưa biết (đóng khi nhập nhiệm kỳ sau).")
@_db_option
@_nguoi_option
def tao(ma: str, co_quan: str, loai_series: str, ten: str, ten_co_quan: str,
        nhiem_ky: str | None, tu_ngay: str | None, den_ngay: str | None,
        db: str | None, nguoi: str | None) -> None:
    """Tạo sổ đăng ký MA cho một cơ quan (theo năm, hoặc theo nhiệm kỳ với --nhiem-ky)."""
    if (tu_ngay or den_ngay) and not nhiem_ky:
        raise CongvanError("--tu/--den là ngày của nhiệm kỳ: ghi kèm --nhiem-ky 2025-2030")
    term = None
    if nhiem_ky and tu_ngay:
        term = service.tao_nhiem_ky(db, co_quan, nhiem_ky, tu_ngay=parse_date(tu_ngay),
                                    den_ngay=parse_date(den_ngay) if den_ngay else None,
                                    nguoi=nguoi)
    elif nhiem_ky and not any(k.ma == nhiem_ky.strip()
                              for k in service.danh_sach_nhiem_ky(db, co_quan)):
        raise CongvanError(
            f"cơ quan {co_quan} chưa có nhiệm kỳ '{nhiem_ky}': ghi thêm --tu <ngày bắt đầu> "
            "(và --den <ngày kết thúc>) để nhập nhiệm kỳ"
        )
    chu_ky = "nhiem_ky" if nhiem_ky else "nam"
    reg = service.tao_so_dang_ky(db, ma, co_quan=co_quan, loai_series=loai_series, ten=ten,
                                 ten_co_quan=ten_co_quan, nguoi=nguoi, chu_ky=chu_ky)
    how = "đánh số theo nhiệm kỳ" if nhiem_ky else "đánh số theo năm"
    click.echo(f"Đã tạo sổ '{reg.ma}' ({reg.ten}), loại sổ: {reg.loai_series}, {how}.")
    if term is not None:
        click.echo(f"Cơ quan {term.co_quan_viet_tat}: {term.mo_ta()}.")


@so.command("nhiem-ky")
@click.argument("ten_nhiem_ky", metavar="TÊN")
@click.option("--co-quan", required=True, help="Tên viết tắt cơ quan, vd. ĐU.")
@click.option("--tu", "tu_ngay", required=True, help="Ngày bắt đầu (ngày liền sau ngày bế mạc đại hội).")
@click.option("--den", "den_ngay", default=None,
              help="Ngày kết thúc (ngày bế mạc đại hội kế tiếp); bỏ trống nếu chưa biết.")
@_db_option
@_nguoi_option
def nhiem_ky(ten_nhiem_ky: str, co_quan: str, tu_ngay: str, den_ngay: str | None,
             db: str | None, nguoi: str | None) -> None:
    """Nhập nhiệm kỳ TÊN (vd. 2025-2030) của cơ quan: số các sổ theo nhiệm kỳ chạy suốt nhiệm kỳ."""
    term = service.tao_nhiem_ky(db, co_quan, ten_nhiem_ky, tu_ngay=parse_date(tu_ngay),
                                den_ngay=parse_date(den_ngay) if den_ngay else None, nguoi=nguoi)
    click.echo(f"Cơ quan {term.co_quan_viet_tat}: {term.mo_ta()}.")


@so.command("cac-nhiem-ky")
@click.option("--co-quan", default=None, help="Chỉ của cơ quan này.")
@_db_option
@_json_option
def cac_nhiem_ky(co_quan: str | None, db: str | None, as_json: bool) -> None:
    """Liệt kê các nhiệm kỳ đã nhập."""
    terms = service.danh_sach_nhiem_ky(db, co_quan)
    if as_json:
        _echo_json([{"co_quan": k.co_quan_viet_tat, "ma": k.ma, "tu_ngay": k.tu_ngay.isoformat(),
                     "den_ngay": k.den_ngay.isoformat() if k.den_ngay else None} for k in terms])
        return
    if not terms:
        click.echo("Chưa có nhiệm kỳ nào.")
    for k in terms:
        click.echo(f"{k.co_quan_viet_tat}\t{k.mo_ta()}")


def _take_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        _so_option,
        click.option("--co-quan", default="", help="Tên viết tắt cơ quan chủ trì, vd. LĐLĐ."),
        click.option("--loai", "ma_loai", default=None,
                     help="Mã loại văn bản (KH, QĐ, TB…); bỏ trống với công văn."),
        click.option("--ten-loai", default="", help="Tên loại văn bản, vd. Kế hoạch."),
        click.option("--ngay", required=True, help="Ngày văn bản (05/03/2026); quyết định năm."),
        click.option("--nguoi-ky", default="", help="Người ký."),
        click.option("--noi-nhan", default="", help="Nơi nhận."),
        click.option("--so-ban", type=int, default=None, help="Số lượng bản."),
        click.option("--phoi-hop", multiple=True,
                     help="Cơ quan phối hợp (văn bản liên tịch), lặp lại được."),
        click.option("--don-vi", default=None, help="Đơn vị soạn thảo (công văn: LĐLĐ-VP)."),
        click.option("--khoa", default=None,
                     help="Khóa văn bản: gọi lại với cùng khóa trả lại số cũ."),
        click.option("--mat", is_flag=True, help="Văn bản mật: lấy số ở sổ mật."),
        click.option("--quy-tac", "quy_tac", default=None, metavar="BỘ_QUY_TẮC",
                     help="Bộ quy tắc của văn bản (nd30, dang, doan): dạng số (05-NQ/ĐU) và "
                          "sổ theo năm hay theo nhiệm kỳ lấy từ bộ quy tắc."),
        _db_option, _nguoi_option, _json_option,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _rule_set_numbering(quy_tac: str | None) -> dict[str, Any]:
    """The number form and series of a rule set (profile ``so_ky_hieu``), for a take."""
    if not quy_tac:
        return {}
    from congvan.profiles import load_profile

    try:
        g = load_profile(quy_tac.strip()).so_ky_hieu
    except CongvanError as err:
        raise CongvanError(f"--quy-tac: {err.problems[0].message}") from None
    return {"noi_so": g.noi_so, "noi_loai": g.noi_loai, "hai_chu_so": g.hai_chu_so,
            "chu_ky": g.chu_ky, "theo_loai": g.theo_loai}


def _take(fn: Callable[..., service.CapSo], kw: dict[str, Any], trich_yeu: str) -> None:
    as_json, db, nguoi = kw.pop("as_json"), kw.pop("db"), kw.pop("nguoi")
    numbering = _rule_set_numbering(kw.pop("quy_tac"))
    vb = service.VanBanDangKy(
        ngay=parse_date(kw.pop("ngay")), trich_yeu=trich_yeu,
        co_quan_phoi_hop=tuple(kw.pop("phoi_hop")), **kw, **numbering,
    )
    result = fn(db, vb, nguoi=nguoi)
    if as_json:
        _echo_json(_cap_so_json(result))
        return
    state = "giữ" if result.trang_thai == "giu" else "cấp"
    again = "" if result.moi else " (số đã có từ trước)"
    period = f"nhiệm kỳ {result.nhiem_ky}" if result.nhiem_ky else f"năm {result.nam}"
    click.echo(f"Số: {result.so_ky_hieu} — {period}, sổ '{result.so_dang_ky}', "
               f"đã {state}{again}.")


@so.command("cap")
@_take_options
@click.option("--trich-yeu", required=True, help="Trích yếu nội dung.")
def cap(trich_yeu: str, **kw: Any) -> None:
    """Lấy số tiếp theo và ghi vào sổ (một giao dịch, không bao giờ trùng số)."""
    _take(service.cap_so, kw, trich_yeu)


@so.command("giu")
@_take_options
@click.option("--trich-yeu", default="", help="Trích yếu nội dung (có thể ghi sau).")
def giu(trich_yeu: str, **kw: Any) -> None:
    """Giữ số cho văn bản đang trình ký; xác nhận bằng 'xac-nhan' hoặc hủy bằng 'huy'."""
    _take(service.giu_so, kw, trich_yeu)


@so.command("xac-nhan")
@click.argument("so_van_ban")
@_nam_option
@_so_option
@click.option("--trich-yeu", default=None)
@click.option("--nguoi-ky", default=None)
@click.option("--noi-nhan", default=None)
@click.option("--so-ban", type=int, default=None)
@click.option("--ngay", default=None, help="Ngày ký thực tế (cùng năm).")
@_db_option
@_nguoi_option
@_json_option
def xac_nhan(so_van_ban: str, nam: int | None, so_dang_ky: str | None, trich_yeu: str | None,
             nguoi_ky: str | None, noi_nhan: str | None, so_ban: int | None, ngay: str | None,
             db: str | None, nguoi: str | None, as_json: bool) -> None:
    """Xác nhận số đang giữ (SO_VAN_BAN: 5 hoặc 05/KH-LĐLĐ)."""
    dong = service.xac_nhan(
        db, so_van_ban, nam=_year(nam), so_dang_ky=so_dang_ky, trich_yeu=trich_yeu,
        nguoi_ky=nguoi_ky, noi_nhan=noi_nhan, so_ban=so_ban,
        ngay=parse_date(ngay) if ngay else None, nguoi=nguoi,
    )
    if as_json:
        _echo_json(dong.as_json())
    else:
        click.echo(f"Đã xác nhận số {dong.so_ky_hieu} (năm {dong.nam}).")


@so.command("huy")
@click.argument("so_van_ban")
@click.option("--ly-do", required=True, help="Lý do hủy số (bắt buộc).")
@_nam_option
@_so_option
@_db_option
@_nguoi_option
@_json_option
def huy(so_van_ban: str, ly_do: str, nam: int | None, so_dang_ky: str | None,
        db: str | None, nguoi: str | None, as_json: bool) -> None:
    """Hủy số: dòng vẫn ở lại trong sổ, ghi rõ đã hủy và lý do; số không được dùng lại."""
    dong = service.huy_so(db, so_van_ban, nam=_year(nam), ly_do=ly_do,
                          so_dang_ky=so_dang_ky, nguoi=nguoi)
    if as_json:
        _echo_json(dong.as_json())
    else:
        click.echo(f"Đã hủy số {dong.so_ky_hieu} (năm {dong.nam}): {dong.ly_do_huy}.")


def _print_rows(rows: list[service.DongSo], as_json: bool) -> None:
    if as_json:
        _echo_json([r.as_json() for r in rows])
        return
    if not rows:
        click.echo("Không có dòng nào.")
        return
    for r in rows:
        state = _TRANG_THAI_VI.get(r.trang_thai, r.trang_thai)
        extra = f" — lý do hủy: {r.ly_do_huy}" if r.ly_do_huy else ""
        extra += f" — nhiệm kỳ {r.nhiem_ky}" if r.nhiem_ky else ""
        click.echo(f"{r.so_ky_hieu}\t{r.ngay:%d/%m/%Y}\t{state}\t{r.trich_yeu}{extra}")


@so.command("ds")
@_nam_option
@_so_option
@_db_option
@_json_option
def ds(nam: int | None, so_dang_ky: str | None, db: str | None, as_json: bool) -> None:
    """Liệt kê các số của một năm (kể cả số đã hủy)."""
    _print_rows(service.danh_sach(db, _year(nam), so_dang_ky=so_dang_ky), as_json)


@so.command("tim")
@click.argument("tu_khoa")
@click.option("--nam", type=int, default=None, help="Chỉ tìm trong năm này.")
@_so_option
@_db_option
@_json_option
def tim(tu_khoa: str, nam: int | None, so_dang_ky: str | None, db: str | None,
        as_json: bool) -> None:
    """Tìm theo trích yếu, không phân biệt dấu và hoa/thường ("thang cong nhan")."""
    _print_rows(service.tim(db, tu_khoa, nam=nam, so_dang_ky=so_dang_ky), as_json)


@so.command("xuat")
@_nam_option
@_so_option
@click.option("-o", "--ra", "outputs", multiple=True,
              help="Tệp kết quả .xlsx hoặc .docx (lặp lại được); mặc định xuất cả hai.")
@_db_option
def xuat(nam: int | None, so_dang_ky: str | None, outputs: tuple[str, ...],
         db: str | None) -> None:
    """In sổ một năm theo mẫu Phụ lục IV (10 cột): XLSX và DOCX khổ A4 ngang."""
    from congvan.register.export import xuat as do_export

    year = _year(nam)
    if not outputs:
        reg = service.chon_so_dang_ky(db, so_dang_ky)
        so_dang_ky = reg.ma
        stem = f"so-van-ban-di-{reg.ma}-{year}"
        outputs = (f"{stem}.xlsx", f"{stem}.docx")
    result = do_export(db, year, list(outputs), so_dang_ky=so_dang_ky)
    for warning in result.canh_bao:
        click.echo(f"Cảnh báo: {warning}", err=True)
    for p in outputs:
        click.echo(f"Đã xuất {result.so_dong} dòng năm {year} ra {Path(p)}")


@so.command("khoa-nam")
@_nam_option
@_so_option
@_db_option
@_nguoi_option
def khoa_nam(nam: int | None, so_dang_ky: str | None, db: str | None,
             nguoi: str | None) -> None:
    """Khóa sổ một năm sau khi in: không cấp, giữ, xác nhận, hủy số trong năm đó nữa."""
    if nam is None:
        raise CongvanError("cần ghi rõ năm cần khóa sổ: --nam 2026")
    r = service.khoa_nam(db, nam, so_dang_ky=so_dang_ky, nguoi=nguoi)
    click.echo(
        f"Đã khóa sổ '{r.so_dang_ky}' năm {r.nam}: {r.so_dong} dòng, số cuối {r.so_cuoi:02d}."
    )


@so.command("cac-so")
@_db_option
@_json_option
def cac_so(db: str | None, as_json: bool) -> None:
    """Liệt kê các sổ đăng ký."""
    regs = service.danh_sach_so_dang_ky(db)
    if as_json:
        _echo_json([r.__dict__ for r in regs])
        return
    if not regs:
        click.echo("Chưa có sổ đăng ký nào.")
    for r in regs:
        flag = "" if r.active else " (ngừng dùng)"
        how = "theo nhiệm kỳ" if r.chu_ky == "nhiem_ky" else "theo năm"
        click.echo(f"{r.ma}\t{r.co_quan_viet_tat}\t{r.loai_series}\t{how}\t{r.ten}{flag}")


COMMANDS: list[click.Command] = [so]
