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
from congvan.reading.elements import (
    AUTHORITY,
    Recognized,
    Segment,
    match_ban_hanh,
    match_cau,
    match_template,
    norm,
    profile_for_document,
    recognize,
)
from congvan.reading.kinds import date_in, read_kind_body
from congvan.vi.chu import nhan_diem, so_la_ma
from congvan.vi.so_ky_hieu import loi_ky_hieu

DATE = re.compile(r"^(?P<noi>.*?),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})")
END_PUNCT = " \t;,."
RANK = {"chuong": 0, "muc": 1, "dieu": 2, "phan": 2, "khoan": 3, "diem": 4, "gach": 5, "cong": 6}


@dataclass
class ImportResult:
    data: dict[str, Any]
    loai: str
    yaml_text: str
    warnings: list[str] = field(default_factory=list)


def split_symbol(line: str, profile: RuleProfile) -> tuple[int | None, str]:
    """'Số: 05/KH-LĐLĐ' -> (5, 'KH-LĐLĐ'); the Party's 'Số 12-NQ/ĐU' -> (12, 'NQ/ĐU')."""
    label = profile.chu_de.nhan_so.rstrip(":")
    text = line.strip()
    text = text[len(label) :] if text.startswith(label) else text
    text = text.lstrip(" :\u00a0")
    sep = re.escape(profile.so_ky_hieu.noi_so)
    m = re.match(rf"^(\d+)\s*{sep}\s*(.*)$", text, re.DOTALL)
    if m:
        return int(m[1]), re.sub(r"\s+", "", m[2])
    _, _, rest = text.partition(profile.so_ky_hieu.noi_so)
    return None, re.sub(r"\s+", "", rest)


