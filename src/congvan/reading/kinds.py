"""The fixed lines of Phụ lục III mẫu 1.6–1.10 read back into their kinds' own fields.

A Giấy mời, Giấy giới thiệu, Biên bản or Giấy nghỉ phép prints some of its fields
inside fixed sentences ("… trân trọng kính mời: …", "Tới dự: …", "Xét Đơn đề nghị
nghỉ phép ngày …"). Those sentences are data in the profile's ``[cau]`` section;
each is turned into a pattern here, so the importer reads back exactly what the
renderer writes, under the same rule set. The body left between the fixed lines is
the record's own ``noi_dung``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from congvan.profiles import RuleProfile
from congvan.reading.elements import Segment, match_cau
from congvan.vi.ngay import parse_ngay

_DATE_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_DATE_SHORT = re.compile(r"ngày\s+(\d{1,2}/\d{1,2}/\d{4})")


def drop_period(text: str) -> str:
    """'Hội trường A.' -> 'Hội trường A': the renderer writes the closing period itself."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text


def _short_date(text: str) -> date | None:
    try:
        return parse_ngay(text.strip().rstrip("."))
    except ValueError:
        return None


def date_in(text: str) -> date | None:
    """The first 'ngày 12 tháng 3 năm 2026' or 'ngày 12/3/2026' in a text (a Biên bản's date)."""
    m = _DATE_WORDS.search(text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            return None
    m = _DATE_SHORT.search(text)
    return _short_date(m[1]) if m else None


@dataclass
class KindBody:
    """Result of reading a kind's fixed lines: fields, the own body between, what was guessed."""

    fields: dict[str, Any] = field(default_factory=dict)
    own: list[Segment] = field(default_factory=list)
    own_last: bool = True  # the own body closes the document (its last line carries './.')
    warnings: list[str] = field(default_factory=list)


class _Lines:
    """The body segments as a queue read from the front and from the back."""

    def __init__(self, segs: list[Segment], profile: RuleProfile, ended: bool) -> None:
        self.segs = list(segs)
        self.p = profile
        self.ended = ended
        self.total = len(segs)
        self.front = 0
        self.back = len(segs)

    def _text(self, i: int) -> str:
        text = self.segs[i].one_line
        if self.ended and i == self.total - 1 and text.endswith(self.p.chu_de.ket_thuc):
            text = text[: -len(self.p.chu_de.ket_thuc) + 1]  # 'x./.' -> 'x.'
        return text

    def take(self, *keys: str) -> tuple[str, dict[str, str]] | None:
        """The next line if it is one of the sentences *keys*."""
        if self.front >= self.back:
            return None
        for key in keys:
            found = match_cau(self.p, key, self._text(self.front))
            if found is not None:
                self.front += 1
                return key, found
        return None

    def take_last(self, *keys: str) -> tuple[str, dict[str, str]] | None:
        """The last unread line if it is one of the sentences *keys*."""
        if self.front >= self.back:
            return None
        for key in keys:
            found = match_cau(self.p, key, self._text(self.back - 1))
            if found is not None:
                self.back -= 1
                return key, found
        return None

    def take_items(self, dash: str) -> list[str]:
        """Following '- X;' lines (a Biên bản's thành phần)."""
        out = []
        while self.front < self.back and self._text(self.front).startswith(dash):
            out.append(self._text(self.front)[len(dash) :].strip().rstrip(";.").strip())
            self.front += 1
        return out

    def rest(self) -> list[Segment]:
        return self.segs[self.front : self.back]


def _person(text: str) -> dict[str, str]:
    """'Trần Văn Bình, Chủ tịch Liên đoàn' -> ho_ten, chuc_vu (the renderer joins them with ', ')."""
    name, _, title = drop_period(text).partition(", ")
    return {"ho_ten": name.strip(), **({"chuc_vu": title.strip()} if title.strip() else {})}


def _danh_xung(key: str) -> str | None:
    return {"ong": "Ông", "ba": "Bà"}.get(key)


def _missing(out: KindBody, label: str) -> None:
    out.warnings.append(f"không tìm thấy dòng '{label}' của mẫu; trường này để 'CHƯA RÕ'")


def giay_moi(lines: _Lines, out: KindBody) -> None:
    f = out.fields
    got = lines.take("moi")
    if got:
        f["ben_moi"], f["nguoi_duoc_moi"] = got[1]["ben_moi"], drop_period(got[1]["nguoi_duoc_moi"])
    for key, name, required in (
        ("toi_du", "toi_du", True),
        ("chu_tri", "chu_tri", False),
        ("thoi_gian", "thoi_gian", True),
        ("dia_diem", "dia_diem", True),
        ("mang_theo", "mang_theo", False),
    ):
        got = lines.take(key)
        if got:
            f[name] = drop_period(got[1]["noi_dung"])
        elif required:
            _missing(out, lines.p.cau[key].split("{", 1)[0].strip())
    for name in ("ben_moi", "nguoi_duoc_moi", "toi_du", "thoi_gian", "dia_diem"):
        f.setdefault(name, "CHƯA RÕ")


def giay_gioi_thieu(lines: _Lines, out: KindBody) -> None:
    f = out.fields
    got = lines.take("gioi_thieu")
    if got:
        f["ben_gioi_thieu"] = got[1]["ben_gioi_thieu"]
    got = lines.take("ong", "ba", "ong_ba")
    if got:
        f["nguoi_duoc_gioi_thieu"] = got[1]["noi_dung"]
        if _danh_xung(got[0]):
            f["danh_xung"] = _danh_xung(got[0])
    for key in ("chuc_vu", "duoc_cu_den", "ve_viec"):
        got = lines.take(key)
        if got:
            f[key] = drop_period(got[1]["noi_dung"]) if key != "chuc_vu" else got[1]["noi_dung"]
    got = lines.take_last("co_gia_tri")
    until = _short_date(got[1]["ngay"]) if got else None
    if until is None:
        _missing(out, "Giấy này có giá trị đến hết ngày")
    f["co_gia_tri_den"] = until or date.today()
    lines.take_last("de_nghi_tao_dieu_kien")
    out.own_last = False
    for name in ("ben_gioi_thieu", "nguoi_duoc_gioi_thieu", "chuc_vu", "duoc_cu_den", "ve_viec"):
        f.setdefault(name, "CHƯA RÕ")


def bien_ban(lines: _Lines, out: KindBody) -> None:
    f = out.fields
    got = lines.take("thoi_gian_bat_dau")
    if got:
        f["thoi_gian_bat_dau"] = drop_period(got[1]["noi_dung"])
    got = lines.take("dia_diem")
    if got:
        f["dia_diem"] = drop_period(got[1]["noi_dung"])
    got = lines.take("thanh_phan")
    if got:
        one = drop_period(got[1]["noi_dung"])
        f["thanh_phan"] = [one] if one else lines.take_items(lines.p.danh_so.gach)
    for key, name in (("chu_toa", "chu_tri"), ("thu_ky", "thu_ky")):
        got = lines.take(key)
        if got:
            f[name] = _person(got[1]["noi_dung"])
    got = lines.take("noi_dung_bien_ban")
    if got:
        f["cuoc_hop"] = got[1]["cuoc_hop"]
    got = lines.take_last("ket_thuc_hop")
    if got:
        f["ket_thuc_luc"] = got[1]["luc"]
    out.own_last = False
    for name in ("thoi_gian_bat_dau", "dia_diem", "ket_thuc_luc"):
        if name not in f:
            _missing(out, name)
            f[name] = "CHƯA RÕ"
    f.setdefault("thanh_phan", ["CHƯA RÕ"])
    f.setdefault("chu_tri", {"ho_ten": "CHƯA RÕ"})
    f.setdefault("thu_ky", {"ho_ten": "CHƯA RÕ"})


def giay_nghi_phep(lines: _Lines, out: KindBody) -> None:
    f = out.fields
    got = lines.take("xet_don")
    if got:
        v = got[1]
        f["ben_cap"], f["nguoi_nghi"] = v["ben_cap"], v["ho_ten"]
        f["ngay_don"] = _short_date(v["ngay_don"])
    got = lines.take("ong", "ba", "ong_ba")
    if got:
        f["nguoi_nghi"] = got[1]["noi_dung"]
        if _danh_xung(got[0]):
            f["danh_xung"] = _danh_xung(got[0])
    got = lines.take("chuc_vu")
    if got:
        f["chuc_vu"] = got[1]["noi_dung"]
    got = lines.take("nghi_trong")
    if got:
        v = got[1]
        f["so_ngay"] = int(v["so_ngay"]) if v["so_ngay"].isdigit() else None
        f["tu_ngay"], f["den_ngay"] = _short_date(v["tu_ngay"]), _short_date(v["den_ngay"])
        f["noi_nghi"] = v["noi_nghi"]
    got = lines.take_last("tinh_vao")
    if got:
        f["tinh_vao"] = got[1]["tinh_vao"]
    out.own_last = False
    for name in ("ben_cap", "nguoi_nghi", "chuc_vu", "noi_nghi", "tinh_vao"):
        if not f.get(name):
            _missing(out, name)
            f[name] = "CHƯA RÕ"
    for name in ("ngay_don", "tu_ngay", "den_ngay"):
        if f.get(name) is None:
            _missing(out, name)
            f[name] = date.today()
    if not f.get("so_ngay"):
        f["so_ngay"] = (f["den_ngay"] - f["tu_ngay"]).days + 1 if f["den_ngay"] >= f["tu_ngay"] else 1


READERS = {
    "giay_moi": giay_moi,
    "giay_gioi_thieu": giay_gioi_thieu,
    "bien_ban": bien_ban,
    "giay_nghi_phep": giay_nghi_phep,
}


def read_kind_body(loai: str, body: list[Segment], profile: RuleProfile, ended: bool) -> KindBody | None:
    """The kind's fields from its fixed lines and the own body left over; None for other kinds."""
    reader = READERS.get(loai)
    if reader is None:
        return None
    out = KindBody()
    lines = _Lines(body, profile, ended)
    reader(lines, out)
    out.own = lines.rest()
    return out


__all__ = ["KindBody", "date_in", "drop_period", "match_cau", "read_kind_body"]
