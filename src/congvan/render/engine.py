"""Compiled DOCX templates.

A template is loaded, linted, pre-processed and compiled to Jinja code once (and
the compiled code cached across processes, see :mod:`congvan.render.template_cache`);
each render only runs that code and compresses the changed parts. Pre-processing
is docxtpl's own (``patch_xml`` for ``{%p %}``/``{%tr %}``/``{{r }}`` and split
tags, ``resolve_listing`` for line breaks), so a template renders to the same text
as it would with docxtpl, only without reloading, recompiling and re-zipping.

Every DOCX written is well-formed whatever the data or the template:

1. statically, every branch of every block (``if``/``for``/``macro``/``set``/
   ``filter``…) must hold balanced XML, checked on Jinja's own parse tree (so
   comments and raw blocks are understood), and no construct can switch
   escaping off (:mod:`congvan.render.jinja_env`);
2. at render time, under time/size/memory limits, the output is refused if it
   holds a character XML cannot carry (:mod:`congvan.vi.ky_tu`) and, as the last
   line of defence, each part is parsed with lxml before anything is written.
   Every failure is a located Vietnamese error naming the template.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import SecurityError

from congvan.errors import CongvanError, Problem, display_path
from congvan.fileio import write_bytes_atomic
from congvan.render import template_cache
from congvan.render.images import ImageSet
from congvan.render.jinja_env import (
    DEFAULT_LIMITS,
    CongvanEnvironment,
    LimitExceeded,
    TemplateLimits,
    make_environment,
    run_with_budget,
)
from congvan.render.lint import LintFinding, locate_name, part_label
from congvan.render.package import PackageWriter, iter_xml_parts, read_parts
from congvan.vi.ky_tu import ky_tu_cam_dau_tien, ten_ky_tu

_XML_TAG = re.compile(r"<(/?)([\w:.-]+)[^>]*?(/?)>")
_XML_SKIP = re.compile(r"<\?.*?\?>|<!--.*?-->|<!\[CDATA\[.*?\]\]>", re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_IN_TAG = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})")

#: Deflate level of written documents: on a 5-page plan's document.xml level 3 is ~4x
#: faster than zlib's default 6 for ~12 % more bytes (a 12.5 KB DOCX grows by ~1 KB).
ZIP_LEVEL = 3

#: Called with (part, parsed root, xml text) after a part rendered and parsed; returns the final text.
PartHook = Callable[[str, Any, str], str]


#: Put before every paragraph of a template's source: a Jinja comment holding a line break,
#: so Jinja's line numbers count paragraphs (located errors) while the output gets nothing.
LINE_MARK = "{#\n#}"
_PARAGRAPH = re.compile(r"<w:p[ >]")
#: Jinja tags of a patched source (the paragraph marks go only into the text between them).
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
#: What sends an output through docxtpl's listing pass (line breaks, tabs... in the data).
_LISTING = "\n\t\a\f"


def _patch(xml: str) -> str:
    """docxtpl's tag clean-up, plus one source line per paragraph for error lines."""
    from docxtpl import DocxTemplate

    xml = DocxTemplate.patch_xml(None, xml)  # type: ignore[arg-type]  # pure regex work
    # docxtpl unescapes &lt; &gt; inside tags but not &amp; (nor &quot; &apos;): a literal
    # such as '&' in a tag must be the text the filters see, not its XML escape.
    xml = _IN_TAG.sub(lambda m: m.group(0).replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&"), xml)
    return _mark_paragraphs(xml)


def _mark_paragraphs(source: str) -> str:
    """:data:`LINE_MARK` before each ``<w:p>`` of the template text (never inside a Jinja tag)."""
    out: list[str] = []
    pos = 0
    for tag in _JINJA_TAG.finditer(source):
        out.append(_PARAGRAPH.sub(lambda m: LINE_MARK + m.group(0), source[pos : tag.start()]))
        out.append(tag.group(0))
        pos = tag.end()
    out.append(_PARAGRAPH.sub(lambda m: LINE_MARK + m.group(0), source[pos:]))
    return "".join(out)


def unmarked_source(source: str) -> str:
    """A patched source without the paragraph marks (for a caller that parses it again)."""
    return source.replace(LINE_MARK, "")


def finish_output(xml: str) -> str:
    """What every rendered part goes through: docxtpl's escaped braces and listing pass.

    The paragraph marks are Jinja comments, so they left nothing to remove.
    """
    # One-character str.find is memchr-fast; a two-character `in` or a regex class costs
    # 20-40x more on a 5-page plan, so they run only when the cheap test says they might match.
    if xml.find("_") >= 0 and ("{_" in xml or "_}" in xml):
        xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    # Skip the XML declaration: Word ends it with a line break, which would send
    # every render through docxtpl's (slow) listing pass for nothing.
    start = xml.find("<", 2) if xml.startswith("<?xml") else 0
    if any(xml.find(c, start) >= 0 for c in _LISTING):
        from docxtpl import DocxTemplate

        xml = DocxTemplate.resolve_listing(None, xml)  # type: ignore[arg-type]
    return xml


# --- static checks -------------------------------------------------------------------


class _Unbalanced(Exception):
    def __init__(self, message: str, lineno: int) -> None:
        super().__init__(message)
        self.lineno = lineno


def _apply_tags(data: str, stack: list[str], lineno: int) -> None:
    """Apply the XML tags of one piece of template text to *stack*."""
    if "<?" in data or "<!" in data:
        data = _XML_SKIP.sub("", data)
    for close, name, selfclose in _XML_TAG.findall(data):
        if selfclose:
            continue
        if close:
            if not stack or stack[-1] != name:
                raise _Unbalanced(f"thẻ XML </{name}> không khớp với thẻ đang mở", lineno)
            stack.pop()
        else:
            stack.append(name)


def _bodies(node: nodes.Node) -> Iterable[list[nodes.Node]]:
    """The statement lists (branches) a block node holds."""
    for field in node.fields:
        value = getattr(node, field, None)
        if isinstance(value, list) and value and all(isinstance(v, nodes.Stmt) for v in value):
            yield value


_BLOCK_NAMES = {
    nodes.If: "if",
    nodes.For: "for",
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.FilterBlock: "filter",
    nodes.With: "with",
    nodes.AssignBlock: "set",
}


def _balance(body: list[nodes.Node], stack: list[str]) -> None:
    for node in body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if isinstance(child, nodes.TemplateData):
                    _apply_tags(child.data, stack, child.lineno)
            continue
        for branch in _bodies(node):
            inner = list(stack)
            _balance(branch, inner)
            if inner != stack:
                word = _BLOCK_NAMES.get(type(node), type(node).__name__.lower())
                raise _Unbalanced(
                    f"khối '{{% {word} %}}' mở và đóng ở hai chỗ khác cấp trong văn bản "
                    "(mỗi nhánh phải chứa trọn đoạn, hàng hoặc ô)",
                    node.lineno,
                )


def check_balance(ast: nodes.Template) -> tuple[str, int] | None:
    """Every branch of every block holds balanced XML, and so does the whole part.

    With escaping on for every value and no way to switch it off, this static
    check is what guarantees that *any* data renders to well-formed XML.
    """
    stack: list[str] = []
    try:
        _balance(ast.body, stack)
    except _Unbalanced as exc:
        return str(exc), exc.lineno
    if stack:
        return f"thẻ XML <{stack[-1]}> không được đóng", 1
    return None


# --- locations -------------------------------------------------------------------------


def _line_text(source: str, lineno: int | None) -> str:
    """The visible text (Jinja tags kept) of one line of the patched source: one paragraph."""
    if not lineno:
        return ""
    lines = source.split("\n")
    if not 0 < lineno <= len(lines):
        return ""
    line = lines[lineno - 1].removeprefix(LINE_MARK[-2:]).removesuffix(LINE_MARK[:2])
    text = " ".join(_TAGS.sub("", line).split())
    return text if len(text) <= 60 else text[:57] + "…"


def _where(part: str, source: str, lineno: int | None) -> str:
    text = _line_text(source, lineno)
    return f"{part_label(part)}, đoạn “{text}”" if text else part_label(part)


def _template_lineno(tb: TracebackType | None) -> int | None:
    """The template line of the innermost template frame of a traceback (Jinja rewrites them)."""
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _output_where(part: str, xml: str, index: int) -> str:
    """Where in the rendered part a position is: the text of its paragraph."""
    start = max(xml.rfind("<w:p>", 0, index), xml.rfind("<w:p ", 0, index), 0)
    end = xml.find("</w:p>", index)
    text = " ".join(_TAGS.sub("", xml[start : end if end > 0 else index + 80]).split())
    text = text if len(text) <= 60 else text[:57] + "…"
    return f"{part_label(part)}, đoạn “{text}”" if text else part_label(part)


def _runtime_message(exc: BaseException) -> str:
    """Vietnamese text for what a template can do wrong while rendering."""
    if isinstance(exc, LimitExceeded):
        return str(exc)
    if isinstance(exc, UndefinedError):
        return f"mẫu cần dữ liệu không có ({exc.message})"
    if isinstance(exc, SecurityError):
        return f"mẫu làm thao tác không được phép ({exc})"
    if isinstance(exc, RecursionError):
        return "mẫu gọi lồng nhau quá sâu (macro hoặc vòng lặp đệ quy) nên đã bị dừng"
    if isinstance(exc, MemoryError):
        return "mẫu cần quá nhiều bộ nhớ nên đã bị dừng"
    if isinstance(exc, OverflowError):
        if "MAX_RANGE" in str(exc):
            return "range() trong mẫu quá lớn (tối đa 100.000 phần tử)"
        return "mẫu tính ra số quá lớn"
    if isinstance(exc, ZeroDivisionError):
        return "mẫu chia cho 0"
    if isinstance(exc, TemplateError):
        return f"lỗi khi điền mẫu ({exc})"
    return f"lỗi khi điền mẫu: phép tính hoặc bộ lọc nhận giá trị không hợp ({type(exc).__name__}: {exc})"


# --- loading -------------------------------------------------------------------------


def load_template_parts(path: str | Path) -> dict[str, bytes]:
    """The package parts of a .docx template, with Vietnamese errors for a missing or broken file."""
    name = display_path(path)
    try:
        parts = read_parts(str(path))
    except FileNotFoundError:
        raise CongvanError(Problem("không tìm thấy tệp mẫu", file=name)) from None
    except IsADirectoryError:
        raise CongvanError(Problem("đường dẫn mẫu là một thư mục, không phải tệp .docx", file=name)) from None
    except PermissionError:
        raise CongvanError(Problem("không có quyền đọc tệp mẫu", file=name)) from None
    except Exception:
        raise CongvanError(Problem("tệp mẫu không phải tệp .docx hợp lệ", file=name)) from None
    if "word/document.xml" not in parts:
        raise CongvanError(Problem("tệp mẫu thiếu word/document.xml", file=name))
    return parts


_PARSERS = threading.local()


def _xml_parser() -> Any:
    """One parser per thread (lxml parsers are not thread-safe; making one costs more than a small parse)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        from lxml import etree

        parser = _PARSERS.parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return parser


class CompiledTemplate:
    """A DOCX template compiled once, rendered many times."""

    def __init__(
        self,
        parts: dict[str, bytes],
        *,
        name: str,
        env: CongvanEnvironment | None = None,
        fields: Iterable[str] | None = None,
        strict_lint: bool = False,
        limits: TemplateLimits = DEFAULT_LIMITS,
        cache: bool = True,
    ) -> None:
        self.name = name
        self.parts = parts
        self.env = env or make_environment()
        self.limits = limits
        self.warnings: list[LintFinding] = []
        self.sources: dict[str, str] = {}
        self.compiled: dict[str, Template] = {}
        key = template_cache.key_for(parts, iter_xml_parts(parts), self.env, strict_lint) if cache else None
        entry = template_cache.load(key, self.env) if key else None
        if entry is None:
            entry = self._compile(strict_lint)
            if key:
                template_cache.store(key, entry)
        self.sources = entry.sources
        self.warnings = list(entry.warnings)
        self.used_names, self.used_attrs = set(entry.used_names), set(entry.used_attrs)
        self.compiled = {
            part: self.env.template_class.from_code(self.env, code, self.env.make_globals(None))
            for part, code in entry.codes.items()
        }
        if fields is not None:
            self._check_fields(set(fields), strict_lint)
        self._writer: PackageWriter | None = None

    def _compile(self, strict_lint: bool) -> template_cache.Entry:
        """Lint, patch, check and compile every templated part (the slow path, cached)."""
        from congvan.render.lint import lint_split_and_quotes, template_names

        warnings: list[LintFinding] = []
        errors: list[Problem] = []
        sources: dict[str, str] = {}
        codes: dict[str, Any] = {}
        for part in iter_xml_parts(self.parts):
            raw = self.parts[part]
            if b"{" not in raw:
                continue
            for finding in lint_split_and_quotes(part, raw):
                if finding.error or strict_lint:
                    errors.append(Problem(str(finding), file=self.name))
                else:
                    warnings.append(finding)
            source = _patch(raw.decode("utf-8"))
            if "{{" not in source and "{%" not in source:
                continue
            try:
                ast = self.env.parse(source)
            except TemplateSyntaxError as exc:
                errors.append(Problem(f"{_where(part, source, exc.lineno)}: {self._syntax_text(exc)}", file=self.name))
                continue
            unbalanced = check_balance(ast)
            if unbalanced:
                message, lineno = unbalanced
                errors.append(Problem(f"{_where(part, source, lineno)}: {message}", file=self.name))
                continue
            try:
                codes[part] = self.env.compile(ast)
            except TemplateSyntaxError as exc:
                errors.append(Problem(f"{_where(part, source, exc.lineno)}: {self._syntax_text(exc)}", file=self.name))
                continue
            sources[part] = source
        if errors:
            raise CongvanError(errors)
        names: set[str] = set()
        attrs: set[tuple[str, str]] = set()
        for source in sources.values():
            top, pairs = template_names(self.env, source)
            names |= top
            attrs |= pairs
        return template_cache.Entry(
            sources=sources, codes=codes, warnings=warnings, used_names=sorted(names), used_attrs=sorted(attrs)
        )

    @staticmethod
    def _syntax_text(exc: TemplateSyntaxError) -> str:
        from congvan.render.jinja_env import TemplateRefused

        if isinstance(exc, TemplateRefused):
            return exc.message or ""
        return f"thẻ Jinja sai cú pháp: {exc.message}"

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> CompiledTemplate:
        """Load and compile a .docx template; errors name the file and the place."""
        return cls(load_template_parts(path), name=display_path(path), **kwargs)

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

    # --- rendering ---------------------------------------------------------------------

    def _fail(self, where: str, message: str) -> CongvanError:
        return CongvanError(Problem(f"{where}: {message}", file=self.name))

    def _run(self, part: str, context: Mapping[str, Any]) -> str:
        template = self.compiled[part]
        try:
            xml = run_with_budget(self.limits, lambda: template.render(context))
        except Exception as exc:  # anything the template does wrong is the template's error
            where = _where(part, self.sources.get(part, ""), _template_lineno(exc.__traceback__))
            raise self._fail(where, _runtime_message(exc)) from None
        if len(xml) > self.limits.output_chars:
            raise self._fail(part_label(part), _runtime_message(LimitExceeded(
                f"văn bản điền từ mẫu dài quá {self.limits.output_chars:,} ký tự".replace(",", ".")
            )))
        return finish_output(xml)

    # --- derived templates (the batch's specialised parts) -------------------------------

    def part_ast(self, part: str) -> nodes.Template:
        """A fresh Jinja syntax tree of one part, for a caller that specialises it (see :meth:`derive`)."""
        return self.env.parse(unmarked_source(self.sources[part]))

    def derive(self, ast: nodes.Template) -> Template:
        """Compile a (transformed) tree of :meth:`part_ast` in this template's sandboxed environment."""
        return self.env.from_string(ast)

    def render_derived(self, compiled: Template, context: Mapping[str, Any]) -> str:
        """Render a derived template under this template's limits; finished XML text, unchecked.

        *context* is used as is (``shared``: the caller includes the globals it needs).
        Errors are raised raw and unlocated: re-render through :meth:`render_part` for
        the located message. Not parsed: well-formedness rests on the static balance
        check and autoescape, and on the caller refusing XML-illegal characters in its
        data (the batch does when it reads the rows).
        """
        def run() -> str:
            parent = context if isinstance(context, dict) else dict(context)
            return "".join(compiled.root_render_func(compiled.new_context(parent, shared=True)))

        xml = run_with_budget(self.limits, run)
        if len(xml) > self.limits.output_chars:
            raise LimitExceeded(f"văn bản điền từ mẫu dài quá {self.limits.output_chars:,} ký tự".replace(",", "."))
        return finish_output(xml)

    def render_checked(self, part: str, context: Mapping[str, Any]) -> tuple[str, Any]:
        """Render one part and prove it well-formed: (XML text, lxml root)."""
        xml, _, root = self._render_proved(part, context)
        return xml, root

    def _render_proved(self, part: str, context: Mapping[str, Any]) -> tuple[str, bytes, Any]:
        """Render one part and prove it well-formed: (XML text, its UTF-8 bytes, lxml root).

        libxml2 refuses exactly the characters XML cannot hold (``congvan.vi.ky_tu``;
        a lone surrogate cannot even be encoded), so the character scan that names the
        offending character runs only when the parse failed: the happy path pays for
        one encode and one parse, nothing else.
        """
        from lxml import etree

        xml = self._run(part, context)
        try:
            data = xml.encode("utf-8")
            root = etree.fromstring(data, _xml_parser())
        except (UnicodeEncodeError, etree.XMLSyntaxError) as exc:
            bad = ky_tu_cam_dau_tien(xml)
            if bad is not None:
                index, char = bad
                raise self._fail(
                    _output_where(part, xml, index),
                    f"văn bản điền từ mẫu có ký tự điều khiển {ten_ky_tu(char)}, không thể đưa vào văn bản; "
                    "hãy xóa ký tự này khỏi dữ liệu hoặc sửa mẫu",
                ) from None
            if not isinstance(exc, etree.XMLSyntaxError):  # pragma: no cover - only surrogates fail to encode
                raise
            line, column = exc.position
            index = sum(len(s) + 1 for s in xml.split("\n")[: line - 1]) + max(column - 1, 0)
            raise self._fail(
                _output_where(part, xml, min(index, len(xml))),
                f"mẫu tạo ra XML hỏng, không ghi văn bản ({exc.msg})",
            ) from None
        return xml, data, root

    def render_part(self, part: str, context: Mapping[str, Any]) -> str:
        """Render one templated part to checked, well-formed XML text."""
        return self.render_checked(part, context)[0]

    def render_parts(
        self, context: Mapping[str, Any], images: ImageSet | None = None, hook: PartHook | None = None
    ) -> dict[str, bytes]:
        """All changed parts for one document: rendered, checked XML plus any images.

        *hook* (the layout pass) works on the tree the check already parsed, so no
        part is parsed twice; a part the hook leaves as it was is not encoded again.
        """
        out: dict[str, bytes] = {}
        for part in self.compiled:
            xml, data, root = self._render_proved(part, context)
            if hook is not None:
                laid_out = hook(part, root, xml)
                if laid_out is not xml:
                    data = laid_out.encode("utf-8")
            out[part] = data
        if images is not None and images:
            out.update(images.package_parts(self.parts))
        return out

    def to_bytes(self, changed: Mapping[str, bytes]) -> bytes:
        """The package: the template's parts, *changed* ones replaced, as DOCX bytes."""
        if self._writer is None:
            self._writer = PackageWriter(dict(self.parts), level=ZIP_LEVEL)
        return self._writer.to_bytes(changed)

    def render_bytes(self, context: Mapping[str, Any], images: ImageSet | None = None) -> bytes:
        return self.to_bytes(self.render_parts(context, images))

    def save(self, context: Mapping[str, Any], target: str | Path, images: ImageSet | None = None) -> None:
        """Render and write atomically: an error never leaves a half-written file."""
        write_bytes_atomic(target, self.render_bytes(context, images))
