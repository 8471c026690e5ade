"""The FastAPI application: pages for drafting, review, issue, register, batch, accounts.

Pages are server-rendered Jinja templates (autoescape on) with htmx for the
live parts; there is no front-end build. Every state-changing request must
carry the session's CSRF token; every page but the login needs a signed-in
account with the right role.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from congvan.errors import CongvanError, Problem
from congvan.web import auth, drafts, forms, issue, store
from congvan.web.preview import PreviewCache, docx_to_pdf, render_docx

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 20 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: the office's time zone for the times pages show (the tables keep UTC)
ENV_ZONE = "CONGVAN_MUI_GIO"
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def _zone_from_env() -> str:
    return os.environ.get(ENV_ZONE, "").strip() or DEFAULT_ZONE


def office_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Asia/Ho_Chi_Minh``), or a Vietnamese error naming the setting."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise CongvanError(
            f"{ENV_ZONE}={name!r}: không có múi giờ này; dùng tên múi giờ IANA, ví dụ {DEFAULT_ZONE}"
        ) from None


def local_time(value: Any, zone: ZoneInfo) -> str:
    """A stored UTC moment as the office reads it: ``14:05 02/12/2026`` in ``zone``."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the tables keep naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%H:%M %d/%m/%Y")


@dataclass
class Settings:
    db: str
    data_dir: Path
    secret: str
    secure_cookies: bool = False
    #: seconds without a heartbeat after which another server takes a running batch for interrupted
    han_nhip_s: float = 60.0
    #: the IANA time zone pages show times in ($CONGVAN_MUI_GIO, default Asia/Ho_Chi_Minh)
    mui_gio: str = field(default_factory=_zone_from_env)


class UploadLimit:
    """Refuse request bodies over the limit before anything is parsed or stored."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.limit:
                response = PlainTextResponse(
                    f"Tệp gửi lên quá lớn (tối đa {self.limit // (1024 * 1024)} MB).", status_code=413
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def load_secret(data_dir: Path) -> str:
    """The cookie-signing key: made once per installation, kept beside the data."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ".khoa-phien"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(settings: Settings) -> FastAPI:
    zone = office_zone(settings.mui_gio)
    store.ensure(settings.db)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.zone = zone
    app.state.limiter = auth.RateLimiter(5, 300)  # per account and address
    app.state.limiter_ip = auth.RateLimiter(30, 300)  # per address, any account
    app.state.previews = PreviewCache(settings.data_dir / "xem-truoc")
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret,
        session_cookie="congvan_phien",
        same_site="strict",
        https_only=settings.secure_cookies,
        max_age=12 * 3600,
    )
    app.add_middleware(UploadLimit, limit=MAX_UPLOAD)
    app.mount("/tinh", StaticFiles(directory=HERE / "static"), name="tinh")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.autoescape = True
    templates.env.filters["gio"] = partial(local_time, zone=zone)  # {{ moment|gio }}: local time
    app.state.templates = templates

    from congvan.web import routes_batch, routes_docs, routes_register

    for module in (routes_docs, routes_register, routes_batch):
        module.install(app)
    _install_auth_routes(app)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401:
            if request.headers.get("hx-request"):
                return Response(status_code=401, headers={"HX-Redirect": "/dang-nhap"})
            return RedirectResponse("/dang-nhap?tiep=" + quote(request.url.path), status_code=303)
        return page(request, "loi.html", {"thong_bao": exc.detail, "ma": exc.status_code}, status=exc.status_code)

    @app.exception_handler(CongvanError)
    async def _user_error(request: Request, exc: CongvanError) -> Response:
        return page(
            request, "loi.html", {"thong_bao": "\n".join(str(p) for p in exc.problems), "ma": 400}, status=400
        )

    return app


# --------------------------------------------------------------------------- helpers shared by routes


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def settings_of_app(app: FastAPI) -> Settings:
    return app.state.settings


def current_user(request: Request) -> auth.NguoiDung | None:
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    user = auth.lay(settings_of(request).db, user_id)
    if user is None or not user.hoat_dong:
        request.session.clear()
        return None
    return user


def require(request: Request, quyen: str | None = None) -> auth.NguoiDung:
    user = current_user(request)
    if user is None:
        raise HTTPException(401, "Cần đăng nhập.")
    if quyen and not user.co_quyen(quyen):
        raise HTTPException(403, f"Tài khoản {user.ten_vai_tro.lower()} không có quyền làm việc này.")
    return user


async def checked_form(request: Request) -> Any:
    """The posted form, after the CSRF check (header for htmx, field for plain forms)."""
    form = await request.form(max_files=5, max_fields=20000)
    sent = request.headers.get("x-csrf-token") or form.get("_csrf")
    if not auth.csrf_ok(request.session, sent if isinstance(sent, str) else None):
        raise HTTPException(403, "Yêu cầu không hợp lệ (thiếu hoặc sai mã chống giả mạo). Hãy tải lại trang.")
    return form


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    ctx = dict(context or {})
    ctx.setdefault("nguoi", current_user(request))
    ctx["csrf"] = auth.csrf_token(request.session)
    ctx["request"] = request
    return request.app.state.templates.TemplateResponse(request, name, ctx, status_code=status)


