"""Compiled templates cached across processes: used when valid, rebuilt when not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from congvan.render import template_cache
from congvan.render.engine import CompiledTemplate, load_template_parts

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "templates" / "cong_van.docx"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CONGVAN_CACHE_DIR", str(folder))
    return folder


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.bin"))


def _no_compile(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: CompiledTemplate, strict: bool) -> None:
        raise AssertionError("compiled although a valid cache entry exists")

    monkeypatch.setattr(CompiledTemplate, "_compile", fail)


def test_second_load_uses_the_cache_and_renders_the_same(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = CompiledTemplate.load(TEMPLATE)
    assert len(_entries(cache)) == 1
    _no_compile(monkeypatch)
    second = CompiledTemplate.load(TEMPLATE)
    assert second.used_names == first.used_names
    assert second.sources == first.sources
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"",
        lambda b: b[: len(b) // 2],
        lambda b: b"garbage" + b[7:],
        lambda b: b[:-1],
        lambda b: b[:200] + bytes(x ^ 0x5A for x in b[200:260]) + b[260:],
        lambda b: b + b"trailing",
    ],
)
def test_corrupt_entry_is_rebuilt_not_trusted(cache: Path, damage: object) -> None:
    reference = CompiledTemplate.load(TEMPLATE)
    (entry,) = _entries(cache)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    again = CompiledTemplate.load(TEMPLATE)
    assert again.sources == reference.sources
    assert template_cache.load(entry.stem, again.env) is not None  # rewritten, valid


def test_key_follows_content_version_and_engine(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = load_template_parts(TEMPLATE)
    env = CompiledTemplate(parts, name="a").env
    key = template_cache.key_for(parts, ["word/document.xml"], env, False)
    changed = dict(parts, **{"word/document.xml": parts["word/document.xml"].replace(b"{{", b"{{ ", 1)})
    assert template_cache.key_for(changed, ["word/document.xml"], env, False) != key
    assert template_cache.key_for(parts, ["word/document.xml"], env, True) != key
    monkeypatch.setattr("congvan.__version__", "9.9.9")
    assert template_cache.key_for(parts, ["word/document.xml"], env, False) != key


def test_entry_for_another_key_is_not_used(cache: Path) -> None:
    CompiledTemplate.load(TEMPLATE)
    (entry,) = _entries(cache)
    entry.rename(cache / ("0" * 64 + ".bin"))
    assert template_cache.load("0" * 64, CompiledTemplate.load(TEMPLATE).env) is None


def test_unwritable_cache_folder_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CONGVAN_CACHE_DIR", str(blocker / "cache"))
    assert CompiledTemplate.load(TEMPLATE).compiled


def test_warm_render_skips_compile_and_docxtpl(tmp_path: Path) -> None:
    """A second process renders from the cache without importing docxtpl or compiling."""
    record = ROOT / "records" / "000-ke-hoach-lien-tich-ldld-hkh-ben-tre.yaml"
    code = (
        "import sys\n"
        "from congvan.render.engine import CompiledTemplate\n"
        "calls = []\n"
        "orig = CompiledTemplate._compile\n"
        "CompiledTemplate._compile = lambda self, s: calls.append(1) or orig(self, s)\n"
        "from congvan.cli import main\n"
        f"try:\n    main(['render', {str(record)!r}, '-o', {str(tmp_path / 'o')!r}])\n"
        "except SystemExit as e:\n    assert not e.code, e.code\n"
        "print('COMPILED', len(calls), 'DOCXTPL', 'docxtpl' in sys.modules)\n"
    )
    env = {"CONGVAN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert "COMPILED 1" in cold.stdout
    assert "COMPILED 0 DOCXTPL False" in warm.stdout


def test_engine_edit_with_the_same_mtime_changes_the_key(tmp_path, monkeypatch):
    """The engine's code is keyed by content: an edit that keeps the file's mtime (a checkout, a copy) is seen."""
    import shutil
    from pathlib import Path

    here = Path(template_cache.__file__).resolve().parent
    for name in template_cache._ENGINE_FILES:
        shutil.copy2(here / name, tmp_path / name)
    monkeypatch.setattr(template_cache, "__file__", str(tmp_path / "template_cache.py"))
    before = template_cache._engine_stamp()
    engine = tmp_path / "engine.py"
    stat = engine.stat()
    engine.write_bytes(engine.read_bytes() + b"\n# edited\n")
    os.utime(engine, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert engine.stat().st_mtime_ns == stat.st_mtime_ns
    assert template_cache._engine_stamp() != before
