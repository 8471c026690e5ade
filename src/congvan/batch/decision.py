"""The batch's Quyết định công nhận, as an ordinary record.

The round's settings (:class:`~congvan.batch.dot.DotConfig`) and the list of
accepted rows become a :class:`~congvan.records.models.QuyetDinh` with its
appendix table, validated by the records' own loader and rendered by the record
renderer: the decision follows exactly the layout rules (header, lines, page
numbers of the appendix) every other record follows. There is no second builder.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from congvan.batch.dot import CotDanhSach, DotConfig
from congvan.batch.models import RowModel
from congvan.errors import CongvanError, Problem
from congvan.records.loader import validate_data
from congvan.records.models import QuyetDinh
from congvan.render.jinja_env import format_so_tien
from congvan.render.metrics import text_width_mm
from congvan.vi.doc_so import doc_so

NAME_COLUMN = "ten"
_STT_MARGIN_MM = 4.0  # two cell margins plus a little air
_STT_MIN_MM = 11.0
_BLANK_SIGNER = "……………………"


def check_columns(columns: Sequence[CotDanhSach], model: type[RowModel], source: str) -> None:
    """Every list column names a field of the row model (or ``ten``, the display name)."""
    known = {NAME_COLUMN, *model.model_fields} - {"stt"}
    problems = [
        Problem(
            f"không có trường '{col.truong}' (các trường: {', '.join(sorted(known))})",
            file=source,
            field=f"cot_danh_sach[{i}].truong",
        )
        for i, col in enumerate(columns)
        if col.truong not in known
    ]
    if problems:
        raise CongvanError(problems)


def cell_text(value: Any) -> str:
    """A row value as the list prints it."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_so_tien(value)
    return str(value)


def list_values(record: RowModel, columns: Sequence[CotDanhSach]) -> tuple[str, ...]:
    """The compact list entry of one accepted row (strings only: 100,000 rows stay small)."""
    return tuple(record.ten if c.truong == NAME_COLUMN else cell_text(getattr(record, c.truong, None)) for c in columns)


def _headings(columns: Sequence[CotDanhSach], model: type[RowModel]) -> list[str]:
    default = {NAME_COLUMN: model.NAME_HEADER}
    out = []
    for c in columns:
        aliases = model.HEADERS.get(c.truong, ())
        out.append(c.tieu_de or default.get(c.truong) or (aliases[0].capitalize() if aliases else c.truong))
    return out


def stt_width_mm(count: int, size_pt: float) -> float:
    """Wide enough for the largest number on one line (4-5 digits from row 1,000 on)."""
    return max(_STT_MIN_MM, text_width_mm(str(max(count, 1)), size_pt) + _STT_MARGIN_MM)


def _widths(columns: Sequence[CotDanhSach], count: int, text_mm: float, size_pt: float) -> list[float]:
    stt = stt_width_mm(count, size_pt)
    total = sum(c.do_rong for c in columns)
    return [round(stt, 2)] + [round((text_mm - stt) * c.do_rong / total, 2) for c in columns]


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace the few ``{name}`` placeholders a secretary may use; other braces stay as typed."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _signer(dot: DotConfig) -> dict[str, Any]:
    """``quyen_han: "KT. CHỦ TỊCH"`` + ``chuc_vu_ky`` as the record's signature block."""
    signer: dict[str, Any] = {"ho_ten": dot.nguoi_ky or _BLANK_SIGNER, "chuc_vu": dot.chuc_vu_ky}
    prefix, dot_sep, rest = dot.quyen_han.partition(".")
    if dot.quyen_han and dot_sep and prefix.strip().upper() in ("TM", "KT", "TL", "TUQ", "Q"):
        signer["quyen_han"] = prefix.strip().upper()
        signer["thay"] = rest.strip() or None
    elif dot.quyen_han:
        signer["thay"] = dot.quyen_han
    return signer


def _viet_tat(dot: DotConfig) -> str:
    if dot.viet_tat:
        return dot.viet_tat
    return dot.ky_hieu.rpartition("-")[2] or dot.ky_hieu


