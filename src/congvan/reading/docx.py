"""WordprocessingML read back with the formatting Word would show.

Run properties resolve as Word does: document defaults, then the table style, the
paragraph style chain (``basedOn``), the character style chain, then direct
formatting; bold/italic/caps are toggles, XOR-ed between the style types. Theme
fonts are looked up in the theme, list labels are computed from ``numbering.xml``,
text boxes (``w:txbxContent``), nested tables, the headers and footers of every
section and each section's page size and margins are read. This module knows XML,
not NĐ30: recognising the parts of a văn bản is ``congvan.reading.elements``.
"""

from __future__ import annotations

import contextlib
import io
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from lxml import etree

from congvan.errors import CongvanError, Problem
from congvan.vi.chu import so_la_ma

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
V_NS = "urn:schemas-microsoft-com:vml"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

NS = {"w": W_NS}  # for XPath on the raw elements (Paragraph.el, Table.el, Document.section_props())
TWIPS_PER_MM = 1440 / 25.4
EMU_PER_MM = 36000
TOGGLES = ("b", "i", "caps", "strike")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@lru_cache(maxsize=256)
def q(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _val(el: etree._Element | None, attr: str = "val") -> str | None:
    return None if el is None else el.get(q(attr))


def _on(el: etree._Element) -> bool:
    return el.get(q("val"), "true").lower() not in ("0", "false", "off", "none")


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def tw_mm(value: int | None) -> float | None:
    return None if value is None else value / TWIPS_PER_MM


class DocxUnreadable(CongvanError):
    """The file is not a readable DOCX (exit status 2 in ``kiem-tra``)."""


# ---------------------------------------------------------------- properties


def _rpr_dict(rpr: etree._Element | None) -> dict:
    """Explicit run properties of one ``w:rPr``."""
    out: dict = {}
    if rpr is None:
        return out
    for child in rpr:
        tag = etree.QName(child).localname
        if tag in TOGGLES:
            out[tag] = _on(child)
        elif tag == "sz":
            size = _int(_val(child))
            if size is not None:
                out["sz"] = size / 2
        elif tag == "rFonts":
            for attr in ("ascii", "hAnsi"):
                theme = child.get(q(f"{attr}Theme"))
                if theme is not None:  # a theme font wins over a named one at the same level
                    out[f"font_{attr}Theme"] = theme
                elif child.get(q(attr)) is not None:  # a named font overrides an inherited theme font
                    out[f"font_{attr}"] = child.get(q(attr))
                    out[f"font_{attr}Theme"] = None
        elif tag == "vertAlign":
            out["vertAlign"] = _val(child)
        elif tag == "u":
            out["u"] = _val(child) not in (None, "none")
            out["u_val"] = _val(child)
        elif tag == "color":
            out["color"] = _val(child)
        elif tag == "rStyle":
            out["rStyle"] = _val(child)
    return out


def _ppr_dict(ppr: etree._Element | None) -> dict:
    """Explicit paragraph properties of one ``w:pPr`` (attribute-level for ind/spacing)."""
    out: dict = {}
    if ppr is None:
        return out
    for child in ppr:
        tag = etree.QName(child).localname
        if tag == "jc":
            out["jc"] = _val(child)
        elif tag in ("ind", "spacing"):
            for attr, value in child.attrib.items():
                name = etree.QName(attr).localname
                out[f"{tag}_{name}"] = value
        elif tag == "pBdr":
            for side in child:
                name = etree.QName(side).localname
                out[f"bdr_{name}"] = (_val(side), (_int(side.get(q("sz"))) or 0) / 8)
                out[f"bdr_{name}_space"] = side.get(q("space"))
        elif tag == "numPr":
            ilvl, num = child.find(q("ilvl")), child.find(q("numId"))
            if num is not None:
                out["numId"] = _val(num)
            if ilvl is not None:
                out["ilvl"] = _int(_val(ilvl)) or 0
        elif tag in ("keepNext", "pageBreakBefore"):
            out[tag] = _on(child)
        elif tag == "pStyle":
            out["pStyle"] = _val(child)
        elif tag == "tabs":
            out["tabs"] = [(_val(t), _int(t.get(q("pos")))) for t in child.findall(q("tab"))]
    return out


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    merged.update(over)
    return merged


class Styles:
    """``styles.xml``: chains resolved once per style id (reading stays fast)."""

    def __init__(self, root: etree._Element | None) -> None:
        self.by_id: dict[str, etree._Element] = {}
        self.default_para: str | None = None
        self.default_char: str | None = None
        self.default_table: str | None = None
        self.rpr_default: dict = {}
        self.ppr_default: dict = {}
        if root is None:
            return
        for style in root.findall(q("style")):
            sid = style.get(q("styleId"))
            self.by_id[sid] = style
            if _on_attr(style.get(q("default"))):
                kind = style.get(q("type"))
                if kind == "paragraph":
                    self.default_para = sid
                elif kind == "character":
                    self.default_char = sid
                elif kind == "table":
                    self.default_table = sid
        self.rpr_default = _rpr_dict(root.find(f"{q('docDefaults')}/{q('rPrDefault')}/{q('rPr')}"))
        self.ppr_default = _ppr_dict(root.find(f"{q('docDefaults')}/{q('pPrDefault')}/{q('pPr')}"))
        self._rpr_cache: dict[str | None, dict] = {}
        self._ppr_cache: dict[str | None, dict] = {}

    def chain(self, style_id: str | None) -> list[etree._Element]:
        """The style then its ``basedOn`` ancestors (cycles cut)."""
        out: list[etree._Element] = []
        seen: set[str] = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            out.append(style)
            style_id = _val(style.find(q("basedOn")))
        return out

    def rpr(self, style_id: str | None) -> dict:
        """Run properties a style chain sets (derived over base)."""
        if style_id not in self._rpr_cache:
            merged: dict = {}
            for style in reversed(self.chain(style_id)):
                merged = _merge(merged, _rpr_dict(style.find(q("rPr"))))
            self._rpr_cache[style_id] = merged
        return self._rpr_cache[style_id]

    def ppr(self, style_id: str | None) -> dict:
        if style_id not in self._ppr_cache:
            merged: dict = {}
            for style in reversed(self.chain(style_id)):
                merged = _merge(merged, _ppr_dict(style.find(q("pPr"))))
            self._ppr_cache[style_id] = merged
        return self._ppr_cache[style_id]

    def name(self, style_id: str | None) -> str | None:
        style = self.by_id.get(style_id or "")
        return _val(style.find(q("name"))) if style is not None else None


def _on_attr(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true", "on")


class Theme:
    """Major/minor Latin fonts of ``theme1.xml`` (``asciiTheme="minorHAnsi"``)."""

    def __init__(self, root: etree._Element | None) -> None:
        self.fonts: dict[str, str] = {}
        if root is None:
            return
        for kind in ("major", "minor"):
            latin = root.find(f".//{{{A_NS}}}{kind}Font/{{{A_NS}}}latin")
            if latin is not None and latin.get("typeface"):
                self.fonts[kind] = latin.get("typeface")

    def font(self, theme_name: str) -> str | None:
        return self.fonts.get("major" if theme_name.startswith("major") else "minor")


def _format_number(fmt: str, n: int) -> str:
    if fmt == "decimal":
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt in ("lowerRoman", "upperRoman"):
        roman = so_la_ma(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    if fmt == "none":
        return ""
    return str(n)


@dataclass
class _Level:
    fmt: str
    text: str
    start: int
    ppr: dict
    rpr: dict


class Numbering:
    """List labels as Word numbers them: counters per abstract list, deeper levels reset."""

    def __init__(self, root: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if root is None:
            return
        for an in root.findall(q("abstractNum")):
            self.abstract[an.get(q("abstractNumId"))] = {
                _int(lvl.get(q("ilvl"))) or 0: self._level(lvl) for lvl in an.findall(q("lvl"))
            }
        for num in root.findall(q("num")):
            starts = {}
            for override in num.findall(q("lvlOverride")):
                start = override.find(q("startOverride"))
                if start is not None:
                    starts[_int(override.get(q("ilvl"))) or 0] = _int(_val(start)) or 1
            self.nums[num.get(q("numId"))] = (_val(num.find(q("abstractNumId"))) or "", starts)

    @staticmethod
    def _level(lvl: etree._Element) -> _Level:
        return _Level(
            fmt=_val(lvl.find(q("numFmt"))) or "decimal",
            text=_val(lvl.find(q("lvlText"))) or "",
            start=_int(_val(lvl.find(q("start")))) or 1,
            ppr=_ppr_dict(lvl.find(q("pPr"))),
            rpr=_rpr_dict(lvl.find(q("rPr"))),
        )

    def level(self, num_id: str | None, ilvl: int) -> _Level | None:
        if not num_id or num_id == "0" or num_id not in self.nums:
            return None
        abstract_id, _ = self.nums[num_id]
        return self.abstract.get(abstract_id, {}).get(ilvl)

    def next_label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of (list, level) and return the label shown."""
        abstract_id, starts = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        counts = self.counters.setdefault(abstract_id, {})
        this = levels.get(ilvl)
        if this is None:
            return ""
        first = starts.get(ilvl, this.start)
        counts[ilvl] = counts.get(ilvl, first - 1) + 1
        for deeper in [k for k in counts if k > ilvl]:
            del counts[deeper]
        if this.fmt == "bullet":
            return this.text
        label = this.text
        for k in range(9):
            token = f"%{k + 1}"
            if token in label:
                lvl = levels.get(k)
                value = counts.get(k, (starts.get(k, lvl.start) if lvl else 1))
                label = label.replace(token, _format_number(lvl.fmt if lvl else "decimal", value))
        return label


# ---------------------------------------------------------------- model


@dataclass
class Run:
    text: str
    bold: bool
    italic: bool
    size_pt: float | None
    fonts: tuple[str, ...]
    caps: bool = False
    superscript: bool = False
    underline: bool = False
    #: the rest of the effective run properties, as Word names them (``color``, ``u``, ``rFonts/ascii``)
    extra: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Shape:
    """A drawn line (DrawingML connector/line or VML line), its length in mm."""

    width_mm: float
    where: str


@dataclass
class Paragraph:
    runs: list[Run]
    style_id: str | None
    style_name: str | None
    props: dict
    label: str
    where: str
    container: str  # "than" | "o" | "khung" | "dau_trang" | "chan_trang"
    width_mm: float
    section: int
    fields: list[str] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    page_break: bool = False
    el: etree._Element | None = None

    @cached_property
    def text(self) -> str:
        """The text as stored (list label not included, caps not applied)."""
        return "".join(r.text for r in self.runs)

    @property
    def shown(self) -> str:
        """What the reader sees: list label, then the text, caps applied."""
        body = "".join(r.text.upper() if r.caps else r.text for r in self.runs)
        return f"{self.label} {body}" if self.label else body

    def visible_runs(self) -> list[Run]:
        """Runs that carry visible text (spaces and empty runs do not count)."""
        return [r for r in self.runs if r.text.strip()]

    def sizes(self) -> set[float]:
        return {r.size_pt for r in self.visible_runs() if r.size_pt is not None and not r.superscript}

    def all_bold(self) -> bool:
        runs = [r for r in self.visible_runs() if not r.superscript]
        return bool(runs) and all(r.bold for r in runs)

    def all_italic(self) -> bool:
        runs = [r for r in self.visible_runs() if not r.superscript]
        return bool(runs) and all(r.italic for r in runs)

    def any_bold(self) -> bool:
        return any(r.bold for r in self.visible_runs())

    @property
    def jc(self) -> str | None:
        return self.props.get("jc")

    def ind_mm(self, name: str) -> float:
        """Indent in mm: left/right (start/end accepted), firstLine, hanging."""
        aliases = {"left": ("left", "start"), "right": ("right", "end")}.get(name, (name,))
        for alias in aliases:
            value = _int(self.props.get(f"ind_{alias}"))
            if value is not None:
                return value / TWIPS_PER_MM
        return 0.0

    def spacing_pt(self, name: str) -> float | None:
        value = _int(self.props.get(f"spacing_{name}"))
        return None if value is None else value / 20

    def border(self, side: str) -> tuple[str, float] | None:
        value = self.props.get(f"bdr_{side}")
        if value is None or value[0] in (None, "nil", "none"):
            return None
        return value

    # -- queries by WordprocessingML names, on the effective (resolved) properties
    @property
    def style(self) -> str | None:
        """The paragraph style as written in the paragraph (None: the document's default style)."""
        return _val(self.el.find(f"{q('pPr')}/{q('pStyle')}")) if self.el is not None else None

    @property
    def flat_text(self) -> str:
        """The text of the w:t runs only (tabs and line breaks not counted), as Word's search sees it."""
        if self.el is None:
            return self.text
        return "".join(
            "-" if t.tag == q("noBreakHyphen") else t.text or ""
            for t in self.el.iter(q("t"), q("noBreakHyphen"))
            if next(t.iterancestors(q("p"))) is self.el
        )

    @property
    def in_table(self) -> bool:
        return self.container == "o"

    def ppr(self, path: str, attr: str) -> str | None:
        """Effective paragraph attribute by its OOXML path: ``ppr("w:jc", "val")``,
        ``ppr("w:ind", "firstLine")``, ``ppr("w:spacing", "before")``, ``ppr("w:pBdr/w:bottom", "space")``."""
        parts = [p.removeprefix("w:") for p in path.split("/")]
        if parts == ["jc"]:
            return self.props.get("jc")
        if parts[0] in ("ind", "spacing") and len(parts) == 1:
            return self.props.get(f"{parts[0]}_{attr}")
        if parts[0] == "pBdr" and len(parts) == 2:
            if attr == "val":
                value = self.props.get(f"bdr_{parts[1]}")
                return value[0] if value else None
            return self.props.get(f"bdr_{parts[1]}_{attr}")
        raise KeyError(f"paragraph property {path}/@{attr} is not read")

    def has_bottom_border(self) -> bool:
        return self.border("bottom") is not None

    def rpr(self, run: Run, tag: str, attr: str = "val") -> str | bool | float | None:
        """Effective run property by its OOXML name: ``b``, ``i``, ``sz`` (half-points as written),
        ``color``, ``u``, ``rFonts``/``ascii``."""
        if tag == "b":
            return run.bold
        if tag == "i":
            return run.italic
        if tag == "sz":
            return None if run.size_pt is None else str(round(run.size_pt * 2))
        key = f"{tag}/{attr}" if tag == "rFonts" else tag
        if key not in run.extra:
            raise KeyError(f"run property {tag}/@{attr} is not read")
        return run.extra[key]

    def run_values(self, tag: str, attr: str = "val") -> set:
        """The values one property takes over the paragraph's text runs."""
        return {self.rpr(r, tag, attr) for r in self.runs if r.text.strip("\t\n")}

    def size_pt(self) -> set[float]:
        return {r.size_pt for r in self.runs if r.text.strip("\t\n") and r.size_pt is not None}


@dataclass
class Cell:
    blocks: list[Paragraph | Table]
    width_mm: float
    where: str

    def paragraphs(self) -> list[Paragraph]:
        return list(_iter_paragraphs(self.blocks))

    @property
    def text(self) -> str:
        return "\n".join(p.shown for p in self.paragraphs())


@dataclass
class Table:
    rows: list[list[Cell]]
    where: str
    index: int
    el: etree._Element | None = None

    def cells(self) -> list[Cell]:
        return [c for row in self.rows for c in row]

    def paragraphs(self) -> list[Paragraph]:
        return [p for c in self.cells() for p in c.paragraphs()]


@dataclass
class Section:
    index: int
    page_w_mm: float
    page_h_mm: float
    margins_mm: dict[str, float]
    title_page: bool
    headers: dict[str, list[Paragraph]]
    footers: dict[str, list[Paragraph]]

    @property
    def text_width_mm(self) -> float:
        return self.page_w_mm - self.margins_mm.get("left", 0) - self.margins_mm.get("right", 0)

    def first_page_parts(self) -> list[list[Paragraph]]:
        """Header and footer shown on the section's first page."""
        kind = "first" if self.title_page else "default"
        return [self.headers.get(kind, []), self.footers.get(kind, [])]

    def later_page_parts(self) -> list[list[Paragraph]]:
        return [self.headers.get("default", []), self.footers.get("default", [])]


def _iter_paragraphs(blocks: list[Paragraph | Table]) -> Iterator[Paragraph]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block
        else:
            for cell in block.cells():
                yield from _iter_paragraphs(cell.blocks)


@dataclass
class Document:
    name: str
    blocks: list[Paragraph | Table]
    sections: list[Section]
    textboxes: list[Paragraph]
    zip: zipfile.ZipFile | None = field(default=None, repr=False)
    xml: etree._Element | None = field(default=None, repr=False)

    def by_style(self, style: str) -> list[Paragraph]:
        """Paragraphs whose written style is *style*, in reading order."""
        return [p for p in self.paragraphs() if p.style == style]

    def texts(self) -> list[str]:
        """The non-empty paragraph texts (w:t runs only), in reading order."""
        return [t for t in (p.flat_text for p in self.paragraphs()) if t.strip()]

    def part(self, name: str) -> bytes:
        """A package part as stored, e.g. ``word/header2.xml``."""
        if self.zip is None:
            raise KeyError(name)
        return self.zip.read(name)

    def section_props(self) -> list[etree._Element]:
        """Every w:sectPr of the body, in order (the last is the document's)."""
        return [] if self.xml is None else list(self.xml.iter(q("sectPr")))

    def paragraphs(self, *, textboxes: bool = True) -> list[Paragraph]:
        """Every body paragraph in reading order, cells included; text boxes after."""
        out = list(_iter_paragraphs(self.blocks))
        return out + self.textboxes if textboxes else out

    def tables(self) -> list[Table]:
        out: list[Table] = []

        def walk(blocks: list[Paragraph | Table]) -> None:
            for b in blocks:
                if isinstance(b, Table):
                    out.append(b)
                    for c in b.cells():
                        walk(c.blocks)

        walk(self.blocks)
        return out

    def header_footer_paragraphs(self) -> list[Paragraph]:
        seen: set[int] = set()
        out = []
        for s in self.sections:
            for part in list(s.headers.values()) + list(s.footers.values()):
                if id(part) not in seen:
                    seen.add(id(part))
                    out.extend(part)
        return out


# ---------------------------------------------------------------- reader


class _Reader:
    """One pass over a package; builds :class:`Document`."""

    def __init__(self, zf: zipfile.ZipFile, name: str) -> None:
        self.zf = zf
        self.name = name
        self.main_part = self._main_part()
        self.document = self._xml(self.main_part, required=True)
        self.rels = self._rels(self.main_part)
        self.styles = Styles(self._related_xml("styles"))
        self.theme = Theme(self._related_xml("theme"))
        self.numbering = Numbering(self._related_xml("numbering"))
        self.textboxes: list[Paragraph] = []
        self.table_count = 0
        self.body_count = 0
        self.section = 0

    # -- package
    def _main_part(self) -> str:
        root = self._xml("_rels/.rels")
        if root is not None:
            for rel in root.findall(f"{{{REL_NS}}}Relationship"):
                if rel.get("Type", "").endswith("/officeDocument"):
                    return rel.get("Target", "word/document.xml").lstrip("/")
        return "word/document.xml"

    def _xml(self, part: str, required: bool = False) -> etree._Element | None:
        try:
            data = self.zf.read(part)
        except KeyError:
            if required:
                raise DocxUnreadable(
                    Problem("không phải tệp Word (.docx): thiếu phần nội dung word/document.xml", file=self.name)
                ) from None
            return None
        try:
            return etree.fromstring(data, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise DocxUnreadable(
                Problem(f"tệp Word bị hỏng: phần {part} không đọc được ({exc.msg})", file=self.name)
            ) from None

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(part)
        root = self._xml(posixpath.join(folder, "_rels", base + ".rels"))
        out = {}
        if root is not None:
            for rel in root.findall(f"{{{REL_NS}}}Relationship"):
                target = rel.get("Target", "")
                if rel.get("TargetMode") != "External":
                    target = (
                        posixpath.normpath(posixpath.join(folder, target)) if not target.startswith("/") else target[1:]
                    )
                out[rel.get("Id")] = (rel.get("Type", "").rsplit("/", 1)[-1], target)
        return out

    def _related_xml(self, kind: str) -> etree._Element | None:
        for rel_kind, target in self.rels.values():
            if rel_kind == kind:
                return self._xml(target)
        return None

    # -- run and paragraph properties
    def _font(self, props: dict, attr: str) -> str | None:
        theme = props.get(f"font_{attr}Theme")
        return self.theme.font(theme) if theme else props.get(f"font_{attr}")

    def _fonts(self, props: dict) -> tuple[str, ...]:
        out = []
        for attr in ("ascii", "hAnsi"):
            theme = props.get(f"font_{attr}Theme")
            font = self.theme.font(theme) if theme else props.get(f"font_{attr}")
            if font and font not in out:
                out.append(font)
        return tuple(out)

    def _run_props(self, direct: dict, para_style: str | None, table_style: str | None, level_rpr: dict) -> dict:
        base = dict(self.styles.rpr_default)
        layers = [self.styles.rpr(table_style) if table_style else {}, self.styles.rpr(para_style)]
        char_style = direct.get("rStyle")
        layers.append(self.styles.rpr(char_style) if char_style else {})
        merged = base
        for layer in layers:
            for key, value in layer.items():
                if key in TOGGLES:
                    merged[key] = bool(merged.get(key, False)) ^ value if value else merged.get(key, False)
                else:
                    merged[key] = value
        merged.update(level_rpr)
        merged.update(direct)
        return merged

    def _para_props(self, direct: dict, table_style: str | None) -> tuple[str | None, dict]:
        style_id = direct.get("pStyle") or self.styles.default_para
        props = dict(self.styles.ppr_default)
        if table_style:
            props.update(self.styles.ppr(table_style))
        props.update(self.styles.ppr(style_id))
        num_id = direct.get("numId", props.get("numId"))
        ilvl = direct.get("ilvl", props.get("ilvl", 0))
        level = self.numbering.level(num_id, ilvl)
        if level is not None:
            props.update(level.ppr)
        props.update(direct)
        return style_id, props

    # -- content
    def paragraph(
        self,
        p: etree._Element,
        where: str,
        container: str,
        width_mm: float,
        table_style: str | None,
    ) -> Paragraph:
        direct = _ppr_dict(p.find(q("pPr")))
        style_id, props = self._para_props(direct, table_style)
        num_id, ilvl = props.get("numId"), props.get("ilvl", 0)
        level = self.numbering.level(num_id, ilvl)
        label = self.numbering.next_label(num_id, ilvl) if level is not None else ""
        para = Paragraph(
            runs=[],
            style_id=style_id,
            style_name=self.styles.name(style_id),
            props=props,
            label=label,
            where=where,
            container=container,
            width_mm=width_mm,
            section=self.section,
            el=p,
        )
        state = {"in_field_result": False}
        self._inline(p, para, style_id, table_style, level.rpr if level else {}, state)
        return para

    def _inline(
        self,
        node: etree._Element,
        para: Paragraph,
        style_id: str | None,
        table_style: str | None,
        lvl: dict,
        state: dict,
    ) -> None:
        for child in node:
            tag = child.tag
            if tag == q("r"):
                self._run(child, para, style_id, table_style, lvl, state)
            elif tag in (q("hyperlink"), q("ins"), q("smartTag"), q("customXml"), q("moveTo"), q("fldSimple")):
                if tag == q("fldSimple"):
                    para.fields.append((child.get(q("instr")) or "").strip())
                self._inline(child, para, style_id, table_style, lvl, state)
            elif tag == q("sdt"):
                content = child.find(q("sdtContent"))
                if content is not None:
                    self._inline(content, para, style_id, table_style, lvl, state)
            elif tag == f"{{{MC_NS}}}AlternateContent":
                choice = child.find(f"{{{MC_NS}}}Choice")
                if choice is not None:
                    self._inline(choice, para, style_id, table_style, lvl, state)

    def _run(
        self, r: etree._Element, para: Paragraph, style_id: str | None, table_style: str | None, lvl: dict, state: dict
    ) -> None:
        props = self._run_props(_rpr_dict(r.find(q("rPr"))), style_id, table_style, lvl)
        parts: list[str] = []
        for child in r:
            tag = child.tag
            if tag == q("t"):
                parts.append(child.text or "")
            elif tag == q("tab"):
                parts.append("\t")
            elif tag in (q("br"), q("cr")):
                if child.get(q("type")) == "page":
                    para.page_break = True
                else:
                    parts.append("\n")
            elif tag == q("noBreakHyphen"):
                parts.append("-")
            elif tag == q("sym"):
                code = child.get(q("char"), "")
                with contextlib.suppress(ValueError):
                    parts.append(chr(int(code, 16)))
            elif tag == q("instrText"):
                para.fields.append((child.text or "").strip())
            elif tag == q("lastRenderedPageBreak"):
                continue
            elif tag in (q("drawing"), q("pict")) or tag == f"{{{MC_NS}}}AlternateContent":
                self._graphics(child, para)
        if parts:
            para.runs.append(
                Run(
                    text="".join(parts),
                    bold=bool(props.get("b")),
                    italic=bool(props.get("i")),
                    size_pt=props.get("sz"),
                    fonts=self._fonts(props),
                    caps=bool(props.get("caps")),
                    superscript=props.get("vertAlign") == "superscript",
                    underline=bool(props.get("u")),
                    extra={
                        "color": props.get("color"),
                        "u": props.get("u_val"),
                        "rFonts/ascii": self._font(props, "ascii"),
                        "rFonts/hAnsi": self._font(props, "hAnsi"),
                    },
                )
            )

    def _graphics(self, node: etree._Element, para: Paragraph) -> None:
        """Lines and text boxes inside a run (DrawingML preferred over its VML fallback)."""
        if node.tag == f"{{{MC_NS}}}AlternateContent":
            choice = node.find(f"{{{MC_NS}}}Choice")
            node = choice if choice is not None else node
        for wsp in node.iter(f"{{{WPS_NS}}}wsp"):
            geom = wsp.find(f".//{{{A_NS}}}prstGeom")
            ext = wsp.find(f".//{{{A_NS}}}xfrm/{{{A_NS}}}ext")
            if (
                geom is not None
                and ext is not None
                and ("line" in geom.get("prst", "").lower() or "connector" in geom.get("prst", "").lower())
            ):
                para.shapes.append(Shape(int(ext.get("cx", "0")) / EMU_PER_MM, para.where))
        for line in node.iter(f"{{{V_NS}}}line"):
            para.shapes.append(Shape(_vml_line_mm(line), para.where))
        for box_index, content in enumerate(node.iter(q("txbxContent")), start=1):
            where = f"khung chữ {box_index} ở {para.where}"
            for i, p in enumerate(content.iter(q("p")), start=1):
                if next(p.iterancestors(q("txbxContent"))) is content:
                    self.textboxes.append(self.paragraph(p, f"{where}, đoạn {i}", "khung", para.width_mm, None))

    def blocks(
        self, parent: etree._Element, where: str, container: str, width_mm: float, table_style: str | None
    ) -> list[Paragraph | Table]:
        out: list[Paragraph | Table] = []
        n = 0
        for child in parent:
            if child.tag == q("p"):
                n += 1
                if container == "than":
                    self.body_count += 1
                    label = f"đoạn {self.body_count}"
                else:
                    label = f"{where}, đoạn {n}" if where else f"đoạn {n}"
                out.append(self.paragraph(child, label, container, width_mm, table_style))
                if container == "than" and child.find(f"{q('pPr')}/{q('sectPr')}") is not None:
                    self.section += 1
            elif child.tag == q("tbl"):
                out.append(self.table(child, where, container))
            elif child.tag == q("sdt"):
                content = child.find(q("sdtContent"))
                if content is not None:
                    out.extend(self.blocks(content, where, container, width_mm, table_style))
        return out

    def table(self, tbl: etree._Element, where: str, container: str) -> Table:
        self.table_count += 1
        index = self.table_count
        name = f"bảng {index}" if not where or container == "than" else f"{where}, bảng {index}"
        tbl_pr = tbl.find(q("tblPr"))
        style = _val(tbl_pr.find(q("tblStyle"))) if tbl_pr is not None else None
        style = style or self.styles.default_table
        grid = [_int(g.get(q("w"))) or 0 for g in tbl.findall(f"{q('tblGrid')}/{q('gridCol')}")]
        margin_l, margin_r = self._cell_margins(tbl_pr, style)
        rows = []
        for r, tr in enumerate(tbl.findall(q("tr")), start=1):
            cells = []
            col = 0
            for c, tc in enumerate(tr.findall(q("tc")), start=1):
                tc_pr = tc.find(q("tcPr"))
                span = _int(_val(tc_pr.find(q("gridSpan")))) if tc_pr is not None else None
                span = span or 1
                width_tw = None
                if tc_pr is not None:
                    tcw = tc_pr.find(q("tcW"))
                    if tcw is not None and tcw.get(q("type"), "dxa") == "dxa":
                        width_tw = _int(tcw.get(q("w")))
                if not width_tw and grid:
                    width_tw = sum(grid[col : col + span])
                col += span
                width_mm = max(((width_tw or 0) - margin_l - margin_r) / TWIPS_PER_MM, 0)
                cell_where = f"{name}, hàng {r}, ô {c}"
                blocks = self.blocks(tc, cell_where, "o" if container == "than" else container, width_mm, style)
                cells.append(Cell(blocks, width_mm, cell_where))
            rows.append(cells)
        return Table(rows, name, index, tbl)

    def _cell_margins(self, tbl_pr: etree._Element | None, style: str | None) -> tuple[int, int]:
        sources = [tbl_pr] + [s.find(q("tblPr")) for s in self.styles.chain(style)]
        left = right = None
        for src in sources:
            if src is None:
                continue
            mar = src.find(q("tblCellMar"))
            if mar is None:
                continue
            for tag, slot in (("left", "l"), ("start", "l"), ("right", "r"), ("end", "r")):
                node = mar.find(q(tag))
                if node is not None:
                    value = _int(node.get(q("w")))
                    if slot == "l" and left is None:
                        left = value
                    if slot == "r" and right is None:
                        right = value
        return (108 if left is None else left), (108 if right is None else right)

    # -- sections, headers, footers
    def sections(self) -> list[Section]:
        body = self.document.find(q("body"))
        sect_prs = [p.find(f"{q('pPr')}/{q('sectPr')}") for p in body.findall(q("p"))]
        sect_prs = [s for s in sect_prs if s is not None]
        final = body.find(q("sectPr"))
        if final is not None:
            sect_prs.append(final)
        out: list[Section] = []
        inherited: dict[str, dict[str, list[Paragraph]]] = {"headerReference": {}, "footerReference": {}}
        cache: dict[str, list[Paragraph]] = {}
        for i, sp in enumerate(sect_prs):
            size = sp.find(q("pgSz"))
            mar = sp.find(q("pgMar"))
            margins = {}
            if mar is not None:
                for attr in ("top", "bottom", "left", "right", "header", "footer"):
                    value = _int(mar.get(q(attr)))
                    if value is None and attr in ("left", "right"):
                        value = _int(mar.get(q("start" if attr == "left" else "end")))
                    if value is not None:
                        margins[attr] = abs(value) / TWIPS_PER_MM
            parts = {}
            for ref_tag in ("headerReference", "footerReference"):
                found = dict(inherited[ref_tag])
                for ref in sp.findall(q(ref_tag)):
                    rid = ref.get(f"{{{R_NS}}}id")
                    kind = ref.get(q("type"), "default")
                    target = self.rels.get(rid, ("", ""))[1]
                    if target not in cache:
                        cache[target] = self._header(
                            target, i, "dau_trang" if ref_tag == "headerReference" else "chan_trang", kind
                        )
                    found[kind] = cache[target]
                inherited[ref_tag] = found
                parts[ref_tag] = found
            out.append(
                Section(
                    index=i,
                    page_w_mm=(_int(_val(size, "w")) or 11906) / TWIPS_PER_MM,
                    page_h_mm=(_int(_val(size, "h")) or 16838) / TWIPS_PER_MM,
                    margins_mm=margins,
                    title_page=sp.find(q("titlePg")) is not None and _on(sp.find(q("titlePg"))),
                    headers=parts["headerReference"],
                    footers=parts["footerReference"],
                )
            )
        if not out:
            out.append(Section(0, 210, 297, {}, False, {}, {}))
        return out

    def _header(self, part: str, section: int, container: str, kind: str) -> list[Paragraph]:
        root = self._xml(part) if part else None
        if root is None:
            return []
        word = "đầu trang" if container == "dau_trang" else "chân trang"
        page = {"first": "trang đầu", "even": "trang chẵn"}.get(kind, "các trang")
        where = f"{word} ({page}, mục {section + 1})"
        return list(_iter_paragraphs(self.blocks(root, where, container, 0.0, None)))

    def read(self) -> Document:
        body = self.document.find(q("body"))
        if body is None:
            raise DocxUnreadable(Problem("tệp Word không có phần thân văn bản (w:body)", file=self.name))
        sections = self.sections()
        blocks = self.blocks(body, "", "than", sections[0].text_width_mm, None)
        for para in _iter_paragraphs(blocks):
            if para.container == "than":
                para.width_mm = sections[min(para.section, len(sections) - 1)].text_width_mm
        return Document(self.name, blocks, sections, self.textboxes, self.zf, self.document)


def _vml_line_mm(line: etree._Element) -> float:
    """Length of a VML ``v:line from="x,y" to="x,y"`` (points) in mm."""
    try:
        x1 = float(line.get("from", "0,0").split(",")[0].rstrip("pt") or 0)
        x2 = float(line.get("to", "0,0").split(",")[0].rstrip("pt") or 0)
    except ValueError:
        return 0.0
    return abs(x2 - x1) * 25.4 / 72


def read_docx(source: Path | str | bytes, name: str | None = None) -> Document:
    """Read a DOCX file or its bytes; any unreadable input raises :class:`DocxUnreadable`."""
    display = name or (str(source) if not isinstance(source, bytes) else "tệp DOCX")
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        raise DocxUnreadable(Problem(f"không mở được tệp: {exc.strerror or exc}", file=display)) from None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        hint = " (tệp .doc cũ: hãy mở bằng Word và lưu lại dạng .docx)" if data[:4] == b"\xd0\xcf\x11\xe0" else ""
        raise DocxUnreadable(Problem(f"không phải tệp Word .docx (không phải gói ZIP){hint}", file=display)) from None
    try:
        return _Reader(zf, display).read()
    except (zipfile.BadZipFile, zlib_error(), EOFError) as exc:
        raise DocxUnreadable(Problem(f"tệp Word bị hỏng ({type(exc).__name__})", file=display)) from None


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


__all__ = ["Cell", "Document", "DocxUnreadable", "Paragraph", "Run", "Section", "Shape", "Table", "read_docx"]
