"""Records from YAML files: parse, validate, and report every problem with its line.

The messages are Vietnamese; each names the file, the field path and the YAML line,
so a secretary can go straight to the mistake.
"""

from __future__ import annotations

import functools
import re
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from congvan.errors import CongvanError, Problem, display_path
from congvan.profiles import load_profile, profile_for_body
from congvan.records import models
from congvan.records.models import KINDS, LOAI_VAN_BAN, VanBanChung
from congvan.records.rules import check_all
from congvan.records.yaml_source import LineMap, dotted_path, load_yaml_file, without_gc

_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "string_type": "phải là chuỗi chữ",
    "string_unicode": "phải là chuỗi chữ",
    "string_too_short": "không được để trống",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_parsing_size": "số nguyên quá lớn",
    "int_from_float": "phải là số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là một danh sách (các dòng bắt đầu bằng '- ')",
    "tuple_type": "phải là một danh sách (các dòng bắt đầu bằng '- ')",
    "iterable_type": "phải là một danh sách (các dòng bắt đầu bằng '- ')",
    "dict_type": "phải là một nhóm trường (khóa: giá trị)",
    "mapping_type": "phải là một nhóm trường (khóa: giá trị)",
    "model_type": "phải là một nhóm trường (khóa: giá trị)",
    "model_attributes_type": "phải là một nhóm trường (khóa: giá trị)",
    "invalid_key": "tên trường phải là chữ",
    "date_type": "phải là ngày (ví dụ 2026-03-20 hoặc 20/3/2026)",
    "date_parsing": "ngày không hợp lệ",
    "date_from_datetime_parsing": "ngày không hợp lệ",
    "date_from_datetime_inexact": "ngày không hợp lệ (chỉ ghi ngày, không ghi giờ)",
    "path_type": "phải là đường dẫn tệp",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
    "finite_number": "phải là một số hữu hạn",
    "none_required": "không được ghi giá trị",
    "recursion_loop": "các mục lồng nhau quá sâu hoặc tự tham chiếu",
    "recursion_depth_exceeded": "các mục lồng nhau quá sâu",
    "string_pattern_mismatch": "không đúng dạng quy định",
    "enum": "giá trị không nằm trong danh sách cho phép",
    "frozen_field": "trường này không được thay đổi",
}
#: Said when pydantic reports something not listed above: Vietnamese, never its English text.
_KHONG_HOP_LE = "giá trị không hợp lệ cho trường này"


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_field(err["loc"])
    if kind == "value_error":
        return str(ctx.get("error", _KHONG_HOP_LE))
    if kind == "greater_than_equal":
        return f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    if kind == "greater_than":
        return f"phải lớn hơn {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"phải nhỏ hơn hoặc bằng {ctx.get('le')}"
    if kind == "less_than":
        return f"phải nhỏ hơn {ctx.get('lt')}"
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length')} mục"
    if kind == "too_long":
        return f"nhiều nhất {ctx.get('max_length')} mục"
    if kind == "string_too_long":
        return f"dài quá {ctx.get('max_length')} ký tự"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace(" or ", " hoặc ")
        return f"phải là một trong: {expected}"
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        return f"loại văn bản '{tag}' không có;{_goi_y(tag, LOAI_VAN_BAN)} Chọn một trong: {', '.join(LOAI_VAN_BAN)}"
    if kind == "union_tag_not_found":
        return f"thiếu trường 'loai' ({', '.join(LOAI_VAN_BAN)})"
    return _MESSAGES.get(kind, _KHONG_HOP_LE)


def _unknown_field(loc: tuple[Any, ...]) -> str:
    """An unknown field: the closest valid names (difflib) and the full list."""
    name = str(loc[-1])
    if " " in name:
        return "đoạn văn kết thúc bằng dấu ':' bị YAML hiểu là tên trường; hãy đặt cả đoạn trong dấu nháy \"...\""
    try:
        fields = _fields_at(loc)
    except Exception:  # a model shape this lookup does not know: still a Vietnamese message
        fields = None
    if not fields:
        return "trường này không có trong mẫu hồ sơ (gõ nhầm tên trường?)"
    return (
        f"trường '{name}' không có trong mẫu hồ sơ (gõ nhầm tên trường?);{_goi_y(name, fields)}"
        f" Các trường hợp lệ ở đây: {', '.join(fields)}"
    )


def _goi_y(name: str, choices: Any) -> str:
    import difflib  # error path only

    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return f" có phải là {' hay '.join(repr(c) for c in close)}?" if close else ""