def decision_data(
    dot: DotConfig,
    model: type[RowModel],
    listing: Sequence[tuple[str, ...]],
    text_mm: float,
    size_pt: float,
    don_vi: str | None = None,
) -> dict[str, Any]:
    """The record fields of the decision, as a records YAML file would hold them.

    *don_vi* (``--theo-cot``): the unit this decision is for; its list title names
    it (``{don_vi}`` in ``tieu_de_danh_sach`` places it, else it is appended).
    """
    kind = model.KIND_WORD
    values = {
        "so_luong": f"{len(listing):,}".replace(",", ".") + f" ({doc_so(len(listing))})",
        "doi_tuong": kind,
        "danh_hieu": dot.danh_hieu,
        "nam": str(dot.nam),
        "don_vi": don_vi or "",
    }
    dieu_1 = dot.dieu_1 or (
        "Công nhận {so_luong} {doi_tuong} đạt danh hiệu “{danh_hieu}” năm {nam} (có danh sách kèm theo)."
    )
    last = 3 + len(dot.dieu_them)
    thi_hanh = dot.thi_hanh or f"Các {kind} có tên tại Điều 1"
    articles = [dieu_1, dot.dieu_2, *dot.dieu_them, f"{thi_hanh} chịu trách nhiệm thi hành Quyết định này."]
    line1, line2 = dot.header_lines()
    co_quan: dict[str, Any] = {"ten": "\n".join(x for x in (line1, line2) if x), "viet_tat": _viet_tat(dot)}
    if dot.co_quan_chu_quan:
        co_quan["co_quan_chu_quan"] = dot.co_quan_chu_quan
    title = dot.tieu_de_danh_sach or "Danh sách {doi_tuong} đạt danh hiệu “{danh_hieu}” năm {nam}"
    if don_vi and "{don_vi}" not in title:
        title += " – {don_vi}"
    return {
        "loai": "quyet_dinh",
        "co_quan_ban_hanh": co_quan,
        "so": dot.so_quyet_dinh,
        "ky_hieu": dot.ky_hieu,
        "dia_danh": dot.dia_danh,
        "ngay_ban_hanh": dot.ngay_ky,
        "trich_yeu": _fill(dot.trich_yeu or "Về việc công nhận danh hiệu “{danh_hieu}” năm {nam}", values),
        "tham_quyen": dot.nguoi_cong_nhan or f"Chủ tịch {dot.co_quan}",
        "can_cu": list(dot.can_cu),
        "theo_de_nghi": dot.de_nghi or None,
        "noi_dung": [{"dieu": _fill(a, values)} for a in articles],
        "chu_ky": [_signer(dot)],
        "noi_nhan": list(dot.noi_nhan) or [f"Như Điều {last}", "Lưu: VT"],
        "phu_luc": [
            {
                "tieu_de": _fill(title, values),
                "viet_hoa_tieu_de": True,  # the record renderer keeps a title's case unless asked
                "bang": {
                    "cot": _headings(dot.cot_danh_sach, model),
                    "hang": [list(r) for r in listing],
                    "do_rong": _widths(dot.cot_danh_sach, len(listing), text_mm, size_pt),
                },
            }
        ],
    }


def decision_record(
    dot: DotConfig, model: type[RowModel], listing: Sequence[tuple[str, ...]], source: str, don_vi: str | None = None
) -> QuyetDinh:
    """Validate the decision with the records' loader; problems name the round's file."""
    from congvan.profiles import load_profile

    profile = load_profile("nd30")
    data = decision_data(dot, model, listing, profile.trang.rong_chu_mm, profile.co_chu.bang, don_vi)
    record = validate_data(data, source)
    assert isinstance(record, QuyetDinh)
    return record


def render_decision(record: QuyetDinh, base_dir: Path) -> bytes:
    from congvan.render.document import DocumentRenderer

    return DocumentRenderer().render_bytes(record, base_dir=base_dir)
