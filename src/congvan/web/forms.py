"""Forms generated from the record models' JSON schema, and form posts read back.

Nothing here knows a document kind: every kind's form comes from
``Model.model_json_schema()`` (labels and help from the fields' Vietnamese
descriptions), so a kind added to :mod:`congvan.records.models` gets its form
for free. Field names are dotted paths (``f.chu_ky.0.ho_ten``); every list
carries a hidden item count so a post is read back by walking the same schema.
The body tree (``Nut``: exactly one level key per node) gets one widget — a level
select plus its text — recognised by its properties, not by its name.
"""

from __future__ import annotations

import copy
import re
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from congvan.records.models import LOAI_NUT, VanBan, VanBanChung

PREFIX = "f"
IMAGE_PREFIX = "anh_"  # a path field named anh_* is a picture: uploaded, not typed (congvan.web.images)
PLAIN = "_"  # the "plain paragraph" level of a body node (a bare string in YAML)
#: presentation only: text fields that usually hold several lines
LONG_TEXT = {"trich_yeu", "tham_quyen", "theo_de_nghi", "tieu_de", "ghi_chu"}
#: fallback words for the body-tree levels while a level key has no description
_LEVEL_FALLBACK = {
    PLAIN: "Đoạn văn",
    "phan": "Phần (I.)",
    "chuong": "Chương",
    "muc": "Mục",
    "dieu": "Điều",
    "khoan": "Khoản (1.)",
    "diem": "Điểm (a)",
    "gach": "Gạch đầu dòng (-)",
    "cong": "Dấu cộng (+)",
    "doan": "Đoạn có nội dung con",
}


# --------------------------------------------------------------------------- kinds


@cache
def models_by_kind() -> dict[str, type[BaseModel]]:
    """``loai`` value -> model class, read from the ``VanBan`` union itself."""
    union = typing.get_args(VanBan)[0]
    out: dict[str, type[BaseModel]] = {}
    for model in typing.get_args(union):
        for value in typing.get_args(model.model_fields["loai"].annotation):
            out[value] = model
    return out


def kind_label(kind: str) -> str:
    model = models_by_kind()[kind]
    doc = (model.__doc__ or kind).strip().splitlines()[0]
    return re.split(r"[:(.,]", doc)[0].strip() or kind


@cache
def schema_of(kind: str) -> dict[str, Any]:
    """The kind's JSON schema without the fields the model fills itself (``exclude=True``)."""
    model = models_by_kind()[kind]
    schema = model.model_json_schema()
    for title, names in _excluded_fields(model).items():
        target = schema if title == schema.get("title") else schema.get("$defs", {}).get(title)
        if target is None:
            continue
        for name in names:
            target.get("properties", {}).pop(name, None)
        if "required" in target:
            target["required"] = [r for r in target["required"] if r not in names]
    return schema


