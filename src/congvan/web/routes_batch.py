"""Batch in the browser: upload, map columns, see bad rows, run with progress, download.

Each batch gets its own folder ``<data>/dot-in/<random id>/`` (the upload is
saved there under a fixed name, never the user's path), so two batches never
share a file. The run is :func:`congvan.batch.run.run_batch` in a worker
thread; progress is read from what it has written, so it survives a reload.

Several servers may share one database (two processes behind a proxy, a restart
while the old one still runs). A running batch therefore names its owner — the
server instance running it (:class:`Owner`: host, pid, start time, instance) —
and the owner refreshes the row's heartbeat (``nhip_luc``) while the run goes on.
Only a batch whose heartbeat is older than the limit (``Settings.han_nhip_s``,
``$CONGVAN_WEB_HAN_NHIP`` for ``congvan web``) is taken for interrupted: at a
server's start, and whenever a page shows the batch.
"""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import shutil
import socket
import threading
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from congvan.batch.dot import load_dot
from congvan.batch.models import ROW_MODELS
from congvan.batch.rows import BadRow, RowStats, map_headers, open_sheet, validate_rows
from congvan.batch.run import BatchOptions, run_batch
from congvan.errors import CongvanError
from congvan.settings import env_seconds
from congvan.web import store
from congvan.web.app import (
    DOCX_TYPE,
    XLSX_TYPE,
    checked_form,
    download,
    page,
    require,
    settings_of,
    settings_of_app,
)

MAX_BAD_SHOWN = 500
LOAI = {"gia-dinh": "Gia đình học tập", "don-vi": "Đơn vị học tập"}
OUTPUTS = {
    "quyet_dinh_cong_nhan.docx": "Quyết định công nhận (DOCX)",
    "giay_cong_nhan_tat_ca.docx": "Tất cả giấy công nhận, một tệp (DOCX)",
    "giay_cong_nhan.zip": "Giấy công nhận từng dòng (ZIP)",
    "dong_loi.xlsx": "Danh sách dòng lỗi (XLSX)",
}
INTERRUPTED = "Đợt in bị gián đoạn (máy chủ chạy đợt này đã dừng hoặc khởi động lại); hãy bấm Chạy lại."
#: default seconds without a heartbeat before a running batch counts as interrupted
DEFAULT_HEARTBEAT_LIMIT_S = 60.0
ENV_HEARTBEAT_LIMIT = "CONGVAN_WEB_HAN_NHIP"
_log = logging.getLogger(__name__)


def heartbeat_limit_s() -> float:
    """The heartbeat limit from ``$CONGVAN_WEB_HAN_NHIP`` (seconds, default 60), or a Vietnamese error."""
    return env_seconds(ENV_HEARTBEAT_LIMIT, DEFAULT_HEARTBEAT_LIMIT_S, 86400, "60")


@dataclass
class Owner:
    """One server instance as the owner of the batches it runs; its heartbeat every limit/4."""

    limit_s: float
    id: str = field(default_factory=lambda: _owner_id())
    running: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def beat_s(self) -> float:
        return self.limit_s / 4

    def cutoff(self) -> datetime:
        """A heartbeat older than this is a dead owner's."""
        return store.now_precise() - timedelta(seconds=self.limit_s)


def _owner_id() -> str:
    """host/pid/start time/instance: unique per server process (and per app within one)."""
    started = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{socket.gethostname()[:80]}/{os.getpid()}/{started}/{secrets.token_hex(3)}"


def owner_of(request: Request) -> Owner:
    return request.app.state.dot_in_owner


def _folder(request: Request, batch_id: str) -> Path:
    if not (batch_id.isalnum() and len(batch_id) == 24):
        raise HTTPException(404, "Không có đợt in này.")
    return settings_of(request).data_dir / "dot-in" / batch_id


