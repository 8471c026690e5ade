"""Drafts in the database: versions, search, YAML import/export, review, issue.

A draft's working copy is whatever the form last held (saved even when invalid,
so nothing typed is lost); every explicit save also writes a numbered version.
YAML stays the exchange format: an imported file is kept byte for byte and
exported as is until the form changes what it means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from congvan.errors import CongvanError, Problem
from congvan.records.loader import validate_data
from congvan.records.models import VanBanChung
from congvan.records.yaml_source import LineMap, load_yaml_text
from congvan.register.db import Tx
from congvan.register.fold import khoa_tim_kiem
from congvan.web import forms, images, store

TRANG_THAI = {
    "nhap": "Đang soạn",
    "cho_duyet": "Chờ duyệt",
    "tra_lai": "Trả lại để sửa",
    "da_duyet": "Đã duyệt",
    "da_ban_hanh": "Đã ban hành",
}
SUA_DUOC = {"nhap", "tra_lai", "cho_duyet"}
MAX_YAML = 2_000_000


@dataclass
class HoSo:
    id: int
    loai: str
    trang_thai: str
    tieu_de: str
    nam: int | None
    tac_gia: str
    du_lieu: dict[str, Any]
    yaml_goc: str | None
    so_loi: int
    phien_ban: int
    nguoi_duyet: str | None
    y_kien: str
    so_ky_hieu: str | None
    phien_ban_ban_hanh: int | None
    co_pdf: bool
    sua_luc: Any

    @property
    def ten_trang_thai(self) -> str:
        return TRANG_THAI.get(self.trang_thai, self.trang_thai)

    @property
    def ten_loai(self) -> str:
        return forms.kind_label(self.loai) if self.loai in forms.models_by_kind() else self.loai

    @property
    def sua_duoc(self) -> bool:
        return self.trang_thai in SUA_DUOC


#: every column but the frozen files, plus whether a PDF is stored
_SELECT = (
    "SELECT id, loai, trang_thai, tieu_de, nam, tac_gia, du_lieu, yaml_goc, so_loi, phien_ban, "
    "nguoi_duyet, y_kien, so_ky_hieu, phien_ban_ban_hanh, sua_luc, "
    "CASE WHEN pdf IS NULL THEN 0 ELSE 1 END AS co_pdf FROM web_ho_so"
)


def _from_row(m: dict[str, Any]) -> HoSo:
    return HoSo(
        m["id"],
        m["loai"],
        m["trang_thai"],
        m["tieu_de"],
        m["nam"],
        m["tac_gia"],
        json.loads(m["du_lieu"]),
        m["yaml_goc"],
        m["so_loi"],
        m["phien_ban"],
        m["nguoi_duyet"],
        m["y_kien"] or "",
        m["so_ky_hieu"],
        m["phien_ban_ban_hanh"],
        bool(m["co_pdf"]),
        m["sua_luc"],
    )


# --------------------------------------------------------------------------- validation


def validate(data: dict[str, Any], yaml_goc: str | None = None) -> tuple[VanBanChung | None, list[Problem]]:
    """The record and no problems, or None and every problem in the CLI's words."""
    lines = LineMap()
    source = "hồ sơ"
    if yaml_goc is not None:
        try:
            _, lines = load_yaml_text(yaml_goc, source)
        except CongvanError:
            lines = LineMap()
    cleaned = forms.clean(data)
    bad_images = images.problems(cleaned)
    try:
        record = validate_data(cleaned, source, lines)
    except CongvanError as exc:
        found = [Problem(p.message, field=p.field, line=p.line if yaml_goc else None) for p in exc.problems]
        return None, found + bad_images
    return (None, bad_images) if bad_images else (record, [])


def _summary(data: dict[str, Any]) -> tuple[str, int | None, str]:
    trich_yeu = " ".join(str(data.get("trich_yeu") or "").split())
    nam = None
    ngay = str(data.get("ngay_ban_hanh") or "")
    if len(ngay) >= 4 and ngay[:4].isdigit():
        nam = int(ngay[:4])
    elif ngay[-4:].isdigit():
        nam = int(ngay[-4:])
    co_quan = data.get("co_quan_ban_hanh")
    first = co_quan[0] if isinstance(co_quan, list) and co_quan else co_quan
    ten_cq = first.get("ten", "") if isinstance(first, dict) else ""
    return trich_yeu, nam, khoa_tim_kiem(f"{trich_yeu} {ten_cq} {data.get('loai', '')}")


def to_yaml(data: dict[str, Any]) -> str:
    """The exchange format for a record the form produced."""
    return yaml.safe_dump(forms.clean(data), allow_unicode=True, sort_keys=False, width=100)


# --------------------------------------------------------------------------- create / save


