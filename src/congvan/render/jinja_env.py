"""The one Jinja environment templates are rendered in.

Templates come from untrusted hands (a secretary's Word file, a downloaded form),
so they run in an immutable sandbox with autoescape and StrictUndefined: a template
cannot read files or reach Python internals, and a missing variable fails loudly.

Escaping is the last step of every value: filters and string methods see *text*
(``A & B``, never ``A &amp; B``) and the XML sees escaped text. Concretely:

* a ``Markup`` value (escaped text, or XML built by congvan or captured from the
  template's own balanced blocks) is unescaped before a filter or a method sees
  it; XML in it is kept and the filter is applied to each text piece between tags;
* ``e``/``escape`` are no-ops (escaping always happens on output), ``safe``,
  ``urlize``, ``xmlattr``, ``tojson`` and ``lipsum`` (HTML makers) do not exist;
* the parsed template is checked before compiling (:meth:`CongvanEnvironment._parse`):
  ``{% autoescape %}``, include/import/extends and unknown filters are refused
  with a Vietnamese message, so no construct can switch escaping off.

Limits instead of hangs: each render runs under a :class:`RenderBudget` (time,
output size, memory growth) checked at every loop start, every 64 loop items and
every call, and big repeat/format/power operations are refused before they run.
"""

from __future__ import annotations

import functools
import math
import re
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.exceptions import TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

#: Filters that make HTML (or mark text safe): meaningless in DOCX and a way around escaping.
REMOVED_FILTERS = ("safe", "urlize", "xmlattr", "tojson")
#: Globals that make HTML.
REMOVED_GLOBALS = ("lipsum",)
#: Names the engine's guards use; a template may not touch them.
GUARD_PREFIX = "_cv_"
#: Largest string/list a single ``*``, ``%``, format or padding may make (characters or items).
MAX_PIECE = 10_000_000
_TAGS = re.compile(r"(<[^>]*>)")
_FORMAT_SPEC = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


class TemplateRefused(TemplateSyntaxError):
    """A construct congvan does not allow in templates; the message is Vietnamese."""


class LimitExceeded(Exception):
    """A render went past one of its limits; the message is Vietnamese."""


@dataclass(frozen=True)
class TemplateLimits:
    """How much one render of one part may take."""

    seconds: float = 20.0
    output_chars: int = 100_000_000
    memory_mb: int = 1024