def _row(db: str, batch_id: str, owner: Owner) -> dict[str, Any]:
    """The batch's row; a running batch whose owner stopped heart-beating is marked interrupted first."""
    with store.reading(db) as tx:
        row = store.one(tx, "SELECT * FROM web_dot_in WHERE id = :i", {"i": batch_id})
    if row is None:
        raise HTTPException(404, "Không có đợt in này.")
    if row["trang_thai"] == "dang_chay" and _stale(row, owner):
        mark_interrupted(db, owner, batch_id)
        return _row(db, batch_id, owner)
    return row


def _stale(row: dict[str, Any], owner: Owner) -> bool:
    if row["chu"] == owner.id and row["id"] in owner.running:
        return False  # this instance runs it: never interrupted by its own slow heartbeat
    return row["nhip_luc"] is None or row["nhip_luc"] < owner.cutoff()


def _update(db: str, batch_id: str, **values: Any) -> None:
    with store.writing(db) as tx:
        store.update(tx, "web_dot_in", {"id": batch_id}, values)


def _data_file(folder: Path) -> Path:
    for name in ("du-lieu.xlsx", "du-lieu.csv"):
        if (folder / name).exists():
            return folder / name
    raise HTTPException(404, "Đợt in không còn tệp dữ liệu.")


def _columns(folder: Path, kind: str, mapping: dict[str, str]) -> dict[str, Any]:
    """Headers, the mapping in force (user's, else the batch's own rules) and any mapping problem."""
    model = ROW_MODELS[kind]
    with open_sheet(_data_file(folder)) as sheet:
        headers = sheet.headers
        try:
            cmap = map_headers(sheet, model, mapping)
            chosen = {i: f for i, f in cmap.columns.items()}
            problems: list[str] = []
        except CongvanError as exc:
            chosen = {i: mapping.get(h, "") for i, h in enumerate(headers)}
            problems = [p.message for p in exc.problems]
    fields = [(f, _field_label(model, f)) for f in model.model_fields]
    return {"headers": headers, "chosen": chosen, "fields": fields, "problems": problems}


def _field_label(model: type, name: str) -> str:
    """A row field as the secretary knows it: its usual header, else its description, else its name."""
    aliases = getattr(model, "HEADERS", {}).get(name, ())
    info = model.model_fields[name]
    words = aliases[0] if aliases else (info.description or "")
    if len(words) <= 3:  # an abbreviation header ("stt") is written in capitals
        words = words.upper()
    return f"{words[:1].upper()}{words[1:]} ({name})" if words else name


def _check(folder: Path, kind: str, mapping: dict[str, str]) -> tuple[RowStats, list[BadRow], list[str]]:
    model = ROW_MODELS[kind]
    stats = RowStats()
    bad: list[BadRow] = []
    with open_sheet(_data_file(folder)) as sheet:
        cmap = map_headers(sheet, model, mapping)
        for row in validate_rows(sheet, cmap, model, stats):
            if isinstance(row, BadRow) and len(bad) < MAX_BAD_SHOWN:
                bad.append(row)
        headers = sheet.headers
    return stats, bad, headers


def _progress(folder: Path, row: dict[str, Any]) -> dict[str, Any]:
    done = len(list((folder / "ket-qua" / "giay_cong_nhan").glob("*.docx"))) if row["trang_thai"] != "moi" else 0
    total = max(int(row["tong"] or 0), 1)
    if row["trang_thai"] == "xong":
        done = total
    files = [
        (name, label)
        for name, label in OUTPUTS.items()
        if (name == "giay_cong_nhan.zip" and (folder / "ket-qua" / "giay_cong_nhan").is_dir())
        or (folder / "ket-qua" / name).is_file()
    ]
    return {
        "done": min(done, total),
        "total": total,
        "pct": int(100 * min(done, total) / total),
        "files": files if row["trang_thai"] in ("xong", "loi") else [],
    }


