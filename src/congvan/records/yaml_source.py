"""YAML in: fast, bounded, unambiguous, with line numbers kept for error messages.

Every YAML file congvan reads (records, the batch ``--thong-tin`` file, the
column-mapping file) goes through :func:`load_yaml_file`. It

* parses with libyaml's C parser and composer (13–16× PyYAML's pure-Python
  loader) and builds the Python data in ONE walk over the composed node tree,
  instead of PyYAML's constructor;
* keeps that node tree as the line map, so an error found later (by pydantic or
  the NĐ30 rules) is located without any per-node bookkeeping on the happy path;
* refuses what would silently give wrong data: duplicate keys, YAML 1.1 number
  and boolean spellings (``010`` is not octal 8, ``yes``/``on`` are text,
  ``12:30`` is not 750), merge keys, non-text keys, unknown tags;
* refuses text that cannot go into a document (``congvan.vi.ky_tu``: a
  double-quoted ``"\\x07"``; raw control characters are refused by libyaml);
* caps what a small file could blow up: file size, node count (checked before
  composing), nesting depth and alias expansion ("alias bombs").

Scalars follow the YAML 1.2 core schema with one tightening, so that nothing is
guessed: ``null``/``~``/empty, ``true``/``false`` (three spellings each), plain
decimal integers and floats with a dot (``1.5``, ``1.0e+20``); everything else —
including ``0912345678`` (leading zero), ``0x1F``, ``1e5``, ``.inf``, ``1_000`` and
numbers of more than 18 digits — stays text exactly as written. Dates stay text too; pydantic parses them with their
field and line.
"""

from __future__ import annotations

import gc
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml._yaml import CParser
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from congvan.errors import CongvanError, Problem, display_path
from congvan.vi.ky_tu import loi_ky_tu, ten_ky_tu

PathKey = tuple[str | int, ...]

#: Largest YAML file read (bytes). A record with a 10,000-row appendix is ~1 MB.
MAX_BYTES = 16 * 1024 * 1024
#: Most values (scalars, lists, groups) in one file; ~300 bytes of memory each once composed.
MAX_NODES = 500_000
#: Deepest nesting of lists and groups (a real record nests fewer than 15 levels).
MAX_DEPTH = 100
#: Most values an alias (``*ten``) may copy in one file, all aliases together.
MAX_ALIAS_NODES = 10_000
#: Longest integer read as a number; longer digit strings stay text.
MAX_INT_DIGITS = 18

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"

_WORDS: dict[str, Any] = {
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
}
_WORD_START = frozenset("~nNtTfF")
_NUMBER_START = frozenset("0123456789+-.")
_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
#: A dot is required and an exponent needs its sign, so every float read here is one PyYAML's dumper
#: quotes when it is text: what the web drafts and the importer write reads back unchanged.
_FLOAT_RE = re.compile(r"(?:[-+]?(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")
_MISSING = object()


