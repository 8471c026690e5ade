"""Compiled DOCX templates.

A template is loaded, linted, pre-processed and compiled to Jinja code once; each
render only runs that code and compresses the changed parts. Pre-processing is
docxtpl's own (``patch_xml`` for ``{%p %}``/``{%tr %}``/``{{r }}`` and split tags,
``resolve_listing`` for line breaks), so a template renders to the same text as it
would with docxtpl, only without reloading, recompiling and re-zipping everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Template, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import write_bytes_atomic
from congvan.render.images import ImageSet
from congvan.render.jinja_env import make_environment
from congvan.render.lint import (
    LintFinding,
    lint_split_and_quotes,
    locate_name,
    part_label,
    template_names,
)
from congvan.render.package import PackageWriter, iter_xml_parts, read_parts

_BLOCK = re.compile(r"\{%-?\s*(\w+)")
_XML_TAG = re.compile(r"<(/?)([\w:]+)[^>]*?(/?)>")
_OPENERS = {"if", "for", "macro", "call", "filter", "with", "block", "set_block"}
_MIDDLES = {"elif", "else"}


def _patch(xml: str) -> str:
    """docxtpl's tag clean-up, plus its one-paragraph-per-line trick for error lines."""
    xml = DocxTemplate.patch_xml(None, xml)  # type: ignore[arg-type]  # pure regex work
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)


def _unpatch(xml: str) -> str:
    xml = xml.replace("\n<w:p>", "<w:p>").replace("\n<w:p ", "<w:p ")  # 10x faster than re
    if "{_" in xml or "_}" in xml:
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    # Skip the XML declaration: Word ends it with a line break, which would send
    # every render through docxtpl's (slow) listing pass for nothing.
    start = xml.find("<", 2) if xml.startswith("<?xml") else 0
    if any(xml.find(c, start) >= 0 for c in "\n\t\a\f"):  # str.find: memchr-fast
        xml = DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]
    return xml


def _xml_stack_after(segment: str, stack: list[str]) -> list[str] | str:
    """Apply the XML tags of *segment* to *stack*; a string result is an error text."""
    for close, name, selfclose in _XML_TAG.findall(segment):
        if name.startswith("?") or selfclose:
            continue
        if close:
            if not stack or stack[-1] != name:
                return f"thẻ XML </{name}> không khớp"
            stack.pop()
        else:
            stack.append(name)
    return stack


def check_block_balance(source: str) -> str | None:
    """Every branch of every ``{% if %}``/``{% for %}`` must hold balanced XML.

    With autoescape on and no ``safe`` filter, values cannot inject markup, so this
    static check is what guarantees that *any* data renders to well-formed XML.
    """
    stack: list[str] = []
    saved: list[tuple[str, list[str]]] = []
    pos = 0
    for m in re.finditer(r"\{%-?\s*(\w+)[^%]*%\}", source):
        result = _xml_stack_after(source[pos : m.start()], stack)
        if isinstance(result, str):
            return result
        pos = m.end()
        word = m.group(1)
        raw = m.group(0)
        if word == "set" and "=" not in raw:
            word = "set_block"
        if word in _OPENERS:
            saved.append((word, list(stack)))
        elif word in _MIDDLES or word.startswith("end"):
            if not saved:
                return f"thẻ '{raw}' không có thẻ mở tương ứng"
            opener, before = saved[-1]
            if stack != before:
                return f"khối '{{% {opener} %}}' mở và đóng ở hai chỗ khác cấp trong văn bản (thẻ '{raw}')"
            if word.startswith("end"):
                saved.pop()
    if saved:
        return f"khối '{{% {saved[-1][0]} %}}' không được đóng"
    return None


def load_template_parts(path: str | Path) -> dict[str, bytes]:
    """The package parts of a .docx template, with Vietnamese errors for a missing or broken file."""
    name = display_path(path)
    try:
        parts = read_parts(str(path))
    except FileNotFoundError:
        raise CongvanError(Problem("không tìm thấy tệp mẫu", file=name)) from None
    except Exception:
        raise CongvanError(Problem("tệp mẫu không phải tệp .docx hợp lệ", file=name)) from None
    if "word/document.xml" not in parts:
        raise CongvanError(Problem("tệp mẫu thiếu word/document.xml", file=name))
    return parts


def _forbidden_tags(env: ImmutableSandboxedEnvironment, source: str) -> str | None:
    """Templates are self-contained: no include/import/extends of other files."""
    from jinja2 import nodes

    try:
        ast = env.parse(source)
    except TemplateSyntaxError:
        return None  # reported by the compile step with its message
    for node_type, tag in (
        (nodes.Include, "include"),
        (nodes.Import, "import"),
        (nodes.FromImport, "from ... import"),
        (nodes.Extends, "extends"),
    ):
        if next(ast.find_all(node_type), None) is not None:
            return f"'{{% {tag} %}}'"
    return None


