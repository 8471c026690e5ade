"""A template specialised for one batch: what is the same on every row is rendered once.

Most variables of a certificate (issuing body, signer, decision number, date, title)
come from the round's settings and are the same on every row. Before the rows are
rendered, those names are replaced in the template's syntax tree by constants;
Jinja's own optimizer then folds them, filters included, into literal (escaped)
text and drops ``{% if %}`` branches they decide. Each row then runs only the
expressions that read row fields. The sandbox and autoescape are unchanged: this
is the same environment compiling the same template, with some values known early.

Whatever cannot be specialised (a name the template assigns, a value that is not
plain data) is left to run per row. Any error while rendering a row is re-raised
through the engine's own path, so its message is located exactly as without this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import nodes
from jinja2.compiler import has_safe_repr
from jinja2.visitor import NodeTransformer

from congvan.render.engine import CompiledTemplate

DOCUMENT = "word/document.xml"


class _Fold(NodeTransformer):
    """Replace loads of the given names by constants."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.ctx == "load" and node.name in self.values:
            return nodes.Const(self.values[node.name], lineno=node.lineno)
        return node


def _stored_names(ast: nodes.Template) -> set[str]:
    """Names the template itself binds (set, for, with, macro arguments...): never folded."""
    return {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}


class SpecialisedPart:
    """One part of *template* compiled with the batch-wide values folded in."""

    def __init__(
        self, template: CompiledTemplate, shared: Mapping[str, Any], row_names: set[str], part: str = DOCUMENT
    ) -> None:
        self.template = template
        self.part = part
        ast = template.part_ast(part)
        constant = {
            k: v for k, v in shared.items() if k not in row_names and k not in _stored_names(ast) and has_safe_repr(v)
        }
        self.folded = set(constant)
        self.shared = shared
        self.compiled = template.derive(_Fold(constant).visit(ast))
        # what a row's context still needs besides its own fields: globals, unfolded shared values
        self._base = {**self.compiled.globals, **{k: v for k, v in shared.items() if k not in constant}}

    def render(self, row: Mapping[str, Any]) -> str:
        """The part's XML for one row (its own fields only), identical to the engine's ``render_part``."""
        context = self._base.copy()
        context.update(row)
        try:
            return self.template.render_derived(self.compiled, context)
        except Exception:
            return self.template.render_part(self.part, {**self.shared, **row})  # raises the located error


def specialise(
    template: CompiledTemplate, shared: Mapping[str, Any], row_names: set[str], part: str = DOCUMENT
) -> SpecialisedPart | None:
    """The specialised part, or None when this template cannot take the fast path."""
    if part not in template.sources:
        return None
    try:
        return SpecialisedPart(template, shared, row_names, part)
    except Exception:
        return None
