"""``congvan nhap``: a DOCX made elsewhere (or by us) back into a YAML record.

The recognised elements become the record's fields; the body becomes the
numbered tree (I. / 1. / a) / - / +, Chương / Mục / Điều) with ``**đậm**`` and
``*nghiêng*`` for emphasis that is not the paragraph's own look; labels that the
renderer would not produce by itself are kept in ``so``. Text that fits no field
goes into ``chua_xep`` with a warning, never dropped. The record is validated by
the same loader as a hand-written one before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from congvan.errors import CongvanError, Problem
from congvan.profiles import RuleProfile
from congvan.reading.docx import Paragraph, Table, read_docx
from congvan.reading.elements import AUTHORITY, Recognized, Segment, norm, recognize
from congvan.vi.chu import nhan_diem, so_la_ma
from congvan.vi.so_ky_hieu import loi_ky_hieu, tach_so_ky_hieu

DATE = re.compile(r"^(?P<noi>.*?),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})")
END_PUNCT = " \t;,."
RANK = {"chuong": 0, "muc": 1, "dieu": 2, "phan": 2, "khoan": 3, "diem": 4, "gach": 5, "cong": 6}


@dataclass
class ImportResult:
    data: dict[str, Any]
    loai: str
    yaml_text: str
    warnings: list[str] = field(default_factory=list)


def _strip_item(text: str) -> str:
    """'- Sở Nội vụ;' -> 'Sở Nội vụ' (the renderer puts the dash and the end mark back)."""
    return text.strip().lstrip("-–•").strip().rstrip(END_PUNCT).strip()


def _markup(seg: Segment, skip: int = 0) -> str:
    """Runs as record text: emphasis that differs from the paragraph's majority look."""
    runs = [r for r in seg.runs if not r.superscript]
    visible = [r for r in runs if r.text.strip()]
    all_bold = bool(visible) and all(r.bold for r in visible)
    all_italic = bool(visible) and all(r.italic for r in visible)
    out = []
    for r in runs:
        text = r.text.upper() if r.caps else r.text
        if skip:
            cut = min(skip, len(text))
            text, skip = text[cut:], skip - cut
        if not text:
            continue
        core = text.strip()
        if not core:
            out.append(text)
            continue
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        if r.bold and not all_bold:
            core = f"**{core}**"
        elif r.italic and not all_italic:
            core = f"*{core}*"
        out.append(lead + core + trail)
    joined = "".join(out)
    return re.sub(r"\*\*(\s*)\*\*", r"\1", joined).strip()