class CompiledTemplate:
    """A DOCX template compiled once, rendered many times."""

    def __init__(
        self,
        parts: dict[str, bytes],
        *,
        name: str,
        env: ImmutableSandboxedEnvironment | None = None,
        fields: Iterable[str] | None = None,
        strict_lint: bool = False,
    ) -> None:
        self.name = name
        self.parts = parts
        self.env = env or make_environment()
        self.warnings: list[LintFinding] = []
        self.sources: dict[str, str] = {}
        self.compiled: dict[str, Template] = {}
        errors: list[Problem] = []
        for part in iter_xml_parts(parts):
            raw = parts[part]
            if b"{" not in raw:
                continue
            for finding in lint_split_and_quotes(part, raw):
                if finding.error or strict_lint:
                    errors.append(Problem(str(finding), file=name))
                else:
                    self.warnings.append(finding)
            source = _patch(raw.decode("utf-8"))
            if "{{" not in source and "{%" not in source:
                continue
            balance = check_block_balance(source)
            if balance:
                errors.append(Problem(f"{part_label(part)}: {balance}", file=name))
                continue
            forbidden = _forbidden_tags(self.env, source)
            if forbidden:
                errors.append(Problem(f"{part_label(part)}: mẫu không được đọc tệp khác (thẻ {forbidden})", file=name))
                continue
            try:
                self.compiled[part] = self.env.from_string(source)
            except TemplateSyntaxError as exc:
                errors.append(Problem(f"{part_label(part)}: thẻ Jinja sai cú pháp: {exc.message}", file=name))
                continue
            self.sources[part] = source
        if errors:
            raise CongvanError(errors)
        self.used_names, self.used_attrs = self._names()
        if fields is not None:
            self._check_fields(set(fields), strict_lint)
        self._writer = PackageWriter({k: v for k, v in parts.items()})

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> CompiledTemplate:
        """Load and compile a .docx template; errors name the file and the place."""
        return cls(load_template_parts(path), name=display_path(path), **kwargs)

    def _names(self) -> tuple[set[str], set[tuple[str, str]]]:
        names: set[str] = set()
        attrs: set[tuple[str, str]] = set()
        for source in self.sources.values():
            top, pairs = template_names(self.env, source)
            names |= top
            attrs |= pairs
        return names, attrs

    def _check_fields(self, fields: set[str], strict: bool) -> None:
        """Variables the data does not have are errors; unused fields are warnings."""
        problems = []
        for unknown in sorted(self.used_names - fields):
            where = next(
                (
                    locate_name(p, self.parts[p], unknown)
                    for p in self.sources
                    if re.search(rf"\b{re.escape(unknown)}\b", self.sources[p])
                ),
                "",
            )
            problems.append(Problem(f"{where}: mẫu dùng biến '{unknown}' mà dữ liệu không có", file=self.name))
        if problems:
            raise CongvanError(problems)
        for unused in sorted(fields - self.used_names):
            finding = LintFinding("mẫu", f"trường '{unused}' của dữ liệu không được dùng trong mẫu")
            if strict:
                raise CongvanError(Problem(str(finding), file=self.name))
            self.warnings.append(finding)

    def render_part(self, part: str, context: Mapping[str, Any]) -> str:
        """Render one templated part to XML text."""
        template = self.compiled[part]
        try:
            return _unpatch(template.render(context))
        except UndefinedError as exc:
            raise CongvanError(
                Problem(f"{part_label(part)}: mẫu cần dữ liệu không có ({exc.message})", file=self.name)
            ) from None
        except SecurityError as exc:
            raise CongvanError(
                Problem(f"{part_label(part)}: mẫu làm thao tác không được phép ({exc})", file=self.name)
            ) from None
        except TemplateError as exc:
            raise CongvanError(Problem(f"{part_label(part)}: lỗi khi điền mẫu ({exc})", file=self.name)) from None

    def render_parts(self, context: Mapping[str, Any], images: ImageSet | None = None) -> dict[str, bytes]:
        """All changed parts for one document: rendered XML plus any images."""
        out = {part: self.render_part(part, context).encode("utf-8") for part in self.compiled}
        if images is not None and images:
            out.update(images.package_parts(self.parts))
        return out

    def to_bytes(self, changed: Mapping[str, bytes]) -> bytes:
        return self._writer.to_bytes(changed)

    def render_bytes(self, context: Mapping[str, Any], images: ImageSet | None = None) -> bytes:
        return self.to_bytes(self.render_parts(context, images))

    def save(self, context: Mapping[str, Any], target: str | Path, images: ImageSet | None = None) -> None:
        """Render and write atomically: an error never leaves a half-written file."""
        write_bytes_atomic(target, self.render_bytes(context, images))
