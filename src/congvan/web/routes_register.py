"""Register pages: list, search, reserve, void with a reason, Phụ lục IV export, terms.

Everything goes through :mod:`congvan.register.service` and
:mod:`congvan.register.export`; the signed-in person is what the register's
audit log records.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from congvan.errors import CongvanError
from congvan.register import export, service
from congvan.register.schema import CHU_KY_NHIEM_KY
from congvan.vi.ky_tu import loi_ky_tu
from congvan.vi.ngay import parse_ngay
from congvan.web.app import DOCX_TYPE, XLSX_TYPE, checked_form, download, page, require, settings_of, today


def _who(user: Any) -> str:
    return f"{user.ho_ten} ({user.ten_dang_nhap})"


def _text(form: Any, name: str, label: str) -> str:
    value = str(form.get(name) or "").strip()
    problem = loi_ky_tu(value)
    if problem:
        raise CongvanError(f"ô '{label}': {problem}")
    return value


def _list_context(db: str, nam: int, q: str, so: str) -> dict[str, Any]:
    regs = service.danh_sach_so_dang_ky(db)
    rows = (
        service.tim(db, q, nam=nam, so_dang_ky=so or None)
        if q.strip()
        else service.danh_sach(db, nam, so_dang_ky=so or None)
    )
    return {"ds": rows, "nam": nam, "q": q, "so": so, "cac_so": regs, "loi": "", "bao": ""}


def _terms_context(db: str, so: str) -> dict[str, Any]:
    """The term registers, the terms (of the chosen register's body, or of all) and who uses them."""
    regs = [r for r in service.danh_sach_so_dang_ky(db) if r.chu_ky == CHU_KY_NHIEM_KY]
    chosen = next((r for r in regs if r.ma == so), None)
    co_quan = chosen.co_quan_viet_tat if chosen else ""
    so_cua: dict[str, list[str]] = {}
    for r in regs:
        so_cua.setdefault(r.co_quan_viet_tat, []).append(r.ma)
    return {
        "cac_so": regs,
        "so": chosen.ma if chosen else "",
        "co_quan": co_quan,
        "ds": service.danh_sach_nhiem_ky(db, co_quan or None),
        "so_cua": so_cua,
        "loi": "",
        "bao": "",
        "nhap": {},  # what the form had, shown again after an error
    }


def _day(form: Any, name: str, label: str) -> date | None:
    text = str(form.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse_ngay(text)
    except ValueError as exc:
        raise CongvanError(f"ô '{label}': {exc}") from None


def install(app: FastAPI) -> None:
    @app.get("/so", response_class=HTMLResponse)
    async def register_page(request: Request, nam: str = "", q: str = "", so: str = "") -> Response:
        require(request)
        year = int(nam) if nam.isdigit() else today(request).year
        ctx = await run_in_threadpool(_list_context, settings_of(request).db, year, q, so)
        return page(request, "so.html", ctx)

    async def _act(request: Request, action: str) -> Response:
        user = require(request, "so")
        form = await checked_form(request)
        db = settings_of(request).db
        nam_text = str(form.get("nam") or "")
        nam = int(nam_text) if nam_text.isdigit() else today(request).year
        try:
            if action == "giu":
                ngay = parse_ngay(str(form.get("ngay") or today(request).isoformat()))
                vb = service.VanBanDangKy(
                    ngay=ngay,
                    so_dang_ky=_text(form, "so_dang_ky", "Sổ") or None,
                    co_quan=_text(form, "co_quan", "Cơ quan"),
                    ma_loai=_text(form, "ma_loai", "Mã loại") or None,
                    trich_yeu=_text(form, "trich_yeu", "Trích yếu"),
                )
                got = await run_in_threadpool(lambda: service.giu_so(db, vb, nguoi=_who(user)))
                message = f"Đã giữ số {got.so_ky_hieu} (năm {got.nam})."
                nam = got.nam
            else:
                ref = _text(form, "ref", "Số")
                dong = await run_in_threadpool(
                    lambda: service.huy_so(
                        db,
                        ref,
                        nam=nam,
                        ly_do=_text(form, "ly_do", "Lý do"),
                        so_dang_ky=_text(form, "so_dang_ky", "Sổ") or None,
                        nguoi=_who(user),
                    )
                )
                message = f"Đã hủy số {dong.so_ky_hieu}: {dong.ly_do_huy}."
        except (CongvanError, ValueError) as exc:
            ctx = await run_in_threadpool(_list_context, db, nam, "", "")
            ctx["loi"] = str(exc)
            return page(request, "so.html", ctx, status=400)
        ctx = await run_in_threadpool(_list_context, db, nam, "", "")
        ctx["bao"] = message
        return page(request, "so.html", ctx)

    @app.post("/so/giu", response_class=HTMLResponse)
    async def reserve(request: Request) -> Response:
        return await _act(request, "giu")

    @app.post("/so/huy", response_class=HTMLResponse)
    async def void(request: Request) -> Response:
        return await _act(request, "huy")

    @app.get("/so/xuat.{dinh_dang}")
    async def export_register(request: Request, dinh_dang: str, nam: str = "", so: str = "") -> Response:
        require(request, "so")
        if dinh_dang not in ("xlsx", "docx"):
            return RedirectResponse("/so", status_code=303)
        db = settings_of(request).db
        year = int(nam) if nam.isdigit() else today(request).year

        def build() -> tuple[bytes, str]:
            reg = service.chon_so_dang_ky(db, so or None)
            rows = service.danh_sach(db, year, so_dang_ky=reg.ma)
            maker = export.xlsx_bytes if dinh_dang == "xlsx" else export.docx_bytes
            return maker(reg, year, rows), reg.ma

        data, ma = await run_in_threadpool(build)
        return download(data, f"so-{ma}-{year}.{dinh_dang}", XLSX_TYPE if dinh_dang == "xlsx" else DOCX_TYPE)

    @app.get("/so/nhiem-ky", response_class=HTMLResponse)
    async def terms_page(request: Request, so: str = "") -> Response:
        require(request)
        ctx = await run_in_threadpool(_terms_context, settings_of(request).db, so)
        return page(request, "nhiem_ky.html", ctx)

    @app.post("/so/nhiem-ky", response_class=HTMLResponse)
    async def add_term(request: Request) -> Response:
        """Enter a term of a body, as `congvan so nhiem-ky` does (the service checks it)."""
        user = require(request, "so")
        form = await checked_form(request)
        db = settings_of(request).db
        so = str(form.get("so") or "")
        try:
            tu_ngay = _day(form, "tu_ngay", "Từ ngày")
            if tu_ngay is None:
                raise CongvanError("ô 'Từ ngày': cần ngày bắt đầu nhiệm kỳ (ngày liền sau ngày bế mạc đại hội)")
            den_ngay = _day(form, "den_ngay", "Đến ngày")
            co_quan, ma = _text(form, "co_quan", "Cơ quan"), _text(form, "ma", "Tên nhiệm kỳ")
            term = await run_in_threadpool(
                lambda: service.tao_nhiem_ky(db, co_quan, ma, tu_ngay=tu_ngay, den_ngay=den_ngay, nguoi=_who(user))
            )
        except CongvanError as exc:
            ctx = await run_in_threadpool(_terms_context, db, so)
            ctx["loi"] = str(exc)
            ctx["nhap"] = {k: str(form.get(k) or "") for k in ("co_quan", "ma", "tu_ngay", "den_ngay")}
            return page(request, "nhiem_ky.html", ctx, status=400)
        ctx = await run_in_threadpool(_terms_context, db, so)
        ctx["bao"] = f"Cơ quan {term.co_quan_viet_tat}: {term.mo_ta()}."
        return page(request, "nhiem_ky.html", ctx)
