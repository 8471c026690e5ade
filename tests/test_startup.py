"""What one ``congvan render`` process pays for, and the engine's public API for derived templates.

Per-process cost is kept low by loading only what a run uses: the validator of the
record kinds it reads (models are ``defer_build``), no PDF pool, no docxtpl, no
xml.sax (which drags in urllib and ssl). These tests check the mechanism, not a time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from congvan.batch.fast import specialise
from congvan.errors import CongvanError
from congvan.records.loader import validate_data
from congvan.render.engine import LINE_MARK, CompiledTemplate, finish_output
from congvan.render.jinja_env import TemplateLimits

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "records" / "003-chuong-trinh-phoi-hop-yen-bai.yaml"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOC = "word/document.xml"
#: Modules a render of one record has no use for (docxtpl only compiles a template the cache lacks).
NOT_NEEDED = (
    "docxtpl",
    "docx",
    "sqlalchemy",
    "openpyxl",
    "congvan.pdf.warm",
    "congvan.pdf.convert",
    "congvan.batch",
    "congvan.register",
    "xml.sax.saxutils",
    "urllib.request",
    "ctypes",
)


def test_render_of_one_record_loads_only_what_it_uses(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from congvan.cli import main\n"
        f"try:\n    main(['render', {str(PLAN)!r}, '-o', {str(tmp_path)!r}])\nexcept SystemExit:\n    pass\n"
        "from congvan.records.models import KINDS\n"
        f"loaded = [m for m in {NOT_NEEDED!r} if m in sys.modules]\n"
        "built = [k.__name__ for k in KINDS if k.__pydantic_complete__]\n"
        "print(json.dumps({'loaded': loaded, 'built': built}))\n"
    )
    env = {**os.environ, "CONGVAN_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run compiles the template into the cache, the second is a usual run
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
        )
    assert (tmp_path / f"{PLAN.stem}.docx").is_file(), run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["loaded"] == []
    assert seen["built"] == ["ChuongTrinhPhoiHop"]  # the kind it read, not all twelve


BASE = {
    "co_quan_ban_hanh": {"ten": "LIÊN ĐOÀN LAO ĐỘNG TỈNH BẾN TRE", "viet_tat": "LĐLĐ"},
    "dia_danh": "Bến Tre",
    "trich_yeu": "Tổ chức Tháng Công nhân",
    "noi_dung": ["Nội dung."],
    "chu_ky": [{"quyen_han": "TM", "thay": "BAN THƯỜNG VỤ", "chuc_vu": "CHỦ TỊCH", "ho_ten": "Nguyễn Văn An"}],
    "noi_nhan": ["Như trên", "Lưu: VT"],
}


@pytest.mark.parametrize(
    ("loai", "words"),
    [(None, "thiếu trường 'loai'"), ("ke_hoachh", "có phải là 'ke_hoach'"), (7, "loại văn bản '7' không có")],
)
def test_the_kind_tag_picks_the_model_and_a_bad_one_is_named(loai: object, words: str) -> None:
    data = {**BASE, **({} if loai is None else {"loai": loai})}
    with pytest.raises(CongvanError) as caught:
        validate_data(data, "ho-so.yaml")
    (problem,) = caught.value.problems
    assert problem.field == "loai"
    assert words in problem.message, problem.message


def test_errors_of_the_kind_keep_their_field_path() -> None:
    data = {**BASE, "loai": "ke_hoach", "chu_ky": [{"quyen_han": "TM", "thay": "BAN", "chuc_vu": "X", "ho_tn": "A"}]}
    with pytest.raises(CongvanError) as caught:
        validate_data(data, "ho-so.yaml")
    fields = {p.field for p in caught.value.problems}
    assert "chu_ky[0].ho_tn" in fields, fields
    assert any("có phải là 'ho_ten'" in p.message for p in caught.value.problems)


def test_data_built_in_code_is_still_checked_for_characters() -> None:
    """Only YAML from the reader skips the rules' character walk; data from code keeps it."""
    with pytest.raises(CongvanError) as caught:
        validate_data({**BASE, "loai": "ke_hoach", "trich_yeu": "Tháng\x07 Công nhân"}, "web")
    assert any(p.field == "trich_yeu" and "U+0007" in p.message for p in caught.value.problems)


