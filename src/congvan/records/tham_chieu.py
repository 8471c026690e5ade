"""Field reference (``docs/ho-so.md``) and starter records (``congvan mau``), from the models.

Both are generated from the pydantic models in :mod:`congvan.records.models` (their
``description`` and ``examples``), so the page, the starter and what validation
accepts cannot drift apart: ``tests/test_tham_chieu.py`` fails when the page is stale,
a field has no Vietnamese description, or a starter does not validate.

Regenerate the page with ``python -m congvan.records.tham_chieu``.
"""

from __future__ import annotations

import difflib
import sys
import types
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from congvan.errors import CongvanError
from congvan.records.models import KINDS, Nut, VanBanChung

#: Where the generated page lives, relative to the project root.
DOCS_PAGE = Path("docs") / "ho-so.md"

#: Vietnamese section names of the nested models (the kinds carry their own ``TEN``).
TEN_MO_HINH: dict[str, str] = {
    "CoQuan": "Cơ quan (co_quan_ban_hanh, ban_sao.co_quan)",
    "ChuKy": "Khối chữ ký (chu_ky, ban_sao.chu_ky)",
    "Nut": "Mục của nội dung (noi_dung)",
    "Bang": "Bảng (bang)",
    "OBang": "Ô gộp của hàng tiêu đề bảng (tieu_de_nhom)",
    "HangBang": "Hàng bảng viết dạng nhóm trường (hang)",
    "NhomNoiNhan": "Nhóm nơi nhận (noi_nhan)",
    "PhuLuc": "Phụ lục (phu_luc)",
    "VanBanKemTheo": "Văn bản được ban hành kèm theo (van_ban_kem_theo)",
    "NguoiHop": "Chủ trì, thư ký biên bản (chu_tri, thu_ky)",
    "BanSao": "Bản sao (ban_sao)",
    "LienHe": "Địa chỉ, liên hệ ô 13 (lien_he)",
}

_TEN_KIEU: dict[Any, str] = {
    str: "chữ",
    int: "số nguyên",
    float: "số",
    bool: "true/false",
    date: "ngày",
    datetime: "ngày giờ",
    Path: "đường dẫn tệp",
}


def slug(kind: type[VanBanChung]) -> str:
    """The name ``congvan mau`` takes: the ``loai`` tag with hyphens (giay-moi)."""
    return _loai(kind).replace("_", "-")


def _loai(kind: type[VanBanChung]) -> str:
    return get_args(kind.model_fields["loai"].annotation)[0]


def kinds_by_slug() -> dict[str, type[VanBanChung]]:
    return {slug(k): k for k in KINDS}


def _members(tp: Any) -> list[Any]:
    """The types an annotation allows, with Optional, unions and Annotated unwrapped."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        return [m for arg in get_args(tp) for m in _members(arg)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def nested_models(tp: Any) -> list[type[BaseModel]]:
    """Models an annotation holds, directly or as list items."""
    out: list[type[BaseModel]] = []
    for m in _members(tp):
        if _is_model(m):
            out.append(m)
        elif get_origin(m) is list:
            out.extend(nested_models(get_args(m)[0]))
    return out


def ten_kieu(tp: Any) -> str:
    """The Vietnamese name of a field type, with links to nested model sections."""
    names = []
    for m in _members(tp):
        if m is type(None):
            continue
        if get_origin(m) is Literal:
            names.append("chữ (giá trị định sẵn)")
        elif get_origin(m) is list:
            names.append(f"danh sách ({ten_kieu(get_args(m)[0])})")
        elif _is_model(m):
            names.append(f"[{TEN_MO_HINH[m.__name__].split(' (')[0].lower()}](#{m.__name__.lower()})")
        else:
            names.append(_TEN_KIEU.get(m, getattr(m, "__name__", str(m))))
    return " hoặc ".join(dict.fromkeys(names))


def gia_tri_cho_phep(field: FieldInfo) -> str:
    """Allowed values: the Literal choices and the numeric/length bounds of a field."""
    out = [", ".join(f"`{v}`" for v in get_args(m)) for m in _members(field.annotation) if get_origin(m) is Literal]
    unit = "mục" if any(get_origin(m) is list for m in _members(field.annotation)) else "ký tự"
    for meta in field.metadata:
        for attr, text in (
            ("ge", "≥ {}"),
            ("min_length", "ít nhất {} " + unit),
            ("max_length", "nhiều nhất {} " + unit),
        ):
            value = getattr(meta, attr, None)
            if value is not None and not (attr == "min_length" and value == 1 and unit == "ký tự"):
                out.append(text.format(value))
    return "; ".join(out)


def default_of(field: FieldInfo) -> Any:
    """The field's default value, or PydanticUndefined when it is required."""
    if field.default_factory is not None:
        return field.default_factory()  # type: ignore[call-arg]
    return field.default


