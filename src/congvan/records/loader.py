"""Records from YAML files: parse, validate, and report every problem with its line.

The messages are Vietnamese; each names the file, the field path and the YAML line,
so a secretary can go straight to the mistake.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from congvan.errors import CongvanError, Problem, display_path
from congvan.profiles import load_profile
from congvan.records.models import LOAI_VAN_BAN, VanBan, VanBanChung
from congvan.records.rules import check_all
from congvan.records.yaml_source import LineMap, dotted_path, load_yaml_file

_ADAPTER: TypeAdapter[VanBanChung] = TypeAdapter(VanBan)

_MESSAGES = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường này không có trong mẫu hồ sơ (gõ nhầm tên trường?)",
    "string_type": "phải là chuỗi chữ",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là một danh sách (các dòng bắt đầu bằng '- ')",
    "dict_type": "phải là một nhóm trường (khóa: giá trị)",
    "model_type": "phải là một nhóm trường (khóa: giá trị)",
    "date_type": "phải là ngày (ví dụ 2026-03-20 hoặc 20/3/2026)",
    "date_parsing": "ngày không hợp lệ",
    "date_from_datetime_parsing": "ngày không hợp lệ",
    "date_from_datetime_inexact": "ngày không hợp lệ",
    "path_type": "phải là đường dẫn tệp",
    "float_type": "phải là số",
    "float_parsing": "phải là số",
}


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden" and " " in str(err["loc"][-1]):
        return "đoạn văn kết thúc bằng dấu ':' bị YAML hiểu là tên trường; hãy đặt cả đoạn trong dấu nháy \"...\""
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "greater_than_equal":
        return f"phải lớn hơn hoặc bằng {ctx.get('ge')}"
    if kind == "too_short":
        return f"cần ít nhất {ctx.get('min_length')} mục"
    if kind == "too_long":
        return f"nhiều nhất {ctx.get('max_length')} mục"
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "literal_error":
        return f"phải là một trong: {ctx.get('expected')}"
    if kind == "union_tag_invalid":
        return f"loại văn bản '{ctx.get('tag')}' không có; chọn một trong: {', '.join(LOAI_VAN_BAN)}"
    if kind == "union_tag_not_found":
        return f"thiếu trường 'loai' ({', '.join(LOAI_VAN_BAN)})"
    return _MESSAGES.get(kind, err["msg"])


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union branch names (the discriminator tag, 'Nut', 'str'...)."""
    out: list[str | int] = []
    for i, part in enumerate(loc):
        if i == 0 and part in LOAI_VAN_BAN:
            continue
        if isinstance(part, str) and (
            part in ("Nut", "str", "NhomNoiNhan", "constrained-str") or part.startswith("function-")
        ):
            continue
        out.append(part)
    return tuple(out)


def _problems_from_pydantic(exc: ValidationError, source: str, lines: LineMap) -> list[Problem]:
    seen: set[tuple[tuple[str | int, ...], str]] = set()
    problems = []
    for err in exc.errors():
        loc = _clean_loc(err["loc"])
        if err["type"].startswith("union_tag"):
            loc = ("loai",)
        msg = _message(err)
        if (loc, msg) in seen:
            continue
        seen.add((loc, msg))
        problems.append(Problem(msg, file=source, field=dotted_path(loc) or None, line=lines.line_for(loc)))
    return _drop_union_noise(problems)


def _drop_union_noise(problems: list[Problem]) -> list[Problem]:
    """A wrong node in a ``Nut | str`` list errs once per branch; keep the useful one."""

    def shadowed(p: Problem) -> bool:
        return p.message == _MESSAGES["string_type"] and any(
            q is not p and q.field and p.field and q.field.startswith(p.field) for q in problems
        )

    return [p for p in problems if not shadowed(p)]


def validate_data(data: Any, source: str, lines: LineMap | None = None) -> VanBanChung:
    """Validate parsed YAML data as a record; raise CongvanError with every problem."""
    lines = lines or LineMap()
    if not isinstance(data, dict):
        raise CongvanError(Problem("hồ sơ phải là một nhóm trường (khóa: giá trị)", file=source))
    try:
        record = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise CongvanError(_problems_from_pydantic(exc, source, lines)) from None
    profile = load_profile(record.quy_tac)
    findings = check_all(record, profile)
    if findings:
        raise CongvanError(
            [Problem(msg, file=source, field=dotted_path(loc), line=lines.line_for(loc)) for loc, msg in findings]
        )
    return record


def load_record(path: str | Path) -> VanBanChung:
    """Read, parse and validate one record file."""
    data, lines = load_yaml_file(path)
    return validate_data(data, display_path(path), lines)


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
