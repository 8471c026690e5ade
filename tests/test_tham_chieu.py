"""The field reference and the starter records are generated from the models and stay true.

``docs/ho-so.md`` must equal what the models generate now; every field a record accepts
needs a Vietnamese description; the starter of every kind (``congvan mau``), as printed
with its example values, must validate and render.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, Field

from congvan.cli import main
from congvan.records.loader import load_record
from congvan.records.models import KINDS, VanBanChung
from congvan.records.tham_chieu import (
    DOCS_PAGE,
    _unused,
    kinds_by_slug,
    reachable_models,
    reference_markdown,
    starter,
)

ROOT = Path(__file__).resolve().parents[1]
#: A Vietnamese description has at least one letter outside ASCII (a diacritic).
_VIET = re.compile(r"[^\x00-\x7f]")


def _undescribed(models: list[type[BaseModel]]) -> list[str]:
    return [
        f"{m.__name__}.{name}"
        for m in models
        for name, f in m.model_fields.items()
        if not f.description or not _VIET.search(f.description)
    ]


def test_every_field_has_a_vietnamese_description():
    assert _undescribed([VanBanChung, *KINDS, *reachable_models()]) == []


def test_the_description_check_catches_a_missing_or_english_one():
    class Thu(BaseModel):
        a: str = Field(description="Tên cơ quan")
        b: str = Field(description="issuing body")
        c: str

    assert _undescribed([Thu]) == ["Thu.b", "Thu.c"]


def test_docs_page_is_current():
    page = (ROOT / DOCS_PAGE).read_text(encoding="utf-8")
    assert page == reference_markdown(), "docs/ho-so.md đã cũ: chạy python -m congvan.records.tham_chieu"


def test_docs_page_lists_every_field_of_every_model():
    page = reference_markdown()
    sections = re.split(r'(?m)^<a id="([^"]+)"></a>$', page)
    by_anchor = dict(zip(sections[1::2], sections[2::2], strict=True))
    for model in reachable_models():
        table = by_anchor[model.__name__.lower()]
        for name in model.model_fields:
            assert f"| `{name}` |" in table, (model.__name__, name)
    for kind in KINDS:
        slug = kind.model_fields["loai"].annotation.__args__[0].replace("_", "-")
        own = by_anchor[slug] + by_anchor["truong-chung"]
        for name in kind.model_fields:
            assert f"| `{name}` |" in own, (kind.__name__, name)


@pytest.mark.parametrize("name", ["thay_mat", "kem_theo", "mat", "quy_tac", "do_mat", "lien_he", "can_le"])
def test_fields_once_found_only_in_sample_comments_are_documented(name):
    assert f"| `{name}` |" in reference_markdown()


@pytest.mark.parametrize("slug", sorted(kinds_by_slug()))
def test_starter_validates_as_printed(slug, tmp_path):
    path = tmp_path / f"{slug}.yaml"
    path.write_text(starter(slug), encoding="utf-8")
    record = load_record(path)
    assert type(record) is kinds_by_slug()[slug]


@pytest.mark.parametrize("slug", sorted(kinds_by_slug()))
def test_starter_shows_every_field_of_its_kind_with_a_comment(slug):
    text = starter(slug)
    kind = kinds_by_slug()[slug]
    for name, field in kind.model_fields.items():
        line = re.search(rf"(?m)^(# )?{name}:.*$", text)
        assert (line is None) == _unused(field), (slug, name)
        if line:
            assert "  # " in line.group(0) or line.group(0).endswith(":"), line.group(0)
    # Every uncommented top-level key carries its description as a comment.
    for line in re.findall(r"(?m)^\w+:.*$", text):
        assert "  # " in line, line


def test_starter_of_a_signature_shows_thay_mat_commented():
    text = starter("ke-hoach")
    assert re.search(r"(?m)^    # thay_mat: ", text)
    uncommented = yaml.safe_load(re.sub(r"(?m)^\s*# .*$", "", text))
    assert "thay_mat" not in uncommented["chu_ky"][0]


def test_starter_renders_to_a_document(renderer, tmp_path):
    for slug in kinds_by_slug():
        path = tmp_path / f"{slug}.yaml"
        path.write_text(starter(slug), encoding="utf-8")
        data = renderer.render_bytes(load_record(path), base_dir=tmp_path)
        assert data[:2] == b"PK", slug


def _run(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_mau_command_lists_kinds_writes_and_refuses(tmp_path, capsys):
    assert _run(["mau"]) == 0
    listing = capsys.readouterr().out
    for slug in kinds_by_slug():
        assert f"  {slug} " in listing
    target = tmp_path / "moi.yaml"
    assert _run(["mau", "giay-moi", "-o", str(target)]) == 0
    capsys.readouterr()
    assert _run(["validate", str(target)]) == 0
    assert "Hợp lệ" in capsys.readouterr().out
    assert _run(["mau", "giay-moi", "-o", str(target)]) == 1
    assert "tệp đã có" in capsys.readouterr().err


def test_mau_command_unknown_kind_suggests(capsys):
    assert _run(["mau", "giay-moii"]) == 1
    err = capsys.readouterr().err
    assert "không có loại hồ sơ 'giay-moii'" in err and "giay-moi" in err
    assert "Traceback" not in err