class _Builder:
    def __init__(self, rec: Recognized, profile: RuleProfile) -> None:
        self.rec = rec
        self.p = profile
        self.warnings: list[str] = []
        self.unplaced: list[str] = []
        d = profile.danh_so
        self.patterns = [
            ("dieu", re.compile(r"^" + re.escape(d.dieu).replace(r"\{arabic\}", r"(\d+)") + r"\s*")),
            ("chuong", re.compile(r"^" + re.escape(d.chuong).replace(r"\{roman\}", r"([IVXLC]+)") + r"$")),
            ("muc", re.compile(r"^" + re.escape(d.muc).replace(r"\{arabic\}", r"(\d+)") + r"$")),
            ("phan", re.compile(r"^" + re.escape(d.phan).replace(r"\{roman\}", r"([IVXLC]+)") + r"\s+")),
            ("khoan", re.compile(r"^(\d+(?:\.\d+)+\.?|\d+\.)\s+")),
            ("diem", re.compile(r"^([a-zđ]\))\s+")),
            ("gach", re.compile(r"^" + re.escape(d.gach) + r"\s+")),
            ("cong", re.compile(r"^" + re.escape(d.cong) + r"\s+")),
        ]

    # ---------------------------------------------------------------- header
    def kind(self) -> tuple[str, dict[str, Any]]:
        if self.rec.cong_van:
            return "cong_van", {}
        title = norm(self.rec.text("ten_loai"))
        for key, kind in self.p.loai_van_ban.items():
            if kind.ten_loai and norm(kind.ten_loai) == title:
                if key == "chuong_trinh_phoi_hop" and len(self.rec.signatures) < 2:
                    break
                return key, {}
        for key, kind in self.p.loai_van_ban.items():
            if kind.ten_loai and title.startswith(norm(kind.ten_loai)) and key != "chuong_trinh_phoi_hop":
                return key, {"ten_loai": self.rec.text("ten_loai")}
        code = next((v for k, v in self.p.ma_loai.items() if norm(k) == title), None)
        return "van_ban", {"ten_loai": self.rec.text("ten_loai"), "ma_loai": code or ""}

    def symbol(self) -> tuple[int | None, list[str]]:
        seg = self.rec.first("so_ky_hieu")
        if seg is None:
            self.warnings.append("không tìm thấy dòng 'Số:'; hồ sơ chưa có số, ký hiệu")
            return None, []
        text = seg.plain.split(":", 1)[-1].strip()
        try:
            so, ky_hieu = tach_so_ky_hieu(text)
        except ValueError:
            number, _, rest = text.partition("/")
            so = int(number) if number.strip().isdigit() else None
            ky_hieu = re.sub(r"\s+", "", rest)
        groups = [g for g in ky_hieu.split("-") if g]
        bad = [g for g in groups if loi_ky_hieu(g, self.p.ma_hop_le)]
        if bad:
            self.warnings.append(f"ký hiệu '{ky_hieu}' còn chỗ chưa điền hoặc viết sai; không dùng để lấy chữ viết tắt")
            groups = [g if g not in bad else "" for g in groups]
        return so, groups

    def bodies(self, groups: list[str], kind: str) -> dict[str, Any]:
        names = [s.one_line for s in self.rec.elements.get("co_quan", [])]
        parents = [s.one_line for s in self.rec.elements.get("co_quan_chu_quan", [])]
        codes = groups if kind == "cong_van" else groups[1:]
        signers = len(self.rec.signatures)
        out: dict[str, Any] = {}
        if signers > 1 and len(names) == signers:
            out["co_quan_ban_hanh"] = [{"ten": n, "viet_tat": self._code(codes, i, n)} for i, n in enumerate(names)]
        elif signers > 1:
            out["tieu_de_co_quan"] = parents + names
            bodies = []
            for i, block in enumerate(self.rec.signatures):
                first = block.lines[0].plain if block.lines else f"CƠ QUAN {i + 1}"
                m = AUTHORITY.match(first)
                name = m.group(3) if m else first
                bodies.append({"ten": name, "viet_tat": self._code(codes, i, name)})
            out["co_quan_ban_hanh"] = bodies
            self.warnings.append("tên các cơ quan liên tịch lấy từ khối chữ ký (tiêu đề giữ nguyên): cần kiểm tra")
        else:
            body: dict[str, Any] = {
                "ten": "\n".join(names) or "CHƯA RÕ",
                "viet_tat": self._code(codes, 0, " ".join(names)),
            }
            if parents:
                body["co_quan_chu_quan"] = "\n".join(parents)
            if not names:
                self.warnings.append("không tìm thấy tên cơ quan ban hành; đã ghi 'CHƯA RÕ'")
            out["co_quan_ban_hanh"] = [body]
        if kind == "cong_van" and len(codes) > len(out["co_quan_ban_hanh"]):
            out["don_vi_soan_thao"] = codes[-1]
        return out

    def _code(self, codes: list[str], i: int, name: str) -> str:
        if i < len(codes) and codes[i]:
            return codes[i]
        initials = "".join(w[0] for w in norm(name).split() if w[0].isalpha()) or "CQ"
        self.warnings.append(f"chữ viết tắt của '{name}' không có trong ký hiệu; tạm đặt '{initials}'")
        return initials

    def place_date(self) -> dict[str, Any]:
        text = self.rec.text("dia_danh_ngay")
        m = DATE.match(text)
        if m:
            try:
                return {"dia_danh": m["noi"].strip(), "ngay_ban_hanh": date(int(m["y"]), int(m["m"]), int(m["d"]))}
            except ValueError:
                self.warnings.append(f"ngày không hợp lệ trong '{text}'; bỏ trống ngày")
        place = text.split(",", 1)[0].strip()
        if not place:
            self.warnings.append("không tìm thấy địa danh, ngày tháng; đã ghi 'CHƯA RÕ'")
        return {"dia_danh": place or "CHƯA RÕ"}

    # ---------------------------------------------------------------- body
    def node(self, seg: Segment) -> tuple[str | None, str | None, Segment, int]:
        """(level, label as printed, segment, characters of typed label to skip in the runs)."""
        raw = "".join(r.text.upper() if r.caps else r.text for r in seg.runs if not r.superscript)
        text = f"{seg.para.label} {raw.lstrip()}" if seg.para.label else raw.lstrip()
        for cap, pattern in self.patterns:
            m = pattern.match(text)
            if m:
                skip = 0 if seg.para.label else len(raw) - len(raw.lstrip()) + len(m.group(0))
                return cap, m.group(0).strip(), seg, skip
        return None, None, seg, 0

    def expected(self, cap: str, n: int) -> str:
        template = getattr(self.p.danh_so, cap)
        return template.format(roman=so_la_ma(n), arabic=n, letter=nhan_diem(n - 1)[:-1])

    def tree(self, segs: list[Segment], close: bool) -> tuple[list[Any], bool]:
        """The body tree; returns (nodes, ket_thuc) where ket_thuc says './.' closed it."""
        ended = False
        items = [self.node(s) for s in segs]
        if close and items:
            last = items[-1][2]  # the segment of the last paragraph
            if last.text.rstrip().endswith(self.p.chu_de.ket_thuc):
                ended = True
        root: list[Any] = []
        stack: list[tuple[int, dict[str, Any]]] = []
        counters = {"dieu": 0, "chuong": 0, "muc": 0}
        i = 0
        while i < len(items):
            cap, label, seg, skip = items[i]
            i += 1
            if cap in ("chuong", "muc"):
                name_seg = items[i][2] if i < len(items) else None
                i += 1 if name_seg is not None else 0
                counters[cap] += 1
                if cap == "chuong":
                    counters["muc"] = 0
                node = {cap: name_seg.plain if name_seg else ""}
                if label != self.expected(cap, counters[cap]):
                    node["so"] = label
            elif cap is None:
                text = _markup(seg)
                node = None
            else:
                body = _markup(seg, skip=skip)
                node = {cap: body, "_label": label, "_bold": seg.bold() is True}
                if cap == "dieu":
                    counters["dieu"] += 1
                    if label.rstrip() != self.expected("dieu", counters["dieu"]):
                        node["so"] = label
            if ended and i == len(items):
                if node is None:
                    text = _drop_end(text, self.p.chu_de.ket_thuc)
                else:
                    key = next(k for k in RANK if k in node)
                    node[key] = _drop_end(node[key], self.p.chu_de.ket_thuc)
            if node is None:
                (stack[-1][1].setdefault("noi_dung", []) if stack else root).append(text)
                continue
            rank = RANK[next(k for k in RANK if k in node)]
            while stack and stack[-1][0] >= rank:
                stack.pop()
            (stack[-1][1].setdefault("noi_dung", []) if stack else root).append(node)
            stack.append((rank, node))
        self._finish(root)
        return root, ended

    def _finish(self, nodes: list[Any]) -> None:
        """Local numbering as the renderer counts it; titles; drop helper keys."""
        local: dict[str, int] = {}
        for node in nodes:
            if not isinstance(node, dict):
                continue
            cap = next(k for k in RANK if k in node)
            label = node.pop("_label", None)
            bold = node.pop("_bold", False)
            if cap in ("khoan", "diem", "phan"):
                local[cap] = local.get(cap, 0) + 1
                if label != self.expected(cap, local[cap]):
                    node["so"] = label
            elif cap in ("gach", "cong") and label != getattr(self.p.danh_so, cap):
                node["so"] = label
            if cap == "khoan":
                has_children = bool(node.get("noi_dung"))
                if bold and not has_children:
                    node["tieu_de"] = True
                elif not bold and has_children:
                    node["tieu_de"] = False
            self._finish(node.get("noi_dung", []))
            if "noi_dung" in node:  # children after the level key, as people write it
                node["noi_dung"] = node.pop("noi_dung")

    # ---------------------------------------------------------------- closing
    def signatures(self) -> list[dict[str, Any]]:
        out = []
        for block in self.rec.signatures:
            lines = [s.plain for s in block.lines]
            entry: dict[str, Any] = {}
            authority = [(i, AUTHORITY.match(t)) for i, t in enumerate(lines)]
            authority = [(i, m) for i, m in authority if m]
            rest = list(lines)
            if len(authority) >= 2 and authority[0][1].group(1).replace("/", "").upper() == "TM":
                entry["thay_mat"] = authority[0][1].group(3)
                rest.remove(lines[authority[0][0]])
                authority = authority[1:]
            if authority:
                i, m = authority[0]
                entry["quyen_han"] = m.group(1).replace("/", "").replace(" ", "").upper()
                entry["thay"] = m.group(3)
                rest.remove(lines[i])
            elif rest:
                entry["thay"] = rest.pop(0)
            if len(rest) == 1:
                entry["chuc_vu"] = rest[0]
            elif len(rest) >= 2:
                entry["co_quan"], entry["chuc_vu"] = rest[0], " ".join(rest[1:])
                if len(rest) > 2:
                    self.warnings.append(f"khối chữ ký có {len(rest)} dòng chức vụ; đã ghép các dòng cuối")
            entry["ho_ten"] = block.name.plain if block.name else "CHƯA RÕ"
            if block.name is None:
                self.warnings.append("khối chữ ký không có họ tên người ký; đã ghi 'CHƯA RÕ'")
            out.append(entry)
        if not out:
            self.warnings.append("không tìm thấy khối chữ ký; đã thêm một khối 'CHƯA RÕ'")
            out.append({"ho_ten": "CHƯA RÕ"})
        return out

    def recipients(self) -> list[Any]:
        """Nơi nhận items; rows of a nested table with a '(note)' cell become a group."""
        rows: dict[str, list[Segment]] = {}
        order: list[str] = []
        for seg in self.rec.noi_nhan:
            where = seg.para.where
            key = re.sub(r", ô \d+, đoạn \d+$", "", where) if "hàng" in where else where
            if key not in rows:
                rows[key] = []
                order.append(key)
            rows[key].append(seg)
        out: list[Any] = []
        for key in order:
            segs = rows[key]
            notes = [s for s in segs if s.plain.startswith("(")]
            items = [_strip_item(s.plain) for s in segs if s not in notes and _strip_item(s.plain)]
            if notes and items:
                out.append({"nhom": items, "ghi_chu": notes[0].plain.strip().strip("()")})
            else:
                out.extend(items)
        if not out:
            self.warnings.append("không tìm thấy nơi nhận; đã thêm 'Lưu: VT'")
            out.append(f"{self.p.kiem_tra.nhan_luu if self.p.kiem_tra else 'Lưu'}: VT")
        return out

    def appendices(self, tables: dict[int, Table]) -> list[dict[str, Any]]:
        out = []
        for segs in self.rec.appendices:
            entry: dict[str, Any] = {}
            body: list[Segment] = []
            table: Table | None = None
            for seg in segs:
                tbl = tables.get(id(seg.para))
                if tbl is not None:
                    table = table or tbl
                    continue
                if "tieu_de" not in entry:
                    entry["tieu_de"] = seg.plain
                elif seg.plain.startswith("(") and "kem_theo" not in entry and not body:
                    entry["kem_theo"] = seg.plain
                else:
                    body.append(seg)
            entry.setdefault("tieu_de", "PHỤ LỤC")
            if body:
                entry["noi_dung"] = self.tree(body, close=False)[0]
            if table is not None:
                entry["bang"] = _table(table)
            out.append(entry)
        return out


