"""Records to template context: the view model the DOCX templates read.

All NĐ30 presentation decisions that depend on data (labels and numbering of the
body, punctuation of căn cứ and Nơi nhận, signature lines, the symbol, the date
line) are made here, reading the rule profile; the templates only place them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from congvan.profiles import RuleProfile
from congvan.records.models import (
    Bang,
    ChuKy,
    CongVan,
    NhomNoiNhan,
    Nut,
    QuyetDinh,
    VanBanChung,
)
from congvan.records.rules import ma_loai
from congvan.render.images import ImageSet
from congvan.render.ooxml import ALL_BORDERS, cell, para, row, run, table, twips
from congvan.render.richtext import plain_text, rich
from congvan.vi.chu import nhan_diem, so_la_ma, viet_hoa, viet_hoa_chu_dau
from congvan.vi.ngay import O_TRONG, dong_dia_danh_ngay, ngay_thang_nam
from congvan.vi.so_ky_hieu import dong_so, ky_hieu_van_ban, so_va_ky_hieu

_END_PUNCT = " \t;,.:"


@dataclass
class _Counters:
    """Numbering state: Điều runs through the document, the rest restart per parent."""

    dieu: int = 0
    chuong: int = 0
    muc: int = 0


def ky_hieu_cua(vb: VanBanChung, profile: RuleProfile) -> str:
    """The record's symbol, or one built from the type code and the bodies."""
    if vb.ky_hieu:
        return vb.ky_hieu
    don_vi = vb.don_vi_soan_thao if isinstance(vb, CongVan) else None
    return ky_hieu_van_ban(ma_loai(vb, profile), [cq.viet_tat for cq in vb.co_quan_ban_hanh], don_vi)


def ten_loai_cua(vb: VanBanChung, profile: RuleProfile) -> str:
    return viet_hoa(vb.ten_loai or profile.loai_van_ban[vb.loai].ten_loai)


def _label(template: str, n: int) -> str:
    return template.format(roman=so_la_ma(n), arabic=n, letter=nhan_diem(n - 1)[:-1])


def _ends(text: str, mark: str) -> str:
    """Replace the closing punctuation of *text* by *mark*, keeping an ellipsis."""
    text = text.rstrip()
    if text.endswith(("...", "…")):
        return text + mark
    return text.rstrip(_END_PUNCT) + mark


def _body(nodes: list[Nut | str], p: RuleProfile, counters: _Counters) -> Iterator[dict[str, Any]]:
    """Flatten a body tree into styled paragraphs with their labels."""
    d = p.danh_so
    local: dict[str, int] = {}
    for node in nodes:
        if isinstance(node, str):
            yield {"kieu": "than", "runs": rich(node)}
            continue
        cap = node.cap
        if cap in ("khoan", "diem", "phan"):
            local[cap] = local.get(cap, 0) + 1
        text = node.van_ban
        if cap == "phan":
            label = node.so or _label(d.phan, local[cap])
            yield {"kieu": "phan", "runs": rich(viet_hoa(text) if d.viet_hoa_phan else text, label=label)}
        elif cap in ("chuong", "muc"):
            counters.__setattr__(cap, getattr(counters, cap) + 1)
            label = node.so or _label(getattr(d, cap), getattr(counters, cap))
            yield {"kieu": cap, "runs": rich(label)}
            yield {"kieu": f"{cap}_ten", "runs": rich(viet_hoa(text))}
            if cap == "chuong":
                counters.muc = 0
        elif cap == "dieu":
            counters.dieu += 1
            label = node.so or _label(d.dieu, counters.dieu)
            yield {
                "kieu": "dieu",
                "runs": rich(text, label=label, label_bold=True)
                if not node.tieu_de
                else rich(f"**{text}**", label=label, label_bold=True),
            }
        elif cap == "khoan":
            label = node.so or _label(d.khoan, local[cap])
            is_title = node.tieu_de if node.tieu_de is not None else bool(node.noi_dung)
            yield {"kieu": "khoan_td" if is_title else "khoan", "runs": rich(text, label=label)}
        elif cap == "diem":
            yield {"kieu": "diem", "runs": rich(text, label=node.so or _label(d.diem, local[cap]))}
        elif cap in ("gach", "cong"):
            yield {"kieu": cap, "runs": rich(text, label=node.so or getattr(d, cap))}
        else:
            yield {"kieu": "than", "runs": rich(text)}
        yield from _body(node.noi_dung, p, counters)


def _close_body(paras: list[dict[str, Any]], ket_thuc: str, raw_last: str) -> None:
    """End the body with "./." as every Phụ lục III mẫu does."""
    if not paras or raw_last.rstrip().endswith(ket_thuc):
        return
    last = paras[-1]
    mark = ket_thuc[1:] if raw_last.rstrip().endswith(".") else ket_thuc
    last["runs"] = Markup(last["runs"]) + Markup(run(mark))