def tao(db: str, loai: str, nguoi: str, du_lieu: dict[str, Any] | None = None, yaml_goc: str | None = None) -> int:
    if loai not in forms.models_by_kind():
        raise CongvanError(f"loại văn bản '{loai}' không có; chọn một trong: {', '.join(forms.models_by_kind())}")
    data = du_lieu if du_lieu is not None else forms.skeleton(loai)
    tieu_de, nam, tim = _summary(data)
    _, problems = validate(data, yaml_goc)
    now = store.now()
    with store.writing(db) as tx:
        new_id = store.insert(
            tx,
            "web_ho_so",
            {
                "loai": loai,
                "trang_thai": "nhap",
                "tieu_de": tieu_de,
                "tim_kiem": tim,
                "nam": nam or now.year,
                "tac_gia": nguoi,
                "du_lieu": json.dumps(data, ensure_ascii=False),
                "yaml_goc": yaml_goc,
                "so_loi": len(problems),
                "phien_ban": 0,
                "y_kien": "",
                "tao_luc": now,
                "sua_luc": now,
            },
        )
        store.ghi_nhat_ky(tx, nguoi, "tao_ho_so", id=new_id, loai=loai)
        if yaml_goc is not None:
            _add_version(tx, int(new_id), data, yaml_goc, problems, nguoi)
    return int(new_id)


def nhap_yaml(db: str, text: str, nguoi: str, ten_tep: str = "tệp YAML") -> int:
    """Import a YAML record exactly as written (kept for export); errors do not block."""
    if len(text) > MAX_YAML:
        raise CongvanError(Problem("tệp YAML quá lớn", file=ten_tep))
    data, _ = load_yaml_text(text, ten_tep)
    if not isinstance(data, dict):
        raise CongvanError(Problem("hồ sơ phải là một nhóm trường (khóa: giá trị)", file=ten_tep))
    loai = str(data.get("loai") or "")
    if loai not in forms.models_by_kind():
        raise CongvanError(
            Problem(
                f"loại văn bản '{loai}' không có; chọn một trong: {', '.join(forms.models_by_kind())}",
                file=ten_tep,
                field="loai",
            )
        )
    return tao(db, loai, nguoi, _jsonable(data), yaml_goc=text)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def lay(db: str, ho_so_id: int) -> HoSo:
    with store.reading(db) as tx:
        row = store.one(tx, f"{_SELECT} WHERE id = :i", {"i": ho_so_id})
    if row is None:
        raise CongvanError(f"không có hồ sơ số {ho_so_id}")
    return _from_row(row)


def _same_meaning(a: dict[str, Any], b: dict[str, Any]) -> bool:
    ra, pa = validate(a)
    rb, pb = validate(b)
    if ra is not None and rb is not None:
        return ra == rb
    return json.dumps(forms.clean(a), sort_keys=True) == json.dumps(forms.clean(b), sort_keys=True) and pa == pb


def ghi_tam(
    db: str, ho_so_id: int, data: dict[str, Any], nguoi: str, *, phien_ban_moi: bool
) -> tuple[HoSo, list[Problem]]:
    """Store the working copy; with ``phien_ban_moi`` also write a numbered version."""
    current = lay(db, ho_so_id)
    if not current.sua_duoc:
        raise CongvanError(f"hồ sơ đang ở trạng thái '{current.ten_trang_thai}', không sửa được")
    yaml_goc = current.yaml_goc
    if yaml_goc is not None and not _same_meaning(current.du_lieu, data):
        yaml_goc = None
    elif yaml_goc is not None:
        data = current.du_lieu  # the form meant the same thing: keep the file's spelling
    _, problems = validate(data, yaml_goc)
    tieu_de, nam, tim = _summary(data)
    with store.writing(db) as tx:
        values: dict[str, Any] = dict(
            du_lieu=json.dumps(data, ensure_ascii=False),
            yaml_goc=yaml_goc,
            so_loi=len(problems),
            tieu_de=tieu_de,
            tim_kiem=tim,
            sua_luc=store.now(),
        )
        if nam:
            values["nam"] = nam
        if current.trang_thai == "cho_duyet" and phien_ban_moi:
            values["trang_thai"] = "nhap"  # changed after submission: submit again
        store.update(tx, "web_ho_so", {"id": ho_so_id}, values)
        if phien_ban_moi:
            _add_version(tx, ho_so_id, data, yaml_goc or to_yaml(data), problems, nguoi)
            store.ghi_nhat_ky(tx, nguoi, "luu_ho_so", id=ho_so_id, so_loi=len(problems))
    return lay(db, ho_so_id), problems


