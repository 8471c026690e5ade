"""Kiểm tra thể thức: compare a read DOCX with a rule profile, finding by finding.

Every value compared comes from the profile (``[kiem_tra]`` ranges and element
looks, fixed texts, authority prefixes); a finding says which rule, which element,
what the rule set wants (``can``), what the document has (``dang``), where, and how
to fix it, in Vietnamese. Placeholders of a mẫu are reported once per element as
unfilled (``chua_dien``) instead of as layout faults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from congvan.profiles import PhanTuKiemTra, RuleProfile
from congvan.reading.docx import Document, DocxUnreadable, Paragraph, read_docx
from congvan.reading.elements import (
    AUTHORITY,
    Recognized,
    Segment,
    is_placeholder,
    norm,
    profile_for_document,
    recognize,
)
from congvan.render.metrics import text_width_mm

LOI, CANH_BAO, CHUA_DIEN = "loi", "canh_bao", "chua_dien"
MUC_TEN = {LOI: "LỖI", CANH_BAO: "CẢNH BÁO", CHUA_DIEN: "CHƯA ĐIỀN"}
SIDES = {"tren": ("top", "trên"), "duoi": ("bottom", "dưới"), "trai": ("left", "trái"), "phai": ("right", "phải")}
LINE_NAMES = {"tieu_ngu": "Tiêu ngữ", "co_quan": "tên cơ quan ban hành", "trich_yeu": "trích yếu"}


@dataclass
class Finding:
    """One located fault: rule, element, wanted, found, where, fix, severity."""

    quy_tac: str
    phan_tu: str
    can: str
    dang: str
    o_dau: str
    sua: str
    muc: str = LOI

    def line(self) -> str:
        return (
            f"[{MUC_TEN[self.muc]}] {self.phan_tu} ({self.o_dau}): cần {self.can}; đang {self.dang}. "
            f"Sửa: {self.sua} [{self.quy_tac}]"
        )


@dataclass
class Report:
    file: str
    findings: list[Finding] = field(default_factory=list)
    elements: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    rec: Recognized | None = field(default=None, repr=False)
    quy_tac: str | None = None  # the rule set the document was checked under

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.muc == LOI]

    def count(self, muc: str) -> int:
        return sum(1 for f in self.findings if f.muc == muc)

    def as_dict(self) -> dict:
        return {
            "tep": self.file,
            "doc_duoc": self.error is None,
            "quy_tac": self.quy_tac,
            "loi_doc": self.error,
            "so_loi": self.count(LOI),
            "so_canh_bao": self.count(CANH_BAO),
            "so_chua_dien": self.count(CHUA_DIEN),
            "phan_tu": self.elements,
            "ket_qua": [asdict(f) for f in self.findings],
        }


def _fmt_pt(values: set[float]) -> str:
    return ", ".join(f"{v:g} pt" for v in sorted(values)) or "không rõ cỡ chữ"


def _range(lo: float, hi: float, unit: str) -> str:
    return f"{lo:g} {unit}" if lo == hi else f"{lo:g}–{hi:g} {unit}"


def _snippet(seg: Segment) -> str:
    text = seg.text.replace("\n", " ").strip()
    return f'{seg.where}: "{text[:40]}{"…" if len(text) > 40 else ""}"'


# Elements the renderer sets at another element's size (its styles read that co_chu value).
SIZE_OF = {"ban_hanh_kem_theo": "phu_luc_kem_theo", "dau_co_quan": "co_quan"}


def layout_size(profile: RuleProfile, key: str) -> float | None:
    """The size the renderer sets for an element: ``co_chu.<key>`` or ``o_phu.co_chu_<key>``."""
    key = SIZE_OF.get(key, key)
    size = getattr(profile.co_chu, key, None)
    return size if size is not None else getattr(profile.o_phu, f"co_chu_{key}", None)


# A document inside the document: (its name in findings, rule-id prefix, the elements it must have).
PARTS = {
    "issued": ("văn bản ban hành kèm theo", "kem_theo.", ["ten_loai", "trich_yeu", "ban_hanh_kem_theo"]),
    "copy": ("bản sao", "ban_sao.", ["hinh_thuc_sao", "co_quan", "so_ky_hieu", "noi_nhan_nhan", "chu_ky", "ho_ten"]),
    "e_copy": ("bản sao điện tử", "ban_sao.", ["o14"]),
}


class _Checker:
    def __init__(self, rec: Recognized, profile: RuleProfile, part: str | None = None) -> None:
        self.rec = rec
        self.p = profile
        self.k = profile.kiem_tra
        self.findings: list[Finding] = []
        self.unfilled: set[str] = set()
        self.part = part
        self._rules: dict[str, PhanTuKiemTra | None] = {}

    def add(self, *args: str, muc: str = LOI) -> None:
        finding = Finding(*args, muc=muc)
        if self.part is not None:  # say which inner document the finding is in
            name, prefix, _ = PARTS[self.part]
            finding.quy_tac = prefix + finding.quy_tac
            finding.phan_tu = f"{finding.phan_tu} ({name})"
        self.findings.append(finding)

    def rule(self, key: str) -> PhanTuKiemTra | None:
        """The element's rule; what the rule set leaves out is read from its layout: the size from
        ``co_chu``, bold/italic from ``kieu_chu.<key>_dam`` / ``<key>_nghieng`` when the profile has them."""
        if key not in self._rules:
            rule = self.k.phan_tu.get(key)
            if rule is not None:
                update: dict = {}
                if rule.co is None:
                    size = layout_size(self.p, key)
                    update["co"] = (size, size) if size is not None else None
                for flag, suffix in (("dam", "_dam"), ("nghieng", "_nghieng")):
                    look = getattr(self.p.kieu_chu, key + suffix, None)
                    if getattr(rule, flag) is None and look is not None:
                        update[flag] = look
                rule = rule.model_copy(update=update) if update else rule
                rule = None if rule.co is None else rule
            self._rules[key] = rule
        return self._rules[key]

    def _line_name(self, key: str) -> str:
        """What a line rules: without a Tiêu ngữ (Party, Đoàn) the full-length line is under the tiêu đề."""
        if key == "tieu_ngu" and not self.p.chu_de.tieu_ngu:
            rule = self.rule("quoc_hieu")
            return rule.ten if rule else "tiêu đề"
        return LINE_NAMES[key]

    def margins(self) -> dict[str, tuple[float, float]]:
        """Margin ranges: the rule set's [kiem_tra.le_mm], or its layout's own margins."""
        if self.k.le_mm is not None:
            return self.k.le_mm.model_dump()
        t = self.p.trang
        own = {"tren": t.le_tren_mm, "duoi": t.le_duoi_mm, "trai": t.le_trai_mm, "phai": t.le_phai_mm}
        return {side: (v, v) for side, v in own.items()}

    def line_shares(self) -> dict[str, tuple[float, float] | None]:
        """Rule-line shares: [kiem_tra.duong_ke], or the layout's [duong_ke] (no line under a body
        marked with the rule set's sign, e.g. the Party's "*")."""
        if self.k.duong_ke is not None:
            return self.k.duong_ke.model_dump()
        d = self.p.duong_ke
        return {
            "tieu_ngu": (d.tieu_ngu, d.tieu_ngu),
            "co_quan": None if self.p.chu_de.dau_co_quan else (d.co_quan, d.co_quan),
            "trich_yeu": (d.trich_yeu, d.trich_yeu),
            "ban_sao": None,
        }

    # ------------------------------------------------------------ placeholders
    def placeholders(self) -> None:
        for key, segs in self.rec.elements.items():
            marked = [s for s in segs if is_placeholder(s.plain, self.p) or s.superscripts]
            if not marked:
                continue
            self.unfilled.add(key)
            rule = self.rule(key)
            name = rule.ten if rule else key
            more = f" (và {len(marked) - 1} chỗ khác)" if len(marked) > 1 else ""
            self.add(
                "chua_dien",
                name,
                "nội dung thật của văn bản",
                "chữ mẫu hoặc dòng chấm chưa điền",
                _snippet(marked[0]) + more,
                "thay chữ mẫu, dòng chấm và số chú thích nhỏ (¹ ²) bằng nội dung thật",
                muc=CHUA_DIEN,
            )

    # ------------------------------------------------------------ element looks
    def looks(self) -> None:
        for key, segs in self.rec.elements.items():
            rule = self.rule(key)
            if rule is None:
                continue
            self._sizes(key, rule, segs)
            if key == "than":
                continue  # headings in the body are bold, emphasis is free
            for seg in segs:
                if not is_placeholder(seg.plain, self.p):  # dotted places carry no look of their own
                    self._style(key, rule, seg)

    def _sizes(self, key: str, rule: PhanTuKiemTra, segs: list[Segment]) -> None:
        lo, hi = rule.co
        bad = [s for s in segs if any(v < lo or v > hi for v in s.sizes()) and not is_placeholder(s.plain, self.p)]
        if not bad:
            return
        found: set[float] = set()
        for s in bad:
            found |= {v for v in s.sizes() if v < lo or v > hi}
        more = f" (cùng {len(bad) - 1} đoạn khác)" if len(bad) > 1 else ""
        target = hi if max(found) > hi else lo
        self.add(
            f"co_chu.{key}",
            rule.ten,
            f"cỡ chữ {_range(lo, hi, 'pt')}",
            _fmt_pt(found),
            _snippet(bad[0]) + more,
            f"chọn đoạn, đặt cỡ chữ {target:g} (hoặc sửa kiểu đoạn của nó)",
        )

    def _style(self, key: str, rule: PhanTuKiemTra, seg: Segment) -> None:
        runs = seg.visible()
        if not runs:
            return
        checks = (
            ("dam", rule.dam, [r.bold for r in runs], "chữ đậm", "chữ không đậm", "bấm Ctrl+B"),
            ("nghieng", rule.nghieng, [r.italic for r in runs], "chữ nghiêng", "chữ đứng", "bấm Ctrl+I"),
        )
        for name, want, values, yes, no, key_hint in checks:
            if want is None:
                continue
            if want and not all(values):
                self.add(
                    f"kieu_chu.{key}.{name}",
                    rule.ten,
                    yes,
                    no if not any(values) else f"một phần {no}",
                    _snippet(seg),
                    f"chọn cả đoạn, {key_hint} để đặt {yes}",
                )
            elif not want and any(values):
                self.add(
                    f"kieu_chu.{key}.{name}",
                    rule.ten,
                    no,
                    yes if all(values) else f"một phần {yes}",
                    _snippet(seg),
                    f"chọn cả đoạn, {key_hint} để bỏ {yes}",
                )
        if rule.hoa and key not in self.unfilled:
            shown = seg.plain
            if any(c.isalpha() for c in shown) and shown != shown.upper():
                self.add(
                    f"kieu_chu.{key}.hoa",
                    rule.ten,
                    "chữ in hoa",
                    "có chữ thường",
                    _snippet(seg),
                    "gõ lại bằng chữ in hoa (hoặc đặt Font > All caps)",
                )

    # ------------------------------------------------------------ presence
    def presence(self) -> None:
        if self.part is not None:
            needed = PARTS[self.part][2]
        elif self.rec.attached:
            needed = ["phu_luc_nhan"] if "phu_luc_nhan" in self.rec.elements else ["ten_loai"]
        else:
            needed = ["quoc_hieu", "tieu_ngu", "co_quan", "so_ky_hieu", "noi_nhan_nhan", "chu_ky", "ho_ten"]
            needed += ["trich_yeu_cong_van"] if self.rec.cong_van else ["ten_loai", "trich_yeu"]
            if not self.p.chu_de.tieu_ngu:  # Party, Đoàn: no Tiêu ngữ; their sign under the body's name
                needed.remove("tieu_ngu")
            if self.p.chu_de.dau_co_quan:
                needed.append("dau_co_quan")
        for key in needed:
            if self.rec.elements.get(key):
                continue
            rule = self.rule(key)
            name = rule.ten if rule else key
            if key == "trich_yeu" and not self._prints_trich_yeu():
                continue  # giấy giới thiệu, giấy nghỉ phép: the kind prints no trích yếu
            # a kind not known by its type name may still lack one: a warning, not a fault
            muc = CANH_BAO if key == "trich_yeu" else LOI
            self.add(
                f"thieu.{key}",
                name,
                "có mặt trong văn bản",
                "không tìm thấy",
                "toàn văn bản",
                f"thêm {name.lower()} đúng vị trí theo {self.p.ten_ngan}",
                muc=muc,
            )

    def _prints_trich_yeu(self) -> bool:
        """Whether the kind named by the type name prints a trích yếu (the record model says so)."""
        from typing import get_args

        from congvan.records.models import KINDS

        title = norm(self.rec.text("ten_loai"))
        keys = [k for k, v in self.p.loai_van_ban.items() if v.ten_loai and norm(v.ten_loai) == title]
        by_key = {get_args(cls.model_fields["loai"].annotation)[0]: cls for cls in KINDS}
        return not keys or any(by_key[k].IN_TRICH_YEU for k in keys if k in by_key)

    # ------------------------------------------------------------ lines
    def lines(self) -> None:
        for key, share in self.line_shares().items():
            if share is None or key == "ban_sao":
                continue
            lo, hi = share
            sources = self.rec.line_sources.get(key) or []
            if not sources or key in self.unfilled or (key == "trich_yeu" and self.rec.cong_van):
                continue
            rule = self.rule(key)
            size = max((v for s in sources for v in s.sizes()), default=None)
            if size is None:
                continue
            width = max(text_width_mm(x, size, bold=bool(s.bold())) for s in sources for x in s.plain.split("\n"))
            width = min(width, max(s.para.width_mm for s in sources) or width)
            line = self.rec.lines.get(key)
            name = self._line_name(key)
            wanted = f"đường kẻ liền dài {lo:.0%}–{hi:.0%} độ dài {name} ({lo * width:.0f}–{hi * width:.0f} mm)"
            if key == "tieu_ngu":
                wanted = f"đường kẻ liền dài bằng {name} (khoảng {width:.0f} mm)"
            if line is None:
                self.add(
                    f"duong_ke.{key}",
                    f"Đường kẻ dưới {self._line_name(key)}",
                    wanted,
                    "không có đường kẻ",
                    _snippet(sources[-1]),
                    "thêm đường kẻ (viền dưới của một đoạn trống, hoặc hình đường thẳng)",
                )
                continue
            share = line.length_mm / width if width else 0
            tol = self.k.sai_so_duong_ke
            if share < lo - tol or share > hi + tol:
                kind = {"vien": "viền đoạn", "hinh": "hình vẽ", "gach_duoi": "dòng gạch dưới"}[line.kind]
                self.add(
                    f"duong_ke.{key}",
                    f"Đường kẻ dưới {self._line_name(key)}",
                    wanted,
                    f"{kind} dài {line.length_mm:.0f} mm = {share:.0%} độ dài chữ "
                    f"({width:.0f} mm, {rule.ten if rule else key})",
                    line.where,
                    f"đổi độ dài đường kẻ thành khoảng {(lo + hi) / 2 * width:.0f} mm, đặt giữa",
                )

    def copy_line(self, doc: Document) -> None:
        """The full-width solid line that separates a copy block from the original."""
        share = self.line_shares().get("ban_sao")
        if share is None or self.part != "copy":
            return
        width = doc.sections[-1].text_width_mm if doc.sections else self.p.trang.rong_chu_mm
        line = self.rec.lines.get("ban_sao")
        wanted = f"đường kẻ liền hết chiều ngang vùng trình bày (khoảng {width:.0f} mm)"
        fix = "thêm một đoạn trống có viền dưới chạy hết lề trái đến lề phải, ngay trên khối bản sao"
        if line is None:
            first = self.rec.first("hinh_thuc_sao")
            where = _snippet(first) if first else "khối bản sao"
            self.add("duong_ke", "Đường kẻ trên khối bản sao", wanted, "không có đường kẻ", where, fix)
        elif not share[0] - self.k.sai_so_duong_ke <= line.length_mm / width <= share[1] + self.k.sai_so_duong_ke:
            self.add(
                "duong_ke",
                "Đường kẻ trên khối bản sao",
                wanted,
                f"dài {line.length_mm:.0f} mm = {line.length_mm / width:.0%} chiều ngang",
                line.where,
                fix,
            )

    def one_line(self) -> None:
        """Quốc hiệu and Tiêu ngữ each fit on one line of their column."""
        for key in ("quoc_hieu", "tieu_ngu"):
            seg = self.rec.first(key)
            if seg is None or not seg.sizes():
                continue
            width = max(text_width_mm(x, max(seg.sizes()), bold=bool(seg.bold())) for x in seg.plain.split("\n"))
            room = seg.para.width_mm - seg.para.ind_mm("left") - seg.para.ind_mm("right")
            if room > 0 and width > room + 0.5:
                rule = self.rule(key)
                self.add(
                    f"mot_dong.{key}",
                    rule.ten if rule else key,
                    "nằm trên một dòng",
                    f"chữ dài {width:.0f} mm, cột chỉ rộng {room:.0f} mm: xuống hai dòng",
                    _snippet(seg),
                    "nới rộng cột phải của bảng tiêu đề (hoặc giảm lề thụt của đoạn)",
                )

    # ------------------------------------------------------------ fonts, page
    def fonts(self, doc: Document) -> None:
        want = self.p.phong_chu.ten
        bad: list[Paragraph] = []
        names: set[str] = set()
        for para in doc.paragraphs() + doc.header_footer_paragraphs():
            wrong = {f for r in para.visible_runs() for f in r.fonts if f != want}
            if wrong:
                bad.append(para)
                names |= wrong
        if bad:
            self.add(
                "phong_chu",
                "Phông chữ",
                want,
                ", ".join(sorted(names)),
                f'{bad[0].where}: "{bad[0].text.strip()[:40]}"'
                + (f" (cùng {len(bad) - 1} đoạn khác)" if len(bad) > 1 else ""),
                f"chọn toàn văn bản (Ctrl+A), đặt phông {want}",
            )

    def page(self, doc: Document) -> None:
        t = self.p.trang
        tol = self.k.sai_so_mm
        for s in doc.sections:
            where = f"mục {s.index + 1} (Bố cục > Lề)"
            dims = sorted((s.page_w_mm, s.page_h_mm))
            if abs(dims[0] - min(t.rong_mm, t.cao_mm)) > tol or abs(dims[1] - max(t.rong_mm, t.cao_mm)) > tol:
                self.add(
                    "trang.kho_giay",
                    "Khổ giấy",
                    f"A4 {t.rong_mm:g}×{t.cao_mm:g} mm",
                    f"{s.page_w_mm:.0f}×{s.page_h_mm:.0f} mm",
                    where,
                    "Bố cục > Khổ giấy > A4",
                )
            ranges = self.margins()
            for side, (attr, label) in SIDES.items():
                lo, hi = ranges[side]
                value = s.margins_mm.get(attr)
                if value is None or lo - tol <= value <= hi + tol:
                    continue
                self.add(
                    f"le.{side}",
                    f"Lề {label}",
                    _range(lo, hi, "mm"),
                    f"{value:.1f} mm",
                    where,
                    f"Bố cục > Lề > Tùy chỉnh: đặt lề {label} {min(max(value, lo), hi):g} mm",
                )

    def page_numbers(self, doc: Document) -> None:
        if not self.p.trang.so_trang_tu_trang_2 or not doc.sections:
            return
        first = doc.sections[0]
        for part in first.first_page_parts():
            numbered = [p for p in part if any("PAGE" in f.upper().split() for f in p.fields)]
            if numbered:
                self.add(
                    "so_trang.trang_1",
                    "Số trang",
                    "không đánh số trang ở trang 1",
                    "trang 1 có số trang",
                    numbered[0].where,
                    "Chèn > Đầu trang > chọn 'Trang đầu khác' (Different First Page), để trống đầu trang 1",
                )
                break
        rule = self.rule("so_trang")
        for para in doc.header_footer_paragraphs():
            if rule and any("PAGE" in f.upper().split() for f in para.fields):
                sizes = {r.size_pt for r in para.runs if r.size_pt} or set()
                lo, hi = rule.co
                if any(v < lo or v > hi for v in sizes):
                    self.add(
                        "co_chu.so_trang",
                        rule.ten,
                        f"cỡ chữ {_range(lo, hi, 'pt')}",
                        _fmt_pt(sizes),
                        para.where,
                        "chọn số trang ở đầu trang, đặt cỡ chữ 14",
                    )
                    break

    # ------------------------------------------------------------ signature, Nơi nhận
    def authority(self) -> None:
        q = self.p.quyen_han
        valid = {code: q.tien_to(code) for code in ("TM", "KT", "TL", "TUQ", "Q")}
        for block in self.rec.signatures:
            for n, seg in enumerate(block.lines):
                m = AUTHORITY.match(seg.plain)
                if not m:
                    continue
                code = m.group(1).replace("/", "").replace(" ", "").upper()
                written = (m.group(1) + m.group(2)).replace(" ", "")
                expected = valid.get(code)
                if expected is None or "chua_dien" in self.unfilled:
                    continue
                if written != expected:
                    self.add(
                        "quyen_han.viet",
                        "Quyền hạn ký",
                        f'"{expected} {m.group(3)}"',
                        f'"{seg.plain.strip()}"',
                        _snippet(seg),
                        f'viết "{expected}" (chữ in hoa, dấu chấm, không gạch chéo)',
                    )
                if code in q.can_chuc_vu and n == len(block.lines) - 1:
                    self.add(
                        "quyen_han.chuc_vu",
                        "Chức vụ người ký",
                        f'dòng chức vụ của người ký dưới "{expected} …"',
                        "không có",
                        _snippet(seg),
                        "thêm chức vụ của người ký (ví dụ PHÓ CHỦ TỊCH) dưới dòng quyền hạn",
                    )

    def recipients(self) -> None:
        items = self.rec.noi_nhan
        if not items or ("noi_nhan" in self.unfilled and not any(self.k.nhan_luu in s.plain for s in items)):
            if self.rec.elements.get("noi_nhan_nhan") and not items:
                self.add(
                    "noi_nhan.luu",
                    "Nơi nhận",
                    f'dòng cuối "- {self.p.chu_de.vi_du_luu}"',
                    "không có nơi nhận nào",
                    _snippet(self.rec.elements["noi_nhan_nhan"][0]),
                    f'thêm các nơi nhận và dòng "- {self.p.chu_de.vi_du_luu}."',
                )
            return
        texts = [s.plain.lstrip("-–• ").strip() for s in items if s.plain.lstrip("-–• ").strip()]
        last = next((t for t in reversed(texts) if not t.startswith("(")), "")
        if not norm(last).startswith(norm(self.k.nhan_luu)):
            self.add(
                "noi_nhan.luu",
                "Nơi nhận",
                f'dòng cuối "- {self.p.chu_de.vi_du_luu}"',
                f'dòng cuối "{last[:40]}"',
                _snippet(items[-1]),
                f'thêm dòng cuối "- {self.p.chu_de.vi_du_luu}."',
            )

    def run(self, doc: Document) -> list[Finding]:
        self.placeholders()
        self.presence()
        self.looks()
        self.lines()
        self.one_line()
        self.fonts(doc)
        self.page(doc)
        self.page_numbers(doc)
        self.authority()
        self.recipients()
        for part, sub in self.parts():
            self.findings += _Checker(sub, self.p, part).run_part(doc)
        return self.findings

    def parts(self) -> list[tuple[str, Recognized]]:
        """The documents inside this one: an issued quy chế (mẫu 1.3), a copy block or ô 14."""
        out = []
        if self.rec.issued is not None:
            out.append(("issued", self.rec.issued))
        if self.rec.copy is not None:
            out.append(("e_copy" if "o14" in self.rec.copy.elements else "copy", self.rec.copy))
        return out

    def run_part(self, doc: Document) -> list[Finding]:
        """An inner document is checked by its own elements' rules; page, font and numbers are the file's."""
        self.placeholders()
        self.presence()
        self.looks()
        self.lines()
        self.copy_line(doc)
        self.authority()
        if self.part == "copy":
            self.recipients()
        return self.findings


def element_summary(rec: Recognized) -> dict[str, list[str]]:
    """Element key -> where each was found (for --json and the tests); inner documents prefixed."""
    out = {key: [s.where for s in segs] for key, segs in rec.elements.items() if key != "than"} | {
        "than": [f"{len(rec.elements.get('than', []))} đoạn"]
    }
    for prefix, sub in (("kem_theo.", rec.issued), ("ban_sao.", rec.copy)):
        if sub is not None:
            out |= {prefix + key: where for key, where in element_summary(sub).items()}
    return out


def check_document(doc: Document, profile: RuleProfile | None = None) -> tuple[Recognized, list[Finding]]:
    profile = profile or profile_for_document(doc)
    rec = recognize(doc, profile)
    return rec, _Checker(rec, profile).run(doc)


def check_file(source: Path | bytes, profile: RuleProfile | None = None, name: str | None = None) -> Report:
    """Read and check one DOCX under *profile*, or under the rule set the document shows when None;
    an unreadable file gives a report with ``error`` set."""
    display = name or str(source)
    try:
        doc = read_docx(source, name=display)
    except DocxUnreadable as exc:
        return Report(display, error=str(exc.problems[0].message))
    profile = profile or profile_for_document(doc)
    rec, findings = check_document(doc, profile)
    return Report(display, findings, element_summary(rec), rec=rec, quy_tac=profile.ma)
