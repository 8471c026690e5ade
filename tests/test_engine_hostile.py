"""Hostile templates and data: every render gives a well-formed DOCX or a located error.

The invariant, not a fixed output: whatever the template does (filters over
escaped data, comments across paragraphs, attempts to switch escaping off, loops
that never end, output that never stops), rendering either returns parts that
lxml parses and that hold no XML-illegal character, or raises a Vietnamese
:class:`CongvanError` naming the template; and it does so in bounded time.
"""

from __future__ import annotations

import random
import time
from html import unescape

import pytest
from lxml import etree

from congvan.errors import CongvanError
from congvan.render.engine import CompiledTemplate
from congvan.render.jinja_env import TemplateLimits
from congvan.vi.ky_tu import ky_tu_cam_dau_tien

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOC = "word/document.xml"
NAME = "mau-thu.docx"
FAST = TemplateLimits(seconds=0.5, output_chars=2_000_000, memory_mb=512)
DATA = {"x": "A & B <c> \"d\" 'e'", "rows": [f"dòng {i} & <{i}>" for i in range(50)], "n": 3}


def _para(text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<w:p><w:r><w:t xml:space="preserve">{escaped}</w:t></w:r></w:p>'


def _parts(body_xml: str) -> dict[str, bytes]:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{body_xml}<w:sectPr/></w:body></w:document>'
    )
    return {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        DOC: document.encode("utf-8"),
    }


def _compile(body_xml: str, **kwargs: object) -> CompiledTemplate:
    return CompiledTemplate(_parts(body_xml), name=NAME, limits=FAST, cache=False, **kwargs)  # type: ignore[arg-type]


def _text(xml: bytes) -> str:
    root = etree.fromstring(xml)
    return "".join(t.text or "" for t in root.iter(f"{{{W}}}t"))


def _render_or_error(body_xml: str, data: dict[str, object] = DATA) -> bytes | CongvanError:
    """The invariant: a well-formed part free of illegal characters, or a located error."""
    try:
        template = _compile(body_xml)
        out = template.render_parts(data)[DOC]
    except CongvanError as exc:
        assert NAME in str(exc), f"error does not name the template: {exc}"
        return exc
    etree.fromstring(out)  # well-formed
    assert ky_tu_cam_dau_tien(out.decode("utf-8")) is None
    return out


TEXT = DATA["x"]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("{% filter upper %}{{ x }}{% endfilter %}", TEXT.upper()),
        ("{% filter viet_hoa %}{{ x }}{% endfilter %}", TEXT.upper()),
        ("{{ x|viet_hoa }}", TEXT.upper()),
        ("{{ x|e|upper }}", TEXT.upper()),
        ("{{ x|e|truncate(9, True, '…', 0) }}", TEXT[:8] + "…"),
        ("{{ x|e|reverse }}", TEXT[::-1]),
        ("{{ x|e|replace('&', 'và') }}", TEXT.replace("&", "và")),
        ("{{ (x|e).upper() }}", TEXT.upper()),
        ("{{ (x|e)[0:5] }}", TEXT[0:5]),
        ("{{ x|e|length }}", str(len(TEXT))),
        ("{{ x|forceescape }}", TEXT),
        ("{% set y %}{{ x }}{% endset %}{{ y|upper }}", TEXT.upper()),
        ("{% macro m() %}{{ x }}{% endmacro %}{{ m()|lower }}", TEXT.lower()),
        ("{{ '%s!' % (x|e) }}", TEXT + "!"),
        ("{{ [x, x]|join(' & ') }}", f"{TEXT} & {TEXT}"),
    ],
)
def test_filters_see_text_and_xml_sees_escaped_text(tag: str, expected: str) -> None:
    """Escaping happens after every filter: 'A & B' never becomes '&AMP;'."""
    out = _render_or_error(_para(tag))
    assert isinstance(out, bytes), out
    assert _text(out) == expected


def test_filter_block_over_runs_keeps_the_runs() -> None:
    body = (
        '<w:p><w:r><w:t xml:space="preserve">{% filter upper %}a &amp; </w:t></w:r>'
        '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{{ x }}{% endfilter %}</w:t></w:r></w:p>'
    )
    out = _render_or_error(body)
    assert isinstance(out, bytes), out
    assert _text(out) == "A & " + TEXT.upper()
    assert b"<w:b/>" in out