def _finish(db: str, batch_id: str, owner: Owner, state: str, message: str) -> None:
    """The run's outcome, written only while this instance still owns the batch (had it been
    taken for interrupted and started again elsewhere, the new run's row is not overwritten)."""
    with store.writing(db) as tx:
        store.update(tx, "web_dot_in", {"id": batch_id, "chu": owner.id}, {"trang_thai": state, "thong_bao": message})


def _heartbeat(db: str, batch_id: str, owner: Owner, stop: threading.Event) -> None:
    """Refresh the batch's heartbeat while its run goes on (a missed beat is only logged)."""
    while not stop.wait(owner.beat_s):
        try:
            with store.writing(db) as tx:
                tx.execute(
                    "UPDATE web_dot_in SET nhip_luc = :t WHERE id = :i AND chu = :c AND trang_thai = 'dang_chay'",
                    {"t": tx.moment(store.now_precise()), "i": batch_id, "c": owner.id},
                )
        except Exception:  # the database is busy or away for a moment: try again next beat
            _log.warning("đợt in %s: không ghi được nhịp", batch_id, exc_info=True)


def _run(db: str, batch_id: str, folder: Path, kind: str, mapping: dict[str, str], owner: Owner) -> None:
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(db, batch_id, owner, stop), daemon=True)
    beat.start()
    try:
        dot_file = folder / "dot.yaml"
        options = BatchOptions(
            data=_data_file(folder),
            outdir=folder / "ket-qua",
            kind=kind,
            dot=load_dot(dot_file) if dot_file.exists() else None,
            column_map=mapping,
            mode="ca-hai",
            progress=False,
        )
        report = run_batch(options)
        _finish(db, batch_id, owner, "xong", f"Xong: {report.stats.good} dòng đúng, {report.stats.bad} dòng lỗi.")
    except CongvanError as exc:
        _finish(db, batch_id, owner, "loi", "\n".join(str(p) for p in exc.problems))
    except Exception as exc:  # keep the page informative; the log has the rest
        _finish(db, batch_id, owner, "loi", f"Đợt in dừng do lỗi ({type(exc).__name__}).")
    finally:
        stop.set()
        with owner.lock:
            owner.running.discard(batch_id)


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for path in sorted(folder.glob("*.docx")):
            z.write(path, path.name)
    return buffer.getvalue()


def _mapping_from(form: Any, headers: list[str]) -> dict[str, str]:
    out = {}
    for i, header in enumerate(headers):
        value = form.get(f"cot.{i}")
        if isinstance(value, str) and value:
            out[header] = value
    return out