def bat_buoc(field: FieldInfo) -> str:
    if field.is_required():
        return "**bắt buộc**"
    default = default_of(field)
    if default in (None, [], ""):
        return "không bắt buộc"
    return f"mặc định `{_scalar(default)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(model: type[BaseModel], names: list[str]) -> list[str]:
    rows = ["| Trường | Kiểu | Bắt buộc / mặc định | Giá trị cho phép | Mô tả |", "|---|---|---|---|---|"]
    for name in names:
        f = model.model_fields[name]
        rows.append(
            f"| `{name}` | {ten_kieu(f.annotation)} | {bat_buoc(f)} | {_cell(gia_tri_cho_phep(f))} "
            f"| {_cell(f.description or '')} |"
        )
    return rows


def _own_fields(kind: type[BaseModel]) -> list[str]:
    """Fields a kind adds or redefines (type, default or description) over the common ones."""
    base = VanBanChung.model_fields
    own = []
    for name, f in kind.model_fields.items():
        b = base.get(name)
        if (
            name == "loai"
            or b is None
            or (f.annotation, f.description, repr(default_of(f)), f.metadata)
            != (
                b.annotation,
                b.description,
                repr(default_of(b)),
                b.metadata,
            )
        ):
            own.append(name)
    return own


def reachable_models() -> list[type[BaseModel]]:
    """Every nested model a record can hold, in first-reached order."""
    seen: dict[type[BaseModel], None] = {}
    todo: list[type[BaseModel]] = [VanBanChung, *KINDS]
    while todo:
        model = todo.pop(0)
        for f in model.model_fields.values():
            for sub in nested_models(f.annotation):
                if sub not in seen and not issubclass(sub, VanBanChung):
                    seen[sub] = None
                    todo.append(sub)
    return list(seen)


def _complete_models() -> None:
    """Build every record model now. They are ``defer_build`` (a render builds only the kind it
    reads), so until first use a field like ``Nut.bang`` (Bang is declared after Nut) still holds
    a forward reference; the reference page must not depend on what this process rendered."""
    from congvan.records import models

    for value in vars(models).values():
        ours = isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == models.__name__
        if ours and not value.__pydantic_complete__:
            value.model_rebuild()


def reference_markdown() -> str:
    """The whole ``docs/ho-so.md`` page."""
    _complete_models()
    out = [
        "# Các trường của hồ sơ YAML",
        "",
        "Trang này được tạo tự động từ mô hình hồ sơ (`src/congvan/records/models.py`) bằng lệnh",
        "`python -m congvan.records.tham_chieu`; đừng sửa tay. In hồ sơ mẫu có chú thích cho một loại:",
        "`congvan mau <loại>` (ví dụ `congvan mau giay-moi > records/giay-moi.yaml`), rồi sửa các giá trị",
        "ví dụ và kiểm tra bằng `congvan validate records/giay-moi.yaml`.",
        "",
        "Ngày viết `2026-03-20` hoặc `20/3/2026`; ngày giờ viết `2026-03-20T09:30:00+07:00`.",
        "",
        "## Các loại hồ sơ",
        "",
        "| `loai` | Lệnh in hồ sơ mẫu | Loại văn bản |",
        "|---|---|---|",
    ]
    out += [f"| `{_loai(k)}` | `congvan mau {slug(k)}` | [{k.TEN}](#{slug(k)}) |" for k in KINDS]
    out += ["", '<a id="truong-chung"></a>', "", "## Trường chung của mọi loại", ""]
    out += _table(VanBanChung, list(VanBanChung.model_fields))
    for kind in KINDS:
        out += ["", f'<a id="{slug(kind)}"></a>', "", f"## {kind.TEN}", ""]
        out += [
            f"`loai: {_loai(kind)}`; hồ sơ mẫu: `congvan mau {slug(kind)}`. Ngoài các "
            "[trường chung](#truong-chung), loại này có hoặc định nghĩa lại:",
            "",
        ]
        out += _table(kind, _own_fields(kind))
    for model in reachable_models():
        out += ["", f'<a id="{model.__name__.lower()}"></a>', "", f"## {TEN_MO_HINH[model.__name__]}", ""]
        out += _table(model, list(model.model_fields))
    return "\n".join(out) + "\n"


# --- starter records -------------------------------------------------------------------


def _scalar(value: Any) -> str:
    """One YAML scalar on one line, quoted only when YAML needs it."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def example_of(field: FieldInfo) -> Any:
    """The value a starter shows: the field's first example, else one built from its model."""
    if field.examples:
        return field.examples[0]
    if get_origin(field.annotation) is Literal:
        return get_args(field.annotation)[0]
    models = [m for m in nested_models(field.annotation) if m is not Nut]
    if not models:
        default = default_of(field)
        return None if default is PydanticUndefined or default in ([], "") else default
    built = {n: example_of(f) for n, f in models[0].model_fields.items() if f.examples or f.is_required()}
    is_list = any(get_origin(m) is list for m in _members(field.annotation))
    return [built] if is_list else built