def _drop_end(text: str, mark: str) -> str:
    """'abc./.' -> 'abc.': the renderer writes '/.' after a final '.', so the text comes back the same."""
    stripped = text.rstrip()
    return stripped[: -len(mark) + 1] if stripped.endswith(mark) else text


def _table(table: Table) -> dict[str, Any]:
    rows = [[c.text.strip() for c in row] for row in table.rows]
    header, data = rows[0], rows[1:]
    stt = bool(header) and norm(header[0]) == "STT"
    if stt:
        header = header[1:]
        data = [r[1:] for r in data]
    width = len(header)
    return {"cot": header, "hang": [(r + [""] * width)[:width] for r in data], **({} if stt else {"so_thu_tu": False})}


def _tables_by_paragraph(rec: Recognized) -> dict[int, Table]:
    out = {}
    for table in rec.doc.tables():
        for para in table.paragraphs():
            out.setdefault(id(para), table)
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def build_record(rec: Recognized, profile: RuleProfile) -> tuple[dict[str, Any], list[str]]:
    """The record data (plain dicts) and the warnings for what had to be guessed."""
    b = _Builder(rec, profile)
    loai, extra = b.kind()
    so, groups = b.symbol()
    data: dict[str, Any] = {"loai": loai, "quy_tac": profile.ma}
    data.update(b.bodies(groups, loai))
    if so is not None:
        data["so"] = so
    data.update(extra)
    data.update(b.place_date())
    fields = _model_fields(loai)
    kinh_gui = rec.elements.get("kinh_gui", [])
    if kinh_gui and "kinh_gui" in fields:
        label = profile.chu_de.nhan_kinh_gui
        first = kinh_gui[0].one_line[len(label) :].strip()
        data["kinh_gui"] = [_strip_item(first)] if first else [_strip_item(s.plain) for s in kinh_gui[1:]]
    if loai == "cong_van":
        vv = " ".join(s.one_line for s in rec.elements.get("trich_yeu_cong_van", []))
        prefix = profile.chu_de.tien_to_vv
        data["trich_yeu"] = vv[len(prefix) :].strip() if vv.startswith(prefix) else vv
    else:
        data["trich_yeu"] = "\n".join(s.one_line for s in rec.elements.get("trich_yeu", []))
    if not data["trich_yeu"]:
        b.warnings.append("không tìm thấy trích yếu; đã ghi 'CHƯA RÕ'")
        data["trich_yeu"] = "CHƯA RÕ"
    if "tham_quyen" in fields and (rec.text("tham_quyen") or fields["tham_quyen"].is_required()):
        data["tham_quyen"] = rec.text("tham_quyen") or "CHƯA RÕ"
    can_cu = [s for s in rec.elements.get("can_cu", [])]
    data["can_cu"] = [_strip_item(_markup(s)) for s in can_cu if not s.plain.startswith("Theo đề nghị")]
    proposal = [s for s in can_cu if s.plain.startswith("Theo đề nghị")]
    if proposal and "theo_de_nghi" in fields:
        data["theo_de_nghi"] = _strip_item(proposal[0].plain)
    elif proposal:
        data["can_cu"] += [_strip_item(s.plain) for s in proposal]
    if not data["can_cu"]:
        del data["can_cu"]
    mark = _profile_text(profile, "du_thao")
    if mark and "du_thao" in fields and any(norm(p.text) == norm(mark) for p in rec.doc.paragraphs()[:8]):
        data["du_thao"] = True
    body, ended = b.tree(rec.body, close=True)
    data["noi_dung"] = body or ["CHƯA RÕ"]
    if not body:
        b.warnings.append("không tìm thấy nội dung; đã ghi 'CHƯA RÕ'")
    if not ended:
        data["ket_thuc"] = False
    data["chu_ky"] = b.signatures()
    data["noi_nhan"] = b.recipients()
    appendices = b.appendices(_tables_by_paragraph(rec))
    if appendices:
        data["phu_luc"] = appendices
    leftovers = [s.plain for s in rec.unplaced if s.plain]
    if leftovers:
        data["chua_xep"] = leftovers
        b.warnings.append(f"{len(leftovers)} đoạn không xếp được vào phần nào: đã ghi vào 'chua_xep' (không được in)")
    return data, b.warnings


