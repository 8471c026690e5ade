"""The one YAML loader: limits, duplicate keys, YAML 1.2 scalars, control characters, Vietnamese errors."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from congvan.errors import CongvanError
from congvan.records import yaml_source
from congvan.records.loader import load_record
from congvan.records.yaml_source import load_yaml_file, load_yaml_text
from test_records_validation import GOOD

#: Words of libyaml's or pydantic's English that must never reach a user.
ENGLISH = re.compile(
    r"\b(found|expected|allowed|should|Input|while|scanning|parsing|character|token|"
    r"Keys|strings|finite|number|mapping|sequence|or|not|valid|the)\b"
)


def _error(text: str | bytes, source: str = "ho-so.yaml") -> CongvanError:
    with pytest.raises(CongvanError) as info:
        load_yaml_text(text, source)
    return info.value


def _one(text: str | bytes) -> tuple[str, int | None, str | None]:
    problems = _error(text).problems
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.file == "ho-so.yaml"
    assert not ENGLISH.search(p.message), p.message
    return p.message, p.line, p.field


# --- YAML 1.2 scalars: nothing guessed ------------------------------------------------


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("010", "010"),  # YAML 1.1 read this as octal 8
        ("0912345678", "0912345678"),  # a phone number keeps its leading zero
        ("7", 7),
        ("-7", -7),
        ("1.5", 1.5),
        ("true", True),
        ("False", False),
        ("yes", "yes"),  # YAML 1.1 boolean
        ("on", "on"),
        ("12:30", "12:30"),  # YAML 1.1 sexagesimal 750
        ("1_000", "1_000"),
        ("0x1F", "0x1F"),
        (".inf", ".inf"),
        ("1e400", "1e400"),  # would overflow to infinity
        ("1.0e+20", 1.0e20),
        ("1e5", "1e5"),  # PyYAML writes this text unquoted
        ("-.5", "-.5"),
        ("9" * 30, "9" * 30),  # too long to be a number
        ("2026-03-20", "2026-03-20"),  # dates are parsed by the record model, with their line
        ("~", None),
        ("", None),
        ("'7'", "7"),
        ("!!str 7", "7"),
        ("!!float 7", 7.0),
    ],
)
def test_scalars_follow_yaml_1_2_without_guessing(written, value):
    data, _ = load_yaml_text(f"a: {written}\n", "x.yaml")
    assert data == {"a": value} and type(data["a"]) is type(value)


def test_keys_are_always_text():
    data, _ = load_yaml_text("1: a\ntrue: b\nnull: c\n", "x.yaml")
    assert data == {"1": "a", "true": "b", "null": "c"}


@pytest.mark.parametrize(("so", "printed"), [("010", 10), ('"07"', 7)])
def test_so_is_decimal(tmp_path, so, printed):
    path = tmp_path / "ho-so.yaml"
    path.write_text(GOOD.replace("so: 7", f"so: {so}"), encoding="utf-8")
    assert load_record(path).so == printed


def test_so_true_is_refused(tmp_path):
    path = tmp_path / "ho-so.yaml"
    path.write_text(GOOD.replace("so: 7", "so: true"), encoding="utf-8")
    with pytest.raises(CongvanError) as info:
        load_record(path)
    [p] = info.value.problems
    assert p.field == "so" and p.line == 5 and "true/false" in p.message


# --- refusals, each located and in Vietnamese ---------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("a: 1\nb:\n  c: 1\n  c: 2\n", 4, "b.c", "lặp lại (đã có ở dòng 3)"),
        ("a: 1\n'a': 2\n", 2, "a", "lặp lại"),
        ('a:\n  - "x\\x07y"\n', 2, "a[0]", "U+0007"),
        ('a:\n  "k\\u0001": 1\n', 2, "a", "U+0001"),
        ('a: "\\uFFFE"\n', 1, "a", "U+FFFE"),
        ("a: 1\nb: x\x07y\n", 2, None, "U+0007"),  # raw: refused by libyaml's reader
        ("? [a]\n: b\n", 1, None, "tên trường phải là chữ"),
        ("<<: {a: 1}\n", 1, "<<", "'<<'"),
        ("a: !!binary aGk=\n", 1, "a", "thẻ YAML"),
        ("a: !!int x\n", 1, "a", "không phải số nguyên"),
        ("a: !foo\n  b: 1\n", 1, "a", "thẻ YAML"),
        ("a: &x [1, *x]\n", 1, "a", "vòng lặp"),
        ("a:\n\t- 2\n", 2, None, "Tab"),
        ("a: 1\n\tb: 2\n", 2, None, "Tab"),
        ("a: @x\n", 1, None, "'@'"),
        ("a: b: c\n", 1, None, "dấu ':'"),
        ("a: [1\n", 2, None, "']'"),
        ("a: 'x\n", 2, None, "dấu nháy"),
        ("a: *x\n", 1, None, "bí danh"),
        ("a: &x 1\nb: &x 2\n", 2, None, "lần đầu ở dòng 1"),
        ("a: 1\n---\nb: 2\n", 2, None, "một tài liệu"),
        ('a: "\\q"\n', 1, None, "'\\'"),
        (b"a: 1\nb: \xff\n", 2, None, "UTF-8"),
        ("", None, None, "rỗng"),
    ],
)
def test_refusals_are_located_vietnamese(text, line, field, words):
    message, got_line, got_field = _one(text)
    assert words in message
    assert got_line == line
    assert got_field == field


def test_limits_name_what_was_too_big(monkeypatch):
    deep = "a: " + "[" * 150 + "]" * 150 + "\n"
    message, line, _ = _one(deep)
    assert "lồng nhau quá sâu" in message and str(yaml_source.MAX_DEPTH) in message and line == 1
    message, line, _ = _one("a: " + "[" * 2000 + "]" * 2000 + "\n")  # past libyaml's own limit
    assert "lồng nhau quá sâu" in message and line == 1
    block = "a:\n" + "".join(" " * (i + 1) + "-\n" for i in range(120)) + " " * 122 + "x\n"
    message, _, _ = _one(block)
    assert "lồng nhau quá sâu" in message

    monkeypatch.setattr(yaml_source, "MAX_NODES", 1_000)
    message, line, _ = _one("a: [" + ",".join(["1"] * 1_500) + "]\n")
    assert "quá 1.000 giá trị" in message and line == 1

    monkeypatch.setattr(yaml_source, "MAX_BYTES", 100)
    message, _, _ = _one("a: " + "x" * 200)
    assert "tệp quá lớn" in message


def test_file_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "lon.yaml"
    path.write_bytes(b"a: " + b"x" * 5000)
    monkeypatch.setattr(yaml_source, "MAX_BYTES", 1000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read before the size check"))
    with pytest.raises(CongvanError, match="tệp quá lớn"):
        load_yaml_file(path)


def alias_bomb(levels: int = 9, width: int = 10) -> str:
    """The classic "billion laughs": ~1 KB that expands to width**levels values."""
    text = "l0: &l0 [" + ", ".join(["lol"] * width) + "]\n"
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n"
    return text


def test_alias_bomb_is_refused_quickly():
    bomb = alias_bomb()
    assert len(bomb) < 1500
    start = time.process_time()
    message, line, field = _one(bomb)
    assert time.process_time() - start < 5  # bounded: stops at the alias budget, not at 10**9 values
    assert "bí danh" in message and "10.000" in message
    assert line is not None and field is not None


def test_small_aliases_are_copied():
    data, _ = load_yaml_text("a: &ds [x, y]\nb: *ds\nc: &n 3\nd: *n\n", "x.yaml")
    assert data == {"a": ["x", "y"], "b": ["x", "y"], "c": 3, "d": 3}
    assert data["a"] is not data["b"]


def test_line_map_from_nodes():
    _data, lines = load_yaml_text("a: 1\nb:\n  - x\n  - c: 2\n    d: 3\nco:\n  ten: T\n", "x.yaml")
    assert lines.line_for(("b", 1, "d")) == 5
    assert lines.line_for(("b", 1, "zz")) == 4  # deepest ancestor present
    assert lines.line_for(("co", 0, "ten")) == 7  # a list field written as one group
    assert lines.line_for(()) == 1


def test_bom_and_utf8(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes("\ufeffa: Bến Tre\n".encode())
    assert load_yaml_file(path)[0] == {"a": "Bến Tre"}


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(CongvanError, match="không tìm thấy tệp"):
        load_yaml_file(tmp_path / "khong-co.yaml")
    with pytest.raises(CongvanError, match="thư mục"):
        load_yaml_file(tmp_path)


# --- the batch's YAML files go through the same loader --------------------------------


def test_batch_files_refuse_duplicate_keys(tmp_path):
    from congvan.batch.dot import load_dot
    from congvan.batch.rows import parse_mapping_options

    dot = Path(__file__).resolve().parent.parent / "records" / "batch" / "dot_2026.yaml"
    text = dot.read_text(encoding="utf-8")
    assert load_dot(dot).nam == 2026
    bad = tmp_path / "dot.yaml"
    bad.write_text(text.replace("nam: 2026\n", "nam: 2026\nnam: 2027\n"), encoding="utf-8")
    with pytest.raises(CongvanError) as info:
        load_dot(bad)
    [p] = info.value.problems
    assert p.file.endswith("dot.yaml") and "lặp lại" in p.message and p.line == text.splitlines().index("nam: 2026") + 2

    mapping = tmp_path / "anh_xa.yaml"
    mapping.write_text("Họ và tên: ho_ten\nĐịa chỉ: dia_chi\nHọ và tên: ten\n", encoding="utf-8")
    with pytest.raises(CongvanError) as info:
        parse_mapping_options([], mapping)
    [p] = info.value.problems
    assert p.line == 3 and "lặp lại" in p.message and p.field == "Họ và tên"

    mapping.write_text("Họ và tên: ho_ten\n\tĐịa chỉ: dia_chi\n", encoding="utf-8")
    with pytest.raises(CongvanError) as info:
        parse_mapping_options([], mapping)
    assert "Tab" in str(info.value) and not ENGLISH.search(str(info.value))


# --- what PyYAML writes (web drafts, the importer, `congvan mau`), congvan reads back unchanged --------


@settings(max_examples=150, deadline=None, database=None, derandomize=bool(os.environ.get("CI")))
@given(
    value=st.recursive(
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1),
            st.floats(allow_nan=False, allow_infinity=False),
            st.text(st.characters(exclude_categories=["Cs", "Cc", "Cn"]), max_size=20),
            st.sampled_from(["010", "0912345678", "1e5", "1.0e5", "-.5", "yes", "12:30", "~", "00", "+7", "1_000"]),
        ),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(
                st.text(st.characters(exclude_categories=["Cs", "Cc", "Cn"]), max_size=5), inner, max_size=3
            ),
        ),
        max_leaves=8,
    )
)
def test_pyyaml_dumps_read_back_unchanged(value):
    """Every scalar congvan reads as a number, boolean or null is one PyYAML's dumper quotes when it is text."""
    value = {"a": value}
    try:
        text = yaml.safe_dump(value, allow_unicode=True)
    except yaml.YAMLError:
        return
    assert load_yaml_text(text, "x.yaml")[0] == value
