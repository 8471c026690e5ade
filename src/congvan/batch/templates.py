"""Which template a batch document uses, and the checks a user template gets.

Built-in templates live in templates/ (built by congvan.batch.build_templates);
a secretary's own template (``--mau``) is linted on load: tags split across
runs, curly quotes inside tags, variables the row model does not have, row
fields the template never uses, and any attempt to read another file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from congvan.errors import CongvanError, Problem
from congvan.render.engine import CompiledTemplate, load_template_parts
from congvan.render.lint import locate_name

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "templates"

_FILES = {
    ("giay-cong-nhan", "gia-dinh"): "giay_cong_nhan.docx",
    ("giay-cong-nhan", "don-vi"): "giay_cong_nhan.docx",
    ("dang-ky", "gia-dinh"): "dang_ky_gia_dinh.docx",
    ("dang-ky", "don-vi"): "dang_ky_don_vi.docx",
}
DOCUMENTS = ("quyet-dinh", "giay-cong-nhan", "dang-ky")


def template_path(document: str, kind: str) -> Path:
    name = _FILES.get((document, kind)) or _FILES.get((document, "gia-dinh"))
    if name is None:
        raise CongvanError(f"không có mẫu dựng sẵn cho '{document}'; hãy chỉ mẫu của bạn bằng --mau")
    path = TEMPLATES_DIR / name
    if not path.exists():
        raise CongvanError(Problem("thiếu mẫu dựng sẵn; chạy: python -m congvan.batch.build_templates", file=str(path)))
    return path


def load_parts(path: Path) -> dict[str, bytes]:
    """The package parts of a .docx (shared loader: same checks and messages as render)."""
    return load_template_parts(path)


def check_template(
    template: CompiledTemplate,
    row_fields: Iterable[str],
    shared: Mapping[str, Any],
    *,
    strict: bool = False,
) -> list[str]:
    """Errors for file access and unknown variables; unused row fields as warnings."""
    fields = set(row_fields)
    known = fields | set(shared) | {"ten", "stt", "so_vao_so", "ong_ba", "loi_cong_nhan"}
    problems = []
    for unknown in sorted(template.used_names - known):
        problems.append(
            Problem(
                f"{_where(template, unknown)}: mẫu dùng biến '{unknown}' mà dữ liệu không có "
                f"(các cột: {', '.join(sorted(fields - {'stt'}))})",
                file=template.name,
            )
        )
    if problems:
        raise CongvanError(problems)
    warnings = [
        f"{template.name}: cột '{name}' của bảng tính không được dùng trong mẫu"
        for name in sorted(fields - template.used_names - {"stt"})
    ]
    if strict and warnings:
        raise CongvanError([Problem(w) for w in warnings])
    return warnings


def _where(template: CompiledTemplate, name: str) -> str:
    for part, source in template.sources.items():
        if re.search(rf"\b{re.escape(name)}\b", source):
            return locate_name(part, template.parts[part], name)
    return "mẫu"
