"""The smaller boxes of NĐ30 Phụ lục I: ô 10a/10b (mật, khẩn), 11, 12, 13, 14 and "DỰ THẢO".

Texts, sizes, frame widths and ink come from the profile (``[o_phu]``); this module
only sizes the frames (a framed paragraph indented to its width) and fills the texts.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from congvan.profiles import RuleProfile
from congvan.records.models import BanSao, PhuLucRieng, VanBanChung, VanBanKemTheoRieng
from congvan.render.metrics import text_width_mm
from congvan.render.ooxml import CELL_MARGIN_TW, para, run, twips

_CELL_MARGIN_MM = CELL_MARGIN_TW * 25.4 / 1440


def framed(
    style: str,
    text: str,
    size: float,
    container_mm: float,
    width_mm: float | None,
    p: RuleProfile,
    *,
    align: str = "center",
    color: str | None = None,
) -> Markup:
    """A paragraph in a single-line frame *width_mm* wide (or fitted to the text)."""
    o = p.o_phu
    width = width_mm or text_width_mm(text, size, bold=True) + o.dem_khung_mm
    width = max(width, text_width_mm(text, size, bold=True) + 1)
    spare = max(container_mm - width, 0)
    left = {"center": spare / 2, "left": 0.0, "right": spare}[align]
    right = spare - left
    rpr = f'<w:color w:val="{color}"/>' if color else ""
    ind = f'<w:ind w:left="{twips(left)}" w:right="{twips(right)}"/>'
    return Markup(para(style, run(text, rpr), ind))


def o12(vb: VanBanChung, p: RuleProfile) -> str:
    """ô 12: "PL.(300)"; either part alone when only one is given."""
    if not vb.ky_hieu_nguoi_soan and not vb.so_ban_phat_hanh:
        return ""
    if vb.ky_hieu_nguoi_soan and vb.so_ban_phat_hanh:
        return p.o_phu.mau_o12.format(ky_hieu=vb.ky_hieu_nguoi_soan.upper(), so_ban=vb.so_ban_phat_hanh)
    return vb.ky_hieu_nguoi_soan.upper() if vb.ky_hieu_nguoi_soan else f"({vb.so_ban_phat_hanh})"


def o13(vb: VanBanChung, p: RuleProfile) -> list[str]:
    """ô 13 lines: address; phone, fax; e-mail, website (only the parts given)."""
    lh = vb.lien_he
    if lh is None:
        return []
    o = p.o_phu
    lines = [o.o13_dia_chi.format(dia_chi=lh.dia_chi)] if lh.dia_chi else []
    phone = [
        t
        for t in (
            lh.dien_thoai and o.o13_dien_thoai.format(dien_thoai=lh.dien_thoai),
            lh.fax and o.o13_fax.format(fax=lh.fax),
        )
        if t
    ]
    web = [
        t
        for t in (
            lh.email and o.o13_email.format(email=lh.email),
            lh.website and o.o13_website.format(website=lh.website),
        )
        if t
    ]
    return lines + [", ".join(x) for x in (phone, web) if x]


def o14_time(p: RuleProfile, when: Any) -> str:
    """The signing time of ô 14: "dd/mm/yyyy; hh:mm:ss +07:00" (ISO 8601 offset)."""
    o = p.o_phu
    return f"{when.strftime(o.mau_thoi_gian_o14)} {o.mui_gio_o14}"


def _o14_fill(template: str, **parts: str) -> str:
    """Fill an ô 14 template; a part not known yet (no signing time) drops with its separator."""
    text = template.format(**parts)
    return "; ".join(x for x in (piece.strip() for piece in text.split(";")) if x)


def o14(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> str:
    """The digital-signature text of an electronic copy or of a file issued on its own (appendix)."""
    bs: BanSao | None = vb.ban_sao
    o = p.o_phu
    if bs is not None and bs.dien_tu:
        when = o14_time(p, bs.thoi_gian_ky) if bs.thoi_gian_ky else ""
        form = p.ban_sao[bs.hinh_thuc].ten
        return _o14_fill(o.mau_o14_ban_sao, hinh_thuc=form, co_quan=bs.co_quan.ten, thoi_gian=when)
    if isinstance(vb, (PhuLucRieng, VanBanKemTheoRieng)) and vb.thoi_gian_ky:
        return _o14_fill(o.mau_o14_tep_rieng, so_ky_hieu=so_ky_hieu, thoi_gian=o14_time(p, vb.thoi_gian_ky))
    return ""


def box_context(vb: VanBanChung, p: RuleProfile, so_ky_hieu: str) -> dict[str, Any]:
    """Context keys for every box; empty values print nothing."""
    o = p.o_phu
    left_mm = p.bang_tieu_de.cot_trai_mm - 2 * _CELL_MARGIN_MM
    right_mm = p.bang_tieu_de.cot_phai_mm - 2 * _CELL_MARGIN_MM
    mat = framed("CVDauMat", vb.do_mat, o.co_chu_dau, left_mm, None, p, color=o.mau_dau) if vb.do_mat else ""
    khan = (
        framed("CVDauKhan", vb.do_khan, o.co_chu_dau, left_mm, o.rong_khung_khan_mm.get(vb.do_khan), p, color=o.mau_dau)
        if vb.do_khan
        else ""
    )
    pham_vi = framed("CVPhamVi", vb.pham_vi_luu_hanh, o.co_chu_dau, right_mm, None, p) if vb.pham_vi_luu_hanh else ""
    du_thao = (
        framed("CVDuThao", o.du_thao, o.co_chu_du_thao, p.trang.rong_chu_mm, None, p, align="left")
        if vb.du_thao
        else ""
    )
    return {
        "dau_mat": mat,
        "dau_khan": khan,
        "pham_vi_luu_hanh": pham_vi,
        "du_thao": du_thao,
        "o_12": o12(vb, p),
        "o_13": o13(vb, p),
        "o_14": o14(vb, p, so_ky_hieu),
    }