@functools.cache
def _kinds() -> dict[str, type[VanBanChung]]:
    """Record class for each ``loai`` tag."""
    return dict(zip(LOAI_VAN_BAN, KINDS, strict=True))


def _fields_at(loc: tuple[Any, ...]) -> list[str] | None:
    """Field names of the model holding the last step of pydantic's raw *loc*."""
    current: Any = _kinds().get(loc[0]) if loc else None
    for step in loc[1:-1]:
        if current is None:
            return None
        current = _step(current, step)
    model = next((m for m in _members(current) if isinstance(m, type) and issubclass(m, BaseModel)), None)
    return list(model.model_fields) if model else None


def _members(tp: Any) -> list[Any]:
    """The types a field annotation allows (Optional, unions and Annotated unwrapped)."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        return [m for arg in get_args(tp) for m in _members(arg)]
    return [tp]


def _step(tp: Any, step: Any) -> Any:
    members = _members(tp)
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    if isinstance(step, int):
        lists = [m for m in members if get_origin(m) is list]
        return get_args(lists[0])[0] if lists else None
    branch = re.search(r"(\w+)\]*$", str(step))
    named = [m for m in models if branch and m.__name__ == branch.group(1)]
    if named:
        return named[0]
    for model in models:
        if step in model.model_fields:
            return model.model_fields[step].annotation
    return None


#: Error types that only say "wrong type": one per union branch, merged into one message.
_TYPE_ERRORS = frozenset(
    {
        "string_type",
        "int_type",
        "int_parsing",
        "float_type",
        "float_parsing",
        "bool_type",
        "bool_parsing",
        "list_type",
        "dict_type",
        "model_type",
        "model_attributes_type",
        "date_type",
        "none_required",
    }
)
#: pydantic-core's names of schema branches for scalar types (field names are never these).
_SCALAR_BRANCHES = frozenset({"str", "int", "float", "bool", "none", "date", "bytes", "decimal"})


@functools.cache
def _model_names() -> frozenset[str]:
    """Class names of the record models: pydantic names union branches after them ('Nut', 'HangBang')."""
    return frozenset(name for name, obj in vars(models).items() if isinstance(obj, type) and issubclass(obj, BaseModel))


def _is_branch(part: Any, final: bool, kind: str) -> bool:
    """A pydantic branch tag, not a field: ``function-after[...]``, ``list[...]``, ``constrained-str``, ``Nut``.

    Field names are snake_case (no '[' or '-'); the last step of an unknown-key error is the user's own
    key, kept whatever it looks like.
    """
    if not isinstance(part, str) or (final and kind in ("extra_forbidden", "invalid_key")):
        return False
    return "[" in part or "-" in part or part in _SCALAR_BRANCHES or part in _model_names()


def _clean_loc(loc: tuple[Any, ...], kind: str = "") -> tuple[tuple[str | int, ...], bool]:
    """pydantic's loc as a field path (discriminator tag and branch names dropped), and whether
    the error belongs to one branch of a union."""
    out: list[str | int] = []
    branched = False
    last = len(loc) - 1
    for i, part in enumerate(loc):
        if i == 0 and part in _kinds():
            continue
        if _is_branch(part, i == last, kind):
            branched = True
            continue
        out.append(part)
    return tuple(out), branched


def _problems_from_pydantic(
    exc: ValidationError, source: str, lines: LineMap, prefix: tuple[str, ...] = ()
) -> list[Problem]:
    """Vietnamese problems from pydantic's errors; *prefix* is put before each raw loc (the kind's tag)."""
    found: dict[tuple[str | int, ...], dict[str, bool]] = {}  # loc -> message -> "a union branch's type error"
    for err in exc.errors(include_url=False):
        if prefix:
            err = {**err, "loc": (*prefix, *err["loc"])}
        loc, branched = _clean_loc(err["loc"], err["type"])
        if err["type"].startswith("union_tag"):
            loc = ("loai",)
        messages = found.setdefault(loc, {})
        message = _message(err)
        messages[message] = messages.get(message, True) and branched and err["type"] in _TYPE_ERRORS
    problems = []
    for loc, messages in found.items():
        deeper = any(len(other) > len(loc) and other[: len(loc)] == loc for other in found)
        plain = [m for m, union_type in messages.items() if not union_type]
        union = [m for m, union_type in messages.items() if union_type]
        # One branch of a union erred here and another said more (deeper, or not about the type): keep that one.
        kept = plain if (plain or deeper) else [_one_of(union)]
        problems.extend(Problem(m, file=source, field=dotted_path(loc) or None, line=lines.line_for(loc)) for m in kept)
    return problems


def _one_of(messages: list[str]) -> str:
    """'phải là chuỗi chữ' + 'phải là số nguyên' -> 'phải là chuỗi chữ hoặc số nguyên'."""
    kinds = [m.removeprefix("phải là ") for m in messages]
    return "phải là " + " hoặc ".join(dict.fromkeys(kinds))


def _body_rule_sets(data: dict[str, Any]) -> set[str | None]:
    """The rule set each issuing body's names (its own, its parent's) point at; None: none does."""
    bodies = data.get("co_quan_ban_hanh")
    bodies = [bodies] if isinstance(bodies, dict) else bodies if isinstance(bodies, list) else []
    found = set()
    for body in bodies:
        names = [body.get(k) for k in ("ten", "co_quan_chu_quan")] if isinstance(body, dict) else []
        found.add(profile_for_body([n for n in names if isinstance(n, str)]))
    return found


def _with_body_rule_set(data: dict[str, Any]) -> dict[str, Any]:
    """A record without quy_tac takes its issuing bodies' rule set (Đảng ủy -> dang), so a clerk need
    not repeat it; only when every body points at the same one (a joint state-Đoàn plan stays nd30)."""
    if "quy_tac" in data:
        return data
    found = _body_rule_sets(data)
    only = found.pop() if len(found) == 1 else None
    return {**data, "quy_tac": only} if only else data


def _kind_of(data: dict[str, Any], source: str, lines: LineMap) -> type[VanBanChung]:
    """The record class the ``loai`` tag names (what a discriminated union would pick).

    Dispatching here instead of through a union of every kind means a process builds
    the validator of the kinds it reads only (the models are ``defer_build``).
    """
    where = {"file": source, "field": "loai", "line": lines.line_for(("loai",))}
    if "loai" not in data:
        raise CongvanError(Problem(_message({"type": "union_tag_not_found"}), **where))
    tag = data["loai"]
    kind = _kinds().get(tag) if isinstance(tag, str) else None
    if kind is None:
        raise CongvanError(Problem(_message({"type": "union_tag_invalid", "ctx": {"tag": tag}}), **where))
    return kind


def _validate_kind(data: dict[str, Any], source: str, lines: LineMap) -> VanBanChung:
    """Validate *data* with its kind's model; errors located as the union's were (tag first)."""
    kind = _kind_of(data, source, lines)
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        tag = data["loai"]
        raise CongvanError(_problems_from_pydantic(exc, source, lines, prefix=(tag,))) from None


def validate_data(
    data: Any, source: str, lines: LineMap | None = None, *, ky_tu_checked: bool = False
) -> VanBanChung:
    """Validate parsed YAML data as a record; raise CongvanError with every problem.

    *ky_tu_checked*: the data comes from the YAML reader, which already refused every
    character a document cannot hold (so the rules need not walk every text again).
    Data built in code (web forms, the importer, the batch) is checked here.
    """
    lines = lines or LineMap()
    if not isinstance(data, dict):
        raise CongvanError(Problem("hồ sơ phải là một nhóm trường (khóa: giá trị)", file=source))
    data = _with_body_rule_set(data)
    record = _validate_kind(data, source, lines)
    try:
        profile = load_profile(record.quy_tac)
    except CongvanError as exc:
        line = lines.line_for(("quy_tac",))
        where = {"file": source, "field": "quy_tac", "line": line}
        raise CongvanError([Problem(p.message, **where) for p in exc.problems]) from None
    findings = check_all(record, profile, ky_tu=not ky_tu_checked)
    if findings:
        raise CongvanError(
            [Problem(msg, file=source, field=dotted_path(loc), line=lines.line_for(loc)) for loc, msg in findings]
        )
    return record


def load_record(path: str | Path) -> VanBanChung:
    """Read, parse and validate one record file."""
    with without_gc():  # the record's models are acyclic too
        source = display_path(path)
        data, lines = load_yaml_file(path, source)
        record = validate_data(data, source, lines, ky_tu_checked=True)
        del data, lines  # freed before the collector resumes, so it has nothing to walk
    return record


def find_records(paths: list[Path]) -> list[Path]:
    """Record files named on the command line: files as given, folders searched for *.yaml."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Not recursive: sub-folders hold other things (batch data, mappings).
            found.extend(sorted(p for p in path.glob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        elif path.exists():
            found.append(path)
        else:
            raise CongvanError(Problem("không tìm thấy tệp hoặc thư mục", file=display_path(path)))
    return found