def _excluded_fields(model: type[BaseModel]) -> dict[str, set[str]]:
    """Schema title -> names of fields never written by a person (filled by a validator)."""
    out: dict[str, set[str]] = {}
    seen: set[type] = set()

    def models_in(annotation: Any) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in models_in(arg)]

    def visit(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.add(m)
        names = {n for n, f in m.model_fields.items() if f.exclude}
        if names:
            out[m.model_json_schema().get("title", m.__name__)] = names
        for f in m.model_fields.values():
            for sub in models_in(f.annotation):
                visit(sub)

    visit(model)
    return out


def _own_fields_after_title(kind: str, props: list[str]) -> list[str]:
    """Field order for the form: the kind's own fields (invitee, time, place…) right after the trích yếu.

    The model declares them after every common field, so the form showed them
    below the signature and Nơi nhận, far from where they are printed.
    """
    common = set(VanBanChung.model_fields)
    own = [p for p in props if p not in common]
    rest = [p for p in props if p in common]
    if not own or "trich_yeu" not in rest:
        return props
    at = rest.index("trich_yeu") + 1
    return rest[:at] + own + rest[at:]


# --------------------------------------------------------------------------- schema helpers


class Schema:
    """A JSON schema with its ``$defs``: resolve references and optional unions."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.defs = root.get("$defs", {})

    def resolve(self, s: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in s:
            s = {**self.defs[s["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in s.items() if k != "$ref"}}
        return s

    def branches(self, s: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        """Non-null alternatives of *s* (resolved) and whether null is allowed."""
        s = self.resolve(s)
        if "anyOf" not in s:
            return [s], False
        alts = [self.resolve(a) for a in s["anyOf"]]
        nullable = any(a.get("type") == "null" for a in alts)
        return [a for a in alts if a.get("type") != "null"], nullable


def is_nut(s: dict[str, Any]) -> bool:
    props = s.get("properties", {})
    return s.get("type") == "object" and all(level in props for level in LOAI_NUT)


def words(name: str, s: dict[str, Any]) -> tuple[str, str]:
    """(label, help) from the field's description; the field name when it has none.

    The label is the description's first clause (before ``;``, ``(``, ``:`` or a
    dash), shortened at a comma when long; the whole description is the help.
    """
    desc = " ".join((s.get("description") or "").split())
    if not desc:
        return name.replace("_", " ").capitalize(), ""
    label = re.split(r";|\(|:|\s[—–-]\s|\.\s", desc, maxsplit=1)[0].strip().rstrip(".,")
    while len(label) > 48 and "," in label:
        label = label.rsplit(",", 1)[0].strip()
    if not label or len(label) > 60:
        label = name.replace("_", " ").capitalize()
    rest = desc[len(label) :].lstrip(" ;,:.") if desc.startswith(label) else desc
    return label, rest[:1].upper() + rest[1:] if rest else ""


# --------------------------------------------------------------------------- nodes


@dataclass
class Node:
    """One piece of the generated form, rendered by the ``field`` macro."""

    widget: str  # text, textarea, number, date, select, checkbox, hidden, object, list, nut, choice, image
    name: str
    label: str = ""
    help: str = ""
    required: bool = False
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    step: str = "1"
    count: int = 0
    depth: int = 0

    @property
    def id(self) -> str:
        return "i-" + self.name.replace(".", "-")

    @property
    def err_id(self) -> str:
        return "e-" + self.name.replace(".", "-")


def dotted_to_name(field_path: str | None) -> str:
    """``chu_ky[0].ho_ten`` (the CLI's spelling) -> ``f.chu_ky.0.ho_ten``."""
    if not field_path:
        return PREFIX
    return PREFIX + "." + re.sub(r"\[(\d+)\]", r".\1", field_path).strip(".")


def name_to_dotted(name: str) -> str:
    """``f.chu_ky.0.ho_ten`` -> ``chu_ky[0].ho_ten`` (how messages name a field)."""
    parts = name.split(".")[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


class FormBuilder:
    """Builds the node tree of one kind's form for the current data."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.schema = Schema(schema_of(kind))
        self.slots: set[str] = set()

    def build(self, data: dict[str, Any]) -> list[Node]:
        root = self.schema.root
        required = set(root.get("required", []))
        nodes = []
        for prop in _own_fields_after_title(self.kind, list(root["properties"])):
            ps = root["properties"][prop]
            if prop == "loai":
                nodes.append(Node("hidden", f"{PREFIX}.loai", value=self.kind))
                continue
            nodes.append(self.node(f"{PREFIX}.{prop}", prop, ps, data.get(prop), prop in required, 0))
        return nodes

    def node(
        self, name: str, prop: str, s: dict[str, Any], value: Any, required: bool, depth: int, item: str = ""
    ) -> Node:
        self.slots.add(name)
        label, help_ = (item, "") if item else words(prop, s)
        alts, _nullable = self.schema.branches(s)
        if len(alts) == 1:
            return self._single(name, prop, alts[0], value, required, depth, label, help_)
        objects = [a for a in alts if a.get("type") == "object"]
        if objects and is_nut(objects[0]):
            return self._nut(name, objects[0], value, depth)
        if objects:
            return self._choice(name, prop, alts, value, required, depth, label, help_)
        if any(a.get("type") == "array" for a in alts):
            arr = next(a for a in alts if a.get("type") == "array")
            return self._single(name, prop, arr, value, required, depth, label, help_)
        # scalar unions (a table cell: text or number) read as text
        return Node("text", name, label, help_, required, "" if value is None else str(value), depth=depth)

    def _single(
        self, name: str, prop: str, s: dict[str, Any], value: Any, required: bool, depth: int, label: str, help_: str
    ) -> Node:
        kind = s.get("type")
        if "enum" in s or "const" in s:
            values = s.get("enum") or [s["const"]]
            options = [("", "(không chọn)")]  # also when required: its parent may be optional
            options += [(str(v), str(v)) for v in values]
            return Node(
                "select", name, label, help_, required, "" if value is None else str(value), options, depth=depth
            )
        if kind == "object":
            if is_nut(s):
                return self._nut(name, s, value, depth)
            node = Node("object", name, label, help_, required, depth=depth)
            value = value if isinstance(value, dict) else {}
            req = set(s.get("required", []))
            for child, cs in s.get("properties", {}).items():
                node.children.append(
                    self.node(f"{name}.{child}", child, cs, value.get(child), child in req, depth + 1)
                )
            return node
        if kind == "array":
            items = value if isinstance(value, list) else ([] if value in (None, "") else [value])
            node = Node("list", name, label, help_, required, count=len(items), depth=depth)
            item_schema = s.get("items", {})
            for i, item in enumerate(items):
                node.children.append(
                    self.node(f"{name}.{i}", prop, item_schema, item, True, depth + 1, f"{label} {i + 1}")
                )
            return node
        if kind == "boolean":
            checked = value if isinstance(value, bool) else s.get("default", False)
            return Node("checkbox", name, label, help_, required, bool(checked), depth=depth)
        if kind in ("integer", "number"):
            step = "1" if kind == "integer" else "any"
            return Node(
                "number", name, label, help_, required, "" if value is None else str(value), step=step, depth=depth
            )
        text = "" if value is None else str(value)
        if s.get("format") == "path" and prop.startswith(IMAGE_PREFIX):
            return Node("image", name, label, help_, required, text, depth=depth)
        if s.get("format") == "date":
            iso = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) or not text
            return Node("date" if iso else "text", name, label, help_, required, text, depth=depth)
        long_text = prop in LONG_TEXT or name.rsplit(".", 1)[-1].isdigit()
        return Node("textarea" if long_text else "text", name, label, help_, required, text, depth=depth)

    def _choice(
        self,
        name: str,
        prop: str,
        alts: list[dict[str, Any]],
        value: Any,
        required: bool,
        depth: int,
        label: str,
        help_: str,
    ) -> Node:
        """An item that is either plain text or a group (``str | NhomNoiNhan``)."""
        obj = next(a for a in alts if a.get("type") == "object")
        is_obj = isinstance(value, dict)
        obj_label = words(obj.get("title", "nhóm"), obj)[0] if obj.get("description") else "Nhóm"
        node = Node("choice", name, label, help_, required, "nhom" if is_obj else "chu", depth=depth)
        node.options = [("chu", "Một dòng"), ("nhom", obj_label)]
        if is_obj:
            node.children.append(self._single(name, prop, obj, value, required, depth, label, ""))
        else:
            node.children.append(
                Node("textarea", name, label, "", required, "" if value is None else str(value), depth=depth)
            )
        return node

    def _nut(self, name: str, s: dict[str, Any], value: Any, depth: int) -> Node:
        props = s["properties"]
        if isinstance(value, dict):
            level = next((k for k in LOAI_NUT if value.get(k) not in (None, "")), None)
            level = level or next((k for k in LOAI_NUT if k in value), PLAIN)
            text = value.get(level, "") if level != PLAIN else ""
        else:
            level, text, value = PLAIN, "" if value is None else str(value), {}
        node = Node("nut", name, value=level, depth=depth)
        node.options = [(PLAIN, _LEVEL_FALLBACK[PLAIN])] + [
            (k, _LEVEL_FALLBACK.get(k) or words(k, props[k])[0]) for k in LOAI_NUT
        ]
        node.children.append(Node("textarea", f"{name}.__text", "Nội dung", value=str(text or ""), depth=depth))
        self.slots.update({f"{name}.__text", f"{name}.so", f"{name}.noi_dung"})
        node.children.append(
            Node("text", f"{name}.so", *words("so", props["so"]), value=value.get("so") or "", depth=depth)
        )
        tieu_de = value.get("tieu_de")
        node.children.append(
            Node(
                "select",
                f"{name}.tieu_de",
                *words("tieu_de", props["tieu_de"]),
                value="" if tieu_de is None else ("true" if tieu_de else "false"),
                options=[("", "Tự động"), ("true", "Có (in đậm)"), ("false", "Không")],
                depth=depth,
            )
        )
        kids = value.get("noi_dung") or []
        sub = Node("list", f"{name}.noi_dung", "Nội dung con", count=len(kids), depth=depth + 1)
        for i, kid in enumerate(kids):
            sub.children.append(self._nut(f"{name}.noi_dung.{i}", s, kid, depth + 1))
        node.children.append(sub)
        return node


# --------------------------------------------------------------------------- reading a post


class FormReader:
    """Reads a flat post back into nested data by walking the same schema."""

    def __init__(self, kind: str, form: Any) -> None:
        self.kind = kind
        self.schema = Schema(schema_of(kind))
        self.form = form

    def get(self, name: str) -> str | None:
        values = self.form.getlist(name) if hasattr(self.form, "getlist") else [self.form.get(name)]
        values = [v for v in values if v is not None and isinstance(v, str)]
        return values[-1] if values else None

    def read(self) -> dict[str, Any]:
        root = self.schema.root
        out: dict[str, Any] = {"loai": self.kind}
        for prop, ps in root["properties"].items():
            if prop == "loai":
                continue
            value = self.value(f"{PREFIX}.{prop}", ps)
            if value is not None:
                out[prop] = value
        return out

    def value(self, name: str, s: dict[str, Any]) -> Any:
        alts, _ = self.schema.branches(s)
        objects = [a for a in alts if a.get("type") == "object"]
        if objects and is_nut(objects[0]):
            return self._nut(name)
        if len(alts) > 1 and objects:
            kieu = self.get(f"{name}.__kieu")
            if kieu == "nhom":
                return self._single(name, objects[0])
            return self._text(name, keep_empty=True)
        if len(alts) > 1 and any(a.get("type") == "array" for a in alts):
            return self._single(name, next(a for a in alts if a.get("type") == "array"))
        if len(alts) > 1:
            return self._scalar_union(name, alts)
        return self._single(name, alts[0])

    def _text(self, name: str, keep_empty: bool = False) -> str | None:
        raw = self.get(name)
        if raw is None:
            return None
        raw = raw.replace("\r\n", "\n")
        return raw if (raw.strip() or keep_empty) else None

    def _scalar_union(self, name: str, alts: list[dict[str, Any]]) -> Any:
        text = self._text(name)
        if text is None:
            return None
        kinds = {a.get("type") for a in alts}
        if "integer" in kinds and re.fullmatch(r"-?\d+", text.strip()):
            return int(text)
        if "number" in kinds and re.fullmatch(r"-?\d+[.,]\d+", text.strip()):
            return float(text.replace(",", "."))
        return text

    def _single(self, name: str, s: dict[str, Any]) -> Any:
        kind = s.get("type")
        if kind == "object":
            out: dict[str, Any] = {}
            for child, cs in s.get("properties", {}).items():
                value = self.value(f"{name}.{child}", cs)
                if value is not None:
                    out[child] = value
            return out
        if kind == "array":
            count = self._count(name)
            if count is None:
                return None
            return [self.value(f"{name}.{i}", s.get("items", {})) for i in range(count)]
        if kind == "boolean":
            raw = self.get(name)
            if raw is None or (raw == "1") == s.get("default", False):
                return None  # the default is not written (YAML stays as short as typed)
            return raw == "1"
        if kind == "integer":
            text = self._text(name)
            if text is None:
                return None
            return int(text) if re.fullmatch(r"-?\d+", text.strip()) else text
        if kind == "number":
            text = self._text(name)
            if text is None:
                return None
            try:
                return float(text.replace(",", "."))
            except ValueError:
                return text
        return self._text(name)

    def _count(self, name: str) -> int | None:
        raw = self.get(f"{name}.__n")
        if raw is None or not raw.isdigit():
            return None
        return min(int(raw), 2000)

    def _nut(self, name: str) -> Any:
        level = self.get(f"{name}.__cap") or PLAIN
        text = (self.get(f"{name}.__text") or "").replace("\r\n", "\n")
        count = self._count(f"{name}.noi_dung") or 0
        kids = [self._nut(f"{name}.noi_dung.{i}") for i in range(count)]
        so = self._text(f"{name}.so")
        tieu_de = self.get(f"{name}.tieu_de")
        if level == PLAIN and not kids and not so and not tieu_de:
            return text
        node: dict[str, Any] = {("doan" if level == PLAIN else level): text}
        if so:
            node["so"] = so
        if tieu_de in ("true", "false"):
            node["tieu_de"] = tieu_de == "true"
        if kids:
            node["noi_dung"] = kids
        return node


# --------------------------------------------------------------------------- skeletons and list operations


def skeleton(kind: str) -> dict[str, Any]:
    """An empty record of *kind*: required fields present, required lists with one item."""
    schema = Schema(schema_of(kind))
    root = schema.root
    out: dict[str, Any] = {"loai": kind}
    for prop in root.get("required", []):
        if prop != "loai":
            out[prop] = _empty(schema, root["properties"][prop])
    return out


def _empty(schema: Schema, s: dict[str, Any]) -> Any:
    alts, _ = schema.branches(s)
    if any(a.get("type") == "string" for a in alts) and len(alts) > 1:
        return ""
    a = alts[0]
    kind = a.get("type")
    if kind == "object":
        if is_nut(a):
            return ""
        return {p: _empty(schema, a["properties"][p]) for p in a.get("required", [])}
    if kind == "array":
        return [_empty(schema, a.get("items", {})) for _ in range(max(1, a.get("minItems", 0)))]
    if kind == "boolean":
        return a.get("default", False)
    return ""


def _item_schema(schema: Schema, path: list[str]) -> dict[str, Any] | None:
    """The item schema of the list at *path* (segments after ``f``)."""
    s: dict[str, Any] = schema.root
    for seg in path:
        alts, _ = schema.branches(s)
        objects = [a for a in alts if a.get("type") == "object"]
        arrays = [a for a in alts if a.get("type") == "array"]
        if seg.isdigit():
            if not arrays:
                return None
            s = arrays[0].get("items", {})
        else:
            if not objects or seg not in objects[0].get("properties", {}):
                return None
            s = objects[0]["properties"][seg]
    alts, _ = schema.branches(s)
    arrays = [a for a in alts if a.get("type") == "array"]
    return arrays[0].get("items", {}) if arrays else None


def _container(data: Any, path: list[str], create: bool) -> Any:
    node = data
    for seg in path[:-1]:
        if isinstance(node, list):
            node = node[int(seg)] if int(seg) < len(node) else None
        elif isinstance(node, dict):
            if seg not in node and create:
                node[seg] = {}
            node = node.get(seg)
        if node is None:
            return None
    return node


def apply_op(kind: str, data: dict[str, Any], op: str) -> dict[str, Any]:
    """``add:f.chu_ky`` / ``del:f.chu_ky.1`` / ``up:…`` / ``down:…`` / ``clear:f.chu_ky.0.anh_dau`` on a copy."""
    action, _, name = op.partition(":")
    parts = name.split(".")
    if not parts or parts[0] != PREFIX or len(parts) < 2:
        return data
    data = copy.deepcopy(data)
    path = parts[1:]
    schema = Schema(schema_of(kind))
    if action == "add":
        item = _item_schema(schema, path)
        if item is None:
            return data
        parent = _container(data, path, create=True)
        if isinstance(parent, dict):
            current = parent.get(path[-1])
            if not isinstance(current, list):
                current = [] if current in (None, "") else [current]
            parent[path[-1]] = [*current, _empty(schema, item)]
        elif len(path) >= 2 and path[-2].isdigit():  # a bare-string body node gets its first child
            grand = _container(data, path[:-1], create=False)
            if isinstance(grand, list) and int(path[-2]) < len(grand):
                _add_nut_child(grand, int(path[-2]))
        return data
    if action == "clear":  # "Bỏ ảnh": an image field emptied
        parent = _container(data, path, create=False)
        if isinstance(parent, dict) and path[-1].startswith(IMAGE_PREFIX):
            parent.pop(path[-1], None)
        return data
    if not path[-1].isdigit():
        return data
    lst = _container(data, path, create=False)
    index = int(path[-1])
    if not isinstance(lst, list) or index >= len(lst):
        return data
    if action == "del":
        lst.pop(index)
    elif action == "up" and index > 0:
        lst[index - 1], lst[index] = lst[index], lst[index - 1]
    elif action == "down" and index < len(lst) - 1:
        lst[index + 1], lst[index] = lst[index], lst[index + 1]
    return data


def _add_nut_child(parent: list[Any], index: int) -> None:
    """``add:f.noi_dung.0.noi_dung`` lands here when the node was a bare string."""
    node = parent[index]
    if not isinstance(node, dict):
        parent[index] = {"doan": node or "", "noi_dung": [""]}
    else:
        node.setdefault("noi_dung", []).append("")


# --------------------------------------------------------------------------- validation data


def clean(value: Any) -> Any:
    """Working copy -> what is validated and exported: empty texts dropped."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = clean(v)
            if v is None or v == "" or v == [] or v == {}:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [clean(v) for v in value if not (isinstance(v, str) and not v.strip())]
    return value


def set_image(data: dict[str, Any], name: str, value: str) -> bool:
    """Put an uploaded image's stored name into the image field *name* (``f.chu_ky.0.anh_dau``)."""
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != PREFIX or not parts[-1].startswith(IMAGE_PREFIX):
        return False
    parent = _container(data, parts[1:], create=False)
    if not isinstance(parent, dict):
        return False
    parent[parts[-1]] = value
    return True


def posted_fields(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields a browser posts for the generated form holding *data* (benchmarks, tests)."""
    fields: list[tuple[str, str]] = []

    def walk(node: Node) -> None:
        if node.widget == "list":
            fields.append((f"{node.name}.__n", str(node.count)))
        elif node.widget == "nut":
            fields.append((f"{node.name}.__cap", str(node.value)))
        elif node.widget == "choice":
            fields.append((f"{node.name}.__kieu", str(node.value)))
        elif node.widget == "checkbox":
            fields.append((node.name, "1" if node.value else "0"))
        elif node.widget != "object":
            fields.append((node.name, "" if node.value is None else str(node.value)))
        for child in node.children:
            walk(child)

    for node in FormBuilder(kind).build(data):
        walk(node)
    return fields
