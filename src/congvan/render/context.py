"""Records to template context: the view model the DOCX templates read.

All NĐ30 presentation decisions that depend on data (labels and numbering of the
body, punctuation of căn cứ and Nơi nhận, signature lines, the symbol, the date
line) are made here, reading the rule profile; the templates only place them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from congvan.profiles import RuleProfile
from congvan.records.models import (
    BienBan,
    ChuKy,
    CongDien,
    CongVan,
    GiayGioiThieu,
    GiayMoi,
    GiayNghiPhep,
    NhomNoiNhan,
    Nut,
    PhuLucRieng,
    QuyetDinh,
    VanBanChung,
    VanBanKemTheoRieng,
)
from congvan.records.rules import ma_loai
from congvan.render.boxes import box_context
from congvan.render.images import ImageSet
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import CELL_MARGIN_TW, para, run, twips
from congvan.render.richtext import plain_text, rich
from congvan.render.tables import bang_xml
from congvan.vi.chu import liet_ke, nhan_diem, so_la_ma, viet_hoa, viet_hoa_chu_dau
from congvan.vi.ngay import O_TRONG, dong_dia_danh_ngay, ngay_thang_nam, so_ngay, so_thang
from congvan.vi.so_ky_hieu import dong_so, ky_hieu_van_ban, so_va_ky_hieu

_END_PUNCT = " \t;,.:"


@dataclass(frozen=True)
class Giua:
    """A generated centred line of the body ("… trân trọng giới thiệu:")."""

    text: str


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
    g = profile.so_ky_hieu
    codes = [cq.viet_tat for cq in vb.co_quan_ban_hanh]
    return ky_hieu_van_ban(ma_loai(vb, profile), codes, don_vi, noi_loai=g.noi_loai, noi_co_quan=g.noi_co_quan)


def so_ky_hieu_in(number: int | None, ky_hieu: str, profile: RuleProfile) -> str:
    """``05/QĐ-UBND`` or, in the profile's grammar, ``12-NQ/ĐU`` (as the register and cross-references write it)."""
    g = profile.so_ky_hieu
    return so_va_ky_hieu(number, ky_hieu, noi_so=g.noi_so, hai_chu_so=g.hai_chu_so)


def dong_so_in(number: int | None, ky_hieu: str, profile: RuleProfile) -> str:
    """The printed number line: ``Số: 05/QĐ-UBND`` (NĐ30), ``Số 12-NQ/ĐU`` (Party)."""
    g = profile.so_ky_hieu
    return dong_so(number, ky_hieu, nhan=profile.chu_de.nhan_so, noi_so=g.noi_so, hai_chu_so=g.hai_chu_so)


def ten_loai_cua(vb: VanBanChung, profile: RuleProfile) -> str:
    return viet_hoa(vb.ten_loai or profile.loai_van_ban[vb.loai].ten_loai)


def _label(template: str, n: int) -> str:
    """A numbering label from the profile's form; only the forms it names are computed."""
    return template.format(
        roman=so_la_ma(n) if "{roman" in template else "",
        arabic=n,
        letter=nhan_diem(n - 1)[:-1] if "{letter" in template else "",
    )


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
        if isinstance(node, Giua):
            yield {"kieu": "giua", "runs": rich(node.text)}
            continue
        cap = node.cap
        if cap == "bang":
            yield {"kieu": "bang", "bang": bang_xml(node.bang, p), "runs": Markup("")}
            continue
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


def _last_text(nodes: list[Any]) -> str:
    last = nodes[-1]
    if isinstance(last, str):
        return plain_text(last)
    if isinstance(last, Giua):
        return last.text
    if last.cap == "bang":
        return ""
    return _last_text(last.noi_dung) if last.noi_dung else plain_text(last.van_ban)


def body_paragraphs(nodes: list[Any], p: RuleProfile, close: bool) -> list[dict[str, Any]]:
    paras = [{**x, "giu": False} for x in _body(nodes, p, _Counters())]
    if close and nodes and paras[-1]["kieu"] != "bang":
        _close_body(paras, p.chu_de.ket_thuc, _last_text(nodes))
    return paras