DEFAULT_LIMITS = TemplateLimits()


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class RenderBudget:
    """What is left of one render's limits; checked by the guards compiled into templates."""

    __slots__ = ("_ticks", "chars_left", "deadline", "limits", "rss_limit_kb")

    def __init__(self, limits: TemplateLimits) -> None:
        self.limits = limits
        self.deadline = time.perf_counter() + limits.seconds
        self.chars_left = limits.output_chars
        self.rss_limit_kb = 0  # set at the first memory check: most renders never need one
        self._ticks = 0

    def tick(self) -> None:
        if time.perf_counter() > self.deadline:
            raise LimitExceeded(
                f"mẫu chạy quá {self.limits.seconds:g} giây (vòng lặp hoặc macro quá lớn) nên đã bị dừng"
            )
        self._ticks += 1
        if not self._ticks & 1023:  # a system call: only renders that loop a lot pay for it
            rss = _rss_kb()
            if not self.rss_limit_kb:
                self.rss_limit_kb = rss + self.limits.memory_mb * 1024
            elif rss > self.rss_limit_kb:
                raise LimitExceeded(f"mẫu dùng quá {self.limits.memory_mb} MB bộ nhớ nên đã bị dừng")

    def spend(self, chars: int) -> None:
        self.chars_left -= chars
        if self.chars_left < 0:
            raise LimitExceeded(
                f"văn bản điền từ mẫu dài quá {self.limits.output_chars:,} ký tự nên đã bị dừng".replace(",", ".")
            )

    def laps(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for i, item in enumerate(iterable):
            if not i & 63:
                self.tick()
            yield item


_BUDGET: ContextVar[RenderBudget | None] = ContextVar("congvan_render_budget", default=None)


def run_with_budget(limits: TemplateLimits, func: Callable[[], Any]) -> Any:
    """Run *func* (a render) under a fresh budget."""
    token = _BUDGET.set(RenderBudget(limits))
    try:
        return func()
    finally:
        _BUDGET.reset(token)


# The guards are filters compiled into every template (see _insert_guards): a filter is a
# direct call of the compiled code, where a call of a global goes through the sandbox's
# ``call`` (three Python frames and its checks, ~100 times in a 5-page plan). ``pass_context``
# keeps Jinja's optimizer from folding a guard over constants at compile time.


@pass_context
def _guard_loop(context: Any, iterable: Any) -> Any:
    """Wraps every ``{% for %}`` iterable: a tick per loop start and every 64 items."""
    budget = _BUDGET.get()
    if budget is None:
        return iterable
    budget.tick()
    if isinstance(iterable, (list, tuple, dict, str, range)) and len(iterable) <= 64:
        return iterable
    return budget.laps(iterable)


@pass_context
def _guard_output(context: Any, value: Any, literal_chars: int = 0) -> Any:
    """Counts what an output inside a loop or macro adds (captured blocks included)."""
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(literal_chars + (len(value) if isinstance(value, str) else 16))
    return value


@pass_context
def _guard_literal(context: Any, literal_chars: int) -> str:
    budget = _BUDGET.get()
    if budget is not None:
        budget.spend(literal_chars)
    return ""


#: Guard filter name -> function (names a template may not use: _refuse_constructs).
GUARDS: dict[str, Callable[..., Any]] = {
    f"{GUARD_PREFIX}loop": _guard_loop,
    f"{GUARD_PREFIX}out": _guard_output,
    f"{GUARD_PREFIX}lit": _guard_literal,
}


# --- text, not markup, for filters and methods ---------------------------------


def as_text(value: Any) -> Any:
    """Markup -> the text it shows (tags dropped); anything else unchanged."""
    if isinstance(value, Markup):
        return Markup(_TAGS.sub("", value) if "<" in value else value).unescape()
    return value


def _per_text_piece(func: Callable[..., Any], markup: Markup, before: tuple, after: tuple, kwargs: dict) -> Any:
    """Apply a text filter to each text piece of XML markup, keeping the tags."""
    out = []
    for i, piece in enumerate(_TAGS.split(str(markup))):
        if i % 2:
            out.append(piece)
            continue
        if not piece:
            continue
        result = func(*before, Markup(piece).unescape(), *after, **kwargs)
        if not isinstance(result, str):
            return func(*before, as_text(markup), *after, **kwargs)
        out.append(str(result) if isinstance(result, Markup) else str(Markup.escape(result)))
    return Markup("".join(out))


def _check_piece_args(name: str, args: Iterable[Any]) -> None:
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_PIECE:
            raise LimitExceeded(f"'{name}' được gọi với số quá lớn ({arg}) nên đã bị từ chối")


def _check_format(name: str, fmt: Any) -> None:
    if isinstance(fmt, str):
        for width, precision in _FORMAT_SPEC.findall(fmt):
            for n in (width, precision):
                if n == "*" or (n and int(n) > MAX_PIECE):
                    raise LimitExceeded(f"'{name}': độ rộng định dạng '%{n}' quá lớn nên đã bị từ chối")


def textual(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so it sees text: Markup arguments are unescaped first."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_piece_args(name, args[skip + 1 :])
        if name == "format" and len(args) > skip:
            _check_format(name, as_text(args[skip]))
        before, value, after = args[:skip], args[skip] if len(args) > skip else None, args[skip + 1 :]
        after = tuple(as_text(a) for a in after)
        kwargs = {k: as_text(v) for k, v in kwargs.items()}
        if isinstance(value, Markup) and "<" in value:
            return _per_text_piece(func, value, before, after, kwargs)
        result = func(*before, as_text(value), *after, **kwargs) if len(args) > skip else func(*args, **kwargs)
        if isinstance(result, str) and len(result) > MAX_PIECE:
            raise LimitExceeded(f"bộ lọc '{name}' tạo ra chuỗi quá dài nên đã bị từ chối")
        if isinstance(value, Markup) and isinstance(result, str) and not isinstance(result, Markup):
            return Markup.escape(result)  # markup in, markup out: a filter block's result is written as is
        return result

    return wrapper


def _no_escape(value: Any) -> Any:
    """``e``/``escape``: a no-op, since every value is escaped on output anyway."""
    return value


def _force_text(value: Any) -> str:
    """``forceescape``: show the value's characters, XML included, as text."""
    return str.__str__(value) if isinstance(value, str) else str(value)


_DICT_NAMES = frozenset(dir(dict))


class CongvanEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with congvan's escaping model, construct policy and limits."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        ast = super()._parse(source, name, filename)
        _refuse_constructs(self, ast, name)
        _insert_guards(ast)
        return ast

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_PIECE:
                    raise LimitExceeded("phép nhân chuỗi hoặc danh sách tạo ra kết quả quá lớn nên đã bị từ chối")
        elif operator == "**":
            big = isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0
            if big and right * math.log2(abs(left)) > 100_000:
                raise LimitExceeded("phép lũy thừa tạo ra số quá lớn nên đã bị từ chối")
        elif operator == "%":
            _check_format("%", as_text(left))
            left = as_text(left) if isinstance(left, Markup) else left
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_NAMES:
            # The context's dicts, the commonest lookup: where the sandbox would land after
            # ``getattr`` raised, without the exception (a dict's own names still go that way).
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(as_text(obj), attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return super().getitem(as_text(obj), argument)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _BUDGET.get()
        if budget is not None:
            budget.tick()
        if isinstance(getattr(__obj, "__self__", None), str):
            _check_piece_args(getattr(__obj, "__name__", "?"), args)
            args = tuple(as_text(a) for a in args)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str) and len(result) > MAX_PIECE:
            raise LimitExceeded("một lời gọi trong mẫu tạo ra chuỗi quá dài nên đã bị từ chối")
        return result


def _refuse(message: str, node: nodes.Node, name: str | None) -> TemplateRefused:
    return TemplateRefused(message, getattr(node, "lineno", None) or 1, name)


def _refuse_constructs(env: CongvanEnvironment, ast: nodes.Template, name: str | None) -> None:
    """Constructs that could read other files or switch escaping off, and unknown filters."""
    for node in ast.find_all((nodes.EvalContextModifier, nodes.ScopedEvalContextModifier)):
        raise _refuse("mẫu không được dùng thẻ '{% autoescape %}' (văn bản luôn được thoát ký tự XML)", node, name)
    for node in ast.find_all((nodes.MarkSafe, nodes.MarkSafeIfAutoescape)):
        raise _refuse("mẫu không được đánh dấu chuỗi là XML an toàn", node, name)
    for node_type, tag in (
        (nodes.Include, "include"),
        (nodes.Import, "import"),
        (nodes.FromImport, "from ... import"),
        (nodes.Extends, "extends"),
    ):
        for node in ast.find_all(node_type):
            raise _refuse(f"mẫu không được đọc tệp khác (thẻ '{{% {tag} %}}')", node, name)
    for node in ast.find_all((nodes.Filter, nodes.FilterBlock)):
        filter_node = node.filter if isinstance(node, nodes.FilterBlock) else node
        if filter_node.name.startswith(GUARD_PREFIX):
            raise _refuse(f"tên '{filter_node.name}' dành riêng cho congvan", node, name)
        if filter_node.name in REMOVED_FILTERS:
            raise _refuse(
                f"không có bộ lọc '{filter_node.name}': mẫu không được chèn XML hay HTML thô", node, name
            )
        if filter_node.name not in env.filters:
            raise _refuse(f"không có bộ lọc '{filter_node.name}'", node, name)
    for node in ast.find_all(nodes.Test):
        if node.name not in env.tests:
            raise _refuse(f"không có phép thử '{node.name}'", node, name)
    for node in ast.find_all(nodes.Name):
        if node.name.startswith(GUARD_PREFIX):
            raise _refuse(f"tên '{node.name}' dành riêng cho congvan", node, name)


def _guard_call(func: str, value: nodes.Expr, *args: nodes.Expr) -> nodes.Filter:
    """``value|func(*args)``: the guard as a filter (a direct call in the compiled code)."""
    return nodes.Filter(value, func, list(args), [], None, None)


def _insert_guards(ast: nodes.Template) -> None:
    """Every loop iterable ticks the budget; outputs that can repeat count their size."""
    for loop in ast.find_all(nodes.For):
        loop.iter = _guard_call(f"{GUARD_PREFIX}loop", loop.iter)
    repeating: list[nodes.Node] = list(ast.find_all((nodes.For, nodes.Macro, nodes.CallBlock)))
    seen: set[int] = set()
    for owner in repeating:
        for output in owner.find_all(nodes.Output):
            if id(output) in seen:
                continue
            seen.add(id(output))
            literal = sum(len(n.data) for n in output.nodes if isinstance(n, nodes.TemplateData))
            counted = False
            for i, child in enumerate(output.nodes):
                if not isinstance(child, nodes.TemplateData):
                    output.nodes[i] = _guard_call(f"{GUARD_PREFIX}out", child, nodes.Const(0 if counted else literal))
                    counted = True
            if not counted:
                output.nodes.append(_guard_call(f"{GUARD_PREFIX}lit", nodes.Const(literal)))


def make_environment(
    filters: dict[str, Callable[..., Any]] | None = None,
) -> CongvanEnvironment:
    """A fresh sandboxed environment with congvan's Vietnamese filters."""
    env = CongvanEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    for name in REMOVED_FILTERS:
        env.filters.pop(name, None)
    for name in REMOVED_GLOBALS:
        env.globals.pop(name, None)
    env.filters.update(_default_filters())
    if filters:
        env.filters.update(filters)
    env.filters = {name: textual(name, func) for name, func in env.filters.items()}
    env.filters["e"] = env.filters["escape"] = _no_escape
    env.filters["forceescape"] = _force_text
    env.filters.update(GUARDS)
    return env


def _default_filters() -> dict[str, Callable[..., Any]]:
    from congvan.vi import chu, doc_so, ngay

    return {
        "viet_hoa": chu.viet_hoa,
        "doc_so": doc_so.doc_so,
        "doc_tien": doc_so.doc_tien,
        "ngay_thang_nam": ngay.ngay_thang_nam,
        "so_tien": format_so_tien,
    }


def format_so_tien(value: Any) -> str:
    """Amount in figures with Vietnamese thousands dots: 1.500.000."""
    from decimal import Decimal

    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = ".".join(groups) or "0"
    frac = frac.rstrip("0")
    return f"{sign}{text},{frac}" if frac else f"{sign}{text}"