def _add_version(
    tx: Tx, ho_so_id: int, data: dict[str, Any], text: str, problems: list[Problem], nguoi: str
) -> int:
    """Write the next numbered version inside the caller's transaction (writers are serialised)."""
    last = tx.scalar("SELECT COALESCE(MAX(so), 0) FROM web_phien_ban WHERE ho_so_id = :i", {"i": ho_so_id})
    so = int(last) + 1
    store.insert(
        tx,
        "web_phien_ban",
        {
            "ho_so_id": ho_so_id,
            "so": so,
            "du_lieu": json.dumps(data, ensure_ascii=False),
            "yaml": text,
            "loi": json.dumps([str(p) for p in problems], ensure_ascii=False),
            "nguoi": nguoi,
            "luc": store.now(),
        },
        returning=None,
    )
    store.update(tx, "web_ho_so", {"id": ho_so_id}, {"phien_ban": so})
    return so


def cac_phien_ban(db: str, ho_so_id: int) -> list[dict[str, Any]]:
    with store.reading(db) as tx:
        found = store.rows(
            tx, "SELECT so, nguoi, luc, loi FROM web_phien_ban WHERE ho_so_id = :i ORDER BY so DESC", {"i": ho_so_id}
        )
    return [{"so": r["so"], "nguoi": r["nguoi"], "luc": r["luc"], "so_loi": len(json.loads(r["loi"]))} for r in found]


def phien_ban_yaml(db: str, ho_so_id: int, so: int) -> str:
    with store.reading(db) as tx:
        text = tx.scalar("SELECT yaml FROM web_phien_ban WHERE ho_so_id = :i AND so = :s", {"i": ho_so_id, "s": so})
    if text is None:
        raise CongvanError(f"hồ sơ {ho_so_id} không có phiên bản {so}")
    return text


def xuat_yaml(h: HoSo) -> str:
    return h.yaml_goc if h.yaml_goc is not None else to_yaml(h.du_lieu)


def nhan_ban(db: str, ho_so_id: int, nguoi: str) -> int:
    """ "Nhân bản": a new draft from this one, without its number and date."""
    src = lay(db, ho_so_id)
    data = json.loads(json.dumps(src.du_lieu))
    for key in ("so", "ngay_ban_hanh"):
        data.pop(key, None)
    return tao(db, src.loai, nguoi, data)


# --------------------------------------------------------------------------- list


def danh_sach(
    db: str,
    *,
    tu_khoa: str = "",
    loai: str = "",
    trang_thai: str = "",
    nam: int | None = None,
    tac_gia: str = "",
    limit: int = 200,
) -> list[HoSo]:
    where: list[str] = []
    params: dict[str, Any] = {"n": int(limit)}
    for i, word in enumerate(khoa_tim_kiem(tu_khoa).split()):
        where.append(f"tim_kiem LIKE :w{i} ESCAPE '!'")
        params[f"w{i}"] = "%" + word.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    for column, value in (("loai", loai), ("trang_thai", trang_thai), ("nam", nam), ("tac_gia", tac_gia)):
        if value:
            where.append(f"{column} = :{column}")
            params[column] = value
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY sua_luc DESC, id DESC LIMIT :n"
    with store.reading(db) as tx:
        return [_from_row(r) for r in store.rows(tx, sql, params)]


def cac_tac_gia(db: str) -> list[str]:
    with store.reading(db) as tx:
        return [r[0] for r in tx.all("SELECT DISTINCT tac_gia FROM web_ho_so ORDER BY tac_gia")]


# --------------------------------------------------------------------------- review


def doi_trang_thai(db: str, ho_so_id: int, moi: str, nguoi: str, *, tu: set[str], y_kien: str | None = None) -> HoSo:
    """Move a draft between states in one transaction, refusing a move from the wrong state."""
    with store.writing(db) as tx:
        state = tx.scalar("SELECT trang_thai FROM web_ho_so WHERE id = :i", {"i": ho_so_id})
        if state is None:
            raise CongvanError(f"không có hồ sơ số {ho_so_id}")
        if state not in tu:
            raise CongvanError(f"hồ sơ đang ở trạng thái '{TRANG_THAI.get(state, state)}', không thể chuyển")
        values: dict[str, Any] = {"trang_thai": moi, "sua_luc": store.now()}
        if y_kien is not None:
            values["y_kien"] = y_kien
        if moi in ("da_duyet", "tra_lai"):
            values["nguoi_duyet"] = nguoi
        store.update(tx, "web_ho_so", {"id": ho_so_id}, values)
        store.ghi_nhat_ky(tx, nguoi, f"chuyen_{moi}", id=ho_so_id, y_kien=y_kien or "")
    return lay(db, ho_so_id)


def tep_ban_hanh(db: str, ho_so_id: int, kind: str) -> bytes | None:
    column = "docx" if kind == "docx" else "pdf"
    with store.reading(db) as tx:
        data = tx.scalar(f"SELECT {column} FROM web_ho_so WHERE id = :i", {"i": ho_so_id})
    return bytes(data) if data is not None else None


def luu_pdf(db: str, ho_so_id: int, data: bytes) -> None:
    with store.writing(db) as tx:
        store.update(tx, "web_ho_so", {"id": ho_so_id}, {"pdf": data})