def _comment(field: FieldInfo) -> str:
    note = field.description or ""
    if not field.is_required() and default_of(field) not in (None, [], ""):
        note += f" (mặc định {_scalar(default_of(field))})"
    return f"  # {note}" if note else ""


def _emit_model(model: type[BaseModel], value: dict[str, Any], indent: int, show_missing: bool) -> list[str]:
    """Lines of one mapping: the given keys, then the other fields commented out."""
    lines: list[str] = []
    for name, field in model.model_fields.items():
        if name in value:
            lines += _emit_field(name, value[name], field, indent, show_missing)
    if show_missing and model is not Nut:
        order = [*_own_fields(model), *model.model_fields] if issubclass(model, VanBanChung) else model.model_fields
        for name in dict.fromkeys(order):
            field = model.model_fields[name]
            if name not in value and not _unused(field):
                lines += _commented(name, field, indent)
    return lines


def _unused(field: FieldInfo) -> bool:
    """A common field a kind does not use (its description says "Không dùng")."""
    return (field.description or "").startswith("Không dùng")


def _commented(name: str, field: FieldInfo, indent: int) -> list[str]:
    example = example_of(field)
    if example is None:
        return [" " * indent + f"# {name}:{_comment(field)}"]
    pad = " " * indent
    return [pad + "# " + line[indent:] for line in _emit_field(name, example, field, indent, show_missing=False)]


def _emit_field(name: str, value: Any, field: FieldInfo, indent: int, show_missing: bool) -> list[str]:
    pad = " " * indent
    models = nested_models(field.annotation)
    if isinstance(value, dict):
        model = _model_for(value, models)
        return [f"{pad}{name}:{_comment(field)}", *_emit_model(model, value, indent + 2, show_missing)]
    if isinstance(value, list) and value:
        lines = [f"{pad}{name}:{_comment(field)}"]
        for i, item in enumerate(value):
            lines += _emit_item(item, models, indent + 2, show_missing and i == 0)
        return lines
    return [f"{pad}{name}: {_scalar(value)}{_comment(field)}"]


def _model_for(value: dict[str, Any], models: list[type[BaseModel]]) -> type[BaseModel]:
    """The model of a mapping written under a field that allows several (Nut or NhomNoiNhan...)."""
    for model in models:
        if set(value) <= set(model.model_fields):
            return model
    raise ValueError(f"no model for {sorted(value)} among {models}")


def _emit_item(item: Any, models: list[type[BaseModel]], indent: int, show_missing: bool) -> list[str]:
    """One list item: '- value', or a mapping whose first line carries the dash."""
    pad = " " * indent
    if isinstance(item, dict):
        model = _model_for(item, models)
        lines = _emit_model(model, item, indent + 2, show_missing)
        return [pad + "- " + lines[0][indent + 2 :], *lines[1:]]
    if isinstance(item, list):
        return [pad + "- " + _scalar(item)]
    return [pad + "- " + _scalar(item)]


def starter(name: str) -> str:
    """A commented starter record for the kind ``name`` (giay-moi, ke-hoach...)."""
    kinds = kinds_by_slug()
    kind = kinds.get(name.strip().lower().replace("_", "-"))
    if kind is None:
        close = difflib.get_close_matches(name, list(kinds), n=3, cutoff=0.5)
        hint = f" (có phải là {' hay '.join(close)}?)" if close else ""
        raise CongvanError(f"không có loại hồ sơ '{name}'{hint}. Các loại: {', '.join(kinds)}")
    head = [
        f"# Hồ sơ mẫu: {kind.TEN}. Tạo bởi: congvan mau {slug(kind)}",
        "# Thay các giá trị ví dụ bằng nội dung thật; bỏ dấu '#' đầu dòng để dùng trường không bắt buộc.",
        f"# Kiểm tra: congvan validate <tệp>.yaml. Mọi trường: {DOCS_PAGE.as_posix()}",
    ]
    from congvan.profiles import load_profile
    from congvan.records.rules import truong_bat_buoc

    # The default rule set's own requirements too (NĐ30 quyết định, nghị quyết: tham_quyen).
    needed = truong_bat_buoc(example_of(kind.model_fields["loai"]), load_profile())
    value = {n: example_of(f) for n, f in kind.model_fields.items() if f.is_required() or n in needed}
    return "\n".join([*head, *_emit_model(kind, value, 0, show_missing=True)]) + "\n"


def danh_sach_loai() -> str:
    """What ``congvan mau`` prints without a kind: every kind with its name."""
    width = max(len(s) for s in kinds_by_slug())
    lines = ["Các loại hồ sơ (in hồ sơ mẫu: congvan mau <loại>):"]
    lines += [f"  {slug(k).ljust(width)}  {k.TEN}" for k in KINDS]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write ``docs/ho-so.md`` (or the path given) from the models."""
    target = Path((argv or sys.argv[1:] or [str(DOCS_PAGE)])[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(reference_markdown(), encoding="utf-8")
    print(f"Đã ghi {target}")


if __name__ == "__main__":
    main()