def symbol_groups(ky_hieu: str, profile: RuleProfile) -> list[str]:
    """'KHPH-LĐLĐ-HKH' -> ['KHPH', 'LĐLĐ', 'HKH']; the Đoàn's 'KH/TĐTN-TNTH' -> ['KH', 'TĐTN', 'TNTH']."""
    sk = profile.so_ky_hieu
    kind, sep, rest = ky_hieu.partition(sk.noi_loai)
    parts = [kind] + (rest.split(sk.noi_co_quan) if sep else [])
    return [g for g in parts if g]


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
        """The number and the symbol's groups (type code first, then bodies), under the profile's grammar."""
        seg = self.rec.first("so_ky_hieu")
        if seg is None:
            self.warnings.append(f"không tìm thấy dòng '{self.p.chu_de.nhan_so}'; hồ sơ chưa có số, ký hiệu")
            return None, []
        so, ky_hieu = split_symbol(seg.plain, self.p)
        groups = symbol_groups(ky_hieu, self.p)
        bad = [g for g in groups if loi_ky_hieu(g, self.p.ma_hop_le)]
        if bad:
            self.warnings.append(f"ký hiệu '{ky_hieu}' còn chỗ chưa điền hoặc viết sai; không dùng để lấy chữ viết tắt")
            groups = [g if g not in bad else "" for g in groups]
        return so, groups

    def bodies(self, groups: list[str], kind: str) -> dict[str, Any]:
        names = [s.one_line for s in self.rec.elements.get("co_quan", [])]
        parents = [s.one_line for s in self.rec.elements.get("co_quan_chu_quan", [])]
        codes = groups if kind == "cong_van" else groups[1:]
        signers = len(self.rec.signatures) if kind != "bien_ban" else 1  # secretary and chair, one body
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
        else:  # one body: the whole body part of the symbol is its code (the Đoàn's 'TĐTN-TNTH')
            whole = [self.p.so_ky_hieu.noi_co_quan.join(codes)] if kind != "cong_van" and all(codes) else codes
            body: dict[str, Any] = {
                "ten": "\n".join(names) or "CHƯA RÕ",
                "viet_tat": self._code(whole, 0, " ".join(names)),
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

    def recipients(self, required: bool = True) -> list[Any]:
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
        if not out and required:
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
                    entry["tieu_de"] = seg.one_line
                elif seg.plain.startswith("(") and "kem_theo" not in entry and not body:
                    entry["kem_theo"] = seg.one_line
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
    """A table back into ``bang``: the STT column is the renderer's, a row without a number is a total."""
    rows = [[c.text.strip() for c in row] for row in table.rows]
    header, data = rows[0], rows[1:]
    stt = bool(header) and norm(header[0]) == "STT"
    width = len(header) - int(stt)
    out: list[Any] = []
    for row in data:
        if not stt:
            out.append((row + [""] * width)[:width])
        elif len(row) == width:  # "Tổng cộng" written across the STT and first columns
            out.append({"o": ["", *row[1:]], "tong": True, "nhan": row[0]})
        elif not row[0]:
            out.append({"o": (row[1:] + [""] * width)[:width], "tong": True})
        else:
            out.append((row[1:] + [""] * width)[:width])
    return {"cot": header[int(stt) :], "hang": out, **({} if stt else {"so_thu_tu": False})}


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
    if rec.attached and rec.elements.get("phu_luc_nhan") and not rec.elements.get("quoc_hieu"):
        return _appendix_file(rec, profile, b)
    issued_line = rec.text("phu_luc_kem_theo")
    if (
        "van_ban_kem_theo" in profile.loai_van_ban
        and not rec.signatures
        and match_ban_hanh(profile, issued_line) is not None
    ):
        return _issued_file(rec, profile, b)
    loai, extra = b.kind()
    so, groups = b.symbol()
    data: dict[str, Any] = {"loai": loai, "quy_tac": profile.ma}
    data.update(b.bodies(groups, loai))
    if so is not None:
        data["so"] = so
    data.update(extra)
    kind_rule = profile.loai_van_ban.get(loai)
    if kind_rule is None or kind_rule.co_ngay:
        data.update(b.place_date())
    else:  # a Biên bản prints no place-date line
        data["dia_danh"] = "CHƯA RÕ"
        b.warnings.append("văn bản này không in địa danh; 'dia_danh' (dùng cho sổ đăng ký) đã ghi 'CHƯA RÕ'")
    fields = _model_fields(loai)
    data.update(_addressees(rec, profile, loai, fields, b.warnings))
    if loai == "cong_van":
        vv = " ".join(s.one_line for s in rec.elements.get("trich_yeu_cong_van", []))
        prefix = profile.chu_de.tien_to_vv
        data["trich_yeu"] = vv[len(prefix) :].strip() if vv.startswith(prefix) else vv
    else:
        data["trich_yeu"] = "\n".join(s.one_line for s in rec.elements.get("trich_yeu", []))
    printed = _model_class(loai).IN_TRICH_YEU if _model_class(loai) else True
    if not data["trich_yeu"] and not printed:
        del data["trich_yeu"]  # not printed (giấy giới thiệu, nghỉ phép): the record makes its own
    elif not data["trich_yeu"]:
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
    data.update(_boxes(rec, profile, fields))
    ended = bool(rec.body) and rec.body[-1].text.rstrip().endswith(profile.chu_de.ket_thuc)
    own = read_kind_body(loai, rec.body, profile, ended)
    if own is not None:
        data.update(own.fields)
        b.warnings.extend(own.warnings)
        body = b.tree(own.own, close=own.own_last)[0]
        data["noi_dung"] = body
    else:
        body = b.tree(rec.body, close=True)[0]
        data["noi_dung"] = body or ["CHƯA RÕ"]
        if not body:
            b.warnings.append("không tìm thấy nội dung; đã ghi 'CHƯA RÕ'")
    if not data["noi_dung"] and not fields["noi_dung"].is_required():
        del data["noi_dung"]
    if not ended:
        data["ket_thuc"] = False
    if loai == "bien_ban":
        _meeting_signers(rec, data, b.warnings)
        _meeting_date(data)
    else:
        data["chu_ky"] = b.signatures()
    data["noi_nhan"] = b.recipients(required=fields["noi_nhan"].is_required())
    if not data["noi_nhan"]:
        del data["noi_nhan"]
    if loai == "giay_nghi_phep":
        _leave_confirmation(rec, data, profile)
    appendices = b.appendices(_tables_by_paragraph(rec))
    if appendices:
        data["phu_luc"] = appendices
    if rec.issued is not None and "van_ban_kem_theo" in fields:
        data["van_ban_kem_theo"] = _issued(rec.issued, profile, b.warnings)
    if rec.copy is not None and "ban_sao" in fields:
        data["ban_sao"] = _copy(rec.copy, profile, b.warnings)
    leftovers = [s.plain for s in rec.unplaced if s.plain]
    if leftovers:
        data["chua_xep"] = leftovers
        b.warnings.append(f"{len(leftovers)} đoạn không xếp được vào phần nào: đã ghi vào 'chua_xep' (không được in)")
    return data, b.warnings


_PARENT = re.compile(r"^(?P<loai>.+?)\s+số\s+(?P<so>\d+)/(?P<ky_hieu>\S+)(?P<rest>.*?)(?:\s+của\s+(?P<cua>.+))?$")


def _appendix_file(rec: Recognized, profile: RuleProfile, b: _Builder) -> tuple[dict[str, Any], list[str]]:
    """A Phụ lục issued as a file of its own (mẫu 2.1/2.2): label, title, '(Kèm theo …)', body, table."""

    kem_theo = rec.text("phu_luc_kem_theo").strip().strip("()").strip()
    data: dict[str, Any] = {"loai": "phu_luc", "quy_tac": profile.ma}
    m = _PARENT.match(kem_theo)
    groups: list[str] = []
    if m:
        data["so"] = int(m["so"])
        groups = [g for g in m["ky_hieu"].split(profile.so_ky_hieu.noi_co_quan) if g]
    name = (m["cua"] if m and m["cua"] else "").strip()
    viet_tat = groups[1] if len(groups) > 1 else "".join(w[0] for w in norm(name).split() if w[0].isalpha()) or "CQ"
    data["co_quan_ban_hanh"] = [{"ten": norm(name) or "CHƯA RÕ", "viet_tat": viet_tat}]
    b.warnings.append("phụ lục không in tên cơ quan ban hành; lấy từ dòng 'Kèm theo' (cần kiểm tra)")
    if groups:
        data["ma_loai"] = groups[0]  # the parent document's type code, for the symbol in ô 14
    data["kem_theo"] = kem_theo or "CHƯA RÕ"
    signed = _o14_signing_time(rec, profile)
    if signed is not None:
        data["thoi_gian_ky"] = signed
    label = rec.text("phu_luc_nhan")
    entry: dict[str, Any] = {"tieu_de": rec.text("phu_luc_ten") or "CHƯA RÕ"}
    if label != profile.danh_so.phu_luc:
        entry = {"nhan": label, **entry}
    body, _ = b.tree(rec.body, close=False)
    if body:
        entry["noi_dung"] = body
    tables = rec.doc.tables()
    if tables:
        entry["bang"] = _table(tables[0])
    data["phu_luc"] = [entry]
    return data, b.warnings


def _o14_signing_time(rec: Recognized, profile: RuleProfile) -> Any:
    """The signing time printed in ô 14 of a file of its own (appendix, issued quy chế), if any (the last one wins)."""
    signed = None
    for part in rec.doc.sections[0].first_page_parts() if rec.doc.sections else []:
        for para in part:
            found = match_template(profile.o_phu.mau_o14_tep_rieng, para.text)
            when = _signing_time(found.get("thoi_gian", ""), profile) if found else None
            signed = when if when is not None else signed
    return signed


def _issued_file(rec: Recognized, profile: RuleProfile, b: _Builder) -> tuple[dict[str, Any], list[str]]:
    """mẫu 1.3 (điện tử): a quy chế issued with a decision as a file of its own; the decision's
    number and date come from its '(Ban hành kèm theo …)' line, the signing time from ô 14."""
    line = match_ban_hanh(profile, rec.text("phu_luc_kem_theo")) or {}
    so, ky_hieu = split_symbol(f"{profile.chu_de.nhan_so} {line.get('so_ky_hieu', '')}", profile)
    data: dict[str, Any] = {"loai": "van_ban_kem_theo", "quy_tac": profile.ma}
    data.update(b.bodies(symbol_groups(ky_hieu, profile), "van_ban_kem_theo"))
    if so is not None:
        data["so"] = so
    when = date_in(line.get("ngay", ""))
    if when is not None:
        data["ngay_ban_hanh"] = when
    signed = _o14_signing_time(rec, profile)
    if signed is not None:
        data["thoi_gian_ky"] = signed
    body, _ = b.tree(rec.body, close=True)
    data["van_ban_kem_theo"] = {
        "ten_loai": rec.text("ten_loai") or "CHƯA RÕ",
        "trich_yeu": "\n".join(s.one_line for s in rec.elements.get("trich_yeu", [])) or "CHƯA RÕ",
        "kem_theo": rec.text("phu_luc_kem_theo"),
        "noi_dung": body or ["CHƯA RÕ"],
    }
    return data, b.warnings


def _issued(sub: Recognized, profile: RuleProfile, warnings: list[str]) -> dict[str, Any]:
    """mẫu 1.3: the quy chế/quy định after the decision, as ``van_ban_kem_theo``."""
    b = _Builder(sub, profile)
    body, _ = b.tree(sub.body, close=True)
    warnings.extend(b.warnings)
    out: dict[str, Any] = {
        "ten_loai": sub.text("ten_loai") or "CHƯA RÕ",
        "trich_yeu": "\n".join(s.one_line for s in sub.elements.get("trich_yeu", [])) or "CHƯA RÕ",
        "kem_theo": sub.text("ban_hanh_kem_theo"),
        "noi_dung": body or ["CHƯA RÕ"],
    }
    if not out["kem_theo"]:
        del out["kem_theo"]
    return out


def _copy(sub: Recognized, profile: RuleProfile, warnings: list[str]) -> dict[str, Any]:
    """Phụ lục I Phần II: the paper copy block or ô 14 of an electronic copy, as ``ban_sao``."""
    if "o14" in sub.elements:
        return _electronic_copy(sub.text("o14"), profile, warnings)
    b = _Builder(sub, profile)
    form = norm(sub.text("hinh_thuc_sao"))
    out: dict[str, Any] = {"hinh_thuc": next(k for k, f in profile.ban_sao.items() if norm(f.ten) == form)}
    so, groups = b.symbol()
    body = b.bodies(groups, "ban_sao")["co_quan_ban_hanh"][0]
    out["co_quan"] = body
    if so is not None:
        out["so"] = so
    place = b.place_date()
    out["dia_danh"] = place["dia_danh"]
    if place.get("ngay_ban_hanh"):
        out["ngay_sao"] = place["ngay_ban_hanh"]
    signatures = b.signatures()
    if signatures:
        out["chu_ky"] = signatures[0]
    out["noi_nhan"] = b.recipients()
    warnings.extend(f"bản sao: {w}" for w in b.warnings)
    return out


def _electronic_copy(text: str, profile: RuleProfile, warnings: list[str]) -> dict[str, Any]:
    """ô 14 ('SAO Y; <cơ quan>; 15/09/2026; 09:12:45 +07:00', o_phu.mau_o14_ban_sao) back into its parts."""
    parts = match_template(profile.o_phu.mau_o14_ban_sao, text) or {}
    form = norm(parts.get("hinh_thuc", ""))
    hinh_thuc = next((k for k, f in profile.ban_sao.items() if norm(f.ten) == form), "sao_y")
    name = parts.get("co_quan", "")
    out: dict[str, Any] = {"hinh_thuc": hinh_thuc, "dien_tu": True}
    initials = "".join(w[0] for w in norm(name).split() if w[0].isalpha()) or "CQ"
    out["co_quan"] = {"ten": name or "CHƯA RÕ", "viet_tat": initials}
    warnings.append(f"bản sao điện tử không in chữ viết tắt của '{name}'; tạm đặt '{initials}'")
    when = _signing_time(parts.get("thoi_gian", ""), profile)
    if when is not None:
        out["thoi_gian_ky"] = when
    elif parts.get("thoi_gian"):
        warnings.append(f"không đọc được thời gian ký số '{parts['thoi_gian']}' của bản sao điện tử")
    return out


def _signing_time(text: str, profile: RuleProfile) -> Any:
    """ô 14's signing time, written as o_phu.mau_thoi_gian_o14 plus the offset."""
    from datetime import datetime

    stamp = text.strip().removesuffix(profile.o_phu.mui_gio_o14).strip()
    try:
        return datetime.strptime(stamp, profile.o_phu.mau_thoi_gian_o14)
    except ValueError:
        return None


def _boxes(rec: Recognized, profile: RuleProfile, fields: dict[str, Any]) -> dict[str, Any]:
    """ô 10a/10b/11 marks, the draft mark and ô 13 (address and contacts in the first page's footer)."""
    out: dict[str, Any] = {}
    for key in ("do_mat", "do_khan", "pham_vi_luu_hanh"):
        if rec.elements.get(key) and key in fields:
            out[key] = rec.text(key)
    if rec.elements.get("du_thao") and "du_thao" in fields:
        out["du_thao"] = True
    contacts = _contacts(rec, profile)
    if contacts and "lien_he" in fields:
        out["lien_he"] = contacts
    return out


def _contacts(rec: Recognized, profile: RuleProfile) -> dict[str, str]:
    """ô 13 lines ('Địa chỉ: …'; 'ĐT: …, Fax: …'; 'E-mail: …, Website: …') back into lien_he."""
    o = profile.o_phu
    forms = {
        "dia_chi": o.o13_dia_chi,
        "dien_thoai": o.o13_dien_thoai,
        "fax": o.o13_fax,
        "email": o.o13_email,
        "website": o.o13_website,
    }
    prefixes = {key: form.split("{", 1)[0] for key, form in forms.items()}
    out: dict[str, str] = {}
    if not rec.doc.sections:
        return out
    for part in rec.doc.sections[0].first_page_parts():
        for para in part:
            text = " ".join(para.text.split())
            if text.startswith(prefixes["dia_chi"]):
                out["dia_chi"] = text[len(prefixes["dia_chi"]) :]
                continue
            last = None
            for piece in text.split(", "):
                key = next((k for k, pre in prefixes.items() if k != "dia_chi" and piece.startswith(pre)), None)
                if key is not None:
                    out[key], last = piece[len(prefixes[key]) :], key
                elif last is not None:  # a comma inside the value
                    out[last] += ", " + piece
    return out


def _model_class(loai: str) -> type | None:
    """The record model of a kind, read from the records' own union (no list kept here)."""
    from typing import get_args

    from congvan.records.models import VanBan

    for cls in get_args(get_args(VanBan)[0]):
        if get_args(cls.model_fields["loai"].annotation)[0] == loai:
            return cls
    return None


def _model_fields(loai: str) -> dict[str, Any]:
    cls = _model_class(loai)
    return cls.model_fields if cls is not None else {}


def _addressees(
    rec: Recognized, profile: RuleProfile, loai: str, fields: dict[str, Any], warnings: list[str]
) -> dict[str, Any]:
    """ô 9a: 'Kính gửi: X.' or its list; a Công điện's '<người đứng đầu> điện:' and its list."""
    lines = rec.elements.get("kinh_gui", [])
    if not lines or "kinh_gui" not in fields:
        return {}
    out: dict[str, Any] = {}
    label = profile.chu_de.nhan_kinh_gui
    head = lines[0].one_line
    dien = match_cau(profile, "dien", head)
    if dien is not None and "nguoi_dien" in fields:
        out["nguoi_dien"] = dien["nguoi_dien"]
        first = ""
    else:
        first = head[len(label) :].strip() if head.startswith(label.rstrip(":")) else head
    out["kinh_gui"] = [_strip_item(first)] if first else [_strip_item(s.plain) for s in lines[1:]]
    if "nguoi_dien" in fields and "nguoi_dien" not in out:
        warnings.append("không tìm thấy dòng '... điện:' của công điện; đã ghi 'CHƯA RÕ'")
        out["nguoi_dien"] = "CHƯA RÕ"
    return out


def _meeting_signers(rec: Recognized, data: dict[str, Any], warnings: list[str]) -> None:
    """A Biên bản is signed by its secretary and chair, named in its body: check they agree."""
    named = {norm(block.name.plain) for block in rec.signatures if block.name is not None}
    for key in ("chu_tri", "thu_ky"):
        person = data.get(key, {}).get("ho_ten", "")
        if named and norm(person) not in named:
            warnings.append(f"người ký của biên bản không trùng với '{key}' trong thân ({person}): cần kiểm tra")


def _meeting_date(data: dict[str, Any]) -> None:
    """A Biên bản prints no place-date line: its date is the meeting's start."""
    if "ngay_ban_hanh" not in data:
        found = date_in(str(data.get("thoi_gian_bat_dau", "")))
        if found is not None:
            data["ngay_ban_hanh"] = found


def _leave_confirmation(rec: Recognized, data: dict[str, Any], profile: RuleProfile) -> None:
    """The confirmation box of the place of leave (fixed texts of the profile) is a yes/no field."""
    fixed = {norm(profile.cau["xac_nhan_noi_nghi"]), norm(profile.cau["chu_ky_xac_nhan"])}
    box = [s for s in rec.unplaced if norm(s.plain) in fixed]
    if box:
        data["xac_nhan_noi_nghi"] = True
        rec.unplaced = [s for s in rec.unplaced if s not in box]


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
    trial = _with_name_in_sentence(trial, [w for w in written if w], profile)
    try:
        vb = validate_data(trial, "nhap")
    except CongvanError:
        return
    auto = appendices(vb, profile, so_va_ky_hieu(vb.so, ky_hieu_cua(vb, profile)))
    dropped = False
    for pl, made in zip(data["phu_luc"], auto, strict=True):
        if pl.get("kem_theo") == made["kem_theo"]:
            del pl["kem_theo"]
            dropped = True
    if dropped:
        data["co_quan_ban_hanh"] = trial["co_quan_ban_hanh"]


def _settle_issued(data: dict[str, Any], profile: RuleProfile) -> None:
    """mẫu 1.3: drop the issued document's '(Ban hành kèm theo …)' line when the renderer would write
    it the same by itself, the issuing body's sentence name taken from its "… của <name>)"."""
    from congvan.records.loader import validate_data
    from congvan.render.context import issued_document, ky_hieu_cua
    from congvan.vi.so_ky_hieu import so_va_ky_hieu

    issued = data.get("van_ban_kem_theo")
    written = issued.get("kem_theo") if isinstance(issued, dict) else None
    if not written:
        return
    trial = {**data, "van_ban_kem_theo": {k: v for k, v in issued.items() if k != "kem_theo"}}
    trial = _with_name_in_sentence(trial, [written], profile, "ban_hanh_kem_theo_cua")
    try:
        vb = validate_data(trial, "nhap")
    except CongvanError:
        return
    made = issued_document(vb, profile, so_va_ky_hieu(vb.so, ky_hieu_cua(vb, profile)))
    if made is not None and made["kem_theo"] == written:
        data["van_ban_kem_theo"] = trial["van_ban_kem_theo"]
        data["co_quan_ban_hanh"] = trial["co_quan_ban_hanh"]


def _with_name_in_sentence(
    data: dict[str, Any], lines: list[str], profile: RuleProfile, key: str = "kem_theo_van_ban_cua"
) -> dict[str, Any]:
    """A single issuing body takes its sentence name from "(Kèm theo … của <name>)" (profile sentence
    *key*; joint bodies cannot be split)."""
    bodies = data.get("co_quan_ban_hanh")
    if not isinstance(bodies, list) or len(bodies) != 1 or bodies[0].get("ten_trong_cau"):
        return data
    for line in lines:
        found = match_cau(profile, key, line)
        if found and found.get("co_quan"):
            return {**data, "co_quan_ban_hanh": [{**bodies[0], "ten_trong_cau": found["co_quan"]}]}
    return data


def dump_yaml(data: dict[str, Any], source: str, warnings: list[str]) -> str:
    head = [f"# Nhập từ {source} bằng 'congvan nhap'. Hãy đọc lại trước khi xuất."]
    head += [f"# Cảnh báo: {w}" for w in warnings]
    body = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
    return "\n".join(head) + "\n" + body


def import_docx(source: Path | bytes, profile: RuleProfile | None = None, name: str | None = None) -> ImportResult:
    """Read, recognise, build and validate, under *profile* or the rule set the document shows;
    raises CongvanError when no record can be made."""
    from congvan.records.loader import validate_data

    display = name or str(source)
    doc = read_docx(source, name=display)
    profile = profile or profile_for_document(doc)
    rec = recognize(doc, profile)
    data, warnings = build_record(rec, profile)
    seg = rec.first("so_ky_hieu")
    printed = split_symbol(seg.plain, profile)[1] if seg is not None else ""
    noi = profile.so_ky_hieu.noi_loai + profile.so_ky_hieu.noi_co_quan
    if not printed or loi_ky_hieu(printed, profile.ma_hop_le, noi=noi):
        printed = ""
    _settle_symbol(data, printed, profile)
    _settle_appendices(data, profile)
    _settle_issued(data, profile)
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