def _last_text(nodes: list[Nut | str]) -> str:
    last = nodes[-1]
    if isinstance(last, str):
        return plain_text(last)
    return _last_text(last.noi_dung) if last.noi_dung else plain_text(last.van_ban)


def body_paragraphs(nodes: list[Nut | str], p: RuleProfile, close: bool) -> list[dict[str, Any]]:
    paras = list(_body(nodes, p, _Counters()))
    if close and nodes:
        _close_body(paras, p.chu_de.ket_thuc, _last_text(nodes))
    return paras


def can_cu_lines(vb: VanBanChung) -> list[str]:
    """Căn cứ lines: each ends ";", the last "." (";" when "Theo đề nghị" follows)."""
    lines = [plain_text(c) for c in vb.can_cu]
    follows = isinstance(vb, QuyetDinh) and bool(vb.theo_de_nghi)
    return [_ends(c, ";" if (i < len(lines) - 1 or follows) else ".") for i, c in enumerate(lines)]


def _item(text: str, last: bool) -> str:
    return "- " + _ends(text.strip().lstrip("-").strip(), "." if last else ";")


def recipients(vb: VanBanChung) -> dict[str, Any]:
    """Nơi nhận: formatted items, and groups with their notes when any has one."""
    total = len(vb.noi_nhan_phang)
    index = 0
    groups = []
    flat = []
    for entry in vb.noi_nhan:
        items = entry.nhom if isinstance(entry, NhomNoiNhan) else [entry]
        formatted = []
        for text in items:
            index += 1
            formatted.append(_item(text, index == total))
        flat.extend(formatted)
        note = entry.ghi_chu if isinstance(entry, NhomNoiNhan) else None
        if note and not note.startswith("("):
            note = f"({note})"
        groups.append({"muc": formatted, "ghi_chu": note or ""})
    return {"noi_nhan": flat, "nhom_noi_nhan": groups, "co_ghi_chu": any(g["ghi_chu"] for g in groups)}


@dataclass
class SignatureBuilder:
    profile: RuleProfile
    images: ImageSet
    base_dir: Path
    cell_mm: float
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def lines(self, ck: ChuKy) -> list[str]:
        out = []
        if ck.thay_mat:
            out.append(f"{self.profile.quyen_han.tien_to('TM')} {viet_hoa(ck.thay_mat)}")
        if ck.quyen_han:
            out.append(f"{self.profile.quyen_han.tien_to(ck.quyen_han)} {viet_hoa(ck.thay or '')}".strip())
        elif ck.thay:
            out.append(viet_hoa(ck.thay))
        out += [viet_hoa(x) for x in (ck.co_quan, ck.chuc_vu) if x]
        return out

    def picture(self, ck: ChuKy) -> Markup:
        """The signature image with the seal over its left third, or blank lines to sign on."""
        b = self.profile.bang_chu_ky
        if not ck.anh_chu_ky and not ck.anh_dau:
            return Markup("<w:r>" + "<w:br/>" * max(b.dong_trong_chu_ky - 1, 0) + "</w:r>")
        out = Markup("")
        sig_w = b.rong_anh_chu_ky_mm
        sig_left = (self.cell_mm - sig_w) / 2
        if ck.anh_dau:
            seal = self.base_dir / ck.anh_dau
            seal_w = b.rong_anh_dau_mm
            sig_h = self.images.height_mm(self.base_dir / ck.anh_chu_ky, sig_w) if ck.anh_chu_ky else seal_w
            seal_h = self.images.height_mm(seal, seal_w)
            out += self.images.floating(
                seal, seal_w, left_mm=sig_left + sig_w / 3 - seal_w, top_mm=(sig_h - seal_h) / 2
            )
        if ck.anh_chu_ky:
            out += self.images.inline(self.base_dir / ck.anh_chu_ky, sig_w)
        else:
            out += Markup("<w:r>" + "<w:br/>" * max(b.dong_trong_chu_ky - 1, 0) + "</w:r>")
        return out

    def block(self, ck: ChuKy) -> dict[str, Any]:
        return {"dong": self.lines(ck), "anh": self.picture(ck), "ho_ten": ck.ho_ten}


def signatures(vb: VanBanChung, p: RuleProfile, images: ImageSet, base_dir: Path) -> dict[str, Any]:
    joint = len(vb.chu_ky) > 1
    cell_mm = p.trang.rong_chu_mm / 2 if joint else p.bang_chu_ky.cot_phai_mm
    builder = SignatureBuilder(p, images, base_dir, cell_mm)
    blocks = [builder.block(ck) for ck in vb.chu_ky]
    pairs = [{"trai": blocks[i], "phai": blocks[i + 1]} for i in range(0, len(blocks) - 1, 2)]
    odd = blocks[-1] if joint and len(blocks) % 2 else None
    return {"lien_tich": joint, "chu_ky": blocks[0], "hang_chu_ky": pairs, "chu_ky_le": odd}