def test_control_character_from_format_is_refused_with_location() -> None:
    err = _render_or_error(_para("Số: {{ '%c'|format(1) }}"))
    assert isinstance(err, CongvanError)
    assert "U+0001" in str(err) and "Số:" in str(err)


def test_control_character_in_data_is_refused() -> None:
    err = _render_or_error(_para("{{ x }}"), {**DATA, "x": "bad\x1bescape"})
    assert isinstance(err, CongvanError)
    assert "U+001B" in str(err)


def test_comment_from_paragraph_into_table_cell_is_refused_at_load() -> None:
    body = (
        _para("{{ x }} trước {# chú thích")
        + '<w:tbl><w:tr><w:tc><w:p><w:r><w:t xml:space="preserve">hết #} sau</w:t></w:r></w:p></w:tc></w:tr></w:tbl>'
    )
    with pytest.raises(CongvanError, match=NAME) as caught:
        _compile(body)
    assert "không có dấu đóng" in str(caught.value) or "không khớp" in str(caught.value)


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("{% autoescape false %}<w:t>{{ x }}</w:t>{% endautoescape %}", "autoescape"),
        ("{# {% if 1 %} #}{% autoescape false %}{{ x }}{% endautoescape %}", "autoescape"),
        ("{% raw %}{% if 1 %}{% endraw %}{% autoescape false %}{{ x }}{% endautoescape %}", "autoescape"),
        ("{{ x|safe }}", "safe"),
        ("{% filter safe %}{{ x }}{% endfilter %}", "safe"),
        ("{{ x|urlize }}", "urlize"),
        ("{{ x|xmlattr }}", "xmlattr"),
        ("{{ x|khong_co }}", "không có bộ lọc"),
        ("{% set _cv_loop = range %}{{ x }}", "dành riêng"),
        ("{% include 'a' %}", "tệp khác"),
    ],
)
def test_no_construct_switches_escaping_off(tag: str, message: str) -> None:
    with pytest.raises(CongvanError, match=message) as caught:
        _compile(_para(tag))
    assert NAME in str(caught.value)


def test_lipsum_is_gone() -> None:
    assert isinstance(_render_or_error(_para("{{ lipsum() }}")), CongvanError)


@pytest.mark.parametrize(
    "body",
    [
        # a branch that leaves a paragraph and enters a table cell: unbalanced
        "<w:p><w:r><w:t>{% if n %}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{% endif %}x</w:t></w:r>"
        "</w:p></w:tc></w:tr></w:tbl>",
        # the same, behind a comment that used to fool a regex checker
        "<w:p><w:r><w:t>{# {% if 1 %} #}{% if n %}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>"
        "{% endif %}x</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
        # a captured block holding half a table
        "<w:p><w:r><w:t>{% set y %}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{% endset %}{{ y }}"
        "</w:t></w:r></w:p></w:tc></w:tr></w:tbl>",
    ],
)
def test_unbalanced_blocks_are_refused(body: str) -> None:
    with pytest.raises(CongvanError, match="khác cấp") as caught:
        _compile(body)
    assert NAME in str(caught.value)


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}", "giây"),
        # 50**5 = 312 million iterations: over the time limit on any machine, however idle
        (
            "{% for i in rows %}{% for j in rows %}{% for k in rows %}{% for l in rows %}{% for m in rows %}"
            "{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
            "giây",
        ),
        ("{% macro m(k) %}{{ m(k) }}{% endmacro %}{{ m(1) }}", "sâu"),
        ("{% macro m(k) %}{% if k %}{{ m(k-1) }}{{ m(k-1) }}{% endif %}{% endmacro %}{{ m(40) }}", "giây|ký tự"),
        ("{% for i in range(99999) %}{{ x }}{{ x }}{{ x }}{% endfor %}", "ký tự|giây"),
        (
            "{% set y %}{% for i in range(99999) %}{% for j in range(50) %}xxxxxxxxxxxxxxxxxxxxxxx{% endfor %}"
            "{% endfor %}{% endset %}",
            "ký tự|giây",
        ),
        ("{{ 'a' * 100000000 }}", "quá lớn"),
        ("{{ 2 ** 999999999 }}", "quá lớn"),
        ("{{ '%999999999d' % 1 }}", "quá lớn"),
        ("{{ x.center(999999999) }}", "quá lớn"),
        ("{{ x|center(999999999) }}", "quá lớn"),
        ("{{ range(10**9)|list }}", "range"),
        ("{{ 1e308 * 1e308 > 0 and (1e308 * 10)|int }}", "quá lớn|lỗi"),
        ("{{ 1 / 0 }}", "chia cho 0"),
    ],
)
def test_limits_instead_of_hangs(tag: str, message: str) -> None:
    start = time.perf_counter()
    err = _render_or_error(_para(tag))
    assert time.perf_counter() - start < 10
    assert isinstance(err, CongvanError)
    assert any(word in str(err) for word in message.split("|")), str(err)