def fragment(request: Request, name: str, context: dict[str, Any]) -> Response:
    return page(request, name, context)


def download(data: bytes, filename: str, media_type: str) -> Response:
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"},
    )


def problems_text(problems: list[Problem]) -> list[dict[str, str]]:
    return [{"text": str(p), "field": forms.dotted_to_name(p.field)} for p in problems]


# --------------------------------------------------------------------------- sign-in and accounts


def _install_auth_routes(app: FastAPI) -> None:
    @app.get("/dang-nhap", response_class=HTMLResponse)
    async def login_page(request: Request, tiep: str = "/") -> Response:
        return page(request, "dang_nhap.html", {"tiep": tiep, "loi": ""})

    @app.post("/dang-nhap")
    async def login(request: Request) -> Response:
        form = await checked_form(request)
        ten = str(form.get("ten_dang_nhap") or "").strip().lower()
        mat_khau = str(form.get("mat_khau") or "")
        tiep = str(form.get("tiep") or "/")
        tiep = tiep if tiep.startswith("/") and not tiep.startswith("//") else "/"
        limiter: auth.RateLimiter = request.app.state.limiter
        client = request.client.host if request.client else "?"
        key = f"{client}|{ten}"
        by_ip: auth.RateLimiter = request.app.state.limiter_ip
        wait = max(limiter.cho_doi(key), by_ip.cho_doi(client))
        if wait:
            return page(
                request,
                "dang_nhap.html",
                {"tiep": tiep, "loi": f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {wait} giây."},
                429,
            )
        user = auth.xac_thuc(settings_of(request).db, ten, mat_khau)
        if user is None:
            limiter.that_bai(key)
            by_ip.that_bai(client)
            return page(
                request, "dang_nhap.html", {"tiep": tiep, "loi": "Tên đăng nhập hoặc mật khẩu không đúng."}, 401
            )
        limiter.xoa(key)
        request.session.clear()
        request.session["uid"] = user.id
        with store.writing(settings_of(request).db) as tx:
            store.ghi_nhat_ky(tx, user.ten_dang_nhap, "dang_nhap")
        return RedirectResponse(tiep, status_code=303)

    @app.post("/dang-xuat")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        request.session.clear()
        return RedirectResponse("/dang-nhap", status_code=303)

    @app.get("/tai-khoan", response_class=HTMLResponse)
    async def accounts(request: Request) -> Response:
        require(request, "tai_khoan")
        return page(
            request,
            "tai_khoan.html",
            {"ds": auth.danh_sach(settings_of(request).db), "vai_tro": auth.VAI_TRO, "loi": ""},
        )

    @app.post("/tai-khoan")
    async def create_account(request: Request) -> Response:
        user = require(request, "tai_khoan")
        form = await checked_form(request)
        db = settings_of(request).db
        try:
            auth.tao_nguoi_dung(
                db,
                str(form.get("ten_dang_nhap") or ""),
                str(form.get("ho_ten") or ""),
                str(form.get("vai_tro") or ""),
                str(form.get("mat_khau") or ""),
                boi=user.ten_dang_nhap,
            )
        except CongvanError as exc:
            return page(
                request, "tai_khoan.html", {"ds": auth.danh_sach(db), "vai_tro": auth.VAI_TRO, "loi": str(exc)}, 400
            )
        return RedirectResponse("/tai-khoan", status_code=303)

    @app.post("/tai-khoan/{user_id}/trang-thai")
    async def toggle_account(request: Request, user_id: int) -> Response:
        user = require(request, "tai_khoan")
        form = await checked_form(request)
        if user_id == user.id:
            raise HTTPException(400, "Không tự khóa tài khoản của mình.")
        auth.doi_trang_thai(settings_of(request).db, user_id, form.get("hoat_dong") == "1", boi=user.ten_dang_nhap)
        return RedirectResponse("/tai-khoan", status_code=303)

    @app.get("/nhat-ky", response_class=HTMLResponse)
    async def audit(request: Request) -> Response:
        require(request, "tai_khoan")
        return page(request, "nhat_ky.html", {"dong": store.doc_nhat_ky(settings_of(request).db)})


def today(request: Request) -> date:
    """The office's today ($CONGVAN_MUI_GIO), not the server's: the issue date and the default
    register year must not be yesterday's on a UTC server before 07:00 in Hà Nội."""
    return datetime.now(request.app.state.zone).date()


def pdf_of_issued(db: str, ho_so_id: int) -> bytes:
    data = drafts.tep_ban_hanh(db, ho_so_id, "pdf")
    if data is None:
        docx = drafts.tep_ban_hanh(db, ho_so_id, "docx")
        if docx is None:
            raise HTTPException(404, "Hồ sơ chưa ban hành.")
        data = docx_to_pdf(docx)
        drafts.luu_pdf(db, ho_so_id, data)
    return data


__all__ = ["FileResponse", "Settings", "create_app", "issue", "render_docx"]
