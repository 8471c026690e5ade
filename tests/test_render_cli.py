"""``congvan render``: all or nothing across the whole command, Vietnamese errors only."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from congvan.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOOD = sorted((ROOT / "records").glob("*.yaml"))[:3]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _published(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _copy(records: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for record in records:
        shutil.copy(record, folder / record.name)
    return folder


def test_same_stem_in_two_folders_is_refused_before_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _copy(GOOD[:1], tmp_path / "a")
    b = _copy(GOOD[:1], tmp_path / "b")
    out = tmp_path / "out"
    code, text = _run(["render", str(a), str(b), "-o", str(out)], capsys)
    assert code == 1
    assert "trùng tên văn bản xuất" in text and "Lỗi nội bộ" not in text
    assert _published(out) == []


def test_yaml_and_yml_with_one_stem_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _copy(GOOD[:1], tmp_path / "in")
    shutil.copy(GOOD[0], folder / (GOOD[0].stem + ".yml"))
    code, text = _run(["render", str(folder), "-o", str(tmp_path / "out")], capsys)
    assert code == 1 and "trùng tên văn bản xuất" in text
    assert _published(tmp_path / "out") == []


def test_error_in_the_last_record_publishes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A record that validates but fails while rendering (a missing signature image)."""
    folder = _copy(GOOD, tmp_path / "in")
    bad = folder / "zzz-thieu-anh.yaml"
    text = GOOD[0].read_text(encoding="utf-8").replace("ho_ten:", "anh_chu_ky: khong-co.png\n    ho_ten:", 1)
    assert "anh_chu_ky" in text
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, message = _run(["render", str(folder), "-o", str(out)], capsys)
    assert code == 1
    assert "không tìm thấy tệp ảnh" in message
    assert _published(out) == [], "no DOCX, no staging folder left behind"


def test_output_folder_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("x")
    code, text = _run(["render", str(GOOD[0]), "-o", str(blocker)], capsys)
    assert code == 1
    assert "thư mục xuất là một tệp" in text and "Lỗi nội bộ" not in text


def test_output_folder_that_cannot_be_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, text = _run(["render", str(GOOD[0]), "-o", str(blocker / "sub")], capsys)
    assert code == 1
    assert "không tạo được thư mục xuất" in text and "Lỗi nội bộ" not in text


def test_disk_full_is_a_vietnamese_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("congvan.fileio.write_bytes_atomic", full)
    out = tmp_path / "out"
    code, text = _run(["render", *map(str, GOOD), "-o", str(out)], capsys)
    assert code == 1
    assert "đĩa đầy" in text and "Lỗi nội bộ" not in text
    assert _published(out) == []


def test_leftover_staging_of_a_killed_run_is_removed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from congvan.pdf.procs import STAGING_PREFIX

    out = tmp_path / "out"
    leftover = out / f"{STAGING_PREFIX}killed"
    leftover.mkdir(parents=True)
    (leftover / ".owner.lock").write_text("")
    (leftover / "half.docx").write_bytes(b"PK")
    code, _ = _run(["render", str(GOOD[0]), "-o", str(out)], capsys)
    assert code == 0
    assert _published(out) == [GOOD[0].stem + ".docx"]


def test_a_real_bug_writes_a_log_the_message_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("lỗi giả để thử")

    monkeypatch.setenv("CONGVAN_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("CONGVAN_DEBUG", raising=False)
    monkeypatch.setattr("congvan.render.document.DocumentRenderer.render_bytes", boom)
    code, text = _run(["render", str(GOOD[0]), "-o", str(tmp_path / "out")], capsys)
    assert code == 2
    (log,) = (tmp_path / "logs").glob("loi-*.log")
    assert str(log) in text
    assert "RuntimeError: lỗi giả để thử" in log.read_text(encoding="utf-8")
    assert "Traceback" in log.read_text(encoding="utf-8")
