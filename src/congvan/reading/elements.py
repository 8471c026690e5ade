"""Find the parts of a văn bản (NĐ30 Phụ lục I ô 1–9) in a read DOCX.

Recognition works on text and position, not on our own style names, so it reads
documents typed in Word: a two-column header table, stacked paragraphs, a line
split by tabs, or text boxes. Fixed texts (Quốc hiệu, Tiêu ngữ, "Số:", "Nơi
nhận:", authority prefixes, type names) come from the rule profile.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache

from congvan.profiles import RuleProfile, all_profiles, load_profile, profile_for_body
from congvan.reading.docx import Document, Paragraph, Run, Table
from congvan.render.metrics import text_width_mm

SUPERSCRIPT_SCALE = 0.58  # Word and LibreOffice set superscript at 58 % of the size
DATE_LINE = re.compile(r",?\s*ngày\s+\S*.*\s+tháng\s+.*\s+năm(\s|$)", re.IGNORECASE)
DOTS = re.compile(r"(\.{5,}|…{2,}|…\.|\.…|…\s*\d|\d\s*…|\.{3}\s*\d+\s*\.{2,})")
UNDERSCORES = re.compile(r"^\s*_{3,}\s*$")
AUTHORITY = re.compile(r"^\s*(T\s*/\s*M|K\s*/\s*T|T\s*/\s*L|T\s*U\s*Q|TM|KT|TL|TUQ|Q)(\s*[./:]?)\s+(\S.*)$")


@lru_cache(maxsize=4096)
def norm(text: str) -> str:
    """Upper case, NFC, one space, unified hyphens and old-style 'HOÀ' accents."""
    text = unicodedata.normalize("NFC", text).upper()
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    text = re.sub(r"\s*-\s*", " - ", text)
    text = text.replace("OÀ", "ÒA").replace("OÁ", "ÓA").replace("OẠ", "ỌA").replace("UỶ", "ỦY")
    return re.sub(r"\s+", " ", text).strip()


_FIELD = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=256)
def _pattern(template: str) -> re.Pattern[str]:
    """'{ben_moi} trân trọng kính mời: {nguoi_duoc_moi}' -> a regex with one group per field."""
    parts = _FIELD.split(template.strip())
    out = []
    seen: set[str] = set()
    for i, part in enumerate(parts):
        if i % 2 == 0 and part.endswith(" "):
            # a space before a last, empty field is not printed ("Thành phần tham dự:")
            last = i == len(parts) - 3 and not parts[-1]
            out.append(re.escape(part.rstrip()) + (r"\s*" if last else r"\s+"))
        elif i % 2 == 0:
            out.append(re.escape(part))
        elif part in seen:
            out.append(".*?")
        else:
            seen.add(part)
            out.append(f"(?P<{part}>.*?)")
    return re.compile("^" + "".join(out) + "$", re.DOTALL)


def match_template(template: str, text: str) -> dict[str, str] | None:
    """The fields of a profile template ('{hinh_thuc}; {co_quan}; {thoi_gian}') in *text*, or None."""
    m = _pattern(template).match(" ".join(text.split()))
    return None if m is None else {k: v.strip() for k, v in m.groupdict().items()}


def match_cau(profile: RuleProfile, key: str, text: str) -> dict[str, str] | None:
    """The fields of profile sentence *key* in *text*, or None when the text is not that sentence."""
    template = profile.cau.get(key)
    return None if template is None else match_template(template, text)


#: mẫu 1.3: the sentences of the line under the title of a document issued with a decision, the
#: fuller first ("… ngày … của <cơ quan>)" would otherwise be read as a date ending "… của …"),
#: then the older "(Ban hành kèm theo …)" wording a profile may list as read-only (``…_cu``).
BAN_HANH_KEM_THEO = ("ban_hanh_kem_theo_cua", "ban_hanh_kem_theo", "ban_hanh_kem_theo_cua_cu", "ban_hanh_kem_theo_cu")


def match_ban_hanh(profile: RuleProfile, text: str) -> dict[str, str] | None:
    """The fields of the '(Kèm theo … [của …])' line of an issued document in *text* (or its older
    '(Ban hành kèm theo …)' wording), or None when it is not that line."""
    return next((m for key in BAN_HANH_KEM_THEO if (m := match_cau(profile, key, text)) is not None), None)


@dataclass
class Segment:
    """A piece of a paragraph: the whole paragraph, or one tab-separated column of it."""

    para: Paragraph
    runs: list[Run]
    column: int = 0
    split: bool = False  # one of several tab columns of its paragraph

    @property
    def text(self) -> str:
        body = "".join(r.text.upper() if r.caps else r.text for r in self.runs)
        if self.column == 0 and self.para.label:
            body = f"{self.para.label} {body}"
        return body.strip()

    @property
    def plain(self) -> str:
        """Text without superscript note numbers (the mẫu's ¹ ² ³)."""
        return "".join(r.text.upper() if r.caps else r.text for r in self.runs if not r.superscript).strip()

    @property
    def one_line(self) -> str:
        """The text with soft line breaks (w:br) read as the spaces they stand for."""
        return re.sub(r"\s*\n\s*", " ", self.plain).strip()

    @property
    def where(self) -> str:
        return self.para.where if self.column == 0 else f"{self.para.where}, cột {self.column + 1}"

    def visible(self) -> list[Run]:
        return [r for r in self.runs if r.text.strip() and not r.superscript]

    def sizes(self) -> set[float]:
        return {r.size_pt for r in self.visible() if r.size_pt is not None}

    def bold(self) -> bool | None:
        runs = self.visible()
        if not runs:
            return None
        return all(r.bold for r in runs) if all(r.bold for r in runs) or not any(r.bold for r in runs) else None

    def italic(self) -> bool | None:
        runs = self.visible()
        if not runs:
            return None
        return all(r.italic for r in runs) if all(r.italic for r in runs) or not any(r.italic for r in runs) else None

    def fonts(self) -> set[str]:
        return {f for r in self.visible() for f in r.fonts}

    @property
    def superscripts(self) -> bool:
        return any(r.superscript and r.text.strip().isdigit() for r in self.runs)


@dataclass
class RuleLine:
    """A solid line drawn under a text: as a border, a drawn shape or underscores."""

    length_mm: float
    kind: str  # "vien" (border) | "hinh" (shape) | "gach_duoi" (underscores)
    where: str


@dataclass
class SignatureBlock:
    lines: list[Segment]
    name: Segment | None
    notes: list[Segment] = field(default_factory=list)
    where: str = ""


@dataclass
class Recognized:
    """Everything found; ``elements`` maps a profile element key to its segments."""

    doc: Document
    elements: dict[str, list[Segment]] = field(default_factory=dict)
    lines: dict[str, RuleLine | None] = field(default_factory=dict)
    line_sources: dict[str, list[Segment]] = field(default_factory=dict)
    header_table: Table | None = None
    body: list[Segment] = field(default_factory=list)
    signatures: list[SignatureBlock] = field(default_factory=list)
    noi_nhan: list[Segment] = field(default_factory=list)
    appendices: list[list[Segment]] = field(default_factory=list)
    unplaced: list[Segment] = field(default_factory=list)
    cong_van: bool = False
    attached: bool = False  # an appendix or a document issued with another ("Kèm theo ...")
    quyet_dinh_label: Segment | None = None
    issued: Recognized | None = None  # mẫu 1.3: the quy chế/quy định issued after the Quyết định
    copy: Recognized | None = None  # Phụ lục I Phần II: the bản sao block (paper) or ô 14 (electronic)

    def first(self, key: str) -> Segment | None:
        found = self.elements.get(key) or []
        return found[0] if found else None

    def text(self, key: str) -> str:
        """The element's text on one line: a line break inside it (w:br in ô 2) reads as a space."""
        return " ".join(" ".join(s.plain for s in self.elements.get(key, [])).split())


def segments(para: Paragraph) -> list[Segment]:
    """Split a paragraph at tabs into columns; a plain paragraph is one segment."""
    if not any("\t" in r.text for r in para.runs):
        return [Segment(para, para.runs)]
    columns: list[list[Run]] = [[]]
    for r in para.runs:
        pieces = r.text.split("\t")
        for i, piece in enumerate(pieces):
            if i:
                columns.append([])
            if piece:
                columns[-1].append(replace(r, text=piece))
    texts = ["".join(x.text for x in runs).strip() for runs in columns]
    filled = [i for i, t in enumerate(texts) if t]
    lines = len(filled) >= 2 and all(UNDERSCORES.match(texts[i]) for i in filled)
    if not lines and (
        len(filled) < 2 or LABEL.match(texts[filled[0]]) or not any(_column_like(texts[i]) for i in filled[1:])
    ):
        return [Segment(para, para.runs)]
    return [Segment(para, columns[i], n, split=True) for n, i in enumerate(filled)]


LABEL = re.compile(r"^([IVXLC]+\.|\d+(\.\d+)*\.?|[a-zđ]\)|[-+–]|Điều \d+\.?)$")


def _column_like(text: str) -> bool:
    """A tab column of a typed header or closing line: upper-case text or a date line."""
    letters = [c for c in text if c.isalpha()]
    return (len(letters) >= 3 and text.upper() == text) or bool(DATE_LINE.search(text)) or text.startswith("Độc lập")


def _column_key(where: str) -> str:
    """'bảng 2, hàng 3, ô 1, đoạn 2' -> 'bảng 2, ô 1': one column of a closing table."""
    return re.sub(r"hàng \d+, ", "", where.rsplit(", đoạn", 1)[0])


def _is_title(seg: Segment) -> bool:
    return seg.plain.isupper() or bool(AUTHORITY.match(seg.plain))


def _split_blocks(group: list[Segment]) -> list[list[Segment]]:
    """One column of a signature table may hold several blocks: a title after a name starts the next."""
    out: list[list[Segment]] = [[]]
    named = False
    for seg in group:
        if _is_title(seg) and named:
            out.append([])
            named = False
        out[-1].append(seg)
        if not _is_title(seg) and not seg.plain.startswith("("):
            named = True
    return [b for b in out if b]


def _row_col(where: str) -> tuple[int, int]:
    """(row, column) of the innermost cell named in a location, for reading order of blocks."""
    rows = re.findall(r"hàng (\d+)", where)
    cols = re.findall(r"ô (\d+)", where)
    return (int(rows[-1]) if rows else 0, int(cols[-1]) if cols else 0)


def is_blank(seg: Segment) -> bool:
    return not seg.text.strip()


def is_placeholder(text: str, profile: RuleProfile) -> bool:
    """Dotted lines, or a mẫu text such as 'TÊN CƠ QUAN, TỔ CHỨC'."""
    if DOTS.search(text):
        return True
    upper = norm(text)
    return any(w in upper for w in _placeholder_words(tuple(profile.kiem_tra.cho_trong if profile.kiem_tra else ())))


@lru_cache(maxsize=8)
def _placeholder_words(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(norm(w) for w in words)


def line_of(seg: Segment) -> RuleLine | None:
    """The rule a segment draws: underscores, a bottom border on an empty line, or a shape."""
    para = seg.para
    if seg.para.shapes and is_blank(seg):
        return RuleLine(max(s.width_mm for s in para.shapes), "hinh", para.where)
    if UNDERSCORES.match(seg.text):
        return RuleLine(sum(run_width_mm(r) for r in seg.runs if r.text.strip()), "gach_duoi", seg.where)
    if is_blank(seg) and para.border("bottom"):
        return RuleLine(border_length_mm(para), "vien", para.where)
    return None


def run_width_mm(run: Run, default_pt: float = 12) -> float:
    """Advance width of a run; superscript text is set at SUPERSCRIPT_SCALE of its size."""
    size = (run.size_pt or default_pt) * (SUPERSCRIPT_SCALE if run.superscript else 1)
    return text_width_mm(run.text.strip(), size, bold=run.bold, italic=run.italic)


def border_length_mm(para: Paragraph) -> float:
    """A paragraph border runs between the paragraph's indents."""
    return max(para.width_mm - para.ind_mm("left") - para.ind_mm("right"), 0.0)


class _Recognizer:
    def __init__(self, doc: Document, profile: RuleProfile, parent: _Recognizer | None = None) -> None:
        self.doc = doc
        self.p = profile
        self.out = Recognized(doc)
        self.used: set[int] = set()
        if parent is not None:  # a document inside the document (issued quy chế, copy block)
            self.segs: list[Segment] = []
            self.tables, self.columns = parent.tables, parent.columns
            return
        self.segs = [s for para in doc.paragraphs() for s in segments(para)]
        self.tables: dict[int, Table] = {}  # paragraph id -> outermost table holding it
        self.columns: dict[int, int] = {}  # paragraph id -> column of its outermost table
        for table in doc.tables():
            for row in table.rows:
                for c, cell in enumerate(row):
                    for para in cell.paragraphs():
                        if id(para) not in self.tables:
                            self.tables[id(para)] = table
                            self.columns[id(para)] = c

    def child(self, segs: list[Segment]) -> _Recognizer:
        sub = _Recognizer(self.doc, self.p, parent=self)
        sub.segs = segs
        return sub

    def mark(self, key: str, seg: Segment) -> None:
        self.out.elements.setdefault(key, []).append(seg)
        self.used.add(id(seg))

    def find(self, predicate, start: int = 0) -> int | None:
        for i in range(start, len(self.segs)):
            if predicate(self.segs[i]):
                return i
        return None

    # ---------------------------------------------------------------- header
    def header(self) -> int:
        """Mark ô 1–4; return the index after the header zone."""
        qh, tn = norm(self.p.chu_de.quoc_hieu), norm(self.p.chu_de.tieu_ngu)
        i_qh = self.find(lambda s: norm(s.plain) == qh)
        if i_qh is None:
            i_qh = self.find(lambda s: qh in norm(s.plain))
        if i_qh is None:
            return 0
        self.mark("quoc_hieu", self.segs[i_qh])
        i_tn = self.find(lambda s: norm(s.plain) == tn or norm(s.plain).startswith(tn), i_qh + 1) if tn else None
        if not tn:  # a Party/Đoàn heading has no Tiêu ngữ: the full-length line rules the tiêu đề itself
            self.out.line_sources["tieu_ngu"] = [self.segs[i_qh]]
            self.out.lines["tieu_ngu"] = self._line_after(i_qh, self.segs[i_qh])
        if i_tn is not None:
            self.mark("tieu_ngu", self.segs[i_tn])
            self.out.line_sources["tieu_ngu"] = [self.segs[i_tn]]
            self.out.lines["tieu_ngu"] = self._line_after(i_tn, self.segs[i_tn])
        qh_para = self.segs[i_qh].para
        table = self._table_of(qh_para)
        self.out.header_table = table
        if table is not None:
            zone = [i for i, s in enumerate(self.segs) if self._table_of(s.para) is table]
        else:
            end = self.find(lambda s: bool(DATE_LINE.search(s.plain)), i_qh)
            end = end if end is not None else (i_tn or i_qh)
            vv = self.p.chu_de.tien_to_vv
            while vv and end + 1 < len(self.segs) and self.segs[end + 1].plain.startswith(vv):
                end += 1  # a typed header's "V/v …" under the number line, after the date's tab column
            zone = list(range(0, end + 1))
        self._marks(range(0, min(max(zone, default=i_qh) + 3, len(self.segs))))
        left = [i for i in zone if self._column(self.segs[i]) == 0 and i not in (i_qh, i_tn)]
        left = [i for i in left if id(self.segs[i]) not in self.used]
        right = [i for i in zone if self._column(self.segs[i]) != 0]
        self._bodies_and_number(left)
        for i in right + left:
            seg = self.segs[i]
            if id(seg) in self.used:
                continue
            if DATE_LINE.search(seg.plain) and "dia_danh_ngay" not in self.out.elements:
                self.mark("dia_danh_ngay", seg)
        for i in zone:
            if id(self.segs[i]) not in self.used and line_of(self.segs[i]) is not None:
                self.used.add(id(self.segs[i]))
        return max(zone) + 1 if zone else i_qh + 1

    def _marks(self, where: range) -> None:
        """ô 10a, 10b, 11 and the draft mark: fixed words of the profile, each in its own frame."""
        o = self.p.o_phu
        words = {norm(w): key for key, values in (("do_mat", o.do_mat), ("do_khan", o.do_khan)) for w in values}
        words |= {norm(w): "pham_vi_luu_hanh" for w in o.pham_vi_luu_hanh} | {norm(o.du_thao): "du_thao"}
        for i in where:
            seg = self.segs[i]
            key = words.get(norm(seg.plain))
            if key and id(seg) not in self.used and key not in self.out.elements:
                self.mark(key, seg)

    def _table_of(self, para: Paragraph) -> Table | None:
        return self.tables.get(id(para))

    def _column(self, seg: Segment) -> int:
        """0 for ô 2–3 (left), 1 for ô 1–4 (right): the cell, or the tab column."""
        table = self.out.header_table
        if table is not None and self.tables.get(id(seg.para)) is table:
            return min(self.columns[id(seg.para)], 1)
        if seg.split:
            return min(seg.column, 1)
        qh = self.out.first("quoc_hieu")
        if qh is not None and qh.para is seg.para:
            return 1
        return 1 if (seg.para.jc in ("right", "end")) else 0

    def _line_after(self, i: int, source: Segment) -> RuleLine | None:
        para = source.para
        if para.border("bottom") and not is_blank(source):
            return RuleLine(border_length_mm(para), "vien", para.where)
        for j in range(i + 1, min(i + 4, len(self.segs))):
            seg = self.segs[j]
            if seg.para.container != source.para.container and seg.para.container != "khung":
                break
            if (seg.split or source.split) and self._column(seg) != self._column(source):
                continue  # the other column's line of a tab-typed header
            found = line_of(seg)
            if found is not None:
                self.used.add(id(seg))
                return found
            if not is_blank(seg):
                break
        return None

    def _is_number_line(self, text: str) -> bool:
        """ô 3: 'Số: 05/KH-LĐLĐ' (NĐ30, Đoàn) or 'Số 12-NQ/ĐU' (Party: no colon, the number follows)."""
        label = re.escape(self.p.chu_de.nhan_so.rstrip(":"))
        return re.match(rf"^{label}\s*(:|\d)", text) is not None

    def _bodies_and_number(self, left: list[int]) -> None:
        """ô 2 (parent body upright, issuing body bold, then its line) and ô 3 / 5b."""
        names: list[int] = []
        dau = norm(self.p.chu_de.dau_co_quan)
        k = 0
        while k < len(left):
            seg = self.segs[left[k]]
            if self._is_number_line(seg.plain):
                self.mark("so_ky_hieu", seg)
                rest = [self.segs[j] for j in left[k + 1 :] if not is_blank(self.segs[j])]
                vv = self.p.chu_de.tien_to_vv.lower()
                if rest and rest[0].plain.lower().startswith(vv):
                    self.out.cong_van = True
                    for n, r in enumerate(rest):
                        if DATE_LINE.search(r.plain) or line_of(r) or (n and r.bold()):
                            break  # the date, a line, or a stamp such as "MẬT" ends the V/v lines
                        self.mark("trich_yeu_cong_van", r)
                break
            if line_of(seg) is not None:
                if names and "co_quan" not in self.out.lines:
                    self.out.lines["co_quan"] = line_of(seg)
                self.used.add(id(seg))
            elif dau and norm(seg.plain) == dau:  # the Party's "*" / Đoàn's "***" under the body's name
                self.mark("dau_co_quan", seg)
            elif not is_blank(seg) and not DATE_LINE.search(seg.plain):
                names.append(left[k])
                if seg.para.border("bottom"):
                    self.out.lines["co_quan"] = RuleLine(border_length_mm(seg.para), "vien", seg.para.where)
            k += 1
        bold = [i for i in names if self.segs[i].bold()]
        if bold:
            first_bold = names.index(bold[0])
            parents, issuing = names[:first_bold], names[first_bold:]
        elif len(names) > 1:
            parents, issuing = names[:1], names[1:]
        else:
            parents, issuing = [], names
        for i in parents:
            self.mark("co_quan_chu_quan", self.segs[i])
        for i in issuing:
            self.mark("co_quan", self.segs[i])
        self.out.line_sources["co_quan"] = [self.segs[i] for i in issuing]
        self.out.lines.setdefault("co_quan", None)

    # ---------------------------------------------------------------- title and body
    def _type_names(self) -> set[str]:
        names = {norm(k) for k in self.p.ma_loai}
        names |= {norm(v.ten_loai) for v in self.p.loai_van_ban.values() if v.ten_loai}
        return names

    def title(self, start: int) -> int:
        i = self.find(lambda s: not is_blank(s) and id(s) not in self.used and s.para.container != "khung", start)
        if i is None:
            return start
        seg = self.segs[i]
        kinh_gui = self.p.chu_de.nhan_kinh_gui.rstrip(":")
        if seg.plain.startswith(kinh_gui) or self.out.cong_van:
            self.out.cong_van = True
            return i
        upper = norm(seg.plain)
        if not (
            upper in self._type_names() or (seg.plain.isupper() and seg.bold()) or is_placeholder(seg.plain, self.p)
        ):
            return i
        self.mark("ten_loai", seg)
        j = i + 1
        lines = []
        while j < len(self.segs) and len(lines) < 5:
            s = self.segs[j]
            found = line_of(s)
            if found is not None:
                self.out.lines["trich_yeu"] = found
                self.used.add(id(s))
                j += 1
                break
            if is_blank(s):
                if lines:
                    break
                j += 1
                continue
            if s.para.jc != "center" or s.plain.startswith("Căn cứ"):
                break
            if s.plain.startswith("(") and lines:
                self.mark("phu_luc_kem_theo", s)
                self.out.attached = True
                j += 1
                continue
            lines.append(s)
            if s.para.border("bottom"):
                self.out.lines["trich_yeu"] = RuleLine(border_length_mm(s.para), "vien", s.para.where)
                j += 1
                break
            j += 1
        for s in lines:
            self.mark("trich_yeu", s)
        self.out.line_sources["trich_yeu"] = lines
        self.out.lines.setdefault("trich_yeu", None)
        return j

    def body(self, start: int) -> int:
        """Authority line, căn cứ, Kính gửi, then the body until the Nơi nhận/signature zone."""
        nhan = self.p.chu_de.nhan_noi_nhan
        end = self.find(lambda s: s.plain.startswith(nhan.rstrip(":")), start)
        end = end if end is not None else len(self.segs)
        sig_table = self._table_of(self.segs[end].para) if end < len(self.segs) else None
        if sig_table is not None:
            end = min(i for i, s in enumerate(self.segs) if self._table_of(s.para) is sig_table)
        end = self._signature_table_before(start, end)
        i = start
        kg = self.p.chu_de.nhan_kinh_gui.rstrip(":")
        first = True
        while i < end:
            seg = self.segs[i]
            i += 1
            if is_blank(seg) or id(seg) in self.used or seg.para.container == "khung":
                continue
            text = seg.plain
            after_can_cu = bool(self.out.elements.get("can_cu")) and seg.italic() is True
            if (text.startswith(("Căn cứ", "Theo đề nghị")) or after_can_cu) and not self.out.body:
                self.mark("can_cu", seg)
            elif first and seg.para.jc == "center" and text.isupper() and seg.bold() and not self.out.cong_van:
                self.mark("tham_quyen", seg)
            elif norm(text) in {norm(self.p.chu_de.quyet_dinh), norm(self.p.chu_de.quyet_nghi)}:
                self.out.quyet_dinh_label = seg
                self.used.add(id(seg))
            elif text.startswith(kg) or (not self.out.body and match_cau(self.p, "dien", text) is not None):
                self.mark("kinh_gui", seg)
                while i < end and (self.segs[i].plain.startswith(("-", "–")) or is_blank(self.segs[i])):
                    if not is_blank(self.segs[i]):
                        self.mark("kinh_gui", self.segs[i])
                    i += 1
            else:
                self.mark("than", seg)
                self.out.body.append(seg)
            first = False
        return end

    def _signature_table_before(self, start: int, end: int) -> int:
        """Joint documents put the signers' table before Nơi nhận: the closing zone starts there."""
        j = end - 1
        while j >= start and is_blank(self.segs[j]):
            j -= 1
        if j < start or self.segs[j].para.container != "o":
            return end
        table = self._table_of(self.segs[j].para)
        if table is None or table is self.out.header_table:
            return end
        members = [i for i, s in enumerate(self.segs) if self._table_of(s.para) is table]
        if any(
            AUTHORITY.match(self.segs[i].plain) or (self.segs[i].plain.isupper() and self.segs[i].bold())
            for i in members
        ):
            return min(members)
        return end

    def closing(self, start: int) -> None:
        """Nơi nhận (label and items), signature blocks, appendices."""
        nhan = self.p.chu_de.nhan_noi_nhan.rstrip(":")
        label = self.find(lambda s: s.plain.startswith(nhan), start)
        appendix_start = self._appendix_start(start)
        stop = appendix_start if appendix_start is not None else len(self.segs)
        if label is not None:
            seg = self.segs[label]
            self.mark("noi_nhan_nhan", seg)
            in_cell = seg.para.container == "o"
            column = _column_key(seg.para.where) + ","
            j = label + 1
            while j < stop:
                s = self.segs[j]
                if in_cell and not _column_key(s.para.where).startswith(column.rstrip(",")):
                    j += 1
                    continue
                if not (is_blank(s) or s.plain.startswith(("-", "–", "+", "("))):
                    break  # e.g. the "Xác nhận của cơ quan" box under a giấy nghỉ phép's Nơi nhận
                if not is_blank(s):
                    self.mark("noi_nhan", s)
                    self.out.noi_nhan.append(s)
                j += 1
        rest = [s for s in self.segs[start:stop] if id(s) not in self.used and not is_blank(s)]
        self._signatures(rest)
        if appendix_start is not None:
            self._appendices(appendix_start)

    def _signatures(self, segs: list[Segment]) -> None:
        """Group the signer's lines by cell; the last line of a group is the name."""
        groups: dict[str, list[Segment]] = {}
        for s in segs:
            if s.para.container == "o":
                key = _column_key(s.para.where)
            elif s.para.container == "khung":  # a signature typed in a text box
                key = s.para.where.rsplit(", đoạn", 1)[0]
            else:
                key = "than"
            groups.setdefault(key, []).append(s)
        blocks: list[tuple[tuple[int, int], str, list[Segment]]] = []
        for where, group in groups.items():
            for part in _split_blocks(group):
                blocks.append((_row_col(part[0].para.where), where, part))
        for _, where, group in sorted(blocks, key=lambda b: b[0]):
            titles = [s for s in group if s.plain.isupper() or AUTHORITY.match(s.plain)]
            notes = [s for s in group if s.plain.startswith("(") or s.plain.lower().startswith("dấu")]
            named = [s for s in group if s not in titles and s not in notes]
            if not titles:  # a column without a title line is no signature block
                for s in group:
                    self.out.unplaced.append(s)
                    self.used.add(id(s))
                continue
            name = named[-1] if named else None
            block = SignatureBlock(titles, name, notes, where)
            self.out.signatures.append(block)
            for s in titles:
                self.mark("chu_ky", s)
            if name is not None:
                self.mark("ho_ten", name)
            for s in notes:
                self.used.add(id(s))
            for s in named[:-1]:
                self.out.unplaced.append(s)
                self.used.add(id(s))

    def _is_appendix_label(self, s: Segment) -> bool:
        label = re.escape(norm(self.p.danh_so.phu_luc))
        return s.para.container == "than" and bool(re.fullmatch(rf"{label}( (SỐ )?[IVXLC\d]+)?", norm(s.plain)))

    def _appendix_start(self, start: int) -> int | None:
        for i in range(start, len(self.segs)):
            if self._is_appendix_label(self.segs[i]):
                return i
        return None

    def appendix_file(self) -> bool:
        """A file that is only a Phụ lục (electronic appendix): label, title, 'Kèm theo', body."""
        first = next((s for s in self.segs if not is_blank(s)), None)
        if first is None or not self._is_appendix_label(first):
            return False
        self.out.attached = True
        self.mark("phu_luc_nhan", first)
        rest = [s for s in self.segs if not is_blank(s) and s is not first]
        if rest and rest[0].para.container == "than":
            self.mark("phu_luc_ten", rest.pop(0))
        if rest and rest[0].plain.startswith("("):
            self.mark("phu_luc_kem_theo", rest.pop(0))
        for s in rest:
            if s.para.container == "than":
                self.mark("than", s)
                self.out.body.append(s)
        return True

    def _appendices(self, start: int) -> None:
        current: list[Segment] = []
        for s in self.segs[start:]:
            if self._is_appendix_label(s):
                current = []
                self.out.appendices.append(current)
                self.mark("phu_luc_nhan", s)
                continue
            if not is_blank(s):
                current.append(s)
                self.used.add(id(s))

    def _issued_start(self, start: int) -> int | None:
        """mẫu 1.3: the '(Ban hành kèm theo …)' line of a document issued after the decision, and its
        title block above it (type name, trích yếu, a repeated header table)."""
        at, first = start - 1, None
        while first is None:  # an appendix's "(Kèm theo …)" line may read the same: its label tells
            at = self.find(lambda s: match_ban_hanh(self.p, s.one_line) is not None, at + 1)
            if at is None:
                return None
            first = self._title_block_above(at, start)
        table = self._table_of(self.segs[first - 1].para) if first > start else None
        if table is not None and any(norm(self.p.chu_de.quoc_hieu) == norm(s.plain) for s in self.segs[:first]):
            members = [i for i, s in enumerate(self.segs) if self._table_of(s.para) is table]
            first = min(members)
        return first

    def _title_block_above(self, at: int, start: int) -> int | None:
        """The first line of the bold centred title block (type name, trích yếu) above line *at*, or
        None when an appendix label heads it (the line is then the appendix's)."""
        first = at
        for j in range(at - 1, start - 1, -1):
            s = self.segs[j]
            if is_blank(s) or line_of(s) is not None:
                continue
            if self._is_appendix_label(s):
                return None
            if s.para.container == "than" and s.para.jc == "center" and s.bold():
                first = j  # trích yếu lines and the type name
                continue
            break
        return first

    def _copy_start(self, start: int) -> int | None:
        """Phụ lục I Phần II: the block of a paper copy, from the full-width line above 'SAO Y'."""
        forms = {norm(f.ten) for f in self.p.ban_sao.values()}
        at = self.find(lambda s: norm(s.plain) in forms, start)
        if at is None:
            return None
        table = self._table_of(self.segs[at].para)
        first = min(i for i, s in enumerate(self.segs) if self._table_of(s.para) is table) if table else at
        j = first - 1
        while j >= start and (is_blank(self.segs[j]) or line_of(self.segs[j]) is not None):
            j -= 1
        return j + 1

    def electronic_copy(self) -> Recognized | None:
        """ô 14 of a copy to electronic form (o_phu.mau_o14_ban_sao) at the top of page 1."""
        forms = {norm(f.ten) for f in self.p.ban_sao.values()}
        if not self.doc.sections:
            return None
        for part in self.doc.sections[0].first_page_parts():
            for para in part:
                found = match_template(self.p.o_phu.mau_o14_ban_sao, para.text)
                if found is not None and norm(found.get("hinh_thuc", "")) in forms:
                    out = Recognized(self.doc)
                    out.elements["o14"] = [Segment(para, para.runs)]
                    return out
        return None

    def run(self) -> Recognized:
        if self.appendix_file():
            return self.out
        after_header = self.header()
        after_title = self.title(after_header)
        starts = [(self._copy_start(after_title), "copy"), (self._issued_start(after_title), "issued")]
        starts = sorted((i, kind) for i, kind in starts if i is not None)
        zones = {
            kind: (i, starts[n + 1][0] if n + 1 < len(starts) else len(self.segs)) for n, (i, kind) in enumerate(starts)
        }
        if starts:
            whole, self.segs = self.segs, self.segs[: starts[0][0]]
        end_body = self.body(after_title)
        self.closing(end_body)
        if "issued" in zones:
            lo, hi = zones["issued"]
            self.out.issued = self.child(whole[lo:hi]).run_issued()
        if "copy" in zones:
            lo, hi = zones["copy"]
            self.out.copy = self.child(whole[lo:hi]).run_copy()
        else:
            self.out.copy = self.electronic_copy()
        return self.out

    def run_issued(self) -> Recognized:
        """The issued quy chế/quy định: its own header, type name, trích yếu, '(Ban hành kèm theo…)', body."""
        start = self.header() if self.find(lambda s: norm(s.plain) == norm(self.p.chu_de.quoc_hieu)) is not None else 0
        after_title = self.title(start)
        at = self.find(lambda s: match_ban_hanh(self.p, s.one_line) is not None)
        if at is not None and id(self.segs[at]) not in self.used:
            self.mark("ban_hanh_kem_theo", self.segs[at])
            after_title = max(after_title, at + 1)
        for key in ("phu_luc_kem_theo",):  # the title() reader files the line as an appendix's
            for seg in self.out.elements.pop(key, []):
                self.out.elements.setdefault("ban_hanh_kem_theo", []).append(seg)
        self.out.attached = True
        end_body = self.body(after_title)
        self.closing(end_body)
        return self.out

    def run_copy(self) -> Recognized:
        """The paper copy block: copying body | SAO Y, Số | place and date, then Nơi nhận | signer."""
        forms = {norm(f.ten) for f in self.p.ban_sao.values()}
        at = self.find(lambda s: norm(s.plain) in forms)
        table = self._table_of(self.segs[at].para) if at is not None else None
        zone = [i for i, s in enumerate(self.segs) if table is not None and self._table_of(s.para) is table]
        above = self.segs[: min(zone) if zone else (at or 0)]
        self.out.lines["ban_sao"] = next((line_of(s) for s in above if line_of(s)), None)
        self.out.line_sources["ban_sao"] = [s for s in above if line_of(s)][:1]
        for s in above:
            self.used.add(id(s))
        if at is not None:
            self.mark("hinh_thuc_sao", self.segs[at])
        self.out.header_table = table
        left = [i for i in zone if self._column(self.segs[i]) == 0 and id(self.segs[i]) not in self.used]
        self._bodies_and_number(left)
        for i in zone:
            seg = self.segs[i]
            if id(seg) not in self.used and DATE_LINE.search(seg.plain) and "dia_danh_ngay" not in self.out.elements:
                self.mark("dia_danh_ngay", seg)
            elif id(seg) not in self.used and line_of(seg) is not None:
                self.used.add(id(seg))
        self.closing(max(zone) + 1 if zone else (at or 0) + 1)
        return self.out


def profile_for_document(doc: Document, default: str = "nd30") -> RuleProfile:
    """The rule set a document is written under, read from the document itself.

    The heading decides: the profile whose Quốc hiệu (or the text standing in its place, the
    Party's "ĐẢNG CỘNG SẢN VIỆT NAM", the Đoàn's "ĐOÀN TNCS HỒ CHÍ MINH") is a paragraph near
    the top. Without one, the issuing body's name (each profile's ``nhan_dien``) decides.
    """
    top = [p.text for p in doc.paragraphs(textboxes=False)[:16] if p.text.strip()]
    texts = {norm(t) for t in top}
    profiles = all_profiles()
    for profile in profiles:
        if profile.chu_de.quoc_hieu and norm(profile.chu_de.quoc_hieu) in texts:
            return profile
    by_body = profile_for_body(top[:6])
    return load_profile(by_body or default)


def recognize(doc: Document, profile: RuleProfile) -> Recognized:
    """The elements of *doc* under *profile*'s fixed texts."""
    return _Recognizer(doc, profile).run()