def install(app: FastAPI) -> None:
    owner = Owner(settings_of_app(app).han_nhip_s)
    app.state.dot_in_owner = owner
    mark_interrupted(settings_of_app(app).db, owner)  # what a dead server left running

    @app.get("/in-loat", response_class=HTMLResponse)
    async def batches(request: Request) -> Response:
        user = require(request, "in_loat")
        await run_in_threadpool(mark_interrupted, settings_of(request).db, owner_of(request))
        with store.reading(settings_of(request).db) as tx:
            found = store.rows(
                tx,
                "SELECT * FROM web_dot_in WHERE nguoi = :n ORDER BY tao_luc DESC, id LIMIT 50",
                {"n": user.ten_dang_nhap},
            )
        return page(request, "in_loat.html", {"ds": found, "loai": LOAI, "loi": ""})

    @app.post("/in-loat")
    async def upload(request: Request) -> Response:
        user = require(request, "in_loat")
        form = await checked_form(request)
        kind = str(form.get("loai") or "")
        if kind not in ROW_MODELS:
            raise HTTPException(400, "Chọn loại danh hiệu.")
        tep = form.get("tep")
        if tep is None or isinstance(tep, str) or not tep.filename:
            raise HTTPException(400, "Chưa chọn tệp bảng tính.")
        name = tep.filename.replace("\\", "/").rsplit("/", 1)[-1]
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in ("xlsx", "csv"):
            raise HTTPException(400, f"{name}: chỉ nhận bảng tính .xlsx hoặc .csv")
        batch_id = secrets.token_hex(12)
        folder = settings_of(request).data_dir / "dot-in" / batch_id
        folder.mkdir(parents=True)
        (folder / f"du-lieu.{suffix}").write_bytes(await tep.read())
        dot = form.get("dot")
        if dot is not None and not isinstance(dot, str) and dot.filename:
            (folder / "dot.yaml").write_bytes(await dot.read())
            try:
                load_dot(folder / "dot.yaml")
            except CongvanError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                raise CongvanError(
                    [p.__class__(p.message, file=dot.filename, field=p.field, line=p.line) for p in exc.problems]
                ) from None
        with store.writing(settings_of(request).db) as tx:
            store.insert(
                tx,
                "web_dot_in",
                {
                    "id": batch_id,
                    "nguoi": user.ten_dang_nhap,
                    "trang_thai": "moi",
                    "loai": kind,
                    "ten_tep": name,
                    "anh_xa": "{}",
                    "tong": 0,
                    "da_xong": 0,
                    "thong_bao": "",
                    "tao_luc": store.now(),
                },
                returning=None,
            )
            store.ghi_nhat_ky(tx, user.ten_dang_nhap, "tai_len_dot_in", id=batch_id, tep=name)
        return RedirectResponse(f"/in-loat/{batch_id}", status_code=303)

    def _own(request: Request, batch_id: str) -> tuple[Any, dict[str, Any], Path]:
        user = require(request, "in_loat")
        folder = _folder(request, batch_id)
        row = _row(settings_of(request).db, batch_id, owner_of(request))
        if row["nguoi"] != user.ten_dang_nhap:
            raise HTTPException(403, "Đợt in này của người khác.")
        return user, row, folder

    @app.get("/in-loat/{batch_id}", response_class=HTMLResponse)
    async def batch_page(request: Request, batch_id: str) -> Response:
        _, row, folder = _own(request, batch_id)
        mapping = json.loads(row["anh_xa"])
        ctx: dict[str, Any] = {"b": row, "loai": LOAI, "bad": None, "stats": None}
        ctx.update(await run_in_threadpool(_columns, folder, row["loai"], mapping))
        ctx["tien_do"] = _progress(folder, row)
        return page(request, "dot_in.html", ctx)

    @app.post("/in-loat/{batch_id}/kiem-tra", response_class=HTMLResponse)
    async def check(request: Request, batch_id: str) -> Response:
        _, row, folder = _own(request, batch_id)
        form = await checked_form(request)
        cols = await run_in_threadpool(_columns, folder, row["loai"], {})
        mapping = _mapping_from(form, cols["headers"])
        db = settings_of(request).db
        _update(db, batch_id, anh_xa=json.dumps(mapping, ensure_ascii=False))
        row = _row(db, batch_id, owner_of(request))
        ctx: dict[str, Any] = {"b": row, "loai": LOAI}
        ctx.update(await run_in_threadpool(_columns, folder, row["loai"], mapping))
        ctx["tien_do"] = _progress(folder, row)
        if not ctx["problems"]:
            stats, bad, _headers = await run_in_threadpool(_check, folder, row["loai"], mapping)
            _update(db, batch_id, tong=stats.good)
            ctx.update({"stats": stats, "bad": bad})
        return page(request, "dot_in.html", ctx)

    @app.post("/in-loat/{batch_id}/chay")
    async def start(request: Request, batch_id: str) -> Response:
        _, row, folder = _own(request, batch_id)
        await checked_form(request)
        db = settings_of(request).db
        mapping = json.loads(row["anh_xa"])
        stats, bad, _ = await run_in_threadpool(_check, folder, row["loai"], mapping)
        if bad:
            raise CongvanError(f"bảng tính còn {stats.bad} dòng lỗi; sửa rồi tải lên lại trước khi in")
        me = owner_of(request)
        with me.lock:
            if batch_id in me.running or row["trang_thai"] == "dang_chay":
                return RedirectResponse(f"/in-loat/{batch_id}", status_code=303)
            me.running.add(batch_id)
        try:
            with store.writing(db) as tx:  # only one server claims it, even if two start it at once
                claimed = tx.all(
                    "UPDATE web_dot_in SET trang_thai = 'dang_chay', tong = :tong, thong_bao = '', "
                    "chu = :c, nhip_luc = :t WHERE id = :i AND trang_thai <> 'dang_chay' RETURNING id",
                    {"tong": stats.good, "c": me.id, "t": tx.moment(store.now_precise()), "i": batch_id},
                )
        except BaseException:
            with me.lock:
                me.running.discard(batch_id)
            raise
        if len(claimed) != 1:
            with me.lock:
                me.running.discard(batch_id)
            return RedirectResponse(f"/in-loat/{batch_id}", status_code=303)
        shutil.rmtree(folder / "ket-qua", ignore_errors=True)
        threading.Thread(target=_run, args=(db, batch_id, folder, row["loai"], mapping, me), daemon=True).start()
        return RedirectResponse(f"/in-loat/{batch_id}", status_code=303)

    @app.get("/in-loat/{batch_id}/tien-do", response_class=HTMLResponse)
    async def progress(request: Request, batch_id: str) -> Response:
        _, row, folder = _own(request, batch_id)
        return page(request, "_tien_do.html", {"b": row, "tien_do": _progress(folder, row)})

    @app.get("/in-loat/{batch_id}/tai/{name}")
    async def fetch(request: Request, batch_id: str, name: str) -> Response:
        _, _, folder = _own(request, batch_id)
        if name not in OUTPUTS:
            raise HTTPException(404, "Không có tệp này.")
        out = folder / "ket-qua"
        if name == "giay_cong_nhan.zip":
            data = await run_in_threadpool(_zip, out / "giay_cong_nhan")
            return download(data, f"giay_cong_nhan_{batch_id[:6]}.zip", "application/zip")
        path = out / name
        if not path.is_file():
            raise HTTPException(404, "Tệp chưa có.")
        return download(path.read_bytes(), name, XLSX_TYPE if name.endswith(".xlsx") else DOCX_TYPE)