class _Parser(CParser):
    """libyaml's parser and composer; implicit tags are left empty for :class:`_Builder`.

    The resolver hooks are called by the C composer for every node, so they do nothing.
    """

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        return ""

    def descend_resolver(self, parent: Any, index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


class LineMap:
    """Field path -> 1-based line in the YAML source, read from the composed node tree.

    Built for free at load time; a path is looked up only when a problem is reported.
    """

    def __init__(self, root: Node | None = None) -> None:
        self._root = root

    def line_for(self, path: PathKey) -> int | None:
        """The line of *path*, or of its deepest ancestor present in the YAML.

        A key's own line is given for a path ending at a key. A list field written
        as a single group (one issuing body) has no ``0`` step in the YAML: that
        step is skipped.
        """
        node = self._root
        if node is None:
            return None
        line = node.start_mark.line + 1
        for step in path:
            if isinstance(node, MappingNode):
                if isinstance(step, int):
                    if step == 0:
                        continue
                    break
                pair = next((p for p in node.value if isinstance(p[0], ScalarNode) and p[0].value == step), None)
                if pair is None:
                    break
                line = pair[0].start_mark.line + 1
                node = pair[1]
            elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line


def dotted_path(path: PathKey) -> str:
    """``("chu_ky", 0, "ho_ten")`` -> ``chu_ky[0].ho_ten``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Builder:
    """One walk over the composed tree: Python data plus every refusal above."""

    def __init__(self, root: Node, source: str) -> None:
        self.root = root
        self.source = source
        self.done: set[int] = set()  # collections already built once (an alias re-walks them)
        self.open: set[int] = set()  # collections being built (an alias to one is a cycle)
        self.aliasing = 0
        self.alias_root = root
        self.alias_left = MAX_ALIAS_NODES

    # --- refusals -------------------------------------------------------------

    def fail(self, node: Node, message: str, *, locate_field: bool = True, field_of: Node | None = None) -> NoReturn:
        """Raise for *node*'s line; the field is *node*'s path (or *field_of*'s)."""
        path = _path_to(self.root, field_of or node) if locate_field else None
        raise CongvanError(
            Problem(
                message,
                file=self.source,
                field=dotted_path(path) if path else None,
                line=node.start_mark.line + 1,
            )
        )

    # --- values ---------------------------------------------------------------

    def value(self, node: Node, depth: int) -> Any:
        if self.aliasing:
            self.alias_left -= 1
            if self.alias_left < 0:
                self.fail(
                    self.alias_root,
                    f"các bí danh (alias '*...') sao chép quá {MAX_ALIAS_NODES:,} giá trị".replace(",", ".")
                    + " (nhóm ở dòng này được sao chép lồng nhau); hãy viết thẳng nội dung thay vì dùng bí danh",
                )
        cls = node.__class__
        if cls is ScalarNode:
            return self.scalar(node)
        if depth > MAX_DEPTH:
            self.fail(node, f"các mục lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)", locate_field=False)
        key = id(node)
        if key in self.done:
            if not self.aliasing:
                self.alias_root = node
            self.aliasing += 1
            try:
                return self.collection(node, cls, depth)
            finally:
                self.aliasing -= 1
        if key in self.open:
            self.fail(node, "bí danh (alias '*...') trỏ vào chính nhóm chứa nó, tạo vòng lặp vô tận")
        self.open.add(key)
        out = self.collection(node, cls, depth)
        self.open.discard(key)
        self.done.add(key)
        return out

    def collection(self, node: Node, cls: type, depth: int) -> Any:
        if cls is SequenceNode:
            if node.tag and node.tag != _SEQ:
                self.unknown_tag(node)
            return [self.value(item, depth + 1) for item in node.value]
        if node.tag and node.tag != _MAP:
            self.unknown_tag(node)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            name = self.key(key_node, node)
            if name in out:
                first = next(k for k, _ in node.value if isinstance(k, ScalarNode) and k.value == name)
                self.fail(
                    key_node,
                    f"khóa '{name}' bị lặp lại (đã có ở dòng {first.start_mark.line + 1}); "
                    "YAML chỉ giữ giá trị sau cùng, hãy xóa một trong hai",
                )
            out[name] = self.value(value_node, depth + 1)
        return out

    def key(self, node: Node, parent: Node) -> str:
        """Keys are field names: always the text as written (``1:`` is the name "1")."""
        if node.__class__ is not ScalarNode:
            self.fail(node, "tên trường phải là chữ, không được là danh sách hay nhóm (dấu '?', '[' hoặc '{' ở đầu?)")
        name = node.value
        if not node.style and name == "<<":
            self.fail(node, "khóa gộp '<<' của YAML không được hỗ trợ; hãy viết đầy đủ các trường")
        if node.style == '"' and (why := loi_ky_tu(name)):
            self.fail(node, why, field_of=parent)  # the key itself is not printable as a field name
        return name

    def scalar(self, node: Node) -> Any:
        value = node.value
        tag = node.tag
        if not tag:
            if not node.style:
                return _plain(value)
            if node.style == '"':
                self.check_text(node, value)
            return value
        return self.tagged(node, tag, value)

    def tagged(self, node: Node, tag: str, value: str) -> Any:
        """``!!str 010`` and the other core tags; any other tag is refused."""
        if tag == _STR:
            if node.style == '"':
                self.check_text(node, value)
            return value
        resolved = _plain(value)
        expected = {_INT: int, _FLOAT: float, _BOOL: bool, _NULL: type(None)}.get(tag)
        if expected is None:
            self.unknown_tag(node)
        if expected is float and type(resolved) is int:
            return float(resolved)
        if type(resolved) is not expected:
            names = {int: "số nguyên", float: "số", bool: "true hoặc false", type(None): "null"}
            self.fail(node, f"giá trị '{value}' gắn thẻ {tag.rsplit(':', 1)[-1]} nhưng không phải {names[expected]}")
        return resolved

    def unknown_tag(self, node: Node) -> NoReturn:
        self.fail(node, f"thẻ YAML '{node.tag}' không được hỗ trợ; hãy bỏ thẻ (phần bắt đầu bằng '!')")

    def check_text(self, node: Node, text: str) -> None:
        why = loi_ky_tu(text)
        if why:
            self.fail(node, why)


def _plain(value: str) -> Any:
    """A plain (unquoted) scalar under the tightened YAML 1.2 core schema (module docstring)."""
    if not value:
        return None
    first = value[0]
    if first in _WORD_START:
        return _WORDS.get(value, value)
    if first in _NUMBER_START and len(value) <= 40:
        if _INT_RE.fullmatch(value):
            digits = len(value) - (first in "+-")
            return int(value) if digits <= MAX_INT_DIGITS else value
        if _FLOAT_RE.fullmatch(value):
            number = float(value)
            return number if math.isfinite(number) else value
    return value


def _path_to(root: Node, target: Node) -> PathKey | None:
    """The field path of *target* in the tree (error path only; first occurrence)."""
    stack: list[tuple[Node, PathKey]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key_node, value_node in reversed(node.value):
                if key_node is target:
                    return (*path, key_node.value) if isinstance(key_node, ScalarNode) else path
                name = key_node.value if isinstance(key_node, ScalarNode) else "?"
                stack.append((value_node, (*path, name)))
        elif isinstance(node, SequenceNode):
            stack.extend((item, (*path, i)) for i, item in reversed(list(enumerate(node.value))))
    return None


# --- node budget, before composing -------------------------------------------------


def _check_node_budget(data: bytes, source: str) -> None:
    """Refuse files with more than MAX_NODES values before libyaml composes them.

    A cheap bound first: every value follows a line break or one of ``, : - [ { ?``
    (at most two values each, for ``{a, b}``). Only a file whose bound is over the
    limit is counted exactly, event by event, in constant memory.
    """
    bound = 1 + 2 * (len(data) - len(data.translate(None, b"\n,:-[{?")))
    if bound <= MAX_NODES:
        return
    parser = CParser(data)
    count = 0
    counted = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent, yaml.AliasEvent)
    while parser.check_event():
        event = parser.get_event()
        if isinstance(event, counted):
            count += 1
            if count > MAX_NODES:
                raise CongvanError(
                    Problem(
                        f"tệp có quá {MAX_NODES:,} giá trị".replace(",", ".")
                        + "; hãy tách thành nhiều tệp (danh sách lớn nên để trong tệp Excel/CSV)",
                        file=source,
                        line=event.start_mark.line + 1,
                    )
                )


# --- libyaml errors in Vietnamese -----------------------------------------------

_SYNTAX: dict[str, str] = {
    "mapping values are not allowed in this context": (
        "dấu ':' không hợp lệ ở đây; nếu giá trị có dấu ':' hãy đặt cả giá trị trong dấu nháy \"...\", "
        "nếu là trường con hãy xuống dòng và thụt lề"
    ),
    "found unexpected ':'": "dấu ':' không hợp lệ ở đây; hãy đặt cả giá trị trong dấu nháy \"...\"",
    "block sequence entries are not allowed in this context": (
        "dấu '- ' của danh sách không hợp lệ ở đây (kiểm tra thụt lề, hoặc đặt giá trị trong dấu nháy)"
    ),
    "mapping keys are not allowed in this context": "dấu '?' không hợp lệ ở đây; hãy đặt giá trị trong dấu nháy",
    "could not find expected ':'": "thiếu dấu ':' sau tên trường (hoặc giá trị nhiều dòng chưa đặt trong nháy)",
    "did not find expected key": "thụt lề sai: dòng này không thẳng hàng với các trường cùng nhóm",
    "did not find expected '-' indicator": "thụt lề sai: dòng này không thẳng hàng với các mục '- ' của danh sách",
    "did not find expected ',' or ']'": "danh sách trong ngoặc [...] thiếu dấu ',' hoặc dấu ']' đóng",
    "did not find expected ',' or '}'": "nhóm trong ngoặc {...} thiếu dấu ',' hoặc dấu '}' đóng",
    "did not find expected node content": "thiếu giá trị ở đây",
    "found unexpected end of stream": "tệp kết thúc khi dấu nháy hoặc dấu ngoặc chưa đóng",
    "found unknown escape character": (
        "trong dấu nháy kép, sau '\\' là ký tự không hợp lệ; hãy dùng dấu nháy đơn '...' hoặc viết '\\\\'"
    ),
    "found invalid Unicode character escape code": "mã ký tự sau '\\u' hoặc '\\x' không hợp lệ",
    "found undefined alias": "bí danh (alias '*...') chưa được đặt tên bằng '&...' ở phía trước",
    "second occurrence": "mỏ neo '&...' bị đặt tên hai lần",
    "but found another document": "tệp chỉ được chứa một tài liệu; hãy bỏ dòng '---' thứ hai",
    "found unexpected document indicator": "dòng '---' hoặc '...' không được đứng giữa tệp",
    "did not find expected <document start>": "có nội dung thừa sau khi tài liệu kết thúc",
    "did not find expected comment or line break": (
        "có nội dung thừa sau giá trị trên cùng dòng (giá trị trong nháy phải đứng riêng)"
    ),
    "did not find expected alphabetic or numeric character": (
        "sau '&' hoặc '*' cần một tên; nếu đây là chữ thường, hãy đặt cả giá trị trong dấu nháy"
    ),
    "exceeded maximum nesting depth": f"các mục lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)",
    "found a tab character that violates indentation": (
        "ký tự Tab không được dùng để thụt lề trong YAML; hãy thay bằng dấu cách"
    ),
    "found a tab character where an indentation space is expected": (
        "ký tự Tab không được dùng để thụt lề trong YAML; hãy thay bằng dấu cách"
    ),
    "found an indentation indicator equal to 0": "chỉ số thụt lề sau '|' hoặc '>' phải từ 1 đến 9",
    "found undefined tag handle": "thẻ YAML (phần bắt đầu bằng '!') không hợp lệ; hãy bỏ thẻ",
    "did not find expected tag URI": "thẻ YAML (phần bắt đầu bằng '!') không hợp lệ; hãy bỏ thẻ",
}
_NOT_UTF8 = "tệp không phải văn bản UTF-8; hãy lưu lại tệp với mã UTF-8"


def _syntax_problem(exc: yaml.YAMLError, data: bytes, source: str) -> Problem:
    """A libyaml error as a located Vietnamese problem; libyaml's English never reaches the user."""
    if isinstance(exc, yaml.reader.ReaderError):
        return _reader_problem(exc, data, source)
    assert isinstance(exc, yaml.MarkedYAMLError)
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    problem = exc.problem or ""
    message = _SYNTAX.get(problem)
    if problem == "found character that cannot start any token" and mark is not None:
        char = _char_at(data, mark.line, mark.column)
        if char == "\t":
            message = _SYNTAX["found a tab character that violates indentation"]
        elif char:
            message = f"ký tự '{char}' không được đứng đầu một giá trị; hãy đặt cả giá trị trong dấu nháy \"...\""
    if problem == "second occurrence" and exc.context_mark is not None:
        message = f"{message} (lần đầu ở dòng {exc.context_mark.line + 1})"
    if message is None:
        message = "kiểm tra thụt lề, dấu ':' sau tên trường và các dấu nháy, dấu ngoặc"
    if problem == "exceeded maximum nesting depth":
        return Problem(message, file=source, line=line)
    column = f" (cột {mark.column + 1})" if mark else ""
    return Problem(f"YAML sai cú pháp{column}: {message}", file=source, line=line)


def _reader_problem(exc: yaml.reader.ReaderError, data: bytes, source: str) -> Problem:
    position = exc.position if isinstance(exc.position, int) else None
    line = data[:position].count(b"\n") + 1 if position is not None else None
    if exc.reason != "control characters are not allowed":
        return Problem(_NOT_UTF8, file=source, line=line)
    text = _line_text(data, line) if line else ""
    why = loi_ky_tu(text)
    if why is None:
        bad = next((c for c in text if not c.isprintable() and c not in "\t"), None)
        why = (
            f"có ký tự không in được {ten_ky_tu(bad)}" if bad else "có ký tự không in được"
        ) + "; hãy xóa ký tự này (thường do dán từ phần mềm khác)"
    return Problem(why, file=source, line=line)


def _line_text(data: bytes, line: int) -> str:
    lines = data.split(b"\n", line)
    return lines[line - 1].decode("utf-8", "replace") if len(lines) >= line else ""


def _char_at(data: bytes, line: int, column: int) -> str:
    text = _line_text(data, line + 1)
    return text[column] if 0 <= column < len(text) else ""


# --- public API ---------------------------------------------------------------------


@contextmanager
def without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    Composing and building a large file allocates hundreds of thousands of nodes,
    lists and dicts without a single cycle; the collector's repeated passes over
    them cost more than the parse itself. Reference counting still frees them.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load_yaml_text(text: str | bytes, source: str) -> tuple[Any, LineMap]:
    """Parse YAML text; return the data and its line map, or raise a located CongvanError."""
    if isinstance(text, str):
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise CongvanError(Problem(_NOT_UTF8, file=source)) from None
    else:
        data = text
    if len(data) > MAX_BYTES:
        raise CongvanError(_too_big(len(data), source))
    with without_gc():
        try:
            _check_node_budget(data, source)
            root = _Parser(data).get_single_node()
        except yaml.YAMLError as exc:
            raise CongvanError(_syntax_problem(exc, data, source)) from None
        if root is None:
            raise CongvanError(Problem("tệp YAML rỗng", file=source))
        return _Builder(root, source).value(root, 0), LineMap(root)


def load_yaml_file(path: str | Path, source: str | None = None) -> tuple[Any, LineMap]:
    """Read and parse one YAML file (UTF-8, BOM tolerated) — the ONE way congvan reads YAML.

    Returns the data (dicts, lists, str, int, float, bool, None) and the line map
    for later errors; every failure is a CongvanError naming the file (as *source*,
    default: the path as the user typed it) and line.
    """
    source = source or display_path(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            raise CongvanError(_too_big(size, source))
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise CongvanError(Problem("không tìm thấy tệp", file=source)) from None
    except IsADirectoryError:
        raise CongvanError(Problem("đây là thư mục, không phải tệp YAML", file=source)) from None
    except PermissionError:
        raise CongvanError(Problem("không có quyền đọc tệp", file=source)) from None
    except OSError:
        raise CongvanError(Problem("không đọc được tệp (lỗi ổ đĩa hoặc đường dẫn)", file=source)) from None
    return load_yaml_text(data, source)


def _too_big(size: int, source: str) -> Problem:
    mb = MAX_BYTES // (1024 * 1024)
    return Problem(
        f"tệp quá lớn ({size / (1024 * 1024):.1f} MB, tối đa {mb} MB); hãy tách thành nhiều tệp",
        file=source,
    )