def _profile_text(profile: RuleProfile, name: str) -> str | None:
    """A fixed text of the profile wherever its section keeps it (sections grow as kinds land)."""
    for section in profile.model_dump().values():
        if isinstance(section, dict) and isinstance(section.get(name), str):
            return section[name]
    return None


def _model_fields(loai: str) -> dict[str, Any]:
    """The record fields of a kind, read from the records' own union (no list kept here)."""
    from typing import get_args

    from congvan.records.models import VanBan

    for cls in get_args(get_args(VanBan)[0]):
        if get_args(cls.model_fields["loai"].annotation)[0] == loai:
            return cls.model_fields
    return {}


def _settle_symbol(data: dict[str, Any], groups_text: str, profile: RuleProfile) -> None:
    """Keep the printed symbol: set ``ky_hieu`` when the derived one would differ."""
    from congvan.records.loader import validate_data
    from congvan.render.context import ky_hieu_cua

    if not groups_text:
        return
    try:
        derived = ky_hieu_cua(validate_data(data, "nhap"), profile)
    except CongvanError:
        return
    if derived == groups_text:
        return
    code = groups_text.split("-", 1)[0]
    if data["loai"] != "cong_van" and code and "ma_loai" not in data:
        trial = {**data, "ma_loai": code}
        try:
            if ky_hieu_cua(validate_data(trial, "nhap"), profile) == groups_text:
                data["ma_loai"] = code  # a type code of its own (KHPH), the symbol still derived
                return
        except CongvanError:
            pass
    data["ky_hieu"] = groups_text


