"""The one Jinja environment templates are rendered in.

Templates come from untrusted hands (a secretary's Word file, a downloaded form),
so they run in an immutable sandbox with autoescape and StrictUndefined: a template
cannot read files or reach Python internals, a missing variable fails loudly, and
``& < > " '`` in any value come out literally. The ``safe`` filter is removed so a
template cannot smuggle raw XML past the escaping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment


def make_environment(filters: dict[str, Callable[..., Any]] | None = None) -> ImmutableSandboxedEnvironment:
    """A fresh sandboxed environment with congvan's Vietnamese filters."""
    env = ImmutableSandboxedEnvironment(
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=False,
    )
    env.filters.pop("safe", None)
    env.filters.update(_default_filters())
    if filters:
        env.filters.update(filters)
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