# --- generated variants ------------------------------------------------------------

_DATA_VALUES = ["A & B", "<w:p>", "]]>", "&amp;", "x\x01y", "\ufffe", "'\"", "Đ" * 30, "", "\ud800"]
_FILTERS = [
    "upper",
    "lower",
    "title",
    "e",
    "escape",
    "forceescape",
    "reverse",
    "truncate(3)",
    "trim",
    "replace('&','<')",
    "center(9)",
    "wordwrap(2)",
    "indent(2)",
    "striptags",
    "string",
    "list|join",
    "format",
    "viet_hoa",
    "first",
    "last",
    "length",
    "urlencode",
    "capitalize",
    "default('<&>')",
]
_WRAPPERS = [
    "{{ %s }}",
    "{%% filter upper %%}{{ %s }}{%% endfilter %%}",
    "{%% set y %%}{{ %s }}{%% endset %%}{{ y|reverse }}",
    "{%% macro m() %%}{{ %s }}{%% endmacro %%}{{ m()|truncate(4) }}",
    "{%% for r in [1, 2] %%}{{ %s }}{%% endfor %%}",
    "{{ (%s)|e|upper }}",
]


def _variants(count: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        chain = "|".join(rng.sample(_FILTERS, rng.randint(1, 3)))
        wrapper = rng.choice(_WRAPPERS)
        out.append((wrapper % f"v|{chain}", rng.choice(_DATA_VALUES)))
    return out


@pytest.mark.parametrize(("tag", "value"), _variants(150))
def test_generated_payloads_keep_the_invariant(tag: str, value: str) -> None:
    start = time.perf_counter()
    out = _render_or_error(_para(tag), {**DATA, "v": value})
    assert time.perf_counter() - start < 5
    if isinstance(out, bytes):
        assert "&amp;amp;" not in unescape(out.decode("utf-8")) or "&amp;" in value


def test_data_markup_never_becomes_xml() -> None:
    out = _render_or_error(_para("{{ x }}"), {**DATA, "x": "</w:t></w:r></w:p><w:p>"})
    assert isinstance(out, bytes)
    assert _text(out) == "</w:t></w:r></w:p><w:p>"


def test_dict_lookups_keep_the_sandbox_rules() -> None:
    """Attribute syntax on a dict: keys by item, dict methods through the sandbox (immutable)."""
    from jinja2.exceptions import SecurityError, UndefinedError

    from congvan.render.jinja_env import make_environment

    env = make_environment()
    d = {"kieu": "than", "items": "khóa items", "runs": None}
    assert env.from_string("{{ d.kieu }}|{{ d.runs }}|{{ d['items'] }}").render(d=d) == "than|None|khóa items"
    assert env.from_string("{{ d.items() | list | length }}").render(d=d) == "3"  # the method, as Jinja has it
    with pytest.raises(SecurityError):
        env.from_string("{{ d.update({'kieu': 1}) }}").render(d=d)
    with pytest.raises(UndefinedError):
        env.from_string("{{ d.khong_co }}").render(d=d)
    with pytest.raises(SecurityError):
        env.from_string("{{ d.__class__ }}").render(d={"__class__": 1} | d)