def mark_interrupted(db: str, owner: Owner, batch_id: str | None = None) -> int:
    """Running batches (or the one ``batch_id``) whose owner's heartbeat is older than the
    limit become 'loi' with a Vietnamese message; a live owner's batches are left alone.

    The UPDATE repeats the heartbeat condition, so an owner that beats meanwhile keeps its
    batch; this instance's own runs are never marked. Returns how many were marked."""
    with owner.lock:
        mine = sorted(owner.running)
    where = "trang_thai = 'dang_chay' AND (nhip_luc IS NULL OR nhip_luc < :cutoff)"
    params: dict[str, Any] = {}
    if batch_id is not None:
        where += " AND id = :i"
        params["i"] = batch_id
    if mine:
        where += f" AND NOT (chu = :me AND id IN ({', '.join(f':m{i}' for i in range(len(mine)))}))"
        params.update({f"m{i}": m for i, m in enumerate(mine)}, me=owner.id)
    cutoff = owner.cutoff()
    with store.reading(db) as tx:  # the usual case, nothing stale: no write transaction at all
        if not tx.scalar(f"SELECT count(*) FROM web_dot_in WHERE {where}", params | {"cutoff": tx.moment(cutoff)}):
            return 0
    with store.writing(db) as tx:
        marked = tx.all(
            f"UPDATE web_dot_in SET trang_thai = 'loi', thong_bao = :msg WHERE {where} RETURNING id",
            params | {"cutoff": tx.moment(cutoff), "msg": INTERRUPTED},
        )
    return len(marked)
