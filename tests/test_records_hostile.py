"""Hostile records, generated: every input ends as a well-formed DOCX or a located CongvanError.

Bounded on purpose (few examples, no shrinking database, deadline off) so the whole file
stays a few seconds; deterministic under CI (``CI`` set) so a merge is never red by chance.
"""

from __future__ import annotations

import io
import os
import resource
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from congvan.errors import CongvanError
from congvan.records.loader import load_record, validate_data
from congvan.records.yaml_source import MAX_ALIAS_NODES, load_yaml_text

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sorted((ROOT / "records").glob("*.yaml"))
BASES = [yaml.load(p.read_text(encoding="utf-8"), yaml.CSafeLoader) for p in SAMPLES]
FIELD_NAMES = sorted(
    {"loai", "so", "ten", "viet_tat", "ho_ten", "quyen_han", "thay", "noi_dung", "khoan", "dieu", "nhom", "bang"}
    | {k for base in BASES for k in base}
)

HOSTILE = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)

# Text with everything a paste can bring: controls, U+FFFE, bidi marks, combining marks, emoji —
# mostly printable, so that many mutated records stay valid and reach the renderer.
hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from(["\x00", "\x07", "\x1b", "\x0b", "\ufffe", "\uffff", "\u202e", "\u0301", ":", "#", "&", "<"]),
    ),
    max_size=40,
)
printable_text = st.text(st.characters(exclude_categories=["Cs", "Cc", "Co", "Cn"]), min_size=1, max_size=60)
text = st.one_of(printable_text, printable_text, printable_text, hostile_text)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    text,
    st.sampled_from(["010", "0x1F", "yes", "12:30", "2026-02-30", "TM.", "Lưu: VT, VP", "<<", "~", "1e400"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), text), inner, max_size=4),
    ),
    max_leaves=12,
)


def _paths(data: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*path, i))
    return out


def _replace(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: _replace(data[head], rest, value)}
    copy = list(data)
    copy[head] = _replace(data[head], rest, value)
    return copy


def _check_outcome(path: Path, renderer: Any) -> None:
    """The invariant: a record that renders to well-formed XML parts, or a located CongvanError."""
    try:
        record = load_record(path)
        docx = renderer.render_bytes(record, base_dir=path.parent)
    except CongvanError as exc:
        assert exc.problems and all(p.file for p in exc.problems), str(exc)
        return
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name))  # raises on any malformed part


def _at(data: Any, path: tuple) -> Any:
    for step in path:
        data = data[step]
    return data


@HOSTILE
@given(data=st.data())
def test_mutated_records_render_or_fail_located(tmp_path_factory, renderer, data):
    """A sample record with one subtree changed, dumped by PyYAML (escapes, anchors and aliases)."""
    base = data.draw(st.sampled_from(BASES))
    where = data.draw(st.sampled_from(_paths(base)))
    old = _at(base, where)
    action = data.draw(st.sampled_from(["same_type", "same_type", "same_type", "replace", "add", "share"]))
    if action == "same_type" and isinstance(old, str):
        record = _replace(base, where, data.draw(text))
    elif action == "same_type" and isinstance(old, int) and not isinstance(old, bool):
        record = _replace(base, where, data.draw(st.integers(min_value=-(10**30), max_value=10**30)))
    elif action == "share" and isinstance(old, list):  # the same objects twice: PyYAML writes anchors and aliases
        record = _replace(base, where, old + old)
    elif action == "add" or not where:
        record = {**base, data.draw(st.sampled_from(FIELD_NAMES)): data.draw(values)}
    else:
        record = _replace(base, where, data.draw(values))
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "ho-so.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _check_outcome(path, renderer)


YAML_BITS = [
    ":",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "|",
    ">",
    '"',
    "'",
    "\\",
    "#",
    "\t",
    "\n",
    "\n  ",
    "\n    ",
    "---",
    "...",
    "? ",
    "%YAML 1.1\n",
    "<<: ",
    "\x07",
    "\ufeff",
    "\u2028",
    "\\x07",
    "\\ud800",
    "0o7",
    "010",
    "so",
    "loai",
    "noi_dung",
    "Bến Tre",
    "~",
    "true",
    "1e9",
]


@HOSTILE
@given(parts=st.lists(st.sampled_from(YAML_BITS), max_size=60))
def test_random_yaml_text_is_data_or_located_error(parts):
    """Token soup: the loader and the validator give data, a record or a located error — nothing else."""
    source = "".join(parts)
    try:
        data, lines = load_yaml_text(source, "ho-so.yaml")
        validate_data(data, "ho-so.yaml", lines)
    except CongvanError as exc:
        assert exc.problems and all(p.file == "ho-so.yaml" for p in exc.problems), str(exc)


@HOSTILE
@given(depth=st.integers(min_value=1, max_value=3000), flow=st.booleans(), wrap=st.sampled_from(["[", "{a: "]))
def test_deep_nesting_is_bounded(depth, flow, wrap):
    if flow:
        close = "]" if wrap == "[" else "}"
        source = "noi_dung: " + wrap * depth + "x" + close * depth + "\n"
    else:
        source = "noi_dung:\n" + "".join(" " * i + "- \n" for i in range(1, depth)) + " " * depth + "- x\n"
    try:
        data, lines = load_yaml_text(source, "ho-so.yaml")
        validate_data({**BASES[0], **data}, "ho-so.yaml", lines)
    except CongvanError as exc:
        assert all(p.file == "ho-so.yaml" for p in exc.problems)


def _count(data: Any) -> int:
    if isinstance(data, dict):
        return 1 + sum(_count(v) for v in data.values())
    if isinstance(data, list):
        return 1 + sum(_count(v) for v in data)
    return 1


@HOSTILE
@given(levels=st.integers(min_value=1, max_value=12), width=st.integers(min_value=1, max_value=30))
def test_alias_expansion_is_bounded(levels, width):
    """Nested aliases load only while they copy at most MAX_ALIAS_NODES values; memory stays flat."""
    source = "l0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for i in range(1, levels):
        source += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        data, _ = load_yaml_text(source, "ho-so.yaml")
    except CongvanError as exc:
        [problem] = exc.problems
        assert "bí danh" in problem.message and problem.line is not None
    else:
        assert _count(data) <= MAX_ALIAS_NODES + levels * (width + 2) + 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB: under 200 MB


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_still_load(sample):
    assert load_record(sample).trich_yeu