def _settle_appendices(data: dict[str, Any], profile: RuleProfile) -> None:
    """Drop a 'Kèm theo' line that the renderer would write the same by itself."""
    from congvan.records.loader import validate_data
    from congvan.render.context import appendices, ky_hieu_cua
    from congvan.vi.so_ky_hieu import so_va_ky_hieu

    written = [pl.get("kem_theo") for pl in data.get("phu_luc", [])]
    if not any(written):
        return
    trial = {**data, "phu_luc": [{k: v for k, v in pl.items() if k != "kem_theo"} for pl in data["phu_luc"]]}
    try:
        vb = validate_data(trial, "nhap")
    except CongvanError:
        return
    auto = appendices(vb, profile, so_va_ky_hieu(vb.so, ky_hieu_cua(vb, profile)))
    for pl, made in zip(data["phu_luc"], auto, strict=True):
        if pl.get("kem_theo") == made["kem_theo"]:
            del pl["kem_theo"]


def dump_yaml(data: dict[str, Any], source: str, warnings: list[str]) -> str:
    head = [f"# Nhập từ {source} bằng 'congvan nhap'. Hãy đọc lại trước khi xuất."]
    head += [f"# Cảnh báo: {w}" for w in warnings]
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
    return "\n".join(head) + "\n" + body


def import_docx(source: Path | bytes, profile: RuleProfile, name: str | None = None) -> ImportResult:
    """Read, recognise, build and validate; raises CongvanError when no record can be made."""
    from congvan.records.loader import validate_data

    display = name or str(source)
    rec = recognize(read_docx(source, name=display), profile)
    data, warnings = build_record(rec, profile)
    seg = rec.first("so_ky_hieu")
    printed = ""
    if seg is not None:
        printed = re.sub(r"\s+", "", seg.plain.split(":", 1)[-1].split("/", 1)[-1]) if "/" in seg.plain else ""
    if loi_ky_hieu(printed, profile.ma_hop_le):
        printed = ""
    _settle_symbol(data, printed, profile)
    _settle_appendices(data, profile)
    try:
        vb = validate_data(data, display)
    except CongvanError as exc:
        raise CongvanError(
            [
                Problem(
                    f"không tạo được hồ sơ hợp lệ từ tệp Word này (còn chữ mẫu chưa điền?): {p.message}",
                    file=display,
                    field=p.field,
                )
                for p in exc.problems
            ]
        ) from None
    return ImportResult(data, vb.loai, dump_yaml(data, display, warnings), warnings)


__all__ = ["ImportResult", "Paragraph", "build_record", "import_docx"]