def header_lines(vb: VanBanChung) -> dict[str, list[str]]:
    """ô 2: parent body (not bold) and issuing body lines; joint bodies stacked, lead first."""
    if vb.tieu_de_co_quan:
        return {"dong_chu_quan": [], "dong_co_quan": [viet_hoa(x) for x in vb.tieu_de_co_quan]}
    if not vb.lien_tich:
        cq = vb.co_quan_ban_hanh[0]
        parent = cq.co_quan_chu_quan.split("\n") if cq.co_quan_chu_quan else []
        return {
            "dong_chu_quan": [viet_hoa(x) for x in parent],
            "dong_co_quan": [viet_hoa(x) for x in cq.ten.split("\n")],
        }
    return {"dong_chu_quan": [], "dong_co_quan": [viet_hoa(cq.ten) for cq in vb.co_quan_ban_hanh]}


def appendix_table(bang: Bang, p: RuleProfile) -> Markup:
    """A bordered table whose header row repeats on every page."""
    width = twips(p.trang.rong_chu_mm)
    cols = (["STT"] if bang.so_thu_tu else []) + bang.cot
    weights = bang.do_rong or ([0.6] if bang.so_thu_tu else []) + [1.0] * len(bang.cot)
    total = sum(weights)
    widths = [int(width * w / total) for w in weights]

    def cells(values: list[str], style: str) -> str:
        out = ""
        for i, (w, v) in enumerate(zip(widths, values, strict=True)):
            centre = '<w:jc w:val="center"/>' if bang.so_thu_tu and i == 0 else ""
            out += cell(w, para(style, run(v), centre))
        return out

    rows = row(cells(cols, "CVBangTieuDe"), header=True, cant_split=True)
    for n, values in enumerate(bang.hang, start=1):
        texts = ([str(n)] if bang.so_thu_tu else []) + ["" if v is None else str(v) for v in values]
        rows += row(cells(texts, "CVBang"), cant_split=True)
    return Markup(table(widths, rows, borders=ALL_BORDERS))


def appendices(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> list[dict[str, Any]]:
    many = len(vb.phu_luc) > 1
    kind = "Văn bản" if isinstance(vb, CongVan) else viet_hoa_chu_dau(ten_loai_cua(vb, p).lower())
    blank = f"ngày {O_TRONG} tháng {O_TRONG} năm {O_TRONG}"
    date = " " + (ngay_thang_nam(vb.ngay_ban_hanh) if vb.ngay_ban_hanh else blank)
    out = []
    for i, pl in enumerate(vb.phu_luc, start=1):
        doan = body_paragraphs(pl.noi_dung, p, close=False)
        if pl.bang:
            doan.append({"kieu": "bang", "bang": appendix_table(pl.bang, p), "runs": Markup("")})
        out.append(
            {
                "nhan": _label(p.danh_so.phu_luc_nhieu, i) if many else p.danh_so.phu_luc,
                "ten": viet_hoa(pl.tieu_de),
                "kem_theo": pl.kem_theo or f"(Kèm theo {kind} số {so_ky_hieu}{date})",
                "doan": doan,
            }
        )
    return out


def build_context(
    vb: VanBanChung, p: RuleProfile, images: ImageSet, base_dir: Path, so: int | None = None
) -> dict[str, Any]:
    """The whole view model for one record. *so* overrides the record's number (register)."""
    number = so if so is not None else vb.so
    ky_hieu = ky_hieu_cua(vb, p)
    ctx: dict[str, Any] = {
        **header_lines(vb),
        "so_ky_hieu": dong_so(number, ky_hieu),
        "dia_danh_ngay": dong_dia_danh_ngay(vb.dia_danh, vb.ngay_ban_hanh),
        "ten_loai": ten_loai_cua(vb, p),
        "trich_yeu": [plain_text(x) for x in vb.trich_yeu.split("\n") if x.strip()],
        "can_cu": can_cu_lines(vb),
        "doan": body_paragraphs(vb.noi_dung, p, close=vb.ket_thuc),
        **signatures(vb, p, images, base_dir),
        **recipients(vb),
        "phu_luc": appendices(vb, p, so_va_ky_hieu(number, ky_hieu)),
    }
    if isinstance(vb, QuyetDinh):
        ctx["tham_quyen"] = viet_hoa(vb.tham_quyen)
        ctx["theo_de_nghi"] = _ends(vb.theo_de_nghi, ".") if vb.theo_de_nghi else ""
    if isinstance(vb, CongVan):
        ctx["trich_yeu_cv"] = f"{p.chu_de.tien_to_vv} {plain_text(vb.trich_yeu)}"
        recipients_list = [x.strip() for x in vb.kinh_gui]
        if len(recipients_list) == 1:
            ctx["kinh_gui_mot"] = _ends(recipients_list[0], ".")
            ctx["kinh_gui"] = []
        else:
            ctx["kinh_gui_mot"] = ""
            ctx["kinh_gui"] = [_item(x, i == len(recipients_list) - 1) for i, x in enumerate(recipients_list)]
    return ctx
