"""YAML in, with line numbers kept for error messages.

PyYAML's node tree carries the line of every key and value; we walk it once to
map each field path (``("chu_ky", 0, "ho_ten")``) to its line, and we refuse
duplicate keys, which plain ``yaml.safe_load`` silently overwrites.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from congvan.errors import CongvanError, Problem, display_path

PathKey = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so that pydantic parses them and an
    impossible date is reported with its field and line instead of a bare ValueError."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


class LineMap:
    """Field path -> 1-based line number in the YAML source."""

    def __init__(self) -> None:
        self._lines: dict[PathKey, int] = {}

    def add(self, path: PathKey, line: int) -> None:
        self._lines.setdefault(path, line)

    def line_for(self, path: PathKey) -> int | None:
        """The line of *path*, or of its nearest ancestor that has one.

        A list field given as a single mapping (one issuing body) has no ``0`` step
        in the YAML, so that spelling is tried too.
        """
        path = tuple(path)
        if path not in self._lines:
            single = tuple(
                p
                for i, p in enumerate(path)
                if not (p == 0 and i > 0 and (*path[:i],) in self._lines and (*path[:i], 0) not in self._lines)
            )
            if single in self._lines:
                return self._lines[single]
        while True:
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = path[:-1]


def _walk(node: yaml.Node, path: PathKey, lines: LineMap, source: str) -> None:
    lines.add(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise CongvanError(
                    Problem(
                        f"khóa '{key}' bị lặp lại (đã có ở dòng {seen[key]})",
                        file=source,
                        field=_dotted((*path, key)),
                        line=line,
                    )
                )
            seen[key] = line
            lines.add((*path, key), line)
            _walk(value_node, (*path, key), lines, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, source)


def _dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def dotted_path(path: PathKey) -> str:
    """``("chu_ky", 0, "ho_ten")`` -> ``chu_ky[0].ho_ten``."""
    return _dotted(tuple(path))


def load_yaml_text(text: str, source: str) -> tuple[Any, LineMap]:
    """Parse YAML text; return the data and its line map, or raise CongvanError."""
    lines = LineMap()
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise CongvanError(Problem("tệp YAML rỗng", file=source))
            _walk(node, (), lines, source)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise CongvanError(Problem(f"YAML sai cú pháp: {exc.problem or exc.context}", file=source, line=line)) from None
    except yaml.YAMLError as exc:
        raise CongvanError(Problem(f"YAML sai cú pháp: {exc}", file=source)) from None
    return data, lines


def load_yaml_file(path: str | Path) -> tuple[Any, LineMap]:
    """Read and parse a YAML file (UTF-8, BOM tolerated)."""
    source = display_path(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CongvanError(Problem("không tìm thấy tệp", file=source)) from None
    except UnicodeDecodeError:
        raise CongvanError(Problem("tệp không phải UTF-8", file=source)) from None
    return load_yaml_text(text, source)
