"""Read a rendered DOCX back and resolve effective formatting.

A property is looked up on the run, then the run's character style chain, then
the paragraph style chain, then the document defaults, the order Word uses. Tests
assert the rules of format-rules.md on what this returns, not on our templates.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def q(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _on(el: etree._Element | None) -> bool | None:
    if el is None:
        return None
    return el.get(q("val"), "true") not in ("0", "false", "off")


class Styles:
    def __init__(self, xml: bytes) -> None:
        self.root = etree.fromstring(xml)
        self.by_id = {s.get(q("styleId")): s for s in self.root.findall("w:style", NS)}
        self.rpr_default = self.root.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
        self.ppr_default = self.root.find("w:docDefaults/w:pPrDefault/w:pPr", NS)

    def chain(self, style_id: str | None) -> list[etree._Element]:
        out = []
        while style_id and style_id in self.by_id:
            style = self.by_id[style_id]
            out.append(style)
            based = style.find("w:basedOn", NS)
            style_id = based.get(q("val")) if based is not None else None
        return out


@dataclass
class Para:
    el: etree._Element
    doc: Docx

    @property
    def style(self) -> str | None:
        node = self.el.find("w:pPr/w:pStyle", NS)
        return node.get(q("val")) if node is not None else None

    @property
    def text(self) -> str:
        # w:noBreakHyphen is a "-" (số ký hiệu are kept on one line with it)
        return "".join(
            "-" if t.tag == q("noBreakHyphen") else t.text or "" for t in self.el.iter(q("t"), q("noBreakHyphen"))
        )

    def runs(self) -> list[etree._Element]:
        return [r for r in self.el.iter(q("r")) if r.find("w:t", NS) is not None and (r.find("w:t", NS).text or "")]

    def _ppr_sources(self) -> list[etree._Element]:
        sources = [self.el.find("w:pPr", NS)]
        sources += [s.find("w:pPr", NS) for s in self.doc.styles.chain(self.style)]
        sources.append(self.doc.styles.ppr_default)
        return [s for s in sources if s is not None]

    def ppr(self, path: str, attr: str) -> str | None:
        """Effective paragraph attribute, e.g. ppr('w:jc', 'val'), ppr('w:ind', 'firstLine')."""
        for src in self._ppr_sources():
            node = src.find(path, NS)
            if node is not None and node.get(q(attr)) is not None:
                return node.get(q(attr))
        return None

    def has_bottom_border(self) -> bool:
        return any(src.find("w:pBdr/w:bottom", NS) is not None for src in self._ppr_sources())

    def rpr(self, run: etree._Element, tag: str, attr: str = "val") -> str | bool | None:
        """Effective run property: run, run style chain, paragraph style chain, defaults."""
        sources = [run.find("w:rPr", NS)]
        rstyle = run.find("w:rPr/w:rStyle", NS)
        if rstyle is not None:
            sources += [s.find("w:rPr", NS) for s in self.doc.styles.chain(rstyle.get(q("val")))]
        sources += [s.find("w:rPr", NS) for s in self.doc.styles.chain(self.style)]
        sources.append(self.doc.styles.rpr_default)
        for src in sources:
            if src is None:
                continue
            node = src.find(f"w:{tag}", NS)
            if node is not None:
                if tag in ("b", "i"):
                    return _on(node)
                return node.get(q(attr))
        return False if tag in ("b", "i") else None

    def run_values(self, tag: str, attr: str = "val") -> set:
        return {self.rpr(r, tag, attr) for r in self.runs()}

    def size_pt(self) -> set[float]:
        return {int(v) / 2 for v in self.run_values("sz")}

    @property
    def in_table(self) -> bool:
        return next(self.el.iterancestors(q("tc")), None) is not None


class Docx:
    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.document = etree.fromstring(self.zip.read("word/document.xml"))
        self.styles = Styles(self.zip.read("word/styles.xml"))

    @cached_property
    def paragraphs(self) -> list[Para]:
        body = self.document.find("w:body", NS)
        return [Para(p, self) for p in body.iter(q("p"))]

    def by_style(self, style: str) -> list[Para]:
        return [p for p in self.paragraphs if p.style == style]

    def part(self, name: str) -> bytes:
        return self.zip.read(name)

    def section_props(self) -> list[etree._Element]:
        return list(self.document.iter(q("sectPr")))

    def tables(self) -> list[etree._Element]:
        return list(self.document.find("w:body", NS).iter(q("tbl")))

    def texts(self) -> list[str]:
        return [p.text for p in self.paragraphs if p.text.strip()]
