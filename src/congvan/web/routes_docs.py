"""Pages for drafts: list, new, edit with live preview, review, issue, downloads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from congvan.errors import CongvanError, Problem
from congvan.web import drafts, forms, images, issue
from congvan.web.app import (
    DOCX_TYPE,
    checked_form,
    download,
    page,
    pdf_of_issued,
    problems_text,
    require,
    settings_of,
    today,
)
from congvan.web.preview import render_docx


def _file_stem(h: drafts.HoSo) -> str:
    base = h.so_ky_hieu or f"ho-so-{h.id}"
    words = re.sub(r"[^\w\s-]", "", h.tieu_de)[:60].strip()
    return re.sub(r"[/\\]", "-", f"{base} {words}".strip())


def _editor_context(h: drafts.HoSo, data: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    builder = forms.FormBuilder(h.loai)
    nodes = builder.build(data)
    errors: dict[str, list[str]] = {}
    for p in problems:
        name = forms.dotted_to_name(p.field)
        while name not in builder.slots and "." in name:
            name = name.rsplit(".", 1)[0]
        errors.setdefault(name, []).append(p.message)
    main = [n for n in nodes if n.required or n.widget == "hidden" or _has_value(n)]
    more = [n for n in nodes if n not in main]
    return {
        "h": h,
        "nodes": main,
        "more": more,
        "errors": errors,
        "problems": problems_text(problems),
        "slots": sorted(builder.slots),
    }


def _has_value(node: forms.Node) -> bool:
    if node.widget == "list":
        return node.count > 0
    if node.widget == "object":
        return any(_has_value(c) for c in node.children)
    if node.widget == "checkbox":
        return False
    return node.value not in (None, "")


def _get(request: Request, ho_so_id: int) -> drafts.HoSo:
    try:
        return drafts.lay(settings_of(request).db, ho_so_id)
    except CongvanError as exc:
        raise HTTPException(404, str(exc)) from None


def _shown_docx(db: str, h: drafts.HoSo, base_dir: Path) -> bytes | None:
    if h.trang_thai == "da_ban_hanh":
        return drafts.tep_ban_hanh(db, h.id, "docx")
    record, _ = drafts.validate(h.du_lieu, h.yaml_goc)
    return render_docx(record, base_dir=base_dir) if record is not None else None


def _images(request: Request, ho_so_id: int) -> Path:
    """The draft's image folder: the renderer's base_dir (see congvan.web.images)."""
    return images.folder(settings_of(request).data_dir, ho_so_id)


def install(app: FastAPI) -> None:
    @app.get("/", response_class=HTMLResponse)
    async def home(
        request: Request, q: str = "", loai: str = "", trang_thai: str = "", nam: str = "", tac_gia: str = ""
    ) -> Response:
        require(request)
        db = settings_of(request).db
        year = int(nam) if nam.isdigit() else None
        rows = drafts.danh_sach(db, tu_khoa=q, loai=loai, trang_thai=trang_thai, nam=year, tac_gia=tac_gia)
        return page(
            request,
            "danh_sach.html",
            {
                "ds": rows,
                "q": q,
                "loai": loai,
                "trang_thai": trang_thai,
                "nam": nam,
                "tac_gia": tac_gia,
                "cac_loai": {k: forms.kind_label(k) for k in forms.models_by_kind()},
                "cac_trang_thai": drafts.TRANG_THAI,
                "cac_tac_gia": drafts.cac_tac_gia(db),
            },
        )

    @app.get("/ho-so/moi", response_class=HTMLResponse)
    async def new_page(request: Request) -> Response:
        require(request, "soan")
        return page(
            request, "moi.html", {"cac_loai": {k: forms.kind_label(k) for k in forms.models_by_kind()}, "loi": ""}
        )

    @app.post("/ho-so/moi")
    async def new_draft(request: Request) -> Response:
        user = require(request, "soan")
        form = await checked_form(request)
        new_id = drafts.tao(settings_of(request).db, str(form.get("loai") or ""), user.ten_dang_nhap)
        return RedirectResponse(f"/ho-so/{new_id}", status_code=303)

    @app.post("/ho-so/nhap-yaml")
    async def import_yaml(request: Request) -> Response:
        user = require(request, "soan")
        form = await checked_form(request)
        upload = form.get("tep")
        if upload is None or isinstance(upload, str) or not upload.filename:
            raise HTTPException(400, "Chưa chọn tệp YAML.")
        name = upload.filename.rsplit("/", 1)[-1]
        if not name.lower().endswith((".yaml", ".yml")):
            raise HTTPException(400, f"{name}: chỉ nhận tệp .yaml hoặc .yml")
        raw = await upload.read(drafts.MAX_YAML + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CongvanError(Problem("tệp không phải UTF-8", file=name)) from None
        new_id = drafts.nhap_yaml(settings_of(request).db, text, user.ten_dang_nhap, name)
        return RedirectResponse(f"/ho-so/{new_id}", status_code=303)

    @app.get("/ho-so/{ho_so_id}", response_class=HTMLResponse)
    async def open_draft(request: Request, ho_so_id: int) -> Response:
        user = require(request)
        h = _get(request, ho_so_id)
        _, problems = drafts.validate(h.du_lieu, h.yaml_goc)
        if h.sua_duoc and user.co_quyen("soan"):
            ctx = _editor_context(h, h.du_lieu, problems)
            ctx["phien_ban"] = drafts.cac_phien_ban(settings_of(request).db, ho_so_id)
            return page(request, "soan.html", ctx)
        ctx: dict[str, Any] = {
            "h": h,
            "problems": problems_text(problems),
            "phien_ban": drafts.cac_phien_ban(settings_of(request).db, ho_so_id),
        }
        return page(request, "xem.html", ctx)

    @app.get("/ho-so/{ho_so_id}/ban-xem", response_class=HTMLResponse)
    async def read_only_preview(request: Request, ho_so_id: int) -> Response:
        """The pictures on the read-only page, loaded after it (the page itself never waits for LibreOffice)."""
        require(request)
        h = _get(request, ho_so_id)
        ctx: dict[str, Any] = {"h": h}
        docx = await run_in_threadpool(_shown_docx, settings_of(request).db, h, _images(request, h.id))
        if docx is not None:  # the frozen file once issued, else what the record renders now
            ctx["xem"] = await run_in_threadpool(request.app.state.previews.make, docx)
        return page(request, "_pages.html", ctx)

    async def _read(request: Request, h: drafts.HoSo) -> tuple[Any, dict[str, Any]]:
        form = await checked_form(request)
        data = forms.FormReader(h.loai, form).read()
        op = form.get("_op")
        if isinstance(op, str) and op:
            data = forms.apply_op(h.loai, data, op)
        return form, data

    @app.post("/ho-so/{ho_so_id}/sua", response_class=HTMLResponse)
    async def edit(request: Request, ho_so_id: int) -> Response:
        """Structure changes (add/remove/move, a level changed): store, re-render the form."""
        user = require(request, "soan")
        h = _get(request, ho_so_id)
        _, data = await _read(request, h)
        h, problems = drafts.ghi_tam(settings_of(request).db, ho_so_id, data, user.ten_dang_nhap, phien_ban_moi=False)
        response = page(request, "_editor.html", _editor_context(h, h.du_lieu, problems))
        response.headers["HX-Trigger-After-Settle"] = "form-changed"  # after the swap: the preview posts the new form
        return response

    @app.post("/ho-so/{ho_so_id}/anh", response_class=HTMLResponse)
    async def upload_image(request: Request, ho_so_id: int) -> Response:
        """A signature or seal image chosen in the form: checked, stored in the draft's folder, put in its field."""
        user = require(request, "soan")
        h = _get(request, ho_so_id)
        if not h.sua_duoc:  # before anything is stored: an issued document keeps its pictures
            raise CongvanError(f"hồ sơ đang ở trạng thái '{h.ten_trang_thai}', không sửa được")
        form, data = await _read(request, h)
        db, data_dir = settings_of(request).db, settings_of(request).data_dir
        upload_problems: list[Problem] = []
        for key, value in form.multi_items():
            if not key.endswith(".__tep") or isinstance(value, str) or not value.filename:
                continue
            name = key.removesuffix(".__tep")
            field = forms.name_to_dotted(name)
            blob = await value.read(images.MAX_IMAGE + 1)
            try:
                stored = await run_in_threadpool(images.save, data_dir, ho_so_id, blob, value.filename, field)
            except CongvanError as exc:
                upload_problems += exc.problems
                continue
            if not forms.set_image(data, name, stored):
                raise HTTPException(400, "Ô ảnh không có trong biểu mẫu này.")
        h, problems = drafts.ghi_tam(db, ho_so_id, data, user.ten_dang_nhap, phien_ban_moi=False)
        response = page(request, "_editor.html", _editor_context(h, h.du_lieu, upload_problems + problems))
        response.headers["HX-Trigger-After-Settle"] = "form-changed"  # the preview posts the form holding the image
        return response

    @app.get("/ho-so/{ho_so_id}/anh/{name}")
    async def image_file(request: Request, ho_so_id: int, name: str) -> Response:
        require(request)
        found = images.path(settings_of(request).data_dir, ho_so_id, name)
        if found is None:
            raise HTTPException(404, "Không có ảnh này.")
        media = "image/png" if found.suffix == ".png" else "image/jpeg"
        return FileResponse(found, media_type=media, headers={"Cache-Control": "private, max-age=86400"})

    @app.post("/ho-so/{ho_so_id}/luu", response_class=HTMLResponse)
    async def save(request: Request, ho_so_id: int) -> Response:
        user = require(request, "soan")
        h = _get(request, ho_so_id)
        _, data = await _read(request, h)
        h, problems = drafts.ghi_tam(settings_of(request).db, ho_so_id, data, user.ten_dang_nhap, phien_ban_moi=True)
        ctx = _editor_context(h, h.du_lieu, problems)
        ctx["phien_ban"] = drafts.cac_phien_ban(settings_of(request).db, ho_so_id)
        ctx["da_luu"] = f"Đã lưu phiên bản {h.phien_ban}" + (f" (còn {len(problems)} lỗi)." if problems else ".")
        return page(request, "soan.html", ctx)

    @app.post("/ho-so/{ho_so_id}/xem-truoc", response_class=HTMLResponse)
    async def live_preview(request: Request, ho_so_id: int) -> Response:
        user = require(request, "soan")
        h = _get(request, ho_so_id)
        _, data = await _read(request, h)
        db = settings_of(request).db
        h, problems = drafts.ghi_tam(db, ho_so_id, data, user.ten_dang_nhap, phien_ban_moi=False)
        record, problems = drafts.validate(h.du_lieu, h.yaml_goc)
        ctx = _editor_context(h, h.du_lieu, problems)
        ctx["oob"] = True
        if record is not None:
            previews = request.app.state.previews
            try:
                docx = await run_in_threadpool(render_docx, record, base_dir=_images(request, ho_so_id))
                ctx["xem"] = await run_in_threadpool(previews.make, docx)
            except CongvanError as exc:
                ctx["problems"] = problems_text(exc.problems)
        return page(request, "_xem_truoc.html", ctx)

    @app.get("/ho-so/{ho_so_id}/trang/{key}/{so}.jpg")
    async def page_image(request: Request, ho_so_id: int, key: str, so: int) -> Response:
        require(request)
        path = request.app.state.previews.page(key, so)
        if path is None:
            raise HTTPException(404, "Không có trang này.")
        return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @app.get("/ho-so/{ho_so_id}/docx")
    async def get_docx(request: Request, ho_so_id: int) -> Response:
        require(request)
        h = _get(request, ho_so_id)
        db = settings_of(request).db
        if h.trang_thai == "da_ban_hanh":
            data = drafts.tep_ban_hanh(db, ho_so_id, "docx")
        else:
            record, problems = drafts.validate(h.du_lieu, h.yaml_goc)
            if record is None:
                raise CongvanError(["hồ sơ còn lỗi, chưa tạo được DOCX:", *problems])
            data = await run_in_threadpool(render_docx, record, base_dir=_images(request, ho_so_id))
        return download(data or b"", f"{_file_stem(h)}.docx", DOCX_TYPE)

    @app.get("/ho-so/{ho_so_id}/pdf")
    async def get_pdf(request: Request, ho_so_id: int) -> Response:
        require(request)
        h = _get(request, ho_so_id)
        if h.trang_thai != "da_ban_hanh":
            raise HTTPException(400, "Bản PDF chỉ có sau khi ban hành; khi soạn hãy dùng bản xem trước.")
        data = await run_in_threadpool(pdf_of_issued, settings_of(request).db, ho_so_id)
        return download(data, f"{_file_stem(h)}.pdf", "application/pdf")

    @app.get("/ho-so/{ho_so_id}/yaml")
    async def get_yaml(request: Request, ho_so_id: int) -> Response:
        require(request)
        h = _get(request, ho_so_id)
        return download(drafts.xuat_yaml(h).encode("utf-8"), f"{_file_stem(h)}.yaml", "application/x-yaml")

    @app.get("/ho-so/{ho_so_id}/phien-ban/{so}.yaml")
    async def get_version(request: Request, ho_so_id: int, so: int) -> Response:
        require(request)
        text = drafts.phien_ban_yaml(settings_of(request).db, ho_so_id, so)
        return download(text.encode("utf-8"), f"ho-so-{ho_so_id}-phien-ban-{so}.yaml", "application/x-yaml")

    @app.post("/ho-so/{ho_so_id}/nhan-ban")
    async def clone(request: Request, ho_so_id: int) -> Response:
        user = require(request, "soan")
        await checked_form(request)
        new_id = drafts.nhan_ban(settings_of(request).db, ho_so_id, user.ten_dang_nhap)
        images.copy_all(settings_of(request).data_dir, ho_so_id, new_id)
        return RedirectResponse(f"/ho-so/{new_id}", status_code=303)

    @app.post("/ho-so/{ho_so_id}/trinh")
    async def submit(request: Request, ho_so_id: int) -> Response:
        user = require(request, "soan")
        await checked_form(request)
        h = _get(request, ho_so_id)
        _, problems = drafts.validate(h.du_lieu, h.yaml_goc)
        if problems:
            raise CongvanError(["hồ sơ còn lỗi, sửa xong mới trình duyệt được:", *problems])
        drafts.doi_trang_thai(
            settings_of(request).db, ho_so_id, "cho_duyet", user.ten_dang_nhap, tu={"nhap", "tra_lai"}
        )
        return RedirectResponse(f"/ho-so/{ho_so_id}", status_code=303)

    @app.get("/ho-so/{ho_so_id}/duyet", response_class=HTMLResponse)
    async def review_page(request: Request, ho_so_id: int) -> Response:
        require(request, "duyet")
        h = _get(request, ho_so_id)
        record, problems = drafts.validate(h.du_lieu, h.yaml_goc)
        ctx: dict[str, Any] = {"h": h, "problems": problems_text(problems), "tom_tat": []}
        if record is not None:
            ctx["tom_tat"] = issue.tom_tat(record)
            docx = await run_in_threadpool(render_docx, record, base_dir=_images(request, ho_so_id))
            ctx["xem"] = await run_in_threadpool(request.app.state.previews.make, docx)
        return page(request, "duyet.html", ctx)

    @app.post("/ho-so/{ho_so_id}/duyet")
    async def review(request: Request, ho_so_id: int) -> Response:
        user = require(request, "duyet")
        form = await checked_form(request)
        action = form.get("hanh_dong")
        y_kien = str(form.get("y_kien") or "").strip()
        db = settings_of(request).db
        if action == "duyet":
            drafts.doi_trang_thai(db, ho_so_id, "da_duyet", user.ten_dang_nhap, tu={"cho_duyet"}, y_kien=y_kien)
        elif action == "tra_lai":
            if not y_kien:
                raise CongvanError("khi trả lại, hãy ghi ý kiến để người soạn biết cần sửa gì")
            drafts.doi_trang_thai(
                db, ho_so_id, "tra_lai", user.ten_dang_nhap, tu={"cho_duyet", "da_duyet"}, y_kien=y_kien
            )
        else:
            raise HTTPException(400, "Thao tác không hợp lệ.")
        return RedirectResponse(f"/ho-so/{ho_so_id}", status_code=303)

    @app.get("/ho-so/{ho_so_id}/ban-hanh", response_class=HTMLResponse)
    async def issue_page(request: Request, ho_so_id: int) -> Response:
        require(request, "ban_hanh")
        h = _get(request, ho_so_id)
        if h.trang_thai != "da_duyet":
            raise CongvanError(f"hồ sơ đang ở trạng thái '{h.ten_trang_thai}'; chỉ ban hành hồ sơ đã được duyệt")
        ngay = today(request)
        record = issue.record_for_issue(h, ngay)
        so = await run_in_threadpool(issue.so_tam, settings_of(request).db, record, ngay)
        return page(
            request,
            "ban_hanh.html",
            {"h": h, "tom_tat": issue.tom_tat(record), "so_tam": so, "ngay": ngay, "bao": None},
        )

    @app.post("/ho-so/{ho_so_id}/ban-hanh", response_class=HTMLResponse)
    async def do_issue(request: Request, ho_so_id: int) -> Response:
        user = require(request, "ban_hanh")
        form = await checked_form(request)
        h = _get(request, ho_so_id)
        shown = str(form.get("so_tam") or "")
        if not shown.isdigit():
            raise HTTPException(400, "Thiếu số tạm đã hiển thị.")
        ngay = today(request)
        result = await run_in_threadpool(
            lambda: issue.ban_hanh(
                settings_of(request).db,
                h,
                so_da_thay=int(shown),
                ngay=ngay,
                nguoi=f"{user.ho_ten} ({user.ten_dang_nhap})",
                base_dir=_images(request, ho_so_id),
            )
        )
        if not result.xong:
            record = issue.record_for_issue(h, ngay)
            return page(
                request,
                "ban_hanh.html",
                {"h": h, "tom_tat": issue.tom_tat(record), "so_tam": result.so, "ngay": ngay, "bao": result},
            )
        return RedirectResponse(f"/ho-so/{ho_so_id}", status_code=303)