def keep_end_with_signature(paras: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last body paragraph keeps with the signature table, so that never starts a page alone."""
    if paras and paras[-1]["kieu"] != "bang":
        paras[-1]["giu"] = True
    return paras


def can_cu_lines(vb: VanBanChung, p: RuleProfile) -> list[Markup]:
    """Căn cứ lines: each ends ";", the last with the profile's mark (";" when "Theo đề nghị" follows)."""
    lines = [plain_text(c) for c in vb.can_cu]
    follows = isinstance(vb, QuyetDinh) and bool(vb.theo_de_nghi)
    last = p.chu_de.dau_cuoi_can_cu
    return [
        Markup(run(_can_cu(c, ";" if (i < len(lines) - 1 or follows) else last, p)))
        for i, c in enumerate(lines)
    ]


def _can_cu(text: str, mark: str, p: RuleProfile) -> str:
    """One căn cứ line with the profile's leading mark ("- Căn cứ …;" in Party documents)."""
    prefix = p.chu_de.tien_to_can_cu
    body = text.strip()
    if prefix.strip():
        body = body.lstrip(prefix.strip()).lstrip()
    return prefix + _ends(body, mark)


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
    blocks_in = vb.cac_chu_ky
    joint = len(blocks_in) > 1
    cell_mm = p.trang.rong_chu_mm / 2 if joint else p.bang_chu_ky.cot_phai_mm
    builder = SignatureBuilder(p, images, base_dir, cell_mm)
    blocks = [builder.block(ck) for ck in blocks_in]
    pairs = [{"trai": blocks[i], "phai": blocks[i + 1]} for i in range(0, len(blocks) - 1, 2)]
    odd = blocks[-1] if joint and len(blocks) % 2 else None
    first = blocks[0] if blocks else {"dong": [], "anh": Markup(""), "ho_ten": ""}
    return {"lien_tich": joint, "chu_ky": first, "hang_chu_ky": pairs, "chu_ky_le": odd, "co_chu_ky": bool(blocks)}


_BREAK_PENALTY_MM = 8.0


def _tokens(text: str, keep: tuple[str, ...], units: tuple[str, ...]) -> list[str]:
    """Words, with each word group of *keep* and each place name after a unit word as one token."""
    words = text.split()
    folded = [w.casefold().strip("\"“”'‘’(),.;:") for w in words]  # '"Công nhân' keeps its group
    groups = sorted((g.casefold().split() for g in keep), key=len, reverse=True)
    unit_groups = [u.casefold().split() for u in units]
    tokens: list[str] = []
    i = 0
    while i < len(words):
        unit = next((u for u in unit_groups if folded[i : i + len(u)] == u and i + len(u) < len(words)), None)
        if unit is not None and i > 0:
            tokens.append(" ".join(words[i:]))
            break
        size = next((len(g) for g in groups if folded[i : i + len(g)] == g), 1)
        tokens.append(" ".join(words[i : i + size]))
        i += size
    return tokens


_PUNCT = "\"“”'‘’(),.;:"


def _capitalised(word: str) -> bool:
    core = word.strip(_PUNCT)
    return bool(core) and core[0].isupper()


def _proper_names(tokens: list[str], places: tuple[str, ...]) -> list[str]:
    """In running text, keep a proper name whole: capitalised words in a row ("Tổng Liên đoàn Lao động
    Việt Nam", "Tân Phú") and a place word before one ("xã Tân Phú", "tỉnh Cao Bằng").

    Not for upper-case text (header names), where every word is capitalised.
    """
    folded = {u.casefold() for u in places}
    out: list[str] = []
    before = ""  # the token before this one, as _tokens made it ("Liên đoàn")
    for tok in tokens:
        first = tok.split()[0]
        last = before.split()[-1] if before else ""
        joins = (
            out
            and _capitalised(first)
            and not first.startswith(tuple("\"“'‘("))  # a quotation starts a phrase of its own
            and not last.endswith((",", ";", ":", "”", '"'))
            and (_capitalised(before.split()[0]) or before.casefold() in folded)
        )
        if joins:
            out[-1] = f"{out[-1]} {tok}"
        else:
            out.append(tok)
        before = tok
    return out


def balanced_lines(
    text: str,
    size: float,
    width_mm: float,
    *,
    bold: bool = True,
    keep: tuple[str, ...] = (),
    units: tuple[str, ...] = (),
    starts: tuple[str, ...] = (),
    places: tuple[str, ...] | None = None,
) -> list[str]:
    """Break *text* into the fewest lines that fit *width_mm*, the widest as short as possible.

    Breaks fall only between tokens (see :func:`_tokens`), never inside "LAO ĐỘNG"
    or "TỈNH VĨNH LONG", so no line ends in half a name. A long word group made of
    smaller ones ("GIÁO DỤC VÀ ĐÀO TẠO") is split between them when keeping it whole
    would leave a line far shorter than the others ("SỞ" alone above it).
    """
    def tokens_of(groups: tuple[str, ...]) -> list[str]:
        found = _tokens(text, groups, units)
        return found if places is None or text.upper() == text else _proper_names(found, places)

    tokens = tokens_of(keep)
    if not tokens or text_width_mm(text, size, bold=bold) <= width_mm:
        return [" ".join(tokens)] if tokens else []
    free = units + starts
    lines = _balance(tokens, size, width_mm, bold, free)
    finer = tuple(k for k in keep if not any(o != k and f" {o} " in f" {k} " for o in keep))
    if finer != keep and _evenness(lines, size, bold) < _UNEVEN:
        alt = _balance(tokens_of(finer), size, width_mm, bold, free)
        if len(alt) <= len(lines) and _evenness(alt, size, bold) > _evenness(lines, size, bold):
            return alt
    return lines


#: A set of lines whose shortest is under this share of the widest looks unbalanced.
_UNEVEN = 0.5


def _evenness(lines: list[str], size: float, bold: bool) -> float:
    widths = [text_width_mm(x, size, bold=bold) for x in lines]
    return min(widths) / max(widths) if widths and max(widths) else 1.0


def _balance(tokens: list[str], size: float, width_mm: float, bold: bool, free: tuple[str, ...]) -> list[str]:
    """The fewest lines of whole tokens that fit; among those, the widest line (plus penalties) shortest."""
    folded_free = tuple(u.casefold() + " " for u in free)

    def penalty(end: int) -> float:
        """A break after a comma, before a place name or phrase word ("của", "năm") is free; else it costs."""
        if end >= len(tokens) or tokens[end - 1].endswith((",", ";", ":")):
            return 0.0
        return 0.0 if (tokens[end].casefold() + " ").startswith(folded_free) else _BREAK_PENALTY_MM

    n = len(tokens)
    for lines_wanted in range(2, n + 1):
        best: dict[int, tuple[float, list[str]]] = {0: (0.0, [])}
        for _ in range(lines_wanted):
            nxt: dict[int, tuple[float, list[str]]] = {}
            for start, (worst, acc) in best.items():
                for end in range(start + 1, n + 1):
                    line = " ".join(tokens[start:end])
                    w = text_width_mm(line, size, bold=bold)
                    if w > width_mm and end > start + 1:
                        break
                    cand = (max(worst, w + penalty(end)), [*acc, line])
                    if end not in nxt or cand[0] < nxt[end][0]:
                        nxt[end] = cand
            best = nxt
        if n in best:
            return best[n][1]
    return [" ".join(tokens)]


def broken(lines: list[str]) -> Markup:
    """One paragraph's runs with a line break between *lines* (the space stays before each break)."""
    out = [run(line + (" " if i < len(lines) - 1 else "")) for i, line in enumerate(lines)]
    return Markup("<w:r><w:br/></w:r>".join(out))


def _name_lines(text: str, size: float, width_mm: float, p: RuleProfile) -> list[Markup]:
    """A header name: lines written in the record win (one paragraph each), else balanced lines."""
    keep, units = tuple(p.ngat_dong.khong_tach), tuple(p.ngat_dong.dia_gioi)
    if "\n" in text:
        return [Markup(run(viet_hoa(x.strip()))) for x in text.split("\n") if x.strip()]
    if not p.ngat_dong.ngat_ten_co_quan:
        return [Markup(run(viet_hoa(text)))]
    return [broken(balanced_lines(viet_hoa(text), size, width_mm, keep=keep, units=units))]


CELL_MARGIN_MM = CELL_MARGIN_TW * 25.4 / 1440


def header_lines(vb: VanBanChung, p: RuleProfile) -> dict[str, list[Markup]]:
    """ô 2: parent body (not bold) and issuing body lines; joint bodies stacked, lead first."""
    if vb.tieu_de_co_quan:
        return {"dong_chu_quan": [], "dong_co_quan": [Markup(run(viet_hoa(x))) for x in vb.tieu_de_co_quan]}
    width = p.bang_tieu_de.cot_trai_mm - 2 * CELL_MARGIN_MM - 1
    if not vb.lien_tich:
        cq = vb.co_quan_ban_hanh[0]
        parent = _name_lines(cq.co_quan_chu_quan, p.co_chu.co_quan_chu_quan, width, p) if cq.co_quan_chu_quan else []
        return {"dong_chu_quan": parent, "dong_co_quan": _name_lines(cq.ten, p.co_chu.co_quan, width, p)}
    lines: list[Markup] = []
    for cq in vb.co_quan_ban_hanh:
        lines += _name_lines(cq.ten, p.co_chu.co_quan, width, p)
    return {"dong_chu_quan": [], "dong_co_quan": lines}


def _trich_yeu_texts(text: str, p: RuleProfile, size: float | None = None) -> tuple[list[str], bool]:
    """A centred bold title's lines (trích yếu, appendix title) and whether the record wrote them.

    Lines the record writes ("A\nB") win; else the text is balanced to fit, so that no
    line is left holding "năm 2026" alone.
    """
    if "\n" in text.strip():
        return [plain_text(x.strip()) for x in text.split("\n") if x.strip()], True
    width = p.trang.rong_chu_mm * p.ngat_dong.trich_yeu_toi_da
    nd = p.ngat_dong
    keep, starts, places = (*nd.khong_tach, *nd.tu_ghep), tuple(nd.ngat_truoc), tuple(nd.dia_gioi)
    size = p.co_chu.trich_yeu if size is None else size
    lines = balanced_lines(plain_text(text), size, width, keep=keep, starts=starts, places=places)
    return lines, False


def title_lines(text: str, p: RuleProfile, size: float | None = None) -> list[Markup]:
    """Runs of a centred title: the record's own lines (one paragraph each), else one balanced paragraph."""
    lines, written = _trich_yeu_texts(text, p, size)
    return [Markup(run(x)) for x in lines] if written else [broken(lines)]


def widest_title_line(text: str, p: RuleProfile, size: float) -> str:
    """The longest line a title is printed on (a line under it is sized on that, not on the whole text)."""
    lines, _ = _trich_yeu_texts(text, p, size)
    return max(lines, key=lambda x: text_width_mm(x, size, bold=True), default="")


def trich_yeu_lines(text: str, p: RuleProfile) -> list[Markup]:
    """Trích yếu: the record's own lines (one paragraph each), else balanced lines in one paragraph."""
    return title_lines(text, p)


def trich_yeu_cong_van(text: str, p: RuleProfile) -> Markup:
    """"V/v …" under the số ký hiệu: the record's lines, else balanced lines of the left header column."""
    prefix = p.chu_de.tien_to_vv
    if "\n" in text.strip():
        lines = [plain_text(x.strip()) for x in text.split("\n") if x.strip()]
        lines[0] = " ".join(x for x in (prefix, lines[0]) if x)
        return broken(lines)
    whole = " ".join(x for x in (prefix, plain_text(text)) if x)
    width = p.bang_tieu_de.cot_trai_mm - 2 * CELL_MARGIN_MM - 1
    nd = p.ngat_dong
    keep, starts, places = (*nd.khong_tach, *nd.tu_ghep), tuple(nd.ngat_truoc), tuple(nd.dia_gioi)
    size = p.co_chu.trich_yeu_cong_van
    return broken(balanced_lines(whole, size, width, bold=False, keep=keep, starts=starts, places=places))


def widest_trich_yeu_line(text: str, p: RuleProfile) -> str:
    """The longest line the trích yếu is printed on (its line is 1/3–1/2 of that, not of the whole text)."""
    return widest_title_line(text, p, p.co_chu.trich_yeu)


def short_line(text: str, size: float, share: float, p: RuleProfile, *, after_pt: float = 0) -> Markup:
    """A centred solid line *share* as long as *text* (under a tên loại or a "Kèm theo" line).

    *after_pt* leaves room under it (an appendix's table would otherwise touch it).
    """
    container = p.trang.rong_chu_mm
    length = min(text_width_mm(text, size, bold=True), container) * share
    side = twips(max((container - length) / 2, 0))
    space = f'<w:spacing w:after="{round(after_pt * 20)}"/>' if after_pt else ""
    return Markup(para("CVDuongKe", "", f'{space}<w:ind w:left="{side}" w:right="{side}"/>'))


def _kind_name(vb: VanBanChung, p: RuleProfile) -> str:
    """ "Văn bản", "Kế hoạch", "Quyết định": how a "Kèm theo" line names the parent document."""
    return "Văn bản" if isinstance(vb, CongVan) else viet_hoa_chu_dau(ten_loai_cua(vb, p).lower())


def _date_words(vb: VanBanChung) -> str:
    blank = f"ngày {O_TRONG} tháng {O_TRONG} năm {O_TRONG}"
    return ngay_thang_nam(vb.ngay_ban_hanh) if vb.ngay_ban_hanh else blank


def _appendix_label(pl_nhan: str | None, i: int, many: bool, p: RuleProfile) -> str:
    if pl_nhan is not None:
        return pl_nhan
    return _label(p.danh_so.phu_luc_nhieu, i) if many else p.danh_so.phu_luc


#: "ngày 15 tháng 12 năm 2026" (or its blanks) written inside a sentence.
_DATE_WORDS = re.compile(r"ngày \S+ tháng \S+ năm [^\s)]+")


def _reference_groups(vb: VanBanChung, so_ky_hieu: str) -> tuple[str, ...]:
    """What a "(Kèm theo …)" line keeps on one line: the reference "số 112/QĐ-LĐLĐ ngày 03 tháng 02
    năm 2026" whole (a longer line then breaks before "của <cơ quan>"), else its number and its date."""
    date = _date_words(vb)
    return f"số {so_ky_hieu} {date}", date, f"số {so_ky_hieu}"


def _sentence_lines(text: str, size: float, p: RuleProfile, whole: tuple[str, ...] = ()) -> list[str]:
    """A centred italic line ("(Kèm theo … của Hội Khuyến học tỉnh …)") wrapped into balanced lines
    that never split a name, a word group or one of *whole* (the date, "số 87/QĐ-HKH")."""
    nd = p.ngat_dong
    whole = (*whole, *_DATE_WORDS.findall(text))  # a date the record wrote itself stays whole too
    keep, starts, places = (*whole, *nd.khong_tach, *nd.tu_ghep), tuple(nd.ngat_truoc), tuple(nd.dia_gioi)
    width = p.trang.rong_chu_mm * nd.kem_theo_toi_da
    return balanced_lines(text, size, width, bold=False, keep=keep, starts=starts, places=places) or [text]


def _parent_line(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str, key: str, key_cua: str) -> str:
    """ "(Kèm theo Kế hoạch số … ngày …[ của <bodies>])", "(Ban hành kèm theo Quyết định số …[ của …])":
    profile sentence *key_cua* ("… của {co_quan}") when the profile has it and every issuing body
    gives its name as written in a sentence, else *key*."""
    values = {"loai": _kind_name(vb, p), "so_ky_hieu": so_ky_hieu, "ngay": _date_words(vb)}
    names = [cq.ten_trong_cau for cq in vb.co_quan_ban_hanh]
    if key_cua in p.cau and names and all(names):
        return p.cau_mau(key_cua, co_quan=liet_ke([str(n) for n in names]), **values)
    return p.cau_mau(key, **values)


def _kem_theo_line(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> str:
    """An appendix's line under its title (Phụ lục I mục IV.1.c)."""
    return _parent_line(vb, p, so_ky_hieu, "kem_theo_van_ban", "kem_theo_van_ban_cua")


def _ban_hanh_line(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> str:
    """mẫu 1.3: the line under the title of the document a Quyết định issues (Ghi chú 2: number,
    symbol, date and the issuing body's name)."""
    return _parent_line(vb, p, so_ky_hieu, "ban_hanh_kem_theo", "ban_hanh_kem_theo_cua")


def appendices(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> list[dict[str, Any]]:
    many = len(vb.phu_luc) > 1
    default = _kem_theo_line(vb, p, so_ky_hieu)
    if isinstance(vb, PhuLucRieng):
        default = f"({vb.kem_theo.strip().strip('()')})"
    whole = _reference_groups(vb, so_ky_hieu)
    out = []
    for i, pl in enumerate(vb.phu_luc, start=1):
        doan = body_paragraphs(pl.noi_dung, p, close=False)
        if pl.bang:
            doan.append({"kieu": "bang", "bang": bang_xml(pl.bang, p), "runs": Markup("")})
        kem_theo = pl.kem_theo or default
        ten = viet_hoa(pl.tieu_de) if pl.viet_hoa_tieu_de else pl.tieu_de
        size = p.co_chu.phu_luc_ten
        out.append(
            {
                "nhan": _appendix_label(pl.nhan, i, many, p),
                "ten": title_lines(ten, p, size),
                "kem_theo": kem_theo,
                "kem_theo_dong": [broken(_sentence_lines(kem_theo, p.co_chu.phu_luc_kem_theo, p, whole))],
                "duong_ke": short_line(
                    widest_title_line(ten, p, size), size, p.duong_ke.trich_yeu, p,
                    after_pt=p.doan_van.cach_truoc_pt * 2,
                ),
                "doan": doan,
            }
        )
    return out


def issued_document(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> dict[str, Any] | None:
    """The document a Quyết định issues (mẫu 1.3): its own title block and body."""
    if not isinstance(vb, (QuyetDinh, VanBanKemTheoRieng)) or vb.van_ban_kem_theo is None:
        return None
    kt = vb.van_ban_kem_theo
    ten = viet_hoa(kt.ten_loai)
    kem_theo = kt.kem_theo or _ban_hanh_line(vb, p, so_ky_hieu)
    whole = _reference_groups(vb, so_ky_hieu)
    return {
        "ten_loai": ten,
        "trich_yeu": trich_yeu_lines(kt.trich_yeu, p),
        "kem_theo": kem_theo,
        "kem_theo_dong": [broken(_sentence_lines(kem_theo, p.co_chu.phu_luc_kem_theo, p, whole))],
        "duong_ke": short_line(widest_trich_yeu_line(kt.trich_yeu, p), p.co_chu.trich_yeu, p.duong_ke.trich_yeu, p),
        "doan": body_paragraphs(kt.noi_dung, p, close=True),
    }


def copy_block(vb: VanBanChung, p: RuleProfile, images: ImageSet, base_dir: Path) -> dict[str, Any] | None:
    """The paper copy block (Phụ lục I Phần II): SAO Y / SAO LỤC / TRÍCH SAO."""
    bs = vb.ban_sao
    if bs is None or bs.dien_tu:
        return None
    form = p.ban_sao[bs.hinh_thuc]
    ky_hieu = ky_hieu_van_ban(form.ma, [bs.co_quan.viet_tat], noi_loai=p.so_ky_hieu.noi_loai)
    builder = SignatureBuilder(p, images, base_dir, p.bang_chu_ky.cot_phai_mm)
    items = [_item(x, i == len(bs.noi_nhan) - 1) for i, x in enumerate(bs.noi_nhan)]
    width = p.bang_tieu_de.cot_trai_mm - 2 * CELL_MARGIN_MM - 1
    return {
        "dong_chu_quan": _name_lines(bs.co_quan.co_quan_chu_quan, p.co_chu.co_quan_chu_quan, width, p)
        if bs.co_quan.co_quan_chu_quan
        else [],
        "dong_co_quan": _name_lines(bs.co_quan.ten, p.co_chu.co_quan, width, p),
        "hinh_thuc": form.ten,
        "so_ky_hieu": dong_so_in(bs.so, ky_hieu, p),
        "dia_danh_ngay": dong_dia_danh_ngay(bs.dia_danh or vb.dia_danh, bs.ngay_sao),
        "chu_ky": builder.block(bs.chu_ky) if bs.chu_ky else {"dong": [], "anh": Markup(""), "ho_ten": ""},
        "noi_nhan": items,
    }


def kinh_gui(vb: VanBanChung, p: RuleProfile) -> dict[str, Any]:
    """ô 9a: one recipient on the label's line, several as a list ("- X;" ... "- Z.")."""
    names = [x.strip() for x in vb.kinh_gui]
    label = p.chu_de.nhan_kinh_gui
    if isinstance(vb, CongDien):
        return {"nhan_kinh_gui": "", "kinh_gui_mot": "", "kinh_gui": [], "dien": telegram_lines(vb, names, p)}
    if len(names) == 1:
        return {"nhan_kinh_gui": label, "kinh_gui_mot": _ends(names[0], "."), "kinh_gui": [], "dien": ""}
    return {
        "nhan_kinh_gui": label if names else "",
        "kinh_gui_mot": "",
        "kinh_gui": [_item(x, i == len(names) - 1) for i, x in enumerate(names)],
        "dien": "",
    }


def telegram_lines(vb: CongDien, names: list[str], p: RuleProfile) -> Markup:
    """mẫu 1.6: "<người điện> điện:" centred, the recipients below it starting one paragraph
    indent (thut_dau_dong_cm) in from the label's first letter."""
    label = p.cau_mau("dien", nguoi_dien=viet_hoa(vb.nguoi_dien))
    container = p.trang.rong_chu_mm
    start = max((container - min(text_width_mm(label, p.co_chu.kinh_gui), container)) / 2, 0)
    ind = f'<w:ind w:left="{twips(start + p.doan_van.thut_dau_dong_cm * 10)}"/>'
    items = "".join(
        para("CVKinhGuiMuc", run(_item(x, i == len(names) - 1)), ind) for i, x in enumerate(names)
    )
    return Markup(para("CVDien", run(label)) + items)


def _xung(danh_xung: str | None, p: RuleProfile) -> str:
    return danh_xung.lower() if danh_xung else "ông (bà)"


def _ong_ba(danh_xung: str | None, ho_ten: str, p: RuleProfile) -> str:
    key = {"Ông": "ong", "Bà": "ba"}.get(danh_xung or "", "ong_ba")
    return p.cau_mau(key, noi_dung=ho_ten)


def _ngay_ngan(d: Any) -> str:
    """ "05/3/2026": the NĐ30 padding (day < 10, months 1 and 2) in the short form."""
    return f"{so_ngay(d.day)}/{so_thang(d.month)}/{d.year}"


def kind_body(vb: VanBanChung, p: RuleProfile) -> list[Any]:
    """The body of a kind whose layout has fixed lines (mẫu 1.7-1.10), then the record's own."""
    c = p.cau_mau
    own = list(vb.noi_dung)
    if isinstance(vb, GiayMoi):
        lines: list[Any] = [
            c("moi", ben_moi=vb.ben_moi, nguoi_duoc_moi=_ends(vb.nguoi_duoc_moi, ".")),
            c("toi_du", noi_dung=_ends(vb.toi_du, ".")),
        ]
        if vb.chu_tri:
            lines.append(c("chu_tri", noi_dung=_ends(vb.chu_tri, ".")))
        lines += [c("thoi_gian", noi_dung=_ends(vb.thoi_gian, ".")), c("dia_diem", noi_dung=_ends(vb.dia_diem, "."))]
        if vb.mang_theo:
            lines.append(c("mang_theo", noi_dung=_ends(vb.mang_theo, ".")))
        return lines + own
    if isinstance(vb, GiayGioiThieu):
        return [
            Giua(c("gioi_thieu", ben_gioi_thieu=vb.ben_gioi_thieu)),
            _ong_ba(vb.danh_xung, vb.nguoi_duoc_gioi_thieu, p),
            c("chuc_vu", noi_dung=vb.chuc_vu),
            c("duoc_cu_den", noi_dung=_ends(vb.duoc_cu_den, ".")),
            c("ve_viec", noi_dung=_ends(vb.ve_viec, ".")),
            *own,
            c("de_nghi_tao_dieu_kien", xung=_xung(vb.danh_xung, p)),
            c("co_gia_tri", ngay=_ngay_ngan(vb.co_gia_tri_den)),
        ]
    if isinstance(vb, BienBan):
        people = [Nut(gach=_ends(x, ";" if i < len(vb.thanh_phan) - 1 else ".")) for i, x in enumerate(vb.thanh_phan)]
        if len(vb.thanh_phan) == 1:
            thanh_phan: list[Any] = [c("thanh_phan", noi_dung=_ends(vb.thanh_phan[0], "."))]
        else:
            thanh_phan = [c("thanh_phan", noi_dung="").rstrip(), *people]
        chair = ", ".join(x for x in (vb.chu_tri.ho_ten, vb.chu_tri.chuc_vu) if x)
        secretary = ", ".join(x for x in (vb.thu_ky.ho_ten, vb.thu_ky.chuc_vu) if x)
        return [
            c("thoi_gian_bat_dau", noi_dung=_ends(vb.thoi_gian_bat_dau, ".")),
            c("dia_diem", noi_dung=_ends(vb.dia_diem, ".")),
            *thanh_phan,
            c("chu_toa", noi_dung=_ends(chair, ".")),
            c("thu_ky", noi_dung=_ends(secretary, ".")),
            c("noi_dung_bien_ban", cuoc_hop=vb.cuoc_hop),
            *own,
            c("ket_thuc_hop", cuoc_hop_hoa=viet_hoa_chu_dau(vb.cuoc_hop), luc=vb.ket_thuc_luc.rstrip(" .")),
        ]
    if isinstance(vb, GiayNghiPhep):
        return [
            c(
                "xet_don",
                ngay_don=_ngay_ngan(vb.ngay_don),
                xung=_xung(vb.danh_xung, p),
                ho_ten=vb.nguoi_nghi,
                ben_cap=vb.ben_cap,
            ),
            _ong_ba(vb.danh_xung, vb.nguoi_nghi, p),
            c("chuc_vu", noi_dung=vb.chuc_vu),
            c(
                "nghi_trong",
                so_ngay=str(vb.so_ngay),
                tu_ngay=_ngay_ngan(vb.tu_ngay),
                den_ngay=_ngay_ngan(vb.den_ngay),
                noi_nghi=vb.noi_nghi.rstrip(" ."),
            ),
            *own,
            c("tinh_vao", tinh_vao=vb.tinh_vao.rstrip(" .")),
        ]
    return own


def leave_confirmation(vb: VanBanChung, p: RuleProfile) -> dict[str, Any] | None:
    """Giấy nghỉ phép (mẫu 1.10): the confirmation box of the place of leave, bottom left.

    Its label, "(Chữ ký, dấu)", room to sign and stamp as under a signer's title, then the
    confirmer's name ("Họ và tên" of the mẫu) when the record knows it.
    """
    if not (isinstance(vb, GiayNghiPhep) and vb.xac_nhan_noi_nghi):
        return None
    room = Markup("<w:r>" + "<w:br/>" * max(p.bang_chu_ky.dong_trong_chu_ky - 1, 0) + "</w:r>")
    lines = [p.cau["xac_nhan_noi_nghi"], p.cau["chu_ky_xac_nhan"]]
    return {"dong": lines, "cho_ky": room, "ho_ten": vb.ho_ten_xac_nhan}


def build_context(
    vb: VanBanChung, p: RuleProfile, images: ImageSet, base_dir: Path, so: int | None = None
) -> dict[str, Any]:
    """The whole view model for one record. *so* overrides the record's number (register)."""
    number = so if so is not None else vb.so
    ky_hieu = ky_hieu_cua(vb, p)
    kind = p.loai_van_ban[vb.loai]
    so_ky_hieu = so_ky_hieu_in(number, ky_hieu, p)
    ten_loai = ten_loai_cua(vb, p)
    trich_yeu = trich_yeu_lines(vb.trich_yeu, p) if vb.IN_TRICH_YEU and vb.trich_yeu else []
    ctx: dict[str, Any] = {
        **header_lines(vb, p),
        "so_ky_hieu": dong_so_in(number, ky_hieu, p),
        "dia_danh_ngay": dong_dia_danh_ngay(vb.dia_danh, vb.ngay_ban_hanh) if kind.co_ngay else "",
        "ten_loai": ten_loai,
        "trich_yeu": trich_yeu,
        "duong_ke_ten_loai": short_line(ten_loai, p.co_chu.ten_loai, p.duong_ke.trich_yeu, p),
        "can_cu": can_cu_lines(vb, p),
        "doan": keep_end_with_signature(body_paragraphs(kind_body(vb, p), p, close=vb.ket_thuc)),
        **signatures(vb, p, images, base_dir),
        **recipients(vb),
        **kinh_gui(vb, p),
        "xac_nhan": leave_confirmation(vb, p),
        "phu_luc": appendices(vb, p, so_ky_hieu),
        "van_ban_kem_theo": issued_document(vb, p, so_ky_hieu),
        "ban_sao": copy_block(vb, p, images, base_dir),
        **box_context(vb, p, so_ky_hieu),
        "tham_quyen": "",
        "theo_de_nghi": "",
        "nhan_than": kind.nhan_than,
        "trich_yeu_cv": "",
    }
    if isinstance(vb, QuyetDinh):
        ctx["tham_quyen"] = viet_hoa(vb.tham_quyen) if vb.tham_quyen else ""
        ctx["theo_de_nghi"] = _can_cu(vb.theo_de_nghi, p.chu_de.dau_cuoi_can_cu, p) if vb.theo_de_nghi else ""
    if isinstance(vb, CongVan):
        ctx["trich_yeu_cv"] = trich_yeu_cong_van(vb.trich_yeu, p)
    return ctx
