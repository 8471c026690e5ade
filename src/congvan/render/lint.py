"""Template lint: what Word does to Jinja tags, found before any rendering.

Word splits a tag over several runs when spell-check or an edit touches it, turns
straight quotes into curly ones, and a secretary may misspell a field name. Each
finding names where it is, in Vietnamese: the part (body/header/footer), and the
paragraph number or table cell, so she can find it in Word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": W}
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_CURLY = "“”‘’„‟"

PART_NAMES = {"word/document.xml": "thân văn bản"}


@dataclass(frozen=True)
class LintFinding:
    """One lint finding. ``error`` findings stop loading; the rest are warnings."""

    where: str
    message: str
    error: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def part_label(part: str) -> str:
    if part in PART_NAMES:
        return PART_NAMES[part]
    if "header" in part:
        return f"đầu trang ({part.rsplit('/', 1)[-1]})"
    if "footer" in part:
        return f"chân trang ({part.rsplit('/', 1)[-1]})"
    return part


@dataclass(frozen=True)
class _Para:
    where: str
    runs: list[str]

    @property
    def text(self) -> str:
        return "".join(self.runs)


def _paragraphs(part: str, xml: bytes) -> list[_Para]:
    root = etree.fromstring(xml)
    label = part_label(part)
    out: list[_Para] = []
    tables = {id(t): i + 1 for i, t in enumerate(root.iter(f"{{{W}}}tbl"))}
    for index, p in enumerate(root.iter(f"{{{W}}}p"), start=1):
        runs = ["".join(t.text or "" for t in r.iter(f"{{{W}}}t")) for r in p.iter(f"{{{W}}}r")]
        tc = next((a for a in p.iterancestors(f"{{{W}}}tc")), None)
        if tc is not None:
            tr = tc.getparent()
            tbl = tr.getparent()
            row = tbl.index(tr) - len(tbl.findall("w:tblPr", _NS)) - len(tbl.findall("w:tblGrid", _NS)) + 1
            col = [c for c in tr if c.tag == f"{{{W}}}tc"].index(tc) + 1
            where = f"{label}, bảng {tables.get(id(tbl), '?')} hàng {row} ô {col} (đoạn {index})"
        else:
            where = f"{label}, đoạn {index}"
        out.append(_Para(where, runs))
    return out


def lint_split_and_quotes(part: str, xml: bytes) -> list[LintFinding]:
    """Tags split across runs, and curly quotes inside tags."""
    findings: list[LintFinding] = []
    for para in _paragraphs(part, xml):
        text = para.text
        if "{" not in text:
            continue
        bounds = []
        pos = 0
        for run in para.runs:
            bounds.append((pos, pos + len(run)))
            pos += len(run)
        for m in _TAG.finditer(text):
            tag = m.group(0)
            inside = [b for b in bounds if b[0] < m.end() and b[1] > m.start() and b[1] > b[0]]
            if len(inside) > 1:
                findings.append(
                    LintFinding(
                        para.where,
                        f"thẻ '{tag}' bị Word tách thành {len(inside)} đoạn định dạng (run); "
                        "hãy gõ lại thẻ liền một lần, cùng một định dạng",
                    )
                )
            if any(q in tag for q in _CURLY):
                findings.append(
                    LintFinding(
                        para.where,
                        f"thẻ '{tag}' có dấu nháy cong (“ ” ‘ ’); hãy dùng nháy thẳng \" hoặc '",
                    )
                )
        unclosed = re.search(r"\{[{%#](?![^{}]*[}%#]\})", text)
        if unclosed:
            findings.append(
                LintFinding(
                    para.where,
                    f"thẻ mở '{text[unclosed.start() : unclosed.start() + 20]}…' không có dấu đóng",
                    error=True,
                )
            )
    return findings


def template_names(env: SandboxedEnvironment, source: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Top-level variables a template reads, and ``(name, attribute)`` pairs it reads."""
    from jinja2 import meta

    ast = env.parse(source)
    top = meta.find_undeclared_variables(ast)
    attrs = {
        (n.node.name, n.attr)
        for n in ast.find_all(nodes.Getattr)
        if isinstance(n.node, nodes.Name) and n.node.name in top
    }
    return set(top), attrs


def locate_name(part: str, xml: bytes, name: str) -> str:
    """Where a variable first appears in a part, for messages."""
    pattern = re.compile(r"[{][{%][^}%]*\b" + re.escape(name) + r"\b")
    for para in _paragraphs(part, xml):
        if pattern.search(para.text):
            return para.where
    return part_label(part)