def _template(body: str, limits: TemplateLimits | None = None) -> CompiledTemplate:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    kwargs = {"limits": limits} if limits else {}
    return CompiledTemplate({DOC: document.encode("utf-8")}, name="mau.docx", cache=False, **kwargs)


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_paragraph_marks_count_lines_and_leave_nothing_in_the_output() -> None:
    template = _template(_p("Một {{ a }}") + _p("Hai") + _p("Ba {{ b.c.d }}"))
    assert template.sources[DOC].count(LINE_MARK) == 3
    out = template.render_part(DOC, {"a": "x", "b": {"c": {"d": "y"}}})
    assert "{#" not in out and "#}" not in out and "\n<w:p" not in out
    assert "Một x" in out and "Ba y" in out
    with pytest.raises(CongvanError) as caught:
        template.render_part(DOC, {"a": "x", "b": {}})
    message = str(caught.value)
    assert "“Ba {{ b.c.d }}”" in message, message  # the third paragraph, no mark debris


def test_finish_output_keeps_docxtpl_escapes_and_listing() -> None:
    assert finish_output("<a>{_{ x }_}</a>") == "<a>{{ x }}</a>"
    assert finish_output('<?xml version="1.0"?>\n<a/>') == '<?xml version="1.0"?>\n<a/>'


def test_specialised_part_renders_like_the_engine_and_under_its_limits() -> None:
    loops = "{% for i in range(n) %}{% for j in range(n) %}{% endfor %}{% endfor %}"
    body = _p("{{ co_quan }} cấp cho {{ ten }}") + loops
    limits = TemplateLimits(seconds=0.5, output_chars=2_000_000, memory_mb=512)
    template = _template(body, limits)
    fast = specialise(template, {"co_quan": "LĐLĐ & Co", "n": 2}, {"ten"})
    assert fast is not None and "co_quan" in fast.folded
    row = {"ten": "Bà <An>"}
    assert fast.render(row) == template.render_part(DOC, {"co_quan": "LĐLĐ & Co", "n": 2, **row})
    slow = specialise(template, {"co_quan": "X", "n": 100_000}, {"ten"})
    assert slow is not None
    start = time.perf_counter()
    with pytest.raises(CongvanError) as caught:
        slow.render(row)
    assert time.perf_counter() - start < 10
    assert "giây" in str(caught.value)


@pytest.mark.parametrize("tag", ["{{ a|_cv_out(0) }}", "{% for x in a|_cv_loop %}{% endfor %}", "{{ a|_cv_lit }}"])
def test_a_template_cannot_use_the_guard_filters(tag: str) -> None:
    with pytest.raises(CongvanError) as caught:
        _template(_p(tag))
    assert "dành riêng cho congvan" in str(caught.value)


def test_profiles_are_cached_across_processes_and_a_bad_entry_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from congvan import disk_cache
    from congvan.profiles import RuleProfile, _profile_data, load_profile

    monkeypatch.setenv("CONGVAN_CACHE_DIR", str(tmp_path))
    fresh = RuleProfile.model_validate(_profile_data("nd30"))
    first = load_profile.__wrapped__("nd30")  # uncached in process: builds and stores
    (entry,) = tmp_path.glob("quy-tac-nd30-*.pickle")
    assert first == fresh
    calls: list[str] = []
    monkeypatch.setattr(RuleProfile, "model_validate", lambda data: calls.append("built") or fresh)
    assert load_profile.__wrapped__("nd30") == fresh and calls == []  # read from the entry
    entry.write_bytes(entry.read_bytes()[:-20])  # truncated: never trusted
    assert load_profile.__wrapped__("nd30") == fresh and calls == ["built"]
    key = disk_cache.key_of("x", [b"a"])
    assert disk_cache.cached("x", key, lambda: 1, int) == 1
    assert disk_cache.cached("x", disk_cache.key_of("x", [b"b"]), lambda: 2, int) == 2  # other input, other entry
    assert disk_cache.cached("x", key, lambda: 3, int) == 1


def test_disk_cache_keeps_a_bounded_number_of_entries_per_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from congvan import disk_cache

    monkeypatch.setenv("CONGVAN_CACHE_DIR", str(tmp_path))
    for i in range(disk_cache.KEEP_PER_KIND + 5):
        disk_cache.cached("y", disk_cache.key_of("y", [str(i).encode()]), lambda i=i: i, int)
    disk_cache.cached("z", disk_cache.key_of("z", [b"0"]), lambda: 0, int)
    assert len(list(tmp_path.glob("y-*.pickle"))) == disk_cache.KEEP_PER_KIND
    assert len(list(tmp_path.glob("z-*.pickle"))) == 1
